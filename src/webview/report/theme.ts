import { ColourMap, paletteFor, parseColour, type RGB } from "./colours.js";

/** The colours the heatmaps are drawn in, read from the editor's theme variables. */
export interface ThemeColours {
  map: ColourMap;
  background: RGB;
  foreground: RGB;
  focus: RGB;
  /** cell separators and the frame */
  grid: RGB;
  /** the hatching of cells without a number */
  missing: RGB;
  highContrast: boolean;
}

let probe: CanvasRenderingContext2D | null | undefined;

/** Any CSS colour as the canvas reads it (`#rrggbb` or `rgba(…)`), so names and modern syntaxes parse too. */
function normalise(colour: string): string {
  if (probe === undefined) probe = document.createElement("canvas").getContext("2d");
  if (!probe) return colour;
  probe.fillStyle = "#000000";
  probe.fillStyle = colour;
  return String(probe.fillStyle);
}

function themeColour(style: CSSStyleDeclaration, names: string[], fallback: RGB, under: RGB): RGB {
  for (const n of names) {
    const v = style.getPropertyValue(n).trim();
    if (!v) continue;
    const c = parseColour(normalise(v), under);
    if (c) return c;
  }
  return fallback;
}

export function readTheme(): ThemeColours {
  const style = getComputedStyle(document.body);
  const cls = document.body.classList;
  const highContrast = cls.contains("vscode-high-contrast") || cls.contains("vscode-high-contrast-light");
  const background = themeColour(style, ["--vscode-editor-background"], cls.contains("vscode-light") ? [255, 255, 255] : [30, 30, 30], [0, 0, 0]);
  const dark = !cls.contains("vscode-light") && !cls.contains("vscode-high-contrast-light");
  const foreground = themeColour(style, ["--vscode-foreground", "--vscode-editor-foreground"], dark ? [204, 204, 204] : [59, 59, 59], background);
  return {
    map: new ColourMap(paletteFor(background, highContrast)),
    background,
    foreground,
    focus: themeColour(style, ["--vscode-focusBorder"], [0, 120, 212], background),
    grid: themeColour(style, highContrast ? ["--vscode-contrastBorder", "--vscode-editorWidget-border"] : ["--vscode-editorWidget-border", "--vscode-panel-border"], [128, 128, 128], background),
    missing: themeColour(style, ["--vscode-disabledForeground", "--vscode-descriptionForeground"], [128, 128, 128], background),
    highContrast,
  };
}
