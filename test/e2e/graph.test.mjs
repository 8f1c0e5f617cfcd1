// The computation graph panel in a real VS Code (code-server + headless Chromium),
// installed from the packaged .vsix: open examples/gates.py, run "GradLens: Show
// Computation Graph" in lecture_example, read values and gradients from the webview,
// click nodes and see the editor's cursor move, edit the code and see the graph redrawn.
//
// Run: npm run package && bash scripts/e2e-setup.sh && node --test test/e2e/graph.test.mjs
// Env: as for editor.test.mjs (GRADLENS_E2E_VSIX, GRADLENS_E2E_WORKSPACE, GRADLENS_E2E_CACHE,
// GRADLENS_E2E_KEEP). Screenshots and logs end up in test/e2e/artifacts/graph/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  REPO_ROOT,
  cursorPosition,
  findWebviewFrame,
  findWord,
  goToLine,
  log,
  quickOpen,
  runCommand,
  screenshot,
  useEditor,
} from './editor.mjs';

const SETUP_TIMEOUT_MS = 20 * 60_000;
const START_TIMEOUT_MS = 2 * 60_000;
const STEP_TIMEOUT_MS = 90_000;
const TEARDOWN_TIMEOUT_MS = 60_000;
const WATCHDOG_MS = 6 * 60_000;

const WORKSPACE_SRC = path.resolve(process.env.GRADLENS_E2E_WORKSPACE ?? path.join(REPO_ROOT, 'examples'));
const FILE = 'gates.py';

/** The texts of the graph's nodes, by their title. */
function readNodes(frame) {
  return frame.$$eval('#graph .node', (gs) =>
    Object.fromEntries(
      gs.map((g) => [
        g.querySelector('text.title')?.textContent,
        { id: g.dataset.id, value: g.querySelector('text.val')?.textContent, grad: g.querySelector('text.grad')?.textContent },
      ]),
    ),
  );
}

const num = (text) => Number(String(text).replace(/^[=∇]\s*/, ''));

