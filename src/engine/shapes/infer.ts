import type * as A from "../python/ast.js";
import { parseModule, positionOf } from "../python/parse.js";
import {
  type Dim,
  type Shape,
  addDim,
  certainlyDifferent,
  floorDivDim,
  formatShape,
  mulDim,
  subDim,
  symbolsOf,
} from "./dim.js";
import { OPS, type OpParams, type ShapeClash, type IndexItemSpec } from "./ops.js";
import {
  type StatedShape,
  defCommentShapes,
  docstringShapes,
  shapeFromAnnotation,
  trailingCommentShape,
} from "./sources.js";
import {
  type ClassInfo,
  type ObjectValue,
  type ShapeSource,
  type TensorValue,
  type Value,
  UNKNOWN,
  anyAssumed,
  describeKind,
  explain,
  type Explanation,
  joinShapes,
  joinValues,
  sameValue,
  shapeOf,
  tensor,
} from "./values.js";
import { callLibrary, callMethod, attributeOf, canonicalImport, dimOf, looksLikeSize, type LibraryContext } from "./library.js";

/**
 * Shape inference for one Python file: every function is read once with the shapes
 * its parameters are stated to have, by abstract interpretation over `Value`s.
 * Calls of functions in the same file are read again with the caller's arguments.
 */

export interface ShapeFact {
  /** `z1`, `self.W`, or a parameter's name */
  name: string;
  /** 0-based */
  line: number;
  column: number;
  from: number;
  to: number;
  shape: Shape;
  /** what the value is: array, int, float, tuple, a layer's name, ... */
  type: string;
  source: ShapeSource;
  /** For an int: its value as a dim (`N = x.shape[0]` is N). */
  dim?: Dim;
  how?: Explanation;
  /** The enclosing function (`Class.method`), or `<module>`. */
  scope: string;
  isTarget: boolean;
  isParam?: boolean;
}

export interface ShapeDiagnostic {
  from: number;
  to: number;
  line: number;
  column: number;
  severity: "error" | "warning";
  message: string;
  code: "shape-mismatch" | "comment-mismatch" | "annotation-mismatch";
  fix?: { title: string; from: number; to: number; text: string };
}

export interface FileShapes {
  /** Assignment targets and parameters whose shape is known, in source order. */
  symbols: ShapeFact[];
  /** Every name read or written, for hovers on uses too. */
  occurrences: ShapeFact[];
  diagnostics: ShapeDiagnostic[];
  /** Where each symbol came from, per scope: `N` → "X's docstring". */
  dimOrigins: Map<string, Map<string, string>>;
  /** Constructs GradLens could not model (an unknown op), said once each. */
  skipped: string[];
  module: A.Module;
  /** Set when only part of the module was analysed. */
  range?: A.Span;
}

/** Analyses a file's text. */
export function analyzeShapes(text: string): FileShapes {
  return analyzeModule(parseModule(text));
}

/**
 * Analyses a module; given a range, only the top-level functions and classes that
 * overlap it (with whatever they call). The language server answers a hover or the
 * inlay hints of the visible lines that way right after an edit, without waiting
 * for the whole file.
 */
export function analyzeModule(module: A.Module, range?: A.Span): FileShapes {
  return new Analyzer(module).run(range);
}

type Env = Map<string, Value>;

interface Frame {
  env: Env;
  scope: string;
  record: boolean;
  returns: Value[];
  self?: ObjectValue;
  origins: Map<string, string>;
  depth: number;
}

const MAX_CALL_DEPTH = 4;
const LOOP_PASSES = 3;

class Analyzer implements LibraryContext {
  private readonly symbols: ShapeFact[] = [];
  private readonly occurrences: ShapeFact[] = [];
  private readonly diagnostics: ShapeDiagnostic[] = [];
  private readonly diagnosticKeys = new Set<string>();
  private readonly skipped = new Set<string>();
  private readonly dimOrigins = new Map<string, Map<string, string>>();
  private readonly functions = new Map<string, A.FunctionDef>();
  private readonly classes = new Map<string, ClassInfo>();
  private readonly moduleEnv: Env = new Map();
  private readonly callMemo = new Map<string, Value>();
  private readonly activeCalls = new Set<A.FunctionDef>();

  constructor(private readonly module: A.Module) {}

  run(range?: A.Span): FileShapes {
    const body = this.module.body;
    for (const s of body) {
      if (s.kind === "def") this.functions.set(s.name, s);
      if (s.kind === "class") this.classes.set(s.name, this.classInfo(s));
    }
    for (const [name, def] of this.functions) this.moduleEnv.set(name, { kind: "function", def });
    for (const [name, cls] of this.classes) this.moduleEnv.set(name, { kind: "class", cls });
    const moduleFrame = this.frame("<module>", this.moduleEnv, true);
    this.block(body.filter((s) => s.kind !== "def" && s.kind !== "class"), moduleFrame);
    for (const s of body) {
      if (range && (s.to < range.from || s.from > range.to)) continue;
      try {
        if (s.kind === "def") this.primaryFunction(s, undefined);
        else if (s.kind === "class") this.primaryClass(this.classes.get(s.name)!);
      } catch (e) {
        this.skip(`${s.kind === "def" || s.kind === "class" ? s.name : "statement"}: internal error ${(e as Error).message}`);
      }
    }
    const byPos = (a: { from: number }, b: { from: number }) => a.from - b.from;
    return {
      symbols: this.symbols.sort(byPos),
      occurrences: this.occurrences.sort(byPos),
      diagnostics: this.diagnostics.sort(byPos),
      dimOrigins: this.dimOrigins,
      skipped: [...this.skipped],
      module: this.module,
      range,
    };
  }

  // ───────────────────────── context for the library module ─────────────────────────

  skip(what: string): void {
    this.skipped.add(what);
  }

  private frame(scope: string, env: Env, record: boolean, self?: ObjectValue, depth = 0): Frame {
    let origins = this.dimOrigins.get(scope);
    if (!origins) {
      origins = new Map();
      if (record) this.dimOrigins.set(scope, origins);
    }
    return { env, scope, record, returns: [], self, origins, depth };
  }

  private pos(offset: number) {
    return positionOf(this.module.lineStarts, offset);
  }

  private text(span: A.Span): string {
    return this.module.text.slice(span.from, span.to);
  }

  private report(f: Frame, span: A.Span, severity: ShapeDiagnostic["severity"], code: ShapeDiagnostic["code"], message: string, fix?: ShapeDiagnostic["fix"]) {
    if (!f.record) return;
    const key = `${span.from}:${span.to}:${message}`;
    if (this.diagnosticKeys.has(key)) return;
    this.diagnosticKeys.add(key);
    const { line, column } = this.pos(span.from);
    this.diagnostics.push({ from: span.from, to: span.to, line, column, severity, message, code, fix });
  }

  private recordFact(f: Frame, name: string, span: A.Span, v: Value, isTarget: boolean, source: ShapeSource = "inferred", isParam = false) {
    if (!f.record) return;
    const { line, column } = this.pos(span.from);
    const fact: ShapeFact = {
      name,
      line,
      column,
      from: span.from,
      to: span.to,
      shape: shapeOf(v) ?? null,
      type: describeKind(v),
      source: v.kind === "tensor" ? (v.source ?? source) : source,
      dim: v.kind === "int" ? v.dim : undefined,
      how: v.kind === "tensor" ? v.how : undefined,
      scope: f.scope,
      isTarget,
      isParam,
    };
    this.occurrences.push(fact);
    if (isTarget) this.symbols.push(fact);
  }

