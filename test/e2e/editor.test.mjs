// GradLens in a real VS Code (code-server + headless Chromium), installed from the
// packaged .vsix, checked the way a user would see it: the hover over a variable
// and the Problems panel.
//
// Run: npm run package && bash scripts/e2e-setup.sh && node --test test/e2e/
// Env:
//   GRADLENS_E2E_VSIX       .vsix to install (default: newest gradlens-*.vsix in the repo root)
//   GRADLENS_E2E_WORKSPACE  folder to open (default: the repo's examples/)
//   GRADLENS_E2E_CACHE      where scripts/e2e-setup.sh keeps Node 24 and code-server
//   GRADLENS_E2E_KEEP=1     keep the temp dir (HOME, logs, workspace copy) for debugging
// Screenshots, the code-server log, VS Code's logs and the browser console end up in
// test/e2e/artifacts/editor/.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  REPO_ROOT,
  cursorPosition,
  findWebviewFrame,
  findWord,
  hoverWord,
  quickOpen,
  runCommand,
  screenshot,
  waitForProblem,
  useEditor,
} from './editor.mjs';

// The first setup on a fresh machine installs ~800 MB; everything after it has
// its own budget so a hung editor fails the run in minutes, not at CI's limit.
const SETUP_TIMEOUT_MS = 20 * 60_000;
const START_TIMEOUT_MS = 2 * 60_000;
const STEP_TIMEOUT_MS = 60_000;
const TEARDOWN_TIMEOUT_MS = 60_000;
// Last resort if a hook itself hangs past node:test's timeouts (they fail a hook
// but cannot stop it): end the processes and the file.
const WATCHDOG_MS = 5 * 60_000;

const WORKSPACE_SRC = path.resolve(process.env.GRADLENS_E2E_WORKSPACE ?? path.join(REPO_ROOT, 'examples'));

