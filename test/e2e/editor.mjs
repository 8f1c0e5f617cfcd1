// Helpers for driving a real VS Code (code-server) in headless Chromium from
// node:test files. See /work/shared/notes/real-editor-testing.md for why this
// stack: @vscode/test-electron cannot download VS Code on machines that reach only
// the npm registry and Debian, while code-server from npm is the same workbench
// with a Node extension host.
//
// Everything a test starts registers a stopper in one place (`Cleanup`) so a
// failing or timed-out test still leaves no code-server or Chromium behind.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS_ROOT = path.join(REPO_ROOT, 'test', 'e2e', 'artifacts');
let artifactsDir = path.join(ARTIFACTS_ROOT, 'default');

/**
 * Gives this test file its own, emptied folder under test/e2e/artifacts/, so
 * screenshots left by an earlier run or by another test file (node --test runs
 * files in parallel processes) are never mistaken for this run's.
 */
export function useArtifacts(name) {
  artifactsDir = path.join(ARTIFACTS_ROOT, name);
  fs.rmSync(artifactsDir, { recursive: true, force: true });
  fs.mkdirSync(artifactsDir, { recursive: true });
  return artifactsDir;
}

// Progress goes to stderr: node --test reads the test file's stdout itself.
export function log(...args) {
  process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${args.join(' ')}\n`);
}

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Collects teardown steps and runs them newest first. Also kills the process
 * groups it knows about when the process ends any other way (an uncaught error,
 * Ctrl+C, the test runner sending SIGTERM), since an orphaned code-server would
 * hold its port and 600 MB of memory on a CI machine. Chromium needs no such
 * care: playwright kills it when this process exits.
 */
export class Cleanup {
  #steps = [];
  #groups = new Set();
  #exitHooks = [];
  #onExit = () => {
    for (const pid of this.#groups) killGroup(pid, 'SIGKILL');
    for (const fn of this.#exitHooks) {
      try {
        fn();
      } catch {
        // Best effort: the process is going away.
      }
    }
  };
  // A signal skips 'exit' handlers unless something turns it into an exit.
  #onSignal = (signal) => {
    this.#onExit();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  constructor() {
    process.on('exit', this.#onExit);
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  add(name, fn) {
    this.#steps.push({ name, fn });
  }

  /** Also runs `fn` (synchronous) if the process ends before run(). */
  addOnExit(name, fn) {
    this.#exitHooks.push(fn);
    this.add(name, fn);
  }

  trackGroup(pid) {
    this.#groups.add(pid);
  }

  untrackGroup(pid) {
    this.#groups.delete(pid);
  }

  async run() {
    const errors = [];
    while (this.#steps.length) {
      const { name, fn } = this.#steps.pop();
      try {
        await withTimeout(Promise.resolve().then(fn), 20_000, `cleanup: ${name}`);
      } catch (err) {
        errors.push(err);
        log(`cleanup step "${name}" failed: ${err.message}`);
      }
    }
    this.#onExit();
    process.off('exit', this.#onExit);
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
    return errors;
  }
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Runs scripts/e2e-setup.sh (cheap when everything is cached) and returns the
 * paths it prints: NODE, CODE_SERVER, CHROMIUM, CACHE_DIR.
 */
export function runSetup({ timeoutMs = 15 * 60_000 } = {}) {
  const script = path.join(REPO_ROOT, 'scripts', 'e2e-setup.sh');
  const res = spawnSync('bash', [script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (res.error) throw new Error(`${script} did not run: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${script} failed (exit ${res.status}); see its output above`);
  const paths = {};
  for (const line of res.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) paths[m[1]] = m[2];
  }
  for (const key of ['NODE', 'CODE_SERVER', 'CHROMIUM']) {
    if (!paths[key] || !fs.existsSync(paths[key])) {
      throw new Error(`${script} did not report an existing ${key} (got ${paths[key]})`);
    }
  }
  return paths;
}

/**
 * The packaged extension: GRADLENS_E2E_VSIX, else the newest gradlens-*.vsix in
 * the repo root. Tests the .vsix rather than the source tree so that what is
 * checked is what users install (packaging mistakes, .vscodeignore, bundling).
 */
export function findVsix() {
  const override = process.env.GRADLENS_E2E_VSIX;
  if (override) {
    const p = path.resolve(override);
    if (!fs.existsSync(p)) throw new Error(`GRADLENS_E2E_VSIX=${override} does not exist`);
    return p;
  }
  const candidates = fs
    .readdirSync(REPO_ROOT)
    .filter((f) => /^gradlens-.*\.vsix$/.test(f))
    .map((f) => path.join(REPO_ROOT, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (!candidates.length) {
    throw new Error(
      `no gradlens-*.vsix in ${REPO_ROOT}: run \`npm run package\` first ` +
        '(or point GRADLENS_E2E_VSIX at a .vsix)',
    );
  }
  return candidates[0];
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A temp root for one test file: HOME, code-server dirs, browser profile, workspace. */
export function makeTempRoot(cleanup) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradlens-e2e-'));
  let done = false;
  cleanup.addOnExit('remove temp dir', () => {
    if (done) return;
    done = true;
    if (process.env.GRADLENS_E2E_KEEP) log(`kept temp dir ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  });
  return root;
}

/** Copies the folder to open, so edits made by a test never touch the repo. */
export function copyWorkspace(src, tempRoot) {
  if (!fs.existsSync(src)) throw new Error(`workspace folder ${src} does not exist`);
  const dest = path.join(tempRoot, 'workspace');
  fs.cpSync(src, dest, { recursive: true });
  return dest;
}

/**
 * Env for code-server and its tools: a private HOME (code-server and the
 * extension host write config, logs and caches there) and Node 24 first on PATH,
 * so anything the extension spawns by name gets the same Node as its host.
 */
function codeServerEnv(paths, home, tmp) {
  const env = { ...process.env };
  // A developer's own VS Code may have set these; they would leak into the server.
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_')) delete env[k];
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    // code-server leaves its IPC sockets in TMPDIR after it is killed.
    TMPDIR: tmp,
    PATH: `${path.dirname(paths.NODE)}${path.delimiter}${process.env.PATH}`,
  };
}

const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'editor.hover.delay': 100,
  'security.workspace.trust.enabled': false,
  // Keep the UI still: no welcome tips, no update or telemetry prompts.
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  // The chat side bar takes a third of the window in screenshots and is not ours.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
};

/**
 * Installs the vsix into private dirs, writes user settings and starts
 * code-server on a free loopback port; resolves once /healthz answers.
 * Returns { url, port, logFile, userDataDir, extensionsDir }.
 */
export async function startCodeServer({ paths, vsix, tempRoot, cleanup, settings = {}, readyTimeoutMs = 60_000 }) {
  const home = path.join(tempRoot, 'home');
  const userDataDir = path.join(tempRoot, 'user-data');
  const extensionsDir = path.join(tempRoot, 'extensions');
  const configFile = path.join(tempRoot, 'code-server.yaml');
  const logFile = path.join(tempRoot, 'code-server.log');
  const tmp = path.join(tempRoot, 'tmp');
  for (const d of [home, userDataDir, extensionsDir, tmp]) fs.mkdirSync(d, { recursive: true });
  const env = codeServerEnv(paths, home, tmp);

  log(`installing ${path.basename(vsix)} into code-server`);
  const install = spawnSync(
    paths.NODE,
    [paths.CODE_SERVER, '--install-extension', vsix, '--force', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir],
    { env, encoding: 'utf8', timeout: 120_000 },
  );
  if (install.status !== 0) {
    throw new Error(
      `code-server --install-extension ${vsix} failed (exit ${install.status}, ${install.error?.message ?? ''}):\n` +
        `${install.stdout}\n${install.stderr}`,
    );
  }

  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2),
  );

  const port = await freePort();
  // An explicit config file keeps code-server from creating (and reading) one
  // with a password under HOME.
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    paths.NODE,
    [
      paths.CODE_SERVER,
      '--config', configFile,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
    ],
    // Its own process group, so teardown also ends the extension host, the
    // language server and anything they spawned.
    { env, stdio: ['ignore', out, out], detached: true },
  );
  fs.closeSync(out);
  cleanup.trackGroup(child.pid);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  cleanup.add('stop code-server', async () => {
    if (!exited) {
      killGroup(child.pid, 'SIGTERM');
      // An unref'd timer, or the 5 s wait would keep the test file alive after it.
      await Promise.race([exitPromise, sleep(5_000, undefined, { ref: false })]);
      // The group may outlive its leader (extension host, language server).
      killGroup(child.pid, 'SIGKILL');
    }
    cleanup.untrackGroup(child.pid);
    copyToArtifacts(logFile, 'code-server.log');
    copyToArtifacts(path.join(userDataDir, 'logs'), 'vscode-logs');
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      throw new Error(`code-server exited early (${JSON.stringify(exited)}); log:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`code-server did not answer ${url}/healthz within ${readyTimeoutMs} ms; log:\n${tail(logFile)}`);
    }
    await sleep(250);
  }
  log(`code-server ready at ${url} (log: ${logFile})`);
  return { url, port, logFile, userDataDir, extensionsDir };
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function copyToArtifacts(src, name) {
  try {
    if (!fs.existsSync(src)) return;
    fs.mkdirSync(artifactsDir, { recursive: true });
    fs.cpSync(src, path.join(artifactsDir, name), { recursive: true, force: true });
  } catch (err) {
    log(`could not copy ${src} to artifacts: ${err.message}`);
  }
}