  private noteOrigins(f: Frame, shape: Shape, origin: string) {
    if (!shape) return;
    for (const d of shape) for (const s of symbolsOf(d)) if (!f.origins.has(s)) f.origins.set(s, origin);
  }

  // ──────────────────────────────── classes ────────────────────────────────

  private classInfo(def: A.ClassDef): ClassInfo {
    const methods = new Map<string, A.FunctionDef>();
    for (const s of def.body) if (s.kind === "def") methods.set(s.name, s);
    const baseText = def.bases.map((b) => this.text(b)).join(",");
    return {
      def,
      methods,
      attrs: new Map(),
      isModule: /\b(nn\.)?Module\b/.test(baseText),
      isAutogradFunction: /\bFunction\b/.test(baseText),
    };
  }

  private primaryClass(cls: ClassInfo) {
    const self: ObjectValue = { kind: "object", cls, attrs: cls.attrs };
    // __init__ first so that every method sees the attributes it sets; forward before
    // backward so that what forward caches on self is known to backward.
    const order = [...cls.methods.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.from - b.from);
    for (const m of order) {
      const isStatic = m.decorators.some((d) => /staticmethod/.test(this.text(d)));
      // A torch.autograd.Function's static forward and backward share their ctx: it plays self.
      this.primaryFunction(m, cls, isStatic && !cls.isAutogradFunction ? undefined : self);
    }
    function rank(name: string) {
      return name === "__init__" ? 0 : name === "forward" ? 1 : 2;
    }
  }

  // ──────────────────────────────── functions ────────────────────────────────

  private readonly statedCache = new Map<A.FunctionDef, Map<string, StatedShape & { source: ShapeSource }>>();

  private statedParamShapes(def: A.FunctionDef): Map<string, StatedShape & { source: ShapeSource }> {
    let cached = this.statedCache.get(def);
    if (!cached) {
      cached = this.readStatedParamShapes(def);
      this.statedCache.set(def, cached);
    }
    return cached;
  }

  private readStatedParamShapes(def: A.FunctionDef): Map<string, StatedShape & { source: ShapeSource }> {
    return statedParameterShapes(this.module, def);
  }

  private scopeName(def: A.FunctionDef, cls?: ClassInfo) {
    return cls ? `${cls.def.name}.${def.name}` : def.name;
  }

  /** Reads a function with its parameters as stated (the pass that reports). */
  private primaryFunction(def: A.FunctionDef, cls?: ClassInfo, self?: ObjectValue) {
    const scope = this.scopeName(def, cls);
    const f = this.frame(scope, new Map() /* module names are looked up in moduleEnv */, true, self);
    const stated = this.statedParamShapes(def);
    const pairCache = this.pairedForwardResult(def, cls, self);
    def.params.forEach((p, i) => {
      let v: Value;
      const s = stated.get(p.name);
      if (i === 0 && self && (p.name === "self" || !stated.has(p.name))) v = self;
      else if (s) {
        v = tensor(s.shape, { dtype: s.dtype, source: s.source, how: `stated in ${s.source === "docstring" ? "the docstring" : s.source === "annotation" ? "the annotation" : "a comment"}` });
        this.noteOrigins(f, s.shape, `${p.name}'s ${s.source}`);
      } else if (pairCache && pairCache.has(p.name)) v = pairCache.get(p.name)!;
      else v = this.defaultValue(p);
      f.env.set(p.name, v);
      if (p.name !== "self" && v.kind !== "object") this.recordFact(f, p.name, p, v, v.kind === "tensor" && v.shape !== null, s?.source ?? "inferred", true);
    });
    this.primaryResults.set(def, this.function(def, f, stated));
  }

  /** What a function returns with its parameters as stated; read once, reused by backward. */
  private readonly primaryResults = new Map<A.FunctionDef, Value>();

  private resultAsStated(def: A.FunctionDef, cls?: ClassInfo, self?: ObjectValue): Value {
    return this.primaryResults.get(def) ?? this.callFunction(def, cls, self, [], [], 1);
  }

  /**
   * Backward code reads what forward left behind: `NAME_backward(dout, cache)` gets
   * dout shaped like NAME_forward's output and cache its cache; a gate's
   * `backward(self, dout)` gets dout shaped like its forward's result.
   */
  private pairedForwardResult(def: A.FunctionDef, cls?: ClassInfo, self?: ObjectValue): Map<string, Value> | undefined {
    const names = def.params.map((p) => p.name);
    if (!cls && def.name.endsWith("_backward")) {
      const fwd = this.functions.get(def.name.replace(/_backward$/, "_forward"));
      if (!fwd || names.length < 2) return undefined;
      const result = this.resultAsStated(fwd);
      if (result.kind !== "tuple" || result.items.length < 2) return undefined;
      return new Map([
        [names[0], this.asUpstream(result.items[0])],
        [names[1], result.items[1]],
      ]);
    }
    if (cls && self && def.name === "backward" && names.length >= 2 && cls.methods.has("forward")) {
      const fwd = cls.methods.get("forward")!;
      const result = this.resultAsStated(fwd, cls, self);
      return new Map([[names[1], this.asUpstream(result)]]);
    }
    return undefined;
  }

  private asUpstream(v: Value): Value {
    if (v.kind === "tensor") return tensor(v.shape, { how: "shaped like forward's output" });
    if (v.kind === "float" || v.kind === "int") return tensor([], { how: "shaped like forward's output" });
    return UNKNOWN;
  }

  private defaultValue(p: A.Param): Value {
    if (p.star === "star") return { kind: "tuple", items: [] };
    if (p.star === "double-star") return { kind: "dict", entries: new Map() };
    const ann = p.annotation?.kind === "name" ? p.annotation.id : undefined;
    if (ann === "int") return { kind: "int", dim: p.name };
    if (ann === "float") return { kind: "float" };
    if (ann === "bool") return { kind: "bool" };
    const d = p.default;
    if (d?.kind === "number") return d.isInt ? { kind: "int", dim: p.name } : { kind: "float" };
    if (d?.kind === "const") return d.value === null ? { kind: "unknown", name: p.name } : { kind: "bool" };
    if (d?.kind === "string") return { kind: "str", value: d.value };
    if (d?.kind === "binary" || (d?.kind === "unary" && d.operand.kind === "number")) {
      return { kind: "int", dim: p.name };
    }
    return { kind: "unknown", name: p.name };
  }

  private function(def: A.FunctionDef, f: Frame, stated?: Map<string, StatedShape & { source: ShapeSource }>): Value {
    const docFill = stated ?? this.statedParamShapes(def);
    (f as Frame & { docFill?: typeof docFill }).docFill = docFill;
    this.block(def.body, f);
    if (f.returns.length === 0) return { kind: "none" };
    return f.returns.reduce(joinValues);
  }

