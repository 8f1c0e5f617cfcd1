import * as path from "node:path";
import * as vscode from "vscode";
import { discoverUnits, gradientLine, type UnitPlan } from "../engine/check/units.js";
import { pytestFor } from "../engine/check/pytest.js";
import { formatValue, gradientDiff } from "../engine/check/arrays.js";
import { CheckSession, CheckSetupError, type CheckResult, type GradientCheck } from "../runner/check.js";
import { harnessPath } from "../runner/worker.js";
import type { ReportUnit } from "../shared/reportProtocol.js";
import { CheckReportPanel } from "./reportPanel.js";

/**
 * Gradient checks in the editor: commands, a code lens above each unit, the Test
 * Explorer (file → unit → each input and parameter) and diagnostics. Checks run the
 * user's code, so only in a trusted workspace and only when asked.
 */

/** Gradients up to this size come back whole, for the report's heatmaps and the Test Explorer's diff. */
const VALUES_MAX_ELEMENTS = 4096;

export function registerChecks(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const controller = vscode.tests.createTestController("gradlens", "GradLens gradient checks");
  const diagnostics = vscode.languages.createDiagnosticCollection("GradLens checks");
  const results = new Map<string, CheckResult>();
  const lensChanged = new vscode.EventEmitter<void>();
  let session: CheckSession | undefined;
  let sessionPython: string | undefined;
  const reportPanel = new CheckReportPanel(context.extensionUri, {
    recheck: (file, name) => void runUnits(vscode.Uri.file(file), [name]),
    log,
  });
  /**
   * Where each result's gradients are computed, in the open documents: each file is
   * read once per call, however many of its units have results.
   */
  const gradientLines = () => {
    const byFile = new Map<string, { text: string; plans: UnitPlan[] } | null>();
    return (r: CheckResult) => (wrt: string): number | undefined => {
      if (!byFile.has(r.file)) {
        const text = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === r.file)?.getText();
        byFile.set(r.file, text === undefined ? null : { text, plans: discoverUnits(text).map((u) => u.plan) });
      }
      const doc = byFile.get(r.file);
      const plan = doc?.plans.find((p) => p.name === r.name);
      return doc && plan ? gradientLine(doc.text, plan, wrt) : undefined;
    };
  };
  /** Every result kept, as the report shows them: failures first, then by file and line. */
  const reportUnits = (): ReportUnit[] => {
    const linesOf = gradientLines();
    return [...results.values()]
      .sort((a, b) => Number(b.status === "fail") - Number(a.status === "fail") || a.file.localeCompare(b.file) || a.line - b.line)
      .map((r) => toReportUnit(r, linesOf(r)));
  };
  /** Keeps an open report in step with the results (nothing is computed while it is closed). */
  const refreshReport = () => {
    if (reportPanel.isOpen) reportPanel.update(reportUnits());
  };

  const interpreter = async (): Promise<string | undefined> => {
    // The interpreter the Python extension selected, else our setting, else PATH.
    const py = vscode.extensions.getExtension("ms-python.python");
    try {
      if (py) {
        const api = py.isActive ? py.exports : await py.activate();
        const env = api?.environments?.getActiveEnvironmentPath?.(vscode.workspace.workspaceFolders?.[0]?.uri);
        if (env?.path) return env.path as string;
      }
    } catch {
      // fall through to the setting
    }
    return vscode.workspace.getConfiguration("gradlens").get<string>("python.path") || undefined;
  };

  const getSession = async () => {
    const python = await interpreter();
    if (!session || python !== sessionPython) {
      session?.dispose();
      sessionPython = python;
      session = new CheckSession({ python, harness: harnessPath(path.join(context.extensionPath, "dist")), onLog: (t) => log.info(`[python] ${t.trimEnd()}`) });
    }
    return session;
  };

  const fileItem = (uri: vscode.Uri): vscode.TestItem => {
    let item = controller.items.get(uri.toString());
    if (!item) {
      item = controller.createTestItem(uri.toString(), vscode.workspace.asRelativePath(uri), uri);
      controller.items.add(item);
    }
    return item;
  };

  /** Reads the units of a document into the Test Explorer. */
  const refresh = (doc: { uri: vscode.Uri; getText(): string }) => {
    const units = discoverUnits(doc.getText());
    if (!units.length) {
      controller.items.delete(doc.uri.toString());
      return;
    }
    const file = fileItem(doc.uri);
    const seen = new Set<string>();
    for (const u of units) {
      const id = `${doc.uri.fsPath}#${u.plan.name}`;
      seen.add(id);
      const item = file.children.get(id) ?? controller.createTestItem(id, `${u.plan.name} (${u.plan.kind})`, doc.uri);
      item.range = new vscode.Range(u.plan.line - 1, 0, u.plan.line - 1, 0);
      file.children.add(item);
    }
    file.children.forEach((c) => {
      if (!seen.has(c.id)) file.children.delete(c.id);
    });
  };

  controller.resolveHandler = async (item) => {
    if (item) return;
    for (const uri of await vscode.workspace.findFiles("**/*.py", "**/{node_modules,.venv,venv,.git}/**", 500)) {
      try {
        refresh(await vscode.workspace.openTextDocument(uri));
      } catch (e) {
        log.warn(`cannot read ${uri.fsPath}: ${(e as Error).message}`);
      }
    }
  };

  const run = async (request: vscode.TestRunRequest, token: vscode.CancellationToken) => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage("GradLens: gradient checks run your code, so they are off in an untrusted workspace. Trust this workspace to run them.");
      return;
    }
    const run = controller.createTestRun(request);
    const chosen: vscode.TestItem[] = [];
    const collect = (i: vscode.TestItem) => (i.id.includes("#") ? chosen.push(i) : i.children.forEach(collect));
    if (request.include) request.include.forEach(collect);
    else controller.items.forEach(collect);
    const byFile = new Map<string, vscode.TestItem[]>();
    for (const i of chosen) {
      const file = i.id.slice(0, i.id.lastIndexOf("#"));
      byFile.set(file, [...(byFile.get(file) ?? []), i]);
      run.started(i);
    }
    const texts = new Map(vscode.workspace.textDocuments.filter((d) => byFile.has(d.uri.fsPath)).map((d) => [d.uri.fsPath, d.getText()]));
    let cancelling: vscode.Disposable | undefined;
    try {
      const s = await getSession();
      cancelling = token.onCancellationRequested(() => s.cancel());
      const config = vscode.workspace.getConfiguration("gradlens");
      const finished = new Set<vscode.TestItem>();
      await s.run(
        [...byFile.keys()],
        { units: new Set(chosen.map((i) => i.id)), texts, timeoutSeconds: config.get<number>("check.timeoutSeconds") ?? 10, values: VALUES_MAX_ELEMENTS },
        (r) => {
          const item = chosen.find((i) => i.id === `${r.file}#${r.name}`);
          if (item) finished.add(item);
          if (token.isCancellationRequested && r.status === "error" && r.message === "cancelled") {
            // Not a verdict on the code: skipped, and no result kept.
            if (item) run.skipped(item);
            return;
          }
          results.set(`${r.file}#${r.name}`, r);
          lensChanged.fire();
          if (item) report(run, item, r);
          refreshReport();
        },
      );
      for (const i of chosen) if (!finished.has(i)) run.skipped(i);
      if (token.isCancellationRequested) log.info("checks cancelled");
      publishDiagnostics();
    } catch (e) {
      const message = e instanceof CheckSetupError ? e.message : `the checks stopped: ${(e as Error).message}`;
      for (const i of chosen) run.errored(i, new vscode.TestMessage(message));
      log.error(message);
      void vscode.window.showErrorMessage(`GradLens: ${message}`, "Choose Interpreter").then((c) => {
        if (!c) return;
        // The Python extension's picker when it is installed (GradLens follows its choice), else our setting.
        if (vscode.extensions.getExtension("ms-python.python")) void vscode.commands.executeCommand("python.setInterpreter");
        else void vscode.commands.executeCommand("workbench.action.openSettings", "gradlens.python.path");
      });
    } finally {
      cancelling?.dispose();
      run.end();
    }
  };

  const report = (run: vscode.TestRun, item: vscode.TestItem, r: CheckResult) => {
    item.children.replace(
      r.checks.map((c) => {
        const child = controller.createTestItem(`${item.id}/${c.wrt}`, `${c.wrt} (${c.role})`, item.uri);
        child.range = item.range;
        return child;
      }),
    );
    const location = item.uri && item.range ? new vscode.Location(item.uri, item.range) : undefined;
    for (const c of r.checks) {
      const child = item.children.get(`${item.id}/${c.wrt}`)!;
      if (c.status === "pass") run.passed(child);
      else if (c.status === "fail") run.failed(child, messageOf(c, r, location));
      else run.skipped(child);
    }
    if (r.status === "pass") run.passed(item);
    else if (r.status === "fail") run.failed(item, new vscode.TestMessage(r.message));
    else if (r.status === "skipped") run.skipped(item);
    else {
      const m = new vscode.TestMessage(r.message);
      m.location = location;
      run.errored(item, m);
    }
    log.info(`${r.name}: ${r.status}${r.message ? ` — ${r.message}` : ""}`);
  };

  const publishDiagnostics = () => {
    const byUri = new Map<string, vscode.Diagnostic[]>();
    const linesOf = gradientLines();
    for (const r of results.values()) {
      const list = byUri.get(r.file) ?? [];
      const lineOf = linesOf(r);
      for (const c of r.checks) {
        if (c.status !== "fail") continue;
        // On the line that computes that gradient, where the fix goes; else on the unit.
        const line = lineOf(c.wrt) ?? r.line;
        const d = new vscode.Diagnostic(new vscode.Range(line - 1, 0, line - 1, 200), `${r.name}: the gradient of ${c.wrt} is wrong${c.diagnosis ? ` (${c.diagnosis.code}): ${c.diagnosis.detail}` : ""}`, vscode.DiagnosticSeverity.Error);
        d.source = "GradLens check";
        list.push(d);
      }
      if (r.status === "error") list.push(Object.assign(new vscode.Diagnostic(new vscode.Range(r.line - 1, 0, r.line - 1, 200), `${r.name}: ${r.message}`, vscode.DiagnosticSeverity.Warning), { source: "GradLens check" }));
      byUri.set(r.file, list);
    }
    diagnostics.clear();
    for (const [file, list] of byUri) diagnostics.set(vscode.Uri.file(file), list);
  };

  controller.createRunProfile("Check gradients", vscode.TestRunProfileKind.Run, (req, token) => run(req, token), true);

  const runUnits = async (uri: vscode.Uri, names?: string[]) => {
    const doc = await vscode.workspace.openTextDocument(uri);
    refresh(doc);
    const file = fileItem(uri);
    const include: vscode.TestItem[] = [];
    file.children.forEach((c) => {
      if (!names || names.some((n) => c.id.endsWith(`#${n}`))) include.push(c);
    });
    if (!include.length) {
      void vscode.window.showInformationMessage("GradLens: no hand-written backward to check here (gates, NAME_forward/NAME_backward pairs, *_loss functions, autograd Functions).");
      return;
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "GradLens: checking gradients", cancellable: true }, (_p, token) =>
      run(new vscode.TestRunRequest(include), token),
    );
    offerReport(include.map((i) => i.id));
  };

  /** After a check the user asked for: if a gradient is wrong, say which and offer the report (unless it is open already). */
  const offerReport = (ids: string[]) => {
    const failed = ids.map((id) => results.get(id)).filter((r): r is CheckResult => r?.status === "fail");
    if (!failed.length || reportPanel.isOpen) return;
    const bad = failed.flatMap((r) => r.checks.filter((c) => c.status === "fail").map((c) => `${r.name} d${c.wrt} ${c.diagnosis?.code ?? "wrong"}`));
    const text = `GradLens: ${bad.length} gradient${bad.length === 1 ? " is" : "s are"} wrong: ${bad.slice(0, 3).join(", ")}${bad.length > 3 ? ", …" : ""}`;
    void vscode.window.showWarningMessage(text, "Show Report").then((choice) => {
      if (choice) reportPanel.show(reportUnits());
    });
  };

  const lenses: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: lensChanged.event,
    provideCodeLenses(doc) {
      return discoverUnits(doc.getText()).map((u) => {
        const r = results.get(`${doc.uri.fsPath}#${u.plan.name}`);
        const range = new vscode.Range(u.plan.line - 1, 0, u.plan.line - 1, 0);
        return [
          new vscode.CodeLens(range, { title: lensTitle(r), command: "gradlens.checkUnit", arguments: [doc.uri, u.plan.name] }),
          ...(r && r.checks.length ? [new vscode.CodeLens(range, { title: "Show report", command: "gradlens.showCheckReport" })] : []),
          new vscode.CodeLens(range, { title: "Copy as pytest", command: "gradlens.copyAsPytest", arguments: [doc.uri, u.plan.name] }),
        ];
      }).flat();
    },
  };

  context.subscriptions.push(
    controller,
    diagnostics,
    lensChanged,
    { dispose: () => session?.dispose() },
    reportPanel,
    vscode.commands.registerCommand("gradlens.showCheckReport", () => {
      if (!results.size) {
        void vscode.window.showInformationMessage("GradLens: no gradient has been checked yet. Run GradLens: Check Gradients in File, or ▶ check gradient above a unit.");
        return;
      }
      reportPanel.show(reportUnits());
    }),
    vscode.languages.registerCodeLensProvider({ language: "python" }, lenses),
    vscode.commands.registerCommand("gradlens.checkUnit", (uri: vscode.Uri, name: string) => runUnits(uri, [name])),
    vscode.commands.registerCommand("gradlens.copyAsPytest", async (uri: vscode.Uri, name: string) => {
      const doc = await vscode.workspace.openTextDocument(uri);
      const unit = discoverUnits(doc.getText()).find((u) => u.plan.name === name);
      if (!unit) return;
      await vscode.env.clipboard.writeText(pytestFor(unit.plan, uri.fsPath));
      void vscode.window.showInformationMessage(`GradLens: a pytest test for ${name} is on the clipboard.`);
    }),
    vscode.commands.registerCommand("gradlens.checkAtCursor", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const offset = editor.document.offsetAt(editor.selection.active);
      const unit = discoverUnits(editor.document.getText()).find((u) => u.from <= offset && offset <= u.to);
      if (!unit) {
        void vscode.window.showInformationMessage("GradLens: the cursor is not inside a gate, a forward/backward pair, a loss or an autograd Function.");
        return;
      }
      await runUnits(editor.document.uri, [unit.plan.name]);
    }),
    vscode.commands.registerCommand("gradlens.checkFile", async () => {
      const editor = vscode.window.activeTextEditor;
      if (editor) await runUnits(editor.document.uri);
    }),
    vscode.commands.registerCommand("gradlens.checkWorkspace", async () => {
      await controller.resolveHandler?.(undefined);
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "GradLens: checking gradients", cancellable: true }, (_p, token) =>
        run(new vscode.TestRunRequest(), token),
      );
      offerReport([...results.keys()]);
    }),
    // Results stay until the code changes.
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.languageId !== "python" || !e.contentChanges.length) return;
      let changed = false;
      for (const k of [...results.keys()]) {
        if (k.startsWith(`${e.document.uri.fsPath}#`)) {
          results.delete(k);
          changed = true;
        }
      }
      if (changed) {
        lensChanged.fire();
        publishDiagnostics();
        refreshReport();
      }
    }),
    vscode.workspace.onDidSaveTextDocument((d) => d.languageId === "python" && refresh(d)),
    vscode.workspace.onDidOpenTextDocument((d) => d.languageId === "python" && refresh(d)),
  );
  for (const d of vscode.workspace.textDocuments) if (d.languageId === "python") refresh(d);
}

