import * as path from "node:path";
import * as vscode from "vscode";
import type { ComputationGraph, GraphNode } from "../engine/graph/types.js";
import { isPanelMessage, type HostMessage, type PanelMessage } from "../shared/protocol.js";
import { functionAt, inputsText, summariseGraph } from "./graphData.js";
import { functionsIn, graphOfFunction, parseInputAssignments, type FunctionInfo } from "./graphEngine.js";
import { preview, setPanelPage } from "./webviewPage.js";

/**
 * "GradLens: Show Computation Graph": one panel beside the code, showing the graph of
 * one function of one document, redrawn as that document changes. Everything from
 * the webview is checked against the protocol; what does not fit is logged and dropped.
 */

const EDIT_DEBOUNCE_MS = 200;

export function registerGraphPanel(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const panels = new GraphPanelController(context.extensionUri, log);
  context.subscriptions.push(
    panels,
    vscode.commands.registerCommand("gradlens.showGraph", (uri?: unknown, qualifiedName?: unknown) =>
      panels.show(uri instanceof vscode.Uri ? uri : undefined, typeof qualifiedName === "string" ? qualifiedName : undefined),
    ),
    vscode.languages.registerCodeLensProvider({ language: "python" }, new GraphCodeLensProvider(log)),
  );
}

class GraphCodeLensProvider implements vscode.CodeLensProvider {
  constructor(private readonly log: vscode.LogOutputChannel) {}

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    let functions: FunctionInfo[];
    try {
      functions = functionsIn(document.getText());
    } catch (e) {
      this.log.error(`Graph code lenses: could not list the functions of ${document.uri.toString(true)}: ${(e as Error).message}`);
      return [];
    }
    return functions.map(
      (f) =>
        new vscode.CodeLens(new vscode.Range(f.line, 0, f.line, 0), {
          title: "Show computation graph",
          tooltip: `Draw the graph of ${f.qualifiedName} with its values and gradients`,
          command: "gradlens.showGraph",
          arguments: [document.uri, f.qualifiedName],
        }),
    );
  }
}

interface Target {
  uri: vscode.Uri;
  qualifiedName: string;
}

