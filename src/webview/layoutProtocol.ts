/** Messages between the panel and its layout worker. */

export interface LayoutRequest {
  id: number;
  nodes: { id: string; width: number; height: number }[];
  edges: { id: string; from: string; to: string }[];
}

export interface LayoutResult {
  id: number;
  nodes: { id: string; x: number; y: number }[];
  /** polyline points of each edge, source to target */
  edges: { id: string; points: [number, number][] }[];
  width: number;
  height: number;
  /** time ELK took inside the worker */
  ms: number;
}

export type LayoutReply = LayoutResult | { id: number; error: string };