function lensTitle(r: CheckResult | undefined): string {
  if (!r) return "▶ check gradient";
  const checks = r.checks;
  if (r.status === "pass") {
    const worst = Math.max(...checks.map((c) => c.maxRelError ?? 0));
    return `✓ ${checks.length} gradient${checks.length === 1 ? "" : "s"}, max rel err ${worst.toExponential(0)}`;
  }
  if (r.status === "fail") {
    const bad = checks.filter((c) => c.status === "fail").map((c) => `d${c.wrt} ${c.diagnosis?.code ?? "wrong"}`);
    return `✗ ${bad.join(", ")}`;
  }
  return r.status === "needs-inputs" ? "? add a # gradcheck: directive" : `! ${r.status}: ${r.message.slice(0, 60)}`;
}

function messageOf(c: GradientCheck, r: CheckResult, location?: vscode.Location): vscode.TestMessage {
  const lines = [`${r.name}: the gradient of ${c.wrt} does not match finite differences.`];
  if (c.diagnosis) lines.push(`${c.diagnosis.code}: ${c.diagnosis.detail}`);
  if (c.worst) lines.push(`Worst element [${c.worst.index.join(", ")}]: finite differences ${formatValue(c.worst.numeric)}, your backward ${formatValue(c.worst.analytic)}.`);
  if (typeof c.maxRelError === "number") lines.push(`Relative error ${c.maxRelError.toExponential(2)}.`);
  const tol = r.tolerance;
  if (tol) lines.push(`Tolerance: atol ${formatValue(tol.atol)}, rtol ${formatValue(tol.rtol)}, eps ${formatValue(tol.eps)}.`);
  // Small arrays whole, so the diff view shows every element that differs; else the worst one.
  const diff = gradientDiff(c.values, c.shape);
  if (diff) lines.push("The diff: expected is finite differences, actual is your backward.");
  const m = diff ? vscode.TestMessage.diff(lines.join("\n"), diff.numeric, diff.analytic) : new vscode.TestMessage(lines.join("\n"));
  if (!diff && c.worst) {
    m.expectedOutput = `finite differences: ${formatValue(c.worst.numeric)}`;
    m.actualOutput = `your backward: ${formatValue(c.worst.analytic)}`;
  }
  m.location = location;
  return m;
}

/** A result as the report panel shows it, each gradient with the line that computes it. */
function toReportUnit(r: CheckResult, lineOf: (wrt: string) => number | undefined): ReportUnit {
  return {
    name: r.name,
    kind: r.kind,
    file: r.file,
    line: Number.isInteger(r.line) && r.line > 0 ? r.line : 0,
    status: r.status,
    // A failure's message repeats each failing check and the tolerance, which the
    // report shows in their own places: only the notes are left to say.
    message: r.status === "fail" && r.notes ? r.notes.join("\n") : r.message,
    ...(r.tolerance ? { tolerance: r.tolerance } : {}),
    ...(typeof r.seconds === "number" ? { seconds: r.seconds } : {}),
    checks: r.checks.map((c) => {
      const line = lineOf(c.wrt);
      return {
        wrt: c.wrt,
        role: c.role,
        shape: c.shape,
        status: c.status,
        maxRelError: c.maxRelError,
        worst: c.worst,
        diagnosis: c.diagnosis,
        ...(c.mode !== undefined ? { mode: c.mode } : {}),
        ...(c.note ? { note: c.note } : {}),
        ...(line ? { line } : {}),
        ...(c.values ? { values: c.values } : {}),
      };
    }),
  };
}
