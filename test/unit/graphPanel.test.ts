import { test } from "node:test";
import assert from "node:assert/strict";
import type { ComputationGraph } from "../../src/engine/graph/types.ts";
import { functionAt, inputsText, summariseGraph } from "../../src/extension/graphData.ts";
import { contentSecurityPolicy, makeNonce, panelHtml } from "../../src/extension/panelHtml.ts";
import { isHostMessage, isPanelMessage } from "../../src/shared/protocol.ts";
import { layoutKey, quickLayout, topologicalOrder } from "../../src/webview/layout.ts";
import { GraphModel, stepAt, stepCount } from "../../src/webview/model.ts";
import { scratchGraph } from "../../src/webview/scratchpad.ts";
import { splitTopLevel } from "../../src/webview/text.ts";
import { brief, fmt, fmtShape } from "../../src/webview/values.ts";

// The graph panel's logic that needs neither VS Code nor a browser: the protocol's
// checks in both directions, what the extension sends, the scratchpad's calculus,
// the pass orders of the step controls. The panel itself is tested in a browser
// (test/webview/) and in a real editor (test/e2e/graph.test.mjs).

function lecture(): ComputationGraph {
  const node = (id: string, op: string, label: string, value: number, grad: number | null) => ({ id, op, label, line: 1, shape: [], value, grad, local: "" });
  return {
    function: "f",
    output: "n5",
    nodes: [node("n0", "input", "x", 1, 2), node("n1", "input", "y", 2, 5), node("n2", "input", "z", 0, 0), node("n3", "add", "x + y", 3, 2), node("n4", "max", "max(y, z)", 2, 3), node("n5", "mul", "(x + y) * max(y, z)", 6, 1)],
    edges: [
      { from: "n0", to: "n3", arg: 0, grad: 2 },
      { from: "n1", to: "n3", arg: 1, grad: 2 },
      { from: "n1", to: "n4", arg: 0, grad: 3 },
      { from: "n2", to: "n4", arg: 1, grad: 0 },
      { from: "n3", to: "n5", arg: 0, grad: 2 },
      { from: "n4", to: "n5", arg: 1, grad: 3 },
    ],
    inputs: { x: 1, y: 2, z: 0 },
    inputSource: "given",
    seed: 0,
    notes: [],
  };
}

test("the webview accepts the host's messages and nothing else", () => {
  assert.ok(isHostMessage({ type: "graph", graph: lecture(), file: "a.py", version: 3 }));
  assert.ok(isHostMessage({ type: "error", message: "boom", line: 4 }));
  assert.ok(isHostMessage({ type: "highlightLine", line: 12 }));
  assert.ok(isHostMessage({ type: "busy", busy: true }));
  assert.ok(isHostMessage({ type: "inputsError", message: "x: bad" }));
  const bad: unknown[] = [
    null,
    "graph",
    { type: "graph", graph: { ...lecture(), nodes: "n0" }, file: "a.py", version: 1 },
    { type: "graph", graph: { ...lecture(), edges: [{ from: "n0", to: "n9", arg: 0 }] }, file: "a.py", version: 1 },
    { type: "graph", graph: { ...lecture(), output: "n9" }, file: "a.py", version: 1 },
    { type: "graph", graph: { ...lecture(), nodes: [...lecture().nodes, lecture().nodes[0]] }, file: "a.py", version: 1 },
    { type: "graph", graph: { ...lecture(), nodes: [{ ...lecture().nodes[0], value: "1" }] }, file: "a.py", version: 1 },
    { type: "graph", graph: { ...lecture(), inputSource: "guess" }, file: "a.py", version: 1 },
    { type: "graph", graph: lecture(), file: "a.py" },
    { type: "highlightLine", line: -1 },
    { type: "highlightLine", line: 1.5 },
    { type: "error" },
    { type: "eval", code: "alert(1)" },
  ];
  for (const m of bad) assert.equal(isHostMessage(m), false, JSON.stringify(m));
});

test("a value nested past any real array's depth, or a huge one, is refused", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  const g = lecture();
  assert.equal(isHostMessage({ type: "graph", graph: { ...g, nodes: [{ ...g.nodes[0], value: deep }] }, file: "a", version: 1 }), false);
  const huge = Array.from({ length: 5000 }, () => 1);
  assert.equal(isHostMessage({ type: "graph", graph: { ...g, nodes: [{ ...g.nodes[0], value: huge }] }, file: "a", version: 1 }), false);
  const summary = { summary: true, shape: [64, 64], min: -1, max: 1, mean: 0, head: [1, 2], nonFinite: 0 };
  assert.equal(isHostMessage({ type: "graph", graph: { ...g, nodes: g.nodes.map((n) => ({ ...n, value: summary })) }, file: "a", version: 1 }), true);
  assert.equal(isHostMessage({ type: "graph", graph: { ...g, nodes: g.nodes.map((n) => ({ ...n, value: NaN, grad: Infinity })) }, file: "a", version: 1 }), true);
});

