import { parser } from "@lezer/python";
import { TreeFragment, type SyntaxNode, type Tree } from "@lezer/common";
import type * as A from "./ast.js";

/**
 * Python source → GradLens AST, through Lezer. Lezer recovers inside a broken line,
 * so a half-typed statement becomes one `unknown` node and the rest of the function
 * is still analysed.
 */

/** Deeper nesting than this is left unmodelled rather than risking the stack. */
const MAX_DEPTH = 150;

export interface ParsedDocument {
  module: A.Module;
  tree: Tree;
  fragments: readonly TreeFragment[];
}

/** One text edit: `fromA..toA` in the text before it became `fromB..toB` after it. */
export interface TextChange {
  fromA: number;
  toA: number;
  fromB: number;
  toB: number;
}

/**
 * Parses `text`. Given the previous parse and the edits that led from its text to this
 * one (in the order they were made, each relative to the text the one before left),
 * Lezer reuses the unchanged parts of the old tree: the language server's path on
 * every keystroke.
 */
export function parsePython(text: string, previous?: ParsedDocument, changes?: readonly TextChange[]): ParsedDocument {
  let fragments: readonly TreeFragment[] | undefined;
  if (previous && changes) {
    fragments = previous.fragments;
    for (const c of changes) fragments = TreeFragment.applyChanges(fragments, [c]);
  }
  const tree = parser.parse(text, fragments);
  const module = toModule(tree, text);
  return { module, tree, fragments: TreeFragment.addTree(tree, fragments) };
}

export function parseModule(text: string): A.Module {
  return parsePython(text).module;
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 0-based line and column of an offset. */
export function positionOf(lineStarts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, column: offset - lineStarts[lo] };
}

function toModule(tree: Tree, text: string): A.Module {
  const body = new Converter(text).statements(tree.topNode, 0);
  const lineStarts = lineStartsOf(text);
  const comments = new Map<number, A.Comment | null>();
  return {
    body,
    lineStarts,
    text,
    commentOnLine(line) {
      let found = comments.get(line);
      if (found === undefined) {
        found = null;
        const from = lineStarts[line] ?? text.length;
        const to = lineStarts[line + 1] ?? text.length;
        const hash = text.indexOf("#", from);
        // Most lines have no `#` at all: no need to ask the tree.
        if (hash >= 0 && hash < to) tree.iterate({
          from,
          to,
          enter(n) {
            if (found) return false;
            if (n.name === "Comment" && n.from >= from && n.from < to) {
              found = { from: n.from, to: n.to, text: text.slice(n.from, n.to), line };
              return false;
            }
            return undefined;
          },
        });
        comments.set(line, found);
      }
      return found ?? undefined;
    },
  };
}

/**
 * Defines `obj[key]` as computed on first read. Function and class bodies are
 * converted lazily: after a keystroke the language server reads only the functions
 * around the cursor, and converting the rest of a long file would dominate.
 */
function lazy<T extends object, K extends keyof T>(obj: T, key: K, compute: () => T[K]): T {
  Object.defineProperty(obj, key, {
    configurable: true,
    enumerable: true,
    get() {
      const value = compute();
      Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: true });
      return value;
    },
  });
  return obj;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

