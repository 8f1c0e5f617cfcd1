import { nestedShape } from "../engine/graph/nested.js";
import type { ArraySummary, Nested } from "../engine/graph/types.js";

/** How numbers, arrays and their summaries read in the panel. No DOM. */

export type Value = Nested | ArraySummary;

export function isSummary(v: unknown): v is ArraySummary {
  return !!v && typeof v === "object" && !Array.isArray(v) && (v as ArraySummary).summary === true;
}

/** Four significant digits, integers as they are, NaN and ±Inf by name. */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Inf";
  if (x === -Infinity) return "-Inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(4)));
  return x.toExponential(2).replace("e+", "e");
}

import { formatDims as fmtShape } from "../engine/graph/nested.js";
export { fmtShape };

export function shapeOf(v: Value): number[] {
  return isSummary(v) ? v.shape : nestedShape(v);
}

export function isScalar(v: Value): v is number {
  return typeof v === "number";
}

/** Row-major numbers of an array laid out as rows × cols: a vector is one row, leading axes of 3-D and more stack as rows. */
export function asMatrix(v: Nested): { rows: number; cols: number; data: number[] } {
  const shape = shapeOf(v);
  const data: number[] = [];
  const walk = (x: Nested) => {
    if (typeof x === "number") data.push(x);
    else for (const c of x) walk(c);
  };
  walk(v);
  if (shape.length <= 1) return { rows: 1, cols: data.length, data };
  const cols = shape[shape.length - 1] || 1;
  return { rows: Math.ceil(data.length / cols), cols, data };
}

export function countNonFinite(v: Value | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (isSummary(v)) return v.nonFinite;
  if (typeof v === "number") return Number.isFinite(v) ? 0 : 1;
  let n = 0;
  for (const c of v) n += countNonFinite(c);
  return n;
}

/** One line for a value: the number, or the shape with a few statistics. */
export function brief(v: Value): string {
  if (typeof v === "number") return fmt(v);
  if (isSummary(v)) {
    const bad = v.nonFinite ? `, ${v.nonFinite} non-finite` : "";
    return `${fmtShape(v.shape)} mean ${fmt(v.mean)} [${fmt(v.min)}, ${fmt(v.max)}]${bad}`;
  }
  const { data } = asMatrix(v);
  return data.length <= 4 ? `${fmtShape(shapeOf(v))} [${data.map(fmt).join(", ")}]` : fmtShape(shapeOf(v));
}

/** Largest magnitude among the finite numbers, for a heatmap's scale. */
export { maxAbs } from "./report/format.js";
