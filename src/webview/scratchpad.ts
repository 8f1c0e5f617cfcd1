import { ConstantNode, FunctionNode, OperatorNode, SymbolNode, derivative, evaluate, parse, type MathNode } from "mathjs";
import type { ComputationGraph, GraphEdge, GraphNode } from "../engine/graph/types.js";
import { splitTopLevel } from "./text.js";

/**
 * The scratchpad: a scalar expression typed in the panel becomes a ComputationGraph the
 * panel draws like a function's, evaluated forward and reverse-mode over the mathjs
 * expression tree. Each operation's local derivative is differentiated symbolically by
 * mathjs with respect to placeholders for its inputs (`u0`, `u1`), never the user's
 * variables, so `x * x` gets one derivative per edge and the fan-out sum adds them.
 * No DOM here: it runs under `node --test` too.
 */

export interface ScratchResult {
  graph: ComputationGraph;
  /** ∂f/∂v for each variable, as mathjs differentiates the whole expression (null where it cannot) */
  gradients: { name: string; value: number; tex: string | null }[];
}

const MAX_OPS = 500;
const KNOWN_CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E, tau: 2 * Math.PI };

const OP_NAMES: Record<string, string> = {
  add: "add",
  subtract: "sub",
  multiply: "mul",
  divide: "div",
  unaryMinus: "neg",
  unaryPlus: "pos",
  pow: "pow",
};

const DESCRIBE: Record<string, string> = {
  add: "distributes: each input gets the upstream gradient unchanged",
  sub: "distributes: the left input gets the upstream gradient, the right one its negative",
  mul: "switches: each input gets the upstream gradient times the other input",
  max: "routes: the largest input gets the upstream gradient, the others get 0",
  min: "routes: the smallest input gets the upstream gradient, the others get 0",
  neg: "negates the upstream gradient",
};

export function parseScalarAssignments(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of splitTopLevel(text)) {
    const m = /^\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*$/s.exec(part);
    if (!m) throw new Error(`expected name = value, got "${part.trim()}"`);
    let v: unknown;
    try {
      v = evaluate(m[2]);
    } catch (e) {
      throw new Error(`${m[1]}: ${(e as Error).message}`);
    }
    if (typeof v !== "number") throw new Error(`${m[1]}: the scratchpad takes real scalars, got "${m[2]}"`);
    out[m[1]] = v;
  }
  return out;
}

interface Built {
  node: GraphNode;
  /** placeholder expression of this operation over its inputs u0, u1, … */
  local?: MathNode;
  args: string[];
}

