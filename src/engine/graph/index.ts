import type * as A from "../python/ast.js";
import { parseModule, positionOf } from "../python/parse.js";
import { statedParameterShapes } from "../shapes/infer.js";
import { substituteDim, symbolsOf, type Dim } from "../shapes/dim.js";
import { OPS } from "../shapes/ops.js";
import { directiveAbove, splitTopLevel } from "../check/directive.js";
import { GraphBuilder, GraphStop, formatNumber, type GNode, type GVal } from "./build.js";
import { Random, Tensor } from "./tensor.js";
import type { ComputationGraph, GraphNode, Nested } from "./types.js";

/**
 * The graph of a function: built by running it on inputs (given, from its
 * `# gradcheck:` directive, or seeded random values of its stated shapes), then
 * differentiated in one reverse pass. Never throws on the user's code: an unsupported
 * construct ends the graph there, with `stoppedAt` saying what and where.
 */

export interface GraphOptions {
  /** values by parameter name: numbers, nested lists, Tensors, or Python expression text */
  inputs?: Record<string, unknown>;
  seed?: number;
}

export interface FunctionInfo {
  name: string;
  qualifiedName: string;
  /** 0-based line of the `def` */
  line: number;
  from: number;
  to: number;
}

export function functionsIn(text: string): FunctionInfo[] {
  const m = parseModule(text);
  const out: FunctionInfo[] = [];
  const lineOf = (offset: number) => positionOf(m.lineStarts, offset).line;
  for (const s of m.body) {
    if (s.kind === "def") out.push({ name: s.name, qualifiedName: s.name, line: lineOf(s.nameSpan.from), from: s.from, to: s.to });
    if (s.kind === "class") {
      for (const c of s.body) {
        if (c.kind === "def" && c.name !== "__init__") out.push({ name: c.name, qualifiedName: `${s.name}.${c.name}`, line: lineOf(c.nameSpan.from), from: c.from, to: c.to });
      }
    }
  }
  return out;
}

const DEFAULT_SEED = 0;

export function graphOfFunction(text: string, qualifiedName: string, options: GraphOptions = {}): ComputationGraph {
  const { nodes, graph, inputs } = evaluateGraph(text, qualifiedName, options);
  for (const [name, v] of inputs) graph.inputs[name] = typeof v === "number" ? v : v.toNested();
  toJson(nodes, graph);
  return graph;
}

/**
 * Builds and differentiates the graph, keeping the values as tensors (what the
 * benchmark times); `graphOfFunction` adds the JSON.
 */
export function evaluateGraph(text: string, qualifiedName: string, options: GraphOptions = {}): { nodes: GNode[]; graph: ComputationGraph; inputs: [string, Tensor | number][] } {
  const module = parseModule(text);
  const seed = options.seed ?? DEFAULT_SEED;
  const rng = new Random(seed);
  const builder = new GraphBuilder(module, rng);
  const [clsName, methodName] = qualifiedName.includes(".") ? qualifiedName.split(".", 2) : [undefined, qualifiedName];
  const cls = clsName ? module.body.find((s): s is A.ClassDef => s.kind === "class" && s.name === clsName) : undefined;
  const def = (cls ? cls.body : module.body).find((s): s is A.FunctionDef => s.kind === "def" && s.name === methodName);
  const graph: ComputationGraph = { function: qualifiedName, output: "", nodes: [], edges: [], inputs: {}, inputSource: "random", seed, notes: [] };
  if (!def || (clsName && !cls)) {
    graph.stoppedAt = { line: 1, message: `there is no function ${qualifiedName} in this file` };
    return { nodes: [], graph, inputs: [] };
  }
  const sizes = def ? symbolSizes(module, def, cls) : new Map<string, Dim>();
  const directive = directiveAbove(module, (cls ?? def).from) ?? (cls ? directiveAbove(module, def.from) : undefined);
  let result: GVal | undefined;
  // The inputs used, in the parameters' order, for the panel's form (made JSON only there).
  const inputs: [string, Tensor | number][] = [];
  try {
    const env = new Map<string, GVal>();
    let params = def.params;
    if (cls) {
      const self = buildSelf(builder, cls, directive?.init, sizes);
      env.set(params[0]?.name ?? "self", self);
      params = params.slice(1);
    }
    const given = options.inputs ?? {};
    const stated = new Map([...statedParameterShapes(module, def)].filter(([, v]) => v.shape !== null).map(([k, v]) => [k, v.shape as Dim[]]));
    let source: ComputationGraph["inputSource"] = "random";
    for (const p of params) {
      if (p.star) continue;
      let v: GVal;
      if (p.name in given) {
        v = inputValue(builder, given[p.name], p);
        source = "given";
      } else if (directive?.inputs.has(p.name)) {
        v = evaluateExpression(builder, directive.inputs.get(p.name)!, p);
        if (source !== "given") source = "directive";
      } else if (p.default && (!stated.has(p.name) || (p.default.kind === "const" && p.default.value === null))) {
        // A default is how the function is meant to be called (`y=None`: without labels).
        v = builder.expr(p.default, new Map());
      } else {
        const shape = concreteShape(stated.get(p.name) ?? [], sizes);
        v = { kind: "node", node: builder.source("input", shape.length ? rng.randn(shape) : Tensor.scalar(Math.round(rng.normal() * 100) / 100), p.name, p, p.name) };
      }
      if (v.kind === "node" && v.node.op === "const") v.node.op = "input";
      if (v.kind === "node") {
        v.node.label = p.name;
        v.node.name = p.name;
        inputs.push([p.name, v.node.value]);
      } else if (v.kind === "num") inputs.push([p.name, v.value]);
      env.set(p.name, v);
    }
    graph.inputSource = source;
    result = builder.runBody(def, env);
  } catch (e) {
    if (!(e instanceof GraphStop)) throw e;
    graph.stoppedAt = { line: lineOf(module, e.offset) + 1, message: e.message };
  }
  let output = outputNode(builder, result, graph);
  if (!output && builder.nodes.length) output = builder.nodes[builder.nodes.length - 1];
  if (output) backprop(builder.nodes, output, graph);
  graph.output = output?.id ?? "";
  graph.notes.push(...builder.notes);
  return { nodes: builder.nodes, graph, inputs };
}

