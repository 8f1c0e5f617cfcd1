import { countElements, nestedShape } from "../engine/graph/nested.js";
import type { ArraySummary, ComputationGraph, Nested } from "../engine/graph/types.js";

/**
 * Pure helpers of the graph panel's extension side (no `vscode` import), so they are
 * unit-tested without an editor.
 */

/** Arrays with more elements than this reach the webview only as an `ArraySummary`. */
export const MAX_SENT_ELEMENTS = 64;
const HEAD = 8;

/**
 * The graph as the webview may receive it: every array over `limit` elements becomes
 * an ArraySummary (values, gradients, edge gradients), and large inputs are left out of
 * `inputs` (their input nodes still carry the summary). A 1,000-node graph of 64×64
 * tensors would otherwise post tens of megabytes on every keystroke.
 */
export function summariseGraph(graph: ComputationGraph, limit = MAX_SENT_ELEMENTS): ComputationGraph {
  const small = (v: Nested | ArraySummary): Nested | ArraySummary => (isSummary(v) || countElements(v) <= limit ? v : summarise(v));
  const inputs: Record<string, Nested> = {};
  for (const [k, v] of Object.entries(graph.inputs)) if (countElements(v) <= limit) inputs[k] = v;
  return {
    ...graph,
    inputs,
    nodes: graph.nodes.map((n) => ({ ...n, value: small(n.value), grad: n.grad === null ? null : small(n.grad) })),
    edges: graph.edges.map((e) => (e.grad === undefined || e.grad === null ? e : { ...e, grad: small(e.grad) })),
  };
}

export function isSummary(v: unknown): v is ArraySummary {
  return !!v && typeof v === "object" && !Array.isArray(v) && (v as ArraySummary).summary === true;
}

export function summarise(v: Nested): ArraySummary {
  const flat: number[] = [];
  const walk = (x: Nested) => {
    if (typeof x === "number") flat.push(x);
    else for (const c of x) walk(c);
  };
  walk(v);
  let min = Infinity, max = -Infinity, sum = 0, finite = 0, nonFinite = 0;
  for (const x of flat) {
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    finite++;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return {
    summary: true,
    shape: nestedShape(v),
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    mean: finite ? sum / finite : NaN,
    head: flat.slice(0, HEAD),
    nonFinite,
  };
}

export interface FunctionSpan {
  name: string;
  qualifiedName: string;
  line: number;
  from: number;
  to: number;
}

/** The innermost function whose source range holds `offset` (a method rather than its class's other methods). */
export function functionAt<F extends FunctionSpan>(functions: F[], offset: number): F | undefined {
  let best: F | undefined;
  for (const f of functions) {
    if (offset < f.from || offset > f.to) continue;
    if (!best || f.to - f.from < best.to - best.from) best = f;
  }
  return best;
}

/** `setInputs` fields → the text `parseInputAssignments` reads (`x = 1, W = [[1, 2]]`). */
export function inputsText(inputs: Record<string, string>): string {
  return Object.entries(inputs)
    .map(([k, v]) => `${k} = ${v}`)
    .join(", ");
}
