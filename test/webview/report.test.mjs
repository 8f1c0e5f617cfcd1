// The gradient-check report's webview bundle in a real browser (Debian Chromium,
// headless), served with the same HTML and content security policy as in the editor
// (src/extension/reportPanel.ts → panelHtml), with a stand-in for the editor's API.
// Checks what a user sees, the colours the heatmaps are drawn in, and what the panel
// tells the extension.
//
// Run: npm run build && node --test test/webview/report.test.mjs
// Env: GRADLENS_CHROMIUM  browser to drive (default /usr/bin/chromium)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { launch, openPanel, posted, send, startServer } from './harness.mjs';
import { ACTIVATIONS, LAYERS, NUMERIC_W, bigReport, linearUnit, report, transposedUnit } from './reports.mjs';

const W = 'section[data-unit="Linear"] details.check[data-wrt="W"]';
const B = 'section[data-unit="Linear"] details.check[data-wrt="b"]';
const RELU_X = 'section[data-unit="relu"] details.check[data-wrt="x"]';
const DENSE_W = 'section[data-unit="Dense"] details.check[data-wrt="w"]';

/**
 * The colour of cell (r, c) of one map, read back from its canvas: at its centre, or
 * at `where` (x, y: fractions of the cell from its top-left corner; dx, dy: CSS px more).
 */
function cellColour(page, check, map, r, c, where = {}) {
  return page.evaluate(
    ({ sel, r, c, where }) => {
      const { x: fx = 0.5, y: fy = 0.5, dx = 0, dy = 0 } = where;
      const cv = document.querySelector(sel);
      const cell = Number(cv.dataset.cell);
      const pad = Number(cv.dataset.pad);
      const dpr = cv.width / parseFloat(cv.style.width);
      const x = Math.floor((pad + (c + fx) * cell + dx) * dpr);
      const y = Math.floor((pad + (r + fy) * cell + dy) * dpr);
      return Array.from(cv.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3));
    },
    { sel: `${check} canvas[data-map="${map}"]`, r, c, where },
  );
}

/** The colours along a cell's diagonal from corner to corner (hatching shows as more than one). */
function cellDiagonal(page, check, map, r, c) {
  return page.evaluate(
    ({ sel, r, c }) => {
      const cv = document.querySelector(sel);
      const cell = Number(cv.dataset.cell);
      const pad = Number(cv.dataset.pad);
      const dpr = cv.width / parseFloat(cv.style.width);
      const ctx = cv.getContext('2d');
      const seen = new Set();
      // The upper-left to lower-right diagonal crosses every "/" hatch line.
      for (let k = 4; k < cell * dpr - 4; k++) {
        const d = ctx.getImageData(Math.floor((pad + c * cell) * dpr) + k, Math.floor((pad + r * cell) * dpr) + k, 1, 1).data;
        seen.add(`${d[0]},${d[1]},${d[2]}`);
      }
      return [...seen];
    },
    { sel: `${check} canvas[data-map="${map}"]`, r, c },
  );
}