  /** Reads a same-file function again with the caller's arguments. */
  callFunction(def: A.FunctionDef, cls: ClassInfo | undefined, self: ObjectValue | undefined, args: Value[], keywords: [string, Value][], depth: number): Value {
    if (depth > MAX_CALL_DEPTH || this.activeCalls.has(def)) return UNKNOWN;
    const stated = this.statedParamShapes(def);
    const env: Env = new Map() /* module names are looked up in moduleEnv */;
    const params = def.params.filter((p, i) => !(i === 0 && self && p.name !== undefined));
    const kw = new Map(keywords);
    let k = 0;
    const bound: Value[] = [];
    for (const p of params) {
      let v: Value | undefined;
      if (p.star === "star") v = { kind: "tuple", items: args.slice(k) };
      else if (p.star === "double-star") v = { kind: "dict", entries: new Map() };
      else if (kw.has(p.name)) v = kw.get(p.name);
      else if (k < args.length) v = args[k++];
      const s = stated.get(p.name);
      if ((!v || v.kind === "unknown" || (v.kind === "tensor" && v.shape === null)) && s) v = tensor(s.shape, { dtype: s.dtype, source: s.source });
      // A parameter left to its default has that default's value here (`width=32` is 32).
      if (!v && p.default && (p.default.kind === "number" || p.default.kind === "const" || p.default.kind === "string")) v = this.expr(p.default, this.frame("<defaults>", new Map(), false));
      if (!v) v = this.defaultValue(p);
      env.set(p.name, v);
      bound.push(v);
    }
    if (self && def.params[0]) env.set(def.params[0].name, self);
    const key = self ? undefined : `${def.from}|${bound.map(valueKey).join("|")}`;
    if (key && this.callMemo.has(key)) return this.callMemo.get(key)!;
    this.activeCalls.add(def);
    try {
      const f = this.frame(this.scopeName(def, cls), env, false, self, depth);
      const result = this.function(def, f, stated);
      if (key) this.callMemo.set(key, result);
      return result;
    } finally {
      this.activeCalls.delete(def);
    }
  }

  /** `Cls(args)`: a new object whose attributes __init__ sets from those arguments. */
  instantiate(cls: ClassInfo, args: Value[], keywords: [string, Value][], depth: number): Value {
    if (cls.isAutogradFunction) return { kind: "class", cls };
    const obj: ObjectValue = { kind: "object", cls, attrs: new Map() };
    const init = cls.methods.get("__init__");
    if (init) this.callFunction(init, cls, obj, args, keywords, depth + 1);
    // Attributes set outside __init__ (a forward caching its input) stay known.
    for (const [k, v] of cls.attrs) if (!obj.attrs.has(k)) obj.attrs.set(k, v);
    return obj;
  }

  callValue(callee: Value, args: Value[], keywords: [string, Value][], f: Frame, span: A.Span): Value {
    switch (callee.kind) {
      case "function":
        return this.callFunction(callee.def, callee.cls, callee.self, callee.passContext ? [UNKNOWN, ...args] : args, keywords, f.depth + 1);
      case "class":
        return this.instantiate(callee.cls, args, keywords, f.depth);
      case "object": {
        const fwd = callee.cls.methods.get(callee.cls.isModule ? "forward" : "__call__") ?? callee.cls.methods.get("forward");
        return fwd ? this.callFunction(fwd, callee.cls, callee, args, keywords, f.depth + 1) : UNKNOWN;
      }
      default:
        return UNKNOWN;
    }
  }

  // ──────────────────────────────── statements ────────────────────────────────

  private block(stmts: A.Stmt[], f: Frame): void {
    for (const s of stmts) {
      try {
        this.statement(s, f);
      } catch (e) {
        this.skip(`line ${this.pos(s.from).line + 1}: internal error ${(e as Error).message}`);
      }
    }
  }

  private statement(s: A.Stmt, f: Frame): void {
    switch (s.kind) {
      case "assign":
        return this.assign(s, f);
      case "augassign": {
        const current = this.expr(s.target, f);
        const rhs = this.expr(s.value, f);
        const result = this.binaryOp(s.op, current, rhs, s.target, s.value, f, s);
        // In-place arithmetic keeps the target's shape (numpy cannot grow it in place).
        const kept = current.kind === "tensor" && current.shape !== null ? { ...current, how: result.kind === "tensor" ? result.how : current.how } : result;
        this.bind(s.target, kept, f, "inferred");
        return;
      }
      case "expr":
        this.expr(s.value, f);
        return;
      case "return":
        f.returns.push(s.value ? this.expr(s.value, f) : { kind: "none" });
        return;
      case "if": {
        this.expr(s.test, f);
        const constant = this.constantTruth(s.test, f);
        if (constant === true) return this.block(s.body, f);
        if (constant === false) return this.block(s.orElse, f);
        const thenEnv = new Map(f.env);
        const elseEnv = new Map(f.env);
        this.block(s.body, { ...f, env: thenEnv });
        this.block(s.orElse, { ...f, env: elseEnv });
        const thenExits = endsInExit(s.body);
        const elseExits = endsInExit(s.orElse);
        const merged = thenExits && !elseExits ? elseEnv : elseExits && !thenExits ? thenEnv : joinEnvs(thenEnv, elseEnv);
        f.env.clear();
        for (const [k, v] of merged) f.env.set(k, v);
        return;
      }
      case "for": {
        const iter = this.expr(s.iter, f);
        let item = this.iterationItem(iter);
        // `for i in range(n)`: i is a size-like symbol, so `x[i*s : i*s + k]` has length k.
        if (item.kind === "int" && item.dim === null && s.target.kind === "name") item = { kind: "int", dim: s.target.id };
        const before = new Map(f.env);
        this.loop(f, (env) => {
          const lf = { ...f, env };
          this.bind(s.target, item, lf, "inferred");
          this.block(s.body, lf);
        });
        // `hs = []` then `hs.append(h)` once per pass of `for t in range(T)`: T items.
        const passes = iter.kind === "list" ? (iter.items ? iter.items.length : iter.length) : iter.kind === "tensor" && iter.shape?.length ? iter.shape[0] : undefined;
        if (passes !== undefined && passes !== null) {
          for (const [name, was] of before) {
            const now = f.env.get(name);
            if (was.kind === "list" && was.items?.length === 0 && now?.kind === "list" && !now.items && now.item && appendsOncePerPass(s.body, name)) {
              f.env.set(name, { ...now, length: passes });
            }
          }
        }
        this.block(s.orElse, f);
        return;
      }
      case "while":
        this.loop(f, (env) => {
          const lf = { ...f, env };
          this.expr(s.test, lf);
          this.block(s.body, lf);
        });
        this.block(s.orElse, f);
        return;
      case "with":
        for (const it of s.items) {
          const v = this.expr(it.context, f);
          if (it.alias) this.bind(it.alias, v, f, "inferred");
        }
        return this.block(s.body, f);
      case "try": {
        this.block(s.body, f);
        for (const h of s.handlers) {
          const env = new Map(f.env);
          this.block(h, { ...f, env });
        }
        this.block(s.orElse, f);
        this.block(s.finalBody, f);
        return;
      }
      case "def":
        f.env.set(s.name, { kind: "function", def: s });
        if (f.record) {
          const nested = this.frame(`${f.scope}.${s.name}`, new Map(f.env), true);
          const stated = this.statedParamShapes(s);
          for (const p of s.params) {
            const st = stated.get(p.name);
            nested.env.set(p.name, st ? tensor(st.shape, { source: st.source }) : this.defaultValue(p));
          }
          this.function(s, nested, stated);
        }
        return;
      case "class":
        f.env.set(s.name, { kind: "class", cls: this.classes.get(s.name) ?? this.classInfo(s) });
        return;
      case "other":
        if (s.what === "import" || s.what === "from") this.importStatement(s, f);
        return;
    }
  }