describe('the computation graph panel in a real editor (code-server)', () => {
  const editor = useEditor({ artifacts: 'graph', hooks: { before, after }, workspaceSrc: WORKSPACE_SRC, setupTimeoutMs: SETUP_TIMEOUT_MS, startTimeoutMs: START_TIMEOUT_MS, teardownTimeoutMs: TEARDOWN_TIMEOUT_MS, watchdogMs: WATCHDOG_MS });
  let page;
  let workspace;
  let frame;
  let src;

  before(() => {
    ({ page, workspace } = editor);
    src = fs.readFileSync(path.join(workspace, FILE), 'utf8');
  });

  it('draws lecture_example with its values and gradients', { timeout: STEP_TIMEOUT_MS }, async () => {
    const ret = findWord(src, /^\s*return \(x \+ y\) \* max\(y, z\)/, 'return');
    try {
      await quickOpen(page, FILE);
      await goToLine(page, ret.line, ret.column);
      await runCommand(page, 'GradLens: Show Computation Graph');
      frame = await findWebviewFrame(page, '#graph[data-state=ready] .node', 60_000);
      const nodes = await readNodes(frame);
      // The inputs are whatever the panel shows (the function's # gradcheck: directive):
      // f = (x + y) · max(y, z), ∂f/∂x = max(y, z), ∂f/∂y = max(y, z) + (x + y)·[y ≥ z].
      const inputs = Object.fromEntries(
        (await frame.$eval('#inputs', (e) => e.value)).split(',').map((p) => p.split('=').map((s) => s.trim())).map(([k, v]) => [k, Number(v)]),
      );
      log(`inputs ${JSON.stringify(inputs)}; nodes ${JSON.stringify(nodes)}`);
      const { x, y, z } = inputs;
      assert.ok([x, y, z].every(Number.isFinite), `inputs: ${JSON.stringify(inputs)}`);
      const out = nodes['(x + y) * max(y, z)'];
      assert.ok(out, `no output node among ${Object.keys(nodes)}`);
      assert.equal(num(out.value), (x + y) * Math.max(y, z));
      assert.equal(num(out.grad), 1);
      assert.equal(num(nodes.x.value), x);
      assert.equal(num(nodes.x.grad), Math.max(y, z));
      assert.equal(num(nodes.y.grad), Math.max(y, z) + (y >= z ? x + y : 0));
      assert.equal(num(nodes.z.grad), y >= z ? 0 : x + y);
      assert.equal(await frame.$eval(`#graph .node[data-id="${nodes['x + y'].id}"] text.describe`, (e) => e.textContent), 'distributes');
      await screenshot(page, 'graph-lecture-example');
    } catch (err) {
      await screenshot(page, 'failed-graph-lecture-example');
      throw err;
    }
  });

  it('moves the editor cursor to a node’s line when the node is clicked', { timeout: STEP_TIMEOUT_MS }, async () => {
    const def = findWord(src, /^def lecture_example\(/, 'x');
    const ret = findWord(src, /^\s*return \(x \+ y\) \* max\(y, z\)/, 'max');
    try {
      assert.ok(frame, 'the panel did not open in the previous step');
      const nodes = await readNodes(frame);
      await frame.click(`#graph .node[data-id="${nodes.x.id}"]`);
      await waitForCursorLine(page, def.line);
      await frame.click(`#graph .node[data-id="${nodes['max(y, z)'].id}"]`);
      const at = await waitForCursorLine(page, ret.line);
      assert.equal(at.line, ret.line);
      // The click selected max(y, z) in the editor: the cursor ends after it.
      assert.equal(at.column, ret.column + 'max(y, z)'.length);
      // And the panel highlights the nodes on the cursor's line.
      await frame.waitForSelector(`#graph .node.on-line[data-id="${nodes['max(y, z)'].id}"]`, { timeout: 10_000 });
      await frame.click(`#graph .node[data-id="${nodes['(x + y) * max(y, z)'].id}"]`);
      await frame.waitForSelector('#details .katex', { timeout: 10_000 });
      await screenshot(page, 'graph-node-revealed');
    } catch (err) {
      await screenshot(page, 'failed-graph-reveal');
      throw err;
    }
  });

  it('steps through the passes and exports the drawing through the save dialog', { timeout: STEP_TIMEOUT_MS }, async () => {
    try {
      assert.ok(frame, 'the panel did not open');
      for (let i = 0; i < 8; i++) await frame.click('#step');
      assert.match(await frame.textContent('#step-status'), /^Backward 2\/6: /);
      await screenshot(page, 'graph-stepping');
      await frame.click('#step-reset');

      const target = path.join(workspace, 'lecture_example-graph.svg');
      await frame.click('#export-svg');
      // code-server's save dialog is a quick input holding the proposed path.
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      // The dialog fills in the folder first, then the proposed name.
      let proposed = '';
      for (const until = Date.now() + 10_000; Date.now() < until; await sleep(200)) {
        proposed = await input.inputValue();
        if (proposed.endsWith('lecture_example-graph.svg')) break;
      }
      assert.equal(proposed, target);
      await page.keyboard.press('Enter');
      const deadline = Date.now() + 15_000;
      while (!fs.existsSync(target) && Date.now() < deadline) await sleep(200);
      const svg = fs.readFileSync(target, 'utf8');
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(svg, /\(x \+ y\) \* max\(y, z\)/);
    } catch (err) {
      await screenshot(page, 'failed-graph-export');
      throw err;
    }
  });

  it('redraws the graph as the code is edited', { timeout: STEP_TIMEOUT_MS }, async () => {
    const ret = findWord(src, /^\s*return \(x \+ y\) \* max\(y, z\)/, 'return');
    try {
      assert.ok(frame, 'the panel did not open');
      const before = num((await readNodes(frame))['(x + y) * max(y, z)'].value);
      await goToLine(page, ret.line, ret.lineText.length + 1);
      await page.keyboard.type(' * 2', { delay: 30 });
      await frame.waitForFunction(
        () => [...document.querySelectorAll('#graph .node text.title')].some((t) => t.textContent === '(x + y) * max(y, z) * 2'),
        null,
        { timeout: 20_000 },
      );
      const nodes = await readNodes(frame);
      assert.equal(num(nodes['(x + y) * max(y, z) * 2'].value), 2 * before);
      await screenshot(page, 'graph-after-edit');
    } catch (err) {
      await screenshot(page, 'failed-graph-edit');
      throw err;
    }
  });
});

/** Waits until the status bar shows the cursor on `line`; returns the position. */
async function waitForCursorLine(page, line, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let at = null;
  do {
    at = await cursorPosition(page);
    if (at?.line === line) return at;
    await sleep(200);
  } while (Date.now() < deadline);
  throw new Error(`the status bar never showed Ln ${line}; last ${JSON.stringify(at)}`);
}
