import {
  type Dim,
  type Shape,
  certainlyDifferent,
  divDimExact,
  formatDim,
  formatShape,
  mayBeOne,
  mulDim,
  productDims,
  sameDim,
  addDim,
  subDim,
  floorDivDim,
} from "./dim.js";
import { KERNELS, type Kernel } from "../graph/kernels.js";

/**
 * The op table: one entry per tensor operation, holding its shape rule. The graph
 * engine adds each op's forward and vector-Jacobian product beside it, so that one
 * name means one operation everywhere in GradLens.
 *
 * A rule never guesses an error: it reports one only when the clash is certain
 * (two different numbers, or expressions that differ by a constant). Anything
 * it cannot decide becomes an unknown dim, never a false error.
 */

export interface OpParams {
  /** Reduction / softmax / concatenate / stack / squeeze / unsqueeze axis; null = all axes. */
  axis?: number | number[] | null;
  keepdims?: boolean;
  /** reshape target, -1 allowed; broadcast_to / expand target */
  shape?: Dim[];
  /** transpose/permute order; swapaxes pair */
  axes?: number[];
  /** einsum subscripts */
  subscripts?: string;
  /** indexing: one entry per item between the brackets */
  index?: IndexItemSpec[];
  /** flatten's start and end dims (torch), inclusive */
  startDim?: number;
  endDim?: number;
  /** layer sizes: linear in/out, embedding dim, conv geometry */
  inFeatures?: Dim;
  outFeatures?: Dim;
  kernel?: [Dim, Dim];
  stride?: [Dim, Dim];
  padding?: [Dim, Dim];
  dilation?: [Dim, Dim];
  /** repeat / tile counts */
  reps?: Dim[];
}

export type IndexItemSpec =
  | { kind: "int" }
  | { kind: "slice"; lower?: Dim; upper?: Dim; step?: Dim; lowerNegative?: boolean; upperNegative?: boolean }
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  /** an integer array index (fancy indexing), with the shape of the index array */
  | { kind: "array"; shape: Shape }
  /** a boolean mask: selects an unknown number of elements */
  | { kind: "mask"; rank: number | null };

/** What a shape rule found wrong, with the axes that clash, for the diagnostic. */
export interface ShapeClash {
  message: string;
  /** a quick fix the editor can offer */
  fix?: "transpose-left" | "transpose-right";
}

export type ShapeResult = { shape: Shape } | { clash: ShapeClash };

export interface OpSpec {
  name: string;
  /** How the op treats gradients, in the lecture's words (for hovers and the graph). */
  describe: string;
  shape(inputs: Shape[], params: OpParams): ShapeResult;
  /** Forward, vector-Jacobian product and local gradient, for ops the graph evaluates. */
  kernel?: Kernel;
}

const ok = (shape: Shape): ShapeResult => ({ shape });
const clash = (message: string, fix?: ShapeClash["fix"]): ShapeResult => ({ clash: { message, fix } });

/** Normalises a possibly negative axis against a rank; null when out of range. */
export function normAxis(axis: number, rank: number): number | null {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : null;
}

/** Broadcasting of two dims under numpy's rules, or a clash message. */
export function broadcastDim(a: Dim, b: Dim): { dim: Dim } | { clash: true } {
  if (a === 1) return { dim: b };
  if (b === 1) return { dim: a };
  if (sameDim(a, b)) return { dim: a };
  if (a === null) return { dim: b !== null && !mayBeOne(b) ? b : null };
  if (b === null) return { dim: !mayBeOne(a) ? a : null };
  if (typeof a === "number" && typeof b === "number") return { clash: true };
  // One symbol against a number other than 1: correct code has them equal.
  if (typeof a === "number") return { dim: a };
  if (typeof b === "number") return { dim: b };
  return { dim: null };
}

