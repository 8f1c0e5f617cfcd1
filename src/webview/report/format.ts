/** How the report lays out arrays and writes numbers. No DOM. */

/** The widest a vector is drawn in one row; longer vectors wrap, row-major. */
export const WRAP = 64;

export interface Grid {
  rows: number;
  cols: number;
  /** elements (cells past `n` in the last row of a wrapped vector are no cells) */
  n: number;
  /** said under the maps when the drawing is not the array's own layout */
  note: string | null;
}

/** 0-d → 1×1, (n,) → 1×n (rows of 64 when longer), 2-D as is, N-D → (prod(leading dims), last). */
export function gridOf(shape: readonly number[]): Grid {
  const n = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 0) return { rows: 1, cols: 1, n: 1, note: null };
  if (n === 0) return { rows: 0, cols: 0, n: 0, note: null };
  if (shape.length === 1) {
    if (n <= WRAP) return { rows: 1, cols: n, n, note: null };
    return { rows: Math.ceil(n / WRAP), cols: WRAP, n, note: `${fmtShape(shape)} is drawn in rows of ${WRAP}, in order (row-major).` };
  }
  const cols = shape[shape.length - 1];
  const rows = n / cols;
  if (shape.length === 2) return { rows, cols, n, note: null };
  return {
    rows,
    cols,
    n,
    note: `${fmtShape(shape)} is drawn as ${rows} × ${cols}: its leading axes (${shape.slice(0, -1).join(" × ")}) are stacked as rows.`,
  };
}

/** The array index of a flat (row-major) position. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k] || 1;
    index[k] = flat % d;
    flat = Math.floor(flat / d);
  }
  return index;
}

/** The flat position of an array index, or null when it is not an element of the shape. */
export function ravel(index: readonly number[], shape: readonly number[]): number | null {
  if (index.length !== shape.length) return null;
  let flat = 0;
  for (let k = 0; k < shape.length; k++) {
    if (!(index[k] >= 0 && index[k] < shape[k])) return null;
    flat = flat * shape[k] + index[k];
  }
  return flat;
}

/** The same dimensions in the same order. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

/** Python's way: `()`, `(3,)`, `(3, 4)`. */
import { formatDims as fmtShape } from "../../engine/graph/nested.js";
export { fmtShape };

/** `[1, 0]`; a 0-d array's one element is `()`, as numpy indexes it. */
export function fmtIndex(index: readonly number[]): string {
  return index.length ? `[${index.join(", ")}]` : "()";
}

/** A relative error: two significant digits, `2.1e-9`; 0 as `0`. */
export function fmtErr(x: number): string {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return String(x);
  return x.toExponential(1).replace("e+", "e");
}

/** A gradient value: six significant digits (the same as the Test Explorer and the CLI write). */
export { formatValue as fmtNum } from "../../engine/check/arrays.js";

/** A short number for a scale's end: three significant digits. */
export function fmtScale(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(3)));
  const [m, e] = x.toExponential(2).split("e");
  return `${m.replace(/\.?0+$/, "")}e${e.replace("+", "")}`;
}

/** Largest magnitude among the numbers (nulls skipped): the half-width of a symmetric scale. */
export function maxAbs(...arrays: readonly (readonly (number | null)[])[]): number {
  let m = 0;
  for (const a of arrays) for (const x of a) if (x !== null && Number.isFinite(x) && Math.abs(x) > m) m = Math.abs(x);
  return m;
}

/** yours − finite differences, element by element; null where either is missing. */
export function difference(numeric: readonly (number | null)[], analytic: readonly (number | null)[]): (number | null)[] {
  return numeric.map((x, i) => {
    const y = analytic[i];
    return x === null || y === null || y === undefined ? null : y - x;
  });
}

/** Cell size in CSS px for a grid in a map at most `width` wide; at least `min` (then the map scrolls). */
export function cellSize(grid: Pick<Grid, "rows" | "cols">, width: number, opts: { min?: number; max?: number; maxHeight?: number } = {}): number {
  const min = opts.min ?? 3;
  const max = opts.max ?? 32;
  const maxHeight = opts.maxHeight ?? 320;
  const fit = Math.min(Math.floor(width / Math.max(1, grid.cols)), Math.floor(maxHeight / Math.max(1, grid.rows)));
  return Math.max(min, Math.min(max, fit));
}
