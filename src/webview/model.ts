import type { ComputationGraph, GraphEdge, GraphNode } from "../engine/graph/types.js";
import { topologicalOrder } from "./layout.js";
import { countNonFinite } from "./values.js";

/** A ComputationGraph indexed for the panel: neighbours, pass orders, nodes by line. No DOM. */
export class GraphModel {
  readonly byId = new Map<string, GraphNode>();
  readonly inEdges = new Map<string, GraphEdge[]>();
  readonly outEdges = new Map<string, GraphEdge[]>();
  readonly byLine = new Map<number, GraphNode[]>();
  /** every node, inputs first: the forward pass */
  readonly forward: string[];
  /** nodes a gradient reaches, output first: the backward pass */
  readonly backward: string[];
  readonly edgeIds = new Map<GraphEdge, string>();

  constructor(readonly graph: ComputationGraph) {
    for (const n of graph.nodes) {
      this.byId.set(n.id, n);
      this.inEdges.set(n.id, []);
      this.outEdges.set(n.id, []);
      if (n.line !== null) (this.byLine.get(n.line) ?? this.byLine.set(n.line, []).get(n.line)!).push(n);
    }
    graph.edges.forEach((e, i) => {
      this.edgeIds.set(e, `e${i}`);
      this.inEdges.get(e.to)?.push(e);
      this.outEdges.get(e.from)?.push(e);
    });
    for (const list of this.inEdges.values()) list.sort((a, b) => a.arg - b.arg);
    this.forward = topologicalOrder(
      graph.nodes.map((n) => n.id),
      graph.edges,
    );
    this.backward = [...this.forward].reverse().filter((id) => this.byId.get(id)!.grad !== null);
  }

  node(id: string): GraphNode | undefined {
    return this.byId.get(id);
  }

  /** Nodes and which of their numbers are NaN or ±Inf. */
  nonFinite(): { node: GraphNode; where: ("value" | "gradient")[] }[] {
    const out: { node: GraphNode; where: ("value" | "gradient")[] }[] = [];
    for (const n of this.graph.nodes) {
      const where: ("value" | "gradient")[] = [];
      if (countNonFinite(n.value)) where.push("value");
      if (countNonFinite(n.grad)) where.push("gradient");
      if (where.length) out.push({ node: n, where });
    }
    return out;
  }
}

/** Where the step controls are: `index` −1 shows everything at once. */
export interface StepPosition {
  phase: "forward" | "backward";
  nodeId: string;
  /** 1-based within its pass */
  position: number;
  of: number;
}

export function stepCount(model: GraphModel): number {
  return model.forward.length + model.backward.length;
}

export function stepAt(model: GraphModel, index: number): StepPosition | null {
  if (index < 0) return null;
  const f = model.forward.length;
  if (index < f) return { phase: "forward", nodeId: model.forward[index], position: index + 1, of: f };
  const b = index - f;
  if (b < model.backward.length) return { phase: "backward", nodeId: model.backward[b], position: b + 1, of: model.backward.length };
  return null;
}

/** What a node's label on the graph reads: `q = x + y` where the value was named. */
export function displayLabel(n: GraphNode): string {
  if (n.name && n.name !== n.label && n.op !== "input" && n.op !== "param" && n.op !== "const") return `${n.name} = ${n.label}`;
  return n.label;
}