export function broadcastShapes(shapes: Shape[], what = "broadcast"): ShapeResult {
  if (shapes.some((s) => s === null)) {
    // The known trailing dims still constrain nothing certain: the result's rank is unknown.
    return ok(null);
  }
  const known = shapes as Dim[][];
  const rank = Math.max(0, ...known.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 1; i <= rank; i++) {
    let acc: Dim = 1;
    for (const s of known) {
      const d = s.length >= i ? s[s.length - i] : 1;
      const r = broadcastDim(acc, d);
      if ("clash" in r) {
        const parts = known.map(formatShape).join(" and ");
        return clash(`cannot ${what} ${parts}: axis -${i} is ${formatDim(acc)} against ${formatDim(d)}`);
      }
      acc = r.dim;
    }
    out.unshift(acc);
  }
  return ok(out);
}

function elementwise(name: string, describe: string): OpSpec {
  return { name, describe, shape: (inputs) => ok(inputs[0] ?? null) };
}

function binary(name: string, describe: string): OpSpec {
  return { name, describe, shape: (inputs) => broadcastShapes(inputs) };
}

function matmulShape(a: Shape, b: Shape, what = "matmul"): ShapeResult {
  if (a === null || b === null) {
    // With one rank known, the result's trailing dim may still be known.
    if (a === null && b !== null && b.length >= 2) return ok(null);
    return ok(null);
  }
  if (a.length === 0 || b.length === 0) {
    return what === "dot" ? broadcastShapes([a, b]) : clash(`cannot ${what} a scalar: ${formatShape(a)} @ ${formatShape(b)}`);
  }
  const k1 = a[a.length - 1];
  const k2 = b.length === 1 ? b[0] : b[b.length - 2];
  if (certainlyDifferent(k1, k2)) {
    let fix: ShapeClash["fix"];
    if (a.length === 2 && b.length === 2) {
      if (sameDim(a[0], b[0]) || (typeof a[0] === "number" && a[0] === b[0])) fix = "transpose-left";
      else if (sameDim(a[1], b[1])) fix = "transpose-right";
    }
    const axisB = b.length === 1 ? "axis 0" : "axis -2";
    return clash(
      `cannot matmul ${formatShape(a)} @ ${formatShape(b)}${what === "dot" ? " (dot)" : ""}: the left's last axis is ${formatDim(k1)} but the right's ${axisB} is ${formatDim(k2)}`,
      fix,
    );
  }
  if (a.length === 1 && b.length === 1) return ok([]);
  if (a.length === 1) return ok([...b.slice(0, -2), b[b.length - 1]]);
  if (b.length === 1) return ok(a.slice(0, -1));
  if (what === "dot" && b.length > 2) {
    // np.dot sums the last axis of a with the second-to-last of b, without broadcasting.
    return ok([...a.slice(0, -1), ...b.slice(0, -2), b[b.length - 1]]);
  }
  const batchA = a.slice(0, -2);
  const batchB = b.slice(0, -2);
  const batch = broadcastShapes([batchA, batchB], "broadcast the batch axes of");
  if ("clash" in batch) return batch;
  return ok([...(batch.shape ?? []), a[a.length - 2], b[b.length - 1]]);
}

function reduce(name: string, describe: string): OpSpec {
  return {
    name,
    describe,
    shape: (inputs, p) => {
      const s = inputs[0];
      if (s === null) return ok(p.axis === null || p.axis === undefined ? (p.keepdims ? null : []) : null);
      if (p.axis === null || p.axis === undefined) return ok(p.keepdims ? s.map(() => 1) : []);
      const axes = (Array.isArray(p.axis) ? p.axis : [p.axis]).map((a) => normAxis(a, s.length));
      if (axes.some((a) => a === null)) return clash(`axis ${JSON.stringify(p.axis)} is out of range for ${formatShape(s)}`);
      if (p.keepdims) return ok(s.map((d, i) => (axes.includes(i) ? 1 : d)));
      return ok(s.filter((_, i) => !axes.includes(i)));
    },
  };
}

