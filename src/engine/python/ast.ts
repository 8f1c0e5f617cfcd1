/**
 * The small typed AST GradLens reasons about. It keeps only what shape inference,
 * graph building and unit discovery need; everything else becomes `unknown` so that
 * an unfamiliar construct never stops the analysis of the code around it.
 */

/** Character offsets into the source text; `from` inclusive, `to` exclusive. */
export interface Span {
  from: number;
  to: number;
}

export type Expr =
  | NameExpr
  | NumberExpr
  | StringExpr
  | ConstExpr
  | AttributeExpr
  | CallExpr
  | SubscriptExpr
  | BinaryExpr
  | UnaryExpr
  | SequenceExpr
  | DictExpr
  | ConditionalExpr
  | StarredExpr
  | ComprehensionExpr
  | UnknownExpr;

export interface NameExpr extends Span { kind: "name"; id: string }
export interface NumberExpr extends Span { kind: "number"; value: number; isInt: boolean }
export interface StringExpr extends Span { kind: "string"; value: string }
/** `None`, `True`, `False`, `...` */
export interface ConstExpr extends Span { kind: "const"; value: null | boolean | "..." }
export interface AttributeExpr extends Span { kind: "attribute"; object: Expr; attr: string; attrSpan: Span }
export interface Keyword extends Span { name: string; value: Expr }
export interface CallExpr extends Span {
  kind: "call";
  callee: Expr;
  args: Expr[];
  keywords: Keyword[];
}
/** One item between the brackets of a subscript. */
export type IndexItem = Expr | SliceItem;
export interface SliceItem extends Span {
  kind: "slice";
  lower?: Expr;
  upper?: Expr;
  step?: Expr;
}
export interface SubscriptExpr extends Span { kind: "subscript"; object: Expr; index: IndexItem[]; hasComma: boolean }
export interface BinaryExpr extends Span {
  kind: "binary";
  /** Python's operator text: `+`, `@`, `**`, `<`, `and`, `in`, `is not`, ... */
  op: string;
  left: Expr;
  right: Expr;
}
export interface UnaryExpr extends Span { kind: "unary"; op: "-" | "+" | "~" | "not"; operand: Expr }
export interface SequenceExpr extends Span { kind: "tuple" | "list" | "set"; elements: Expr[] }
export interface DictExpr extends Span { kind: "dict"; keys: (Expr | null)[]; values: Expr[] }
export interface ConditionalExpr extends Span { kind: "conditional"; test: Expr; body: Expr; orElse: Expr }
export interface StarredExpr extends Span { kind: "starred"; value: Expr; double: boolean }
/** `[element for target in iter if condition]`, its generator and set forms (one `for`). */
export interface ComprehensionExpr extends Span {
  kind: "comprehension";
  form: "list" | "generator" | "set";
  element: Expr;
  target: Expr;
  iter: Expr;
  conditions: Expr[];
  /** more `for` clauses than GradLens models */
  nested: boolean;
}
/** Anything GradLens does not model (lambda, comprehension, f-string, a parse error). */
export interface UnknownExpr extends Span { kind: "unknown"; what: string }

export type Stmt =
  | AssignStmt
  | AugAssignStmt
  | ExprStmt
  | ReturnStmt
  | IfStmt
  | ForStmt
  | WhileStmt
  | WithStmt
  | TryStmt
  | FunctionDef
  | ClassDef
  | OtherStmt;

export interface AssignStmt extends Span {
  kind: "assign";
  /** `a = b = value` has two targets; `x: T` alone has none and no value. */
  targets: Expr[];
  annotation?: Expr;
  value?: Expr;
}
export interface AugAssignStmt extends Span { kind: "augassign"; target: Expr; op: string; value: Expr }
export interface ExprStmt extends Span { kind: "expr"; value: Expr }
export interface ReturnStmt extends Span { kind: "return"; value?: Expr }
export interface IfStmt extends Span { kind: "if"; test: Expr; body: Stmt[]; orElse: Stmt[] }
export interface ForStmt extends Span { kind: "for"; target: Expr; iter: Expr; body: Stmt[]; orElse: Stmt[] }
export interface WhileStmt extends Span { kind: "while"; test: Expr; body: Stmt[]; orElse: Stmt[] }
export interface WithStmt extends Span { kind: "with"; items: { context: Expr; alias?: NameExpr }[]; body: Stmt[] }
export interface TryStmt extends Span { kind: "try"; body: Stmt[]; handlers: Stmt[][]; orElse: Stmt[]; finalBody: Stmt[] }
export interface Param extends Span {
  name: string;
  /** `*args` is "star", `**kw` is "double-star". */
  star?: "star" | "double-star";
  annotation?: Expr;
  default?: Expr;
}
export interface FunctionDef extends Span {
  kind: "def";
  name: string;
  nameSpan: Span;
  params: Param[];
  returns?: Expr;
  body: Stmt[];
  docstring?: StringExpr;
  decorators: Expr[];
  /** Span of the `def ...:` header, to find comments on the same line. */
  header: Span;
}
export interface ClassDef extends Span {
  kind: "class";
  name: string;
  nameSpan: Span;
  bases: Expr[];
  body: Stmt[];
  docstring?: StringExpr;
  decorators: Expr[];
}
/** pass, import, raise, del, assert, break, ... and statements that did not parse. */
export interface OtherStmt extends Span { kind: "other"; what: string }

export interface Comment extends Span { text: string; line: number }

export interface Module {
  /** Top-level statements. A function's or class's `body` is converted when first read. */
  body: Stmt[];
  /** Offsets where each line starts; line numbers are 0-based everywhere in the engine. */
  lineStarts: number[];
  text: string;
  /** The first comment on a 0-based line, looked up in the syntax tree on demand. */
  commentOnLine(line: number): Comment | undefined;
}
