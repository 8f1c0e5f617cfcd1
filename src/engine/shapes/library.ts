import type * as A from "../python/ast.js";
import { type Dim, type Shape, addDim, divDimExact, floorDivDim, mulDim, productDims, subDim } from "./dim.js";
import { OPS, type OpParams, type ShapeClash, type ShapeResult } from "./ops.js";
import type { DType } from "./sources.js";
import { type LayerValue, type RefValue, type Value, UNKNOWN, shapeOf, tensor } from "./values.js";

/**
 * numpy, torch and torch.nn as GradLens sees them: which library call or tensor
 * method is which op of the op table, and how its arguments become the op's
 * parameters (axis/dim, keepdims/keepdim, a shape given as a tuple or as varargs).
 */

export interface LibraryContext {
  skip(what: string): void;
}

export interface CallResult {
  value: Value;
  clash?: ShapeClash;
  /** the name of a library function GradLens does not know */
  unknownOp?: string;
}

type Args = Value[];
type Keywords = [string, Value][];

const MODULE_ALIASES: Record<string, string> = {
  numpy: "numpy",
  torch: "torch",
  "torch.nn": "torch.nn",
  "torch.nn.functional": "torch.nn.functional",
  "numpy.random": "numpy.random",
  "numpy.linalg": "numpy.linalg",
  math: "math",
  jax: "jax",
  "jax.numpy": "numpy",
};

/** Local names an import statement introduces, with the canonical path of each. */
export function canonicalImport(text: string): [string, string][] {
  const out: [string, string][] = [];
  const t = text.replace(/\s+/g, " ").trim();
  let m = /^import (.+)$/.exec(t);
  if (m) {
    for (const part of m[1].split(",")) {
      const [path, alias] = part.trim().split(/ as /);
      const canon = MODULE_ALIASES[path.trim()] ?? path.trim();
      if (alias) out.push([alias.trim(), canon]);
      else out.push([path.trim().split(".")[0], MODULE_ALIASES[path.trim().split(".")[0]] ?? path.trim().split(".")[0]]);
    }
    return out;
  }
  m = /^from ([\w.]+) import \(?([^)]*)\)?$/.exec(t);
  if (m) {
    const base = MODULE_ALIASES[m[1]] ?? m[1];
    for (const part of m[2].split(",")) {
      const [name, alias] = part.trim().split(/ as /);
      if (!name || name === "*") continue;
      out.push([(alias ?? name).trim(), `${base}.${name.trim()}`]);
    }
  }
  return out;
}

/** Strips the library prefix: `numpy.exp` and `torch.exp` are both `exp`. */
function libraryName(path: string): { lib: "numpy" | "torch" | "nn" | "F" | "other"; name: string } {
  for (const [prefix, lib] of [
    ["torch.nn.functional.", "F"],
    ["torch.nn.", "nn"],
    ["torch.", "torch"],
    ["numpy.", "numpy"],
  ] as const) {
    if (path.startsWith(prefix)) return { lib, name: path.slice(prefix.length) };
  }
  return { lib: "other", name: path };
}

// ───────────────────────────── argument helpers ─────────────────────────────

/** A value used as a size: an int's dim, or a named unknown as its own symbol. */
export function dimOf(v: Value | undefined): Dim {
  if (!v) return null;
  if (v.kind === "int") return v.dim;
  if (v.kind === "unknown" && v.asDim !== undefined) return v.asDim;
  if (v.kind === "unknown" && v.name && /^[A-Za-z_]\w*$/.test(v.name)) return v.name;
  return null;
}

/** A shape given as one tuple/list/int argument, or as varargs (torch style). */
function shapeArgs(args: Args, varargs: boolean): Shape {
  if (args.length === 0) return varargs ? [] : null;
  const first = args[0];
  if (first.kind === "tuple" || (first.kind === "list" && first.items)) {
    const items = first.kind === "tuple" ? first.items : first.items!;
    return items.map(dimOf);
  }
  if (first.kind === "list") return null;
  if (varargs) return args.map(dimOf);
  if (first.kind === "int" || first.kind === "unknown") return [dimOf(first)];
  return null;
}

function kw(keywords: Keywords, ...names: string[]): Value | undefined {
  for (const [k, v] of keywords) if (names.includes(k)) return v;
  return undefined;
}

function arg(args: Args, keywords: Keywords, index: number, ...names: string[]): Value | undefined {
  return kw(keywords, ...names) ?? args[index];
}

function intConst(v: Value | undefined): number | undefined {
  return v && v.kind === "int" && typeof v.dim === "number" ? v.dim : undefined;
}

/** axis=/dim= as a number, a tuple of numbers, None (all axes) or undefined (not given). */
function axisParam(v: Value | undefined): number | number[] | null | undefined | "unknown" {
  if (v === undefined) return undefined;
  if (v.kind === "none") return null;
  if (v.kind === "int") return typeof v.dim === "number" ? v.dim : "unknown";
  if (v.kind === "tuple" || (v.kind === "list" && v.items)) {
    const items = (v.kind === "tuple" ? v.items : v.items!).map(intConst);
    return items.every((i) => i !== undefined) ? (items as number[]) : "unknown";
  }
  return "unknown";
}

function tensorShape(v: Value | undefined): Shape | undefined {
  return v ? shapeOf(v) : undefined;
}

function fromRule(r: ShapeResult, extra: { dtype?: DType } = {}): CallResult {
  if ("clash" in r) return { value: tensor(null), clash: r.clash };
  return { value: tensor(r.shape, extra) };
}

function applyOp(name: string, inputs: Shape[], params: OpParams = {}, dtype?: DType): CallResult {
  return fromRule(OPS[name].shape(inputs, params), { dtype });
}

// ───────────────────────────── function tables ─────────────────────────────

const UNARY_ALIASES: Record<string, string> = {
  exp: "exp",
  log: "log",
  log2: "log",
  log10: "log",
  log1p: "log1p",
  expm1: "expm1",
  sqrt: "sqrt",
  rsqrt: "sqrt",
  square: "square",
  abs: "abs",
  absolute: "abs",
  fabs: "abs",
  sign: "sign",
  tanh: "tanh",
  sigmoid: "sigmoid",
  relu: "relu",
  relu6: "relu",
  leaky_relu: "leaky_relu",
  gelu: "gelu",
  silu: "silu",
  elu: "elu",
  selu: "elu",
  softplus: "softplus",
  sin: "sin",
  cos: "cos",
  negative: "neg",
  neg: "neg",
  reciprocal: "reciprocal",
  floor: "floor",
  ceil: "ceil",
  round: "round",
  rint: "round",
  clip: "clip",
  clamp: "clip",
  clamp_min: "clip",
  clamp_max: "clip",
  copy: "copy",
  clone: "copy",
  contiguous: "copy",
  detach: "copy",
  asarray: "copy",
  ascontiguousarray: "copy",
  dropout: "dropout",
  softmax: "softmax",
  log_softmax: "log_softmax",
  cumsum: "cumsum",
  cumprod: "cumsum",
  isnan: "isnan",
  isinf: "isnan",
  isfinite: "isnan",
  logical_not: "isnan",
  tril: "copy",
  triu: "copy",
  argsort: "copy",
  flip: "copy",
  fliplr: "copy",
  flipud: "copy",
  nan_to_num: "copy",
  erf: "tanh",
  erfc: "tanh",
  arcsin: "sin",
  arccos: "cos",
  arctan: "tanh",
  asin: "sin",
  acos: "cos",
  atan: "tanh",
  sinh: "exp",
  cosh: "exp",
  exp2: "exp",
  cbrt: "sqrt",
  rsqrt_: "sqrt",
  trunc: "floor",
  fix: "floor",
  positive: "copy",
  conjugate: "copy",
  mish: "silu",
  hardtanh: "clip",
  hardswish: "silu",
  hardsigmoid: "sigmoid",
  logsigmoid: "softplus",
  tanhshrink: "tanh",
  softsign: "tanh",
  celu: "elu",
  conj: "copy",
  real: "copy",
  layer_norm: "layer_norm",
  normalize: "copy",
  batch_norm: "copy",
  masked_fill: "copy",
  roll: "copy",
};