/**
 * Each symbol of the stated shapes gets its own small size, all at least 2 (contract §2);
 * for a method, the shapes stated on every method of its class, so that `x: (n_in,)` in
 * forward and `__init__(n_in, ...)` agree.
 */
function symbolSizes(module: A.Module, def: A.FunctionDef, cls: A.ClassDef | undefined): Map<string, Dim> {
  const sizes = new Map<string, Dim>();
  let next = 2;
  const defs = cls ? cls.body.filter((s): s is A.FunctionDef => s.kind === "def") : [def];
  for (const d of defs) {
    for (const stated of statedParameterShapes(module, d).values()) {
      for (const dim of stated.shape ?? []) for (const name of symbolsOf(dim)) if (!sizes.has(name)) sizes.set(name, next++);
    }
  }
  return sizes;
}

function concreteShape(dims: Dim[], sizes: Map<string, Dim>): number[] {
  return dims.map((d) => {
    const v = substituteDim(d, sizes);
    return typeof v === "number" && v > 0 ? v : 3;
  });
}

/** `self` for `Class.method`: __init__ run with the directive's init(...) or sizes; arrays become params. */
function buildSelf(builder: GraphBuilder, cls: A.ClassDef, initArgs: string | undefined, sizes: Map<string, Dim>): GVal {
  const before = builder.nodes.length;
  const init = cls.body.find((s): s is A.FunctionDef => s.kind === "def" && s.name === "__init__");
  let args: GVal[] = [];
  if (initArgs !== undefined) {
    const call = parseModule(`__init__(${initArgs})\n`).body[0];
    if (call?.kind === "expr" && call.value.kind === "call") args = call.value.args.map((a) => builder.expr(a, new Map()));
  } else if (init) {
    for (const p of init.params.slice(1)) {
      if (p.star) continue;
      // A constructor size named like a dim of the stated shapes gets that dim's size,
      // so that `X: (N, D)` and `__init__(self, D=3072)` agree.
      const named = sizes.get(p.name);
      if (typeof named === "number") args.push({ kind: "num", value: named, isInt: true });
      else if (p.default) args.push(builder.expr(p.default, new Map()));
      else {
        const size = sizes.get(p.name);
        if (typeof size !== "number") sizes.set(p.name, Math.max(2, ...[...sizes.values()].filter((v): v is number => typeof v === "number")) + 1);
        args.push({ kind: "num", value: sizes.get(p.name) as number, isInt: true });
      }
    }
  }
  const self = builder.instantiate(cls, args, new Map(), cls);
  if (self.kind !== "object") return self;
  // What __init__ computed is the starting point: each array attribute is a parameter.
  builder.nodes.length = before;
  const assigned = init ? selfAssignments(init) : new Map<string, A.Span>();
  for (const [attr, v] of self.attrs) {
    if (v.kind === "node") self.attrs.set(attr, { kind: "node", node: builder.source("param", v.node.value, `self.${attr}`, assigned.get(attr) ?? null, `self.${attr}`) });
  }
  return self;
}