  /** Runs a loop body until the environment stops changing, then once more to report. */
  private loop(f: Frame, body: (env: Env) => void) {
    let env = new Map(f.env);
    for (let pass = 0; pass < LOOP_PASSES; pass++) {
      const next = new Map(env);
      const save = f.record;
      try {
        f.record = false;
        body(next);
      } finally {
        f.record = save;
      }
      const joined = joinEnvs(env, next);
      if (envsEqual(joined, env)) break;
      env = joined;
    }
    // Values that still change after the passes become unknown where they differ.
    const final = new Map(env);
    body(final);
    const merged = joinEnvs(env, final);
    f.env.clear();
    for (const [k, v] of merged) f.env.set(k, v);
  }

  private constantTruth(test: A.Expr, f: Frame): boolean | undefined {
    if (test.kind === "const" && typeof test.value === "boolean") return test.value;
    if (test.kind === "binary" && (test.op === "is" || test.op === "is not") && test.right.kind === "const" && test.right.value === null) {
      const v = this.peek(test.left, f);
      if (!v) return undefined;
      const isNone = v.kind === "none" ? true : v.kind === "tensor" || v.kind === "int" || v.kind === "float" ? false : undefined;
      if (isNone === undefined) return undefined;
      return test.op === "is" ? isNone : !isNone;
    }
    return undefined;
  }

  /** The current value of a name or attribute, without recording anything. */
  private peek(e: A.Expr, f: Frame): Value | undefined {
    if (e.kind === "name") return f.env.get(e.id);
    return undefined;
  }

  private iterationItem(iter: Value): Value {
    if (iter.kind === "tensor") return tensor(iter.shape && iter.shape.length ? iter.shape.slice(1) : null, { dtype: iter.dtype });
    if (iter.kind === "list") return iter.item ?? (iter.items && iter.items.length ? iter.items.reduce(joinValues) : UNKNOWN);
    if (iter.kind === "tuple") return iter.items.length ? iter.items.reduce(joinValues) : UNKNOWN;
    if (iter.kind === "layer" && iter.layers) return iter.layers.length ? iter.layers.reduce(joinValues) : UNKNOWN;
    return UNKNOWN;
  }

  private importStatement(s: A.OtherStmt, f: Frame) {
    const text = this.text(s);
    for (const [local, path] of canonicalImport(text)) f.env.set(local, { kind: "ref", path });
  }

  private assign(s: A.AssignStmt, f: Frame) {
    let v: Value = s.value ? this.expr(s.value, f) : UNKNOWN;
    let source: ShapeSource = "inferred";
    const ann = shapeFromAnnotation(s.annotation);
    if (ann) {
      if (v.kind === "tensor" && v.shape && ann.shape && conflicts(v.shape, ann.shape)) {
        this.report(f, s.targets[0] ?? s, "warning", "annotation-mismatch", `the annotation says ${formatShape(ann.shape)} but the code gives ${formatShape(v.shape)}`);
      } else if (v.kind !== "tensor" || v.shape === null) {
        v = tensor(ann.shape, { dtype: ann.dtype, source: "annotation", how: "stated in the annotation" });
        source = "annotation";
      } else {
        v = { ...v, shape: fillUnknown(v.shape, ann.shape) };
      }
      if (s.targets.length === 0 && s.annotation) {
        // `x: Float[...]` alone declares a name.
        const target = { ...s, kind: "name", id: this.text(s).split(":")[0].trim() } as unknown as A.NameExpr;
        if (/^[A-Za-z_]\w*$/.test(target.id)) this.bind(target, v, f, "annotation");
        return;
      }
    }
    const endLine = this.pos(Math.max(s.from, s.to - 1)).line;
    const comment = this.module.commentOnLine(endLine);
    if (comment && comment.from >= s.to && s.targets.length === 1) {
      const stated = trailingCommentShape(comment.text);
      if (stated !== undefined && stated !== null) {
        if (v.kind === "tensor" && v.shape && conflicts(v.shape, stated, new Set(f.origins.keys()))) {
          this.report(f, s.targets[0], "warning", "comment-mismatch", `the comment says ${formatShape(stated)} but GradLens infers ${formatShape(v.shape)}`);
        } else if (v.kind === "tensor" || v.kind === "unknown") {
          const before = v.kind === "tensor" ? v.shape : null;
          const filled = before ? fillUnknown(before, stated) : stated;
          if (!before || filled.some((d, i) => d !== before[i])) {
            v = tensor(filled, { dtype: v.kind === "tensor" ? v.dtype : undefined, source: "comment", how: "stated in a comment" });
            source = "comment";
          }
        }
      }
    }
    for (const t of s.targets) this.bind(t, v, f, source);
  }

  /** Binds a value to an assignment target: a name, `self.x`, a tuple, a subscript. */
  private bind(target: A.Expr, v: Value, f: Frame, source: ShapeSource): void {
    switch (target.kind) {
      case "name": {
        let value = v;
        const fill = (f as Frame & { docFill?: Map<string, StatedShape & { source: ShapeSource }> }).docFill?.get(target.id);
        // A docstring line naming a local (`- x: ... of shape (N, D)` under `cache:`)
        // fills what inference cannot reach.
        if (fill && fill.shape !== null && (value.kind === "unknown" || (value.kind === "tensor" && value.shape === null))) {
          value = tensor(fill.shape, { source: "docstring", how: "stated in the docstring" });
        }
        f.env.set(target.id, value);
        this.recordFact(f, target.id, target, value, true, value === v ? source : "docstring");
        return;
      }
      case "attribute": {
        const owner = this.expr(target.object, f);
        if (owner.kind === "object") {
          owner.attrs.set(target.attr, v);
          if (owner.attrs !== owner.cls.attrs && f.record) owner.cls.attrs.set(target.attr, v);
        }
        if (target.object.kind === "name") this.recordFact(f, `${target.object.id}.${target.attr}`, target, v, true, source);
        return;
      }
      case "tuple":
      case "list": {
        const n = target.elements.length;
        const starAt = target.elements.findIndex((e) => e.kind === "starred");
        const items = this.unpack(v, n, starAt, target, f);
        target.elements.forEach((e, i) => this.bind(e.kind === "starred" ? e.value : e, items[i], f, source));
        return;
      }
      case "subscript": {
        const owner = this.expr(target.object, f);
        if (owner.kind === "dict" && target.index.length === 1) {
          const key = target.index[0];
          if (key.kind === "string") {
            owner.entries.set(key.value, v);
            this.recordFact(f, this.text(target), target, v, true, source);
          }
        }
        // `x[i] = y`: assignment into an array does not change its shape.
        return;
      }
      default:
        return;
    }
  }

  private unpack(v: Value, n: number, starAt: number, target: A.SequenceExpr, f: Frame): Value[] {
    const fixed = starAt >= 0 ? n - 1 : n;
    if (v.kind === "tuple" || (v.kind === "list" && v.items)) {
      const items = v.kind === "tuple" ? v.items : v.items!;
      if (starAt < 0) return Array.from({ length: n }, (_, i) => items[i] ?? UNKNOWN);
      const tail = n - starAt - 1;
      return [
        ...items.slice(0, starAt),
        { kind: "list", items: items.slice(starAt, items.length - tail) },
        ...items.slice(items.length - tail),
      ];
    }
    if (v.kind === "list" && v.item && starAt < 0) return Array.from({ length: n }, () => v.item!);
    if (v.kind === "tensor") {
      const row = tensor(v.shape && v.shape.length ? v.shape.slice(1) : null, { dtype: v.dtype });
      return Array.from({ length: n }, () => row);
    }
    // `N, D = x.shape` with x's shape not known: the names become x's dims.
    if (v.kind === "unknown" && v.shapeOf && starAt < 0) {
      const dims: Dim[] = target.elements.map((e) => (e.kind === "name" && e.id !== "_" ? e.id : null));
      this.nameDims(v.shapeOf, dims, f);
      return dims.map((d) => ({ kind: "int", dim: d }) as Value);
    }
    return Array.from({ length: fixed + (starAt >= 0 ? 1 : 0) }, () => UNKNOWN);
  }

