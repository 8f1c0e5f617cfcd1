import { formatDim, formatShape, symbolsOf } from "../engine/shapes/dim.js";
import type { FileShapes, ShapeFact } from "../engine/shapes/infer.js";
import { explain } from "../engine/shapes/values.js";

/**
 * What the language server shows: the fact under the cursor, its hover text and the
 * inlay hints. Pure functions of the analysis, so tests need no LSP connection.
 */

/** The innermost name occurrence at an offset, latest recorded first. */
export function factAt(analysis: FileShapes, offset: number): ShapeFact | undefined {
  let best: ShapeFact | undefined;
  for (const f of analysis.occurrences) {
    if (f.from > offset) break;
    if (offset > f.to) continue;
    if (!best || f.to - f.from < best.to - best.from || (f.to - f.from === best.to - best.from)) best = f;
  }
  return best;
}

function sourceNote(f: ShapeFact): string {
  switch (f.source) {
    case "annotation":
      return "stated in its annotation";
    case "docstring":
      return "stated in the docstring";
    case "comment":
      return "stated in a comment";
    default:
      return "";
  }
}

export function hoverMarkdown(analysis: FileShapes, f: ShapeFact): string {
  const lines: string[] = [];
  if (f.type === "int") {
    lines.push(`**${f.name}**: int = \`${formatDim(f.dim ?? null)}\``);
  } else if (f.shape === null) {
    lines.push(`**${f.name}**: ${f.type === "array" ? "array of unknown shape" : f.type}`);
    return lines.join("\n\n");
  } else {
    lines.push(`**${f.name}**: \`${formatShape(f.shape)}\`${f.type === "array" ? "" : ` ${f.type}`}`);
  }
  const text = explain(f.how);
  const how = text && !text.startsWith("stated") ? text : sourceNote(f);
  if (how) lines.push(escapeMarkdown(how));
  const origins = analysis.dimOrigins.get(f.scope);
  const dims = f.type === "int" ? symbolsOf(f.dim ?? null) : (f.shape ?? []).flatMap((d) => symbolsOf(d));
  const named = [...new Set(dims)].filter((d) => origins?.has(d)).map((d) => `${d} from ${origins!.get(d)}`);
  if (named.length) lines.push(`Dims: ${escapeMarkdown(named.join(" · "))}`);
  if (f.type === "array" && f.shape) {
    // The shape convention: a gradient has the shape of what it is the gradient of.
    lines.push(`Gradient ∂L/∂${f.name}: \`${formatShape(f.shape)}\` (same shape as ${f.name})`);
  }
  return lines.join("\n\n");
}

function escapeMarkdown(s: string): string {
  return s.replace(/([*_`[\]<>\\])/g, "\\$1");
}

export interface InlayHintSpec {
  offset: number;
  label: string;
  tooltip?: string;
}

/** `: (N, H)` after each assignment target whose shape GradLens inferred. */
export function inlayHints(analysis: FileShapes, from: number, to: number): InlayHintSpec[] {
  const out: InlayHintSpec[] = [];
  const seen = new Set<number>();
  for (const s of analysis.symbols) {
    if (s.from < from || s.to > to || seen.has(s.to)) continue;
    // Stated shapes are already on screen; parameters have their own docs.
    if (s.isParam || s.source !== "inferred") continue;
    if (s.type === "array" && s.shape !== null && s.shape.some((d) => d !== null)) {
      seen.add(s.to);
      out.push({ offset: s.to, label: `: ${formatShape(s.shape)}`, tooltip: explain(s.how) });
    }
  }
  return out;
}