const PUNCT = new Set(["(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "Comment"]);
const STATEMENT_KEYWORDS = new Set(["pass", "break", "continue", "del", "raise", "import", "from", "global", "nonlocal", "assert"]);

class Converter {
  constructor(private readonly text: string) {}

  private src(n: { from: number; to: number }): string {
    return this.text.slice(n.from, n.to);
  }

  private unknown(n: { from: number; to: number }, what: string): A.UnknownExpr {
    return { kind: "unknown", what, from: n.from, to: n.to };
  }

  statements(parent: SyntaxNode, depth: number): A.Stmt[] {
    const out: A.Stmt[] = [];
    for (const c of children(parent)) this.statement(c, depth, out);
    return out;
  }

  private body(node: SyntaxNode | null, depth: number): A.Stmt[] {
    return node ? this.statements(node, depth + 1) : [];
  }

  private statement(n: SyntaxNode, depth: number, out: A.Stmt[]): void {
    if (depth > MAX_DEPTH) {
      out.push({ kind: "other", what: "nesting too deep", from: n.from, to: n.to });
      return;
    }
    switch (n.name) {
      case "StatementGroup":
        for (const c of children(n)) this.statement(c, depth, out);
        return;
      case "AssignStatement":
        out.push(this.assign(n, depth));
        return;
      case "UpdateStatement": {
        const parts = children(n);
        const opIndex = parts.findIndex((p) => p.name === "UpdateOp");
        if (opIndex < 1) break;
        const target = this.expr(parts[0], depth);
        const values = parts.slice(opIndex + 1).filter((p) => !PUNCT.has(p.name));
        const value = values.length === 1 ? this.expr(values[0], depth) : this.unknown(n, "tuple update");
        out.push({ kind: "augassign", target, op: this.src(parts[opIndex]).slice(0, -1), value, from: n.from, to: n.to });
        return;
      }
      case "ExpressionStatement": {
        const parts = children(n).filter((p) => !PUNCT.has(p.name));
        if (parts.length === 0) break;
        const value = parts.length === 1 ? this.expr(parts[0], depth) : this.sequence("tuple", n, parts, depth);
        out.push({ kind: "expr", value, from: n.from, to: n.to });
        return;
      }
      case "ReturnStatement": {
        const parts = children(n).filter((p) => !PUNCT.has(p.name) && p.name !== "return");
        const value =
          parts.length === 0 ? undefined : parts.length === 1 ? this.expr(parts[0], depth) : this.sequence("tuple", n, parts, depth);
        out.push({ kind: "return", value, from: n.from, to: n.to });
        return;
      }
      case "IfStatement":
        out.push(this.ifStatement(n, depth));
        return;
      case "ForStatement": {
        const parts = children(n);
        const inAt = parts.findIndex((p) => p.name === "in");
        const bodies = parts.filter((p) => p.name === "Body");
        const targets = parts.slice(1, inAt).filter((p) => !PUNCT.has(p.name));
        const iters = parts.slice(inAt + 1).filter((p) => !PUNCT.has(p.name) && p.name !== "Body" && p.name !== "else");
        const target = targets.length === 1 ? this.expr(targets[0], depth) : this.sequence("tuple", n, targets, depth);
        const iter = iters.length === 1 ? this.expr(iters[0], depth) : this.unknown(n, "for iterable");
        out.push({
          kind: "for",
          target,
          iter,
          body: this.body(bodies[0] ?? null, depth),
          orElse: this.body(bodies[1] ?? null, depth),
          from: n.from,
          to: n.to,
        });
        return;
      }
      case "WhileStatement": {
        const parts = children(n);
        const bodies = parts.filter((p) => p.name === "Body");
        const test = parts.find((p) => !PUNCT.has(p.name) && p.name !== "while" && p.name !== "Body" && p.name !== "else");
        out.push({
          kind: "while",
          test: test ? this.expr(test, depth) : this.unknown(n, "while test"),
          body: this.body(bodies[0] ?? null, depth),
          orElse: this.body(bodies[1] ?? null, depth),
          from: n.from,
          to: n.to,
        });
        return;
      }
      case "WithStatement": {
        const parts = children(n);
        const items: A.WithStmt["items"] = [];
        for (let i = 0; i < parts.length; i++) {
          const p = parts[i];
          if (PUNCT.has(p.name) || p.name === "with" || p.name === "async" || p.name === "Body") continue;
          if (p.name === "as") {
            const alias = parts[i + 1];
            if (alias?.name === "VariableName" && items.length) {
              items[items.length - 1].alias = { kind: "name", id: this.src(alias), from: alias.from, to: alias.to };
            }
            i++;
            continue;
          }
          items.push({ context: this.expr(p, depth) });
        }
        out.push({ kind: "with", items, body: this.body(n.getChild("Body"), depth), from: n.from, to: n.to });
        return;
      }
      case "TryStatement": {
        const parts = children(n);
        const stmt: A.TryStmt = { kind: "try", body: [], handlers: [], orElse: [], finalBody: [], from: n.from, to: n.to };
        let section = "try";
        for (const p of parts) {
          if (p.name === "try" || p.name === "except" || p.name === "else" || p.name === "finally") section = p.name;
          else if (p.name === "Body") {
            const b = this.body(p, depth);
            if (section === "try") stmt.body = b;
            else if (section === "except") stmt.handlers.push(b);
            else if (section === "else") stmt.orElse = b;
            else stmt.finalBody = b;
          }
        }
        out.push(stmt);
        return;
      }
      case "FunctionDefinition":
        out.push(this.functionDef(n, [], depth));
        return;
      case "ClassDefinition":
        out.push(this.classDef(n, [], depth));
        return;
      case "DecoratedStatement": {
        const decorators: A.Expr[] = [];
        for (const c of children(n)) {
          if (c.name === "Decorator") {
            const inner = children(c).filter((p) => p.name !== "At");
            const text = inner.map((p) => this.src(p)).join("");
            decorators.push({ kind: "unknown", what: "decorator " + text.trim(), from: c.from, to: c.to });
          } else if (c.name === "FunctionDefinition") out.push(this.functionDef(c, decorators, depth, n.from));
          else if (c.name === "ClassDefinition") out.push(this.classDef(c, decorators, depth, n.from));
        }
        return;
      }
      default:
        break;
    }
    if (n.name === "Comment" || PUNCT.has(n.name)) return;
    const first = n.firstChild;
    const what = first && STATEMENT_KEYWORDS.has(first.name) ? first.name : n.type.isError ? "syntax error" : n.name;
    out.push({ kind: "other", what, from: n.from, to: n.to });
  }

  private assign(n: SyntaxNode, depth: number): A.AssignStmt {
    // Split on the `=` tokens: everything before the last `=` is a target list.
    const groups: SyntaxNode[][] = [[]];
    let annotation: A.Expr | undefined;
    for (const c of children(n)) {
      if (c.name === "AssignOp") groups.push([]);
      else if (c.name === "TypeDef") {
        const t = children(c).find((p) => p.name !== ":");
        if (t) annotation = this.expr(t, depth);
      } else if (c.name !== "," && c.name !== "Comment") groups[groups.length - 1].push(c);
    }
    const asExpr = (g: SyntaxNode[]): A.Expr => (g.length === 1 ? this.expr(g[0], depth) : this.sequence("tuple", n, g, depth));
    const valueNodes = groups.length > 1 ? groups[groups.length - 1] : undefined;
    const targetGroups = groups.length > 1 ? groups.slice(0, -1) : groups;
    return {
      kind: "assign",
      targets: targetGroups.filter((g) => g.length).map(asExpr),
      annotation,
      value: valueNodes && valueNodes.length ? asExpr(valueNodes) : undefined,
      from: n.from,
      to: n.to,
    };
  }

  private ifStatement(n: SyntaxNode, depth: number): A.IfStmt {
    // An if/elif/else chain becomes nested IfStmts.
    const parts = children(n);
    const clauses: { test?: SyntaxNode; body: SyntaxNode; start: number }[] = [];
    let pendingTest: SyntaxNode | undefined;
    let start = n.from;
    for (const p of parts) {
      if (p.name === "if" || p.name === "elif" || p.name === "else") {
        start = p.from;
        pendingTest = undefined;
      } else if (p.name === "Body") {
        clauses.push({ test: pendingTest, body: p, start });
      } else if (!PUNCT.has(p.name)) pendingTest = p;
    }
    const build = (i: number): A.Stmt[] => {
      if (i >= clauses.length) return [];
      const c = clauses[i];
      if (!c.test && i > 0) return this.body(c.body, depth);
      return [
        {
          kind: "if",
          test: c.test ? this.expr(c.test, depth) : this.unknown(c.body, "if test"),
          body: this.body(c.body, depth),
          orElse: build(i + 1),
          from: c.start,
          to: n.to,
        },
      ];
    };
    const built = build(0)[0];
    return built && built.kind === "if"
      ? built
      : { kind: "if", test: this.unknown(n, "if test"), body: [], orElse: [], from: n.from, to: n.to };
  }

  private docstring(body: SyntaxNode | null): A.StringExpr | undefined {
    if (!body) return undefined;
    const first = children(body).find((c) => c.name !== ":" && c.name !== "Comment");
    if (first?.name !== "ExpressionStatement") return undefined;
    const s = first.firstChild;
    if (s?.name !== "String") return undefined;
    const e = this.expr(s, 0);
    return e.kind === "string" ? e : undefined;
  }

  private functionDef(n: SyntaxNode, decorators: A.Expr[], depth: number, start = n.from): A.FunctionDef {
    const nameNode = n.getChild("VariableName");
    const paramList = n.getChild("ParamList");
    const bodyNode = n.getChild("Body");
    const params: A.Param[] = [];
    if (paramList) {
      let star: A.Param["star"];
      let current: A.Param | undefined;
      let afterEquals = false;
      for (const c of children(paramList)) {
        if (c.name === "*" || c.name === "**") {
          star = c.name === "*" ? "star" : "double-star";
        } else if (c.name === "VariableName") {
          current = { name: this.src(c), star, from: c.from, to: c.to };
          params.push(current);
          star = undefined;
        } else if (c.name === "TypeDef" && current) {
          const t = children(c).find((p) => p.name !== ":");
          if (t) current.annotation = this.expr(t, depth);
          current.to = c.to;
        } else if (c.name === "AssignOp") afterEquals = true;
        else if (c.name === ",") {
          afterEquals = false;
          current = undefined;
        } else if (afterEquals && current && !PUNCT.has(c.name)) {
          current.default = this.expr(c, depth);
          current.to = c.to;
        }
      }
    }
    const returnsNode = n.getChild("TypeDef");
    const returnsExpr = returnsNode ? children(returnsNode).find((p) => p.name !== "->") : undefined;
    const headerEnd = bodyNode ? bodyNode.from + 1 : n.to;
    const def: Omit<A.FunctionDef, "body"> = {
      kind: "def",
      name: nameNode ? this.src(nameNode) : "",
      nameSpan: nameNode ? { from: nameNode.from, to: nameNode.to } : { from: n.from, to: n.from },
      params,
      returns: returnsExpr ? this.expr(returnsExpr, depth) : undefined,
      docstring: this.docstring(bodyNode),
      decorators,
      header: { from: n.from, to: headerEnd },
      from: start,
      to: n.to,
    };
    return lazy(def as A.FunctionDef, "body", () => this.body(bodyNode, depth));
  }

  private classDef(n: SyntaxNode, decorators: A.Expr[], depth: number, start = n.from): A.ClassDef {
    const nameNode = n.getChild("VariableName");
    const argList = n.getChild("ArgList");
    const bodyNode = n.getChild("Body");
    const bases = argList ? this.callArguments(argList, depth).args : [];
    const cls: Omit<A.ClassDef, "body"> = {
      kind: "class",
      name: nameNode ? this.src(nameNode) : "",
      nameSpan: nameNode ? { from: nameNode.from, to: nameNode.to } : { from: n.from, to: n.from },
      bases,
      docstring: this.docstring(bodyNode),
      decorators,
      from: start,
      to: n.to,
    };
    return lazy(cls as A.ClassDef, "body", () => this.body(bodyNode, depth));
  }

  private sequence(kind: "tuple" | "list" | "set", n: { from: number; to: number }, parts: SyntaxNode[], depth: number): A.SequenceExpr {
    return { kind, elements: this.elementList(parts, depth), from: n.from, to: n.to };
  }

  /** Elements of a bracketed list, with `*x` as a starred element. */
  private elementList(parts: SyntaxNode[], depth: number): A.Expr[] {
    const out: A.Expr[] = [];
    let star = false;
    for (const p of parts) {
      if (p.name === "*") star = true;
      else if (!PUNCT.has(p.name)) {
        const e = this.expr(p, depth + 1);
        out.push(star ? { kind: "starred", value: e, double: false, from: p.from - 1, to: p.to } : e);
        star = false;
      }
    }
    return out;
  }

  private callArguments(argList: SyntaxNode, depth: number): { args: A.Expr[]; keywords: A.Keyword[] } {
    const args: A.Expr[] = [];
    const keywords: A.Keyword[] = [];
    const parts = children(argList);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (PUNCT.has(p.name)) continue;
      if (p.name === "*" || p.name === "**") {
        const v = parts[i + 1];
        if (v) {
          args.push({ kind: "starred", value: this.expr(v, depth + 1), double: p.name === "**", from: p.from, to: v.to });
          i++;
        }
        continue;
      }
      if (p.name === "VariableName" && parts[i + 1]?.name === "AssignOp") {
        const v = parts[i + 2];
        if (v) keywords.push({ name: this.src(p), value: this.expr(v, depth + 1), from: p.from, to: v.to });
        i += 2;
        continue;
      }
      if (parts[i + 1]?.name === "for" || p.name === "compFor") {
        args.push(this.unknown(argList, "generator expression"));
        break;
      }
      args.push(this.expr(p, depth + 1));
    }
    return { args, keywords };
  }

  expr(n: SyntaxNode, depth: number): A.Expr {
    if (depth > MAX_DEPTH) return this.unknown(n, "nesting too deep");
    const span = { from: n.from, to: n.to };
    switch (n.name) {
      case "VariableName":
        return { kind: "name", id: this.src(n), ...span };
      case "Number": {
        const raw = this.src(n).replace(/_/g, "");
        if (/[jJ]$/.test(raw)) return this.unknown(n, "complex number");
        const isInt = /^(0[xob][0-9a-f]+|\d+)$/i.test(raw);
        return { kind: "number", value: Number(raw), isInt, ...span };
      }
      case "String":
        return { kind: "string", value: stringValue(this.src(n)), ...span };
      case "ContinuedString": {
        const value = children(n)
          .filter((c) => c.name === "String")
          .map((c) => stringValue(this.src(c)))
          .join("");
        return { kind: "string", value, ...span };
      }
      case "None":
        return { kind: "const", value: null, ...span };
      case "Boolean":
        return { kind: "const", value: this.src(n) === "True", ...span };
      case "Ellipsis":
        return { kind: "const", value: "...", ...span };
      case "ParenthesizedExpression": {
        const inner = children(n).filter((p) => !PUNCT.has(p.name));
        return inner.length === 1 ? this.expr(inner[0], depth + 1) : this.unknown(n, "parenthesised expression");
      }
      case "TupleExpression":
        return this.sequence("tuple", n, children(n), depth);
      case "ArrayExpression":
        return this.sequence("list", n, children(n), depth);
      case "SetExpression":
        return this.sequence("set", n, children(n), depth);
      case "DictionaryExpression": {
        const keys: (A.Expr | null)[] = [];
        const values: A.Expr[] = [];
        const parts = children(n).filter((p) => p.name !== "{" && p.name !== "}" && p.name !== "," && p.name !== "Comment");
        for (let i = 0; i < parts.length; i++) {
          if (parts[i].name === "**") {
            if (parts[i + 1]) {
              keys.push(null);
              values.push(this.expr(parts[i + 1], depth + 1));
            }
            i++;
          } else if (parts[i + 1]?.name === ":" && parts[i + 2]) {
            keys.push(this.expr(parts[i], depth + 1));
            values.push(this.expr(parts[i + 2], depth + 1));
            i += 2;
          }
        }
        return { kind: "dict", keys, values, ...span };
      }
      case "MemberExpression": {
        const parts = children(n);
        const object = parts[0] ? this.expr(parts[0], depth + 1) : this.unknown(n, "member");
        if (parts[1]?.name === ".") {
          const prop = parts[2];
          if (!prop || prop.name !== "PropertyName") return this.unknown(n, "incomplete attribute");
          return { kind: "attribute", object, attr: this.src(prop), attrSpan: { from: prop.from, to: prop.to }, ...span };
        }
        return this.subscript(n, object, parts.slice(1), depth);
      }
      case "CallExpression": {
        const parts = children(n);
        const callee = parts[0] ? this.expr(parts[0], depth + 1) : this.unknown(n, "callee");
        const argList = n.getChild("ArgList");
        const { args, keywords } = argList ? this.callArguments(argList, depth) : { args: [], keywords: [] };
        return { kind: "call", callee, args, keywords, ...span };
      }
      case "BinaryExpression": {
        const parts = children(n);
        if (parts.length < 3) return this.unknown(n, "incomplete expression");
        const left = this.expr(parts[0], depth + 1);
        const right = this.expr(parts[parts.length - 1], depth + 1);
        const op = parts
          .slice(1, -1)
          .map((p) => this.src(p))
          .join(" ");
        return { kind: "binary", op, left, right, ...span };
      }
      case "UnaryExpression": {
        const parts = children(n);
        if (parts.length < 2) return this.unknown(n, "incomplete expression");
        const op = this.src(parts[0]) as A.UnaryExpr["op"];
        return { kind: "unary", op, operand: this.expr(parts[1], depth + 1), ...span };
      }
      case "ConditionalExpression": {
        const parts = children(n).filter((p) => p.name !== "if" && p.name !== "else");
        if (parts.length !== 3) return this.unknown(n, "incomplete conditional");
        return {
          kind: "conditional",
          body: this.expr(parts[0], depth + 1),
          test: this.expr(parts[1], depth + 1),
          orElse: this.expr(parts[2], depth + 1),
          ...span,
        };
      }
      case "ArrayComprehensionExpression":
      case "ComprehensionExpression":
      case "SetComprehensionExpression":
        return this.comprehension(n, depth);
      case "NamedExpression": {
        const parts = children(n);
        return parts[2] ? this.expr(parts[2], depth + 1) : this.unknown(n, "walrus");
      }
      default:
        return this.unknown(n, n.type.isError ? "syntax error" : n.name);
    }
  }

  private comprehension(n: SyntaxNode, depth: number): A.Expr {
    const parts = children(n).filter((p) => !PUNCT.has(p.name));
    const forAt = parts.findIndex((p) => p.name === "for");
    const inAt = parts.findIndex((p) => p.name === "in");
    if (forAt !== 1 || inAt < 0 || !parts[inAt + 1]) return this.unknown(n, "comprehension");
    const targets = parts.slice(forAt + 1, inAt);
    const conditions: A.Expr[] = [];
    let nested = false;
    for (let i = inAt + 2; i < parts.length; i++) {
      if (parts[i].name === "for" || parts[i].name === "async") nested = true;
      else if (parts[i].name === "if" && parts[i + 1] && !nested) conditions.push(this.expr(parts[++i], depth + 1));
    }
    return {
      kind: "comprehension",
      form: n.name === "ArrayComprehensionExpression" ? "list" : n.name === "SetComprehensionExpression" ? "set" : "generator",
      element: this.expr(parts[0], depth + 1),
      target: targets.length === 1 ? this.expr(targets[0], depth + 1) : this.sequence("tuple", n, targets, depth),
      iter: this.expr(parts[inAt + 1], depth + 1),
      conditions,
      nested,
      from: n.from,
      to: n.to,
    };
  }

  private subscript(n: SyntaxNode, object: A.Expr, parts: SyntaxNode[], depth: number): A.Expr {
    // Lezer leaves the items of `x[a, b:c, ...]` flat: split on commas, then on colons.
    const items: A.IndexItem[] = [];
    let hasComma = false;
    let current: SyntaxNode[] = [];
    const flush = (end: number) => {
      if (current.length === 0) return;
      const colons = current.filter((p) => p.name === ":").length;
      if (colons === 0) {
        items.push(current.length === 1 ? this.expr(current[0], depth + 1) : this.unknown(n, "index"));
      } else {
        const slots: (A.Expr | undefined)[] = [undefined, undefined, undefined];
        let slot = 0;
        for (const p of current) {
          if (p.name === ":") slot++;
          else if (slot < 3) slots[slot] = this.expr(p, depth + 1);
        }
        items.push({ kind: "slice", lower: slots[0], upper: slots[1], step: slots[2], from: current[0].from, to: end });
      }
      current = [];
    };
    for (const p of parts) {
      if (p.name === "[") continue;
      if (p.name === "]") {
        flush(p.from);
        break;
      }
      if (p.name === ",") {
        hasComma = true;
        flush(p.from);
        continue;
      }
      if (p.name === "Comment") continue;
      current.push(p);
    }
    flush(n.to);
    return { kind: "subscript", object, index: items, hasComma, from: n.from, to: n.to };
  }
}

/** The text of a plain string literal (escapes other than quotes are kept as typed). */
function stringValue(raw: string): string {
  const m = /^([rRbBuU]{0,2})("""|'''|"|')/.exec(raw);
  if (!m) return raw;
  const quote = m[2];
  let body = raw.slice(m[0].length);
  if (body.endsWith(quote)) body = body.slice(0, -quote.length);
  return body;
}