function transpose(s: Shape, axes?: number[]): ShapeResult {
  if (s === null) return ok(null);
  if (!axes || axes.length === 0) return ok([...s].reverse());
  if (axes.length === 2 && s.length !== 2) {
    // torch's transpose(d0, d1) / numpy's swapaxes
    const a = normAxis(axes[0], s.length);
    const b = normAxis(axes[1], s.length);
    if (a === null || b === null) return clash(`cannot swap axes ${axes.join(", ")} of ${formatShape(s)}`);
    const out = [...s];
    [out[a], out[b]] = [out[b], out[a]];
    return ok(out);
  }
  if (axes.length !== s.length) return clash(`cannot permute ${formatShape(s)} with ${axes.length} axes (${axes.join(", ")})`);
  const norm = axes.map((a) => normAxis(a, s.length));
  if (norm.some((a) => a === null)) return clash(`axes (${axes.join(", ")}) are out of range for ${formatShape(s)}`);
  return ok(norm.map((a) => s[a!]));
}

function reshape(s: Shape, target: Dim[]): ShapeResult {
  const minusOne = target.findIndex((d) => d === -1);
  if (target.filter((d) => d === -1).length > 1) return clash(`cannot reshape to ${formatShape(target)}: only one -1 is allowed`);
  const total = s === null ? null : productDims(s);
  if (minusOne >= 0) {
    const rest = productDims(target.filter((_, i) => i !== minusOne));
    const inferred = divDimExact(total, rest);
    if (inferred === null && typeof total === "number" && typeof rest === "number") {
      return clash(`cannot reshape ${formatShape(s)} (${total} elements) to ${formatShape(target)}: ${total} is not a multiple of ${rest}`);
    }
    const out = [...target];
    out[minusOne] = inferred;
    return ok(out);
  }
  const wanted = productDims(target);
  if (total !== null && wanted !== null && certainlyDifferent(total, wanted) && typeof total === "number" && typeof wanted === "number") {
    return clash(`cannot reshape ${formatShape(s)} (${total} elements) to ${formatShape(target)} (${wanted} elements)`);
  }
  return ok(target);
}

function concatenate(inputs: Shape[], axis: number): ShapeResult {
  if (inputs.length === 0) return ok(null);
  const known = inputs.filter((s): s is Dim[] => s !== null);
  if (known.length === 0) return ok(null);
  const rank = known[0].length;
  if (known.some((s) => s.length !== rank)) {
    return clash(`cannot concatenate ${known.map(formatShape).join(", ")}: they have different ranks`);
  }
  const ax = normAxis(axis, rank);
  if (ax === null) return clash(`cannot concatenate along axis ${axis}: ${formatShape(known[0])} has ${rank} axes`);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    if (i === ax) {
      out.push(known.length === inputs.length ? known.reduce<Dim>((acc, s) => addDim(acc, s[i]), 0) : null);
      continue;
    }
    let d: Dim = known[0][i];
    for (const s of known.slice(1)) {
      if (certainlyDifferent(d, s[i])) {
        return clash(`cannot concatenate ${known.map(formatShape).join(", ")} along axis ${axis}: axis ${i} is ${formatDim(d)} against ${formatDim(s[i])}`);
      }
      if (d === null || (typeof d === "string" && typeof s[i] === "number")) d = s[i];
    }
    out.push(d);
  }
  return ok(out);
}

function stack(inputs: Shape[], axis: number): ShapeResult {
  const known = inputs.filter((s): s is Dim[] => s !== null);
  if (known.length === 0) return ok(null);
  const rank = known[0].length;
  for (const s of known.slice(1)) {
    if (s.length !== rank || s.some((d, i) => certainlyDifferent(d, known[0][i]))) {
      return clash(`cannot stack ${known.map(formatShape).join(", ")}: stacked arrays must have the same shape`);
    }
  }
  const ax = normAxis(axis, rank + 1);
  if (ax === null) return clash(`cannot stack along axis ${axis}: the result has ${rank + 1} axes`);
  const base = known[0].map((d, i) => (d !== null ? d : (known.find((s) => s[i] !== null)?.[i] ?? null)));
  const out = [...base];
  out.splice(ax, 0, inputs.length);
  return ok(out);
}