/** Where __init__ sets each `self.attr` (the last assignment), for param nodes' lines. */
function selfAssignments(init: A.FunctionDef): Map<string, A.Span> {
  const out = new Map<string, A.Span>();
  const walk = (stmts: A.Stmt[]) => {
    for (const s of stmts) {
      if (s.kind === "assign") for (const t of s.targets) if (t.kind === "attribute" && t.object.kind === "name" && t.object.id === "self") out.set(t.attr, t);
      if (s.kind === "if") {
        walk(s.body);
        walk(s.orElse);
      }
      if (s.kind === "for" || s.kind === "with" || s.kind === "while") walk(s.body);
    }
  };
  walk(init.body);
  return out;
}

function inputValue(builder: GraphBuilder, v: unknown, at: A.Span): GVal {
  if (v instanceof Tensor) return { kind: "node", node: builder.source("input", v, "array", at) };
  if (typeof v === "string") return evaluateExpression(builder, v, at);
  if (typeof v === "number") return { kind: "node", node: builder.source("input", Tensor.scalar(v), formatNumber(v), at) };
  if (Array.isArray(v)) return { kind: "node", node: builder.source("input", Tensor.from(v as Nested), "array", at) };
  throw new GraphStop(`the input ${JSON.stringify(v)} is not a number or a list of numbers`, at.from);
}

/** A directive's or the panel's input expression: `randn(4, 3)`, `[[1, 2], [3, 4]]`, `np.eye(3)`. */
function evaluateExpression(builder: GraphBuilder, text: string, at: A.Span): GVal {
  const m = parseModule(`__value__ = (${text})\n`);
  const s = m.body[0];
  if (!s || s.kind !== "assign" || !s.value) throw new GraphStop(`cannot read the input ${text}`, at.from);
  const env = new Map<string, GVal>([
    ["randn", { kind: "ref", path: "numpy.random.randn" }],
    ["rand", { kind: "ref", path: "numpy.random.rand" }],
    ["randint", { kind: "ref", path: "numpy.random.randint" }],
  ]);
  // The expression's spans point into its own text, not the file's: evaluate it in a
  // builder over that text so that error messages quote it.
  const own = new GraphBuilder(m, builder.rng);
  let v: GVal;
  try {
    v = own.expr(s.value, env);
  } catch (e) {
    throw new GraphStop(`the input ${text}: ${(e as Error).message}`, at.from);
  }
  if (v.kind === "node") return { kind: "node", node: builder.source("input", v.node.value, clipText(text), at) };
  if (v.kind === "list" || v.kind === "tuple") {
    return { kind: "node", node: builder.source("input", Tensor.from(JSON.parse(JSON.stringify(nested(v)))), clipText(text), at) };
  }
  if (v.kind === "num") return { kind: "node", node: builder.source("input", Tensor.scalar(v.value), clipText(text), at) };
  return v;
}

function nested(v: GVal): Nested {
  if (v.kind === "num") return v.value;
  if (v.kind === "node") return v.node.value.toNested();
  if (v.kind === "list" || v.kind === "tuple") return v.items.map(nested);
  throw new Error("not a number or a list of numbers");
}

function clipText(s: string): string {
  return s.length > 30 ? s.slice(0, 29) + "…" : s;
}

/** "x = 1, y = 2, W = [[1, 2], [3, 4]]" from the panel's form. */
export function parseInputAssignments(text: string, seed = DEFAULT_SEED): Record<string, Nested> {
  const out: Record<string, Nested> = {};
  const m = parseModule(splitTopLevel(text).map((s) => s.trim()).join("\n") + "\n");
  const builder = new GraphBuilder(m, new Random(seed));
  const env = new Map<string, GVal>([
    ["randn", { kind: "ref", path: "numpy.random.randn" }],
    ["rand", { kind: "ref", path: "numpy.random.rand" }],
    ["randint", { kind: "ref", path: "numpy.random.randint" }],
  ]);
  for (const s of m.body) {
    if (s.kind !== "assign" || s.targets.length !== 1 || s.targets[0].kind !== "name" || !s.value) {
      throw new Error(`write inputs as name = value, separated by commas (as in x = 1, y = 2); cannot read "${m.text.slice(s.from, s.to).trim()}"`);
    }
    try {
      out[s.targets[0].id] = nested(builder.expr(s.value, env));
    } catch (e) {
      throw new Error(`${s.targets[0].id}: ${(e as Error).message}`);
    }
  }
  return out;
}

