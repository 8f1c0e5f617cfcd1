import type * as A from "../python/ast.js";
import { type Dim, type Shape, sameDim } from "./dim.js";
import type { DType } from "./sources.js";
import type { OpParams } from "./ops.js";

/**
 * What GradLens knows about a Python value while it reads a function: a tensor of a
 * shape, a Python int whose value is a dim (`N = x.shape[0]`), a tuple, a layer, ...
 */

/**
 * How a shape was reached, for the hover: text, or a function that makes it. Most
 * shapes are never hovered, so the text is made only when asked for.
 */
export type Explanation = string | (() => string);

export function explain(how: Explanation | undefined): string | undefined {
  return typeof how === "function" ? how() : how;
}

/** Where a tensor's shape was stated, when it was not inferred. */
export type ShapeSource = "inferred" | "annotation" | "docstring" | "comment";

export interface TensorValue {
  kind: "tensor";
  shape: Shape;
  dtype?: DType;
  /** How the shape was reached, in the user's terms, for the hover. */
  how?: Explanation;
  source?: ShapeSource;
  /**
   * Reached by assuming something (an unknown operand taken for a scalar): good
   * enough to show, never enough to report an error on.
   */
  assumed?: boolean;
}
/** A Python int whose value is a dim; `assumed` when an unknown was taken for an int. */
export interface IntValue { kind: "int"; dim: Dim; assumed?: boolean }
export interface FloatValue { kind: "float" }
export interface BoolValue { kind: "bool"; value?: boolean }
export interface StrValue { kind: "str"; value: string | null }
export interface NoneValue { kind: "none" }
/** `names` makes a named tuple: torch's `max(dim=)` gives `.values` and `.indices`. */
export interface TupleValue { kind: "tuple"; items: Value[]; names?: string[] }
/**
 * A list (or any iterable). Of unknown items it keeps one representative `item`,
 * and its `length` when that is known without the items (`range(n)`, a list appended
 * to once per pass of `for t in range(T)`).
 */
export interface ListValue { kind: "list"; items: Value[] | null; item?: Value; length?: Dim }
export interface DictValue { kind: "dict"; entries: Map<string, Value> }
/** A module or a library function, by its canonical dotted path (`numpy.random.randn`). */
export interface RefValue { kind: "ref"; path: string }
/** `x.sum` before the call: a method bound to a value. */
export interface MethodValue { kind: "method"; self: Value; name: string }
/** A library layer object: `nn.Linear(i, o)`, `nn.ReLU()`, `nn.Sequential(...)`. */
export interface LayerValue {
  kind: "layer";
  op: string;
  params: OpParams;
  /** Parameter tensors the layer owns (`weight`, `bias`). */
  weights: Record<string, Shape>;
  /** For Sequential: the layers in order. */
  layers?: Value[];
  label: string;
}
export interface ObjectValue { kind: "object"; cls: ClassInfo; attrs: Map<string, Value> }
/** `passContext`: torch's `Fn.apply(...)` passes a ctx before the arguments. */
export interface FunctionValue { kind: "function"; def: A.FunctionDef; cls?: ClassInfo; self?: ObjectValue; passContext?: boolean }
export interface ClassValue { kind: "class"; cls: ClassInfo }
/**
 * A name GradLens knows nothing about; `name` lets it become a symbolic dim (`n_in`).
 * `shapeOf` marks `x.shape` / `x.size()` of an unknown x, so that `N, D = x.shape`
 * can name x's dims.
 */
export interface UnknownValue {
  kind: "unknown";
  name?: string;
  shapeOf?: import("../python/ast.js").Expr;
  /** Size arithmetic on unknowns (`p * p * 3`): the dim it is, if it is used as a size. */
  asDim?: Dim;
}

export type Value =
  | TensorValue
  | IntValue
  | FloatValue
  | BoolValue
  | StrValue
  | NoneValue
  | TupleValue
  | ListValue
  | DictValue
  | RefValue
  | MethodValue
  | LayerValue
  | ObjectValue
  | FunctionValue
  | ClassValue
  | UnknownValue;

export interface ClassInfo {
  def: A.ClassDef;
  methods: Map<string, A.FunctionDef>;
  /** Attributes set on `self` by the methods read so far (`__init__` first). */
  attrs: Map<string, Value>;
  isModule: boolean;
  isAutogradFunction: boolean;
}