function squeeze(s: Shape, axis: number | number[] | null | undefined): ShapeResult {
  if (s === null) return ok(null);
  if (axis === null || axis === undefined) {
    if (s.some((d) => d === null || (typeof d === "string"))) return ok(null);
    return ok(s.filter((d) => d !== 1));
  }
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(a, s.length));
  if (axes.some((a) => a === null)) return clash(`cannot squeeze axis ${JSON.stringify(axis)} of ${formatShape(s)}`);
  // torch.squeeze(dim) leaves an axis that is not 1 in place; numpy raises. Keep it quiet.
  return ok(s.filter((d, i) => !(axes.includes(i) && (d === 1 || d === null))));
}

function unsqueeze(s: Shape, axis: number | number[] | null | undefined): ShapeResult {
  if (s === null) return ok(null);
  const axes = Array.isArray(axis) ? axis : [axis ?? 0];
  const rank = s.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank));
  if (norm.some((a) => a === null)) return clash(`cannot insert axis ${JSON.stringify(axis)} into ${formatShape(s)}`);
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : s[k++]);
  return ok(out);
}

/** Length of `range(lower, upper, step)` clipped to a dim, for slices. */
function sliceLength(dim: Dim, item: Extract<IndexItemSpec, { kind: "slice" }>): Dim {
  const step = item.step ?? 1;
  if (step !== 1 && step !== null && typeof step === "number" && step > 1) {
    const len = sliceLength(dim, { kind: "slice", lower: item.lower, upper: item.upper, lowerNegative: item.lowerNegative, upperNegative: item.upperNegative });
    if (typeof len === "number") return Math.ceil(len / step);
    return null;
  }
  if (typeof step === "number" && step < 0 && item.lower === undefined && item.upper === undefined) {
    // x[::-1], x[::-2]: every |step|-th element, backwards.
    return step === -1 ? dim : typeof dim === "number" ? Math.ceil(dim / -step) : null;
  }
  if (step !== 1) return null;
  const resolve = (v: Dim | undefined, negative: boolean | undefined, fallback: Dim): Dim => {
    if (v === undefined) return fallback;
    if (v === null) return null;
    if (negative) return addDim(dim, v); // v is already negative: dim + v
    return v;
  };
  let lo = resolve(item.lower, item.lowerNegative, 0);
  let hi = resolve(item.upper, item.upperNegative, dim);
  if (typeof dim === "number") {
    if (typeof lo === "number") lo = Math.max(0, Math.min(dim, lo));
    if (typeof hi === "number") hi = Math.max(0, Math.min(dim, hi));
  }
  const len = subDim(hi, lo);
  if (typeof len === "number") return Math.max(0, len);
  // A symbolic slice is trusted only when it is plainly within the axis.
  if (item.upper === undefined && item.lower !== undefined && !item.lowerNegative) return len;
  if (item.lower === undefined && item.upper !== undefined && !item.upperNegative) return item.upper ?? null;
  return len;
}

