import type * as A from "../python/ast.js";
import { positionOf } from "../python/parse.js";
import { OPS } from "../shapes/ops.js";
import type { Kernel, KernelParams } from "./kernels.js";
import { Random, Tensor, binary, indexPlan, normAxis, type IndexItem } from "./tensor.js";

/**
 * Builds the computation graph of a function by running it: each operation on an
 * array becomes a node holding its value, with edges from its operands. Python
 * numbers stay numbers until they meet an array (then they become `const` nodes), so
 * `if`s on them and `for i in range(k)` run as Python would.
 */

export interface GNode {
  id: string;
  op: string;
  label: string;
  /** 0-based, null for nodes GradLens made */
  line: number | null;
  from?: number;
  to?: number;
  name?: string;
  value: Tensor;
  inputs: GNode[];
  params: KernelParams;
  kernel?: Kernel;
  grad?: Tensor;
  /** the gradient each input received from this node, by argument */
  edgeGrads?: (Tensor | null)[];
}

export type GVal =
  | { kind: "node"; node: GNode }
  | { kind: "num"; value: number; isInt: boolean }
  | { kind: "bool"; value: boolean }
  | { kind: "str"; value: string }
  | { kind: "none" }
  | { kind: "tuple"; items: GVal[] }
  | { kind: "list"; items: GVal[] }
  | { kind: "dict"; entries: Map<string, GVal> }
  | { kind: "object"; cls: A.ClassDef; attrs: Map<string, GVal> }
  | { kind: "function"; def: A.FunctionDef; self?: GVal; cls?: A.ClassDef }
  | { kind: "class"; def: A.ClassDef }
  | { kind: "ref"; path: string }
  | { kind: "method"; self: GVal; name: string };

/** Stops the graph at an unsupported construct; what was built so far is kept. */
export class GraphStop extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const LOOP_CAP = 64;
const NODE_CAP = 20_000;
const CALL_DEPTH = 16;

type Env = Map<string, GVal>;

class Return {
  constructor(readonly value: GVal) {}
}

const ALIASES: Record<string, string> = { np: "numpy", torch: "torch", nn: "torch.nn", F: "torch.nn.functional", math: "math" };

export class GraphBuilder {
  readonly nodes: GNode[] = [];
  readonly notes: string[] = [];
  private readonly moduleEnv: Env = new Map();
  private depth = 0;

  constructor(
    readonly module: A.Module,
    readonly rng: Random,
  ) {
    for (const s of module.body) {
      if (s.kind === "def") this.moduleEnv.set(s.name, { kind: "function", def: s });
      if (s.kind === "class") this.moduleEnv.set(s.name, { kind: "class", def: s });
    }
    for (const s of module.body) {
      if (s.kind === "other" && (s.what === "import" || s.what === "from")) this.importStatement(s, this.moduleEnv);
      // Module-level constants (sizes, seeds) are read as Python would.
      if (s.kind === "assign") {
        try {
          this.statement(s, this.moduleEnv);
        } catch {
          // a module-level line GradLens cannot run does not stop the graph
        }
      }
    }
  }

  private line(offset: number): number {
    return positionOf(this.module.lineStarts, offset).line;
  }

  private text(span: A.Span): string {
    return this.module.text.slice(span.from, span.to);
  }

  // ─────────────────────────────── nodes ───────────────────────────────

  newNode(op: string, value: Tensor, inputs: GNode[], span: A.Span | null, params: KernelParams = {}, label?: string): GNode {
    if (this.nodes.length >= NODE_CAP) throw new GraphStop(`the graph has more than ${NODE_CAP} nodes`, span?.from ?? 0);
    const kernel = OPS[op]?.kernel;
    const node: GNode = {
      id: `n${this.nodes.length}`,
      op,
      label: label ?? (span ? clip(this.text(span).replace(/\s+/g, " "), 40) : op),
      line: span ? this.line(span.from) : null,
      from: span?.from,
      to: span?.to,
      value,
      inputs,
      params,
      kernel,
    };
    this.nodes.push(node);
    return node;
  }

  source(op: "input" | "param" | "const", value: Tensor, label: string, span: A.Span | null, name?: string): GNode {
    const n = this.newNode(op, value, [], span, {}, label);
    if (name) n.name = name;
    return n;
  }

  /** A Python number or array-like value as a node (a `const` when it is not one already). */
  asNode(v: GVal, span: A.Span): GNode {
    if (v.kind === "node") return v.node;
    if (v.kind === "num") return this.source("const", Tensor.scalar(v.value), formatNumber(v.value), span);
    if (v.kind === "bool") return this.source("const", Tensor.scalar(v.value ? 1 : 0), String(v.value), span);
    if (v.kind === "list" || v.kind === "tuple") {
      const t = Tensor.from(toNestedValue(v, this.text(span)));
      return this.source("const", t, clip(this.text(span), 30), span);
    }
    throw new GraphStop(`${describe(v)} cannot be used as an array here`, span.from);
  }

  apply(op: string, inputs: GNode[], span: A.Span, params: KernelParams = {}): GVal {
    const kernel = OPS[op]?.kernel;
    if (!kernel) throw new GraphStop(`${op} has no forward in GradLens's op table yet`, span.from);
    let value: Tensor;
    try {
      value = kernel.forward(inputs.map((n) => n.value), params);
    } catch (e) {
      throw new GraphStop((e as Error).message, span.from);
    }
    return { kind: "node", node: this.newNode(op, value, inputs, span, params) };
  }

  // ─────────────────────────────── functions ───────────────────────────────

