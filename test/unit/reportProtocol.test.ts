import { test } from "node:test";
import assert from "node:assert/strict";
import {
  REPORT_LIMITS,
  findUnit,
  isReportHostMessage,
  isReportPanelMessage,
  normaliseUnits,
  reportHostProblem,
  type ReportCheck,
  type ReportUnit,
} from "../../src/shared/reportProtocol.ts";
import { ColourMap, contrast, paletteFor, parseColour, type RGB } from "../../src/webview/report/colours.ts";
import { cellSize, difference, fmtErr, fmtNum, gridOf, ravel, sameShape, unravel } from "../../src/webview/report/format.ts";

// The check report's protocol, both directions: what each side accepts from the other
// (src/shared/reportProtocol.ts); what the extension's CheckReportPanel does with the
// webview's messages, against a stand-in for the `vscode` API; and the report
// webview's logic that needs no browser (layout of arrays, numbers, the colour map).
// The webview itself is tested in a browser: test/webview/report.test.mjs.

function check(over: Partial<ReportCheck> = {}): ReportCheck {
  return {
    wrt: "W",
    role: "param",
    shape: [3, 4],
    status: "fail",
    maxRelError: 1,
    worst: { index: [1, 0], analytic: 1, numeric: -2 },
    diagnosis: { code: "transposed", detail: "dW holds the transpose of the gradient." },
    mode: "full",
    line: 30,
    values: {
      numeric: [2, -1.5, 0.25, 0.8, -2, 1, 0.5, -0.75, 1.25, -0.5, 1.75, 0],
      analytic: [2, -2, 1.25, -1.5, 1, -0.5, 0.25, 0.5, 1.75, 0.8, -0.75, 0],
      kinks: [3],
    },
    ...over,
  };
}

function unit(over: Partial<ReportUnit> = {}): ReportUnit {
  return {
    name: "Linear",
    kind: "gate",
    file: "/home/student/layers.py",
    line: 12,
    status: "fail",
    message: "dW is wrong: transposed.",
    tolerance: { atol: 1e-8, rtol: 1e-5, eps: 1e-6 },
    seconds: 0.4,
    checks: [check()],
    ...over,
  };
}

const reportOf = (...units: unknown[]) => ({ type: "report", units });

/** The 3 × 4 finite differences of check(), and your backward the transpose of them, in its own shape (4, 3). */
function transposedValues(): NonNullable<ReportCheck["values"]> {
  const numeric = check().values!.numeric;
  const analytic: number[] = [];
  for (let c = 0; c < 4; c++) for (let r = 0; r < 3; r++) analytic.push(numeric[r * 4 + c] as number);
  return { numeric, analytic, kinks: [3], analyticShape: [4, 3] };
}

/** A failing check whose backward has another shape than the input's: the harness gives no worst element nor error. */
const wrongShape = (values: unknown, over: Partial<ReportCheck> = {}) =>
  reportOf(unit({ checks: [check({ worst: null, maxRelError: null, values: values as ReportCheck["values"], ...over })] }));