/**
 * Launches Debian's Chromium headless with a fresh profile and returns
 * { context, page }. Browser console errors and warnings are kept in
 * browser-console.log in the artifacts folder: a webview or workbench failure usually
 * shows there first.
 */
export async function launchBrowser({ paths, tempRoot, cleanup }) {
  const { chromium } = await import('playwright-core');
  const profile = path.join(tempRoot, 'chromium-profile');
  fs.mkdirSync(profile, { recursive: true });
  // launchPersistentContext because it is how a fresh user-data-dir is given;
  // plain launch() rejects --user-data-dir in args.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: paths.CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    env: { ...process.env, HOME: path.join(tempRoot, 'home') },
  });
  cleanup.add('close chromium', () => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') consoleLines.push(`[${msg.type()}] ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.message}`));
  cleanup.add('save browser console', () => {
    fs.mkdirSync(artifactsDir, { recursive: true });
    fs.writeFileSync(path.join(artifactsDir, 'browser-console.log'), consoleLines.join('\n') + '\n');
  });
  return { context, page };
}

/** Opens the workbench on `folder` and waits until it can take keyboard input. */
export async function openWorkbench(page, serverUrl, folder) {
  const url = `${serverUrl}/?${new URLSearchParams({ folder })}`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  // The explorer listing the folder means the workspace and file service are up.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
  await focusEditorArea(page);
}