const BINARY_ALIASES: Record<string, string> = {
  add: "add",
  subtract: "sub",
  sub: "sub",
  multiply: "mul",
  mul: "mul",
  divide: "div",
  div: "div",
  true_divide: "div",
  floor_divide: "div",
  power: "pow",
  pow: "pow",
  maximum: "maximum",
  minimum: "minimum",
  fmax: "maximum",
  fmin: "minimum",
  greater: "compare",
  less: "compare",
  greater_equal: "compare",
  less_equal: "compare",
  equal: "compare",
  not_equal: "compare",
  gt: "compare",
  lt: "compare",
  ge: "compare",
  le: "compare",
  eq: "compare",
  ne: "compare",
  logical_and: "logical",
  logical_or: "logical",
  logical_xor: "logical",
  hypot: "mul",
  arctan2: "mul",
  atan2: "mul",
  logaddexp: "maximum",
  logaddexp2: "maximum",
  heaviside: "mul",
  copysign: "mul",
  fmod: "div",
  remainder: "div",
  mod: "div",
  isclose: "compare",
  xlogy: "mul",
};

const REDUCTION_ALIASES: Record<string, string> = {
  sum: "sum",
  nansum: "sum",
  mean: "mean",
  nanmean: "mean",
  average: "mean",
  max: "max",
  amax: "max",
  nanmax: "max",
  min: "min",
  amin: "min",
  nanmin: "min",
  argmax: "argmax",
  argmin: "argmin",
  prod: "prod",
  std: "std",
  var: "var",
  any: "any",
  all: "all",
  logsumexp: "logsumexp",
  norm: "norm",
  count_nonzero: "sum",
  median: "mean",
  nanmedian: "mean",
  percentile: "mean",
  quantile: "mean",
  nanpercentile: "mean",
  ptp: "max",
  nanstd: "std",
  nanvar: "var",
};

const BOOL_OPS = new Set(["compare", "logical", "isnan", "any", "all"]);
const INT_OPS = new Set(["argmax", "argmin"]);

function reduction(op: string, x: Value | undefined, args: Args, keywords: Keywords, axisIndex: number, lib: string): CallResult {
  const shape = tensorShape(x);
  if (shape === undefined) return { value: UNKNOWN };
  const axis = axisParam(arg(args, keywords, axisIndex, "axis", "dim"));
  const keepdims = isTrue(kw(keywords, "keepdims", "keepdim") ?? (lib === "torch" ? args[axisIndex + 1] : undefined));
  if (axis === "unknown") return { value: tensor(shape && keepdims ? shape.map(() => null) : null) };
  // torch's x.max(dim) returns (values, indices).
  const r = OPS[op].shape([shape], { axis, keepdims });
  if ("clash" in r) return { value: tensor(null), clash: r.clash };
  const dtype: DType | undefined = BOOL_OPS.has(op) ? "bool" : INT_OPS.has(op) ? "int" : undefined;
  if (lib === "torch" && (op === "max" || op === "min" || op === "median") && axis !== undefined && axis !== null) {
    return { value: { kind: "tuple", items: [tensor(r.shape), tensor(r.shape, { dtype: "int" })], names: ["values", "indices"] } };
  }
  return { value: tensor(r.shape, { dtype }) };
}

function isTrue(v: Value | undefined): boolean {
  return !!v && v.kind === "bool" && v.value === true;
}

// ───────────────────────────── constructors ─────────────────────────────

function constructor(name: string, lib: "numpy" | "torch", args: Args, keywords: Keywords): CallResult | undefined {
  const torch = lib === "torch";
  const dtypeKw = kw(keywords, "dtype");
  const dtype: DType | undefined = dtypeKw && dtypeKw.kind === "ref" ? dtypeFromPath(dtypeKw.path) : undefined;
  switch (name) {
    case "zeros":
    case "ones":
    case "empty":
      return { value: tensor(torch ? shapeArgs(args, true) : shapeArgs(args.length ? args : kw(keywords, "shape") ? [kw(keywords, "shape")!] : [], false), { dtype }) };
    case "full":
      return { value: tensor(shapeArgs(args.slice(0, 1).length ? args.slice(0, 1) : [kw(keywords, "shape", "size") ?? UNKNOWN], false), { dtype }) };
    case "randn":
    case "rand":
    case "random.randn":
    case "random.rand":
      return { value: tensor(torch || name.endsWith("randn") || name.endsWith("rand") ? shapeArgs(args, true) : null, { dtype: "float" }) };
    case "random.random":
    case "random.random_sample":
    case "random.standard_normal":
    case "random.sample":
      return { value: args.length || kw(keywords, "size") ? tensor(shapeArgs([arg(args, keywords, 0, "size")!], false), { dtype: "float" }) : { kind: "float" } };
    case "random.normal":
    case "random.uniform":
    case "normal":
    case "uniform": {
      const size = arg(args, keywords, 2, "size");
      return { value: size ? tensor(shapeArgs([size], false), { dtype: "float" }) : { kind: "float" } };
    }
    case "random.randint":
    case "randint": {
      const size = torch ? arg(args, keywords, args.length - 1, "size") : arg(args, keywords, 2, "size");
      return { value: size ? tensor(shapeArgs([size], false), { dtype: "int" }) : { kind: "int", dim: null } };
    }
    case "random.permutation":
    case "randperm":
      return { value: tensor([dimOf(args[0])], { dtype: "int" }) };
    case "random.binomial": {
      const size = arg(args, keywords, 2, "size");
      return { value: size ? tensor(shapeArgs([size], false), { dtype: "int" }) : { kind: "int", dim: null } };
    }
    case "bernoulli":
      return { value: tensor(tensorShape(args[0]) ?? null, { dtype: "float" }) };
    case "random.choice": {
      const size = arg(args, keywords, 1, "size");
      return { value: size ? tensor(shapeArgs([size], false), { dtype: "int" }) : { kind: "int", dim: null } };
    }
    case "eye":
    case "identity": {
      const n = dimOf(args[0]);
      const m = args[1] && args[1].kind !== "none" ? dimOf(args[1]) : n;
      return { value: tensor([n, m], { dtype }) };
    }
    case "arange": {
      const nums = args.map(dimOf);
      if (args.length === 1) return { value: tensor([nums[0]], { dtype: "int" }) };
      if (args.length === 2) {
        const len = typeof nums[0] === "number" && typeof nums[1] === "number" ? Math.max(0, nums[1] - nums[0]) : subDim(nums[1], nums[0]);
        return { value: tensor([len], { dtype: "int" }) };
      }
      if (args.length === 3 && nums.every((n) => typeof n === "number")) {
        const [a, b, s] = nums as number[];
        return { value: tensor([Math.max(0, Math.ceil((b - a) / s))], { dtype: "int" }) };
      }
      return { value: tensor([null]) };
    }
    case "linspace":
    case "logspace":
      return { value: tensor([dimOf(arg(args, keywords, 2, "num", "steps")) ?? (torch ? null : 50)], { dtype: "float" }) };
    case "array":
    case "tensor":
    case "as_tensor":
    case "from_numpy": {
      const v = args[0];
      if (!v) return { value: tensor(null) };
      if (v.kind === "tensor") return { value: tensor(v.shape, { dtype: v.dtype }) };
      return { value: tensor(literalShape(v), { dtype: literalDtype(v) }) };
    }
    case "zeros_like":
    case "ones_like":
    case "empty_like":
    case "full_like":
    case "randn_like":
    case "rand_like":
      return { value: tensor(tensorShape(args[0]) ?? null, { dtype: args[0]?.kind === "tensor" ? args[0].dtype : undefined }) };
    default:
      return undefined;
  }
}

function dtypeFromPath(path: string): DType | undefined {
  if (/int|long/.test(path)) return "int";
  if (/bool/.test(path)) return "bool";
  if (/float|double|half/.test(path)) return "float";
  return undefined;
}

/** The shape of a nested list literal: `[[1, 2], [3, 4]]` is (2, 2). */
function literalShape(v: Value): Shape {
  if (v.kind === "int" || v.kind === "float" || v.kind === "bool") return [];
  if (v.kind === "tensor") return v.shape;
  if ((v.kind === "list" && v.items) || v.kind === "tuple") {
    const items = v.kind === "tuple" ? v.items : v.items!;
    if (items.length === 0) return [0];
    const inner = literalShape(items[0]);
    if (inner === null) return null;
    return [items.length, ...inner];
  }
  return null;
}

function literalDtype(v: Value): DType | undefined {
  if (v.kind === "int") return "int";
  if (v.kind === "float") return "float";
  if (v.kind === "bool") return "bool";
  if ((v.kind === "list" && v.items) || v.kind === "tuple") {
    const items = v.kind === "tuple" ? v.items : v.items!;
    const kinds = items.map(literalDtype);
    return kinds.includes("float") ? "float" : kinds[0];
  }
  return undefined;
}

// ───────────────────────────── layers (torch.nn) ─────────────────────────────

