import type * as A from "../python/ast.js";
import { parseModule, positionOf } from "../python/parse.js";
import { statedParameterShapes } from "../shapes/infer.js";
import { substituteDim, symbolsOf, type Dim } from "../shapes/dim.js";
import { directiveAbove, type Directive } from "./directive.js";

/**
 * The hand-written backwards in a file (contract §2) and how to call each: its
 * inputs from the `# gradcheck:` directive, else made from the stated shapes (each
 * symbol its own size, all at least 2, so that a missing transpose or sum cannot hide).
 */

export type UnitKind = "gate" | "pair" | "loss" | "function";

export interface PlannedInput {
  name: string;
  /** a Python expression from the directive */
  expr?: string;
  /** or a shape to fill with seeded values */
  shape?: number[];
  dtype?: "float" | "int";
  /** int inputs are drawn from [0, high): labels must index the smallest axis */
  high?: number;
}

/** What the harness needs to run one check (the plan's JSON is the harness protocol). */
export interface UnitPlan {
  name: string;
  kind: UnitKind;
  /** 1-based line of the class, the NAME_forward def or the loss def */
  line: number;
  className?: string;
  forward?: string;
  backward?: string;
  function?: string;
  init?: string;
  inputs: PlannedInput[];
  eps?: number;
  atol?: number;
  rtol?: number;
  mode?: "full" | "fast" | "sample" | null;
  wrt?: string[] | null;
  skip: boolean;
}

export interface DiscoveredUnit {
  plan: UnitPlan;
  /** Set when the inputs cannot be made: the message and the directive to add. */
  needsInputs?: { message: string; directive: string };
  /** problems reading the directive */
  problems: string[];
  /** offsets of the unit's definition, for code lenses */
  from: number;
  to: number;
}

