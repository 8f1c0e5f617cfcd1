import type * as A from "../python/ast.js";
import { positionOf } from "../python/parse.js";

/**
 * The `# gradcheck:` directive (contract §2): a comment line right above a class, a
 * `NAME_forward` def or a loss def (above its decorators) that says how to call it.
 *
 *     # gradcheck: init(4, 3), x=randn(4), y=randint(0, 3, 5), eps=1e-6, skip
 */
export interface Directive {
  /** 0-based line of the comment */
  line: number;
  /** the text inside `init(...)`, as written */
  init?: string;
  /** input name → Python expression text */
  inputs: Map<string, string>;
  eps?: number;
  atol?: number;
  rtol?: number;
  mode?: "full" | "fast" | "sample";
  wrt?: string[];
  skip: boolean;
  /** parts that could not be read, for a clear message */
  problems: string[];
}

const OPTION_NAMES = new Set(["eps", "atol", "rtol", "mode", "wrt"]);

/** The directive above a definition starting at `defFrom` (its first decorator, if any). */
export function directiveAbove(module: A.Module, defFrom: number): Directive | undefined {
  const lineStarts = module.lineStarts;
  const line = positionOf(lineStarts, defFrom).line;
  // Only comment lines may stand between the directive and the definition.
  for (let l = line - 1; l >= 0; l--) {
    const text = module.text.slice(lineStarts[l], lineStarts[l + 1] ?? module.text.length).trim();
    if (text === "") return undefined;
    if (!text.startsWith("#")) return undefined;
    const m = /^#\s*gradcheck\s*:(.*)$/.exec(text);
    if (m) return parseDirective(m[1], l);
  }
  return undefined;
}

export function parseDirective(body: string, line = 0): Directive {
  const d: Directive = { line, inputs: new Map(), skip: false, problems: [] };
  for (const raw of splitTopLevel(body)) {
    const part = raw.trim();
    if (!part) continue;
    if (part === "skip") {
      d.skip = true;
      continue;
    }
    const init = /^init\s*\((.*)\)$/s.exec(part);
    if (init) {
      d.init = init[1].trim();
      continue;
    }
    const kv = /^([A-Za-z_]\w*)\s*=\s*(.+)$/s.exec(part);
    if (!kv) {
      d.problems.push(`cannot read "${part}"`);
      continue;
    }
    const [, name, value] = kv;
    if (!OPTION_NAMES.has(name)) {
      d.inputs.set(name, value.trim());
      continue;
    }
    if (name === "mode") {
      if (value === "full" || value === "fast" || value === "sample") d.mode = value;
      else d.problems.push(`mode must be full, fast or sample, not ${value}`);
    } else if (name === "wrt") {
      d.wrt = value.replace(/^[([]|[)\]]$/g, "").split(",").map((s) => s.trim()).filter(Boolean);
    } else {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) d.problems.push(`${name} must be a positive number, not ${value}`);
      else d[name as "eps" | "atol" | "rtol"] = n;
    }
  }
  return d;
}

/** Splits on commas outside brackets and strings. */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = "";
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    if (c === "," && depth === 0 && !quote) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}
