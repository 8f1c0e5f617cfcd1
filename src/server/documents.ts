import { TextDocument } from "vscode-languageserver-textdocument";
import type { TextDocumentContentChangeEvent } from "vscode-languageserver";
import { parsePython, type ParsedDocument, type TextChange } from "../engine/python/parse.js";
import { analyzeModule, type FileShapes } from "../engine/shapes/infer.js";

/**
 * Open Python documents with their parse and shape analysis. Edits reach Lezer as
 * offset changes so each re-parse reuses the unchanged parts of the previous tree;
 * the analysis is redone lazily, only for the document that changed.
 */
export class AnalyzedDocument {
  private parsed: ParsedDocument | undefined;
  private pending: TextChange[] = [];
  private shapes: FileShapes | undefined;
  private partial: FileShapes | undefined;

  constructor(public doc: TextDocument) {}

  update(changes: TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      const before = this.doc;
      const after = TextDocument.update(before, [change], version);
      if ("range" in change) {
        const fromA = before.offsetAt(change.range.start);
        const toA = before.offsetAt(change.range.end);
        this.pending.push({ fromA, toA, fromB: fromA, toB: fromA + change.text.length });
      } else {
        this.pending = [];
        this.parsed = undefined;
      }
      this.doc = after;
    }
    this.shapes = undefined;
    this.partial = undefined;
  }

  private module() {
    const text = this.doc.getText();
    if (!this.parsed || this.pending.length) {
      this.parsed = this.parsed && this.pending.length ? parsePython(text, this.parsed, this.pending) : parsePython(text);
      this.pending = [];
    }
    return this.parsed.module;
  }

  /** The current analysis of the whole file, computed now if an edit made it stale. */
  analysis(): FileShapes {
    if (!this.shapes) {
      this.shapes = analyzeModule(this.module());
      this.partial = undefined;
    }
    return this.shapes;
  }

  /**
   * An analysis that covers `from..to`: the whole file's when it is current, else
   * just the functions there (what a hover right after a keystroke needs).
   */
  analysisAround(from: number, to: number): FileShapes {
    if (this.shapes) return this.shapes;
    const p = this.partial;
    if (p?.range && p.range.from <= from && p.range.to >= to) return p;
    this.partial = analyzeModule(this.module(), { from, to });
    return this.partial;
  }
}
