import type { ComputationGraph } from "../engine/graph/types.js";

/**
 * Messages between the extension and the graph panel's webview, in both directions,
 * declared once. The webview validates every message it receives and the extension
 * validates every message from the webview (`isPanelMessage`).
 */

/** Extension → webview */
export type HostMessage =
  | { type: "graph"; graph: ComputationGraph; file: string; version: number }
  | { type: "error"; message: string; line?: number }
  | { type: "highlightLine"; line: number }
  | { type: "busy"; busy: boolean };

/** Webview → extension */
export type PanelMessage =
  | { type: "ready" }
  | { type: "revealNode"; nodeId: string }
  | { type: "setInputs"; inputs: Record<string, string> }
  | { type: "reseed" }
  | { type: "exportImage"; format: "svg" | "png"; data: string };

export function isPanelMessage(m: unknown): m is PanelMessage {
  if (!m || typeof m !== "object") return false;
  const msg = m as Record<string, unknown>;
  switch (msg.type) {
    case "ready":
    case "reseed":
      return true;
    case "revealNode":
      return typeof msg.nodeId === "string" && msg.nodeId.length < 64;
    case "setInputs":
      return (
        !!msg.inputs &&
        typeof msg.inputs === "object" &&
        Object.entries(msg.inputs as object).length < 64 &&
        Object.entries(msg.inputs as object).every(([k, v]) => /^[A-Za-z_]\w*$/.test(k) && typeof v === "string" && v.length < 10_000)
      );
    case "exportImage":
      return (msg.format === "svg" || msg.format === "png") && typeof msg.data === "string" && msg.data.length < 50_000_000;
    default:
      return false;
  }
}