const distance = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const luminance = (c) => {
  const [r, g, b] = c.map((x) => {
    const v = x / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

function readout(page, check) {
  return page.evaluate((sel) => {
    const r = document.querySelector(`${sel} .readout`);
    const f = (name) => r.querySelector(`[data-field="${name}"]`)?.textContent ?? null;
    return { index: f('index'), numeric: f('numeric'), analytic: f('analytic'), difference: f('difference'), flags: f('flags') };
  }, check);
}

/** Where the centre of cell (r, c) is, relative to the canvas, for page.hover / mouse. */
async function cellPosition(page, canvas, r, c) {
  const { cell, pad } = await page.$eval(canvas, (cv) => ({ cell: Number(cv.dataset.cell), pad: Number(cv.dataset.pad) }));
  return { x: pad + (c + 0.5) * cell, y: pad + (r + 0.5) * cell };
}

/** No error in the console, no uncaught exception, no content-security-policy violation. */
async function assertClean({ page, consoleLines }) {
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'content security policy violations');
  const bad = consoleLines.filter((l) => /^\[(error|pageerror)\]|Content Security Policy|Refused to/.test(l));
  assert.deepEqual(bad, [], consoleLines.join('\n'));
}

describe('check report webview', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function freshPanel(t, { theme, ...options } = {}) {
    const panel = await openPanel(browser, `${server.url}report${theme ? `?theme=${theme}` : ''}`, options);
    t.after(() => panel.context.close());
    return panel;
  }

  /** A fresh panel showing the report of three units (Linear fails, relu passes, softmax_loss errs). */
  async function reportPanel(t, options) {
    const panel = await freshPanel(t, options);
    await send(panel.page, report());
    await panel.page.waitForSelector(`${W} canvas[data-map="difference"][data-cell]`);
    return panel;
  }

  it('shows the counts, each unit’s verdict in words, and the failing check expanded with its diagnosis', async (t) => {
    const panel = await reportPanel(t);
    const { page } = panel;
    assert.match(await page.textContent('#counts'), /3 units:\s*✓ 1 passed\s*✗ 1 failed\s*⚠ 1 error/);
    const head = (unit) => page.$eval(`section[data-unit="${unit}"] .unit-head`, (e) => e.innerText.replace(/\s+/g, ' ').trim());
    assert.match(await head('Linear'), /^✗ failed Linear gate layers\.py:12 Re-check$/);
    assert.match(await head('relu'), /^✓ passed relu pair activations\.py:3 Re-check$/);
    assert.match(await page.textContent('section[data-unit="Linear"] pre.message'), /dW is wrong: transposed\.\nWorst element/);
    assert.match(await page.textContent('section[data-unit="Linear"] > .facts'), /atol 1e-8 · rtol 1e-5 · eps 1e-6 · 0\.42 s/);

    // Failing checks open, passing ones collapsed.
    assert.equal(await page.$eval(W, (d) => d.open), true);
    assert.equal(await page.$eval(B, (d) => d.open), false);
    assert.equal(await page.$eval(RELU_X, (d) => d.open), false);

    const summary = await page.$eval(`${W} > summary`, (e) => e.textContent.replace(/\s+/g, ' ').trim());
    assert.equal(summary, '✗ failed W param (3, 4) max rel err 1.0e0 transposed');
    assert.equal(await page.textContent(`${W} summary .diag-label`), 'transposed');
    assert.match(await page.textContent(`${W} .diagnosis`), /holds the transpose of the gradient/);
    assert.equal(await page.textContent(`${W} .worst [data-field=index]`), '[1, 0]');
    assert.equal(await page.textContent(`${W} .worst [data-field=numeric]`), '-2');
    assert.equal(await page.textContent(`${W} .worst [data-field=analytic]`), '1');
    assert.match(await page.$eval(`${B} > summary`, (e) => e.textContent), /max rel err 2\.1e-9/);

    // Three heatmaps for the failing check, with their titles and a legend with the scales' ends.
    assert.deepEqual(await page.$$eval(`${W} canvas.heatmap`, (cs) => cs.map((c) => c.dataset.map)), ['numeric', 'analytic', 'difference']);
    assert.deepEqual(await page.$$eval(`${W} figure.map figcaption`, (fs) => fs.map((f) => f.textContent)), [
      'finite differences',
      'your backward',
      'difference (yours − finite differences)',
    ]);
    assert.deepEqual(await page.$$eval(`${W} .scale[data-scale=values] .scale-end`, (es) => es.map((e) => e.textContent)), ['-2', '2']);
    assert.deepEqual(await page.$$eval(`${W} .scale[data-scale=difference] .scale-end`, (es) => es.map((e) => e.textContent)), ['-3', '3']);

    // The wrong-shape check has no maps, and says why.
    const x = 'section[data-unit="Linear"] details.check[data-wrt="x"]';
    assert.equal(await page.$$eval(`${x} canvas`, (cs) => cs.length), 0);
    assert.match(await page.textContent(`${x} .no-maps`), /wrong shape/);

    // ≤ 6 × 6: the numbers as tables too.
    assert.equal(await page.textContent(`${W} table.numbers-table[data-map=numeric] caption`), 'finite differences');
    assert.match(await page.textContent(`${W} table.numbers-table[data-map=numeric] td[data-index="4"]`), /^-2 worst$/);
    assert.equal(await page.textContent(`${W} table.numbers-table[data-map=difference] td[data-index="4"]`), '3 worst');
    await assertClean(panel);
  });

  it('says how long a quick check took in milliseconds', async (t) => {
    const { page } = await freshPanel(t);
    await send(page, { type: 'report', units: [{ ...linearUnit(), seconds: 0.0042 }] });
    await page.waitForSelector('section[data-unit="Linear"] > .facts');
    assert.match(await page.textContent('section[data-unit="Linear"] > .facts'), /· 4 ms$/);
  });

  it('draws positive and negative gradients in different colours on one scale, a non-trivial difference, and follows the theme', async (t) => {
    const panel = await reportPanel(t);
    const { page } = panel;
    const background = await page.evaluate(() => {
      const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(document.body).backgroundColor);
      return [Number(m[1]), Number(m[2]), Number(m[3])];
    });
    const plus = await cellColour(page, W, 'numeric', 0, 0); // +2, the largest
    const minus = await cellColour(page, W, 'numeric', 1, 0); // -2, the most negative
    const zero = await cellColour(page, W, 'numeric', 2, 3); // 0
    assert.ok(distance(plus, minus) > 150, `+2 ${plus} and -2 ${minus} look alike`);
    assert.ok(distance(plus, background) > 100 && distance(minus, background) > 100, `±2 close to the background ${background}`);
    assert.ok(distance(zero, background) < 8, `0 is drawn ${zero}, not the background ${background}`);
    // Your backward shares the scale: its 2 at [0, 0] and -2 at [0, 1] are the same colours.
    assert.ok(distance(await cellColour(page, W, 'analytic', 0, 0), plus) < 3);
    assert.ok(distance(await cellColour(page, W, 'analytic', 0, 1), minus) < 3);
    // Half of the scale is half as far from 0 as the end.
    const half = await cellColour(page, W, 'numeric', 1, 1); // 1
    assert.ok(distance(half, background) > 30 && distance(half, plus) > 30, `1 is drawn ${half}`);

    // The difference (yours − finite differences) on its own scale: 3 at [1, 0] is its end, 0 at [0, 0] the background.
    const diffColours = [];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) diffColours.push((await cellColour(page, W, 'difference', r, c)).join());
    assert.ok(new Set(diffColours).size >= 8, `the difference map has ${new Set(diffColours).size} colours`);
    assert.ok(distance(await cellColour(page, W, 'difference', 0, 0), background) < 8);
    assert.ok(distance(await cellColour(page, W, 'difference', 1, 0), plus) < 3, 'the largest difference is drawn at the scale’s end');
    assert.ok(distance(await cellColour(page, W, 'difference', 2, 2), minus) > 40, '-2.5 is not the end of a scale of ±3');
    // The worst element is outlined in the foreground colour in all three maps; other cells are not.
    const foreground = [0xcc, 0xcc, 0xcc];
    for (const map of ['numeric', 'analytic', 'difference']) {
      for (const where of [{ y: 0, dy: -1 }, { x: 1, dx: 1 }, { y: 1, dy: 1 }]) {
        assert.deepEqual(await cellColour(page, W, map, 1, 0, where), foreground, `no outline around the worst element in ${map} at ${JSON.stringify(where)}`);
      }
      const above = await cellColour(page, W, map, 1, 1);
      assert.deepEqual(await cellColour(page, W, map, 2, 1, { y: 0, dy: -1 }), above, `an outline around [2, 1] in ${map}`);
    }

    // The editor switches to a light theme (its class on <body>, its variables on <html>): the maps are redrawn in it.
    await page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-editor-background', '#ffffff');
      document.documentElement.style.setProperty('--vscode-foreground', '#3b3b3b');
      document.body.className = 'vscode-light';
    });
    await page.waitForFunction(() => {
      const cv = document.querySelector('section[data-unit="Linear"] details.check[data-wrt="W"] canvas[data-map="numeric"]');
      return cv.getContext('2d').getImageData(1, 1, 1, 1).data[0] === 255;
    });
    assert.deepEqual(await cellColour(page, W, 'numeric', 2, 3), [255, 255, 255], '0 is the new background');
    const lightPlus = await cellColour(page, W, 'numeric', 0, 0);
    assert.ok(contrast(lightPlus, [255, 255, 255]) >= 4.5, `+2 is ${lightPlus} on white`);
    assert.deepEqual(await cellColour(page, W, 'numeric', 1, 0, { y: 0, dy: -1 }), [0x3b, 0x3b, 0x3b], 'the outline is in the new foreground');
    await assertClean(panel);
  });

  it('reads out the cell under the mouse, and the cell cursor moved with the arrow keys', async (t) => {
    const { page } = await reportPanel(t);
    const numeric = `${W} canvas[data-map="numeric"]`;
    const analytic = `${W} canvas[data-map="analytic"]`;
    assert.match(await page.textContent(`${W} .readout`), /Hover a cell/);

    await page.hover(numeric, { position: await cellPosition(page, numeric, 1, 2) });
    assert.deepEqual(await readout(page, W), { index: '[1, 2]', numeric: '0.5', analytic: '0.25', difference: '-0.25', flags: null });
    await page.hover(`${W} canvas[data-map="difference"]`, { position: await cellPosition(page, numeric, 1, 0) });
    assert.deepEqual(await readout(page, W), { index: '[1, 0]', numeric: '-2', analytic: '1', difference: '3', flags: 'worst element' });

    await page.mouse.move(0, 0);
    assert.match(await page.textContent(`${W} .readout`), /Hover a cell/);
    // Keyboard: the focused map's cursor starts at the worst element.
    await page.focus(analytic);
    assert.equal((await readout(page, W)).index, '[1, 0]');
    await page.keyboard.press('ArrowRight');
    assert.deepEqual(await readout(page, W), { index: '[1, 1]', numeric: '1', analytic: '-0.5', difference: '-1.5', flags: null });
    await page.keyboard.press('ArrowDown');
    assert.deepEqual(await readout(page, W), { index: '[2, 1]', numeric: '-0.5', analytic: '0.8', difference: '1.3', flags: null });
    await page.keyboard.press('ArrowDown'); // stays in the last row
    await page.keyboard.press('End');
    assert.deepEqual(await readout(page, W), { index: '[2, 3]', numeric: '0', analytic: '0', difference: '0', flags: null });
    await page.keyboard.press('Control+Home');
    assert.equal((await readout(page, W)).index, '[0, 0]');
    // The cursor is drawn in all three maps: the cell's edge is the focus colour now.
    const edge = await cellColour(page, W, 'difference', 0, 0, { y: 0, dy: -3 });
    const focus = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--vscode-focusBorder').trim());
    assert.equal(`#${edge.map((v) => v.toString(16).padStart(2, '0')).join('')}`, focus);
    // Each map is a tab stop.
    assert.deepEqual(await page.$$eval(`${W} canvas.heatmap`, (cs) => cs.map((c) => c.tabIndex)), [0, 0, 0]);
  });

  it('hatches what finite differences did not measure and marks kinks', async (t) => {
    const panel = await reportPanel(t);
    const { page } = panel;
    await page.click(`${RELU_X} > summary`);
    await page.waitForSelector(`${RELU_X} canvas[data-map="numeric"][data-cell]`);
    assert.match(await page.textContent(`${RELU_X} .keys [data-key=missing]`), /not measured in sample mode/);
    assert.match(await page.textContent(`${RELU_X} .keys [data-key=kink]`), /kink, excluded from the verdict/);
    // Element 1 has no finite difference: hatched in the numeric and difference maps, a plain colour in yours.
    for (const map of ['numeric', 'difference']) {
      const hatch = await cellDiagonal(page, RELU_X, map, 0, 1);
      assert.ok(hatch.length >= 2, `cell 1 of ${map} is one flat colour: ${hatch}`);
    }
    assert.equal((await cellDiagonal(page, RELU_X, 'analytic', 0, 1)).length, 1);
    // The kink's dot is drawn in the foreground colour.
    const dot = await cellColour(page, RELU_X, 'numeric', 0, 2);
    assert.deepEqual(dot, [0xcc, 0xcc, 0xcc]);
    const canvas = `${RELU_X} canvas[data-map="numeric"]`;
    await page.hover(canvas, { position: await cellPosition(page, canvas, 0, 3) });
    const r = await readout(page, RELU_X);
    assert.equal(r.numeric, '—');
    assert.equal(r.analytic, '-0.4');
    assert.match(r.flags, /not measured/);
    await page.hover(canvas, { position: await cellPosition(page, canvas, 0, 2) });
    assert.match((await readout(page, RELU_X)).flags, /on a kink/);
    await assertClean(panel);
  });

  it('draws a backward of the wrong shape in its own shape beside the finite differences, with no difference, and reads each out at its own index', async (t) => {
    const panel = await freshPanel(t);
    const { page } = panel;
    await send(page, { type: 'report', units: [transposedUnit(), linearUnit()] });
    await page.waitForSelector(`${DENSE_W} canvas[data-map="analytic"][data-cell]`);
    assert.equal(await page.$eval(DENSE_W, (d) => d.open), true);

    // Two maps, no difference, and a sentence saying why.
    assert.deepEqual(await page.$$eval(`${DENSE_W} canvas.heatmap`, (cs) => cs.map((c) => c.dataset.map)), ['numeric', 'analytic']);
    assert.equal(await page.$$eval(`${DENSE_W} canvas[data-map="difference"]`, (cs) => cs.length), 0);
    assert.equal(await page.$$eval(`${DENSE_W} .scale[data-scale=difference]`, (es) => es.length), 0);
    assert.equal(await page.$$eval(`${DENSE_W} .no-maps`, (es) => es.length), 0);
    assert.match(
      await page.textContent(`${DENSE_W} .shape-mismatch`),
      /^Your backward has shape \(4, 3\), w has shape \(3, 4\): they are drawn side by side, each in its own shape; there is no element-by-element difference\.$/,
    );
    assert.deepEqual(await page.$$eval(`${DENSE_W} figure.map figcaption`, (fs) => fs.map((f) => f.textContent)), ['finite differences (3, 4)', 'your backward (4, 3)']);
    assert.deepEqual(await page.$$eval(`${DENSE_W} .scale[data-scale=values] .scale-end`, (es) => es.map((e) => e.textContent)), ['-2', '2']);
    // No worst element from the harness: none outlined, none said.
    assert.equal(await page.$$eval(`${DENSE_W} .worst, ${DENSE_W} .swatch.worst`, (es) => es.length), 0);

    // Each map in its own shape, cells of one size: 3 × 4 is wide, 4 × 3 tall.
    const sizes = await page.$$eval(`${DENSE_W} canvas.heatmap`, (cs) =>
      cs.map((c) => ({ rows: c.dataset.rows, cols: c.dataset.cols, shape: c.dataset.shape, cell: Number(c.dataset.cell), pad: Number(c.dataset.pad), w: parseFloat(c.style.width), h: parseFloat(c.style.height) })),
    );
    const [num, ana] = sizes;
    assert.deepEqual([num.rows, num.cols, num.shape, ana.rows, ana.cols, ana.shape], ['3', '4', '3,4', '4', '3', '4,3']);
    assert.equal(num.cell, ana.cell);
    assert.ok(num.cell >= 3);
    assert.deepEqual([num.w, num.h], [4 * num.cell + 2 * num.pad, 3 * num.cell + 2 * num.pad]);
    assert.deepEqual([ana.w, ana.h], [3 * ana.cell + 2 * ana.pad, 4 * ana.cell + 2 * ana.pad]);
    assert.ok(num.w > num.h && ana.h > ana.w);
    // One scale for both: your backward's (r, c) is the finite differences' (c, r), the same value in the same colour.
    for (const [r, c] of [[0, 0], [1, 0], [3, 0], [2, 1], [3, 2]]) {
      assert.ok(distance(await cellColour(page, DENSE_W, 'analytic', r, c), await cellColour(page, DENSE_W, 'numeric', c, r)) < 3, `your backward [${r}, ${c}]`);
    }
    // …and not the finite differences' (r, c) read again: 1.25 there, 0.25 here.
    assert.ok(distance(await cellColour(page, DENSE_W, 'analytic', 0, 2), await cellColour(page, DENSE_W, 'numeric', 0, 2)) > 30, '1.25 and 0.25 look alike');

    // Hover: each map's own index and value, no difference.
    const numeric = `${DENSE_W} canvas[data-map="numeric"]`;
    const analytic = `${DENSE_W} canvas[data-map="analytic"]`;
    await page.hover(analytic, { position: await cellPosition(page, analytic, 3, 0) });
    assert.deepEqual(await readout(page, DENSE_W), { index: '[3, 0]', numeric: null, analytic: String(NUMERIC_W[0][3]), difference: null, flags: null });
    await page.hover(analytic, { position: await cellPosition(page, analytic, 1, 2) });
    assert.deepEqual(await readout(page, DENSE_W), { index: '[1, 2]', numeric: null, analytic: String(NUMERIC_W[2][1]), difference: null, flags: null });
    await page.hover(numeric, { position: await cellPosition(page, numeric, 1, 2) });
    assert.deepEqual(await readout(page, DENSE_W), { index: '[1, 2]', numeric: String(NUMERIC_W[1][2]), analytic: null, difference: null, flags: null });
    await page.hover(numeric, { position: await cellPosition(page, numeric, 2, 3) });
    assert.deepEqual(await readout(page, DENSE_W), { index: '[2, 3]', numeric: '0', analytic: null, difference: null, flags: null });
    await page.mouse.move(0, 0);
    assert.match(await page.textContent(`${DENSE_W} .readout`), /Hover a cell/);

    // Keyboard: each map moves in its own grid; your backward has a fourth row, the finite differences a fourth column.
    await page.focus(analytic);
    assert.deepEqual(await readout(page, DENSE_W), { index: '[0, 0]', numeric: null, analytic: '2', difference: null, flags: null });
    for (let k = 0; k < 5; k++) await page.keyboard.press('ArrowDown');
    assert.deepEqual(await readout(page, DENSE_W), { index: '[3, 0]', numeric: null, analytic: '0.8', difference: null, flags: null });
    await page.keyboard.press('End');
    assert.deepEqual(await readout(page, DENSE_W), { index: '[3, 2]', numeric: null, analytic: String(NUMERIC_W[2][3]), difference: null, flags: null });
    // The cursor is drawn in your backward's map only.
    const focus = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--vscode-focusBorder').trim());
    const focusRgb = [1, 3, 5].map((k) => parseInt(focus.slice(k, k + 2), 16));
    const edge = await cellColour(page, DENSE_W, 'analytic', 3, 2, { y: 0, dy: -3 });
    assert.deepEqual(edge, focusRgb);
    const focusPixels = (map) =>
      page.$eval(
        `${DENSE_W} canvas[data-map="${map}"]`,
        (cv, rgb) => {
          const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
          let n = 0;
          for (let k = 0; k < d.length; k += 4) if (d[k] === rgb[0] && d[k + 1] === rgb[1] && d[k + 2] === rgb[2]) n++;
          return n;
        },
        focusRgb,
      );
    assert.ok((await focusPixels('analytic')) > 0);
    assert.equal(await focusPixels('numeric'), 0, 'a cursor drawn in the finite differences');

    await page.focus(numeric);
    assert.deepEqual(await readout(page, DENSE_W), { index: '[0, 0]', numeric: '2', analytic: null, difference: null, flags: null });
    for (let k = 0; k < 5; k++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    assert.deepEqual(await readout(page, DENSE_W), { index: '[2, 3]', numeric: '0', analytic: null, difference: null, flags: null });
    assert.equal(await focusPixels('analytic'), 0, 'the cursor left your backward');
    // Back in your backward: where its cursor was.
    await page.focus(analytic);
    assert.equal((await readout(page, DENSE_W)).index, '[3, 2]');

    // The numbers, each table in its map's shape.
    assert.deepEqual(await page.$$eval(`${DENSE_W} table.numbers-table caption`, (cs) => cs.map((c) => c.textContent)), ['finite differences (3, 4)', 'your backward (4, 3)']);
    const dims = (map) =>
      page.$eval(`${DENSE_W} table.numbers-table[data-map=${map}]`, (t) => [t.tBodies[0].rows.length, t.tBodies[0].rows[0].cells.length - 1]);
    assert.deepEqual(await dims('numeric'), [3, 4]);
    assert.deepEqual(await dims('analytic'), [4, 3]);
    assert.equal(await page.textContent(`${DENSE_W} table.numbers-table[data-map=analytic] td[data-index="9"]`), '0.8');

    // The other units keep their three maps; a check without numbers still says why.
    assert.deepEqual(await page.$$eval(`${W} canvas.heatmap`, (cs) => cs.map((c) => c.dataset.map)), ['numeric', 'analytic', 'difference']);
    assert.match(await page.textContent('section[data-unit="Linear"] details.check[data-wrt="x"] .no-maps'), /wrong shape/);
    await assertClean(panel);
  });

  it('draws a backward whose shape is said and is the input’s as before: three maps', async (t) => {
    const panel = await freshPanel(t);
    const { page } = panel;
    const u = linearUnit();
    u.checks[0].values.analyticShape = [3, 4];
    await send(page, { type: 'report', units: [u] });
    await page.waitForSelector(`${W} canvas[data-map="difference"][data-cell]`);
    assert.deepEqual(await page.$$eval(`${W} canvas.heatmap`, (cs) => cs.map((c) => [c.dataset.map, c.dataset.rows, c.dataset.cols].join())), [
      'numeric,3,4',
      'analytic,3,4',
      'difference,3,4',
    ]);
    assert.equal(await page.$$eval(`${W} .shape-mismatch`, (es) => es.length), 0);
    const canvas = `${W} canvas[data-map="analytic"]`;
    await page.hover(canvas, { position: await cellPosition(page, canvas, 1, 0) });
    assert.deepEqual(await readout(page, W), { index: '[1, 0]', numeric: '-2', analytic: '1', difference: '3', flags: 'worst element' });
    await assertClean(panel);
  });

  it('asks the extension to open the unit’s line and the gradient’s line, and to re-check', async (t) => {
    const { page } = await reportPanel(t);
    await page.click('section[data-unit="Linear"] .unit-head a.line-link');
    assert.deepEqual((await posted(page, 'revealLine')).at(-1), { type: 'revealLine', file: LAYERS, line: 12 });
    await page.click(`${W} .facts a.line-link`);
    assert.deepEqual((await posted(page, 'revealLine')).at(-1), { type: 'revealLine', file: LAYERS, line: 30 });
    await page.click('section[data-unit="relu"] .unit-head a.line-link');
    assert.deepEqual((await posted(page, 'revealLine')).at(-1), { type: 'revealLine', file: ACTIVATIONS, line: 3 });

    await page.click('section[data-unit="Linear"] button.recheck');
    assert.deepEqual(await posted(page, 'recheck'), [{ type: 'recheck', file: LAYERS, name: 'Linear' }]);
    assert.equal(await page.textContent('section[data-unit="Linear"] button.recheck'), 'Re-checking…');
    // The new results arrive: the button is back, and keeps the focus across the redraw.
    await page.focus('section[data-unit="Linear"] button.recheck');
    const r = report();
    r.units[0].checks[0].status = 'pass';
    r.units[0].checks[0].diagnosis = null;
    await send(page, r);
    assert.equal(await page.textContent('section[data-unit="Linear"] button.recheck'), 'Re-check');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.focus), `recheck:${LAYERS}#Linear`);
    assert.equal(await page.$eval(W, (d) => d.open), false, 'a check that passes now is collapsed');
    assert.equal(await page.textContent(`${W} summary .status`), '✓ passed');
  });

  it('shows a unit that could not run with its message, an empty report, and the extension’s error', async (t) => {
    const panel = await reportPanel(t);
    const { page } = panel;
    const err = 'section[data-unit="softmax_loss"]';
    assert.equal(await page.$eval(`${err} .unit-head .status`, (e) => e.textContent.trim()), '⚠ error');
    assert.match(await page.textContent(`${err} pre.message`), /ValueError: operands could not be broadcast together with shapes \(4,3\) \(4,\)/);
    assert.match(await page.textContent(`${err} .no-checks`), /could not be run/);

    await send(page, { type: 'report', units: [] });
    assert.match(await page.textContent('#report'), /No gradient checks to show/);
    assert.match(await page.textContent('#counts'), /0 units/);

    await send(page, { type: 'error', message: 'GradLens could not show this report: units[0].line: not a line number' });
    assert.match(await page.textContent('#host-error'), /could not show this report/);
    await send(page, report());
    assert.equal(await page.textContent('#host-error'), '');
    await assertClean(panel);
  });

  it('ignores messages that do not fit the protocol, with a log line', async (t) => {
    const panel = await reportPanel(t);
    const { page, consoleLines } = panel;
    const r = report();
    const W0 = r.units[0].checks[0];
    const bad = [
      { type: 'report', units: 'all of them' },
      { type: 'report', units: [{ ...r.units[0], status: 'exploded' }] },
      { type: 'report', units: [{ ...r.units[0], checks: [{ ...W0, values: { ...W0.values, numeric: W0.values.numeric.slice(1) } }] }] },
      { type: 'report', units: [{ ...r.units[0], checks: [{ ...W0, values: { ...W0.values, analytic: W0.values.analytic.map(() => NaN) } }] }] },
      { type: 'report', units: [{ ...r.units[0], checks: [{ ...W0, values: { ...W0.values, kinks: [12] } }] }] },
      { type: 'report', units: [{ ...r.units[0], file: undefined }] },
      { type: 'highlightLine', line: 3 },
      { type: 'error' },
      'just a string',
      null,
    ];
    for (const m of bad) await send(page, m);
    await page.waitForTimeout(200);
    assert.equal(consoleLines.filter((l) => l.includes('ignored a message that does not fit the protocol')).length, bad.length, consoleLines.join('\n'));
    assert.match(await page.textContent('#counts'), /3 units/, 'the report shown is unchanged');
    assert.equal(await page.$$eval(`${W} canvas.heatmap[data-cell]`, (cs) => cs.length), 3);
    assert.deepEqual(await cellColour(page, W, 'numeric', 0, 0), await cellColour(page, W, 'analytic', 0, 0));
    await assertClean(panel);
  });

  it('keeps the report and the sections opened or closed across hide and show (setState)', async (t) => {
    const { page } = await reportPanel(t);
    await page.click(`${RELU_X} > summary`); // passing: opened
    await page.click(`${W} > summary`); // failing: closed
    await page.$eval('section[data-unit="softmax_loss"]', (e) => e.scrollIntoView());
    const scrolled = await page.evaluate(() => window.scrollY);
    assert.ok(scrolled > 100, `scrolled to ${scrolled}`);
    await page.waitForTimeout(300);
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    // Drawn from the saved state before the extension sends the report again.
    await page.waitForSelector(`${RELU_X} canvas[data-map="numeric"][data-cell]`);
    assert.equal(await page.$eval(RELU_X, (d) => d.open), true);
    assert.equal(await page.$eval(W, (d) => d.open), false);
    assert.match(await page.textContent('#counts'), /3 units/);
    await page.waitForFunction((y) => Math.abs(window.scrollY - y) < 2, scrolled, { timeout: 2_000 });
    await send(page, report());
    assert.equal(await page.$eval(RELU_X, (d) => d.open), true);
    assert.equal(await page.$eval(W, (d) => d.open), false);
    // A choice is remembered per verdict: when the gradient fails again, it opens.
    const r = report();
    r.units[1].checks[0].status = 'fail';
    await send(page, r);
    assert.equal(await page.$eval(W, (d) => d.open), false);
    assert.equal(await page.$eval(RELU_X, (d) => d.open), true, 'a failing check is open by default');
  });

  for (const theme of ['vscode-light', 'vscode-dark', 'vscode-high-contrast']) {
    it(`is legible in the ${theme} theme, with no console error or policy violation`, async (t) => {
      const panel = await reportPanel(t, { theme });
      const { page } = panel;
      const background = await page.evaluate(() => {
        const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(document.body).backgroundColor);
        return [Number(m[1]), Number(m[2]), Number(m[3])];
      });
      const plus = await cellColour(page, W, 'numeric', 0, 0);
      const minus = await cellColour(page, W, 'numeric', 1, 0);
      assert.ok(contrast(plus, background) >= 3, `+2 ${plus} on ${background}: contrast ${contrast(plus, background).toFixed(2)}`);
      assert.ok(contrast(minus, background) >= 3, `-2 ${minus} on ${background}: contrast ${contrast(minus, background).toFixed(2)}`);
      assert.ok(distance(plus, minus) > 150, `+2 ${plus} and -2 ${minus} look alike`);
      // Blue for negative, red for positive, in every theme.
      assert.ok(minus[2] > minus[0] && plus[0] > plus[2], `${minus} / ${plus}`);
      // The status words are in the theme's pass and fail colours, which differ.
      const [failColour, passColour] = await page.$$eval('.counts .icon', (es) => [es[1], es[0]].map((e) => getComputedStyle(e).color));
      assert.notEqual(failColour, passColour);
      await page.click(`${RELU_X} > summary`);
      await page.waitForSelector(`${RELU_X} canvas[data-map="numeric"][data-cell]`);
      await page.hover(`${W} canvas[data-map="numeric"]`);
      await assertClean(panel);
    });
  }

  it('draws only the maps on screen in a report of many arrays, and keeps such a report across hide and show', async (t) => {
    const panel = await freshPanel(t);
    const { page } = panel;
    const conv = bigReport().units[0];
    const units = Array.from({ length: 60 }, (_, i) => ({ ...conv, name: `Conv${i}` }));
    await page.evaluate((m) => {
      window.__message = m;
    }, { type: 'report', units });
    await page.evaluate(() => window.postMessage(window.__message, '*'));
    const last = 'section[data-unit="Conv59"] details.check[data-wrt="W"]';
    await page.waitForSelector(`${last} canvas.heatmap`);
    await page.waitForSelector('section[data-unit="Conv0"] details.check[data-wrt="W"] canvas[data-map="difference"][data-cell]');
    const drawn = await page.$$eval('canvas.heatmap[data-cell]', (cs) => cs.length);
    assert.ok(drawn > 0 && drawn < 30, `${drawn} of 540 maps drawn at first`);
    await page.$eval(last, (e) => e.scrollIntoView());
    await page.waitForSelector(`${last} canvas[data-map="difference"][data-cell]`);
    // About 500,000 numbers: kept without them (the extension sends them again), within the state's bounds.
    await page.waitForTimeout(300);
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    assert.match(await page.textContent('#counts'), /60 units/);
    assert.match(await page.textContent('section[data-unit="Conv0"] details.check[data-wrt="W"] .no-maps'), /numbers did not come/);
    await assertClean(panel);
  });

  it('draws 64 × 64 crisply at the screen’s pixel density, and says how an N-D array is laid out', async (t) => {
    const panel = await freshPanel(t, { deviceScaleFactor: 2, width: 900 });
    const { page } = panel;
    const big = 'section[data-unit="Conv"] details.check[data-wrt="W"]';
    const nd = 'section[data-unit="Conv"] details.check[data-wrt="K"]';
    await send(page, bigReport());
    await page.waitForSelector(`${big} canvas[data-map="difference"][data-cell]`);
    const sizes = await page.$$eval(`${big} canvas.heatmap`, (cs) =>
      cs.map((c) => ({ cell: Number(c.dataset.cell), width: c.width, cssWidth: parseFloat(c.style.width), rows: Number(c.dataset.rows), cols: Number(c.dataset.cols) })),
    );
    for (const s of sizes) {
      assert.equal(s.rows, 64);
      assert.equal(s.cols, 64);
      assert.ok(s.cell >= 3, `cells of ${s.cell} px`);
      assert.ok(s.cssWidth <= 64 * 32 + 8, `a map ${s.cssWidth} px wide`);
      assert.equal(s.width, Math.round(s.cssWidth * 2), 'the canvas has a device pixel per device pixel');
    }
    // Crisp: each cell is one flat colour from edge to edge, in device pixels.
    const flat = await page.$eval(`${big} canvas[data-map="analytic"]`, (cv) => {
      const cell = Number(cv.dataset.cell) * 2;
      const pad = Number(cv.dataset.pad) * 2;
      const ctx = cv.getContext('2d');
      let blurred = 0;
      for (let c = 10; c < 20; c++) {
        const x0 = pad + c * cell;
        const row = ctx.getImageData(x0, pad + 20 * cell + 1, cell, 1).data;
        for (let k = 4; k < row.length; k += 4) if (row[k] !== row[0] || row[k + 1] !== row[1] || row[k + 2] !== row[2]) blurred++;
      }
      return blurred;
    });
    assert.equal(flat, 0, 'cells bleed into each other');
    assert.match(await page.textContent(`${nd} .grid-note`), /\(2, 3, 4\) is drawn as 6 × 4/);
    assert.deepEqual(await page.$eval(`${nd} canvas[data-map="numeric"]`, (c) => [c.dataset.rows, c.dataset.cols]), ['6', '4']);
    // The readout names the element by its own index.
    const canvas = `${nd} canvas[data-map="numeric"]`;
    await page.hover(canvas, { position: await cellPosition(page, canvas, 4, 1) });
    assert.deepEqual(await readout(page, nd), { index: '[1, 1, 1]', numeric: '5', analytic: '0', difference: '-5', flags: null });
    // A 0-d gradient is one cell.
    const scalar = 'section[data-unit="Conv"] details.check[data-wrt="gamma"]';
    await page.$eval(scalar, (e) => e.scrollIntoView());
    const one = `${scalar} canvas[data-map="numeric"]`;
    await page.waitForSelector(`${one}[data-cell]`);
    assert.deepEqual(await page.$eval(one, (c) => [c.dataset.rows, c.dataset.cols]), ['1', '1']);
    await page.hover(one, { position: await cellPosition(page, one, 0, 0) });
    assert.deepEqual(await readout(page, scalar), { index: '()', numeric: '0.5', analytic: '-0.5', difference: '-1', flags: 'worst element' });
    assert.equal(await page.textContent(`${scalar} .worst [data-field=index]`), '()');
    await assertClean(panel);
  });
});