function index(s: Shape, items: IndexItemSpec[]): ShapeResult {
  if (s === null) return ok(null);
  const consumed = items.filter((i) => i.kind === "int" || i.kind === "slice" || i.kind === "array").length +
    items.reduce((n, i) => n + (i.kind === "mask" ? (i.rank ?? 1) : 0), 0);
  if (items.some((i) => i.kind === "mask" && i.rank === null)) return ok(null);
  const hasEllipsis = items.some((i) => i.kind === "ellipsis");
  if (consumed > s.length) return clash(`too many indices for ${formatShape(s)}: ${consumed} given`);
  const expanded: IndexItemSpec[] = [];
  for (const it of items) {
    if (it.kind === "ellipsis") {
      for (let k = 0; k < s.length - consumed; k++) expanded.push({ kind: "slice" });
    } else expanded.push(it);
  }
  if (!hasEllipsis) for (let k = consumed; k < s.length; k++) expanded.push({ kind: "slice" });
  // numpy puts the broadcast shape of advanced indices first when they are not adjacent.
  const arrays = expanded.filter((i) => i.kind === "array" || i.kind === "mask");
  const out: Dim[] = [];
  let axis = 0;
  let advancedShape: Shape = null;
  let advancedAt = -1;
  let advancedSplit = false;
  let lastAdvanced = -2;
  if (arrays.length) {
    const shapes = arrays.map((a) => (a.kind === "array" ? a.shape : [null]));
    const b = broadcastShapes(shapes, "broadcast the index arrays");
    if ("clash" in b) return b;
    advancedShape = b.shape;
  }
  for (let k = 0; k < expanded.length; k++) {
    const it = expanded[k];
    if (it.kind === "newaxis") {
      out.push(1);
      continue;
    }
    if (it.kind === "int") {
      axis++;
      continue;
    }
    if (it.kind === "slice") {
      out.push(sliceLength(s[axis], it));
      axis++;
      continue;
    }
    // array or mask
    if (advancedAt < 0) advancedAt = out.length;
    else if (lastAdvanced !== k - 1) advancedSplit = true;
    lastAdvanced = k;
    axis += it.kind === "mask" ? (it.rank ?? 1) : 1;
  }
  if (advancedAt >= 0) {
    if (advancedShape === null) return ok(null);
    out.splice(advancedSplit ? 0 : advancedAt, 0, ...advancedShape);
  }
  return ok(out);
}

function einsum(inputs: Shape[], subscripts: string | undefined): ShapeResult {
  if (!subscripts) return ok(null);
  const spec = subscripts.replace(/\s+/g, "");
  const [lhs, rhs] = spec.split("->");
  const terms = lhs.split(",");
  if (terms.length !== inputs.length) {
    return clash(`einsum "${subscripts}" names ${terms.length} operands but ${inputs.length} were given`);
  }
  const sizes = new Map<string, Dim>();
  let ellipsis: Shape = [];
  for (let t = 0; t < terms.length; t++) {
    const s = inputs[t];
    const term = terms[t];
    if (s === null) {
      if (term.includes("...")) ellipsis = null;
      continue;
    }
    const letters = term.replace("...", "");
    const nEll = term.includes("...") ? s.length - letters.length : 0;
    if (nEll < 0 || (!term.includes("...") && letters.length !== s.length)) {
      return clash(`einsum "${subscripts}": operand ${t} is ${formatShape(s)} but its subscripts "${term}" name ${letters.length} axes`);
    }
    let axis = 0;
    for (let i = 0; i < term.length; i++) {
      if (term.startsWith("...", i)) {
        const e = s.slice(axis, axis + nEll);
        if (ellipsis !== null) {
          const b = broadcastShapes([ellipsis, e]);
          if ("clash" in b) return b;
          ellipsis = b.shape;
        }
        axis += nEll;
        i += 2;
        continue;
      }
      const c = term[i];
      const d = s[axis++];
      const prev = sizes.get(c);
      if (prev === undefined || prev === null) sizes.set(c, d);
      else if (d !== null && d !== 1 && prev !== 1 && certainlyDifferent(prev, d)) {
        return clash(`einsum "${subscripts}": index ${c} is ${formatDim(prev)} in one operand and ${formatDim(d)} in another`);
      } else if (prev === 1) sizes.set(c, d);
    }
  }
  let outTerm = rhs;
  if (outTerm === undefined) {
    const counts = new Map<string, number>();
    for (const c of lhs.replace(/[.,]/g, "")) counts.set(c, (counts.get(c) ?? 0) + 1);
    outTerm = (lhs.includes("...") ? "..." : "") + [...counts].filter(([, n]) => n === 1).map(([c]) => c).sort().join("");
  }
  const out: Dim[] = [];
  for (let i = 0; i < outTerm.length; i++) {
    if (outTerm.startsWith("...", i)) {
      if (ellipsis === null) return ok(null);
      out.push(...ellipsis);
      i += 2;
      continue;
    }
    out.push(sizes.has(outTerm[i]) ? sizes.get(outTerm[i])! : null);
  }
  return ok(out);
}