test("the webview accepts reports that fit the protocol", () => {
  const good: unknown[] = [
    reportOf(unit()),
    reportOf(),
    reportOf(unit({ status: "error", checks: [], tolerance: undefined, seconds: undefined, message: "Traceback…\nValueError: boom" })),
    reportOf(unit({ status: "needs-inputs", checks: [] }), unit({ name: "relu", kind: "pair", status: "skipped", checks: [] })),
    // without values: wrong shape, too large, not checked
    reportOf(unit({ checks: [check({ values: undefined, worst: null, maxRelError: null, diagnosis: { code: "wrong-shape", detail: "dW has shape (4, 3)" } })] })),
    reportOf(unit({ checks: [check({ shape: [100, 100], values: undefined })] })),
    reportOf(unit({ checks: [check({ status: "not-checked", note: "an integer array", values: undefined, worst: null, diagnosis: null, maxRelError: null, mode: null })] })),
    // not measured (sample mode) and non-finite: null
    reportOf(unit({ checks: [check({ shape: [3], mode: "sample", values: { numeric: [1, null, 3], analytic: [1, 2, null], kinks: [] } })] })),
    // 0-d: one element; an empty array: none
    reportOf(unit({ checks: [check({ shape: [], worst: { index: [], analytic: 1, numeric: 1 }, values: { numeric: [1], analytic: [1], kinks: [0] } })] })),
    reportOf(unit({ checks: [check({ shape: [0, 3], worst: null, values: { numeric: [], analytic: [], kinks: [] } })] })),
    // the largest arrays that come with values
    reportOf(unit({ checks: [check({ shape: [64, 64], values: { numeric: new Array(4096).fill(0.5), analytic: new Array(4096).fill(-0.5), kinks: [4095] } })] })),
    reportOf(unit({ checks: [check({ diagnosis: { code: "scaled", detail: "by N", factor: 0.25 } })] })),
    // your backward in its own shape: (4, 3) beside the input's (3, 4); others, of other sizes
    wrongShape(transposedValues()),
    wrongShape({ ...transposedValues(), analyticShape: [12] }),
    wrongShape({ ...transposedValues(), analytic: [1, 2, 3], analyticShape: [3] }),
    wrongShape({ ...transposedValues(), analytic: new Array(24).fill(0.5), analyticShape: [2, 3, 4] }),
    wrongShape({ ...transposedValues(), analytic: [7], analyticShape: [] }),
    wrongShape({ ...transposedValues(), analytic: [], analyticShape: [0, 3] }),
    wrongShape({ numeric: [1, 2, 3], analytic: new Array(4096).fill(1), kinks: [], analyticShape: [64, 64] }, { shape: [3] }),
    // the same shape as the input's, said: as without it
    wrongShape({ ...check().values!, analyticShape: [3, 4] }),
    // fields the webview does not read are let through (the harness's evaluations, kinks counts)
    reportOf({ ...unit(), directive: "# gradcheck: x=randn(4)", checks: [{ ...check(), evaluations: 24 }] }),
    { type: "error", message: "GradLens could not show this report" },
  ];
  for (const m of good) assert.equal(reportHostProblem(m), null, JSON.stringify(m).slice(0, 300));
  for (const m of good) assert.ok(isReportHostMessage(m));
});