describe('GradLens in a real editor (code-server)', () => {
  const editor = useEditor({ artifacts: 'editor', hooks: { before, after }, workspaceSrc: WORKSPACE_SRC, setupTimeoutMs: SETUP_TIMEOUT_MS, startTimeoutMs: START_TIMEOUT_MS, teardownTimeoutMs: TEARDOWN_TIMEOUT_MS, watchdogMs: WATCHDOG_MS });
  let page;
  let workspace;

  before(() => {
    ({ page, workspace } = editor);
  });

  it('shows the shape of z1 on hover in two_layer_net.py', { timeout: STEP_TIMEOUT_MS }, async () => {
    const file = 'two_layer_net.py';
    const src = fs.readFileSync(path.join(workspace, file), 'utf8');
    const at = findWord(src, /^\s*z1 = /, 'z1');
    try {
      await quickOpen(page, file);
      const text = await hoverWord(page, { ...at, word: 'z1', expect: '(N, H)' });
      await screenshot(page, 'hover-z1');
      assert.ok(text.includes('(N, H)'), `hover text: ${JSON.stringify(text)}`);
    } catch (err) {
      await screenshot(page, 'failed-hover-z1');
      throw err;
    }
  });

  it('reports a matmul shape mismatch in shape_errors.py', { timeout: STEP_TIMEOUT_MS }, async () => {
    const file = 'shape_errors.py';
    try {
      await quickOpen(page, file);
      await runCommand(page, 'Problems: Focus on Problems View');
      const rows = await waitForProblem(page, 'cannot matmul');
      await screenshot(page, 'problems-shape-errors');
      assert.ok(rows.some((r) => r.includes('cannot matmul')), `rows: ${JSON.stringify(rows)}`);
      const squiggles = page.locator('.editor-group-container.active .monaco-editor .squiggly-error');
      await squiggles.first().waitFor({ state: 'attached', timeout: 10_000 });
      assert.ok((await squiggles.count()) > 0, 'no .squiggly-error in the editor');
    } catch (err) {
      await screenshot(page, 'failed-problems-shape-errors');
      throw err;
    }
  });
  it('checks the gradients of buggy_layers.py from the command palette and names the bugs', { timeout: 2 * STEP_TIMEOUT_MS }, async () => {
    const file = 'buggy_layers.py';
    try {
      await quickOpen(page, file);
      await runCommand(page, 'GradLens: Check Gradients in File');
      await runCommand(page, 'Problems: Focus on Problems View');
      const rows = await waitForProblem(page, 'transposed');
      await screenshot(page, 'check-buggy-layers');
      const transposed = rows.find((r) => r.includes('transposed'));
      assert.match(transposed, /dense: the gradient of w is wrong \(transposed\)/);
      assert.match(transposed, /Ln 21\b/, `the diagnostic is on the line that computes dw: ${transposed}`);
      assert.ok(rows.some((r) => /sign-flipped/.test(r)), `rows: ${JSON.stringify(rows)}`);
      assert.ok(rows.some((r) => /scaled/.test(r)), `rows: ${JSON.stringify(rows)}`);
    } catch (err) {
      await screenshot(page, 'failed-check-buggy-layers');
      throw err;
    }
  });

  it('shows the failed check of dense as heatmaps in the report panel, and its line link moves the cursor', { timeout: STEP_TIMEOUT_MS }, async () => {
    // Runs after the check of buggy_layers.py above, whose results the report shows.
    const W = 'section[data-unit="dense"] details.check[data-wrt="w"]';
    try {
      await quickOpen(page, 'buggy_layers.py');
      await runCommand(page, 'GradLens: Show Gradient Check Report');
      const frame = await findWebviewFrame(page, `${W} canvas[data-map="analytic"]`);
      await screenshot(page, 'check-report');
      const summary = await frame.$eval(`${W} > summary`, (e) => e.textContent.replace(/\s+/g, ' ').trim());
      assert.match(summary, /failed w input \(3, 4\).*transposed/);
      // dw came back (4, 3): drawn in its own shape beside the finite differences, no difference map.
      const maps = await frame.$$eval(`${W} canvas[data-map]`, (cs) => cs.map((c) => `${c.dataset.map} ${c.dataset.shape}`));
      assert.deepEqual(maps.sort(), ['analytic 4,3', 'numeric 3,4'].sort(), JSON.stringify(maps));
      // db has the right shape: all three maps.
      const db = await frame.$$eval('section[data-unit="dense"] details.check[data-wrt="b"] canvas[data-map]', (cs) => cs.map((c) => c.dataset.map));
      assert.deepEqual(db.sort(), ['analytic', 'difference', 'numeric']);
      // "Computed at line 21": where dw is computed, as the diagnostic says.
      const link = await frame.$(`${W} .line-link[data-line="21"]`);
      assert.ok(link, 'a link to the line that computes dw');
      await link.click();
      const deadline = Date.now() + 10_000;
      let at = await cursorPosition(page);
      while (at?.line !== 21 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        at = await cursorPosition(page);
      }
      assert.equal(at?.line, 21);
    } catch (err) {
      await screenshot(page, 'failed-check-report');
      throw err;
    }
  });

  it('cancels a check that never ends from its progress notification, long before the timeout', { timeout: STEP_TIMEOUT_MS }, async () => {
    // A unit whose forward never returns, written into the workspace copy.
    const file = 'never_ends.py';
    fs.writeFileSync(
      path.join(workspace, file),
      ['# gradcheck: x=randn(3)', 'def spin_forward(x):', '    while True:', '        pass', '', '', 'def spin_backward(dout, cache):', '    return dout', ''].join('\n'),
    );
    try {
      await quickOpen(page, file);
      await runCommand(page, 'GradLens: Check Gradients in File');
      const toast = page.locator('.notification-toast', { hasText: 'GradLens: checking gradients' });
      await toast.waitFor({ state: 'visible', timeout: 15_000 });
      await screenshot(page, 'check-in-progress');
      const clicked = Date.now();
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await toast.waitFor({ state: 'hidden', timeout: 8_000 });
      // The check timeout is 10 s: ending this early means the unit was interrupted.
      assert.ok(Date.now() - clicked < 8_000);
      // A cancelled check is no verdict: the lens still offers to check, no error is kept.
      const lens = page.locator('.editor-group-container.active .codelens-decoration', { hasText: /check gradient|error/ }).first();
      await lens.waitFor({ state: 'visible', timeout: 10_000 });
      assert.match(await lens.innerText(), /▶ check gradient/);
    } catch (err) {
      await screenshot(page, 'failed-cancel-check');
      throw err;
    }
  });
});