  callFunction(def: A.FunctionDef, args: GVal[], keywords: Map<string, GVal>, self: GVal | undefined, span: A.Span): GVal {
    if (this.depth >= CALL_DEPTH) throw new GraphStop(`calls nest deeper than ${CALL_DEPTH} (recursion?)`, span.from);
    const env: Env = new Map();
    const params = self ? def.params.slice(1) : def.params;
    if (self && def.params[0]) env.set(def.params[0].name, self);
    let k = 0;
    for (const p of params) {
      if (p.star === "star") {
        env.set(p.name, { kind: "tuple", items: args.slice(k) });
        k = args.length;
        continue;
      }
      if (p.star === "double-star") {
        env.set(p.name, { kind: "dict", entries: new Map() });
        continue;
      }
      let v = keywords.get(p.name) ?? (k < args.length ? args[k++] : undefined);
      if (!v && p.default) v = this.expr(p.default, new Map());
      if (!v) throw new GraphStop(`${def.name}() is missing the argument ${p.name}`, span.from);
      env.set(p.name, v);
    }
    this.depth++;
    try {
      this.block(def.body, env);
      return { kind: "none" };
    } catch (e) {
      if (e instanceof Return) return e.value;
      throw e;
    } finally {
      this.depth--;
    }
  }

  instantiate(cls: A.ClassDef, args: GVal[], keywords: Map<string, GVal>, span: A.Span): GVal {
    const obj: GVal = { kind: "object", cls, attrs: new Map() };
    const init = cls.body.find((s): s is A.FunctionDef => s.kind === "def" && s.name === "__init__");
    if (init) this.callFunction(init, args, keywords, obj, span);
    return obj;
  }

  /** Runs a function body in `env` (the entry point of graph building). */
  runBody(def: A.FunctionDef, env: Env): GVal {
    try {
      this.block(def.body, env);
      return { kind: "none" };
    } catch (e) {
      if (e instanceof Return) return e.value;
      throw e;
    }
  }

  // ─────────────────────────────── statements ───────────────────────────────

  private block(stmts: A.Stmt[], env: Env): void {
    for (const s of stmts) this.statement(s, env);
  }

  statement(s: A.Stmt, env: Env): void {
    switch (s.kind) {
      case "assign": {
        if (!s.value) return;
        const v = this.expr(s.value, env);
        for (const t of s.targets) this.bind(t, v, env);
        return;
      }
      case "augassign": {
        const cur = this.expr(s.target, env);
        const rhs = this.expr(s.value, env);
        this.bind(s.target, this.binaryOp(s.op, cur, rhs, s), env);
        return;
      }
      case "expr":
        this.expr(s.value, env);
        return;
      case "return":
        throw new Return(s.value ? this.expr(s.value, env) : { kind: "none" });
      case "if": {
        const test = this.truth(this.expr(s.test, env), s.test);
        this.block(test ? s.body : s.orElse, env);
        return;
      }
      case "for": {
        const iter = this.expr(s.iter, env);
        const items = this.iterate(iter, s.iter);
        if (items.length > LOOP_CAP) {
          throw new GraphStop(`this loop runs ${items.length} times; the graph unrolls loops up to ${LOOP_CAP} passes`, s.from);
        }
        for (const it of items) {
          this.bind(s.target, it, env);
          this.block(s.body, env);
        }
        this.block(s.orElse, env);
        return;
      }
      case "while":
        throw new GraphStop("while loops are not drawn in the graph (their number of passes depends on the data); use for i in range(k)", s.from);
      case "with":
        for (const it of s.items) {
          const v = this.expr(it.context, env);
          if (it.alias) this.bind(it.alias, v, env);
        }
        this.block(s.body, env);
        return;
      case "try":
        this.block(s.body, env);
        this.block(s.finalBody, env);
        return;
      case "def":
        env.set(s.name, { kind: "function", def: s });
        return;
      case "class":
        env.set(s.name, { kind: "class", def: s });
        return;
      case "other":
        if (s.what === "import" || s.what === "from") this.importStatement(s, env);
        else if (s.what === "raise") throw new GraphStop("the function raises here", s.from);
        else if (s.what === "syntax error") throw new GraphStop("this line does not parse", s.from);
        return;
    }
  }