test("the webview rejects malformed reports, and says where", () => {
  const c = check();
  const v = c.values!;
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    ["report", /not an object/],
    [[], /not an object/],
    [{ type: "graph", units: [] }, /unknown message type "graph"/],
    [{ units: [] }, /unknown message type/],
    [{ type: "report" }, /^units: not an array/],
    [{ type: "report", units: {} }, /^units: not an array/],
    [{ type: "error" }, /message/],
    [{ type: "error", message: "x".repeat(REPORT_LIMITS.text + 1) }, /message/],
    [reportOf(null), /^units\[0\]: not an object/],
    [reportOf(unit({ name: "" })), /units\[0\]\.name/],
    [reportOf(unit({ name: 7 as unknown as string })), /units\[0\]\.name/],
    [reportOf({ ...unit(), file: undefined }), /units\[0\]\.file/],
    [reportOf(unit({ line: 1.5 })), /units\[0\]\.line/],
    [reportOf(unit({ line: -1 })), /units\[0\]\.line/],
    [reportOf(unit({ status: "exploded" as "fail" })), /units\[0\]\.status/],
    [reportOf(unit({ message: undefined as unknown as string })), /units\[0\]\.message/],
    [reportOf(unit({ tolerance: { atol: NaN, rtol: 1e-5, eps: 1e-6 } })), /tolerance/],
    [reportOf(unit({ tolerance: { atol: 1e-8, rtol: 1e-5 } as never })), /tolerance/],
    [reportOf(unit({ seconds: -1 })), /seconds/],
    [reportOf(unit({ checks: undefined as never })), /units\[0\]\.checks: not an array/],
    [reportOf(unit({ checks: new Array(REPORT_LIMITS.checksPerUnit + 1).fill(check({ values: undefined })) })), /at most 256/],
    [reportOf(unit({ checks: [check({ role: "weight" as "param" })] })), /checks\[0\]\.role/],
    [reportOf(unit({ checks: [check({ status: "ok" as "pass" })] })), /checks\[0\]\.status/],
    [reportOf(unit({ checks: [check({ shape: [3, -4] })] })), /checks\[0\]\.shape/],
    [reportOf(unit({ checks: [check({ shape: [3, 4.5] })] })), /checks\[0\]\.shape/],
    [reportOf(unit({ checks: [check({ shape: "3x4" as never })] })), /checks\[0\]\.shape/],
    [reportOf(unit({ checks: [check({ shape: new Array(33).fill(1), values: undefined })] })), /checks\[0\]\.shape/],
    [reportOf(unit({ checks: [check({ maxRelError: NaN })] })), /maxRelError/],
    [reportOf(unit({ checks: [check({ maxRelError: Infinity })] })), /maxRelError/],
    [reportOf(unit({ checks: [check({ maxRelError: undefined as never })] })), /maxRelError/],
    [reportOf(unit({ checks: [check({ worst: { index: [1, 0], analytic: NaN, numeric: -2 } })] })), /worst\.analytic/],
    [reportOf(unit({ checks: [check({ worst: { index: [1, -1], analytic: 1, numeric: -2 } })] })), /worst\.index/],
    [reportOf(unit({ checks: [check({ worst: { index: [1, 0], analytic: 1 } as never })] })), /worst\.numeric/],
    [reportOf(unit({ checks: [check({ diagnosis: { code: "transposed" } as never })] })), /diagnosis\.detail/],
    [reportOf(unit({ checks: [check({ diagnosis: { code: "", detail: "" } })] })), /diagnosis\.code/],
    [reportOf(unit({ checks: [check({ diagnosis: { code: "scaled", detail: "", factor: NaN } })] })), /diagnosis\.factor/],
    [reportOf(unit({ checks: [check({ mode: 3 as never })] })), /\.mode/],
    [reportOf(unit({ checks: [check({ line: 0.5 })] })), /checks\[0\]\.line/],
    // values: the right length, finite numbers or null, kinks inside the array
    [reportOf(unit({ checks: [check({ values: { ...v, numeric: v.numeric.slice(1) } })] })), /values\.numeric: 11 elements for shape \(3, 4\) of 12/],
    [reportOf(unit({ checks: [check({ values: { ...v, analytic: [...v.analytic, 1] } })] })), /values\.analytic: 13 elements/],
    [reportOf(unit({ checks: [check({ values: { ...v, analytic: v.analytic.map((x, i) => (i === 5 ? NaN : x)) } })] })), /values\.analytic\[5\]/],
    [reportOf(unit({ checks: [check({ values: { ...v, numeric: v.numeric.map((x, i) => (i === 2 ? Infinity : x)) } })] })), /values\.numeric\[2\]/],
    [reportOf(unit({ checks: [check({ values: { ...v, numeric: v.numeric.map((x, i) => (i === 2 ? "1" : x)) as never } })] })), /values\.numeric\[2\]/],
    [reportOf(unit({ checks: [check({ values: { numeric: v.numeric, analytic: v.analytic } as never })] })), /values\.kinks/],
    [reportOf(unit({ checks: [check({ values: { ...v, kinks: [12] } })] })), /values\.kinks\[0\]/],
    [reportOf(unit({ checks: [check({ values: { ...v, kinks: [-1] } })] })), /values\.kinks\[0\]/],
    [reportOf(unit({ checks: [check({ values: { ...v, kinks: [0.5] } })] })), /values\.kinks\[0\]/],
    [reportOf(unit({ checks: [check({ values: { ...v, kinks: new Array(13).fill(0) } })] })), /values\.kinks/],
    // over 4,096 elements: no values, even when consistent
    [
      reportOf(unit({ checks: [check({ shape: [4097], values: { numeric: new Array(4097).fill(0), analytic: new Array(4097).fill(0), kinks: [] } })] })),
      /values: present for 4097 elements, at most 4096/,
    ],
    [reportOf(unit({ checks: [check({ shape: [2, 2], values: { numeric: new Array(5000).fill(0), analytic: [0, 0, 0, 0], kinks: [] } })] })), /values\.numeric: 5000 elements/],
    // your backward in its own shape: a shape, its length that shape's, the finite differences still the input's
    [wrongShape({ ...transposedValues(), analyticShape: [4, -3] }), /values\.analyticShape: not a list of at most 32 whole numbers/],
    [wrongShape({ ...transposedValues(), analyticShape: [4, 2.5] }), /values\.analyticShape: not a list/],
    [wrongShape({ ...transposedValues(), analyticShape: "4x3" }), /values\.analyticShape: not a list/],
    [wrongShape({ ...transposedValues(), analyticShape: null }), /values\.analyticShape: not a list/],
    [wrongShape({ ...transposedValues(), analyticShape: new Array(33).fill(1) }), /values\.analyticShape: not a list of at most 32/],
    [wrongShape({ ...transposedValues(), analyticShape: [4, 4] }), /values\.analytic: 12 elements for analyticShape \(4, 4\) of 16/],
    [wrongShape({ ...transposedValues(), analytic: transposedValues().analytic.slice(1) }), /values\.analytic: 11 elements for analyticShape \(4, 3\) of 12/],
    [wrongShape({ ...transposedValues(), analytic: [...transposedValues().analytic, 0] }), /values\.analytic: 13 elements for analyticShape \(4, 3\) of 12/],
    [wrongShape({ ...transposedValues(), analyticShape: [] }), /values\.analytic: 12 elements for analyticShape \(\) of 1/],
    [wrongShape({ ...transposedValues(), numeric: transposedValues().analytic.slice(0, 9) }), /values\.numeric: 9 elements for shape \(3, 4\) of 12/],
    // numeric in your backward's shape (and its length) is not the input's
    [wrongShape({ ...transposedValues(), numeric: new Array(16).fill(0), analytic: new Array(16).fill(0), analyticShape: [4, 4] }), /values\.numeric: 16 elements for shape \(3, 4\) of 12/],
    [
      wrongShape({ ...transposedValues(), analytic: new Array(4097).fill(0), analyticShape: [4097] }),
      /values\.analyticShape: \(4097\) of 4097 elements, at most 4096/,
    ],
    [wrongShape({ ...transposedValues(), analytic: [], analyticShape: [1e9, 1e9] }), /values\.analyticShape: .* at most 4096/],
    [wrongShape({ ...transposedValues(), analytic: transposedValues().analytic.map((x, i) => (i === 7 ? NaN : x)) }), /values\.analytic\[7\]/],
    // kinks are indices into the finite differences, whatever your backward's size
    [wrongShape({ ...transposedValues(), kinks: [12], analytic: new Array(16).fill(0), analyticShape: [4, 4] }), /values\.kinks\[0\]: not a flat index below 12/],
    [reportOf(...new Array(REPORT_LIMITS.units + 1).fill(unit({ checks: [] }))), /at most 5000/],
  ];
  for (const [m, why] of bad) {
    assert.equal(isReportHostMessage(m), false, JSON.stringify(m)?.slice(0, 300));
    assert.match(reportHostProblem(m) ?? "", why);
  }
});