function tuple2(v: Value | undefined, fallback: Dim): [Dim, Dim] {
  if (!v) return [fallback, fallback];
  if (v.kind === "tuple" && v.items.length === 2) return [dimOf(v.items[0]), dimOf(v.items[1])];
  const d = dimOf(v);
  return [d, d];
}

function layer(name: string, args: Args, keywords: Keywords): LayerValue | undefined {
  const a = (i: number, ...names: string[]) => arg(args, keywords, i, ...names);
  switch (name) {
    case "Linear":
    case "LazyLinear": {
      const i = name === "Linear" ? dimOf(a(0, "in_features")) : null;
      const o = dimOf(a(name === "Linear" ? 1 : 0, "out_features"));
      const bias = kw(keywords, "bias");
      const hasBias = !(bias?.kind === "bool" && bias.value === false);
      return { kind: "layer", op: "linear", params: { inFeatures: i, outFeatures: o }, weights: { weight: [o, i], ...(hasBias ? { bias: [o] } : {}) }, label: "nn.Linear" };
    }
    case "Embedding": {
      const n = dimOf(a(0, "num_embeddings"));
      const d = dimOf(a(1, "embedding_dim"));
      return { kind: "layer", op: "embedding", params: { outFeatures: d }, weights: { weight: [n, d] }, label: "nn.Embedding" };
    }
    case "Conv2d": {
      const cin = dimOf(a(0, "in_channels"));
      const cout = dimOf(a(1, "out_channels"));
      const kernel = tuple2(a(2, "kernel_size"), null);
      return {
        kind: "layer",
        op: "conv2d",
        params: { inFeatures: cin, outFeatures: cout, kernel, stride: tuple2(a(3, "stride"), 1), padding: tuple2(a(4, "padding"), 0), dilation: tuple2(a(5, "dilation"), 1) },
        weights: { weight: [cout, cin, kernel[0], kernel[1]], bias: [cout] },
        label: "nn.Conv2d",
      };
    }
    case "MaxPool2d":
    case "AvgPool2d": {
      const kernel = tuple2(a(0, "kernel_size"), null);
      const stride = a(1, "stride");
      return { kind: "layer", op: "pool2d", params: { kernel, stride: stride && stride.kind !== "none" ? tuple2(stride, null) : kernel, padding: tuple2(a(2, "padding"), 0) }, weights: {}, label: `nn.${name}` };
    }
    case "LayerNorm": {
      const d = a(0, "normalized_shape");
      const shape = d ? (d.kind === "tuple" ? d.items.map(dimOf) : [dimOf(d)]) : [null];
      return { kind: "layer", op: "layer_norm", params: {}, weights: { weight: shape, bias: shape }, label: "nn.LayerNorm" };
    }
    case "BatchNorm1d":
    case "BatchNorm2d": {
      const c = dimOf(a(0, "num_features"));
      return { kind: "layer", op: "copy", params: {}, weights: { weight: [c], bias: [c] }, label: `nn.${name}` };
    }
    case "Softmax":
    case "LogSoftmax":
      return { kind: "layer", op: name === "Softmax" ? "softmax" : "log_softmax", params: {}, weights: {}, label: `nn.${name}` };
    case "Flatten": {
      const start = intConst(a(0, "start_dim")) ?? 1;
      const end = intConst(a(1, "end_dim")) ?? -1;
      return { kind: "layer", op: "flatten", params: { startDim: start, endDim: end }, weights: {}, label: "nn.Flatten" };
    }
    case "ReLU":
    case "Tanh":
    case "Sigmoid":
    case "GELU":
    case "SiLU":
    case "ELU":
    case "LeakyReLU":
    case "Softplus":
    case "Dropout":
    case "Identity":
    case "ReLU6": {
      const op = ({ ReLU: "relu", ReLU6: "relu", Tanh: "tanh", Sigmoid: "sigmoid", GELU: "gelu", SiLU: "silu", ELU: "elu", LeakyReLU: "leaky_relu", Softplus: "softplus", Dropout: "dropout", Identity: "copy" } as Record<string, string>)[name];
      return { kind: "layer", op, params: {}, weights: {}, label: `nn.${name}` };
    }
    case "Sequential":
      return { kind: "layer", op: "sequential", params: {}, weights: {}, layers: args, label: "nn.Sequential" };
    case "ModuleList":
      return { kind: "layer", op: "list", params: {}, weights: {}, layers: args[0]?.kind === "list" && args[0].items ? args[0].items : [], label: "nn.ModuleList" };
    case "CrossEntropyLoss":
    case "MSELoss":
    case "NLLLoss":
    case "BCELoss":
    case "BCEWithLogitsLoss":
    case "L1Loss":
      return { kind: "layer", op: "loss", params: {}, weights: {}, label: `nn.${name}` };
    default:
      return undefined;
  }
}

function applyLayer(l: LayerValue, args: Args, ctx: LibraryContext): CallResult {
  const x = args[0];
  if (l.op === "sequential") {
    let v: Value = x ?? UNKNOWN;
    for (const sub of l.layers ?? []) {
      if (sub.kind === "layer") {
        const r = applyLayer(sub, [v], ctx);
        if (r.clash) return r;
        v = r.value;
      } else v = UNKNOWN; // a module of the user's own inside Sequential: not followed yet
    }
    return { value: v };
  }
  if (l.op === "loss") return { value: tensor([]) };
  if (l.op === "list") return { value: UNKNOWN };
  const shape = tensorShape(x);
  if (shape === undefined) return { value: tensor(null) };
  if (l.op === "softmax" || l.op === "log_softmax" || l.op === "copy" || l.op === "layer_norm") return { value: tensor(shape) };
  return applyOp(l.op, [shape], l.params, l.op === "embedding" ? "float" : undefined);
}

// ───────────────────────────── calls ─────────────────────────────

export function callLibrary(callee: RefValue | LayerValue, args: Args, keywords: Keywords, ctx: LibraryContext, expr: A.CallExpr): CallResult {
  if (callee.kind === "layer") return applyLayer(callee, args, ctx);
  const path = callee.path;
  const builtin = callBuiltin(path, args, keywords);
  if (builtin) return builtin;
  if (path === "math" || path.startsWith("math.")) return { value: { kind: "float" } };
  const { lib, name } = libraryName(path);
  if (lib === "other") return { value: UNKNOWN };
  if (lib === "nn") {
    if (name === "Parameter" || name === "parameter.Parameter") return { value: args[0] ?? UNKNOWN };
    if (name.startsWith("init.")) return { value: args[0] ?? UNKNOWN };
    const l = layer(name, args, keywords);
    if (l) return { value: l };
    if (name === "Module") return { value: UNKNOWN };
    return { value: UNKNOWN, unknownOp: `nn.${name}` };
  }
  if (lib === "numpy" || lib === "torch") {
    const c = constructor(name, lib, args, keywords);
    if (c) return c;
    if (name.startsWith("random.default_rng") || name === "random.RandomState" || name === "Generator" || name === "manual_seed") {
      return { value: { kind: "ref", path: `${lib}.rng` } };
    }
    if (name.startsWith("rng.")) return rngCall(name.slice(4), args, keywords);
  }
  return tensorFunction(lib === "F" ? "torch" : lib, name, args, keywords, ctx, path);
}

function rngCall(name: string, args: Args, keywords: Keywords): CallResult {
  switch (name) {
    case "standard_normal":
    case "random":
      return { value: args.length || kw(keywords, "size") ? tensor(shapeArgs([arg(args, keywords, 0, "size")!], false), { dtype: "float" }) : { kind: "float" } };
    case "normal":
    case "uniform": {
      const size = arg(args, keywords, 2, "size");
      return { value: size ? tensor(shapeArgs([size], false), { dtype: "float" }) : { kind: "float" } };
    }
    case "integers": {
      const size = arg(args, keywords, 2, "size");
      return { value: size ? tensor(shapeArgs([size], false), { dtype: "int" }) : { kind: "int", dim: null } };
    }
    case "permutation":
      return { value: tensor([dimOf(args[0])], { dtype: "int" }) };
    case "binomial":
    case "choice": {
      const size = arg(args, keywords, name === "binomial" ? 2 : 1, "size");
      return { value: size ? tensor(shapeArgs([size], false), { dtype: "int" }) : { kind: "int", dim: null } };
    }
    default:
      return { value: UNKNOWN };
  }
}