  private importStatement(s: A.OtherStmt, env: Env) {
    const t = this.text(s).replace(/\s+/g, " ").trim();
    const imp = /^import (.+)$/.exec(t);
    if (imp) {
      for (const part of imp[1].split(",")) {
        const [path, alias] = part.trim().split(/ as /);
        env.set((alias ?? path.split(".")[0]).trim(), { kind: "ref", path: alias ? path.trim() : path.split(".")[0].trim() });
      }
      return;
    }
    const from = /^from ([\w.]+) import \(?([^)]*)\)?$/.exec(t);
    if (from) {
      for (const part of from[2].split(",")) {
        const [name, alias] = part.trim().split(/ as /);
        if (name && name !== "*") env.set((alias ?? name).trim(), { kind: "ref", path: `${from[1]}.${name.trim()}` });
      }
    }
  }

  private bind(target: A.Expr, v: GVal, env: Env): void {
    switch (target.kind) {
      case "name":
        env.set(target.id, v);
        if (v.kind === "node" && !v.node.name) v.node.name = target.id;
        return;
      case "tuple":
      case "list": {
        const items = this.unpack(v, target.elements.length, target);
        target.elements.forEach((e, i) => this.bind(e.kind === "starred" ? e.value : e, items[i], env));
        return;
      }
      case "attribute": {
        const owner = this.expr(target.object, env);
        if (owner.kind !== "object") throw new GraphStop(`cannot set .${target.attr} on ${describe(owner)}`, target.from);
        owner.attrs.set(target.attr, v);
        if (v.kind === "node" && !v.node.name) v.node.name = this.text(target);
        return;
      }
      case "subscript": {
        const owner = this.expr(target.object, env);
        if (owner.kind === "dict" && target.index.length === 1) {
          const key = this.expr(target.index[0] as A.Expr, env);
          if (key.kind === "str") {
            owner.entries.set(key.value, v);
            return;
          }
        }
        if (owner.kind === "list" && target.index.length === 1) {
          const key = this.expr(target.index[0] as A.Expr, env);
          if (key.kind === "num") {
            owner.items[key.value < 0 ? owner.items.length + key.value : key.value] = v;
            return;
          }
        }
        throw new GraphStop("assigning into part of an array is not drawn in the graph; build the array with concatenate or stack instead", target.from);
      }
      default:
        throw new GraphStop(`cannot assign to ${this.text(target)}`, target.from);
    }
  }

  private unpack(v: GVal, n: number, at: A.Span): GVal[] {
    if ((v.kind === "tuple" || v.kind === "list") && v.items.length === n) return v.items;
    if (v.kind === "node" && v.node.value.rank >= 1 && v.node.value.shape[0] === n) {
      return Array.from({ length: n }, (_, i) => this.apply("index", [v.node], at, { plan: indexPlan(v.node.value.shape, [{ kind: "int", index: i }]) }));
    }
    throw new GraphStop(`cannot unpack ${describe(v)} into ${n} names`, at.from);
  }

  private iterate(v: GVal, at: A.Span): GVal[] {
    if (v.kind === "list" || v.kind === "tuple") return v.items;
    if (v.kind === "node" && v.node.value.rank >= 1) return this.unpack(v, v.node.value.shape[0], at);
    if (v.kind === "dict") return [...v.entries.keys()].map((k) => ({ kind: "str", value: k }));
    throw new GraphStop(`cannot loop over ${describe(v)}`, at.from);
  }

  private truth(v: GVal, at: A.Span): boolean {
    switch (v.kind) {
      case "bool":
        return v.value;
      case "num":
        return v.value !== 0;
      case "none":
        return false;
      case "str":
        return v.value.length > 0;
      case "list":
      case "tuple":
        return v.items.length > 0;
      case "node":
        if (v.node.value.size === 1) return v.node.value.data[0] !== 0;
        throw new GraphStop("the truth of a whole array is ambiguous (use .any() or .all())", at.from);
      default:
        return true;
    }
  }

  // ─────────────────────────────── expressions ───────────────────────────────

  expr(e: A.Expr, env: Env): GVal {
    switch (e.kind) {
      case "name": {
        const v = env.get(e.id) ?? this.moduleEnv.get(e.id);
        if (v) return v;
        if (e.id in ALIASES) return { kind: "ref", path: ALIASES[e.id] };
        if (BUILTINS.has(e.id)) return { kind: "ref", path: e.id };
        throw new GraphStop(`${e.id} is not defined here`, e.from);
      }
      case "number":
        return { kind: "num", value: e.value, isInt: e.isInt };
      case "string":
        return { kind: "str", value: e.value };
      case "const":
        if (e.value === null) return { kind: "none" };
        if (e.value === "...") return { kind: "ref", path: "..." };
        return { kind: "bool", value: e.value };
      case "tuple":
      case "list":
      case "set":
        return { kind: e.kind === "tuple" ? "tuple" : "list", items: e.elements.flatMap((x) => (x.kind === "starred" ? this.spread(this.expr(x.value, env), x) : [this.expr(x, env)])) };
      case "dict": {
        const entries = new Map<string, GVal>();
        e.keys.forEach((k, i) => {
          const key = k ? this.expr(k, env) : null;
          if (key?.kind === "str") entries.set(key.value, this.expr(e.values[i], env));
        });
        return { kind: "dict", entries };
      }
      case "attribute":
        return this.attribute(this.expr(e.object, env), e);
      case "call":
        return this.call(e, env);
      case "subscript":
        return this.subscript(e, env);
      case "binary":
        if (e.op === "and" || e.op === "or") {
          const l = this.expr(e.left, env);
          const t = this.truth(l, e.left);
          return (e.op === "and" ? t : !t) ? this.expr(e.right, env) : l;
        }
        return this.binaryOp(e.op, this.expr(e.left, env), this.expr(e.right, env), e);
      case "unary": {
        const v = this.expr(e.operand, env);
        if (e.op === "not") return { kind: "bool", value: !this.truth(v, e) };
        if (e.op === "+") return v;
        if (v.kind === "num") return { kind: "num", value: e.op === "-" ? -v.value : ~v.value, isInt: v.isInt };
        if (v.kind === "node" && e.op === "-") return this.apply("neg", [v.node], e);
        throw new GraphStop(`${e.op} is not supported on ${describe(v)}`, e.from);
      }
      case "conditional":
        return this.truth(this.expr(e.test, env), e.test) ? this.expr(e.body, env) : this.expr(e.orElse, env);
      case "starred":
        return this.expr(e.value, env);
      case "comprehension": {
        if (e.nested) throw new GraphStop("a comprehension with several for clauses is not drawn in the graph", e.from);
        const items: GVal[] = [];
        for (const it of this.iterate(this.expr(e.iter, env), e.iter)) {
          const inner = new Map(env);
          this.bind(e.target, it, inner);
          if (e.conditions.every((c) => this.truth(this.expr(c, inner), c))) items.push(this.expr(e.element, inner));
        }
        return { kind: "list", items };
      }
      case "unknown":
        throw new GraphStop(e.what === "syntax error" ? "this expression does not parse" : `${e.what} is not supported in the graph`, e.from);
    }
  }

  private spread(v: GVal, at: A.Span): GVal[] {
    if (v.kind === "tuple" || v.kind === "list") return v.items;
    throw new GraphStop(`cannot spread ${describe(v)}`, at.from);
  }

  private attribute(obj: GVal, e: A.AttributeExpr): GVal {
    if (obj.kind === "object") {
      const v = obj.attrs.get(e.attr);
      if (v) return v;
      const m = obj.cls.body.find((s): s is A.FunctionDef => s.kind === "def" && s.name === e.attr);
      if (m) return { kind: "function", def: m, self: obj, cls: obj.cls };
      throw new GraphStop(`${obj.cls.name} has no attribute ${e.attr} here`, e.from);
    }
    if (obj.kind === "class") {
      const m = obj.def.body.find((s): s is A.FunctionDef => s.kind === "def" && s.name === e.attr);
      if (m) return { kind: "function", def: m, cls: obj.def };
    }
    if (obj.kind === "ref") {
      if (obj.path === "numpy" && e.attr === "newaxis") return { kind: "none" };
      if ((obj.path === "numpy" || obj.path === "math") && (e.attr === "pi" || e.attr === "e")) return { kind: "num", value: e.attr === "pi" ? Math.PI : Math.E, isInt: false };
      if (obj.path === "numpy" && e.attr === "inf") return { kind: "num", value: Infinity, isInt: false };
      return { kind: "ref", path: `${obj.path}.${e.attr}` };
    }
    if (obj.kind === "node") {
      const t = obj.node.value;
      switch (e.attr) {
        case "T":
          return this.apply("transpose", [obj.node], e, {});
        case "shape":
          return { kind: "tuple", items: t.shape.map((d) => ({ kind: "num", value: d, isInt: true })) };
        case "ndim":
          return { kind: "num", value: t.rank, isInt: true };
        case "size":
          return { kind: "method", self: obj, name: "size" };
        case "data":
          return obj;
        default:
          return { kind: "method", self: obj, name: e.attr };
      }
    }
    if (obj.kind === "dict" && e.attr === "get") return { kind: "method", self: obj, name: "get" };
    if (obj.kind === "list" && (e.attr === "append" || e.attr === "extend")) return { kind: "method", self: obj, name: e.attr };
    throw new GraphStop(`.${e.attr} of ${describe(obj)} is not supported in the graph`, e.from);
  }

  private subscript(e: A.SubscriptExpr, env: Env): GVal {
    const obj = this.expr(e.object, env);
    if (obj.kind === "tuple" || obj.kind === "list") {
      const it = e.index[0];
      if (e.index.length === 1 && it.kind !== "slice") {
        const i = this.expr(it, env);
        if (i.kind !== "num") throw new GraphStop("a list index must be a number", it.from);
        const k = i.value < 0 ? obj.items.length + i.value : i.value;
        if (k < 0 || k >= obj.items.length) throw new GraphStop(`index ${i.value} is out of range for ${obj.items.length} items`, it.from);
        return obj.items[k];
      }
      if (e.index.length === 1 && it.kind === "slice") {
        const num = (x?: A.Expr) => {
          if (!x) return undefined;
          const v = this.expr(x, env);
          return v.kind === "num" ? v.value : undefined;
        };
        return { kind: obj.kind, items: obj.items.slice(num(it.lower), num(it.upper)) };
      }
    }
    if (obj.kind === "dict") {
      const k = this.expr(e.index[0] as A.Expr, env);
      if (k.kind === "str" && obj.entries.has(k.value)) return obj.entries.get(k.value)!;
      throw new GraphStop(`no key ${k.kind === "str" ? JSON.stringify(k.value) : "like that"} in this dict`, e.from);
    }
    if (obj.kind !== "node") throw new GraphStop(`cannot index ${describe(obj)}`, e.from);
    const items: IndexItem[] = e.index.map((it) => this.indexItem(it, env));
    let plan;
    try {
      plan = indexPlan(obj.node.value.shape, items);
    } catch (err) {
      throw new GraphStop((err as Error).message, e.from);
    }
    return this.apply("index", [obj.node], e, { plan });
  }

  private indexItem(it: A.IndexItem, env: Env): IndexItem {
    if (it.kind === "slice") {
      const num = (x?: A.Expr): number | null => {
        if (!x) return null;
        const v = this.expr(x, env);
        if (v.kind === "num") return v.value;
        if (v.kind === "node" && v.node.value.size === 1) return v.node.value.data[0];
        throw new GraphStop("slice bounds must be numbers", x.from);
      };
      return { kind: "slice", start: num(it.lower), stop: num(it.upper), step: num(it.step) };
    }
    const v = this.expr(it, env);
    if (v.kind === "num") return { kind: "int", index: v.value };
    if (v.kind === "none") return { kind: "newaxis" };
    if (v.kind === "ref" && v.path === "...") return { kind: "ellipsis" };
    if (v.kind === "node") return { kind: "array", indices: v.node.value };
    if (v.kind === "list" || v.kind === "tuple") return { kind: "array", indices: Tensor.from(toNestedValue(v, this.text(it))) };
    throw new GraphStop(`cannot index with ${describe(v)}`, it.from);
  }

  binaryOp(op: string, l: GVal, r: GVal, span: A.Span): GVal {
    if (op === "is" || op === "is not") {
      const same = l === r || (l.kind === "none" && r.kind === "none") || (l.kind === "bool" && r.kind === "bool" && l.value === r.value);
      return { kind: "bool", value: op === "is" ? same : !same };
    }
    if (op === "in" || op === "not in") {
      const found = r.kind === "dict" ? l.kind === "str" && r.entries.has(l.value) : r.kind === "list" || r.kind === "tuple" ? r.items.some((i) => i === l || (i.kind === "num" && l.kind === "num" && i.value === l.value) || (i.kind === "str" && l.kind === "str" && i.value === l.value)) : false;
      return { kind: "bool", value: op === "in" ? found : !found };
    }
    if ((l.kind === "num" || l.kind === "bool") && (r.kind === "num" || r.kind === "bool")) return pythonArithmetic(op, l, r, span);
    if ((l.kind === "tuple" || l.kind === "list") && (r.kind === "tuple" || r.kind === "list") && op === "+") return { kind: l.kind, items: [...l.items, ...r.items] };
    if (l.kind === "str" || r.kind === "str") throw new GraphStop("string arithmetic is not part of a graph", span.from);
    const a = this.asNode(l, span);
    const b = this.asNode(r, span);
    const ops: Record<string, string> = { "+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul", "**": "pow" };
    if (ops[op]) return this.apply(ops[op], [a, b], span);
    if (COMPARE[op]) {
      // A comparison's result carries no gradient: a constant mask in the graph.
      const f = COMPARE[op];
      let value: Tensor;
      try {
        value = binary(a.value, b.value, (x, y) => (f(x, y) ? 1 : 0));
      } catch (err) {
        throw new GraphStop((err as Error).message, span.from);
      }
      return { kind: "node", node: this.newNode("compare", value, [a, b], span) };
    }
    throw new GraphStop(`the operator ${op} is not differentiable and is not drawn in the graph`, span.from);
  }

  // ─────────────────────────────── calls ───────────────────────────────

  private call(e: A.CallExpr, env: Env): GVal {
    const callee = this.expr(e.callee, env);
    const args: GVal[] = [];
    for (const a of e.args) {
      if (a.kind === "starred" && !a.double) args.push(...this.spread(this.expr(a.value, env), a));
      else if (a.kind !== "starred") args.push(this.expr(a, env));
    }
    const keywords = new Map<string, GVal>(e.keywords.map((k) => [k.name, this.expr(k.value, env)]));
    switch (callee.kind) {
      case "function":
        return this.callFunction(callee.def, args, keywords, callee.self, e);
      case "class":
        return this.instantiate(callee.def, args, keywords, e);
      case "object": {
        const fwd = callee.cls.body.find((s): s is A.FunctionDef => s.kind === "def" && (s.name === "forward" || s.name === "__call__"));
        if (fwd) return this.callFunction(fwd, args, keywords, callee, e);
        break;
      }
      case "ref":
        return this.library(callee.path, args, keywords, e);
      case "method":
        return this.method(callee.self, callee.name, args, keywords, e);
      default:
        break;
    }
    throw new GraphStop(`${this.text(e.callee)} cannot be called here`, e.from);
  }

  private library(path: string, args: GVal[], kw: Map<string, GVal>, e: A.CallExpr): GVal {
    const name = path.replace(/^(numpy|torch\.nn\.functional|torch|math)\./, "");
    const arg = (i: number, key?: string) => (key && kw.has(key) ? kw.get(key) : args[i]);
    const node = (i: number, key?: string) => {
      const v = arg(i, key);
      if (!v) throw new GraphStop(`${name}() needs an argument ${i + 1}`, e.from);
      return this.asNode(v, e);
    };
    switch (path) {
      case "range": {
        const nums = args.map((a) => this.number(a, e));
        const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
        const items: GVal[] = [];
        for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
          items.push({ kind: "num", value: i, isInt: true });
          if (items.length > 100_000) throw new GraphStop("this range is too long for a graph", e.from);
        }
        return { kind: "list", items };
      }
      case "len": {
        const v = args[0];
        if (v?.kind === "list" || v?.kind === "tuple") return { kind: "num", value: v.items.length, isInt: true };
        if (v?.kind === "node" && v.node.value.rank > 0) return { kind: "num", value: v.node.value.shape[0], isInt: true };
        throw new GraphStop("len() of this value is not known", e.from);
      }
      case "float":
      case "int": {
        const v = args[0];
        const x = v?.kind === "node" ? v.node.value.item() : this.number(v, e);
        return { kind: "num", value: path === "int" ? Math.trunc(x) : x, isInt: path === "int" };
      }
      case "abs":
        return args[0]?.kind === "node" ? this.apply("abs", [args[0].node], e) : { kind: "num", value: Math.abs(this.number(args[0], e)), isInt: false };
      case "max":
      case "min": {
        if (args.length === 2) {
          if (args[0].kind === "num" && args[1].kind === "num") return { kind: "num", value: Math[path](args[0].value, args[1].value), isInt: args[0].isInt && args[1].isInt };
          const r = this.apply(path === "max" ? "maximum" : "minimum", [node(0), node(1)], e);
          if (r.kind === "node") r.node.op = path;
          return r;
        }
        break;
      }
      case "sum": {
        const v = args[0];
        if (v?.kind === "list" || v?.kind === "tuple") {
          let acc: GVal = { kind: "num", value: 0, isInt: true };
          for (const it of v.items) acc = this.binaryOp("+", acc, it, e);
          return acc;
        }
        break;
      }
      case "print":
      case "isinstance":
        return { kind: "none" };
      case "enumerate": {
        const v = args[0];
        const items = v ? this.iterate(v, e) : [];
        return { kind: "list", items: items.map((it, i) => ({ kind: "tuple", items: [{ kind: "num", value: i, isInt: true }, it] })) };
      }
      case "zip": {
        const lists = args.map((a) => this.iterate(a, e));
        const n = Math.min(...lists.map((l) => l.length));
        return { kind: "list", items: Array.from({ length: n }, (_, i) => ({ kind: "tuple", items: lists.map((l) => l[i]) })) };
      }
      case "reversed": {
        const items = args[0] ? this.iterate(args[0], e) : [];
        return { kind: "list", items: [...items].reverse() };
      }
      case "list":
      case "tuple":
        return { kind: path, items: args[0] ? this.iterate(args[0], e) : [] };
      case "super":
        return { kind: "ref", path: "super" };
      case "super.__init__":
        return { kind: "none" };
      default:
        break;
    }
    if (path.startsWith("math.")) {
      const f = (Math as unknown as Record<string, (x: number) => number>)[name];
      if (typeof f === "function" && args.every((a) => a.kind === "num")) return { kind: "num", value: f(...(args.map((a) => (a as { value: number }).value) as [number])), isInt: false };
    }
    const unary = UNARY[name];
    if (unary && args.length >= 1 && (path.startsWith("numpy.") || path.startsWith("torch."))) {
      if (args[0].kind === "num" && !path.startsWith("torch.")) return { kind: "num", value: OPS[unary].kernel!.forward([Tensor.scalar(args[0].value)], {}).data[0], isInt: false };
      return this.apply(unary, [node(0)], e, unary === "softmax" || unary === "log_softmax" ? { axis: this.axisArg(arg(1, "dim") ?? arg(1, "axis"), e, -1) } : {});
    }
    const random = this.constructor_(name, args, kw, e);
    if (random) return random;
    switch (name) {
      case "maximum":
      case "minimum":
      case "fmax":
      case "fmin":
        return this.apply(name.endsWith("max") || name === "maximum" ? "maximum" : "minimum", [node(0), node(1)], e);
      case "add":
      case "subtract":
      case "multiply":
      case "divide":
      case "power":
        return this.apply({ add: "add", subtract: "sub", multiply: "mul", divide: "div", power: "pow" }[name]!, [node(0), node(1)], e);
      case "dot":
      case "matmul":
      case "mm":
      case "mv":
      case "bmm":
        return this.apply("matmul", [node(0), node(1)], e);
      case "outer":
        return this.apply("outer", [node(0), node(1)], e);
      case "einsum": {
        const spec = args[0];
        if (spec?.kind !== "str") throw new GraphStop("einsum needs its subscripts as a string", e.from);
        return this.apply("einsum", args.slice(1).map((a) => this.asNode(a, e)), e, { subscripts: spec.value });
      }
      case "sum":
      case "mean":
      case "max":
      case "min":
      case "amax":
      case "amin":
        return this.reduction(name.replace(/^a/, ""), node(0), arg(1, "axis") ?? kw.get("dim"), kw.get("keepdims") ?? kw.get("keepdim"), e);
      case "transpose":
      case "permute":
        return this.transpose(node(0), args.slice(1), kw.get("axes"), e, path.startsWith("torch."));
      case "reshape":
        return this.apply("reshape", [node(0)], e, { shape: this.shapeArg(args.slice(1), node(0).value.size, e) });
      case "concatenate":
      case "cat":
      case "stack": {
        const seq = args[0];
        if (seq?.kind !== "list" && seq?.kind !== "tuple") throw new GraphStop(`${name} takes a list of arrays`, e.from);
        const axis = this.axisArg(arg(1, "axis") ?? kw.get("dim"), e, 0);
        return this.apply(name === "stack" ? "stack" : "concatenate", seq.items.map((i) => this.asNode(i, e)), e, { axis });
      }
      case "where":
        return this.apply("where", [node(0), node(1), node(2)], e);
      case "clip":
      case "clamp":
        return this.apply("clip", [node(0)], e, { lo: this.optionalNumber(arg(1, "min") ?? kw.get("a_min"), e), hi: this.optionalNumber(arg(2, "max") ?? kw.get("a_max"), e) });
      case "expand_dims":
      case "unsqueeze": {
        const x = node(0);
        const axis = this.axisArg(arg(1, "axis") ?? kw.get("dim"), e, 0);
        const ax = axis < 0 ? axis + x.value.rank + 1 : axis;
        return this.apply("reshape", [x], e, { shape: [...x.value.shape.slice(0, ax), 1, ...x.value.shape.slice(ax)] });
      }
      case "squeeze": {
        const x = node(0);
        return this.apply("reshape", [x], e, { shape: x.value.shape.filter((d) => d !== 1) });
      }
      case "copy":
      case "array":
      case "asarray":
      case "tensor":
        return args[0]?.kind === "node" ? this.apply("copy", [args[0].node], e) : { kind: "node", node: this.asNode(args[0] ?? { kind: "none" }, e) };
      case "linear": {
        // F.linear(x, W, b) = x @ W.T + b
        const wT = this.apply("transpose", [node(1)], e) as { kind: "node"; node: GNode };
        let out = this.apply("matmul", [node(0), wT.node], e);
        const b = arg(2, "bias");
        if (b && b.kind !== "none" && out.kind === "node") out = this.apply("add", [out.node, this.asNode(b, e)], e);
        return out;
      }
      default:
        break;
    }
    throw new GraphStop(`${path.replace(/^numpy\./, "np.")} is not in GradLens's op table yet`, e.from);
  }

  /** Constructors and random arrays: constants of the graph. */
  private constructor_(name: string, args: GVal[], kw: Map<string, GVal>, e: A.CallExpr): GVal | undefined {
    const shapeOf = (vals: GVal[]) => this.shapeArg(vals, undefined, e);
    let t: Tensor | undefined;
    switch (name) {
      case "zeros":
      case "ones":
      case "empty":
        t = Tensor.full(shapeOf(args.length ? args : [kw.get("shape") ?? { kind: "tuple", items: [] }]), name === "ones" ? 1 : 0);
        break;
      case "full":
        t = Tensor.full(shapeOf([args[0]]), this.number(args[1], e));
        break;
      case "zeros_like":
      case "ones_like":
        t = Tensor.full(this.asNode(args[0], e).value.shape, name === "ones_like" ? 1 : 0);
        break;
      case "eye": {
        const n = this.number(args[0], e);
        t = Tensor.zeros([n, n]);
        for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
        break;
      }
      case "arange": {
        const nums = args.map((a) => this.number(a, e));
        const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
        const vals: number[] = [];
        for (let i = start; step > 0 ? i < stop : i > stop; i += step) vals.push(i);
        t = Tensor.from(vals);
        break;
      }
      case "random.randn":
      case "randn":
        t = this.rng.randn(shapeOf(args));
        break;
      case "random.rand":
      case "rand":
        t = this.rng.rand(shapeOf(args));
        break;
      case "random.standard_normal":
      case "random.normal":
      case "random.uniform": {
        const size = kw.get("size") ?? (name === "random.standard_normal" ? args[0] : args[2]);
        t = name === "random.uniform" ? this.rng.rand(size ? shapeOf([size]) : []) : this.rng.randn(size ? shapeOf([size]) : []);
        break;
      }
      case "random.randint":
      case "randint": {
        const lo = this.number(args[0], e);
        const hi = this.number(args[1], e);
        t = this.rng.randint(lo, hi, args[2] ? shapeOf([args[2]]) : []);
        break;
      }
      default:
        return undefined;
    }
    return { kind: "node", node: this.source("const", t, clip(this.text(e), 30), e) };
  }

  private method(self: GVal, name: string, args: GVal[], kw: Map<string, GVal>, e: A.CallExpr): GVal {
    if (self.kind === "dict" && name === "get") {
      const k = args[0];
      return k?.kind === "str" && self.entries.has(k.value) ? self.entries.get(k.value)! : (args[1] ?? { kind: "none" });
    }
    if (self.kind === "list" && name === "append") {
      self.items.push(args[0]);
      return { kind: "none" };
    }
    if (self.kind === "list" && name === "extend") {
      self.items.push(...this.iterate(args[0], e));
      return { kind: "none" };
    }
    if (self.kind !== "node") throw new GraphStop(`.${name}() of ${describe(self)} is not supported in the graph`, e.from);
    const x = self.node;
    const torchStyle = kw.has("dim") || kw.has("keepdim");
    switch (name) {
      case "sum":
      case "mean":
      case "max":
      case "min":
        return this.reduction(name, x, args[0] ?? kw.get("axis") ?? kw.get("dim"), kw.get("keepdims") ?? kw.get("keepdim") ?? (torchStyle ? args[1] : undefined), e);
      case "reshape":
      case "view":
        return this.apply("reshape", [x], e, { shape: this.shapeArg(args, x.value.size, e) });
      case "flatten":
      case "ravel":
        return this.apply("reshape", [x], e, { shape: [x.value.size] });
      case "transpose":
      case "permute":
        return this.transpose(x, args, kw.get("axes"), e, name === "permute" || (name === "transpose" && args.length === 2 && x.value.rank !== 2));
      case "t":
        return this.apply("transpose", [x], e, {});
      case "dot":
      case "matmul":
      case "mm":
        return this.apply("matmul", [x, this.asNode(args[0], e)], e);
      case "copy":
      case "clone":
      case "detach":
      case "contiguous":
      case "astype":
      case "float":
      case "double":
        return this.apply("copy", [x], e);
      case "item":
        this.notes.push(`line ${this.line(e.from) + 1}: .item() turns an array into a number; no gradient flows through it`);
        return { kind: "num", value: x.value.item(), isInt: false };
      case "size":
        if (args.length) return { kind: "num", value: x.value.shape[normAxis(this.number(args[0], e), x.value.rank)], isInt: true };
        return { kind: "tuple", items: x.value.shape.map((d) => ({ kind: "num", value: d, isInt: true })) };
      case "clip":
      case "clamp":
        return this.apply("clip", [x], e, { lo: this.optionalNumber(args[0] ?? kw.get("min"), e), hi: this.optionalNumber(args[1] ?? kw.get("max"), e) });
      case "softmax":
      case "log_softmax":
        return this.apply(name, [x], e, { axis: this.axisArg(args[0] ?? kw.get("dim"), e, -1) });
      case "unsqueeze": {
        const axis = this.axisArg(args[0] ?? kw.get("dim"), e, 0);
        const ax = axis < 0 ? axis + x.value.rank + 1 : axis;
        return this.apply("reshape", [x], e, { shape: [...x.value.shape.slice(0, ax), 1, ...x.value.shape.slice(ax)] });
      }
      case "squeeze":
        return this.apply("reshape", [x], e, { shape: x.value.shape.filter((d) => d !== 1) });
      default:
        break;
    }
    const unary = UNARY[name] ?? UNARY[name.replace(/_$/, "")];
    if (unary) return this.apply(unary, [x], e);
    throw new GraphStop(`the method .${name}() is not in GradLens's op table yet`, e.from);
  }

  private reduction(op: string, x: GNode, axisV: GVal | undefined, keepV: GVal | undefined, e: A.Span): GVal {
    const axis = axisV === undefined || axisV.kind === "none" ? null : axisV.kind === "tuple" || axisV.kind === "list" ? axisV.items.map((i) => this.number(i, e)) : this.number(axisV, e);
    const keepdims = keepV?.kind === "bool" ? keepV.value : false;
    return this.apply(op, [x], e, { axis, keepdims });
  }

  private transpose(x: GNode, args: GVal[], axesKw: GVal | undefined, e: A.Span, swapTwo: boolean): GVal {
    let axes: number[] = [];
    const list = axesKw ?? (args.length === 1 ? args[0] : undefined);
    if (list && (list.kind === "tuple" || list.kind === "list")) axes = list.items.map((i) => this.number(i, e));
    else if (args.length) axes = args.map((a) => this.number(a, e));
    if (swapTwo && axes.length === 2) {
      const perm = x.value.shape.map((_, i) => i);
      const a = normAxis(axes[0], x.value.rank);
      const b = normAxis(axes[1], x.value.rank);
      [perm[a], perm[b]] = [perm[b], perm[a]];
      axes = perm;
    }
    return this.apply("transpose", [x], e, { axes });
  }

  private shapeArg(vals: GVal[], total: number | undefined, e: A.Span): number[] {
    const flat = vals.length === 1 && (vals[0].kind === "tuple" || vals[0].kind === "list") ? vals[0].items : vals;
    const dims = flat.map((v) => this.number(v, e));
    const free = dims.indexOf(-1);
    if (free >= 0 && total !== undefined) {
      const rest = dims.reduce((p, d, i) => (i === free ? p : p * d), 1);
      dims[free] = rest ? total / rest : 0;
    }
    return dims;
  }

  private axisArg(v: GVal | undefined, e: A.Span, fallback: number): number {
    return v === undefined || v.kind === "none" ? fallback : this.number(v, e);
  }

  private optionalNumber(v: GVal | undefined, e: A.Span): number | null {
    return v === undefined || v.kind === "none" ? null : this.number(v, e);
  }

  private number(v: GVal | undefined, e: A.Span): number {
    if (v?.kind === "num") return v.value;
    if (v?.kind === "bool") return v.value ? 1 : 0;
    if (v?.kind === "node" && v.node.value.size === 1) return v.node.value.data[0];
    throw new GraphStop(`a number is needed here, not ${v ? describe(v) : "nothing"}`, e.from);
  }
}

