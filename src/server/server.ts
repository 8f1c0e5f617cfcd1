import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocumentSyncKind,
  createConnection,
  type CodeAction,
  type Diagnostic,
  type InitializeResult,
  type Position,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { DEFAULT_SHAPE_SETTINGS, shapeSettingsFrom, type ShapeSettings } from "../shared/settings.js";
import { AnalyzedDocument } from "./documents.js";
import { factAt, hoverMarkdown, inlayHints } from "./hover.js";

/**
 * The shape language server: a thin shell over the engine. Hover, inlay hints and
 * quick fixes answer from the document's analysis (recomputed lazily after an
 * edit); diagnostics are published after a debounce, for the changed document only.
 */

const connection = createConnection(ProposedFeatures.all);
const documents = new Map<string, AnalyzedDocument>();
const timers = new Map<string, NodeJS.Timeout>();
const reported = new Set<string>();
let settings: ShapeSettings = DEFAULT_SHAPE_SETTINGS;
let canPullConfiguration = false;

connection.onInitialize((params): InitializeResult => {
  canPullConfiguration = !!params.capabilities.workspace?.configuration;
  settings = shapeSettingsFrom((params.initializationOptions as { shapes?: unknown } | undefined)?.shapes);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      inlayHintProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    serverInfo: { name: "GradLens shapes" },
  };
});

connection.onInitialized(() => {
  if (canPullConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: "gradlens" });
    void refreshSettings();
  }
});

async function refreshSettings() {
  if (canPullConfiguration) {
    try {
      settings = shapeSettingsFrom(await connection.workspace.getConfiguration("gradlens.shapes"));
    } catch {
      settings = DEFAULT_SHAPE_SETTINGS;
    }
  }
  for (const uri of documents.keys()) publish(uri);
  connection.languages.inlayHint.refresh().catch(() => undefined);
}

connection.onDidChangeConfiguration((change) => {
  if (canPullConfiguration) void refreshSettings();
  else {
    settings = shapeSettingsFrom((change.settings as { gradlens?: { shapes?: unknown } })?.gradlens?.shapes);
    for (const uri of documents.keys()) publish(uri);
  }
});

connection.onDidOpenTextDocument(({ textDocument: t }) => {
  documents.set(t.uri, new AnalyzedDocument(TextDocument.create(t.uri, t.languageId, t.version, t.text)));
  publish(t.uri);
});

connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
  const d = documents.get(textDocument.uri);
  if (!d) return;
  d.update(contentChanges, textDocument.version);
  schedule(textDocument.uri);
});

connection.onDidCloseTextDocument(({ textDocument }) => {
  documents.delete(textDocument.uri);
  clearTimeout(timers.get(textDocument.uri));
  timers.delete(textDocument.uri);
  void connection.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
});

function schedule(uri: string) {
  clearTimeout(timers.get(uri));
  timers.set(
    uri,
    setTimeout(() => {
      timers.delete(uri);
      publish(uri);
    }, settings.debounceMs),
  );
}

/**
 * Analyses a document (the whole of it, or only the functions around a range),
 * never letting one bad file take the server down.
 */
function analysisOf(uri: string, around?: { start: Position; end: Position }) {
  const d = documents.get(uri);
  if (!d) return undefined;
  try {
    const a = around ? d.analysisAround(d.doc.offsetAt(around.start), d.doc.offsetAt(around.end)) : d.analysis();
    for (const s of a.skipped) {
      const key = `${uri}\u0000${s}`;
      if (!reported.has(key)) {
        reported.add(key);
        connection.console.info(`${uri.split("/").pop()}: ${s}`);
      }
    }
    return { doc: d.doc, analysis: a };
  } catch (e) {
    const key = `${uri}\u0000crash`;
    if (!reported.has(key)) {
      reported.add(key);
      connection.console.error(`${uri}: shape analysis failed: ${(e as Error).stack ?? e}`);
    }
    return undefined;
  }
}

function publish(uri: string) {
  const r = analysisOf(uri);
  if (!r) return;
  const diagnostics: Diagnostic[] = settings.diagnostics
    ? r.analysis.diagnostics.map((d) => ({
        range: { start: r.doc.positionAt(d.from), end: r.doc.positionAt(d.to) },
        severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
        source: "GradLens",
        code: d.code,
        message: d.message,
      }))
    : [];
  void connection.sendDiagnostics({ uri, version: r.doc.version, diagnostics });
}

connection.onHover(({ textDocument, position }) => {
  if (!settings.hover) return null;
  const r = analysisOf(textDocument.uri, { start: position, end: position });
  if (!r) return null;
  const fact = factAt(r.analysis, r.doc.offsetAt(position));
  if (!fact) return null;
  return {
    contents: { kind: "markdown", value: hoverMarkdown(r.analysis, fact) },
    range: { start: r.doc.positionAt(fact.from), end: r.doc.positionAt(fact.to) },
  };
});

connection.languages.inlayHint.on(({ textDocument, range }) => {
  if (!settings.inlayHints) return [];
  const r = analysisOf(textDocument.uri, range);
  if (!r) return [];
  return inlayHints(r.analysis, r.doc.offsetAt(range.start), r.doc.offsetAt(range.end)).map((h) => ({
    position: r.doc.positionAt(h.offset),
    label: h.label,
    paddingLeft: false,
    tooltip: h.tooltip,
  }));
});

connection.onCodeAction(({ textDocument, range, context }) => {
  const r = analysisOf(textDocument.uri, range);
  if (!r) return [];
  const actions: CodeAction[] = [];
  const start = r.doc.offsetAt(range.start);
  const end = r.doc.offsetAt(range.end);
  for (const d of r.analysis.diagnostics) {
    if (!d.fix || d.to < start || d.from > end) continue;
    const diagnostic = context.diagnostics.find((x) => x.message === d.message);
    actions.push({
      title: d.fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: diagnostic ? [diagnostic] : undefined,
      isPreferred: true,
      edit: {
        changes: {
          [textDocument.uri]: [{ range: { start: r.doc.positionAt(d.fix.from), end: r.doc.positionAt(d.fix.to) }, newText: d.fix.text }],
        },
      },
    });
  }
  return actions;
});

connection.listen();