test("a report's values are bounded as a whole", () => {
  const big = check({ shape: [64, 64], values: { numeric: new Array(4096).fill(1), analytic: new Array(4096).fill(1), kinks: [] } });
  // 2 × 4,096 × 2 numbers a unit: 122 units hold 1,998,848 numbers, 123 more than 2,000,000.
  const units = Array.from({ length: 123 }, (_, i) => unit({ name: `u${i}`, checks: [big, big] }));
  assert.match(reportHostProblem(reportOf(...units)) ?? "", /^units\[122\]\.checks\[0\]\.values\.numeric: the report holds more than 2000000 numbers/);
  assert.equal(reportHostProblem(reportOf(...units.slice(0, 122))), null);
});

test("NaN and ±Inf become null, and your backward keeps its own shape", () => {
  const v = transposedValues();
  const [u] = normaliseUnits([unit({ checks: [check({ worst: null, maxRelError: Infinity, values: { ...v, analytic: v.analytic.map((x, i) => (i === 9 ? NaN : x)) } })] })]);
  const values = u.checks[0].values!;
  assert.deepEqual(values.analyticShape, [4, 3]);
  assert.equal(values.analytic[9], null);
  assert.equal(values.analytic.length, 12);
  assert.deepEqual(values.kinks, [3]);
  assert.equal(u.checks[0].maxRelError, null);
  assert.equal(reportHostProblem(reportOf(u)), null);
  // Without it, none is added.
  assert.equal("analyticShape" in normaliseUnits([unit()])[0].checks[0].values!, false);
});

test("the validators never throw, whatever they are given", () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error("no");
      },
    },
  );
  const cyclic: Record<string, unknown> = { type: "report" };
  cyclic.units = [cyclic];
  for (const m of [undefined, 0, NaN, Symbol("x"), () => 1, hostile, cyclic, { type: "report", units: [hostile] }, reportOf(unit({ checks: [hostile as never] }))]) {
    assert.equal(isReportHostMessage(m), false);
    assert.doesNotThrow(() => isReportPanelMessage(m));
    assert.equal(isReportPanelMessage(m), false);
  }
});