export function scratchGraph(expression: string, valuesText: string): ScratchResult {
  if (!expression.trim()) throw new Error("type an expression, such as (x + y) * max(y, z)");
  let root: MathNode;
  try {
    root = parse(expression);
  } catch (e) {
    throw new Error(`cannot read the expression: ${(e as Error).message}`);
  }
  const values = parseScalarAssignments(valuesText);

  const built: Built[] = [];
  const byId = new Map<string, Built>();
  const symbols = new Map<string, string>();
  const texName = new Map<string, string>();
  let ops = 0;

  const add = (b: Built) => {
    built.push(b);
    byId.set(b.node.id, b);
    return b.node.id;
  };
  const node = (id: string, op: string, label: string, value: number, extra: Partial<GraphNode> = {}): GraphNode => ({
    id, op, label, line: null, shape: [], value, grad: null, local: "", ...extra,
  });

  const visit = (n: MathNode): string => {
    while (n.type === "ParenthesisNode") n = (n as unknown as { content: MathNode }).content;
    if (n.type === "SymbolNode") {
      const name = (n as SymbolNode).name;
      const known = symbols.get(name);
      if (known) return known;
      let id: string;
      if (name in values) id = add({ node: node(`s${built.length}`, "input", name, values[name], { name }), args: [] });
      else if (name in KNOWN_CONSTANTS) id = add({ node: node(`s${built.length}`, "const", name, KNOWN_CONSTANTS[name]), args: [] });
      else throw new Error(`give a value for ${name} (for example ${name} = 1)`);
      symbols.set(name, id);
      texName.set(id, symbolTex(name));
      return id;
    }
    if (n.type === "ConstantNode") {
      const v = (n as ConstantNode).value;
      if (typeof v !== "number") throw new Error(`the scratchpad takes numbers, not ${JSON.stringify(v)}`);
      const id = add({ node: node(`c${built.length}`, "const", n.toString(), v), args: [] });
      texName.set(id, n.toTex());
      return id;
    }
    if (n.type !== "OperatorNode" && n.type !== "FunctionNode") {
      throw new Error(`the scratchpad handles arithmetic and functions, not ${n.type.replace(/Node$/, "").toLowerCase()}s: ${n.toString()}`);
    }
    if (++ops > MAX_OPS) throw new Error(`the expression has more than ${MAX_OPS} operations`);
    const argsOf = (n as OperatorNode | FunctionNode).args;
    const args = argsOf.map(visit);
    const placeholders = args.map((_, i) => new SymbolNode(`u${i}`));
    let local: MathNode;
    let op: string;
    if (n.type === "OperatorNode") {
      const o = n as OperatorNode;
      local = new OperatorNode(o.op as never, o.fn as never, placeholders);
      op = OP_NAMES[o.fn] ?? o.fn;
    } else {
      const f = n as FunctionNode;
      local = new FunctionNode(f.fn.name, placeholders);
      op = f.fn.name;
    }
    const scope = Object.fromEntries(args.map((a, i) => [`u${i}`, byId.get(a)!.node.value as number]));
    let value: number;
    try {
      const r = local.evaluate(scope);
      value = typeof r === "number" ? r : NaN;
    } catch (e) {
      throw new Error(`${n.toString()}: ${(e as Error).message}`);
    }
    return add({ node: node(`q${built.length}`, op, n.toString(), value, { describe: DESCRIBE[op] }), local, args });
  };

  const outputId = visit(root);
  const opNodes = built.filter((b) => b.local);
  opNodes.forEach((b, i) => {
    const name = b.node.id === outputId ? "f" : `q${i + 1}`;
    b.node.name = name;
    texName.set(b.node.id, b.node.id === outputId ? "f" : `q_{${i + 1}}`);
  });

  // Local derivatives: numbers for backprop, LaTeX for the panel.
  const edges: GraphEdge[] = [];
  const localValues = new Map<string, number[]>();
  for (const b of opNodes) {
    const scope = Object.fromEntries(b.args.map((a, i) => [`u${i}`, byId.get(a)!.node.value as number]));
    const tex = (m: MathNode) => m.toTex({ handler: (s: MathNode) => (s.type === "SymbolNode" && /^u\d+$/.test((s as SymbolNode).name) ? ` ${texName.get(b.args[Number((s as SymbolNode).name.slice(1))])}` : undefined) });
    const me = texName.get(b.node.id)!;
    const parts: string[] = [];
    const nums: number[] = [];
    b.args.forEach((a, i) => {
      const d = localDerivative(b.node.op, b.local!, i, b.args.length, scope, (k) => texName.get(b.args[k])!);
      nums.push(d.value);
      if (byId.get(a)!.node.op === "const") return;
      const dTex = d.tex ?? (d.expr ? tex(d.expr) : "");
      parts.push(`\\frac{\\partial ${me}}{\\partial ${texName.get(a)}} ${d.numeric ? "\\approx" : "="} ${dTex}`);
    });
    localValues.set(b.node.id, nums);
    b.node.local = [`${me} = ${tex(b.local!)}`, ...(parts.length ? [parts.join(",\\quad ")] : [])].join(",\\qquad ");
    b.args.forEach((a, i) => edges.push({ from: a, to: b.node.id, arg: i }));
  }

  // Reverse mode: gradients flow from the output back, adding up where a value fans out.
  const grads = new Map<string, number>([[outputId, 1]]);
  for (let k = opNodes.length - 1; k >= 0; k--) {
    const b = opNodes[k];
    const upstream = grads.get(b.node.id) ?? 0;
    const nums = localValues.get(b.node.id)!;
    b.args.forEach((a, i) => {
      const e = edges.find((x) => x.to === b.node.id && x.arg === i)!;
      if (byId.get(a)!.node.op === "const") {
        e.grad = null;
        return;
      }
      e.grad = upstream * nums[i];
      grads.set(a, (grads.get(a) ?? 0) + e.grad);
    });
  }
  for (const b of built) b.node.grad = b.node.op === "const" ? null : grads.get(b.node.id) ?? 0;
  if (built.length === 1 && built[0].node.op !== "const") built[0].node.grad = 1;

  const gradients = [...symbols.entries()]
    .filter(([, id]) => byId.get(id)!.node.op === "input")
    .map(([name, id]) => {
      let texOut: string | null = null;
      try {
        texOut = derivative(root, name).toTex();
      } catch {
        texOut = null;
      }
      return { name, value: byId.get(id)!.node.grad as number, tex: texOut };
    });

  const notes: string[] = [];
  for (const b of opNodes) if (localValues.get(b.node.id)!.some((v) => Number.isNaN(v))) notes.push(`the local derivative of ${b.node.label} is undefined at these values`);
  return {
    graph: {
      function: expression.trim(),
      output: outputId,
      nodes: built.map((b) => b.node),
      edges,
      inputs: Object.fromEntries([...symbols.entries()].filter(([n]) => n in values).map(([n]) => [n, values[n]])),
      inputSource: "given",
      seed: 0,
      notes,
    },
    gradients,
  };
}