async function focusEditorArea(page) {
  // Keyboard shortcuts go to whatever has focus; the workbench itself is a
  // neutral target when nothing is open yet.
  const editor = page.locator('.editor-group-container.active .monaco-editor textarea');
  if (await editor.count()) await editor.first().focus();
  else await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
}

const QUICK_INPUT = '.quick-input-widget';

/**
 * Presses `key` until the quick input shows: a shortcut pressed while the
 * workbench is still registering keybindings is silently dropped.
 */
async function openQuickInput(page, key) {
  const input = page.locator(`${QUICK_INPUT} input`);
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press(key);
    const shown = await input.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
    if (shown) return;
    log(`${key} opened no quick input (try ${i + 1}); pressing again`);
    await focusEditorArea(page);
  }
  throw new Error(`${key} did not open the quick input`);
}

async function pickFromQuickInput(page, text) {
  const input = page.locator(`${QUICK_INPUT} input`);
  await input.pressSequentially(text, { delay: 10 });
  // Results refresh while typing; wait until the wanted row is the focused one so
  // Enter picks it and not a stale first row.
  const focused = page.locator(`${QUICK_INPUT} .monaco-list-row.focused`, { hasText: text }).first();
  try {
    await focused.waitFor({ state: 'visible', timeout: 15_000 });
  } catch (err) {
    const rows = await page.locator(`${QUICK_INPUT} .monaco-list-row`).allInnerTexts().catch(() => []);
    await page.keyboard.press('Escape');
    throw new Error(`no quick input row "${text}" came first; rows: ${JSON.stringify(rows)}`, { cause: err });
  }
  await page.keyboard.press('Enter');
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Quick Open (Ctrl+P) a file by name and wait until its editor is active. */
export async function quickOpen(page, fileName) {
  await openQuickInput(page, 'Control+P');
  await pickFromQuickInput(page, fileName);
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').waitFor({ state: 'visible', timeout: 15_000 });
}

/**
 * Runs a command by its palette label as shown, category included, e.g.
 * "Problems: Focus on Problems View".
 */
export async function runCommand(page, label) {
  await openQuickInput(page, 'Control+Shift+P');
  // The palette opens with ">" already typed.
  await pickFromQuickInput(page, label);
}

/** Moves the cursor to a 1-based line and column with Go to Line (Ctrl+G). */
export async function goToLine(page, line, column = 1) {
  await focusEditorArea(page);
  await openQuickInput(page, 'Control+G');
  const input = page.locator(`${QUICK_INPUT} input`);
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 10_000 });
}