  /** `N, D = x.shape` on an x of unknown shape: x becomes (N, D). */
  private nameDims(owner: A.Expr, dims: Dim[], f: Frame) {
    if (owner.kind !== "name") return;
    const current = f.env.get(owner.id);
    if (!current || current.kind === "unknown" || (current.kind === "tensor" && current.shape === null)) {
      f.env.set(owner.id, tensor(dims, { how: "named by unpacking its shape" }));
      this.noteOrigins(f, dims, `unpacking ${owner.id}'s shape`);
    } else if (current.kind === "tensor" && current.shape && current.shape.length === dims.length) {
      f.env.set(owner.id, { ...current, shape: current.shape.map((d, i) => d ?? dims[i]) });
    }
  }

  // ──────────────────────────────── expressions ────────────────────────────────

  expr(e: A.Expr, f: Frame): Value {
    const v = this.exprInner(e, f);
    if (e.kind === "name" && f.record && (v.kind === "tensor" || v.kind === "int")) this.recordFact(f, e.id, e, v, false);
    return v;
  }

  private exprInner(e: A.Expr, f: Frame): Value {
    switch (e.kind) {
      case "name": {
        const v = f.env.get(e.id) ?? this.moduleEnv.get(e.id) ?? builtinRef(e.id);
        // An unknown keeps the name it is read under: used as a size, it is that symbol;
        // so does an int of unknown value (`n_keep = int(L * ratio)` is n_keep).
        if (v?.kind === "int" && v.dim === null) return { ...v, dim: e.id };
        return !v || (v.kind === "unknown" && !v.name && !v.shapeOf && v.asDim === undefined) ? { kind: "unknown", name: e.id } : v;
      }
      case "number":
        return e.isInt ? { kind: "int", dim: e.value } : { kind: "float" };
      case "string":
        return { kind: "str", value: e.value };
      case "const":
        return e.value === null ? { kind: "none" } : e.value === "..." ? UNKNOWN : { kind: "bool", value: e.value };
      case "tuple":
      case "list":
      case "set": {
        const items: Value[] = [];
        let lengthKnown = true;
        for (const el of e.elements) {
          if (el.kind === "starred") {
            const inner = this.expr(el.value, f);
            if (inner.kind === "tuple") items.push(...inner.items);
            else lengthKnown = false;
          } else items.push(this.expr(el, f));
        }
        if (e.kind === "tuple") return lengthKnown ? { kind: "tuple", items } : UNKNOWN;
        return { kind: "list", items: lengthKnown ? items : null, item: items.length ? items.reduce(joinValues) : undefined };
      }
      case "dict": {
        const entries = new Map<string, Value>();
        e.keys.forEach((k, i) => {
          const v = this.expr(e.values[i], f);
          if (k && k.kind === "string") entries.set(k.value, v);
        });
        return { kind: "dict", entries };
      }
      case "attribute": {
        const obj = this.expr(e.object, f);
        let v = this.attribute(obj, e);
        if ((e.attr === "shape" || e.attr === "size") && v.kind === "unknown" && (obj.kind === "unknown" || (obj.kind === "tensor" && obj.shape === null))) {
          v = { kind: "unknown", shapeOf: e.object };
        }
        if (e.object.kind === "name" && e.object.id === "self" && f.record && (v.kind === "tensor" || v.kind === "int")) {
          this.recordFact(f, `self.${e.attr}`, e, v, false);
        }
        return v;
      }
      case "call":
        return this.call(e, f);
      case "subscript":
        return this.subscript(e, f);
      case "binary": {
        const l = this.expr(e.left, f);
        const r = this.expr(e.right, f);
        return this.binaryOp(e.op, l, r, e.left, e.right, f, e);
      }
      case "unary": {
        const v = this.expr(e.operand, f);
        if (e.op === "not") return { kind: "bool" };
        if (v.kind === "int") return { kind: "int", dim: e.op === "-" ? mulDim(-1, v.dim) : v.dim };
        if (v.kind === "tensor") return tensor(v.shape, { dtype: v.dtype, how: v.how });
        return v;
      }
      case "conditional": {
        this.expr(e.test, f);
        return joinValues(this.expr(e.body, f), this.expr(e.orElse, f));
      }
      case "starred":
        return this.expr(e.value, f);
      case "comprehension": {
        // The element read once with the loop variable bound to an item, in its own scope.
        const iter = this.expr(e.iter, f);
        let item = this.iterationItem(iter);
        if (item.kind === "int" && item.dim === null && e.target.kind === "name") item = { kind: "int", dim: e.target.id };
        const inner: Frame = { ...f, env: new Map(f.env), record: false };
        this.bind(e.target, item, inner, "inferred");
        for (const c of e.conditions) this.expr(c, inner);
        const element = e.nested ? UNKNOWN : this.expr(e.element, inner);
        const length = e.conditions.length || e.nested ? undefined : iter.kind === "list" ? (iter.items ? iter.items.length : iter.length) : iter.kind === "tensor" && iter.shape?.length ? iter.shape[0] : iter.kind === "tuple" ? iter.items.length : undefined;
        return { kind: "list", items: null, item: element, ...(length !== undefined && length !== null ? { length } : {}) };
      }
      case "unknown":
        return UNKNOWN;
    }
  }

  private attribute(obj: Value, e: A.AttributeExpr): Value {
    if (obj.kind === "object") {
      if (obj.attrs.has(e.attr)) return obj.attrs.get(e.attr)!;
      if (obj.cls.attrs.has(e.attr)) return obj.cls.attrs.get(e.attr)!;
      const m = obj.cls.methods.get(e.attr);
      if (m) return { kind: "function", def: m, cls: obj.cls, self: obj };
      return { kind: "unknown", name: e.attr };
    }
    if (obj.kind === "class") {
      // `Fn.apply(x, w)` on a torch.autograd.Function runs `forward(ctx, x, w)`.
      if (e.attr === "apply" && obj.cls.isAutogradFunction && obj.cls.methods.has("forward")) {
        return { kind: "function", def: obj.cls.methods.get("forward")!, cls: obj.cls, passContext: true } as Value;
      }
      const m = obj.cls.methods.get(e.attr);
      if (m) return { kind: "function", def: m, cls: obj.cls };
      return UNKNOWN;
    }
    if (obj.kind === "dict") return UNKNOWN;
    if (obj.kind === "tuple" && obj.names) {
      const i = obj.names.indexOf(e.attr);
      return i >= 0 ? (obj.items[i] ?? UNKNOWN) : UNKNOWN;
    }
    // By convention `rng` is a numpy Generator (`rng = np.random.default_rng(seed)`).
    if (obj.kind === "unknown" && obj.name && /(^|_)rng$|^(generator|random_state)$/.test(obj.name)) obj = { kind: "ref", path: "numpy.rng" };
    const v = attributeOf(obj, e.attr);
    if (v.kind === "unknown" && obj.kind === "unknown") return { kind: "unknown", name: e.attr };
    return v;
  }