test("the extension accepts the webview's messages and nothing else", () => {
  const good = [
    { type: "ready" },
    { type: "revealLine", file: "/home/student/layers.py", line: 12 },
    { type: "revealLine", file: "C:\\work\\layers.py", line: 1 },
    { type: "recheck", file: "/home/student/layers.py", name: "Linear" },
    { type: "recheck", file: "/home/student/layers.py", name: "Net.forward" },
  ];
  for (const m of good) assert.ok(isReportPanelMessage(m), JSON.stringify(m));
  const bad: unknown[] = [
    null,
    "ready",
    [],
    { type: "launch" },
    { type: "revealNode", nodeId: "n1" },
    { type: "revealLine", line: 12 },
    { type: "revealLine", file: "/a.py" },
    { type: "revealLine", file: "/a.py", line: 0 },
    { type: "revealLine", file: "/a.py", line: -3 },
    { type: "revealLine", file: "/a.py", line: 2.5 },
    { type: "revealLine", file: "/a.py", line: NaN },
    { type: "revealLine", file: "/a.py", line: "12" },
    { type: "revealLine", file: "", line: 1 },
    { type: "revealLine", file: "/".repeat(REPORT_LIMITS.path + 1), line: 1 },
    { type: "revealLine", file: ["/a.py"], line: 1 },
    { type: "recheck", file: "/a.py" },
    { type: "recheck", file: "/a.py", name: "" },
    { type: "recheck", file: "/a.py", name: "x".repeat(REPORT_LIMITS.name + 1) },
    { type: "recheck", file: 3, name: "Linear" },
  ];
  for (const m of bad) assert.equal(isReportPanelMessage(m), false, JSON.stringify(m));
});

test("the extension acts only on the units and files of the report it showed", () => {
  const units = [unit(), unit({ name: "relu", file: "/home/student/act.py" })];
  assert.equal(findUnit(units, "/home/student/act.py")?.name, "relu");
  assert.equal(findUnit(units, "/home/student/layers.py", "Linear")?.name, "Linear");
  assert.equal(findUnit(units, "/home/student/layers.py", "relu"), undefined);
  assert.equal(findUnit(units, "/etc/passwd"), undefined);
  assert.equal(findUnit([], "/home/student/layers.py"), undefined);
});

test("arrays are laid out as grids: 0-d 1×1, vectors a row, N-D leading axes stacked", () => {
  assert.deepEqual(gridOf([]), { rows: 1, cols: 1, n: 1, note: null });
  assert.deepEqual(gridOf([5]), { rows: 1, cols: 5, n: 5, note: null });
  assert.deepEqual(gridOf([3, 4]), { rows: 3, cols: 4, n: 12, note: null });
  assert.deepEqual(gridOf([2, 3, 4]), { rows: 6, cols: 4, n: 24, note: "(2, 3, 4) is drawn as 6 × 4: its leading axes (2 × 3) are stacked as rows." });
  const long = gridOf([100]);
  assert.deepEqual([long.rows, long.cols, long.n], [2, 64, 100]);
  assert.match(long.note ?? "", /rows of 64/);
  assert.equal(gridOf([0, 3]).n, 0);
  assert.deepEqual(unravel(7, [2, 3, 4]), [0, 1, 3]);
  assert.equal(ravel([0, 1, 3], [2, 3, 4]), 7);
  assert.equal(ravel([1, 0], [3, 4]), 4);
  assert.equal(ravel([3, 0], [3, 4]), null);
  assert.equal(ravel([1], [3, 4]), null);
  assert.equal(ravel([], []), 0);
  // 64 × 64 keeps cells of a few px in a narrow panel, and scales small arrays up
  assert.equal(cellSize({ rows: 64, cols: 64 }, 150), 3);
  assert.equal(cellSize({ rows: 64, cols: 64 }, 300), 4);
  assert.equal(cellSize({ rows: 3, cols: 4 }, 300), 32);
  assert.equal(cellSize({ rows: 1, cols: 1 }, 0), 3);
  // a backward in another shape is drawn apart: (4, 3) is not (3, 4), nor (12,) nor (3, 4, 1)
  assert.equal(sameShape([3, 4], [3, 4]), true);
  assert.equal(sameShape([], []), true);
  assert.equal(sameShape([4, 3], [3, 4]), false);
  assert.equal(sameShape([12], [3, 4]), false);
  assert.equal(sameShape([3, 4, 1], [3, 4]), false);
  assert.deepEqual(gridOf([4, 3]), { rows: 4, cols: 3, n: 12, note: null });
});

test("numbers read as people expect", () => {
  assert.equal(fmtErr(2.1e-9), "2.1e-9");
  assert.equal(fmtErr(2.149e-9), "2.1e-9");
  assert.equal(fmtErr(1), "1.0e0");
  assert.equal(fmtErr(0), "0");
  assert.equal(fmtNum(-2), "-2");
  assert.equal(fmtNum(0.7500000001), "0.75");
  assert.equal(fmtNum(0.8 - -0.5), "1.3");
  assert.equal(fmtNum(1.5e-7), "1.5e-7");
  assert.equal(fmtNum(123456789), "1.23457e8");
  assert.equal(fmtNum(null), "—");
  assert.deepEqual(difference([1, null, 3], [2, 2, null]), [1, null, null]);
});

