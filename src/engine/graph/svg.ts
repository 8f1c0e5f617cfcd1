import ELK, { type ElkNode } from "elkjs/lib/elk.bundled.js";
import type { ArraySummary, ComputationGraph, GraphNode, Nested } from "./types.js";

/**
 * The graph as a standalone SVG (for `gradlens graph --svg` and the panel's export):
 * a layered layout from ELK, left to right as the lecture draws it, each node with its
 * value above the line and its gradient below.
 */

const NODE_W = 150;
const NODE_H = 58;

export async function graphToSvg(graph: ComputationGraph): Promise<string> {
  const elk = new ELK();
  const input: ElkNode = {
    id: "root",
    layoutOptions: { "elk.algorithm": "layered", "elk.direction": "RIGHT", "elk.spacing.nodeNode": "24", "elk.layered.spacing.nodeNodeBetweenLayers": "48" },
    children: graph.nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: graph.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  };
  const layout = await elk.layout(input);
  const pos = new Map((layout.children ?? []).map((c) => [c.id, c]));
  const width = Math.ceil(layout.width ?? 0) + 20;
  const height = Math.ceil(layout.height ?? 0) + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="-10 -10 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(`Computation graph of ${graph.function}`)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker></defs>`,
  ];
  for (const e of layout.edges ?? []) {
    for (const s of e.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      parts.push(`<path d="M ${pts.map((p) => `${p.x} ${p.y}`).join(" L ")}" fill="none" stroke="#888" marker-end="url(#arrow)"/>`);
    }
  }
  for (const n of graph.nodes) {
    const p = pos.get(n.id);
    if (!p) continue;
    const x = p.x ?? 0;
    const y = p.y ?? 0;
    const fill = n.op === "input" ? "#e3f2fd" : n.op === "param" ? "#e8f5e9" : n.op === "const" ? "#f5f5f5" : "#fff8e1";
    const stroke = n.id === graph.output ? "#d84315" : "#90a4ae";
    const title = n.name && n.op !== "input" && n.op !== "param" ? `${n.name} = ${n.op}` : n.op === "input" || n.op === "param" || n.op === "const" ? n.label : n.op;
    parts.push(
      `<g><rect x="${x}" y="${y}" width="${NODE_W}" height="${NODE_H}" rx="6" fill="${fill}" stroke="${stroke}"/>`,
      `<text x="${x + NODE_W / 2}" y="${y + 15}" text-anchor="middle" font-weight="bold">${esc(clip(title, 24))}</text>`,
      `<text x="${x + 8}" y="${y + 33}" fill="#1b5e20">${esc(clip(`value ${show(n.value, n.shape)}`, 26))}</text>`,
      `<text x="${x + 8}" y="${y + 49}" fill="#b71c1c">${esc(clip(`grad ${n.grad === null ? "—" : show(n.grad, n.shape)}`, 26))}</text>`,
      `</g>`,
    );
  }
  parts.push("</svg>");
  return parts.join("\n");
}

function show(v: GraphNode["value"], shape: number[]): string {
  if (typeof v === "number") return fmt(v);
  if (isSummary(v)) return `(${v.shape.join("×")}) mean ${fmt(v.mean)}`;
  if (shape.length === 1 && shape[0] <= 3) return `[${(v as Nested[]).map((x) => fmt(x as number)).join(", ")}]`;
  return `(${shape.join("×")}) array`;
}

function isSummary(v: unknown): v is ArraySummary {
  return !!v && typeof v === "object" && (v as ArraySummary).summary === true;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4)) return String(Number(x.toPrecision(4)));
  return x.toExponential(2);
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}