  private call(e: A.CallExpr, f: Frame): Value {
    const callee = this.expr(e.callee, f);
    if (callee.kind === "unknown" && callee.shapeOf && e.args.length === 0) return callee;
    const args: Value[] = [];
    for (const a of e.args) {
      if (a.kind === "starred") {
        const v = this.expr(a.value, f);
        if (!a.double && v.kind === "tuple") args.push(...v.items);
        else if (!a.double) args.push(UNKNOWN);
      } else args.push(this.expr(a, f));
    }
    const keywords: [string, Value][] = e.keywords.map((k) => [k.name, this.expr(k.value, f)]);
    // `ctx.save_for_backward(x, w)`: what backward's `ctx.saved_tensors` gives back.
    if (e.callee.kind === "attribute" && e.callee.attr === "save_for_backward") {
      const ctx = this.expr(e.callee.object, f);
      if (ctx.kind === "object") {
        const saved: Value = { kind: "tuple", items: args };
        ctx.attrs.set("saved_tensors", saved);
        if (f.record) ctx.cls.attrs.set("saved_tensors", saved);
      }
      return { kind: "none" };
    }
    // `outs.append(h)` in a loop: the list's length is unknown, its items are like h.
    if (e.callee.kind === "attribute" && e.callee.object.kind === "name" && (e.callee.attr === "append" || e.callee.attr === "extend")) {
      const list = f.env.get(e.callee.object.id);
      if (list?.kind === "list" && args[0]) {
        const added = e.callee.attr === "append" ? args[0] : args[0].kind === "list" ? args[0].item : undefined;
        const item = added ? (list.item ? joinValues(list.item, added) : list.items && list.items.length ? list.items.reduce(joinValues, added) : added) : undefined;
        f.env.set(e.callee.object.id, { kind: "list", items: null, item });
        return { kind: "none" };
      }
    }
    let result: Value;
    let clash: ShapeClash | undefined;
    if (callee.kind === "ref" || callee.kind === "method" || callee.kind === "layer") {
      const r =
        callee.kind === "method"
          ? callMethod(callee.self, callee.name, args, keywords, this, e)
          : callLibrary(callee, args, keywords, this, e);
      result = r.value;
      clash = r.clash;
      if (r.unknownOp && f.record) this.skip(`line ${this.pos(e.from).line + 1}: ${r.unknownOp} is not in GradLens's op table; its result's shape is unknown`);
    } else {
      result = this.callValue(callee, args, keywords, f, e);
    }
    const assumed = anyAssumed(callee.kind === "method" ? callee.self : undefined, ...args, ...keywords.map(([, v]) => v));
    if (clash) {
      if (!assumed) this.report(f, e, "error", "shape-mismatch", clash.message, this.quickFix(clash, e));
      return tensor(null);
    }
    if (assumed && result.kind === "tensor") result = { ...result, assumed };
    if (result.kind === "tensor" && !result.how && result.shape) {
      const shape = result.shape;
      result = { ...result, how: () => `${this.callHow(e, callee, args)} → ${formatShape(shape)}` };
    }
    return result;
  }

  /** `x (N, D).sum(axis=0)`, or a chain `…; .transpose(1, 2)`, for the hover. */
  private callHow(e: A.CallExpr, callee: Value, args: Value[]): string {
    const argsText = clip(this.text({ from: e.callee.to, to: e.to }), 40);
    if (callee.kind === "method" && e.callee.kind === "attribute" && callee.self.kind === "tensor") {
      const objText = this.text(e.callee.object);
      if (/^[\w.]+$/.test(objText)) return `${objText} ${formatShape(callee.self.shape)}.${callee.name}${argsText}`;
      if (callee.self.how) return `${explain(callee.self.how)}; .${callee.name}${argsText}`;
    }
    const full = this.text(e);
    if (full.length <= 48) return full;
    const argText = e.args.length === 1 && e.keywords.length === 0 ? this.operandText(e.args[0], args[0]) : "…";
    return `${this.calleeText(e.callee)}(${argText})`;
  }

  private calleeText(e: A.Expr): string {
    const t = this.text(e);
    return t.length > 40 ? t.slice(0, 40) + "…" : t;
  }

  private operandText(e: A.Expr, v: Value): string {
    const t = this.text(e);
    const shape = shapeOf(v);
    const simple = /^[\w.]+$/.test(t) && t.length <= 30;
    if (v.kind === "tensor" && v.how && !simple) return `(${explain(v.how)})`;
    if (!simple) return t.length > 30 ? t.slice(0, 30) + "…" : t;
    return shape && v.kind === "tensor" ? `${t} ${formatShape(shape)}` : t;
  }

  private quickFix(c: ShapeClash, e: A.CallExpr | A.BinaryExpr): ShapeDiagnostic["fix"] {
    if (!c.fix || e.kind !== "binary") return undefined;
    const operand = c.fix === "transpose-left" ? e.left : e.right;
    const t = this.text(operand);
    const wrapped = /^[\w.\]\[]+$/.test(t) ? `${t}.T` : `(${t}).T`;
    return { title: `Transpose ${c.fix === "transpose-left" ? "the left" : "the right"} operand: ${wrapped}`, from: operand.from, to: operand.to, text: wrapped };
  }

