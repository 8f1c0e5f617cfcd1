import type * as A from "../python/ast.js";
import { type Dim, type Shape, parseDim } from "./dim.js";

/**
 * Shapes stated by the user rather than inferred: jaxtyping annotations, numpy-course
 * docstrings, and `# x: (N, D)` / `# (B, T, C)` comments (contract §1.1–1.3).
 */

export type DType = "float" | "int" | "bool";

export interface StatedShape {
  shape: Shape;
  dtype?: DType;
}

const JAXTYPING_DTYPES: Record<string, DType | undefined> = {
  Float: "float",
  Float16: "float",
  Float32: "float",
  Float64: "float",
  BFloat16: "float",
  Int: "int",
  Int8: "int",
  Int16: "int",
  Int32: "int",
  Int64: "int",
  UInt: "int",
  UInt8: "int",
  Integer: "int",
  Bool: "bool",
  Shaped: undefined,
  Num: undefined,
  Real: "float",
  Inexact: "float",
  Complex: undefined,
};

/**
 * The shape in a dim list such as `N, D` or `N, d_1, ..., d_k` (variadic: unknown rank);
 * undefined when the text is not a dim list at all (prose in parentheses).
 */
export function tryDimList(inner: string): Shape | undefined {
  const items = splitTopLevel(inner, ",").map((s) => s.trim());
  if (items.length && items[items.length - 1] === "" && items.length > 1) items.pop();
  if (items.length === 0 || (items.length === 1 && items[0] === "")) return items.length === 1 ? [] : undefined;
  const variadic = items.some((s) => s === "..." || s === "…" || /^\*[A-Za-z_]\w*$/.test(s));
  const dims: Dim[] = [];
  for (const item of items) {
    if (item === "..." || item === "…" || /^\*[A-Za-z_]\w*$/.test(item)) continue;
    if (item === "?" || item === "_") {
      dims.push(null);
      continue;
    }
    if (!/^[\w\s+\-*/()#]+$/.test(item)) return undefined;
    const d = parseDim(item.replace(/^#/, ""));
    if (d === null) return undefined;
    dims.push(d);
  }
  return variadic ? null : dims;
}

function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    if (c === sep && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The text inside the balanced parentheses that open at `start`. */
function balancedParen(s: string, start: number): string | undefined {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")") {
      depth--;
      if (depth === 0) return s.slice(start + 1, i);
    }
  }
  return undefined;
}

/** `Float[np.ndarray, "n m"]`, `Int[Tensor, "batch"]`, `Shaped[Array, "*b c"]`. */
export function shapeFromAnnotation(ann: A.Expr | undefined): StatedShape | undefined {
  if (!ann || ann.kind !== "subscript") return undefined;
  const head = ann.object.kind === "name" ? ann.object.id : ann.object.kind === "attribute" ? ann.object.attr : undefined;
  if (!head || !(head in JAXTYPING_DTYPES)) return undefined;
  const spec = ann.index[1];
  if (!spec || spec.kind !== "string") return undefined;
  const words = spec.value.trim() === "" ? [] : spec.value.trim().split(/\s+/);
  const dims: Dim[] = [];
  for (const w of words) {
    if (w === "..." || w.startsWith("*")) return { shape: null, dtype: JAXTYPING_DTYPES[head] };
    if (w === "_" || w.startsWith("_")) {
      dims.push(null);
      continue;
    }
    // `#b` is broadcastable, `name=expr` names an expression: keep the dim's name or expression.
    const bare = w.replace(/^#/, "").replace(/^\w+=/, "");
    dims.push(parseDim(bare));
  }
  return { shape: dims, dtype: JAXTYPING_DTYPES[head] };
}

const DOC_LINE = /^\s*(?:[-*•]\s*)?([A-Za-z_]\w*)\s*(\([^)]*\))?\s*:\s*(.*)$/;

/**
 * Parameter shapes from a numpy-course docstring: `- x: Input data, of shape (N, D)`,
 * `- b: Biases of shape (H,)`, `w: (D, M)`, `x (ndarray): shape (N, D)`.
 */
export function docstringShapes(doc: string | undefined): Map<string, StatedShape> {
  const out = new Map<string, StatedShape>();
  if (!doc) return out;
  const lines = doc.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = DOC_LINE.exec(lines[i]);
    if (!m) continue;
    const [, name, typeNote] = m;
    // A description may wrap onto the next, more indented line.
    let text = m[3];
    const indent = lines[i].search(/\S/);
    for (let j = i + 1; j < lines.length && j <= i + 2; j++) {
      const nextIndent = lines[j].search(/\S/);
      if (nextIndent <= indent || DOC_LINE.test(lines[j])) break;
      text += " " + lines[j].trim();
    }
    const shape = shapeInDescription(text);
    if (shape === undefined) continue;
    if (!out.has(name)) out.set(name, { shape, dtype: dtypeFromDescription(`${typeNote ?? ""} ${text}`) });
  }
  return out;
}

function shapeInDescription(text: string): Shape | undefined {
  const t = text.trim();
  if (t.startsWith("(")) {
    const inner = balancedParen(t, 0);
    if (inner !== undefined) {
      const s = tryDimList(inner);
      if (s !== undefined) return s;
    }
  }
  const re = /\bshape\b\s*[:=]?\s*(?:of\s*)?\(/gi;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const open = m.index + m[0].length - 1;
    const inner = balancedParen(t, open);
    if (inner === undefined) continue;
    const s = tryDimList(inner);
    if (s !== undefined) return s;
  }
  // "A scalar" / "scalar value"
  if (/^(a |the )?scalar\b/i.test(t)) return [];
  return undefined;
}

function dtypeFromDescription(text: string): DType | undefined {
  if (/\b(int|integer|labels?|indices|index)\b/i.test(text)) return "int";
  if (/\bbool(ean)?\b|\bmask\b/i.test(text)) return "bool";
  return undefined;
}

/** `# x: (n_in,), w: (n_in, n_out)` on a `def` line. */
export function defCommentShapes(comment: string): Map<string, StatedShape> {
  const out = new Map<string, StatedShape>();
  const body = comment.replace(/^#\s*/, "");
  const re = /([A-Za-z_]\w*)\s*:\s*\(/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const inner = balancedParen(body, m.index + m[0].length - 1);
    if (inner === undefined) continue;
    const s = tryDimList(inner);
    if (s !== undefined) out.set(m[1], { shape: s });
  }
  return out;
}

/** A trailing comment that is only a dim list: `# (B, nh, T, hs)`. */
export function trailingCommentShape(comment: string): Shape | undefined {
  const body = comment.replace(/^#\s*/, "").trim();
  // Allow a short label before it: `# shape: (B, T, C)` or `# -> (N, H)`.
  const m = /^(?:shape\s*[:=]?\s*|->\s*|→\s*)?\((.*)\)\s*$/i.exec(body);
  if (!m) return undefined;
  const inner = balancedParen(body, body.indexOf("("));
  if (inner === undefined || inner.length !== m[1].length) return undefined;
  return tryDimList(inner);
}
