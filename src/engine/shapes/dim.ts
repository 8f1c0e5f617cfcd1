/**
 * Dims: the sizes of tensor axes, concrete (`5`), symbolic (`N`, `C*H*W`,
 * `H+2*pad-HH+1`, `C//n_head`) or unknown (`null`).
 *
 * A symbolic dim is kept as a polynomial with integer coefficients over atoms
 * (symbols, and floor divisions that do not simplify), and printed in one canonical
 * form, so `C*H*W` and `W*C*H` are the same string and equality is string equality.
 */

/** A number, a canonical expression string, or `null` for unknown. */
export type Dim = number | string | null;

/** A list of dims; `[]` is a scalar; `null` is an unknown rank. */
export type Shape = Dim[] | null;

/** monomial key (atoms joined by `*`, sorted; "" for the constant) → coefficient */
type Poly = Map<string, number>;

const polyCache = new Map<string, Poly | null>();

/** Parses a dim written by a user or produced by `formatDim`. `?`, `_` and junk give null. */
export function parseDim(text: string): Dim {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const p = toPoly(t);
  return p ? fromPoly(p) : null;
}

export function formatDim(d: Dim): string {
  return d === null ? "?" : String(d);
}

export function formatShape(s: Shape): string {
  if (s === null) return "(?…)";
  if (s.length === 1) return `(${formatDim(s[0])},)`;
  return `(${s.map(formatDim).join(", ")})`;
}

function toPoly(expr: string): Poly | null {
  const cached = polyCache.get(expr);
  if (cached !== undefined) return cached;
  let result: Poly | null;
  try {
    result = new DimParser(expr).parseAll();
  } catch {
    result = null;
  }
  if (polyCache.size > 50_000) polyCache.clear();
  polyCache.set(expr, result);
  return result;
}

function polyOf(d: number | string): Poly | null {
  return typeof d === "number" ? constPoly(d) : toPoly(d);
}

function constPoly(n: number): Poly {
  return new Map(n === 0 ? [] : [["", n]]);
}

function fromPoly(p: Poly): Dim {
  const terms = [...p.entries()].filter(([, c]) => c !== 0);
  if (terms.length === 0) return 0;
  if (terms.length === 1 && terms[0][0] === "") return terms[0][1];
  // Highest degree first, then by name; the constant last.
  terms.sort(([a], [b]) => {
    if (a === "") return 1;
    if (b === "") return -1;
    const da = splitAtoms(a).length;
    const db = splitAtoms(b).length;
    return db - da || (a < b ? -1 : a > b ? 1 : 0);
  });
  let out = "";
  for (const [mono, coef] of terms) {
    const abs = Math.abs(coef);
    const atoms = splitAtoms(mono);
    // A quotient beside other factors is parenthesised so the text parses back the same.
    const factors = atoms.length === 1 && abs === 1 ? mono : atoms.map((a) => (a.includes("//") ? `(${a})` : a)).join("*");
    const body = mono === "" ? String(abs) : abs === 1 ? factors : `${abs}*${factors}`;
    if (out === "") out = coef < 0 ? `-${body}` : body;
    else out += coef < 0 ? `-${body}` : `+${body}`;
  }
  return out;
}

function addPoly(a: Poly, b: Poly, sign = 1): Poly {
  const out = new Map(a);
  for (const [k, v] of b) {
    const n = (out.get(k) ?? 0) + sign * v;
    if (n === 0) out.delete(k);
    else out.set(k, n);
  }
  return out;
}

function mulMono(a: string, b: string): string {
  if (a === "") return b;
  if (b === "") return a;
  return [...splitAtoms(a), ...splitAtoms(b)].sort().join("*");
}

function mulPoly(a: Poly, b: Poly): Poly {
  const out: Poly = new Map();
  for (const [ka, va] of a) {
    for (const [kb, vb] of b) {
      const k = mulMono(ka, kb);
      const n = (out.get(k) ?? 0) + va * vb;
      if (n === 0) out.delete(k);
      else out.set(k, n);
    }
  }
  return out;
}