  binaryOp(op: string, l: Value, r: Value, le: A.Expr, re: A.Expr, f: Frame, span: A.Span): Value {
    // `C // self.n_head`, `H - ph`: an unknown in size arithmetic is taken for a size,
    // by name. Unless its name says so, that is an assumption, never grounds for an error.
    if (SIZE_ARITHMETIC.has(op)) {
      const asInt = (v: Value, other: Value): Value =>
        v.kind === "unknown" && v.name && (other.kind === "int" || (other.kind === "unknown" && other.name && (op === "//" || looksLikeSize(other.name))))
          ? { kind: "int", dim: v.name, ...(looksLikeSize(v.name) || op === "//" ? {} : { assumed: true }) }
          : v;
      [l, r] = [asInt(l, r), asInt(r, l)];
    }
    const assumed = anyAssumed(l, r);
    // `p * p * 3` of unknowns: not known to be ints, but if used as a size, that dim.
    if (SIZE_ARITHMETIC.has(op) && (l.kind === "unknown" || r.kind === "unknown") && (l.kind === "unknown" || l.kind === "int") && (r.kind === "unknown" || r.kind === "int")) {
      const a = dimOf(l);
      const b = dimOf(r);
      const dim = a === null || b === null ? null : op === "+" ? addDim(a, b) : op === "-" ? subDim(a, b) : op === "*" ? mulDim(a, b) : floorDivDim(a, b);
      return dim === null ? UNKNOWN : { kind: "unknown", asDim: dim };
    }
    if (op === "**" && l.kind === "int" && r.kind === "int" && typeof r.dim === "number" && r.dim >= 0 && r.dim <= 8) {
      let dim: Dim = 1;
      for (let i = 0; i < r.dim; i++) dim = mulDim(dim, l.dim);
      return { kind: "int", dim, ...(assumed ? { assumed } : {}) };
    }
    // Python ints stay ints: they are dims (`C // n_head`, `H + 2 * pad`).
    if (l.kind === "int" && r.kind === "int") {
      const int = (dim: Dim): Value => (assumed ? { kind: "int", dim, assumed } : { kind: "int", dim });
      switch (op) {
        case "+":
          return int(addDim(l.dim, r.dim));
        case "-":
          return int(subDim(l.dim, r.dim));
        case "*":
          return int(mulDim(l.dim, r.dim));
        case "//":
          return int(floorDivDim(l.dim, r.dim));
        case "/":
          return { kind: "float" };
        default:
          return COMPARISONS.has(op) ? { kind: "bool" } : { kind: "int", dim: null };
      }
    }
    if (l.kind === "tuple" && r.kind === "tuple" && op === "+") return { kind: "tuple", items: [...l.items, ...r.items] };
    if (l.kind === "list" && r.kind === "list" && op === "+") {
      return { kind: "list", items: l.items && r.items ? [...l.items, ...r.items] : null, item: l.item ?? r.item };
    }
    if ((l.kind === "tuple" || l.kind === "list") && r.kind === "int" && op === "*") return l.kind === "list" ? { kind: "list", items: null, item: l.item } : UNKNOWN;
    if (op === "and" || op === "or") return joinValues(l, r);
    if (op === "in" || op === "not in" || op === "is" || op === "is not") return { kind: "bool" };
    const ls = shapeOf(l);
    const rs = shapeOf(r);
    if (ls === undefined || rs === undefined) {
      if ((l.kind === "float" || l.kind === "int") && (r.kind === "float" || r.kind === "int")) return COMPARISONS.has(op) ? { kind: "bool" } : { kind: "float" };
      // A tensor with an unknown: most often a scalar (`var + eps`), so the tensor's
      // shape is kept, as an assumption that never grounds an error.
      if ((l.kind === "tensor" && r.kind === "unknown") || (r.kind === "tensor" && l.kind === "unknown")) {
        const t = (l.kind === "tensor" ? l : r) as TensorValue;
        if (op === "@") return tensor(null);
        return tensor(t.shape, { dtype: COMPARISONS.has(op) ? "bool" : t.dtype, assumed: true });
      }
      if (l.kind === "tensor" || r.kind === "tensor") return tensor(null, COMPARISONS.has(op) ? { dtype: "bool" } : {});
      return UNKNOWN;
    }
    if (l.kind !== "tensor" && r.kind !== "tensor") {
      return COMPARISONS.has(op) ? { kind: "bool" } : op === "/" || l.kind === "float" || r.kind === "float" ? { kind: "float" } : { kind: "int", dim: null };
    }
    // A Python number in a matmul is more likely GradLens's guess than the user's bug.
    if (op === "@" && (l.kind !== "tensor" || r.kind !== "tensor")) return tensor(null);
    const name = op === "@" ? "matmul" : (BINARY_OPS[op] ?? "compare");
    const spec = OPS[name];
    const result = spec.shape([ls, rs], {});
    if ("clash" in result && assumed) return tensor(null, { assumed });
    if ("clash" in result) {
      const fix = op === "@" ? this.quickFix(result.clash, { kind: "binary", op, left: le, right: re, from: span.from, to: span.to }) : this.keepdimsFix(l, r, le, re);
      this.report(f, span, "error", "shape-mismatch", result.clash.message, fix);
      return tensor(null);
    }
    const shape = result.shape;
    const dtype = COMPARISONS.has(op) ? "bool" : l.kind === "tensor" && r.kind === "tensor" && l.dtype === r.dtype ? l.dtype : l.kind === "tensor" && r.kind !== "tensor" ? l.dtype : undefined;
    const how = this.binaryHow(op, l, r, le, re, shape);
    return tensor(shape, { dtype: dtype === "int" && op === "/" ? "float" : dtype, how, ...(assumed ? { assumed } : {}) });
  }

  private binaryHow(op: string, l: Value, r: Value, le: A.Expr, re: A.Expr, shape: Shape): Explanation {
    return () => this.binaryHowText(op, l, r, le, re, shape);
  }

  private binaryHowText(op: string, l: Value, r: Value, le: A.Expr, re: A.Expr, shape: Shape): string {
    const ls = shapeOf(l);
    const rs = shapeOf(r);
    const broadcasts = ls && rs && op !== "@" && (ls.length !== rs.length || ls.some((d, i) => d !== rs[i])) && rs.length > 0 && ls.length > 0;
    const leftText = this.text(le);
    const leftSimple = /^[\w.]+$/.test(leftText);
    const rightPart = `${op} ${this.operandText(re, r)}`;
    let how: string;
    if (!leftSimple && l.kind === "tensor" && l.how) how = `${explain(l.how)}; ${rightPart}${broadcasts ? " broadcasts" : ""} → ${formatShape(shape)}`;
    else how = `${this.operandText(le, l)} ${rightPart}${broadcasts ? " broadcasts" : ""} → ${formatShape(shape)}`;
    return how.length > 240 ? "…" + how.slice(how.length - 239) : how;
  }

  /** `x - x.max(axis=1)` fails to broadcast; `keepdims=True` on the reduction fixes it. */
  private keepdimsFix(l: Value, r: Value, le: A.Expr, re: A.Expr): ShapeDiagnostic["fix"] {
    for (const [reduced, other] of [
      [re, l],
      [le, r],
    ] as const) {
      if (reduced.kind !== "call" || reduced.callee.kind !== "attribute") continue;
      if (!REDUCTION_NAMES.has(reduced.callee.attr)) continue;
      const axisKw = reduced.keywords.find((k) => k.name === "axis" || k.name === "dim");
      if (!axisKw || reduced.keywords.some((k) => k.name === "keepdims" || k.name === "keepdim")) continue;
      const os = shapeOf(other);
      if (!os) continue;
      const kw = reduced.callee.object && this.text(reduced).includes("dim=") ? "keepdim" : "keepdims";
      const insertAt = axisKw.to;
      return { title: `Keep the reduced axis: ${kw}=True`, from: insertAt, to: insertAt, text: `, ${kw}=True` };
    }
    return undefined;
  }

  private subscript(e: A.SubscriptExpr, f: Frame): Value {
    const obj = this.expr(e.object, f);
    if (obj.kind === "tuple" || (obj.kind === "list" && obj.items)) {
      const items = obj.kind === "tuple" ? obj.items : obj.items!;
      const it = e.index[0];
      if (e.index.length === 1 && it.kind !== "slice") {
        const iv = this.expr(it, f);
        if (iv.kind === "int" && typeof iv.dim === "number") {
          const i = iv.dim < 0 ? items.length + iv.dim : iv.dim;
          return items[i] ?? UNKNOWN;
        }
        return items.length ? items.reduce(joinValues) : UNKNOWN;
      }
      if (e.index.length === 1 && it.kind === "slice") {
        const lo = it.lower ? this.expr(it.lower, f) : { kind: "int" as const, dim: 0 };
        const hi = it.upper ? this.expr(it.upper, f) : { kind: "int" as const, dim: items.length };
        if (lo.kind === "int" && hi.kind === "int" && typeof lo.dim === "number" && typeof hi.dim === "number" && !it.step) {
          const sliced = items.slice(lo.dim, hi.dim);
          return obj.kind === "tuple" ? { kind: "tuple", items: sliced } : { kind: "list", items: sliced };
        }
      }
      return UNKNOWN;
    }
    if (obj.kind === "list") return obj.item ?? UNKNOWN;
    if (obj.kind === "dict") {
      const k = e.index[0];
      if (e.index.length === 1 && k.kind === "string") return obj.entries.get(k.value) ?? UNKNOWN;
      return UNKNOWN;
    }
    // `self.blocks[i]` of an nn.ModuleList / nn.Sequential: one of its layers.
    if (obj.kind === "layer" && obj.layers) return obj.layers.length ? obj.layers.reduce(joinValues) : UNKNOWN;
    if (obj.kind !== "tensor") {
      for (const it of e.index) if (it.kind !== "slice") this.expr(it, f);
      return UNKNOWN;
    }
    const items: IndexItemSpec[] = [];
    for (const it of e.index) items.push(this.indexItem(it, f));
    const r = OPS.index.shape([obj.shape], { index: items });
    if ("clash" in r) {
      if (!obj.assumed) this.report(f, e, "error", "shape-mismatch", r.clash.message);
      return tensor(null);
    }
    const allInt = items.every((i) => i.kind === "int");
    return tensor(r.shape, { dtype: obj.dtype, ...(obj.assumed ? { assumed: true } : {}), how: allInt && r.shape?.length === 0 ? undefined : () => `${this.text(e).slice(0, 40)} → ${formatShape(r.shape)}` });
  }