test("the colour map is legible on light, dark and high-contrast backgrounds", () => {
  const backgrounds: [string, RGB, boolean][] = [
    ["light", [255, 255, 255], false],
    ["dark", [31, 31, 31], false],
    ["dark modern", [24, 24, 24], false],
    ["high contrast", [0, 0, 0], true],
    ["high contrast light", [255, 255, 255], true],
  ];
  for (const [name, bg, hc] of backgrounds) {
    const map = new ColourMap(paletteFor(bg, hc));
    const [neg, zero, pos] = [map.at(-1, 1), map.at(0, 1), map.at(1, 1)];
    assert.deepEqual(zero, bg, `${name}: 0 is the background`);
    assert.ok(contrast(neg, bg) >= 4.5, `${name}: negative end ${neg}, contrast ${contrast(neg, bg)}`);
    assert.ok(contrast(pos, bg) >= 4.5, `${name}: positive end ${pos}, contrast ${contrast(pos, bg)}`);
    assert.ok(neg[2] > neg[0] && pos[0] > pos[2], `${name}: blue below 0, red above`);
    // Monotone: each step further from 0 stands out more from the background.
    let last = 1;
    for (let t = 0.1; t <= 1; t += 0.1) {
      const c = contrast(map.at(t, 1), bg);
      assert.ok(c >= last - 1e-9, `${name}: contrast falls at ${t}`);
      last = c;
    }
    assert.deepEqual(map.at(5, 1), pos, "clamped to the scale");
    assert.deepEqual(map.at(3, 0), bg, "an all-zero scale draws 0");
  }
  assert.deepEqual(parseColour("#1f1f1f"), [31, 31, 31]);
  assert.deepEqual(parseColour("#fff"), [255, 255, 255]);
  assert.deepEqual(parseColour("rgb(1, 2, 3)"), [1, 2, 3]);
  assert.deepEqual(parseColour("#ffffff80", [0, 0, 0]), [128, 128, 128]);
  assert.deepEqual(parseColour("rgba(255, 255, 255, 0.5)", [0, 0, 0]), [128, 128, 128]);
  assert.equal(parseColour("papayawhip"), null);
});

// ---- the extension's side: CheckReportPanel against a stand-in for the `vscode` API ----

interface FakeDoc {
  uri: FakeUri;
  lineCount: number;
  lineAt(i: number): { firstNonWhitespaceCharacterIndex: number };
}

class FakeUri {
  constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(p: string) {
    return new FakeUri("file", p);
  }
  static parse(s: string) {
    const i = s.indexOf(":");
    return new FakeUri(s.slice(0, i), s.slice(i + 1));
  }
  static joinPath(u: FakeUri, ...parts: string[]) {
    return new FakeUri(u.scheme, [u.path, ...parts].join("/"));
  }
  get fsPath() {
    return this.path;
  }
  toString() {
    return `${this.scheme}://${this.path}`;
  }
}