function callBuiltin(path: string, args: Args, keywords: Keywords): CallResult | undefined {
  switch (path) {
    case "len": {
      const v = args[0];
      if (v?.kind === "tensor") return { value: { kind: "int", dim: v.shape && v.shape.length ? v.shape[0] : null } };
      if (v?.kind === "tuple") return { value: { kind: "int", dim: v.items.length } };
      if (v?.kind === "list") return { value: { kind: "int", dim: v.items ? v.items.length : null } };
      return { value: { kind: "int", dim: null } };
    }
    case "int":
      return { value: { kind: "int", dim: args[0]?.kind === "int" ? args[0].dim : null } };
    case "float":
      return { value: { kind: "float" } };
    case "bool":
    case "isinstance":
    case "hasattr":
      return { value: { kind: "bool" } };
    case "range": {
      const [a, b] = args.length >= 2 ? [dimOf(args[0]), dimOf(args[1])] : [0, dimOf(args[0])];
      const step = args[2] ? dimOf(args[2]) : 1;
      return { value: { kind: "list", items: null, item: { kind: "int", dim: null }, length: step === 1 ? subDim(b, a) : null } };
    }
    case "max":
    case "min":
    case "abs":
    case "round":
    case "pow": {
      if (args.length === 1 && args[0].kind === "tensor") return { value: tensor([]) };
      if (args.every((a) => a.kind === "int")) return { value: { kind: "int", dim: args.length === 1 ? (args[0] as { dim: Dim }).dim : null } };
      if (args.some((a) => a.kind === "tensor")) {
        const shapes = args.map(shapeOf);
        if (shapes.some((s) => s === undefined)) return { value: tensor(null) };
        return applyOp("maximum", shapes as Shape[]);
      }
      return { value: { kind: "float" } };
    }
    case "sum": {
      const v = args[0];
      if (v?.kind === "list" && v.item?.kind === "tensor") return { value: tensor(v.item.shape) };
      if (v?.kind === "tensor") return { value: tensor(v.shape && v.shape.length ? v.shape.slice(1) : null) };
      return { value: { kind: "float" } };
    }
    case "sorted":
    case "reversed":
      return { value: args[0]?.kind === "list" ? args[0] : { kind: "list", items: null } };
    case "enumerate": {
      const v = args[0];
      const item = v?.kind === "list" ? (v.item ?? (v.items?.length ? v.items[0] : undefined)) : v?.kind === "tensor" ? tensor(v.shape && v.shape.length ? v.shape.slice(1) : null) : undefined;
      return { value: { kind: "list", items: null, item: { kind: "tuple", items: [{ kind: "int", dim: null }, item ?? UNKNOWN] } } };
    }
    case "zip":
    case "map":
      return { value: { kind: "list", items: null } };
    case "list":
    case "tuple": {
      const v = args[0];
      if (v?.kind === "tuple") return { value: path === "tuple" ? v : { kind: "list", items: v.items } };
      if (v?.kind === "list") return { value: path === "list" ? v : v.items ? { kind: "tuple", items: v.items } : UNKNOWN };
      return { value: path === "list" ? { kind: "list", items: null } : UNKNOWN };
    }
    case "print":
    case "super":
    case "getattr":
    case "dict":
    case "str":
    case "type":
      return { value: UNKNOWN };
    default:
      return undefined;
  }
}