interface LocalDerivative {
  value: number;
  /** by central differences, where mathjs has no rule */
  numeric?: boolean;
  expr?: MathNode;
  tex?: string;
}

function localDerivative(op: string, local: MathNode, i: number, arity: number, scope: Record<string, number>, texOf: (k: number) => string): LocalDerivative {
  const u = (k: number) => `u${k}`;
  if (op === "max" || op === "min") {
    // Ties go to the first input, as `x >= y` does in the lecture's max gate.
    const vals = Array.from({ length: arity }, (_, k) => scope[u(k)]);
    const best = op === "max" ? Math.max(...vals) : Math.min(...vals);
    const winner = vals.indexOf(best);
    const ph = texOf;
    const cmp = op === "max" ? ["\\ge", ">"] : ["\\le", "<"];
    const tex =
      arity === 2
        ? `\\mathbb{1}[${ph(i)} ${i === 0 ? cmp[0] : cmp[1]} ${ph(1 - i)}]`
        : `\\mathbb{1}[${ph(i)} \\text{ is the ${op === "max" ? "largest" : "smallest"}}]`;
    return { value: i === winner ? 1 : 0, tex };
  }
  if (op === "abs") return { value: Math.sign(scope.u0), expr: parse("sign(u0)") };
  try {
    const d = derivative(local, u(i));
    const r = d.evaluate(scope);
    return { value: typeof r === "number" ? r : NaN, expr: d };
  } catch {
    // mathjs knows no rule for this function: central differences still give the number.
    const h = 1e-6 * Math.max(1, Math.abs(scope[u(i)]));
    const at = (dx: number) => Number(local.evaluate({ ...scope, [u(i)]: scope[u(i)] + dx }));
    const value = (at(h) - at(-h)) / (2 * h);
    return { value, numeric: true, tex: `${value.toPrecision(6)}\\ \\text{(numerically)}` };
  }
}

function symbolTex(name: string): string {
  if (name === "pi" || name === "tau") return `\\${name}`;
  if (/^[A-Za-z]$/.test(name)) return name;
  const m = /^([A-Za-z]+)_?(\d+)$/.exec(name);
  if (m && m[1].length === 1) return `${m[1]}_{${m[2]}}`;
  return `\\mathrm{${name.replace(/_/g, "\\_")}}`;
}