  private indexItem(it: A.IndexItem, f: Frame): IndexItemSpec {
    if (it.kind === "slice") {
      const bound = (b: A.Expr | undefined) => {
        if (!b) return { dim: undefined, negative: false };
        const v = this.expr(b, f);
        const dim = v.kind === "int" || v.kind === "unknown" ? dimOf(v) : null;
        const negative = typeof dim === "number" ? dim < 0 : b.kind === "unary" && b.op === "-";
        return { dim, negative };
      };
      const lo = bound(it.lower);
      const hi = bound(it.upper);
      const st = bound(it.step);
      return { kind: "slice", lower: lo.dim, upper: hi.dim, step: st.dim, lowerNegative: lo.negative, upperNegative: hi.negative };
    }
    if (it.kind === "const" && it.value === null) return { kind: "newaxis" };
    if (it.kind === "const" && it.value === "...") return { kind: "ellipsis" };
    const v = this.expr(it, f);
    if (v.kind === "int") return { kind: "int" };
    if (v.kind === "tensor") {
      if (v.dtype === "bool") return { kind: "mask", rank: v.shape ? v.shape.length : null };
      return { kind: "array", shape: v.shape };
    }
    if (v.kind === "list") return { kind: "array", shape: v.items ? [v.items.length] : [null] };
    if (v.kind === "ref" && v.path === "numpy.newaxis") return { kind: "newaxis" };
    if (v.kind === "none") return { kind: "newaxis" };
    if (v.kind === "bool") return { kind: "newaxis" };
    // An index GradLens cannot read may be an int or an index array: the result's rank is unknown.
    return { kind: "array", shape: null };
  }
}

const SIZE_ARITHMETIC = new Set(["+", "-", "*", "//"]);
const COMPARISONS = new Set(["<", ">", "<=", ">=", "==", "!=", "<>"]);
const BINARY_OPS: Record<string, string> = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "div",
  "//": "div",
  "%": "div",
  "**": "pow",
  "&": "logical",
  "|": "logical",
  "^": "logical",
};
const REDUCTION_NAMES = new Set(["sum", "mean", "max", "min", "std", "var", "prod", "logsumexp", "amax", "amin"]);

function builtinRef(id: string): Value | undefined {
  const BUILTINS = ["range", "len", "int", "float", "max", "min", "abs", "sum", "zip", "enumerate", "list", "tuple", "isinstance", "print", "round", "bool", "super", "getattr", "hasattr", "dict", "sorted", "reversed", "pow", "str", "type", "map"];
  if (BUILTINS.includes(id)) return { kind: "ref", path: id };
  const ALIASES: Record<string, string> = { np: "numpy", torch: "torch", nn: "torch.nn", F: "torch.nn.functional", math: "math" };
  if (id in ALIASES) return { kind: "ref", path: ALIASES[id] };
  return undefined;
}

function valueKey(v: Value): string {
  switch (v.kind) {
    case "tensor":
      return `t${v.shape === null ? "?" : v.shape.map(String).join(",")}`;
    case "int":
      return `i${v.dim}`;
    case "tuple":
      return `(${v.items.map(valueKey).join(",")})`;
    case "object":
      return `o${v.cls.def.name}`;
    default:
      return v.kind;
  }
}

/** The body appends to `name` exactly once, unconditionally, at its top level. */
function appendsOncePerPass(body: A.Stmt[], name: string): boolean {
  let n = 0;
  for (const st of body) {
    if (st.kind === "expr" && st.value.kind === "call" && st.value.callee.kind === "attribute" && st.value.callee.attr === "append") {
      const o = st.value.callee.object;
      if (o.kind === "name" && o.id === name) n++;
    }
    if (st.kind === "other" && (st.what === "break" || st.what === "continue")) return false;
  }
  return n === 1;
}

/**
 * The shapes a function's parameters are stated to have: a jaxtyping annotation, else
 * a `# x: (N, D)` comment on the def line, else the docstring.
 */
export function statedParameterShapes(module: A.Module, def: A.FunctionDef): Map<string, StatedShape & { source: ShapeSource }> {
  const out = new Map<string, StatedShape & { source: ShapeSource }>();
  const first = positionOf(module.lineStarts, def.header.from).line;
  const last = positionOf(module.lineStarts, Math.max(def.header.from, def.header.to - 1)).line;
  for (let l = first; l <= last; l++) {
    const c = module.commentOnLine(l);
    if (c) for (const [k, v] of defCommentShapes(c.text)) out.set(k, { ...v, source: "comment" });
  }
  const unpacked = unpackedNames(def.body);
  for (const [k, v] of docstringShapes(def.docstring?.value)) {
    // `cache: (x, w, b)` unpacked by `x, w, b = cache` lists a tuple's items, not dims.
    const items = unpacked.get(k);
    if (items && v.shape && v.shape.length === items.length && v.shape.every((d, i) => d === items[i])) continue;
    if (!out.has(k)) out.set(k, { ...v, source: "docstring" });
  }
  for (const p of def.params) {
    const ann = shapeFromAnnotation(p.annotation);
    if (ann) out.set(p.name, { ...ann, source: "annotation" });
  }
  return out;
}

/** `a, b, c = P` at the top of a body: P → its item names. */
function unpackedNames(body: A.Stmt[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const st of body) {
    if (st.kind !== "assign" || !st.value || st.value.kind !== "name") continue;
    for (const t of st.targets) {
      if (t.kind === "tuple" || t.kind === "list") out.set(st.value.id, t.elements.map((e) => (e.kind === "name" ? e.id : "")));
    }
  }
  return out;
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

function joinEnvs(a: Env, b: Env): Env {
  const out: Env = new Map();
  for (const [k, v] of a) {
    const w = b.get(k);
    out.set(k, w === undefined ? v : joinValues(v, w));
  }
  for (const [k, v] of b) if (!a.has(k)) out.set(k, v);
  return out;
}

function envsEqual(a: Env, b: Env): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || !sameValue(v, w)) return false;
  }
  return true;
}

function endsInExit(stmts: A.Stmt[]): boolean {
  const last = stmts[stmts.length - 1];
  return !!last && (last.kind === "return" || (last.kind === "other" && last.what === "raise"));
}

/**
 * Stated and inferred shapes that cannot both be right: another rank, two different
 * numbers, or two different names that both already stand for dims in this function
 * (`T` where the code gives `C`). A name the function has not seen (`nh` for
 * `n_head`) is only another name.
 */
function conflicts(inferred: Dim[], stated: Dim[], known: ReadonlySet<string> = new Set()): boolean {
  if (inferred.length !== stated.length) return true;
  return inferred.some((d, i) => {
    const s = stated[i];
    if (certainlyDifferent(d, s)) return true;
    return typeof d === "string" && typeof s === "string" && d !== s && known.has(d) && known.has(s);
  });
}

function fillUnknown(inferred: Dim[], stated: Shape): Dim[] {
  if (!stated || stated.length !== inferred.length) return inferred;
  return inferred.map((d, i) => d ?? stated[i]);
}

