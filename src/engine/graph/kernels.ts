import {
  Tensor,
  arithmetic,
  binary,
  broadcastTo,
  concatenate,
  einsum,
  gather,
  inversePermutation,
  matmul,
  matmulTransposed,
  matmulTransposedA,
  normAxis,
  permute,
  reduce,
  scatterAdd,
  splitSizes,
  sumTo,
  type Reduction,
} from "./tensor.js";

/**
 * The numbers of the op table: for each differentiable op its forward, its
 * vector-Jacobian product and its local gradient in LaTeX. `ops.ts` joins each
 * kernel to the op's shape rule, so one table entry holds all of an op.
 */

export interface KernelParams {
  axis?: number | number[] | null;
  keepdims?: boolean;
  shape?: number[];
  axes?: number[];
  subscripts?: string;
  /** indexing: the flat source index of every result element */
  plan?: { shape: number[]; source: Int32Array };
  /** concatenate/stack: the pieces' sizes along the axis */
  sizes?: number[];
  lo?: number | null;
  hi?: number | null;
  slope?: number;
}

export interface Kernel {
  forward(inputs: Tensor[], p: KernelParams): Tensor;
  /**
   * The gradient of each input, given the gradient `g` of the output (null: none
   * flows). `needs[i]` false says nobody wants input i's gradient (a literal number):
   * a kernel may skip it.
   */
  vjp(g: Tensor, inputs: Tensor[], out: Tensor, p: KernelParams, needs?: boolean[]): (Tensor | null)[];
  /** The local gradient of output `o` with respect to input `i`, in LaTeX, in the names shown. */
  local(names: string[], o: string, i: number, inputs: Tensor[]): string;
  /** Inputs that take no gradient (a where's condition, an index array). */
  constant?: number[];
}

const d = (o: string, x: string) => `\\frac{\\partial ${o}}{\\partial ${x}}`;
const bar = (x: string) => `\\overline{${x}}`;
/** Elementwise on arrays is a diagonal Jacobian; on scalars just the derivative. */
const diag = (expr: string, inputs: Tensor[], i = 0) => (inputs[i].size > 1 ? `\\operatorname{diag}\\left(${expr}\\right)` : expr);

function unary(f: (x: number) => number, df: (x: number, y: number) => number, tex: (x: string) => string): Kernel {
  return {
    forward: ([x]) => x.map(f),
    vjp: (g, [x], out) => {
      const gd = g.data;
      const xd = x.data;
      const od = out.data;
      const r = new Float64Array(x.size);
      for (let k = 0; k < r.length; k++) r[k] = gd[k] * df(xd[k], od[k]);
      return [new Tensor([...x.shape], r)];
    },
    local: ([x], o, _i, inputs) => `${d(o, x)} = ${diag(tex(x), inputs)}`,
  };
}

function reduction(kind: Reduction): Kernel {
  return {
    forward: ([x], p) => reduce(x, axesOf(p.axis, x.rank), p.keepdims ?? false, kind),
    vjp: (g, [x], out, p) => {
      const axes = axesOf(p.axis, x.rank);
      const kept = x.shape.map((dim, i) => (axes === null || axes.map((a) => normAxis(a, x.rank)).includes(i) ? 1 : dim));
      const gk = broadcastTo(g.reshape(kept), x.shape);
      if (kind === "sum") return [gk];
      if (kind === "mean") {
        const n = x.size / Math.max(1, g.size);
        return [gk.map((v) => v / n)];
      }
      // max / min: the gradient goes to the elements equal to the extreme, split among ties.
      const ext = broadcastTo(out.reshape(kept), x.shape);
      const hit = binary(x, ext, (a, b) => (a === b ? 1 : 0));
      const ties = broadcastTo(reduce(hit, axes, true, "sum"), x.shape);
      return [binary(binary(gk, hit, (a, b) => a * b), ties, (a, b) => (b ? a / b : 0))];
    },
    local: ([x], o) =>
      kind === "sum"
        ? `${d(o, x)} = \\mathbf{1}^\\top`
        : kind === "mean"
          ? `${d(o, x)} = \\tfrac{1}{n}\\mathbf{1}^\\top`
          : `${d(o, x)} = \\mathbb{1}[${x} = ${kind}(${x})]`,
  };
}