class GraphPanelController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private target: Target | undefined;
  /** what the panel's form gave, as typed (the engine evaluates `randn(3)` with the seed) */
  private givenInputs: Record<string, string> | undefined;
  private seed: number | undefined;
  private ready = false;
  private last: Extract<HostMessage, { type: "graph" }> | undefined;
  private editTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stepDecoration = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("editor.rangeHighlightBackground"),
    borderWidth: "0 0 0 3px",
    borderStyle: "solid",
    borderColor: new vscode.ThemeColor("focusBorder"),
    overviewRulerColor: new vscode.ThemeColor("focusBorder"),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });
  private stepLine: number | undefined;
  private readonly disposables: vscode.Disposable[] = [this.stepDecoration];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!this.panel || !this.isTarget(e.document.uri) || !e.contentChanges.length) return;
        clearTimeout(this.editTimer);
        this.editTimer = setTimeout(() => void this.update(), EDIT_DEBOUNCE_MS);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (!this.panel || !this.ready || !this.isTarget(e.textEditor.document.uri)) return;
        this.post({ type: "highlightLine", line: e.selections[0].active.line + 1 });
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.applyStepDecoration()),
    );
  }

  dispose(): void {
    clearTimeout(this.editTimer);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  async show(uri: vscode.Uri | undefined, qualifiedName: string | undefined): Promise<void> {
    const editor = uri ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()) : vscode.window.activeTextEditor;
    let document: vscode.TextDocument | undefined = editor?.document;
    if (!document && uri) document = await vscode.workspace.openTextDocument(uri);
    if (!document || document.languageId !== "python") {
      void vscode.window.showInformationMessage("GradLens: open a Python file and put the cursor in a function to see its computation graph.");
      return;
    }
    let name = qualifiedName;
    if (!name) {
      const functions = functionsIn(document.getText());
      const at = editor ? functionAt(functions, document.offsetAt(editor.selection.active)) : undefined;
      name = at?.qualifiedName ?? (await this.pickFunction(functions));
      if (!name) return;
    }
    const changed = !this.target || !this.isTarget(document.uri) || this.target.qualifiedName !== name;
    if (changed) {
      this.givenInputs = undefined;
      this.seed = undefined;
      this.setStepLine(undefined);
    }
    this.target = { uri: document.uri, qualifiedName: name };
    this.log.info(`Graph panel: ${name} in ${vscode.workspace.asRelativePath(document.uri)}`);
    if (!this.panel) this.createPanel();
    else this.panel.reveal(undefined, true);
    this.panel!.title = `Graph: ${name}`;
    await this.update();
  }

  private async pickFunction(functions: FunctionInfo[]): Promise<string | undefined> {
    if (!functions.length) {
      void vscode.window.showInformationMessage("GradLens: this file has no function to draw.");
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      functions.map((f) => ({ label: f.qualifiedName, description: `line ${f.line + 1}` })),
      { placeHolder: "The cursor is in no function: which one should GradLens draw?" },
    );
    return pick?.label;
  }

  private createPanel() {
    const root = vscode.Uri.joinPath(this.extensionUri, "dist", "webview");
    const panel = vscode.window.createWebviewPanel(
      "gradlens.graph",
      "Computation graph",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        // The webview keeps its own state (vscode.setState) and is rebuilt when shown
        // again: cheaper than a hidden panel holding a 1,000-node drawing in memory.
        retainContextWhenHidden: false,
        localResourceRoots: [root, vscode.Uri.joinPath(this.extensionUri, "media")],
      },
    );
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "icon.png");
    setPanelPage(panel, root, { script: "main.js", styles: [["katex", "katex.min.css"], ["panel.css"]], title: "Computation graph" });
    panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m), undefined, this.disposables);
    panel.onDidChangeViewState((e) => {
      // A hidden panel's webview is gone; it says `ready` again when shown, and its
      // step controls mark their line again from the state they kept.
      if (!e.webviewPanel.visible) {
        this.ready = false;
        this.setStepLine(undefined);
      }
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
      this.last = undefined;
      this.setStepLine(undefined);
    });
    this.panel = panel;
    this.ready = false;
  }

  private isTarget(uri: vscode.Uri): boolean {
    return !!this.target && this.target.uri.toString() === uri.toString();
  }

  private post(m: HostMessage) {
    if (this.panel && this.ready) void this.panel.webview.postMessage(m);
  }

  private async document(): Promise<vscode.TextDocument | undefined> {
    if (!this.target) return undefined;
    try {
      return await vscode.workspace.openTextDocument(this.target.uri);
    } catch (e) {
      this.post({ type: "error", message: `${vscode.workspace.asRelativePath(this.target.uri)} cannot be read: ${(e as Error).message}` });
      return undefined;
    }
  }

  /** Builds the graph of the target at the document's current text and posts it. */
  private async update(): Promise<void> {
    const target = this.target;
    const doc = await this.document();
    if (!target || !doc || !this.panel) return;
    this.post({ type: "busy", busy: true });
    // Lets the busy message leave before the (synchronous) build holds this thread.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const t0 = Date.now();
    let graph: ComputationGraph;
    try {
      graph = graphOfFunction(doc.getText(), target.qualifiedName, { inputs: this.givenInputs, seed: this.seed });
    } catch (e) {
      this.log.error(`Graph of ${target.qualifiedName}: ${(e as Error).stack ?? e}`);
      this.post({ type: "error", message: `GradLens could not build the graph of ${target.qualifiedName}: ${(e as Error).message}` });
      return;
    } finally {
      this.post({ type: "busy", busy: false });
    }
    this.last = { type: "graph", graph: summariseGraph(graph), file: vscode.workspace.asRelativePath(doc.uri), version: doc.version };
    this.log.trace(`Graph of ${target.qualifiedName}: ${graph.nodes.length} nodes in ${Date.now() - t0} ms`);
    this.post(this.last);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isPanelMessage(m)) {
      this.log.warn(`Graph panel: ignored a message that does not fit the protocol: ${preview(m)}`);
      return;
    }
    try {
      await this.handle(m);
    } catch (e) {
      this.log.error(`Graph panel: ${m.type} failed: ${(e as Error).stack ?? e}`);
    }
  }

  private async handle(m: PanelMessage): Promise<void> {
    switch (m.type) {
      case "ready": {
        this.ready = true;
        if (this.last) this.post(this.last);
        else await this.update();
        const editor = vscode.window.visibleTextEditors.find((e) => this.isTarget(e.document.uri));
        if (editor) this.post({ type: "highlightLine", line: editor.selection.active.line + 1 });
        break;
      }
      case "revealNode": {
        const node = this.last?.graph.nodes.find((n) => n.id === m.nodeId);
        if (node?.line != null) await this.reveal(node.line, node);
        break;
      }
      case "revealLine":
        await this.reveal(m.line);
        break;
      case "setInputs":
        await this.setInputs(m.inputs);
        break;
      case "reseed":
        this.seed = Math.floor(Math.random() * 2 ** 31);
        await this.update();
        break;
      case "exportImage":
        await this.exportImage(m.format, m.data);
        break;
      case "stepNode": {
        const node = m.nodeId ? this.last?.graph.nodes.find((n) => n.id === m.nodeId) : undefined;
        this.setStepLine(node?.line ?? undefined);
        break;
      }
    }
  }

  private async setInputs(inputs: Record<string, string>) {
    if (!Object.keys(inputs).length) {
      this.givenInputs = undefined;
      await this.update();
      return;
    }
    const params = new Set(this.last?.graph.nodes.filter((n) => n.op === "input").map((n) => n.name ?? n.label));
    const unknown = Object.keys(inputs).filter((k) => params.size && !params.has(k));
    if (unknown.length) {
      this.post({ type: "inputsError", message: `${this.target?.qualifiedName} has no parameter ${unknown.join(", ")} (its inputs: ${[...params].join(", ")}).` });
      return;
    }
    try {
      parseInputAssignments(inputsText(inputs));
    } catch (e) {
      this.post({ type: "inputsError", message: (e as Error).message });
      return;
    }
    this.givenInputs = inputs;
    await this.update();
  }

  /** Shows a line (and selects a node's expression) in the editor the code is in, moving the focus there. */
  private async reveal(line: number, node?: GraphNode) {
    const doc = await this.document();
    if (!doc || line < 1 || line > doc.lineCount) return;
    const range =
      node?.from !== undefined && node.to !== undefined && node.to <= doc.getText().length
        ? new vscode.Range(doc.positionAt(node.from), doc.positionAt(node.to))
        : new vscode.Range(line - 1, doc.lineAt(line - 1).firstNonWhitespaceCharacterIndex, line - 1, doc.lineAt(line - 1).firstNonWhitespaceCharacterIndex);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
      preserveFocus: false,
      selection: new vscode.Selection(range.start, range.end),
    });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private setStepLine(line: number | undefined) {
    this.stepLine = line;
    this.applyStepDecoration(true);
  }

  private applyStepDecoration(scroll = false) {
    for (const editor of vscode.window.visibleTextEditors) {
      if (!this.isTarget(editor.document.uri)) continue;
      const line = this.stepLine;
      if (line === undefined || line < 1 || line > editor.document.lineCount) {
        editor.setDecorations(this.stepDecoration, []);
        continue;
      }
      const range = editor.document.lineAt(line - 1).range;
      editor.setDecorations(this.stepDecoration, [range]);
      if (scroll) editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  }

  private async exportImage(format: "svg" | "png", data: string) {
    const bytes =
      format === "svg"
        ? /^\s*<svg[\s>]/.test(data)
          ? new TextEncoder().encode(data)
          : undefined
        : /^[A-Za-z0-9+/]+=*$/.test(data)
          ? Uint8Array.from(Buffer.from(data, "base64"))
          : undefined;
    if (!bytes) {
      this.log.warn(`Graph panel: the ${format.toUpperCase()} export was not a valid ${format.toUpperCase()}; nothing saved`);
      return;
    }
    const name = `${(this.target?.qualifiedName ?? "graph").replace(/[^\w.-]/g, "_")}-graph.${format}`;
    const base = this.target && this.target.uri.scheme !== "untitled" ? this.target.uri : vscode.workspace.workspaceFolders?.[0]?.uri;
    const defaultUri = base ? base.with({ path: path.posix.join(base === this.target?.uri ? path.posix.dirname(base.path) : base.path, name) }) : undefined;
    const uri = await vscode.window.showSaveDialog({
      defaultUri,
      filters: format === "svg" ? { "SVG image": ["svg"] } : { "PNG image": ["png"] },
      saveLabel: `Export ${format.toUpperCase()}`,
      title: "Export the computation graph",
    });
    if (!uri) return;
    await vscode.workspace.fs.writeFile(uri, bytes);
    this.log.info(`Graph exported to ${uri.toString(true)}`);
    void vscode.window.showInformationMessage(`GradLens: graph saved to ${vscode.workspace.asRelativePath(uri)}.`);
  }
}