function convOut(size: Dim, kernel: Dim, stride: Dim, padding: Dim, dilation: Dim): Dim {
  // floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1
  const span = subDim(addDim(size, mulDim(2, padding)), addDim(mulDim(dilation, subDim(kernel, 1)), 1));
  return addDim(floorDivDim(span, stride), 1);
}

const ELEMENTWISE: [string, string][] = [
  ["exp", "multiplies the upstream gradient by exp(x)"],
  ["log", "divides the upstream gradient by x"],
  ["log1p", "divides the upstream gradient by 1 + x"],
  ["expm1", "multiplies the upstream gradient by exp(x)"],
  ["sqrt", "multiplies the upstream gradient by 1 / (2 sqrt(x))"],
  ["square", "multiplies the upstream gradient by 2x"],
  ["abs", "multiplies the upstream gradient by sign(x)"],
  ["sign", "passes no gradient (zero almost everywhere)"],
  ["tanh", "multiplies the upstream gradient by 1 - tanh²(x)"],
  ["sigmoid", "multiplies the upstream gradient by σ(x)(1 - σ(x))"],
  ["relu", "routes the upstream gradient where x > 0 (a switch)"],
  ["leaky_relu", "scales the upstream gradient by 1 or the slope"],
  ["gelu", "multiplies the upstream gradient by gelu′(x)"],
  ["silu", "multiplies the upstream gradient by silu′(x)"],
  ["elu", "multiplies the upstream gradient by elu′(x)"],
  ["softplus", "multiplies the upstream gradient by σ(x)"],
  ["sin", "multiplies the upstream gradient by cos(x)"],
  ["cos", "multiplies the upstream gradient by -sin(x)"],
  ["neg", "flips the sign of the upstream gradient"],
  ["reciprocal", "multiplies the upstream gradient by -1/x²"],
  ["floor", "passes no gradient"],
  ["ceil", "passes no gradient"],
  ["round", "passes no gradient"],
  ["clip", "routes the upstream gradient where x is inside the bounds"],
  ["copy", "passes the upstream gradient through"],
  ["dropout", "routes the upstream gradient through the kept units, scaled"],
  ["softmax", "applies the softmax Jacobian: s ⊙ (g - Σ g ⊙ s)"],
  ["log_softmax", "applies g - softmax(x) Σ g"],
  ["cumsum", "sums the upstream gradient from the end"],
  ["isnan", "passes no gradient"],
];

const BINARY: [string, string][] = [
  ["add", "distributes the upstream gradient to both inputs"],
  ["sub", "distributes the gradient, negated for the right input"],
  ["mul", "switches: each input gets the upstream gradient times the other input"],
  ["div", "scales by 1/b for a and by -a/b² for b"],
  ["pow", "multiplies by b·a^(b-1) for a and a^b·ln a for b"],
  ["maximum", "routes the upstream gradient to the larger input"],
  ["minimum", "routes the upstream gradient to the smaller input"],
  ["compare", "passes no gradient"],
  ["logical", "passes no gradient"],
];