const BUILTINS = new Set(["range", "len", "float", "int", "abs", "max", "min", "sum", "print", "isinstance", "enumerate", "zip", "reversed", "list", "tuple", "super"]);

/**
 * numpy/torch names of the elementwise ops the graph can evaluate. Not library.ts's
 * table: that one maps names by shape (erf to tanh, say), while here only exact
 * synonyms are allowed, since the numbers must be right.
 */
const UNARY: Record<string, string> = {
  exp: "exp",
  log: "log",
  log1p: "log1p",
  expm1: "expm1",
  sqrt: "sqrt",
  square: "square",
  abs: "abs",
  absolute: "abs",
  tanh: "tanh",
  sigmoid: "sigmoid",
  relu: "relu",
  softplus: "softplus",
  sin: "sin",
  cos: "cos",
  negative: "neg",
  neg: "neg",
  reciprocal: "reciprocal",
  softmax: "softmax",
  log_softmax: "log_softmax",
};

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  "<": (a, b) => a < b,
  ">": (a, b) => a > b,
  "<=": (a, b) => a <= b,
  ">=": (a, b) => a >= b,
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
};

function pythonArithmetic(op: string, l: { value: number | boolean }, r: { value: number | boolean }, span: A.Span): GVal {
  const a = Number(l.value);
  const b = Number(r.value);
  const ints = (l as { isInt?: boolean }).isInt !== false && (r as { isInt?: boolean }).isInt !== false && Number.isInteger(a) && Number.isInteger(b);
  const num = (value: number, isInt = ints): GVal => ({ kind: "num", value, isInt });
  switch (op) {
    case "+":
      return num(a + b);
    case "-":
      return num(a - b);
    case "*":
      return num(a * b);
    case "/":
      return num(a / b, false);
    case "//":
      return num(Math.floor(a / b));
    case "%":
      return num(((a % b) + b) % b);
    case "**":
      return num(Math.pow(a, b), ints && b >= 0);
    default:
      if (COMPARE[op]) return { kind: "bool", value: COMPARE[op](a, b) };
      throw new GraphStop(`the operator ${op} is not supported on numbers here`, span.from);
  }
}

function toNestedValue(v: GVal, what: string): import("./types.js").Nested {
  if (v.kind === "num") return v.value;
  if (v.kind === "bool") return v.value ? 1 : 0;
  if (v.kind === "node") return v.node.value.toNested();
  if (v.kind === "list" || v.kind === "tuple") return v.items.map((i) => toNestedValue(i, what));
  throw new Error(`${what} is not an array of numbers`);
}

export function describe(v: GVal): string {
  switch (v.kind) {
    case "node":
      return `an array of shape (${v.node.value.shape.join(", ")})`;
    case "num":
      return "a number";
    case "object":
      return `a ${v.cls.name}`;
    case "ref":
      return v.path;
    default:
      return `a ${v.kind}`;
  }
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

export function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(6)).toString();
}