test("the extension accepts the panel's messages and nothing else", () => {
  for (const m of [
    { type: "ready" },
    { type: "reseed" },
    { type: "revealNode", nodeId: "n3" },
    { type: "revealLine", line: 7 },
    { type: "stepNode", nodeId: "n3" },
    { type: "stepNode", nodeId: null },
    { type: "setInputs", inputs: { x: "1", W: "[[1, 2]]" } },
    { type: "exportImage", format: "svg", data: "<svg/>" },
  ]) {
    assert.ok(isPanelMessage(m), JSON.stringify(m));
  }
  for (const m of [
    { type: "revealNode", nodeId: 3 },
    { type: "revealNode", nodeId: "n".repeat(100) },
    { type: "revealLine", line: "7" },
    { type: "stepNode" },
    { type: "setInputs", inputs: ["x = 1"] },
    { type: "setInputs", inputs: { "x; import os": "1" } },
    { type: "setInputs", inputs: { x: 1 } },
    { type: "exportImage", format: "gif", data: "" },
    { type: "runPython", code: "import os" },
    undefined,
  ]) {
    assert.equal(isPanelMessage(m), false, JSON.stringify(m));
  }
});

test("arrays over 64 elements reach the webview summarised, small ones whole", () => {
  const g = lecture();
  const big = Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === 0 && j === 0 ? NaN : i * 10 + j)));
  const small = [[1, 2], [3, 4]];
  g.nodes[0] = { ...g.nodes[0], shape: [10, 10], value: big, grad: big };
  g.nodes[1] = { ...g.nodes[1], shape: [2, 2], value: small, grad: small };
  g.edges[0] = { ...g.edges[0], grad: big };
  g.inputs = { x: big, y: small, z: 0 };
  const s = summariseGraph(g);
  assert.deepEqual(s.nodes[0].value, { summary: true, shape: [10, 10], min: 1, max: 99, mean: 50, head: [NaN, 1, 2, 3, 4, 5, 6, 7], nonFinite: 1 });
  assert.equal((s.nodes[0].grad as { summary: boolean }).summary, true);
  assert.equal((s.edges[0].grad as { summary: boolean }).summary, true);
  assert.deepEqual(s.nodes[1].value, small);
  assert.deepEqual(s.inputs, { y: small, z: 0 }, "a large input is left out of the form's values");
  assert.ok(isHostMessage({ type: "graph", graph: s, file: "a", version: 1 }));
  assert.ok(JSON.stringify(s).length < 3_000);
});

test("the function at the cursor is the innermost one around it", () => {
  const fns = [
    { name: "Net", qualifiedName: "Net", line: 0, from: 0, to: 100 },
    { name: "forward", qualifiedName: "Net.forward", line: 2, from: 20, to: 60 },
    { name: "f", qualifiedName: "f", line: 10, from: 120, to: 150 },
  ];
  assert.equal(functionAt(fns, 30)?.qualifiedName, "Net.forward");
  assert.equal(functionAt(fns, 80)?.qualifiedName, "Net");
  assert.equal(functionAt(fns, 150)?.qualifiedName, "f");
  assert.equal(functionAt(fns, 110), undefined);
  assert.equal(inputsText({ x: "1", W: "[[1, 2], [3, 4]]" }), "x = 1, W = [[1, 2], [3, 4]]");
});

test("the panel's page allows only its own nonce'd script and the extension's files", () => {
  const csp = contentSecurityPolicy("https://res.example", "abc");
  assert.equal(csp, "default-src 'none'; script-src 'nonce-abc'; style-src https://res.example 'nonce-abc'; font-src https://res.example; img-src https://res.example data:; worker-src blob:");
  assert.ok(!csp.includes("unsafe"));
  const html = panelHtml({ cspSource: "https://res.example", nonce: "abc", scriptUri: "https://res.example/main.js?a=1&b=\"2\"", styleUris: ["https://res.example/k.css"], title: "<Graph>" });
  assert.match(html, /<script nonce="abc" src="https:\/\/res.example\/main.js\?a=1&amp;b=&quot;2&quot;"><\/script>/);
  assert.match(html, /<title>&lt;Graph></);
  const nonce = makeNonce((n) => new Uint8Array(n).map((_, i) => i * 7));
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
});

test("step controls: forward in topological order, then backward in reverse over the nodes a gradient reaches", () => {
  const g = lecture();
  // Listed out of order on purpose: the order comes from the edges.
  g.nodes = [g.nodes[5], g.nodes[3], g.nodes[0], g.nodes[1], g.nodes[4], g.nodes[2]];
  g.nodes.push({ id: "c", op: "const", label: "2", line: 1, shape: [], value: 2, grad: null, local: "" });
  const m = new GraphModel(g);
  // Each node as soon as its inputs are done, earlier-listed ones first.
  assert.deepEqual(m.forward, ["n0", "n1", "n3", "n2", "n4", "n5", "c"]);
  for (const e of g.edges) assert.ok(m.forward.indexOf(e.from) < m.forward.indexOf(e.to));
  assert.deepEqual(m.backward, ["n5", "n4", "n2", "n3", "n1", "n0"]);
  assert.equal(stepCount(m), 13);
  assert.deepEqual(stepAt(m, 0), { phase: "forward", nodeId: "n0", position: 1, of: 7 });
  assert.deepEqual(stepAt(m, 7), { phase: "backward", nodeId: "n5", position: 1, of: 6 });
  assert.equal(stepAt(m, -1), null);
  assert.equal(stepAt(m, 13), null);
  assert.deepEqual(m.inEdges.get("n4")!.map((e) => e.from), ["n1", "n2"]);
  assert.deepEqual(m.outEdges.get("n1")!.map((e) => e.to), ["n3", "n4"]);
  assert.deepEqual(m.byLine.get(1)!.length, 7);
});