function outputNode(builder: GraphBuilder, result: GVal | undefined, graph: ComputationGraph): GNode | undefined {
  if (!result) return undefined;
  if (result.kind === "node") return result.node;
  if (result.kind === "tuple" || result.kind === "list") {
    const first = result.items.find((i) => i.kind === "node");
    if (first?.kind === "node") {
      graph.notes.push("the function returns several values; the graph differentiates the first array among them");
      return first.node;
    }
  }
  if (result.kind === "num") return builder.source("const", Tensor.scalar(result.value), formatNumber(result.value), null);
  if (result.kind === "none") graph.notes.push("the function returns nothing; the graph ends at its last operation");
  return undefined;
}

/** Reverse-mode: every node's gradient in one pass, summing where a value fans out. */
function backprop(nodes: GNode[], output: GNode, graph: ComputationGraph): void {
  output.grad = Tensor.full(output.value.shape, 1);
  if (output.value.size > 1) graph.notes.push("the output is not a scalar: it is seeded with ones (L = the sum of the outputs)");
  const last = nodes.indexOf(output);
  for (let i = last; i >= 0; i--) {
    const n = nodes[i];
    if (!n.grad || !n.kernel || n.inputs.length === 0) continue;
    // A literal number's gradient helps nobody (it cannot be changed): not computed.
    const needs = n.inputs.map((x) => !(x.op === "const" && x.value.size === 1 && x.line !== null && /^-?[\d.]+(e-?\d+)?$/.test(x.label)));
    const grads = n.kernel.vjp(n.grad, n.inputs.map((x) => x.value), n.value, n.params, needs);
    n.edgeGrads = grads;
    grads.forEach((g, k) => {
      if (!g || n.kernel!.constant?.includes(k)) return;
      const input = n.inputs[k];
      input.grad = input.grad ? OPS.add.kernel!.forward([input.grad, g], {}) : g;
    });
  }
}

function latexName(n: GNode): string {
  // An unnamed intermediate is named by its source text when that is short (`W @ x`).
  if (!n.name && n.op !== "const" && n.label.length <= 16 && !/[{}\\$]/.test(n.label)) return `(\\text{${n.label.replace(/_/g, "\\_")}})`;
  const raw = n.name ?? (n.op === "const" ? n.label : `v_{${n.id.slice(1)}}`);
  if (/^v_\{\d+\}$/.test(raw)) return raw;
  if (/^-?[\d.e+-]+$/.test(raw)) return raw;
  const m = /^([A-Za-z])(\d+)$/.exec(raw);
  if (m) return `${m[1]}_{${m[2]}}`;
  if (/^[A-Za-z]$/.test(raw)) return raw;
  return `\\mathit{${raw.replace(/\\/g, "").replace(/_/g, "\\_").replace(/[{}]/g, "")}}`;
}

function toJson(nodes: GNode[], graph: ComputationGraph): void {
  const consumers = new Map<GNode, { node: GNode; arg: number }[]>();
  for (const n of nodes) n.inputs.forEach((x, arg) => consumers.set(x, [...(consumers.get(x) ?? []), { node: n, arg }]));
  for (const n of nodes) {
    const local = n.kernel
      ? n.inputs.map((_, i) => n.kernel!.local(n.inputs.map(latexName), latexName(n), i, n.inputs.map((x) => x.value))).join(",\\quad ")
      : (consumers.get(n) ?? [])
          .filter((c) => c.node.kernel)
          .map((c) => c.node.kernel!.local(c.node.inputs.map(latexName), latexName(c.node), c.arg, c.node.inputs.map((x) => x.value)))
          .join(",\\quad ");
    const node: GraphNode = {
      id: n.id,
      op: n.op,
      label: n.label,
      line: n.line === null ? null : n.line + 1,
      ...(n.from !== undefined ? { from: n.from, to: n.to } : {}),
      ...(n.name ? { name: n.name } : {}),
      shape: [...n.value.shape],
      value: n.value.toNested(),
      grad: n.grad ? n.grad.toNested() : null,
      local,
      ...(OPS[n.op === "max" ? "maximum" : n.op === "min" ? "minimum" : n.op] ? { describe: OPS[n.op === "max" ? "maximum" : n.op === "min" ? "minimum" : n.op].describe } : {}),
    };
    graph.nodes.push(node);
    n.inputs.forEach((x, arg) => graph.edges.push({ from: x.id, to: n.id, arg, grad: n.edgeGrads?.[arg]?.toNested() ?? null }));
    const bad = n.value.data.some((v) => !Number.isFinite(v));
    if (bad) graph.notes.push(`line ${node.line ?? "?"}: ${n.name ?? n.label} has NaN or infinite values`);
  }
}

function lineOf(module: A.Module, offset: number): number {
  return positionOf(module.lineStarts, offset).line;
}
