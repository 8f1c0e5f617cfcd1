import * as vscode from "vscode";
import {
  findUnit,
  isReportPanelMessage,
  normaliseUnits,
  reportHostProblem,
  type ReportHostMessage,
  type ReportPanelMessage,
  type ReportUnit,
} from "../shared/reportProtocol.js";
import { preview, setPanelPage } from "./webviewPage.js";

/**
 * The gradient-check report: one panel beside the code (reused), showing for each
 * checked input and parameter of each unit the finite differences, your backward and
 * their difference as heatmaps. The webview keeps its own state (`vscode.setState`)
 * and is rebuilt when shown again; it says `ready` and is sent the report anew.
 * Everything from the webview is checked against the protocol, and acted on only for
 * the files and units of the report shown.
 */

export interface CheckReportHandlers {
  /** the panel's Re-check button: check this unit again (then call `update` with the new results) */
  recheck(file: string, name: string): void;
  /** where to say what the panel ignored or could not do; optional */
  log?: Pick<vscode.LogOutputChannel, "warn" | "error">;
}

export const REPORT_VIEW_TYPE = "gradlens.checkReport";
const TITLE = "Gradient check report";

export class CheckReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private units: ReportUnit[] = [];
  private ready = false;
  private disposed = false;
  private panelDisposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: CheckReportHandlers,
  ) {}

  /** true while the panel exists (visible or in a background tab) */
  get isOpen(): boolean {
    return !!this.panel;
  }

  /**
   * Opens the panel beside the editor (or reveals it, keeping the focus where it is) and
   * shows these units. NaN and ±Inf become null (the protocol's "not finite"); a report
   * that still does not fit the protocol is not shown: the panel and the log say why.
   */
  show(units: ReportUnit[]): void {
    if (this.disposed) return;
    this.units = normaliseUnits(units);
    if (!this.panel) this.createPanel();
    else this.panel.reveal(undefined, true);
    this.send();
  }

  /** Re-renders with these units if the panel is open (after a re-check); else does nothing. */
  update(units: ReportUnit[]): void {
    if (this.disposed || !this.panel) return;
    this.units = normaliseUnits(units);
    this.send();
  }

  dispose(): void {
    this.disposed = true;
    this.panel?.dispose();
    this.disposePanelListeners();
  }

  private createPanel() {
    const root = vscode.Uri.joinPath(this.extensionUri, "dist", "webview");
    const panel = vscode.window.createWebviewPanel(
      REPORT_VIEW_TYPE,
      TITLE,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        enableFindWidget: true,
        // The webview keeps the last report and which sections were open in its own
        // state and is sent the report again when shown: no hidden page held in memory.
        retainContextWhenHidden: false,
        localResourceRoots: [root],
      },
    );
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "media", "icon.png");
    setPanelPage(panel, root, { script: "report.js", styles: [["reportStyle.css"]], title: TITLE });
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidChangeViewState((e) => {
        // A hidden panel's page is gone; it says `ready` again when shown.
        if (!e.webviewPanel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.ready = false;
        this.units = [];
        this.disposePanelListeners();
      }),
    );
    this.panel = panel;
    this.ready = false;
  }

  private disposePanelListeners() {
    const ds = this.panelDisposables;
    this.panelDisposables = [];
    for (const d of ds) d.dispose();
  }

  private post(m: ReportHostMessage) {
    if (this.panel && this.ready) void this.panel.webview.postMessage(m);
  }

  /** Sends the report, or, if it does not fit the protocol, says why in the panel and the log. */
  private send() {
    if (!this.panel || !this.ready) return;
    const m: ReportHostMessage = { type: "report", units: this.units };
    const problem = reportHostProblem(m);
    if (problem) {
      this.handlers.log?.error(`Check report: not shown, it does not fit the protocol: ${problem}`);
      this.post({ type: "error", message: `GradLens could not show this report: ${problem.slice(0, 2_000)}` });
      return;
    }
    this.post(m);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isReportPanelMessage(m)) {
      this.handlers.log?.warn(`Check report: ignored a message that does not fit the protocol: ${preview(m)}`);
      return;
    }
    try {
      await this.handle(m);
    } catch (e) {
      this.handlers.log?.error(`Check report: ${m.type} failed: ${(e as Error)?.stack ?? e}`);
    }
  }

  private async handle(m: ReportPanelMessage): Promise<void> {
    switch (m.type) {
      case "ready":
        this.ready = true;
        this.send();
        break;
      case "revealLine":
        if (!findUnit(this.units, m.file)) {
          this.handlers.log?.warn(`Check report: ignored revealLine for a file not in the report: ${preview(m.file)}`);
          return;
        }
        await this.reveal(m.file, m.line);
        break;
      case "recheck":
        if (!findUnit(this.units, m.file, m.name)) {
          this.handlers.log?.warn(`Check report: ignored recheck of a unit not in the report: ${preview(m.name)} in ${preview(m.file)}`);
          return;
        }
        this.handlers.recheck(m.file, m.name);
        break;
    }
  }

  /** Opens the file (moving the focus there) with the cursor at the start of the text on this 1-based line. */
  private async reveal(file: string, line: number) {
    const uri = toUri(file);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) ?? (await vscode.workspace.openTextDocument(uri));
    const l = Math.min(Math.max(1, line), doc.lineCount) - 1;
    const pos = new vscode.Position(l, doc.lineAt(l).firstNonWhitespaceCharacterIndex);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const column = visible?.viewColumn ?? (this.panel?.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false, selection: new vscode.Selection(pos, pos) });
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}

/** A path as the harness gives it (absolute), or a URI such as `untitled:Untitled-1`. */
function toUri(file: string): vscode.Uri {
  const isUri = /^[a-zA-Z][\w+.-]+:/.test(file) && !/^[a-zA-Z]:[\\/]/.test(file);
  return isUri ? vscode.Uri.parse(file) : vscode.Uri.file(file);
}