const REDUCTIONS: [string, string][] = [
  ["sum", "copies the upstream gradient to every summed element"],
  ["mean", "copies the upstream gradient divided by the count to every element"],
  ["max", "routes the upstream gradient to the maximum element"],
  ["min", "routes the upstream gradient to the minimum element"],
  ["argmax", "passes no gradient"],
  ["argmin", "passes no gradient"],
  ["prod", "multiplies by the product of the other elements"],
  ["std", "scales by (x - mean) / (n·std)"],
  ["var", "scales by 2(x - mean) / n"],
  ["any", "passes no gradient"],
  ["all", "passes no gradient"],
  ["logsumexp", "multiplies the upstream gradient by softmax(x)"],
  ["norm", "multiplies the upstream gradient by x / ‖x‖"],
];

const RULES: Record<string, OpSpec> = {
  ...Object.fromEntries(ELEMENTWISE.map(([n, d]) => [n, elementwise(n, d)])),
  ...Object.fromEntries(BINARY.map(([n, d]) => [n, binary(n, d)])),
  ...Object.fromEntries(REDUCTIONS.map(([n, d]) => [n, reduce(n, d)])),
  where: { name: "where", describe: "routes the upstream gradient by the condition", shape: (inputs) => broadcastShapes(inputs) },
  matmul: { name: "matmul", describe: "multiplies the upstream gradient by the other operand, transposed", shape: ([a, b]) => matmulShape(a, b) },
  dot: { name: "dot", describe: "multiplies the upstream gradient by the other operand, transposed", shape: ([a, b]) => matmulShape(a, b, "dot") },
  outer: {
    name: "outer",
    describe: "each input gets the upstream gradient contracted with the other",
    shape: ([a, b]) => ok(a === null || b === null ? null : [productDims(a), productDims(b)]),
  },
  einsum: { name: "einsum", describe: "contracts the upstream gradient with the other operands", shape: (inputs, p) => einsum(inputs, p.subscripts) },
  transpose: { name: "transpose", describe: "transposes the upstream gradient back", shape: ([s], p) => transpose(s, p.axes) },
  reshape: {
    name: "reshape",
    describe: "reshapes the upstream gradient back",
    shape: ([s], p) => (p.shape ? reshape(s, p.shape) : ok(null)),
  },
  flatten: {
    name: "flatten",
    describe: "reshapes the upstream gradient back",
    shape: ([s], p) => {
      if (s === null) return ok(p.startDim === undefined ? [null] : null);
      if (p.startDim === undefined && p.endDim === undefined) return ok([productDims(s)]);
      const start = normAxis(p.startDim ?? 0, Math.max(1, s.length));
      const end = normAxis(p.endDim ?? -1, Math.max(1, s.length));
      if (start === null || end === null) return clash(`cannot flatten ${formatShape(s)} from axis ${p.startDim} to ${p.endDim}`);
      if (s.length === 0) return ok([1]);
      return ok([...s.slice(0, start), productDims(s.slice(start, end + 1)), ...s.slice(end + 1)]);
    },
  },
  squeeze: { name: "squeeze", describe: "reshapes the upstream gradient back", shape: ([s], p) => squeeze(s, p.axis) },
  unsqueeze: { name: "unsqueeze", describe: "reshapes the upstream gradient back", shape: ([s], p) => unsqueeze(s, p.axis) },
  concatenate: {
    name: "concatenate",
    describe: "splits the upstream gradient back into the pieces",
    shape: (inputs, p) => concatenate(inputs, typeof p.axis === "number" ? p.axis : 0),
  },
  stack: {
    name: "stack",
    describe: "splits the upstream gradient back into the pieces",
    shape: (inputs, p) => stack(inputs, typeof p.axis === "number" ? p.axis : 0),
  },
  index: { name: "index", describe: "scatter-adds the upstream gradient into the indexed places", shape: ([s], p) => index(s, p.index ?? []) },
  broadcast_to: {
    name: "broadcast_to",
    describe: "sums the upstream gradient over the broadcast axes",
    shape: ([s], p) => {
      if (!p.shape) return ok(null);
      const target = p.shape.map((d, i) => (d === -1 && s && s.length === p.shape!.length ? s[i] : d));
      return s === null ? ok(target) : broadcastShapes([s, target], "expand");
    },
  },
  repeat: {
    name: "repeat",
    describe: "sums the upstream gradient over the repeats",
    shape: ([s], p) => {
      if (s === null || !p.reps) return ok(null);
      const reps = p.reps;
      const rank = Math.max(s.length, reps.length);
      const padS = [...Array(rank - s.length).fill(1), ...s];
      const padR = [...Array(rank - reps.length).fill(1), ...reps];
      return ok(padS.map((d, i) => mulDim(d, padR[i])));
    },
  },
  linear: {
    name: "linear",
    describe: "x gets g·W, W gets gᵀ·x, b gets the sum of g",
    shape: ([s], p) => {
      if (s === null) return ok(null);
      if (s.length === 0) return clash(`cannot apply a linear layer to a scalar`);
      const last = s[s.length - 1];
      if (p.inFeatures !== undefined && certainlyDifferent(last, p.inFeatures)) {
        return clash(`cannot apply Linear(${formatDim(p.inFeatures)}, ${formatDim(p.outFeatures ?? null)}) to ${formatShape(s)}: the last axis is ${formatDim(last)}, not ${formatDim(p.inFeatures)}`);
      }
      return ok([...s.slice(0, -1), p.outFeatures ?? null]);
    },
  },
  embedding: {
    name: "embedding",
    describe: "scatter-adds the upstream gradient into the looked-up rows",
    shape: ([s], p) => ok(s === null ? null : [...s, p.outFeatures ?? null]),
  },
  conv2d: {
    name: "conv2d",
    describe: "correlates the upstream gradient with the input (for the weights) and the flipped kernel (for the input)",
    shape: ([s], p) => {
      if (s === null) return ok(null);
      if (s.length !== 3 && s.length !== 4) return clash(`cannot apply Conv2d to ${formatShape(s)}: it takes (N, C, H, W) or (C, H, W)`);
      const c = s[s.length - 3];
      if (p.inFeatures !== undefined && certainlyDifferent(c, p.inFeatures)) {
        return clash(`cannot apply Conv2d(${formatDim(p.inFeatures)}, …) to ${formatShape(s)}: it has ${formatDim(c)} channels, not ${formatDim(p.inFeatures)}`);
      }
      const [kh, kw] = p.kernel ?? [null, null];
      const [sh, sw] = p.stride ?? [1, 1];
      const [ph, pw] = p.padding ?? [0, 0];
      const [dh, dw] = p.dilation ?? [1, 1];
      const h = convOut(s[s.length - 2], kh, sh, ph, dh);
      const w = convOut(s[s.length - 1], kw, sw, pw, dw);
      return ok([...s.slice(0, -3), p.outFeatures ?? null, h, w]);
    },
  },
  pool2d: {
    name: "pool2d",
    describe: "routes (max) or spreads (average) the upstream gradient within each window",
    shape: ([s], p) => {
      if (s === null || s.length < 2) return ok(null);
      const [kh, kw] = p.kernel ?? [null, null];
      const [sh, sw] = p.stride ?? [kh, kw];
      const [ph, pw] = p.padding ?? [0, 0];
      return ok([...s.slice(0, -2), convOut(s[s.length - 2], kh, sh, ph, 1), convOut(s[s.length - 1], kw, sw, pw, 1)]);
    },
  },
  layer_norm: { name: "layer_norm", describe: "normalises, then scales by γ and shifts by β", shape: ([s]) => ok(s) },
};

/** Each op's shape rule and, where the graph evaluates it, its kernel: one entry per op. */
export const OPS: Readonly<Record<string, OpSpec>> = Object.freeze(
  Object.fromEntries(Object.entries(RULES).map(([name, spec]) => [name, KERNELS[name] ? { ...spec, kernel: KERNELS[name] } : spec])),
);