/** Exact division of a by b when b is a single monomial dividing every term of a. */
function divPolyExact(a: Poly, b: Poly): Poly | null {
  if (b.size !== 1) {
    // Equal polynomials, or one a constant multiple of the other, divide exactly.
    let ratio: number | null = null;
    if (a.size !== b.size) return null;
    for (const [k, v] of b) {
      const av = a.get(k);
      if (av === undefined) return null;
      const r = av / v;
      if (!Number.isInteger(r) || (ratio !== null && r !== ratio)) return null;
      ratio = r;
    }
    return ratio === null ? null : constPoly(ratio);
  }
  const [[bm, bc]] = [...b.entries()];
  const bAtoms = bm === "" ? [] : splitAtoms(bm);
  const out: Poly = new Map();
  for (const [am, ac] of a) {
    if (ac % bc !== 0) return null;
    const atoms = am === "" ? [] : splitAtoms(am);
    for (const atom of bAtoms) {
      const i = atoms.indexOf(atom);
      if (i < 0) return null;
      atoms.splice(i, 1);
    }
    out.set(atoms.join("*"), ac / bc);
  }
  return out;
}

function atomOf(d: Dim): string {
  const s = String(d);
  return /^([A-Za-z_][A-Za-z_0-9]*|\d+)$/.test(s) ? s : `(${s})`;
}

export function addDim(a: Dim, b: Dim): Dim {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return a + b;
  const pa = polyOf(a);
  const pb = polyOf(b);
  return pa && pb ? fromPoly(addPoly(pa, pb)) : null;
}

export function subDim(a: Dim, b: Dim): Dim {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const pa = polyOf(a);
  const pb = polyOf(b);
  return pa && pb ? fromPoly(addPoly(pa, pb, -1)) : null;
}

export function mulDim(a: Dim, b: Dim): Dim {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return a * b;
  const pa = polyOf(a);
  const pb = polyOf(b);
  return pa && pb ? fromPoly(mulPoly(pa, pb)) : null;
}

/** Python's `a // b`; symbolic when it does not simplify (`C//n_head`). */
export function floorDivDim(a: Dim, b: Dim): Dim {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return b === 0 ? null : Math.floor(a / b);
  if (b === 1) return a;
  const pa = polyOf(a);
  const pb = polyOf(b);
  return pa && pb ? fromPoly(floorDivPoly(pa, pb)) : null;
}

function floorDivPoly(pa: Poly, pb: Poly): Poly {
  const exact = divPolyExact(pa, pb);
  if (exact) return exact;
  // An opaque atom: the quotient is kept as written, in canonical operands.
  return new Map([[`${atomOf(fromPoly(pa))}//${atomOf(fromPoly(pb))}`, 1]]);
}

/** `a / b` when it divides exactly (reshape's -1), else null. */
export function divDimExact(a: Dim, b: Dim): Dim {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return b !== 0 && a % b === 0 ? a / b : null;
  const pa = polyOf(a);
  const pb = polyOf(b);
  if (!pa || !pb) return null;
  const exact = divPolyExact(pa, pb);
  return exact ? fromPoly(exact) : null;
}

export function productDims(dims: readonly Dim[]): Dim {
  let p: Dim = 1;
  for (const d of dims) p = mulDim(p, d);
  return p;
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a !== null && b !== null && a === b;
}

/**
 * True only when a and b can never be equal: two different numbers, or expressions
 * whose difference is a non-zero constant (`N` and `N+1`). Two different symbols may
 * be equal at run time, so they are not "certainly different".
 */
export function certainlyDifferent(a: Dim, b: Dim): boolean {
  if (a === null || b === null) return false;
  if (typeof a === "number" && typeof b === "number") return a !== b;
  const diff = subDim(a, b);
  return typeof diff === "number" && diff !== 0;
}

/** A dim that could be 1 at run time (so it could broadcast). */
export function mayBeOne(d: Dim): boolean {
  return typeof d !== "number" || d === 1;
}

/** All symbols a dim mentions. */
export function symbolsOf(d: Dim): string[] {
  if (typeof d !== "string") return [];
  return [...new Set(d.match(/[A-Za-z_][A-Za-z_0-9]*/g) ?? [])];
}