/** numpy / torch functions that take the tensor as their first argument. */
function tensorFunction(lib: string, name: string, args: Args, keywords: Keywords, ctx: LibraryContext, path: string): CallResult {
  const x = args[0];
  const xs = tensorShape(x);
  const unary = UNARY_ALIASES[name];
  if (unary) {
    // np.sqrt(d_in): a size, so a number; np.exp(x) of an unknown x may be an array.
    const number = x?.kind === "float" || x?.kind === "int" || (x?.kind === "unknown" && (x.asDim !== undefined || (x.name !== undefined && looksLikeSize(x.name))));
    if (xs === undefined) return { value: number ? { kind: "float" } : tensor(null) };
    return applyOp(unary, [xs], {}, BOOL_OPS.has(unary) ? "bool" : unary === "argsort" ? "int" : undefined);
  }
  const binary = BINARY_ALIASES[name];
  if (binary) {
    const ys = tensorShape(args[1]);
    if (xs === undefined || ys === undefined) return { value: tensor(null) };
    if (x?.kind !== "tensor" && args[1]?.kind !== "tensor") return { value: { kind: "float" } };
    return applyOp(binary, [xs, ys], {}, BOOL_OPS.has(binary) ? "bool" : undefined);
  }
  const red = REDUCTION_ALIASES[name.replace(/^linalg\./, "")];
  if (red) {
    if (name === "max" || name === "min") {
      // torch.max(a, b) is elementwise.
      if (lib === "torch" && args[1] && args[1].kind === "tensor") return applyOp(red === "max" ? "maximum" : "minimum", [xs ?? null, args[1].shape]);
    }
    return reduction(red, x, args, keywords, name.startsWith("linalg.") || name === "norm" ? 2 : 1, lib);
  }
  switch (name) {
    case "dot":
    case "matmul":
    case "mm":
    case "bmm":
    case "mv":
    case "inner":
    case "vdot": {
      const ys = tensorShape(args[1]);
      if (xs === undefined || ys === undefined) return { value: tensor(null) };
      return applyOp(name === "dot" && lib === "numpy" ? "dot" : name === "vdot" ? "dot" : "matmul", [xs, ys]);
    }
    case "outer":
    case "ger":
      return applyOp("outer", [xs ?? null, tensorShape(args[1]) ?? null]);
    case "einsum": {
      const spec = x?.kind === "str" ? x.value : null;
      const ops = args.slice(1);
      const operands = ops.length === 1 && ops[0].kind === "list" && ops[0].items ? ops[0].items : ops;
      return applyOp("einsum", operands.map((o) => tensorShape(o) ?? null), { subscripts: spec ?? undefined });
    }
    case "transpose":
    case "permute":
    case "swapaxes": {
      const rest = args.slice(1);
      const axes = rest.length === 1 && (rest[0].kind === "tuple" || rest[0].kind === "list") ? axisList(rest[0]) : rest.map(intConst);
      const given = kw(keywords, "axes", "dims");
      const all = given ? axisList(given) : axes;
      if (all.some((a) => a === undefined)) return { value: tensor(xs ? xs.map(() => null) : null) };
      return applyOp("transpose", [xs ?? null], { axes: all as number[] });
    }
    case "reshape": {
      const target = shapeArgs(args.slice(1).length ? args.slice(1) : [kw(keywords, "newshape", "shape") ?? UNKNOWN], lib === "torch");
      return target ? applyOp("reshape", [xs ?? null], { shape: target }) : { value: tensor(null) };
    }
    case "ravel":
      return applyOp("flatten", [xs ?? null], {});
    case "flatten":
      return applyOp("flatten", [xs ?? null], lib === "torch" ? { startDim: intConst(arg(args, keywords, 1, "start_dim")) ?? 0, endDim: intConst(arg(args, keywords, 2, "end_dim")) ?? -1 } : {});
    case "squeeze": {
      const axis = axisParam(arg(args, keywords, 1, "axis", "dim"));
      return applyOp("squeeze", [xs ?? null], { axis: axis === "unknown" ? undefined : axis });
    }
    case "expand_dims":
    case "unsqueeze": {
      const axis = axisParam(arg(args, keywords, 1, "axis", "dim"));
      if (axis === "unknown" || axis === undefined || axis === null) return { value: tensor(xs ? [...xs.map(() => null), null] : null) };
      return applyOp("unsqueeze", [xs ?? null], { axis });
    }
    case "concatenate":
    case "cat":
    case "concat":
    case "stack":
    case "hstack":
    case "vstack":
    case "column_stack": {
      const seq = x;
      const items = seq && (seq.kind === "tuple" || (seq.kind === "list" && seq.items)) ? (seq.kind === "tuple" ? seq.items : seq.items!) : null;
      if (!items) {
        // A list built by appending: its length is unknown, its items' shape may be known.
        const item = seq?.kind === "list" ? tensorShape(seq.item) : undefined;
        const axisV = axisParam(arg(args, keywords, 1, "axis", "dim"));
        if (name === "stack" && item && typeof (axisV ?? 0) === "number") {
          const r = OPS.unsqueeze.shape([item], { axis: (axisV ?? 0) as number });
          const count = seq?.kind === "list" ? (seq.length ?? null) : null;
          return "shape" in r && r.shape ? { value: tensor(r.shape.map((d, i) => (i === normIndex((axisV ?? 0) as number, r.shape!.length) ? count : d))) } : { value: tensor(null) };
        }
        if ((name === "concatenate" || name === "cat") && item && typeof (axisV ?? 0) === "number") {
          const ax = normIndex((axisV ?? 0) as number, item.length);
          return { value: tensor(item.map((d, i) => (i === ax ? null : d))) };
        }
        return { value: tensor(null) };
      }
      const shapes = items.map((i) => tensorShape(i) ?? null);
      const axisV = axisParam(arg(args, keywords, 1, "axis", "dim"));
      if (axisV === "unknown" || Array.isArray(axisV)) return { value: tensor(null) };
      if (name === "stack") return applyOp("stack", shapes, { axis: axisV ?? 0 });
      if (name === "vstack") return applyOp("concatenate", shapes.map((s) => (s && s.length === 1 ? [1, s[0]] : s)), { axis: 0 });
      if (name === "hstack") return applyOp("concatenate", shapes, { axis: shapes[0] && shapes[0].length === 1 ? 0 : 1 });
      if (name === "column_stack") return applyOp("concatenate", shapes.map((s) => (s && s.length === 1 ? [s[0], 1] : s)), { axis: 1 });
      if (axisV === null) return applyOp("concatenate", shapes.map((s) => (s ? [productDims(s)] : null)), { axis: 0 });
      return applyOp("concatenate", shapes, { axis: axisV ?? 0 });
    }
    case "split":
    case "array_split":
    case "chunk":
    case "unbind":
      if (x?.kind !== "tensor") return { value: { kind: "list", items: null } };
      // np.split(x, 3, axis) cuts into 3 pieces; torch.split(x, size, dim) into pieces of that size.
      if (lib === "numpy" && name !== "unbind") return splitLike("chunk", x, [args[1] ?? UNKNOWN, arg(args, keywords, 2, "axis") ?? { kind: "int", dim: 0 }], []);
      return splitLike(name, x, args.slice(1), keywords);
    case "lib.stride_tricks.as_strided":
    case "lib.stride_tricks.sliding_window_view": {
      if (name.endsWith("as_strided")) {
        const shape = kw(keywords, "shape") ?? args[1];
        return { value: tensor(shape ? shapeArgs([shape], false) : null, { dtype: x?.kind === "tensor" ? x.dtype : undefined }) };
      }
      const win = shapeArgs([arg(args, keywords, 1, "window_shape") ?? UNKNOWN], false);
      if (!xs || !win || kw(keywords, "axis") || args[2]) return { value: tensor(null) };
      const lead = xs.slice(0, xs.length - win.length);
      const tail = xs.slice(xs.length - win.length).map((d, i) => addDim(subDim(d, win[i]), 1));
      return { value: tensor([...lead, ...tail, ...win]) };
    }
    case "index_select": {
      // the result takes the index's length on that axis
      const ax = intConst(arg(args, keywords, 1, "dim"));
      const idx = tensorShape(arg(args, keywords, 2, "index"));
      if (!xs || ax === undefined || !idx || idx.length !== 1) return { value: tensor(xs ? xs.map(() => null) : null) };
      const k = normIndex(ax, xs.length);
      return { value: tensor(xs.map((d, i) => (i === k ? idx[0] : d))) };
    }
    case "repeat_interleave": {
      const reps = dimOf(arg(args, keywords, 1, "repeats"));
      const ax = axisParam(arg(args, keywords, 2, "dim"));
      if (!xs) return { value: tensor(null) };
      if (ax === undefined || ax === null) return { value: tensor([mulDim(productDims(xs), reps)]) };
      if (typeof ax !== "number") return { value: tensor(xs.map(() => null)) };
      const k = normIndex(ax, xs.length);
      return { value: tensor(xs.map((d, i) => (i === k ? mulDim(d, reps) : d))) };
    }
    case "diagonal":
    case "diag_embed":
      if (!xs || xs.length < 2 || name === "diag_embed") return { value: tensor(null) };
      return { value: tensor([...xs.slice(0, -2), xs[xs.length - 2] === xs[xs.length - 1] ? xs[xs.length - 1] : null]) };
    case "moveaxis":
    case "movedim":
    case "rollaxis": {
      const src = axisParam(arg(args, keywords, 1, "source"));
      const dst = axisParam(arg(args, keywords, 2, "destination"));
      if (!xs || typeof src !== "number" || typeof dst !== "number") return { value: tensor(xs ? xs.map(() => null) : null) };
      const order = xs.map((_, i) => i);
      const [moved] = order.splice(normIndex(src, xs.length), 1);
      order.splice(normIndex(dst, xs.length), 0, moved);
      return { value: tensor(order.map((i) => xs[i])) };
    }
    case "take": {
      const idx = tensorShape(arg(args, keywords, 1, "indices"));
      const ax = axisParam(arg(args, keywords, 2, "axis"));
      if (!xs || idx === undefined) return { value: tensor(null) };
      if (ax === undefined || ax === null) return { value: tensor(idx) };
      if (typeof ax !== "number") return { value: tensor(null) };
      const k = normIndex(ax, xs.length);
      return { value: tensor(idx === null ? null : [...xs.slice(0, k), ...idx, ...xs.slice(k + 1)]) };
    }
    case "diff": {
      const n = intConst(arg(args, keywords, 1, "n")) ?? 1;
      const ax = axisParam(arg(args, keywords, 2, "axis", "dim"));
      if (!xs || typeof (ax ?? -1) !== "number") return { value: tensor(xs ? xs.map(() => null) : null) };
      const k = normIndex((ax ?? -1) as number, xs.length);
      return { value: tensor(xs.map((d, i) => (i === k ? subDim(d, n) : d))) };
    }
    case "tensordot": {
      const ys = tensorShape(args[1]);
      const axes = arg(args, keywords, 2, "axes", "dims") ?? { kind: "int", dim: 2 };
      if (!xs || !ys) return { value: tensor(null) };
      if (axes.kind === "int" && typeof axes.dim === "number") return { value: tensor([...xs.slice(0, xs.length - axes.dim), ...ys.slice(axes.dim)]) };
      const pair = axes.kind === "tuple" || (axes.kind === "list" && axes.items) ? (axes.kind === "tuple" ? axes.items : axes.items!) : null;
      if (!pair || pair.length !== 2) return { value: tensor(null) };
      const la = axisList(pair[0].kind === "int" ? { kind: "tuple", items: [pair[0]] } : pair[0]).map((a) => (a === undefined ? -1 : normIndex(a, xs.length)));
      const lb = axisList(pair[1].kind === "int" ? { kind: "tuple", items: [pair[1]] } : pair[1]).map((a) => (a === undefined ? -1 : normIndex(a, ys.length)));
      if (la.includes(-1) || lb.includes(-1)) return { value: tensor(null) };
      return { value: tensor([...xs.filter((_, i) => !la.includes(i)), ...ys.filter((_, i) => !lb.includes(i))]) };
    }
    case "glu": {
      // halves the given axis (the last by default)
      const ax = intConst(arg(args, keywords, 1, "dim")) ?? -1;
      if (!xs) return { value: tensor(null) };
      const k = normIndex(ax, xs.length);
      return { value: tensor(xs.map((d, i) => (i === k ? floorDivDim(d, 2) : d))) };
    }
    case "cdist": {
      const ys = tensorShape(args[1]);
      if (!xs || !ys || xs.length < 2 || ys.length < 2) return { value: tensor(null) };
      return { value: tensor([...xs.slice(0, -1), ys[ys.length - 2]]) };
    }
    case "cosine_similarity":
    case "pairwise_distance": {
      const ys = tensorShape(args[1]);
      const ax = intConst(arg(args, keywords, 2, "dim")) ?? (name === "pairwise_distance" ? -1 : 1);
      if (!xs || !ys) return { value: tensor(null) };
      const b = OPS.add.shape([xs, ys], {});
      if (!("shape" in b) || !b.shape) return { value: tensor(null) };
      const k = normIndex(ax, b.shape.length);
      return { value: tensor(b.shape.filter((_, i) => i !== k)) };
    }
    case "scatter":
    case "scatter_add":
    case "index_add":
    case "index_fill":
    case "index_copy":
    case "masked_scatter":
      return { value: tensor(xs ?? null, { dtype: x?.kind === "tensor" ? x.dtype : undefined }) };
    case "narrow": {
      const ax = intConst(arg(args, keywords, 1, "dim"));
      const len = dimOf(arg(args, keywords, 3, "length"));
      if (!xs || ax === undefined) return { value: tensor(xs ? xs.map(() => null) : null) };
      const k = normIndex(ax, xs.length);
      return { value: tensor(xs.map((d, i) => (i === k ? len : d))) };
    }
    case "select": {
      const ax = intConst(arg(args, keywords, 1, "dim"));
      if (!xs || ax === undefined) return { value: tensor(null) };
      const k = normIndex(ax, xs.length);
      return { value: tensor(xs.filter((_, i) => i !== k)) };
    }
    case "unflatten": {
      const ax = intConst(arg(args, keywords, 1, "dim"));
      const sizes = shapeArgs([arg(args, keywords, 2, "sizes") ?? UNKNOWN], false);
      if (!xs || ax === undefined || !sizes) return { value: tensor(null) };
      const k = normIndex(ax, xs.length);
      const free = sizes.indexOf(-1);
      // correct code divides exactly, so the quotient is the floor
      if (free >= 0) sizes[free] = divDimExact(xs[k], productDims(sizes.filter((_, i) => i !== free))) ?? floorDivDim(xs[k], productDims(sizes.filter((_, i) => i !== free)));
      return { value: tensor([...xs.slice(0, k), ...sizes, ...xs.slice(k + 1)]) };
    }
    case "sort":
      // torch.sort gives (values, indices); np.sort the sorted array
      if (lib === "torch") return { value: { kind: "tuple", items: [tensor(xs ?? null), tensor(xs ?? null, { dtype: "int" })], names: ["values", "indices"] } };
      return { value: tensor(xs ?? null, { dtype: x?.kind === "tensor" ? x.dtype : undefined }) };
    case "interpolate":
    case "upsample": {
      const scale = arg(args, keywords, 2, "scale_factor");
      const size = arg(args, keywords, 1, "size");
      if (!xs || xs.length < 3) return { value: tensor(null) };
      const spatial = xs.length - 2;
      if (size && size.kind !== "none") {
        const dims = size.kind === "tuple" || size.kind === "list" ? shapeArgs([size], false) : Array(spatial).fill(dimOf(size));
        return { value: tensor([...xs.slice(0, 2), ...(dims ?? Array(spatial).fill(null))]) };
      }
      const f = scale ? dimOf(scale) : null;
      return { value: tensor([...xs.slice(0, 2), ...xs.slice(2).map((d) => (f !== null ? mulDim(d, f) : null))]) };
    }
    case "nonzero":
    case "argwhere":
    case "unique":
    case "flatnonzero":
      if (name === "nonzero" && (lib === "numpy" || kw(keywords, "as_tuple")?.kind === "bool")) {
        const asTuple = lib === "numpy" || (kw(keywords, "as_tuple") as { value?: boolean }).value === true;
        if (asTuple) return { value: { kind: "tuple", items: (xs ?? []).map(() => tensor([null], { dtype: "int" })) } };
      }
      return { value: lib === "numpy" && name === "nonzero" ? { kind: "tuple", items: (xs ?? []).map(() => tensor([null], { dtype: "int" })) } : tensor(name === "argwhere" || (lib === "torch" && name === "nonzero") ? [null, xs ? xs.length : null] : [null], { dtype: name === "unique" ? undefined : "int" }) };
    case "atleast_1d":
      return { value: tensor(xs ? (xs.length ? xs : [1]) : null) };
    case "meshgrid": {
      const lens = args.map((a) => (a.kind === "tensor" && a.shape ? productDims(a.shape) : null));
      const ij = kw(keywords, "indexing");
      const xy = !(ij?.kind === "str" && ij.value === "ij") && lib === "numpy";
      const shape = xy && lens.length >= 2 ? [lens[1], lens[0], ...lens.slice(2)] : lens;
      return { value: { kind: "tuple", items: lens.map(() => tensor(shape)) } };
    }
    case "gather":
    case "take_along_axis": {
      // the result has the index's shape
      const idx = name === "gather" ? arg(args, keywords, 2, "index") : arg(args, keywords, 1, "indices");
      return { value: tensor(tensorShape(idx) ?? null, { dtype: x?.kind === "tensor" ? x.dtype : undefined }) };
    }
    case "adaptive_avg_pool2d":
    case "adaptive_max_pool2d": {
      const out = tuple2(arg(args, keywords, 1, "output_size"), null);
      return { value: tensor(xs && xs.length >= 2 ? [...xs.slice(0, -2), out[0], out[1]] : null) };
    }
    case "where": {
      if (args.length < 3) return { value: { kind: "tuple", items: [] } };
      const shapes = args.slice(0, 3).map((a) => tensorShape(a) ?? null);
      return applyOp("where", shapes);
    }
    case "broadcast_to":
    case "expand": {
      const target = shapeArgs(args.slice(1), lib === "torch");
      return target ? applyOp("broadcast_to", [xs ?? null], { shape: target }) : { value: tensor(null) };
    }
    case "tile": {
      const reps = shapeArgs(args.slice(1), false);
      return reps ? applyOp("repeat", [xs ?? null], { reps }) : { value: tensor(null) };
    }
    case "linear": {
      const ws = tensorShape(args[1]);
      if (xs === undefined || !ws || ws.length !== 2) return { value: tensor(null) };
      return applyOp("linear", [xs], { inFeatures: ws[1], outFeatures: ws[0] });
    }
    case "embedding": {
      const ws = tensorShape(args[1]);
      return applyOp("embedding", [xs ?? null], { outFeatures: ws && ws.length === 2 ? ws[1] : null });
    }
    case "conv2d": {
      const ws = tensorShape(args[1]);
      const kernel: [Dim, Dim] = ws && ws.length === 4 ? [ws[2], ws[3]] : [null, null];
      return applyOp("conv2d", [xs ?? null], {
        inFeatures: ws && ws.length === 4 ? ws[1] : undefined,
        outFeatures: ws && ws.length === 4 ? ws[0] : null,
        kernel,
        stride: tuple2(arg(args, keywords, 3, "stride"), 1),
        padding: tuple2(arg(args, keywords, 4, "padding"), 0),
      });
    }
    case "max_pool2d":
    case "avg_pool2d": {
      const kernel = tuple2(arg(args, keywords, 1, "kernel_size"), null);
      const stride = arg(args, keywords, 2, "stride");
      return applyOp("pool2d", [xs ?? null], { kernel, stride: stride ? tuple2(stride, null) : kernel, padding: tuple2(arg(args, keywords, 3, "padding"), 0) });
    }
    case "cross_entropy":
    case "mse_loss":
    case "nll_loss":
    case "binary_cross_entropy":
    case "binary_cross_entropy_with_logits":
    case "l1_loss":
    case "allclose":
    case "array_equal":
      return { value: name === "allclose" || name === "array_equal" ? { kind: "bool" } : tensor([]) };
    case "diag": {
      // a vector becomes a square matrix; a matrix gives its diagonal
      if (!xs) return { value: tensor(null) };
      if (xs.length === 1) return { value: tensor([xs[0], xs[0]]) };
      return { value: tensor([typeof xs[0] === "number" && typeof xs[1] === "number" ? Math.min(xs[0], xs[1]) : xs[0] === xs[1] ? xs[0] : null]) };
    }
    case "addmm":
    case "baddbmm": {
      // b + x @ w
      const prod = OPS.matmul.shape([tensorShape(args[1]) ?? null, tensorShape(args[2]) ?? null], {});
      if ("clash" in prod) return { value: tensor(null), clash: prod.clash };
      return applyOp("add", [xs ?? null, prod.shape]);
    }
    case "atleast_2d":
      return { value: tensor(xs ? (xs.length >= 2 ? xs : xs.length === 1 ? [1, xs[0]] : [1, 1]) : null) };
    case "add.at":
    case "subtract.at":
    case "random.shuffle":
      // in place: nothing to infer
      return { value: { kind: "none" } };
    case "trace":
    case "linalg.det":
      return { value: tensor([]) };
    case "linalg.inv":
    case "linalg.pinv":
      return { value: tensor(xs ? [...xs].reverse() : null) };
    case "linalg.cholesky":
    case "linalg.matrix_power":
    case "linalg.expm":
      return { value: tensor(xs ?? null) };
    case "linalg.solve":
    case "linalg.cho_solve":
      // solve(A, b): x has b's shape
      return { value: tensor(tensorShape(args[1]) ?? null) };
    case "linalg.slogdet":
      return { value: { kind: "tuple", items: [tensor(xs ? xs.slice(0, -2) : null), tensor(xs ? xs.slice(0, -2) : null)], names: ["sign", "logabsdet"] } };
    case "linalg.eigh":
      return { value: { kind: "tuple", items: [tensor(xs ? xs.slice(0, -1) : null), tensor(xs ?? null)], names: ["eigenvalues", "eigenvectors"] } };
    case "linalg.eigvalsh":
      return { value: tensor(xs ? xs.slice(0, -1) : null) };
    case "one_hot": {
      const n = dimOf(arg(args, keywords, 1, "num_classes"));
      return { value: tensor(xs ? [...xs, n] : null, { dtype: "int" }) };
    }
    case "pad": {
      if (lib !== "numpy") {
        // F.pad(x, (left, right, top, bottom, ...)): pairs from the last axis backwards.
        const pads = arg(args, keywords, 1, "pad");
        const items = pads?.kind === "tuple" ? pads.items : pads?.kind === "list" && pads.items ? pads.items : null;
        if (!xs || !items || items.length % 2) return { value: tensor(xs ? xs.map(() => null) : null) };
        const out = [...xs];
        for (let p = 0; p < items.length / 2 && p < out.length; p++) {
          const ax = out.length - 1 - p;
          out[ax] = addDim(out[ax], addDim(dimOf(items[2 * p]), dimOf(items[2 * p + 1])));
        }
        return { value: tensor(out) };
      }
      // np.pad(x, ((0, 0), (p, p))) / np.pad(x, p): each axis grows by before + after.
      const widths = arg(args, keywords, 1, "pad_width");
      if (!xs || !widths) return { value: tensor(xs ? xs.map(() => null) : null) };
      const pairs = padPairs(widths, xs.length);
      return { value: tensor(pairs ? xs.map((d, i) => addDim(d, addDim(pairs[i][0], pairs[i][1]))) : xs.map(() => null)) };
    }
    case "topk": {
      const k = dimOf(arg(args, keywords, 1, "k"));
      const ax = intConst(arg(args, keywords, 2, "dim")) ?? -1;
      const shape = xs ? xs.map((d, i) => (i === normIndex(ax, xs.length) ? k : d)) : null;
      return { value: { kind: "tuple", items: [tensor(shape), tensor(shape, { dtype: "int" })], names: ["values", "indices"] } };
    }
    case "repeat": {
      // np.repeat(x, r, axis): that axis is r times longer; without an axis, flattened.
      const reps = dimOf(arg(args, keywords, 1, "repeats"));
      const ax = axisParam(arg(args, keywords, 2, "axis"));
      if (!xs) return { value: tensor(null) };
      if (ax === undefined || ax === null) return { value: tensor([mulDim(productDims(xs), reps)]) };
      if (typeof ax !== "number") return { value: tensor(xs.map(() => null)) };
      const k = normIndex(ax, xs.length);
      return { value: tensor(xs.map((d, i) => (i === k ? mulDim(d, reps) : d))) };
    }
    case "scaled_dot_product_attention": {
      const vs = tensorShape(args[2]);
      return { value: tensor(xs && vs ? [...xs.slice(0, -1), vs[vs.length - 1]] : null) };
    }
    case "shape":
      return { value: x?.kind === "tensor" && x.shape ? { kind: "tuple", items: x.shape.map((d) => ({ kind: "int", dim: d })) } : UNKNOWN };
    case "size":
    case "numel":
      return { value: { kind: "int", dim: xs ? productDims(xs) : null } };
    case "ndim":
      return { value: { kind: "int", dim: xs ? xs.length : null } };
    case "no_grad":
    case "enable_grad":
    case "seed":
    case "random.seed":
    case "set_printoptions":
    case "testing.assert_allclose":
      return { value: UNKNOWN };
    default:
      ctx.skip(`${path.replace(/^numpy\./, "np.")} is not in GradLens's op table; its result's shape is unknown`);
      return { value: tensor(null) };
  }
}

