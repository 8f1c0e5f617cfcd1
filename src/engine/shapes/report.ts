import type { Dim, Shape } from "./dim.js";
import type { FileShapes } from "./infer.js";
import { explain } from "./values.js";
import { positionOf } from "../python/parse.js";

/**
 * The JSON of `gradlens shapes` (contract §4): 1-based lines, 0-based columns,
 * a dim as a number, a string or null, a shape as a list or null.
 * Fields beyond the contract (`type`, `value`, `how`, `scope`, `code`, `end…`) only add.
 */
export interface ShapesReport {
  file: string;
  symbols: {
    name: string;
    line: number;
    column: number;
    shape: Dim[] | null;
    source: string;
    type: string;
    value?: Dim;
    how?: string;
    scope: string;
  }[];
  diagnostics: {
    line: number;
    column: number;
    endLine: number;
    endColumn: number;
    severity: "error" | "warning";
    code: string;
    message: string;
    fix?: string;
  }[];
  skipped: string[];
}

export function shapesReport(file: string, analysis: FileShapes): ShapesReport {
  const lineOf = (offset: number) => {
    const p = positionOf(analysis.module.lineStarts, offset);
    return { line: p.line + 1, column: p.column };
  };
  return {
    file,
    symbols: analysis.symbols.map((s) => ({
      name: s.name,
      line: s.line + 1,
      column: s.column,
      shape: s.shape as Shape,
      source: s.source,
      type: s.type,
      ...(s.dim !== undefined ? { value: s.dim } : {}),
      ...(s.how ? { how: explain(s.how) } : {}),
      scope: s.scope,
    })),
    diagnostics: analysis.diagnostics.map((d) => {
      const end = lineOf(d.to);
      return {
        line: d.line + 1,
        column: d.column,
        endLine: end.line,
        endColumn: end.column,
        severity: d.severity,
        code: d.code,
        message: d.message,
        ...(d.fix ? { fix: d.fix.title } : {}),
      };
    }),
    skipped: analysis.skipped,
  };
}