/** Just enough of `vscode` for reportPanel.ts, recording what the panel does with it. */
function fakeVscode() {
  const rec = {
    created: [] as { viewType: string; title: string; show: unknown; options: Record<string, unknown> }[],
    posted: [] as unknown[],
    reveals: 0,
    opened: [] as { path: string; line: number; character: number; options: Record<string, unknown> }[],
    receive: undefined as ((m: unknown) => void) | undefined,
    setVisible: undefined as ((v: boolean) => void) | undefined,
    closePanel: undefined as (() => void) | undefined,
    html: "",
  };
  class Position {
    constructor(
      readonly line: number,
      readonly character: number,
    ) {}
  }
  class Selection {
    constructor(
      readonly anchor: Position,
      readonly active: Position,
    ) {}
  }
  class Range {
    constructor(
      readonly start: Position,
      readonly end: Position,
    ) {}
  }
  const listener = <T>(set: (cb: T) => void) => (cb: T) => {
    set(cb);
    return { dispose() {} };
  };
  const vscode = {
    Uri: FakeUri,
    Position,
    Selection,
    Range,
    ViewColumn: { Active: -1, Beside: -2, One: 1, Two: 2 },
    TextEditorRevealType: { InCenterIfOutsideViewport: 2 },
    workspace: {
      textDocuments: [] as FakeDoc[],
      openTextDocument: async (uri: FakeUri): Promise<FakeDoc> => ({ uri, lineCount: 40, lineAt: () => ({ firstNonWhitespaceCharacterIndex: 4 }) }),
    },
    window: {
      visibleTextEditors: [] as unknown[],
      showTextDocument: async (doc: FakeDoc, options: { selection: Selection } & Record<string, unknown>) => {
        rec.opened.push({ path: doc.uri.path, line: options.selection.active.line, character: options.selection.active.character, options });
        return { revealRange() {} };
      },
      createWebviewPanel: (viewType: string, title: string, show: unknown, options: Record<string, unknown>) => {
        rec.created.push({ viewType, title, show, options });
        let visible = true;
        let viewState: ((e: { webviewPanel: { visible: boolean } }) => void) | undefined;
        let disposed: (() => void) | undefined;
        const panel = {
          viewColumn: 2,
          iconPath: undefined as unknown,
          webview: {
            cspSource: "https://webview.test",
            asWebviewUri: (u: FakeUri) => ({ toString: () => `https://webview.test${u.path}` }),
            set html(h: string) {
              rec.html = h;
            },
            get html() {
              return rec.html;
            },
            postMessage: async (m: unknown) => {
              // a webview loses what is posted while it is hidden
              if (visible) rec.posted.push(m);
              return visible;
            },
            onDidReceiveMessage: listener<(m: unknown) => void>((cb) => (rec.receive = cb)),
          },
          reveal: () => {
            rec.reveals++;
          },
          onDidChangeViewState: listener<typeof viewState>((cb) => (viewState = cb)),
          onDidDispose: listener<typeof disposed>((cb) => (disposed = cb)),
          dispose: () => disposed?.(),
        };
        rec.setVisible = (v: boolean) => {
          visible = v;
          viewState?.({ webviewPanel: { visible: v } });
        };
        rec.closePanel = () => disposed?.();
        return panel;
      },
    },
  };
  return { vscode, rec };
}