export const UNKNOWN: UnknownValue = { kind: "unknown" };

export function tensor(shape: Shape, extra: Partial<TensorValue> = {}): TensorValue {
  return { kind: "tensor", shape, ...extra };
}

export function joinShapes(a: Shape, b: Shape): Shape {
  if (a === null || b === null || a.length !== b.length) return null;
  return a.map((d, i) => (sameDim(d, b[i]) ? d : null));
}

/** The value after two paths meet (if/else, loop iterations): agreeing facts kept. */
export function joinValues(a: Value, b: Value): Value {
  if (a === b) return a;
  if (a.kind === "tensor" && b.kind === "tensor") {
    const shape = joinShapes(a.shape, b.shape);
    const assumed = a.assumed || b.assumed;
    return tensor(shape, { dtype: a.dtype === b.dtype ? a.dtype : undefined, how: shape === a.shape ? a.how : undefined, ...(assumed ? { assumed } : {}) });
  }
  if (a.kind === "int" && b.kind === "int") return { kind: "int", dim: sameDim(a.dim, b.dim) ? a.dim : null };
  if (a.kind === "tuple" && b.kind === "tuple" && a.items.length === b.items.length) {
    return { kind: "tuple", items: a.items.map((x, i) => joinValues(x, b.items[i])) };
  }
  if (a.kind === "none") return b;
  if (b.kind === "none") return a;
  if ((a.kind === "float" || a.kind === "int") && (b.kind === "float" || b.kind === "int")) return { kind: "float" };
  if (a.kind === b.kind && (a.kind === "float" || a.kind === "bool")) return a;
  if (a.kind === "tensor" && (b.kind === "float" || b.kind === "int")) return tensor(null);
  if (b.kind === "tensor" && (a.kind === "float" || a.kind === "int")) return tensor(null);
  if (a.kind === "list" && b.kind === "list") {
    if (a.items && b.items && a.items.length === b.items.length) return { kind: "list", items: a.items.map((x, i) => joinValues(x, b.items![i])) };
    const members = [...(a.items ?? []), ...(b.items ?? []), ...(a.item ? [a.item] : []), ...(b.item ? [b.item] : [])];
    const la = a.items ? a.items.length : a.length;
    const lb = b.items ? b.items.length : b.length;
    return { kind: "list", items: null, item: members.length ? members.reduce(joinValues) : undefined, ...(la !== undefined && la === lb ? { length: la } : {}) };
  }
  if (a.kind === b.kind && (a.kind === "object" || a.kind === "layer" || a.kind === "ref" || a.kind === "dict")) return a;
  return UNKNOWN;
}

export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  if (a.kind === "tensor" && b.kind === "tensor") {
    if (a.shape === null || b.shape === null) return a.shape === b.shape;
    return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape![i]);
  }
  if (a.kind === "int" && b.kind === "int") return a.dim === b.dim;
  if (a.kind === "tuple" && b.kind === "tuple") return a.items.length === b.items.length && a.items.every((x, i) => sameValue(x, b.items[i]));
  if (a.kind === "list" && b.kind === "list") {
    if (a.items && b.items) return a.items.length === b.items.length && a.items.every((x, i) => sameValue(x, b.items![i]));
    return !a.items && !b.items && a.length === b.length && (a.item && b.item ? sameValue(a.item, b.item) : a.item === b.item);
  }
  return a.kind !== "unknown";
}

/** The shape a value has as an array operand: Python numbers are scalars. */
export function shapeOf(v: Value): Shape | undefined {
  if (v.kind === "tensor") return v.shape;
  if (v.kind === "int" || v.kind === "float" || v.kind === "bool") return [];
  return undefined;
}

/** True when any of the values is a tensor reached by an assumption. */
export function anyAssumed(...values: (Value | undefined)[]): boolean {
  return values.some((v) => (v?.kind === "tensor" || v?.kind === "int") && v.assumed === true);
}

export function describeKind(v: Value): string {
  switch (v.kind) {
    case "tensor":
      return "array";
    case "int":
      return "int";
    case "float":
      return "float";
    case "bool":
      return "bool";
    case "layer":
      return v.label;
    case "object":
      return v.cls.def.name;
    default:
      return v.kind;
  }
}
