import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { makeNonce, panelHtml } from "./panelHtml.js";

/**
 * Gives a panel its page: the script and styles from the extension's `dist/webview`
 * (`root`), under the policy of `panelHtml`, with a fresh nonce each time.
 */
export function setPanelPage(panel: vscode.WebviewPanel, root: vscode.Uri, page: { script: string; styles: string[][]; title: string }): void {
  const asUri = (p: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(root, ...p)).toString();
  panel.webview.html = panelHtml({
    cspSource: panel.webview.cspSource,
    nonce: makeNonce((n) => randomBytes(n)),
    scriptUri: asUri([page.script]),
    styleUris: page.styles.map(asUri),
    title: page.title,
  });
}

/** A message from a webview, short enough to log when it does not fit the protocol. */
export function preview(m: unknown): string {
  try {
    const s = JSON.stringify(m);
    return s === undefined ? String(m) : s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(m);
  }
}
