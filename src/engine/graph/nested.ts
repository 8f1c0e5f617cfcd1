import type { Nested } from "./types.js";

/**
 * Shapes of arrays as numpy writes them and as JSON carries them (nested lists): shared
 * by the engine, the extension and both panels' pages, so it imports nothing else.
 */

/** Python's way: `()`, `(3,)`, `(3, 4)`. */
export function formatDims(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** The shape of nested lists, read along the first element of each level. */
export function nestedShape(v: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (!cur.length) break;
    cur = cur[0];
  }
  return shape;
}

/** How many numbers nested lists hold. */
export function countElements(v: Nested): number {
  if (typeof v === "number") return 1;
  let n = 0;
  for (const c of v) n += countElements(c);
  return n;
}