function axesOf(axis: KernelParams["axis"], rank: number): number[] | null {
  if (axis === undefined || axis === null) return null;
  return (Array.isArray(axis) ? axis : [axis]).map((a) => normAxis(a, rank));
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

function softmaxAlong(x: Tensor, axis: number, log: boolean): Tensor {
  const ax = normAxis(axis, x.rank);
  const m = broadcastTo(reduce(x, [ax], true, "max"), x.shape);
  const e = binary(x, m, (a, b) => Math.exp(a - b));
  const s = broadcastTo(reduce(e, [ax], true, "sum"), x.shape);
  if (!log) return binary(e, s, (a, b) => a / b);
  const shifted = binary(x, m, (a, b) => a - b);
  return binary(shifted, s, (a, b) => a - Math.log(b));
}

export const KERNELS: Readonly<Record<string, Kernel>> = {
  add: {
    forward: ([a, b]) => arithmetic(a, b, "add"),
    vjp: (g, [a, b], _o, _p, needs) => [needs?.[0] === false ? null : sumTo(g, a.shape), needs?.[1] === false ? null : sumTo(g, b.shape)],
    local: ([a, b], o, i) => `${d(o, i === 0 ? a : b)} = 1`,
  },
  sub: {
    forward: ([a, b]) => arithmetic(a, b, "sub"),
    vjp: (g, [a, b], _o, _p, needs) => [needs?.[0] === false ? null : sumTo(g, a.shape), needs?.[1] === false ? null : sumTo(g.map((v) => -v), b.shape)],
    local: ([a, b], o, i) => `${d(o, i === 0 ? a : b)} = ${i === 0 ? "1" : "-1"}`,
  },
  mul: {
    forward: ([a, b]) => arithmetic(a, b, "mul"),
    vjp: (g, [a, b], _o, _p, needs) => [
      needs?.[0] === false ? null : sumTo(arithmetic(g, b, "mul"), a.shape),
      needs?.[1] === false ? null : sumTo(arithmetic(g, a, "mul"), b.shape),
    ],
    local: ([a, b], o, i, inputs) => `${d(o, i === 0 ? a : b)} = ${diag(i === 0 ? b : a, inputs, 1 - i)}`,
  },
  div: {
    forward: ([a, b]) => arithmetic(a, b, "div"),
    vjp: (g, [a, b], _o, _p, needs) => [
      needs?.[0] === false ? null : sumTo(arithmetic(g, b, "div"), a.shape),
      needs?.[1] === false ? null : sumTo(binary(binary(g, a, (x, y) => -x * y), b, (x, y) => x / (y * y)), b.shape),
    ],
    local: ([a, b], o, i) => (i === 0 ? `${d(o, a)} = \\frac{1}{${b}}` : `${d(o, b)} = -\\frac{${a}}{${b}^2}`),
  },
  pow: {
    forward: ([a, b]) => binary(a, b, (x, y) => Math.pow(x, y)),
    vjp: (g, [a, b], out, _p, needs) => [
      sumTo(binary(g, binary(a, b, (x, y) => y * Math.pow(x, y - 1)), (x, y) => x * y), a.shape),
      needs?.[1] === false ? null : sumTo(binary(g, binary(broadcastTo(out, out.shape), broadcastTo(a, out.shape), (o, x) => (x > 0 ? o * Math.log(x) : 0)), (x, y) => x * y), b.shape),
    ],
    local: ([a, b], o, i) => (i === 0 ? `${d(o, a)} = ${b}\\,${a}^{${b}-1}` : `${d(o, b)} = ${a}^{${b}}\\ln ${a}`),
  },
  maximum: {
    forward: ([a, b]) => binary(a, b, (x, y) => (x >= y ? x : y)),
    // Ties send the gradient to the first argument, as numpy's own derivative convention does for max(x, 0).
    vjp: (g, [a, b]) => {
      const out = binary(a, b, () => 0);
      const ga = binary(g, binary(broadcastTo(a, out.shape), broadcastTo(b, out.shape), (x, y) => (x >= y ? 1 : 0)), (x, y) => x * y);
      const gb = binary(g, binary(broadcastTo(a, out.shape), broadcastTo(b, out.shape), (x, y) => (x >= y ? 0 : 1)), (x, y) => x * y);
      return [sumTo(ga, a.shape), sumTo(gb, b.shape)];
    },
    local: ([a, b], o, i) => `${d(o, i === 0 ? a : b)} = \\mathbb{1}[${i === 0 ? `${a} \\ge ${b}` : `${b} > ${a}`}]`,
  },
  minimum: {
    forward: ([a, b]) => binary(a, b, (x, y) => (x <= y ? x : y)),
    vjp: (g, [a, b]) => {
      const shape = binary(a, b, () => 0).shape;
      const pick = binary(broadcastTo(a, shape), broadcastTo(b, shape), (x, y) => (x <= y ? 1 : 0));
      return [sumTo(binary(g, pick, (x, y) => x * y), a.shape), sumTo(binary(g, pick, (x, y) => x * (1 - y)), b.shape)];
    },
    local: ([a, b], o, i) => `${d(o, i === 0 ? a : b)} = \\mathbb{1}[${i === 0 ? `${a} \\le ${b}` : `${b} < ${a}`}]`,
  },
  neg: {
    forward: ([x]) => x.map((v) => -v),
    vjp: (g) => [g.map((v) => -v)],
    local: ([x], o) => `${d(o, x)} = -1`,
  },
  exp: unary(Math.exp, (_x, y) => y, (x) => `e^{${x}}`),
  log: unary(Math.log, (x) => 1 / x, (x) => `\\frac{1}{${x}}`),
  log1p: unary(Math.log1p, (x) => 1 / (1 + x), (x) => `\\frac{1}{1 + ${x}}`),
  expm1: unary(Math.expm1, (_x, y) => y + 1, (x) => `e^{${x}}`),
  sqrt: unary(Math.sqrt, (_x, y) => 0.5 / y, (x) => `\\frac{1}{2\\sqrt{${x}}}`),
  square: unary((x) => x * x, (x) => 2 * x, (x) => `2${x}`),
  reciprocal: unary((x) => 1 / x, (x) => -1 / (x * x), (x) => `-\\frac{1}{${x}^2}`),
  abs: unary(Math.abs, (x) => Math.sign(x), (x) => `\\operatorname{sign}(${x})`),
  tanh: unary(Math.tanh, (_x, y) => 1 - y * y, (x) => `1 - \\tanh^2 ${x}`),
  sigmoid: unary(sigmoid, (_x, y) => y * (1 - y), (x) => `\\sigma(${x})\\,(1 - \\sigma(${x}))`),
  relu: unary((x) => (x > 0 ? x : 0), (x) => (x > 0 ? 1 : 0), (x) => `\\mathbb{1}[${x} > 0]`),
  softplus: unary((x) => (x > 20 ? x : Math.log1p(Math.exp(x))), (x) => sigmoid(x), (x) => `\\sigma(${x})`),
  sin: unary(Math.sin, Math.cos, (x) => `\\cos ${x}`),
  cos: unary(Math.cos, (x) => -Math.sin(x), (x) => `-\\sin ${x}`),
  copy: {
    forward: ([x]) => new Tensor([...x.shape], x.data.slice()),
    vjp: (g) => [g],
    local: ([x], o) => `${d(o, x)} = I`,
  },
  clip: {
    forward: ([x], p) => x.map((v) => Math.min(p.hi ?? Infinity, Math.max(p.lo ?? -Infinity, v))),
    vjp: (g, [x], _o, p) => [binary(g, x.map((v) => (v >= (p.lo ?? -Infinity) && v <= (p.hi ?? Infinity) ? 1 : 0)), (a, b) => a * b)],
    local: ([x], o) => `${d(o, x)} = \\mathbb{1}[\\text{lo} \\le ${x} \\le \\text{hi}]`,
  },
  leaky_relu: {
    forward: ([x], p) => x.map((v) => (v > 0 ? v : (p.slope ?? 0.01) * v)),
    vjp: (g, [x], _o, p) => [binary(g, x.map((v) => (v > 0 ? 1 : (p.slope ?? 0.01))), (a, b) => a * b)],
    local: ([x], o) => `${d(o, x)} = \\mathbb{1}[${x} > 0] + \\alpha\\,\\mathbb{1}[${x} \\le 0]`,
  },
  matmul: {
    forward: ([a, b]) => matmul(a, b),
    vjp: (g, [a, b], _o, _p, needs) => {
      // Promote 1-D operands as matmul does, take the matrix VJPs, then undo the promotion.
      const A = a.rank === 1 ? a.reshape([1, a.shape[0]]) : a;
      const B = b.rank === 1 ? b.reshape([b.shape[0], 1]) : b;
      let G = g;
      if (a.rank === 1 && b.rank === 1) G = g.reshape([1, 1]);
      else if (a.rank === 1) G = g.reshape([...g.shape.slice(0, -1), 1, g.shape[g.rank - 1]]);
      else if (b.rank === 1) G = g.reshape([...g.shape, 1]);
      const gA = needs?.[0] === false ? null : sumTo(matmulTransposed(G, B), A.shape).reshape(a.shape);
      const gB = needs?.[1] === false ? null : sumTo(matmulTransposedA(A, G), B.shape).reshape(b.shape);
      return [gA, gB];
    },
    local: ([a, b], o, i, inputs) => {
      const [A, B] = inputs;
      if (A.rank <= 1 && B.rank <= 1) return `${d(o, i === 0 ? a : b)} = ${i === 0 ? b : a}^\\top`;
      if (i === 1 && B.rank === 1) return `${d(o, b)} = ${a}`;
      if (i === 0 && A.rank === 1) return `${d(o, a)} = ${b}^\\top`;
      return i === 0 ? `${bar(a)} = ${bar(o)}\\,${b}^\\top` : `${bar(b)} = ${a}^\\top ${bar(o)}`;
    },
  },
  outer: {
    forward: ([a, b]) => matmul(a.reshape([a.size, 1]), b.reshape([1, b.size])),
    vjp: (g, [a, b]) => [matmul(g, b.reshape([b.size])).reshape(a.shape), matmul(a.reshape([1, a.size]), g).reshape(b.shape)],
    local: ([a, b], o, i) => (i === 0 ? `${bar(a)} = ${bar(o)}\\,${b}` : `${bar(b)} = ${bar(o)}^\\top ${a}`),
  },
  einsum: {
    forward: (xs, p) => einsum(p.subscripts ?? "", xs),
    vjp: (g, xs, _o, p) => {
      // The gradient of operand i contracts g with the others, back to operand i's subscripts.
      const [lhs, rhsGiven] = (p.subscripts ?? "").replace(/\s+/g, "").split("->");
      const terms = lhs.split(",");
      const rhs = rhsGiven ?? implicitOutput(lhs);
      return xs.map((x, i) => {
        const others = terms.filter((_, j) => j !== i);
        const spec = `${[rhs, ...others].join(",")}->${terms[i]}`;
        const res = einsum(spec, [g, ...xs.filter((_, j) => j !== i)]);
        return res.reshape(x.shape);
      });
    },
    local: (names, o, i) => `${bar(names[i])} = \\text{einsum of } ${bar(o)} \\text{ with the other operands}`,
  },
  transpose: {
    forward: ([x], p) => permute(x, p.axes && p.axes.length ? p.axes : x.shape.map((_, i) => x.rank - 1 - i)),
    vjp: (g, [x], _o, p) => [permute(g, inversePermutation(p.axes && p.axes.length ? p.axes : x.shape.map((_, i) => x.rank - 1 - i)))],
    local: ([x], o) => `${bar(x)} = ${bar(o)}^\\top`,
  },
  reshape: {
    forward: ([x], p) => x.reshape(p.shape ?? x.shape),
    vjp: (g, [x]) => [g.reshape(x.shape)],
    local: ([x], o) => `${bar(x)} = \\operatorname{reshape}(${bar(o)})`,
  },
  broadcast_to: {
    forward: ([x], p) => broadcastTo(x, p.shape ?? x.shape),
    vjp: (g, [x]) => [sumTo(g, x.shape)],
    local: ([x], o) => `${bar(x)} = \\textstyle\\sum_{\\text{copies}} ${bar(o)}`,
  },
  sum: reduction("sum"),
  mean: reduction("mean"),
  max: reduction("max"),
  min: reduction("min"),
  concatenate: {
    forward: (xs, p) => concatenate(xs, typeof p.axis === "number" ? p.axis : 0),
    vjp: (g, xs, _o, p) => {
      const axis = typeof p.axis === "number" ? p.axis : 0;
      return splitSizes(g, axis, xs.map((x) => x.shape[normAxis(axis, x.rank)]));
    },
    local: (names, o, i) => `${bar(names[i])} = ${bar(o)}[\\text{piece } ${i + 1}]`,
  },
  stack: {
    forward: (xs, p) => {
      const axis = typeof p.axis === "number" ? p.axis : 0;
      const ax = axis < 0 ? axis + xs[0].rank + 1 : axis;
      const expanded = xs.map((x) => x.reshape([...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]));
      return concatenate(expanded, ax);
    },
    vjp: (g, xs, _o, p) => {
      const axis = typeof p.axis === "number" ? p.axis : 0;
      const ax = axis < 0 ? axis + xs[0].rank + 1 : axis;
      return splitSizes(g, ax, xs.map(() => 1)).map((t, i) => t.reshape(xs[i].shape));
    },
    local: (names, o, i) => `${bar(names[i])} = ${bar(o)}[${i}]`,
  },
  index: {
    forward: ([x], p) => gather(x, p.plan!),
    vjp: (g, [x], _o, p) => [scatterAdd(x.shape, p.plan!, g)],
    local: ([x], o) => `${bar(x)} = \\text{scatter-add of } ${bar(o)}`,
  },
  softmax: {
    forward: ([x], p) => softmaxAlong(x, typeof p.axis === "number" ? p.axis : -1, false),
    vjp: (g, [x], s, p) => {
      const ax = normAxis(typeof p.axis === "number" ? p.axis : -1, x.rank);
      const gs = binary(g, s, (a, b) => a * b);
      const dot = broadcastTo(reduce(gs, [ax], true, "sum"), x.shape);
      return [binary(s, binary(g, dot, (a, b) => a - b), (a, b) => a * b)];
    },
    local: ([x], o) => `${d(o, x)} = \\operatorname{diag}(${o}) - ${o}\\,${o}^\\top`,
  },
  log_softmax: {
    forward: ([x], p) => softmaxAlong(x, typeof p.axis === "number" ? p.axis : -1, true),
    vjp: (g, [x], out, p) => {
      const ax = normAxis(typeof p.axis === "number" ? p.axis : -1, x.rank);
      const s = out.map(Math.exp);
      const total = broadcastTo(reduce(g, [ax], true, "sum"), x.shape);
      return [binary(g, binary(s, total, (a, b) => a * b), (a, b) => a - b)];
    },
    local: ([x], o) => `${d(o, x)} = I - \\mathbf{1}\\,\\operatorname{softmax}(${x})^\\top`,
  },
  where: {
    forward: ([c, a, b]) => {
      const shape = binary(binary(c, a, () => 0), b, () => 0).shape;
      const C = broadcastTo(c, shape);
      const A = broadcastTo(a, shape);
      const B = broadcastTo(b, shape);
      return C.map((v, k) => (v ? A.data[k] : B.data[k]));
    },
    vjp: (g, [c, a, b]) => {
      const C = broadcastTo(c, g.shape);
      return [null, sumTo(binary(g, C, (x, y) => (y ? x : 0)), a.shape), sumTo(binary(g, C, (x, y) => (y ? 0 : x)), b.shape)];
    },
    local: ([c, a, b], o, i) => `${d(o, i === 1 ? a : b)} = \\mathbb{1}[${i === 1 ? c : `\\lnot ${c}`}]`,
    constant: [0],
  },
};

function implicitOutput(lhs: string): string {
  const counts = new Map<string, number>();
  for (const c of lhs.replace(/,/g, "")) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].filter(([, n]) => n === 1).map(([c]) => c).sort().join("");
}