/** Replaces symbols by dims (`N` → 4), for making concrete inputs and call contexts. */
export function substituteDim(d: Dim, values: ReadonlyMap<string, Dim>): Dim {
  if (typeof d !== "string") return d;
  const p = toPoly(d);
  if (!p) return null;
  let out: Dim = 0;
  for (const [mono, coef] of p) {
    let term: Dim = coef;
    if (mono !== "") {
      for (const atom of splitAtoms(mono)) {
        const div = /^(.*)\/\/(.*)$/.exec(atom);
        const v = div
          ? floorDivDim(substituteDim(unparen(div[1]), values), substituteDim(unparen(div[2]), values))
          : values.has(atom)
            ? values.get(atom)!
            : atom;
        term = mulDim(term, v);
      }
    }
    out = addDim(out, term);
  }
  return out;
}

function unparen(s: string): Dim {
  const t = s.startsWith("(") && s.endsWith(")") ? s.slice(1, -1) : s;
  return parseDim(t);
}

/** Splits a monomial key on `*` outside parentheses. */
function splitAtoms(mono: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (let i = 0; i < mono.length; i++) {
    const c = mono[i];
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (c === "*" && depth === 0 && mono[i + 1] !== "*" && mono[i - 1] !== "*") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Recursive-descent parser of dim expressions: + - * // and parentheses over ints and names. */
class DimParser {
  private pos = 0;
  private readonly tokens: string[];
  constructor(text: string) {
    this.tokens = text.match(/\d+|[A-Za-z_][A-Za-z_0-9]*|\/\/|\*\*|[-+*()]|\S/g) ?? [];
  }
  parseAll(): Poly | null {
    if (this.tokens.length === 0) return null;
    const p = this.sum();
    return this.pos === this.tokens.length ? p : null;
  }
  private peek(): string | undefined {
    return this.tokens[this.pos];
  }
  private sum(): Poly {
    let acc = this.product();
    for (;;) {
      const t = this.peek();
      if (t !== "+" && t !== "-") return acc;
      this.pos++;
      acc = addPoly(acc, this.product(), t === "+" ? 1 : -1);
    }
  }
  private product(): Poly {
    let acc = this.unary();
    for (;;) {
      const t = this.peek();
      if (t !== "*" && t !== "//") return acc;
      this.pos++;
      const rhs = this.unary();
      if (t === "*") acc = mulPoly(acc, rhs);
      else {
        const a = fromPoly(acc);
        const b = fromPoly(rhs);
        if (typeof a === "number" && typeof b === "number") {
          if (b === 0) throw new Error("division by zero");
          acc = constPoly(Math.floor(a / b));
        } else acc = floorDivPoly(acc, rhs);
      }
    }
  }
  private unary(): Poly {
    if (this.peek() === "-") {
      this.pos++;
      return mulPoly(constPoly(-1), this.unary());
    }
    if (this.peek() === "+") {
      this.pos++;
      return this.unary();
    }
    return this.atom();
  }
  /** `a ** k` with a small whole k, as Python writes `(H // p) ** 2`. */
  private atom(): Poly {
    const base = this.primary();
    if (this.peek() !== "**") return base;
    this.pos++;
    const k = this.tokens[this.pos++];
    if (k === undefined || !/^\d+$/.test(k) || Number(k) > 8) throw new Error("unsupported power");
    let out = constPoly(1);
    for (let i = 0; i < Number(k); i++) out = mulPoly(out, base);
    return out;
  }

  private primary(): Poly {
    const t = this.tokens[this.pos++];
    if (t === undefined) throw new Error("end of dim");
    if (t === "(") {
      const p = this.sum();
      if (this.tokens[this.pos++] !== ")") throw new Error("missing )");
      return p;
    }
    if (/^\d+$/.test(t)) return constPoly(Number(t));
    if (/^[A-Za-z_][A-Za-z_0-9]*$/.test(t)) {
      if (t === "_") throw new Error("wildcard");
      return new Map([[t, 1]]);
    }
    throw new Error(`unexpected ${t}`);
  }
}