test("the quick layout puts every node after its inputs; the layout key ignores values", () => {
  const boxes = ["a", "b", "c", "d"].map((id) => ({ id, width: 100, height: 40 }));
  const edges = [
    { id: "e0", from: "a", to: "c" },
    { id: "e1", from: "b", to: "c" },
    { id: "e2", from: "c", to: "d" },
    { id: "e3", from: "a", to: "d" },
  ];
  const l = quickLayout(boxes, edges);
  for (const e of edges) assert.ok(l.nodes.get(e.from)!.x < l.nodes.get(e.to)!.x, `${e.from} before ${e.to}`);
  assert.equal(l.edges.get("e2")!.length, 2);
  assert.equal(layoutKey(boxes, edges), layoutKey(boxes.map((b) => ({ ...b })), edges));
  assert.notEqual(layoutKey(boxes, edges), layoutKey(boxes, edges.slice(1)));
  assert.deepEqual(topologicalOrder(["d", "c", "b", "a"], edges), ["b", "a", "c", "d"]);
  // A cycle (never in a valid graph) still lists every node once.
  assert.deepEqual(topologicalOrder(["x", "y"], [{ from: "x", to: "y" }, { from: "y", to: "x" }]).sort(), ["x", "y"]);
});

test("the scratchpad gives the lecture's numbers: 6, and gradients 2, 5, 0", () => {
  const { graph, gradients } = scratchGraph("(x + y) * max(y, z)", "x = 1, y = 2, z = 0");
  const byLabel = Object.fromEntries(graph.nodes.map((n) => [n.label, n]));
  assert.equal(byLabel["(x + y) * max(y, z)"].value, 6);
  assert.deepEqual([byLabel.x.grad, byLabel.y.grad, byLabel.z.grad], [2, 5, 0]);
  assert.equal(byLabel["x + y"].describe?.split(":")[0].split(" ")[0], "distributes");
  assert.match(byLabel["max(y, z)"].local, /\\mathbb\{1\}\[y \\ge z\]/);
  // y fans out: the gradients along its two edges add up to its gradient.
  const fromY = graph.edges.filter((e) => e.from === byLabel.y.id).map((e) => e.grad as number);
  assert.deepEqual(fromY, [2, 3]);
  assert.equal(gradients.find((g) => g.name === "x")?.tex, "\\max\\left( y, z\\right)");
  assert.ok(isHostMessage({ type: "graph", graph, file: "scratch", version: 0 }));
});

test("the scratchpad differentiates per edge, so x * x gives 2x", () => {
  const { graph } = scratchGraph("x * x + exp(x)", "x = 3");
  const x = graph.nodes.find((n) => n.label === "x")!;
  assert.ok(Math.abs((x.grad as number) - (6 + Math.exp(3))) < 1e-9);
  const numeric = scratchGraph("erf(x)", "x = 0.5").graph.nodes.find((n) => n.label === "x")!;
  assert.ok(Math.abs((numeric.grad as number) - (2 / Math.sqrt(Math.PI)) * Math.exp(-0.25)) < 1e-6, "no mathjs rule: central differences");
});

test("the scratchpad says what is wrong with what was typed", () => {
  assert.throws(() => scratchGraph("x +", "x = 1"), /cannot read the expression/);
  assert.throws(() => scratchGraph("x + w", "x = 1"), /give a value for w/);
  assert.throws(() => scratchGraph("x", "x 1"), /expected name = value/);
  assert.throws(() => scratchGraph("x", "x = [1, 2]"), /real scalars/);
  assert.throws(() => scratchGraph("", ""), /type an expression/);
  const { graph } = scratchGraph("log(x)", "x = 0");
  assert.equal(graph.nodes.find((n) => n.label === "log(x)")!.value, -Infinity);
});

test("numbers and shapes read as in Python", () => {
  assert.deepEqual([fmt(6), fmt(-2), fmt(0.1 + 0.2), fmt(1e-7), fmt(123456.7), fmt(NaN), fmt(-Infinity)], ["6", "-2", "0.3", "1.00e-7", "1.23e5", "NaN", "-Inf"]);
  assert.deepEqual([fmtShape([]), fmtShape([3]), fmtShape([3, 4])], ["()", "(3,)", "(3, 4)"]);
  assert.equal(brief([[1, 2], [3, 4]]), "(2, 2) [1, 2, 3, 4]");
  assert.deepEqual(splitTopLevel("x = 1, W = [[1, 2], [3, 4]]; b = f(1, 2)"), ["x = 1", " W = [[1, 2], [3, 4]]", " b = f(1, 2)"]);
});