/**
 * Finds the 1-based line and column of `word` on the first line of `text`
 * matching `lineRegex`, e.g. findWord(src, /^\s*z1 = /, 'z1').
 */
export function findWord(text, lineRegex, word) {
  const lines = text.split(/\r?\n/);
  const idx = lines.findIndex((l) => lineRegex.test(l));
  if (idx < 0) throw new Error(`no line matches ${lineRegex}`);
  const col = new RegExp(`\\b${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).exec(lines[idx])?.index;
  if (col === undefined) throw new Error(`"${word}" not on line ${idx + 1}: ${lines[idx]}`);
  return { line: idx + 1, column: col + 1, lineText: lines[idx] };
}

/**
 * Screen centre of the `length` characters that start at the cursor. The cursor
 * is where Monaco put the source column, so this stays right when inlay hints
 * (shape annotations) are injected into the rendered line before the word, and it
 * does not depend on how the tokenizer split the line into spans (that changes
 * once syntax colouring starts).
 */
async function wordBoxAtCursor(page, length) {
  return page.evaluate((length) => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    const cursor = editor?.querySelector('.cursors-layer .cursor');
    if (!cursor) return null;
    const c = cursor.getBoundingClientRect();
    // The cursor is drawn over the text; hide it so the hit test reaches the text.
    const layer = editor.querySelector('.cursors-layer');
    const before = layer.style.visibility;
    layer.style.visibility = 'hidden';
    let caret;
    try {
      caret = document.caretRangeFromPoint(c.left + 1, c.top + c.height / 2);
    } finally {
      layer.style.visibility = before;
    }
    if (!caret || caret.startContainer.nodeType !== Node.TEXT_NODE) return null;
    const line = caret.startContainer.parentElement.closest('.view-line');
    if (!line) return null;
    // The word may cross span boundaries (a decoration can split a token).
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    walker.currentNode = caret.startContainer;
    const range = document.createRange();
    range.setStart(caret.startContainer, caret.startOffset);
    let node = caret.startContainer;
    let left = length + caret.startOffset;
    while (node && left > node.textContent.length) {
      left -= node.textContent.length;
      node = walker.nextNode();
    }
    if (!node) return null;
    range.setEnd(node, left);
    const r = range.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2, text: range.toString() };
  }, length);
}

/**
 * Hovers `word` at (line, column) with the mouse and returns the hover text.
 * Retries because the first hover can be lost while tokens re-render or before
 * the extension has activated; the last attempts use the keyboard hover command
 * (Ctrl+K Ctrl+I) which does not depend on mouse position at all.
 * `expect` (string or RegExp) makes it retry until the hover shows it.
 */
export async function hoverWord(page, { line, column, word, expect, attempts = 6 }) {
  const hover = page.locator('.monaco-hover-content');
  let miss = '';
  for (let i = 0; i < attempts; i++) {
    const useKeyboard = i >= attempts - 2;
    try {
      await goToLine(page, line, column);
      if (useKeyboard) {
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
      } else {
        const box = await wordBoxAtCursor(page, word.length);
        if (!box) throw new Error(`no rendered text at the cursor (${line}:${column})`);
        if (box.text.replace(/\u00a0/g, ' ') !== word) {
          throw new Error(`text at ${line}:${column} is "${box.text}", not "${word}"`);
        }
        // Leave and re-enter so Monaco sees a fresh hover.
        await page.mouse.move(5, 5);
        await sleep(100);
        await page.mouse.move(box.x, box.y, { steps: 3 });
      }
      const appeared = await hover.first().waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false);
      if (!appeared) throw new Error('no hover appeared within 4 s');
      // Providers answer at different times; give the content a moment to fill.
      const deadline = Date.now() + 3_000;
      let text;
      do {
        text = (await hover.allInnerTexts()).join('\n');
        if (!expect || matchesExpect(text, expect)) {
          if (i > 0) log(`hover on "${word}" needed ${i + 1} attempts${useKeyboard ? ' (keyboard)' : ''}`);
          return text;
        }
        await sleep(200);
      } while (Date.now() < deadline);
      miss = `hover showed ${JSON.stringify(text)}`;
    } catch (err) {
      miss = err.message.split('\n')[0];
    }
    log(`hover attempt ${i + 1}${useKeyboard ? ' (keyboard)' : ''} on "${word}" missed: ${miss}`);
    await page.keyboard.press('Escape');
    await sleep(500 * (i + 1));
  }
  throw new Error(`hover on "${word}" at ${line}:${column} never showed ${expect}; last attempt: ${miss}`);
}

function matchesExpect(text, expect) {
  return typeof expect === 'string' ? text.includes(expect) : expect.test(text);
}

/**
 * Waits until some Problems row contains `text` (opening the panel with
 * Ctrl+Shift+M if it is not showing); returns the text of all rows.
 */
export async function waitForProblem(page, text, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let rows = [];
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) await page.keyboard.press('Control+Shift+M');
  await panel.waitFor({ state: 'visible', timeout: 15_000 });
  do {
    rows = await panel.locator('.monaco-list-row').allInnerTexts();
    if (rows.some((r) => r.includes(text))) return rows;
    await sleep(300);
  } while (Date.now() < deadline);
  throw new Error(`no Problems row contains "${text}" after ${timeoutMs} ms; rows: ${JSON.stringify(rows)}`);
}

/** Saves a PNG of the window to the artifacts folder as NAME.png; never throws. */
export async function screenshot(page, name) {
  try {
    fs.mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, `${name}.png`);
    await page.screenshot({ path: file, timeout: 10_000 });
    return file;
  } catch (err) {
    log(`screenshot ${name} failed: ${err.message}`);
    return null;
  }
}

/**
 * The frame of the webview whose document has `selector` (a webview is an iframe
 * inside an iframe whose URL contains /webview/browser/pre/). Waits for it to load.
 */
export async function findWebviewFrame(page, selector, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (!frame.url().includes('/webview/browser/pre/')) continue;
      const found = await frame.$(selector).then((el) => !!el, () => false);
      if (found) return frame;
    }
    if (Date.now() > deadline) {
      const urls = page.frames().map((f) => f.url());
      throw new Error(`no webview frame has ${selector} after ${timeoutMs} ms; frames: ${JSON.stringify(urls)}`);
    }
    await sleep(250);
  }
}

/** The editor's cursor position as the status bar shows it ("Ln 12, Col 5"), or null. */
export async function cursorPosition(page) {
  const item = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
  const text = await item.innerText({ timeout: 2_000 }).catch(() => null);
  const m = text && /Ln (\d+), Col (\d+)/.exec(text);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

/**
 * One real editor for a test file: registers node:test hooks that install the setup
 * (cached), start code-server with the packaged extension on a copy of `examples/`,
 * open Chromium, and tear everything down, with a watchdog for hooks that hang. The
 * returned object's `page` and `workspace` are set once the hooks have run.
 */
export function useEditor({ artifacts, hooks, workspaceSrc, setupTimeoutMs = 20 * 60_000, startTimeoutMs = 2 * 60_000, teardownTimeoutMs = 60_000, watchdogMs = 5 * 60_000 }) {
  const { before, after } = hooks;
  const cleanup = new Cleanup();
  const editor = { page: undefined, workspace: undefined, paths: undefined };
  let vsix;
  let watchdog;
  before(
    () => {
      // Checked before the slow setup so a missing package fails in a second.
      vsix = findVsix();
      const started = Date.now();
      editor.paths = runSetup({ timeoutMs: setupTimeoutMs - 10_000 });
      log(`setup ready in ${((Date.now() - started) / 1000).toFixed(1)} s; vsix ${vsix}`);
    },
    { timeout: setupTimeoutMs },
  );
  before(
    async () => {
      // Last resort if a hook itself hangs past node:test's timeouts (they fail a hook
      // but cannot stop it): end the processes and the file.
      watchdog = setTimeout(async () => {
        log(`watchdog: still running after ${watchdogMs / 1000} s past setup; tearing down`);
        await cleanup.run();
        process.exit(1);
      }, watchdogMs);
      watchdog.unref();
      useArtifacts(artifacts);
      const tempRoot = makeTempRoot(cleanup);
      editor.workspace = copyWorkspace(workspaceSrc ?? path.join(REPO_ROOT, 'examples'), tempRoot);
      const server = await startCodeServer({ paths: editor.paths, vsix, tempRoot, cleanup });
      ({ page: editor.page } = await launchBrowser({ paths: editor.paths, tempRoot, cleanup }));
      try {
        await openWorkbench(editor.page, server.url, editor.workspace);
      } catch (err) {
        await screenshot(editor.page, 'failed-open-workbench');
        throw err;
      }
    },
    { timeout: startTimeoutMs },
  );
  after(
    async () => {
      clearTimeout(watchdog);
      const errors = await cleanup.run();
      if (errors.length) log(`${errors.length} cleanup step(s) failed; see above`);
    },
    { timeout: teardownTimeoutMs },
  );
  return editor;
}