async function loadPanel(vscode: unknown): Promise<typeof import("../../src/extension/reportPanel.ts")> {
  // reportPanel.ts imports `vscode`, which exists only in the editor: hand it the stand-in.
  const Module = require("node:module") as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = Module._load;
  Module._load = function (request: string, ...rest: unknown[]) {
    return request === "vscode" ? vscode : load.call(this, request, ...rest);
  };
  try {
    const path = require.resolve("../../src/extension/reportPanel.ts");
    delete require.cache[path];
    return require(path);
  } finally {
    Module._load = load;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test("the extension opens one report panel beside the code and sends the report when the page is ready", async () => {
  const { vscode, rec } = fakeVscode();
  const { CheckReportPanel } = await loadPanel(vscode);
  const rechecks: string[] = [];
  const logs: string[] = [];
  const log = { warn: (m: string) => logs.push(`warn ${m}`), error: (m: string) => logs.push(`error ${m}`) };
  const panel = new CheckReportPanel(FakeUri.file("/ext") as never, { recheck: (f, n) => rechecks.push(`${f}#${n}`), log: log as never });
  const units = [unit(), unit({ name: "relu", file: "/home/student/act.py", status: "pass", checks: [] })];

  panel.update(units); // not open: nothing
  assert.equal(rec.created.length, 0);
  panel.show(units);
  assert.equal(rec.created.length, 1);
  const created = rec.created[0];
  assert.equal(created.title, "Gradient check report");
  assert.deepEqual(created.show, { viewColumn: -2, preserveFocus: true });
  assert.equal(created.options.enableScripts, true);
  assert.equal(created.options.retainContextWhenHidden, false);
  assert.deepEqual((created.options.localResourceRoots as FakeUri[]).map(String), ["file:///ext/dist/webview"]);
  assert.match(rec.html, /<script nonce="([A-Za-z0-9]{32})" src="https:\/\/webview\.test\/ext\/dist\/webview\/report\.js"><\/script>/);
  assert.match(rec.html, /href="https:\/\/webview\.test\/ext\/dist\/webview\/reportStyle\.css"/);
  assert.match(rec.html, /script-src 'nonce-[A-Za-z0-9]{32}'/);
  assert.equal(rec.posted.length, 0, "nothing is sent before the page says ready");

  rec.receive!({ type: "ready" });
  await settle();
  assert.deepEqual(rec.posted, [{ type: "report", units }]);

  // Shown again: the same panel, revealed, with the new report.
  const again = [unit({ status: "pass", checks: [check({ status: "pass", diagnosis: null })] })];
  panel.show(again);
  assert.equal(rec.created.length, 1);
  assert.equal(rec.reveals, 1);
  assert.deepEqual(rec.posted.at(-1), { type: "report", units: again });
  panel.update(units);
  assert.deepEqual(rec.posted.at(-1), { type: "report", units });

  // Hidden, the page is gone; shown again, it says ready and is sent the report anew.
  rec.setVisible!(false);
  const n = rec.posted.length;
  panel.update(again);
  assert.equal(rec.posted.length, n);
  rec.setVisible!(true);
  rec.receive!({ type: "ready" });
  await settle();
  assert.deepEqual(rec.posted.at(-1), { type: "report", units: again });

  // NaN and Inf are the protocol's null.
  const v = check().values!;
  panel.update([unit({ checks: [check({ maxRelError: Infinity, worst: { index: [1, 0], analytic: NaN, numeric: -2 }, values: { ...v, analytic: v.analytic.map((x, i) => (i === 4 ? -Infinity : x)) } })] })]);
  const sent = rec.posted.at(-1) as { type: string; units: ReportUnit[] };
  assert.equal(sent.type, "report");
  assert.equal(sent.units[0].checks[0].maxRelError, null);
  assert.deepEqual(sent.units[0].checks[0].worst, { index: [1, 0], analytic: null, numeric: -2 });
  assert.deepEqual(sent.units[0].checks[0].values!.analytic.slice(3, 6), [-1.5, null, -0.5]);

  // A report that does not fit the protocol is not sent: the panel and the log say why.
  panel.update([unit({ checks: [check({ shape: [2, 6] }), check({ shape: [3, 3] })] })]);
  assert.deepEqual(rec.posted.at(-1), { type: "error", message: "GradLens could not show this report: units[0].checks[1].values.numeric: 12 elements for shape (3, 3) of 9" });
  assert.match(logs.at(-1)!, /^error Check report: not shown/);

  // Closed by the user: update does nothing; show opens a new panel.
  rec.closePanel!();
  panel.update(units);
  panel.show(units);
  assert.equal(rec.created.length, 2);
  panel.dispose();
  panel.show(units);
  assert.equal(rec.created.length, 2, "disposed: shows nothing");
  assert.deepEqual(rechecks, []);
});

test("the extension opens lines and re-checks only for the files and units of the report shown", async () => {
  const { vscode, rec } = fakeVscode();
  const { CheckReportPanel } = await loadPanel(vscode);
  const rechecks: string[] = [];
  const logs: string[] = [];
  const log = { warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const panel = new CheckReportPanel(FakeUri.file("/ext") as never, { recheck: (f, n) => rechecks.push(`${f}#${n}`), log: log as never });
  panel.show([unit(), unit({ name: "relu", file: "/home/student/act.py" })]);
  rec.receive!({ type: "ready" });
  await settle();

  rec.receive!({ type: "revealLine", file: "/home/student/layers.py", line: 30 });
  await settle();
  assert.deepEqual(
    rec.opened.map(({ path, line, character }) => ({ path, line, character })),
    [{ path: "/home/student/layers.py", line: 29, character: 4 }],
  );
  assert.equal(rec.opened[0].options.preserveFocus, false);
  rec.receive!({ type: "revealLine", file: "/home/student/act.py", line: 999 }); // past the end: the last line
  await settle();
  assert.deepEqual([rec.opened[1].path, rec.opened[1].line], ["/home/student/act.py", 39]);

  rec.receive!({ type: "recheck", file: "/home/student/act.py", name: "relu" });
  assert.deepEqual(rechecks, ["/home/student/act.py#relu"]);

  // Not in the report, or not the protocol: ignored, with a log line.
  const before = logs.length;
  for (const m of [
    { type: "revealLine", file: "/etc/passwd", line: 1 },
    { type: "recheck", file: "/home/student/act.py", name: "Linear" },
    { type: "recheck", file: "/tmp/evil.py", name: "relu" },
    { type: "revealLine", file: "/home/student/layers.py", line: 0 },
    { type: "runCommand", command: "rm -rf /" },
    "ready",
  ]) {
    rec.receive!(m);
    await settle();
  }
  assert.equal(rec.opened.length, 2);
  assert.deepEqual(rechecks, ["/home/student/act.py#relu"]);
  assert.equal(logs.length - before, 6, logs.join("\n"));
  panel.dispose();
});
