import type { ArraySummary, ComputationGraph, GraphEdge, GraphNode, Nested } from "../engine/graph/types.js";

/**
 * Messages between the extension and the graph panel's webview, in both directions,
 * declared once. The webview validates every message it receives (`isHostMessage`)
 * and the extension validates every message from the webview (`isPanelMessage`):
 * each side treats the other as untrusted input, so a bug or a stale webview can
 * never crash the other.
 */

/** Extension → webview */
export type HostMessage =
  | { type: "graph"; graph: ComputationGraph; file: string; version: number }
  | { type: "error"; message: string; line?: number }
  /** the cursor moved in the editor; `line` is 1-based like `GraphNode.line` */
  | { type: "highlightLine"; line: number }
  | { type: "busy"; busy: boolean }
  /** the inputs typed in the panel's form could not be read; the graph is unchanged */
  | { type: "inputsError"; message: string };

/** Webview → extension */
export type PanelMessage =
  | { type: "ready" }
  | { type: "revealNode"; nodeId: string }
  | { type: "setInputs"; inputs: Record<string, string> }
  | { type: "reseed" }
  | { type: "exportImage"; format: "svg" | "png"; data: string }
  /** the step controls reached this node (null: stepping ended); the editor marks its line */
  | { type: "stepNode"; nodeId: string | null }
  /** a message in the panel named a line (where the graph stopped, an error) */
  | { type: "revealLine"; line: number };

const NODE_ID_MAX = 64;

export function isPanelMessage(m: unknown): m is PanelMessage {
  if (!m || typeof m !== "object") return false;
  const msg = m as Record<string, unknown>;
  switch (msg.type) {
    case "ready":
    case "reseed":
      return true;
    case "revealNode":
      return typeof msg.nodeId === "string" && msg.nodeId.length < NODE_ID_MAX;
    case "stepNode":
      return msg.nodeId === null || (typeof msg.nodeId === "string" && msg.nodeId.length < NODE_ID_MAX);
    case "revealLine":
      return isLine(msg.line);
    case "setInputs":
      return (
        !!msg.inputs &&
        typeof msg.inputs === "object" &&
        !Array.isArray(msg.inputs) &&
        Object.entries(msg.inputs as object).length < 64 &&
        Object.entries(msg.inputs as object).every(([k, v]) => /^[A-Za-z_]\w*$/.test(k) && typeof v === "string" && v.length < 10_000)
      );
    case "exportImage":
      return (msg.format === "svg" || msg.format === "png") && typeof msg.data === "string" && msg.data.length < 50_000_000;
    default:
      return false;
  }
}

export function isHostMessage(m: unknown): m is HostMessage {
  if (!m || typeof m !== "object") return false;
  const msg = m as Record<string, unknown>;
  switch (msg.type) {
    case "graph":
      return typeof msg.file === "string" && typeof msg.version === "number" && isComputationGraph(msg.graph);
    case "error":
      return typeof msg.message === "string" && (msg.line === undefined || isLine(msg.line));
    case "highlightLine":
      return isLine(msg.line);
    case "busy":
      return typeof msg.busy === "boolean";
    case "inputsError":
      return typeof msg.message === "string";
    default:
      return false;
  }
}

/** Bounds that keep a malformed graph from hanging the panel while it is checked. */
const MAX_NODES = 50_000;
const MAX_EDGES = 200_000;
const MAX_NESTED_DEPTH = 16;
/** The extension summarises arrays over 64 elements; this leaves room for nested lists sent by hand. */
const MAX_NESTED_ELEMENTS = 4_096;

export function isComputationGraph(g: unknown): g is ComputationGraph {
  if (!g || typeof g !== "object") return false;
  const graph = g as Record<string, unknown>;
  if (typeof graph.function !== "string" || typeof graph.output !== "string") return false;
  if (!Array.isArray(graph.nodes) || graph.nodes.length > MAX_NODES) return false;
  if (!Array.isArray(graph.edges) || graph.edges.length > MAX_EDGES) return false;
  if (graph.inputSource !== "given" && graph.inputSource !== "directive" && graph.inputSource !== "random") return false;
  if (typeof graph.seed !== "number") return false;
  if (!Array.isArray(graph.notes) || !graph.notes.every((n) => typeof n === "string")) return false;
  if (!graph.inputs || typeof graph.inputs !== "object" || Array.isArray(graph.inputs)) return false;
  if (!Object.values(graph.inputs as object).every((v) => isNested(v))) return false;
  if (graph.stoppedAt !== undefined) {
    const s = graph.stoppedAt as Record<string, unknown> | null;
    if (!s || typeof s !== "object" || !isLine(s.line) || typeof s.message !== "string") return false;
  }
  const ids = new Set<string>();
  for (const n of graph.nodes) {
    if (!isGraphNode(n) || ids.has(n.id)) return false;
    ids.add(n.id);
  }
  if (graph.nodes.length > 0 && !ids.has(graph.output)) return false;
  return graph.edges.every((e) => isGraphEdge(e) && ids.has(e.from) && ids.has(e.to));
}

function isGraphNode(n: unknown): n is GraphNode {
  if (!n || typeof n !== "object") return false;
  const node = n as Record<string, unknown>;
  return (
    typeof node.id === "string" &&
    node.id.length > 0 &&
    node.id.length < NODE_ID_MAX &&
    typeof node.op === "string" &&
    typeof node.label === "string" &&
    (node.line === null || isLine(node.line)) &&
    (node.from === undefined || typeof node.from === "number") &&
    (node.to === undefined || typeof node.to === "number") &&
    (node.name === undefined || typeof node.name === "string") &&
    isShape(node.shape) &&
    isValue(node.value) &&
    (node.grad === null || isValue(node.grad)) &&
    typeof node.local === "string" &&
    (node.describe === undefined || typeof node.describe === "string")
  );
}

function isGraphEdge(e: unknown): e is GraphEdge {
  if (!e || typeof e !== "object") return false;
  const edge = e as Record<string, unknown>;
  return (
    typeof edge.from === "string" &&
    typeof edge.to === "string" &&
    typeof edge.arg === "number" &&
    (edge.grad === undefined || edge.grad === null || isValue(edge.grad))
  );
}

function isLine(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0;
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) && x.length <= 32 && x.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0);
}

export function isArraySummary(x: unknown): x is ArraySummary {
  if (!x || typeof x !== "object" || Array.isArray(x)) return false;
  const s = x as Record<string, unknown>;
  return (
    s.summary === true &&
    isShape(s.shape) &&
    typeof s.min === "number" &&
    typeof s.max === "number" &&
    typeof s.mean === "number" &&
    Array.isArray(s.head) &&
    s.head.length <= 64 &&
    s.head.every((h) => typeof h === "number") &&
    typeof s.nonFinite === "number"
  );
}

function isValue(x: unknown): x is Nested | ArraySummary {
  return isArraySummary(x) || isNested(x);
}

export function isNested(x: unknown): x is Nested {
  let count = 0;
  const walk = (v: unknown, depth: number): boolean => {
    if (typeof v === "number") return ++count <= MAX_NESTED_ELEMENTS;
    if (!Array.isArray(v) || depth >= MAX_NESTED_DEPTH) return false;
    return v.every((c) => walk(c, depth + 1));
  };
  return walk(x, 0);
}