/** Names that people give to sizes: `n_head`, `num_classes`, `hidden_dim`, `d_in`, `T`. */
export function looksLikeSize(name: string): boolean {
  return /^(n|num|dim|size|len|d)_|_(dim|size|len|num|count|features|channels|heads?|embd|classes|model)$|^(d_model|n|[A-Z]|[A-Z][A-Z0-9_]*)$/.test(name);
}

function normIndex(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** np.pad's pad_width: an int, a pair, or a pair per axis. */
function padPairs(v: Value, rank: number): [Dim, Dim][] | null {
  const items = v.kind === "tuple" ? v.items : v.kind === "list" && v.items ? v.items : null;
  if (!items) {
    const d = dimOf(v);
    return d === null ? null : Array.from({ length: rank }, () => [d, d] as [Dim, Dim]);
  }
  const pair = (p: Value): [Dim, Dim] | null => {
    const xs = p.kind === "tuple" ? p.items : p.kind === "list" && p.items ? p.items : null;
    if (!xs) {
      const d = dimOf(p);
      return [d, d];
    }
    return xs.length === 2 ? [dimOf(xs[0]), dimOf(xs[1])] : xs.length === 1 ? [dimOf(xs[0]), dimOf(xs[0])] : null;
  };
  if (items.every((i) => i.kind === "int" || i.kind === "unknown")) {
    const p = pair(v);
    return p ? Array.from({ length: rank }, () => p) : null;
  }
  if (items.length !== rank) return items.length === 1 ? (pair(items[0]) ? Array.from({ length: rank }, () => pair(items[0])!) : null) : null;
  const out = items.map(pair);
  return out.every((p) => p !== null) ? (out as [Dim, Dim][]) : null;
}

function axisList(v: Value): (number | undefined)[] {
  if (v.kind === "tuple") return v.items.map(intConst);
  if (v.kind === "list" && v.items) return v.items.map(intConst);
  return [undefined];
}

// ───────────────────────────── attributes and methods ─────────────────────────────

export function attributeOf(obj: Value, attr: string): Value {
  if (obj.kind === "ref") {
    if (obj.path === "numpy" && attr === "newaxis") return { kind: "ref", path: "numpy.newaxis" };
    if (obj.path === "numpy" && (attr === "pi" || attr === "e" || attr === "inf" || attr === "nan")) return { kind: "float" };
    if (obj.path === "math") return { kind: "ref", path: `math.${attr}` };
    if (obj.path.endsWith(".rng")) return { kind: "ref", path: `${obj.path.split(".")[0]}.rng.${attr}` };
    return { kind: "ref", path: `${obj.path}.${attr}` };
  }
  if (obj.kind === "tensor") {
    switch (attr) {
      case "T":
      case "mT":
        return tensor(obj.shape ? (attr === "T" ? [...obj.shape].reverse() : [...obj.shape.slice(0, -2), ...obj.shape.slice(-2).reverse()]) : null, { dtype: obj.dtype });
      case "shape":
        return obj.shape ? { kind: "tuple", items: obj.shape.map((d) => ({ kind: "int", dim: d })) } : UNKNOWN;
      case "ndim":
        return { kind: "int", dim: obj.shape ? obj.shape.length : null };
      case "size":
        return { kind: "method", self: obj, name: "size" };
      case "dtype":
      case "device":
        return UNKNOWN;
      case "data":
      case "grad":
        return tensor(obj.shape, { dtype: obj.dtype });
      default:
        return { kind: "method", self: obj, name: attr };
    }
  }
  if (obj.kind === "layer") {
    if (obj.weights[attr] !== undefined) return tensor(obj.weights[attr], { dtype: "float" });
    if (attr === "in_features") return { kind: "int", dim: obj.params.inFeatures ?? null };
    if (attr === "out_features") return { kind: "int", dim: obj.params.outFeatures ?? null };
    return UNKNOWN;
  }
  if (obj.kind === "float" || obj.kind === "int") return { kind: "method", self: obj, name: attr };
  return UNKNOWN;
}

export function callMethod(self: Value, name: string, args: Args, keywords: Keywords, ctx: LibraryContext, expr: A.CallExpr): CallResult {
  if (self.kind === "tensor") {
    const xs = self.shape;
    switch (name) {
      case "size": {
        if (args.length === 0) return { value: xs ? { kind: "tuple", items: xs.map((d) => ({ kind: "int", dim: d })) } : UNKNOWN };
        const i = intConst(args[0]);
        if (xs && i !== undefined) {
          const k = i < 0 ? xs.length + i : i;
          return { value: { kind: "int", dim: xs[k] ?? null } };
        }
        return { value: { kind: "int", dim: null } };
      }
      case "dim":
      case "ndimension":
        return { value: { kind: "int", dim: xs ? xs.length : null } };
      case "numel":
        return { value: { kind: "int", dim: xs ? productDims(xs) : null } };
      case "item":
        return { value: self.dtype === "int" ? { kind: "int", dim: null } : { kind: "float" } };
      case "tolist":
        return { value: UNKNOWN };
      case "astype":
      case "type":
      case "to": {
        const t = args[0];
        const dtype = t && t.kind === "ref" ? dtypeFromPath(t.path) : undefined;
        return { value: tensor(xs, { dtype: dtype ?? self.dtype }) };
      }
      case "float":
      case "double":
      case "half":
        return { value: tensor(xs, { dtype: "float" }) };
      case "long":
      case "int":
        return { value: tensor(xs, { dtype: "int" }) };
      case "bool":
        return { value: tensor(xs, { dtype: "bool" }) };
      case "cpu":
      case "cuda":
      case "numpy":
      case "requires_grad_":
      case "fill_":
      case "zero_":
      case "normal_":
      case "uniform_":
      case "type_as":
      case "retain_grad":
      case "view_as":
      case "reshape_as":
      case "expand_as":
        return { value: tensor(name.endsWith("_as") ? (tensorShape(args[0]) ?? null) : xs, { dtype: self.dtype }) };
      case "view":
      case "reshape": {
        const torchStyle = name === "view" || args.length !== 1;
        const target = shapeArgs(args.length ? args : [kw(keywords, "shape") ?? UNKNOWN], torchStyle);
        if (args.length === 1 && args[0].kind === "int" && name === "reshape") return applyOp("reshape", [xs], { shape: [args[0].dim] });
        return target ? applyOp("reshape", [xs], { shape: target }) : { value: tensor(null) };
      }
      case "transpose":
      case "permute":
      case "swapaxes": {
        const axes = args.length === 1 && (args[0].kind === "tuple" || args[0].kind === "list") ? axisList(args[0]) : args.map(intConst);
        if (axes.some((a) => a === undefined)) return { value: tensor(xs ? xs.map(() => null) : null) };
        return applyOp("transpose", [xs], { axes: axes as number[] });
      }
      case "t":
        return applyOp("transpose", [xs], {});
      case "flatten":
        // ndarray.flatten() is 1-D; Tensor.flatten(start_dim, end_dim) keeps the axes outside the range.
        return applyOp("flatten", [xs], args.length || keywords.length ? { startDim: intConst(arg(args, keywords, 0, "start_dim")) ?? 0, endDim: intConst(arg(args, keywords, 1, "end_dim")) ?? -1 } : {});
      case "ravel":
        return applyOp("flatten", [xs], {});
      case "squeeze": {
        const axis = axisParam(arg(args, keywords, 0, "axis", "dim"));
        return applyOp("squeeze", [xs], { axis: axis === "unknown" ? undefined : axis });
      }
      case "unsqueeze": {
        const axis = axisParam(arg(args, keywords, 0, "dim"));
        if (axis === "unknown" || axis === undefined || axis === null) return { value: tensor(xs ? [...xs.map(() => null), null] : null) };
        return applyOp("unsqueeze", [xs], { axis });
      }
      case "expand":
      case "broadcast_to": {
        const target = shapeArgs(args, true);
        return target ? applyOp("broadcast_to", [xs], { shape: target }) : { value: tensor(null) };
      }
      case "repeat": {
        const reps = shapeArgs(args, true);
        return reps ? applyOp("repeat", [xs], { reps }) : { value: tensor(null) };
      }
      case "dot":
      case "matmul":
      case "mm":
      case "bmm":
      case "mv":
      case "__matmul__":
        return applyOp(name === "dot" && !isTorchish(expr) ? "dot" : "matmul", [xs, tensorShape(args[0]) ?? null]);
      case "outer":
        return applyOp("outer", [xs, tensorShape(args[0]) ?? null]);
      case "masked_fill":
      case "masked_fill_":
      case "clamp":
      case "clamp_":
      case "clip":
      case "add_":
      case "mul_":
      case "sub_":
      case "div_":
      case "copy_":
        return { value: tensor(xs, { dtype: self.dtype }) };
      case "split":
      case "chunk":
      case "unbind":
        return splitLike(name, self, args, keywords);
      case "topk":
      case "gather":
      case "index_select":
      case "repeat_interleave":
      case "diagonal":
      case "movedim":
      case "moveaxis":
      case "narrow":
      case "select":
      case "unflatten":
      case "scatter":
      case "scatter_":
      case "scatter_add":
      case "scatter_add_":
      case "index_add":
      case "index_add_":
      case "index_fill":
      case "index_fill_":
      case "diff":
      case "take":
        return tensorFunction("torch", name.replace(/_$/, ""), [self, ...args], keywords, ctx, `torch.${name}`);
      case "unfold": {
        // Tensor.unfold(dim, size, step): that axis becomes the window count, the window is appended
        const d = intConst(arg(args, keywords, 0, "dimension"));
        const size = dimOf(arg(args, keywords, 1, "size"));
        const step = dimOf(arg(args, keywords, 2, "step"));
        if (!xs || d === undefined) return { value: tensor(null) };
        const k = normIndex(d, xs.length);
        return { value: tensor([...xs.map((x, i) => (i === k ? addDim(floorDivDim(subDim(x, size), step), 1) : x)), size]) };
      }
      case "new_zeros":
      case "new_ones":
      case "new_empty":
      case "new_full":
        return { value: tensor(shapeArgs(name === "new_full" ? args.slice(0, 1) : args, true), { dtype: self.dtype }) };
      case "backward":
      case "register_hook":
        return { value: { kind: "none" } };
      case "max":
      case "min":
        if (args[0]?.kind === "tensor") return applyOp(name === "max" ? "maximum" : "minimum", [xs, args[0].shape]);
        break;
      default:
        break;
    }
    const unary = UNARY_ALIASES[name] ?? UNARY_ALIASES[name.replace(/_$/, "")];
    if (unary) return applyOp(unary, [xs], {}, BOOL_OPS.has(unary) ? "bool" : name === "argsort" ? "int" : self.dtype);
    const binary = BINARY_ALIASES[name];
    if (binary) {
      const ys = tensorShape(args[0]);
      return ys === undefined ? { value: tensor(null) } : applyOp(binary, [xs, ys], {}, BOOL_OPS.has(binary) ? "bool" : undefined);
    }
    const red = REDUCTION_ALIASES[name];
    if (red) {
      const lib = isTorchish(expr) || keywords.some(([k]) => k === "dim" || k === "keepdim") ? "torch" : "numpy";
      return reduction(red, self, args, keywords, 0, lib);
    }
    ctx.skip(`the method .${name}() is not in GradLens's op table; its result's shape is unknown`);
    return { value: tensor(null) };
  }
  return { value: UNKNOWN };
}

/** `x.max(dim=1)` and friends are torch; numpy spells it `axis`. */
function isTorchish(expr: A.CallExpr): boolean {
  return expr.keywords.some((k) => k.name === "dim" || k.name === "keepdim");
}

function splitLike(name: string, self: Value & { kind: "tensor" }, args: Args, keywords: Keywords): CallResult {
  const xs = self.shape;
  const axis = intConst(arg(args, keywords, 1, "dim")) ?? 0;
  if (name === "unbind") {
    const ax = intConst(arg(args, keywords, 0, "dim")) ?? 0;
    if (!xs) return { value: { kind: "list", items: null } };
    const k = ax < 0 ? xs.length + ax : ax;
    const n = xs[k];
    const item = tensor(xs.filter((_, i) => i !== k));
    return { value: typeof n === "number" ? { kind: "tuple", items: Array(n).fill(item) } : { kind: "list", items: null, item } };
  }
  if (!xs) return { value: { kind: "list", items: null } };
  const k = axis < 0 ? xs.length + axis : axis;
  const first = args[0];
  if (name === "split" && first?.kind === "int") {
    const total = xs[k];
    const size = first.dim;
    const count = typeof total === "number" && typeof size === "number" ? Math.ceil(total / size) : null;
    const item = tensor(xs.map((d, i) => (i === k ? size : d)));
    return { value: count !== null ? { kind: "tuple", items: Array(count).fill(item) } : { kind: "list", items: null, item } };
  }
  if (name === "chunk" && first?.kind === "int" && typeof first.dim === "number") {
    const n = first.dim;
    const total = xs[k];
    const size = typeof total === "number" ? Math.ceil(total / n) : divDimExact(total, n);
    const item = tensor(xs.map((d, i) => (i === k ? size : d)));
    return { value: { kind: "tuple", items: Array(n).fill(item) } };
  }
  if (name === "split" && (first?.kind === "list" || first?.kind === "tuple")) {
    const sizes = first.kind === "tuple" ? first.items : first.items ?? [];
    return { value: { kind: "tuple", items: sizes.map((s) => tensor(xs.map((d, i) => (i === k ? dimOf(s) : d)))) } };
  }
  return { value: { kind: "list", items: null } };
}

