/**
 * Two gradients of one check (finite differences and the user's backward) printed
 * side by side for a diff view: the same layout as numpy prints them, one row of the
 * last axis per line, and one column width for both so that the diff lines up and
 * marks only the elements that differ.
 */

/** Arrays with more elements than this are not worth reading as text; the report's heatmaps show them. */
export const DIFF_MAX_ELEMENTS = 256;

export interface GradientPair {
  numeric: (number | null)[];
  analytic: (number | null)[];
  /** the shape of your backward when it is not the input's (a transposed dW) */
  analyticShape?: number[];
}

/** Four significant digits: enough to see a factor or a sign, short enough to line up. */
function element(v: number | null): string {
  if (v === null) return "?"; // not measured (fast and sample modes), or not finite
  if (v === 0) return "0";
  const a = Math.abs(v);
  const text = a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(3).replace(/\.?0+e/, "e");
  return text;
}

function layout(values: (number | null)[], shape: number[], width: number): string {
  const cells = values.map((v) => element(v).padStart(width));
  const rows = shape.length === 0 ? 1 : shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    // A blank line between the blocks of the outer axes, as numpy prints them.
    if (r > 0 && shape.length > 2) {
      let stride = 1;
      for (let axis = shape.length - 2; axis > 0; axis--) {
        stride *= shape[axis];
        if (r % stride === 0) lines.push("");
      }
    }
    lines.push(`[${cells.slice(r * cols, (r + 1) * cols).join(" ")}]`);
  }
  return lines.join("\n");
}

/**
 * Both gradients as text, or undefined when there is nothing to compare element by
 * element (no values, a shape that does not match, or too many elements).
 */
export function gradientDiff(pair: GradientPair | undefined, shape: number[]): { numeric: string; analytic: string } | undefined {
  if (!pair) return undefined;
  const analyticShape = pair.analyticShape ?? shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const analyticSize = analyticShape.reduce((a, b) => a * b, 1);
  if (size > DIFF_MAX_ELEMENTS || analyticSize > DIFF_MAX_ELEMENTS || pair.numeric.length !== size || pair.analytic.length !== analyticSize) return undefined;
  const width = Math.max(...pair.numeric.map((v) => element(v).length), ...pair.analytic.map((v) => element(v).length));
  // A backward of another shape is printed in its own: a transposed dW reads as one.
  return { numeric: layout(pair.numeric, shape, width), analytic: layout(pair.analytic, analyticShape, width) };
}

/** A gradient's value for people: six significant digits, exponent form for the very small and very large. */
export function formatValue(x: number | null | undefined): string {
  if (x === null || x === undefined) return "—";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Inf" : "-Inf";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e6) return String(Number(x.toPrecision(6)));
  const [m, e] = x.toExponential(5).split("e");
  return `${m.replace(/\.?0+$/, "")}e${e.replace("+", "")}`;
}
