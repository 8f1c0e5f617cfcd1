/**
 * The graph panel's HTML, without `vscode` so the browser test serves the very same
 * page and policy as the editor does.
 *
 * The policy allows: scripts only with this page's nonce; styles and fonts only from
 * the extension's own files (`cspSource`: KaTeX's CSS and fonts, the panel's CSS);
 * images from those files and `data:` (the PNG export draws the SVG through a
 * `data:` image); workers from `blob:` (the layout worker: a webview cannot start a
 * worker from its resource origin, which differs from the page's).
 *
 * No 'unsafe-inline' for styles: KaTeX's `render` and the panel set styles through
 * the CSSOM (`element.style`), which a policy does not restrict, and the controls'
 * (Lit) styles are constructed stylesheets, which it does not restrict either. Only
 * `style="…"` attributes parsed from HTML would need it, and the panel writes none.
 */

export interface PanelHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  title: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "worker-src blob:",
  ].join("; ");
}

export function panelHtml(o: PanelHtmlOptions): string {
  const attr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${o.styleUris.map((u) => `<link rel="stylesheet" href="${attr(u)}" nonce="${attr(o.nonce)}">`).join("\n")}
<title>${attr(o.title)}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}

/** A fresh nonce per page load; `random` is injected so this module needs neither Node nor DOM crypto. */
export function makeNonce(randomBytes: (n: number) => Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(32), (b) => alphabet[b % alphabet.length]).join("");
}
