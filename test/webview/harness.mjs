// Serves the built webview bundle the way the editor does (the same HTML and content
// security policy, from src/extension/panelHtml.ts) and opens it in Debian's Chromium
// with a stand-in for the editor's `acquireVsCodeApi`.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEBVIEW_DIR = path.join(REPO_ROOT, 'dist', 'webview');
const THEMES = { 'vscode-dark': 'theme-dark.css', 'vscode-light': 'theme-light.css', 'vscode-high-contrast': 'theme-high-contrast.css' };
export const CHROMIUM = process.env.GRADLENS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.woff2': 'font/woff2', '.map': 'application/json' };

/** Serves / (the graph panel's page), /report (the check report's) and /webview/** (dist/webview) on a loopback port. */
export async function startServer() {
  if (!fs.existsSync(path.join(WEBVIEW_DIR, 'main.js'))) {
    throw new Error(`${WEBVIEW_DIR}/main.js is missing: run \`npm run build\` first`);
  }
  const { panelHtml } = await tsImport('../../src/extension/panelHtml.ts', import.meta.url);
  let nonceCount = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const origin = `http://127.0.0.1:${server.address().port}`;
    // ?theme=vscode-light: the body class VS Code sets and that theme's variables.
    const theme = THEMES[url.searchParams.get('theme')] ? url.searchParams.get('theme') : 'vscode-dark';
    // / is the graph panel's page, /report the gradient-check report's (src/extension/reportPanel.ts).
    if (url.pathname === '/' || url.pathname === '/report') {
      const report = url.pathname === '/report';
      const html = panelHtml({
        cspSource: origin,
        nonce: `testnonce${++nonceCount}x${Date.now()}`,
        scriptUri: `${origin}/webview/${report ? 'report' : 'main'}.js`,
        styleUris: report
          ? [`${origin}/theme/${theme}.css`, `${origin}/webview/reportStyle.css`]
          : [`${origin}/theme/${theme}.css`, `${origin}/webview/katex/katex.min.css`, `${origin}/webview/panel.css`],
        title: report ? 'Gradient check report' : 'Computation graph',
      }).replace('<body>', `<body class="${theme}">`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    let file = null;
    const themeFile = /^\/theme\/([\w-]+)\.css$/.exec(url.pathname)?.[1];
    if (themeFile && THEMES[themeFile]) file = path.join(REPO_ROOT, 'test', 'webview', THEMES[themeFile]);
    else if (url.pathname.startsWith('/webview/')) {
      const f = path.resolve(WEBVIEW_DIR, `.${decodeURIComponent(url.pathname.slice('/webview'.length))}`);
      if (f.startsWith(WEBVIEW_DIR + path.sep)) file = f;
    }
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

export async function launch() {
  const { chromium } = await import('playwright-core');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set GRADLENS_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/**
 * A page with the fake editor API: posted messages land in window.__posted, state
 * survives reloads in sessionStorage, content-security-policy violations are kept in
 * window.__csp and long tasks in window.__longTasks. `deviceScaleFactor`: the screen's
 * pixel density (default 1).
 */
export async function openPanel(browser, url, { width = 1300, height = 800, init, deviceScaleFactor } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, ...(deviceScaleFactor ? { deviceScaleFactor } : {}) });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  await page.addInitScript(() => {
    window.__posted = [];
    window.__csp = [];
    window.__longTasks = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample ?? ''}`));
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi may be called only once');
      acquired = true;
      return {
        postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => JSON.parse(sessionStorage.getItem('gradlens-state') ?? 'null') ?? undefined,
        setState: (s) => sessionStorage.setItem('gradlens-state', JSON.stringify(s)),
      };
    };
  });
  if (init) await page.addInitScript(init);
  await page.goto(url, { waitUntil: 'load' });
  try {
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'), null, { timeout: 20_000 });
  } catch (err) {
    throw new Error(`the panel never said ready; browser console:\n${consoleLines.join('\n')}`, { cause: err });
  }
  return { page, context, consoleLines };
}

/**
 * Posts a message to the panel as the extension does; resolves once the panel's
 * handler has run (its listener was added first, so it runs before this one).
 */
export function send(page, message) {
  return page.evaluate(
    (m) =>
      new Promise((resolve) => {
        window.addEventListener('message', function seen() {
          window.removeEventListener('message', seen);
          resolve();
        });
        window.postMessage(m, '*');
      }),
    message,
  );
}

export function posted(page, type) {
  return page.evaluate((t) => window.__posted.filter((m) => !t || m.type === t), type);
}
