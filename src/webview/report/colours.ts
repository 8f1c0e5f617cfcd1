/**
 * The report's diverging colour map: negative values blue, positive red-orange, 0 the
 * editor's background, so that it reads in light, dark and high-contrast themes alike
 * (blue against red is also told apart by the common colour-vision deficiencies).
 * Colours are mixed in OKLab, where equal steps look equal. No DOM.
 */

export type RGB = readonly [number, number, number];

export interface Palette {
  neg: RGB;
  mid: RGB;
  pos: RGB;
}

/** `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb(…)`, `rgba(…)`; translucent colours laid over `under`. */
export function parseColour(css: string, under: RGB = [0, 0, 0]): RGB | null {
  const s = css.trim().toLowerCase();
  let r: number, g: number, b: number;
  let a = 1;
  const hex = /^#([0-9a-f]{3,8})$/.exec(s)?.[1];
  if (hex) {
    const full = hex.length <= 4 ? [...hex].map((c) => c + c).join("") : hex;
    if (full.length !== 6 && full.length !== 8) return null;
    [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
    if (full.length === 8) a = parseInt(full.slice(6, 8), 16) / 255;
  } else {
    const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(s);
    if (!m) return null;
    [r, g, b] = [m[1], m[2], m[3]].map(Number);
    if (m[4] !== undefined) a = m[4].endsWith("%") ? parseFloat(m[4]) / 100 : Number(m[4]);
  }
  if (![r, g, b, a].every(Number.isFinite)) return null;
  a = Math.min(1, Math.max(0, a));
  return [r, g, b].map((c, i) => Math.round(c * a + under[i] * (1 - a))) as unknown as RGB;
}

export function css(c: RGB): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

const toLinear = (c: number) => {
  const x = c / 255;
  return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
};
const fromLinear = (x: number) => {
  const c = x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
  return Math.round(Math.min(1, Math.max(0, c)) * 255);
};

/** WCAG relative luminance, 0 (black) to 1 (white). */
export function luminance(c: RGB): number {
  const [r, g, b] = c.map(toLinear);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1 to 21. */
export function contrast(a: RGB, b: RGB): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

type Lab = [number, number, number];

function toOklab(c: RGB): Lab {
  const [r, g, b] = c.map(toLinear);
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return [
    0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s,
    1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
  ];
}

function fromOklab([L, A, B]: Lab): RGB {
  const l = (L + 0.3963377774 * A + 0.2158037573 * B) ** 3;
  const m = (L - 0.1055613458 * A - 0.0638541728 * B) ** 3;
  const s = (L - 0.0894841775 * A - 1.291485548 * B) ** 3;
  return [
    fromLinear(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s),
    fromLinear(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s),
    fromLinear(-0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s),
  ];
}

/**
 * The ends for a background: on a light one, deep blue and deep red; on a dark one,
 * light blue and light red-orange; high contrast, the most saturated. Each end stands
 * at least 4.5:1 against the background it fades into.
 */
export function paletteFor(background: RGB, highContrast = false): Palette {
  const light = luminance(background) > 0.4;
  if (light) return { neg: highContrast ? [0, 69, 160] : [33, 102, 172], mid: background, pos: highContrast ? [170, 0, 20] : [178, 24, 43] };
  return { neg: highContrast ? [77, 184, 255] : [108, 180, 245], mid: background, pos: highContrast ? [255, 110, 74] : [244, 132, 95] };
}

/** A precomputed map from t ∈ [-1, 1] to a colour, in `steps` steps per side. */
export class ColourMap {
  private readonly table: RGB[];

  constructor(
    readonly palette: Palette,
    private readonly steps = 128,
  ) {
    const mid = toOklab(palette.mid);
    const mix = (end: RGB, f: number): RGB => {
      const e = toOklab(end);
      return fromOklab([mid[0] + (e[0] - mid[0]) * f, mid[1] + (e[1] - mid[1]) * f, mid[2] + (e[2] - mid[2]) * f]);
    };
    this.table = [];
    for (let i = -steps; i <= steps; i++) this.table.push(i < 0 ? mix(palette.neg, -i / steps) : i > 0 ? mix(palette.pos, i / steps) : palette.mid);
  }

  /** `v` on the symmetric scale [-half, half] (clamped); 0 when half is 0. */
  at(v: number, half: number): RGB {
    const t = half > 0 ? Math.max(-1, Math.min(1, v / half)) : 0;
    return this.table[Math.round(t * this.steps) + this.steps];
  }
}