export function discoverUnits(text: string): DiscoveredUnit[] {
  // Only the stated shapes of each unit's parameters are needed, not a whole-file
  // analysis: this runs for code lenses on every edit.
  const module = parseModule(text);
  const out: DiscoveredUnit[] = [];
  const functions = new Map<string, A.FunctionDef>();
  for (const s of module.body) if (s.kind === "def") functions.set(s.name, s);
  for (const s of module.body) {
    if (s.kind === "class") {
      const methods = new Map(s.body.filter((m): m is A.FunctionDef => m.kind === "def").map((m) => [m.name, m]));
      const fwd = methods.get("forward");
      const bwd = methods.get("backward");
      if (!fwd || !bwd) continue;
      const isFunction = s.bases.some((b) => /(^|\.)Function$/.test(module.text.slice(b.from, b.to).trim()));
      const kind: UnitKind = isFunction ? "function" : "gate";
      const params = fwd.params.slice(1).filter((p) => !p.star);
      out.push(plan(module, fwd, s, { name: s.name, kind, className: s.name }, params, s.nameSpan.from));
    }
  }
  for (const [name, def] of functions) {
    if (name.endsWith("_forward") && functions.has(name.replace(/_forward$/, "_backward"))) {
      const unit = name.replace(/_forward$/, "");
      out.push(plan(module, def, def, { name: unit, kind: "pair", forward: name, backward: `${unit}_backward` }, def.params.filter((p) => !p.star), def.nameSpan.from));
    } else if (/_loss(_and_grad)?$/.test(name) || (isLossVariant(module, name, def) && returnsPair(def))) {
      out.push(plan(module, def, def, { name, kind: "loss", function: name }, def.params.filter((p) => !p.star), def.nameSpan.from));
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

/**
 * Beyond contract §2's `*_loss`: the names courses give their versions of one loss
 * (`svm_loss_naive`, `softmax_loss_vectorized`), and any function a `# gradcheck:`
 * directive marks. Both only when the function ends by returning a pair, `(loss, grad)`,
 * so that `plot_loss_history` is never taken for one.
 */
function isLossVariant(module: A.Module, name: string, def: A.FunctionDef): boolean {
  return /_loss_[A-Za-z0-9]+$/.test(name) || directiveAbove(module, def.from) !== undefined;
}

function returnsPair(def: A.FunctionDef): boolean {
  const last = def.body[def.body.length - 1];
  return last?.kind === "return" && last.value?.kind === "tuple" && last.value.elements.length === 2;
}

function plan(
  module: A.Module,
  /** the function whose parameters are the unit's inputs */
  inputsOf: A.FunctionDef,
  def: A.FunctionDef | A.ClassDef,
  base: Pick<UnitPlan, "name" | "kind" | "className" | "forward" | "backward" | "function">,
  params: A.Param[],
  nameAt: number,
): DiscoveredUnit {
  const directive = directiveAbove(module, def.from);
  const line = positionOf(module.lineStarts, nameAt).line + 1;
  const stated = new Map<string, Dim[] | null>([...statedParameterShapes(module, inputsOf)].map(([k, v]) => [k, v.shape]));
  // Sizes shared by every input of the unit: N is the same N in x and in y.
  const sizes = new Map<string, Dim>();
  let next = 2;
  const sizeOf = (d: Dim): number => {
    for (const sym of symbolsOf(d)) if (!sizes.has(sym)) sizes.set(sym, next++);
    const v = substituteDim(d, sizes);
    return typeof v === "number" && v > 0 ? v : next++;
  };
  const inputs: PlannedInput[] = [];
  const missing: string[] = [];
  const intInputs: PlannedInput[] = [];
  for (const p of params) {
    const expr = directive?.inputs.get(p.name);
    if (expr !== undefined) {
      inputs.push({ name: p.name, expr });
      continue;
    }
    // A parameter with a default is called with it (reg=0.0, mode="train").
    if (p.default) break;
    const shape = stated.get(p.name);
    if (shape === undefined || shape === null || shape.some((d) => d === null)) {
      missing.push(p.name);
      inputs.push({ name: p.name });
      continue;
    }
    const dims = shape.map(sizeOf);
    const dtype = docDtype(def, p.name);
    const input: PlannedInput = { name: p.name, shape: dims, dtype };
    if (dtype === "int") intInputs.push(input);
    inputs.push(input);
  }
  const smallest = Math.min(...[...sizes.values()].filter((v): v is number => typeof v === "number"), 2);
  for (const i of intInputs) i.high = smallest;
  const unit: DiscoveredUnit = {
    plan: {
      ...base,
      line,
      ...(directive?.init !== undefined ? { init: directive.init } : {}),
      inputs,
      ...(directive?.eps ? { eps: directive.eps } : {}),
      ...(directive?.atol ? { atol: directive.atol } : {}),
      ...(directive?.rtol ? { rtol: directive.rtol } : {}),
      mode: directive?.mode ?? null,
      wrt: directive?.wrt ?? null,
      skip: directive?.skip ?? false,
    },
    problems: directive?.problems ?? [],
    from: def.from,
    to: def.to,
  };
  if (base.kind === "gate" && directive?.init === undefined && needsInit(def)) missing.push("init(...)");
  if (missing.length) {
    unit.needsInputs = {
      message: `GradLens cannot tell the shape of ${missing.join(", ")}; say how to call ${base.name} with a directive above it`,
      directive: directiveTemplate(base.kind, params, stated, directive, def),
    };
  }
  return unit;
}

/** Does the gate's __init__ take arguments without defaults? */
function needsInit(def: A.FunctionDef | A.ClassDef): boolean {
  if (def.kind !== "class") return false;
  const init = def.body.find((s): s is A.FunctionDef => s.kind === "def" && s.name === "__init__");
  return !!init && init.params.slice(1).some((p) => !p.default && !p.star);
}

function docDtype(def: A.FunctionDef | A.ClassDef, name: string): "float" | "int" {
  const doc = def.kind === "def" ? def.docstring?.value : undefined;
  const line = doc?.split("\n").find((l) => new RegExp(`^\\s*[-*]?\\s*${name}\\b`).test(l));
  return line && /\b(int|integer|labels?|indices|index)\b/i.test(line) ? "int" : "float";
}

/** `# gradcheck: init(...), x=randn(...), ...` with the sizes GradLens could read filled in. */
function directiveTemplate(kind: UnitKind, params: A.Param[], stated: Map<string, Dim[] | null>, directive: Directive | undefined, def: A.FunctionDef | A.ClassDef): string {
  const parts: string[] = [];
  if (kind === "gate" && needsInit(def)) parts.push(directive?.init !== undefined ? `init(${directive.init})` : "init(...)");
  for (const p of params) {
    if (p.default) break;
    if (directive?.inputs.has(p.name)) {
      parts.push(`${p.name}=${directive.inputs.get(p.name)}`);
      continue;
    }
    const s = stated.get(p.name);
    const dims = s && s.every((d) => d !== null) ? s.map((d, i) => (typeof d === "number" ? d : 2 + i)).join(", ") : "...";
    parts.push(`${p.name}=randn(${dims})`);
  }
  return `# gradcheck: ${parts.join(", ")}`;
}

/**
 * The 1-based line where a unit's backward computes the gradient of `wrt` (the last
 * assignment to `dW`, `grad_W`, `W_grad`, `self.dW`, ...), for putting a failure's
 * diagnostic where the fix goes; undefined when no such line is found.
 */
export function gradientLine(text: string, plan: Pick<UnitPlan, "kind" | "backward" | "function" | "className">, wrt: string): number | undefined {
  const module = parseModule(text);
  let body: A.Stmt[] | undefined;
  if (plan.kind === "pair") body = module.body.find((s): s is A.FunctionDef => s.kind === "def" && s.name === plan.backward)?.body;
  else if (plan.kind === "loss") body = module.body.find((s): s is A.FunctionDef => s.kind === "def" && s.name === plan.function)?.body;
  else {
    const cls = module.body.find((s): s is A.ClassDef => s.kind === "class" && s.name === plan.className);
    body = cls?.body.find((s): s is A.FunctionDef => s.kind === "def" && s.name === "backward")?.body;
  }
  if (!body) return undefined;
  const names = new Set([`d${wrt}`, `grad_${wrt}`, `${wrt}_grad`, `d_${wrt}`, `grad${wrt}`]);
  let found: number | undefined;
  const visit = (stmts: A.Stmt[]) => {
    for (const s of stmts) {
      const targets = s.kind === "assign" ? s.targets : s.kind === "augassign" ? [s.target] : [];
      const flat = targets.flatMap((t) => (t.kind === "tuple" || t.kind === "list" ? t.elements : [t]));
      for (const t of flat) {
        const name = t.kind === "name" ? t.id : t.kind === "attribute" ? t.attr : t.kind === "subscript" && t.index[0]?.kind === "string" ? t.index[0].value : undefined;
        if (name && names.has(name)) found = positionOf(module.lineStarts, s.from).line + 1;
      }
      if (s.kind === "if") {
        visit(s.body);
        visit(s.orElse);
      } else if (s.kind === "for" || s.kind === "while" || s.kind === "with") visit(s.body);
    }
  };
  visit(body);
  return found;
}
