import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { functionsIn, graphOfFunction, parseInputAssignments } from "../../src/engine/graph/index.ts";
import { functionAt, summariseGraph } from "../../src/extension/graphData.ts";
import type { ComputationGraph, Nested } from "../../src/engine/graph/types.ts";

const byName = (g: ComputationGraph, name: string) => g.nodes.find((n) => n.name === name || n.label === name)!;

const LECTURE = `def f(x, y, z):
    q = x + y
    m = max(y, z)
    return q * m
`;

test("the lecture's numbers: (x + y) max(y, z) at (1, 2, 0) is 6 with gradients (2, 5, 0)", () => {
  const g = graphOfFunction(LECTURE, "f", { inputs: { x: 1, y: 2, z: 0 } });
  assert.equal(g.stoppedAt, undefined);
  const out = g.nodes.find((n) => n.id === g.output)!;
  assert.equal(out.value, 6);
  assert.deepEqual(["x", "y", "z"].map((v) => byName(g, v).grad), [2, 5, 0]);
  assert.equal(byName(g, "q").grad, 2);
  assert.equal(byName(g, "m").grad, 3);
  // max routes, add distributes, mul switches
  assert.match(byName(g, "m").describe!, /routes/);
  assert.match(byName(g, "q").describe!, /distributes/);
  assert.match(out.describe!, /switches/);
});

test("gradients add where a value fans out: y feeds both the sum and the max", () => {
  const g = graphOfFunction(LECTURE, "f", { inputs: { x: 1, y: 2, z: 0 } });
  const y = byName(g, "y");
  const outgoing = g.edges.filter((e) => e.from === y.id);
  assert.equal(outgoing.length, 2);
  assert.deepEqual(outgoing.map((e) => e.grad).sort(), [2, 3]);
  assert.equal((outgoing[0].grad as number) + (outgoing[1].grad as number), y.grad);
});

const SCORE = `import numpy as np

def score(x, W, b, u):
    """
    - x: (m,)
    - W: (n, m)
    - b: (n,)
    - u: (n,)
    """
    z = W @ x + b
    h = np.tanh(z)
    s = u @ h
    return s
`;

function flat(v: Nested): number[] {
  return typeof v === "number" ? [v] : v.flatMap(flat);
}

test("s = uᵀ tanh(Wx + b): every input's gradient matches finite differences", () => {
  const g = graphOfFunction(SCORE, "score", { seed: 3 });
  assert.equal(g.inputSource, "random");
  const s0 = g.nodes.find((n) => n.id === g.output)!.value as number;
  assert.equal(typeof s0, "number");
  const W = byName(g, "W");
  assert.deepEqual(W.shape.length, 2);
  assert.notEqual(W.shape[0], W.shape[1], "different symbols get different sizes");
  for (const name of ["x", "W", "b", "u"]) {
    const node = byName(g, name);
    const analytic = flat(node.grad as Nested);
    const base = flat(node.value as Nested);
    base.forEach((_, k) => {
      const bump = (h: number) => {
        const v = structuredClone(g.inputs) as Record<string, Nested>;
        const values = flat(v[name]);
        values[k] += h;
        v[name] = reshapeLike(values, v[name]);
        const gg = graphOfFunction(SCORE, "score", { inputs: v });
        return gg.nodes.find((n) => n.id === gg.output)!.value as number;
      };
      const numeric = (bump(1e-6) - bump(-1e-6)) / 2e-6;
      assert.ok(Math.abs(numeric - analytic[k]) < 1e-6, `${name}[${k}]: backprop ${analytic[k]} vs finite differences ${numeric}`);
    });
  }
  assert.match(byName(g, "h").local, /\\operatorname\{diag\}\\left\(1 - \\tanh\^2 z\\right\)/);
  assert.match(byName(g, "u").local, /h\^\\top/);
});

function reshapeLike(values: number[], like: Nested): Nested {
  let i = 0;
  const walk = (v: Nested): Nested => (typeof v === "number" ? values[i++] : v.map(walk));
  return walk(like);
}

test("inputs from the directive, and a class's forward with parameters from __init__", () => {
  const src = `import numpy as np

# gradcheck: init(4, 3), x=randn(4)
class Linear:
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_out, n_in) * 0.1
        self.b = np.zeros(n_out)

    def forward(self, x):
        return self.W @ x + self.b
`;
  const g = graphOfFunction(src, "Linear.forward");
  assert.equal(g.stoppedAt, undefined);
  assert.equal(g.inputSource, "directive");
  const W = g.nodes.find((n) => n.label === "self.W")!;
  assert.equal(W.op, "param");
  assert.deepEqual(W.shape, [3, 4]);
  assert.equal(W.line, 6, "a parameter links to where __init__ sets it");
  assert.deepEqual(byName(g, "x").shape, [4]);
  // a non-scalar output is seeded with ones: dL/db is all ones
  assert.deepEqual(g.nodes.find((n) => n.label === "self.b")!.grad, [1, 1, 1]);
  assert.ok(g.notes.some((n) => /seeded with ones/.test(n)));
});

test("loops unroll, same-file calls are inlined, and an unsupported construct stops the graph with its line", () => {
  const src = `import numpy as np

def relu(v):
    return np.maximum(0, v)

def f(x):
    h = x
    for i in range(3):
        h = relu(h * 2.0 - 1.0)
    y = h.sum()
    while y > 0:
        y = y - 1
    return y
`;
  const g = graphOfFunction(src, "f", { inputs: { x: [0.5, 1.5, 2.0] } });
  assert.equal(g.nodes.filter((n) => n.op === "maximum").length, 3);
  assert.deepEqual(g.stoppedAt?.line, 11);
  assert.match(g.stoppedAt!.message, /while loops/);
  assert.ok(g.nodes.some((n) => n.name === "y" && n.op === "sum"), "the graph up to there is kept");
  assert.ok(g.output, "and differentiated from its last node");
});

test("bad input: no return, NaN values, a missing function, broken Python", () => {
  const none = graphOfFunction("def f(x):\n    y = x * 2\n", "f", { inputs: { x: 1 } });
  assert.ok(none.notes.some((n) => /returns nothing/.test(n)));
  const nan = graphOfFunction("import numpy as np\ndef f(x):\n    return np.log(x)\n", "f", { inputs: { x: -1 } });
  assert.ok(nan.notes.some((n) => /NaN or infinite/.test(n)));
  const missing = graphOfFunction(LECTURE, "nope");
  assert.match(missing.stoppedAt!.message, /no function nope/);
  const broken = graphOfFunction("def f(x):\n    y = x +\n    return y\n", "f", { inputs: { x: 1 } });
  assert.ok(broken.stoppedAt, "a line that does not parse stops the graph");
  const mismatch = graphOfFunction("import numpy as np\ndef f():\n    return np.ones((2, 3)) @ np.ones((4, 5))\n", "f");
  assert.match(mismatch.stoppedAt!.message, /cannot matmul \(2, 3\) @ \(4, 5\)/);
});

test("functions at the cursor, input forms, and summaries for the panel", () => {
  const fns = functionsIn(SCORE + "\nclass A:\n    def __init__(self):\n        pass\n    def forward(self, x):\n        return x\n");
  assert.deepEqual(fns.map((f) => f.qualifiedName), ["score", "A.forward"]);
  assert.equal(functionAt(functionsIn(SCORE), SCORE.indexOf("np.tanh"))?.name, "score");
  assert.deepEqual(parseInputAssignments("x = 1, y = [1, 2], W = [[1, 2], [3, 4]]"), { x: 1, y: [1, 2], W: [[1, 2], [3, 4]] });
  assert.throws(() => parseInputAssignments("x 1"), /name = value/);
  const big = graphOfFunction("import numpy as np\ndef f(x):\n    return (x * x).sum()\n", "f", { inputs: { x: Array.from({ length: 100 }, (_, i) => i) } });
  const small = summariseGraph(big, 64);
  const x = small.nodes.find((n) => n.name === "x")!;
  assert.equal((x.value as { summary: boolean }).summary, true);
  assert.equal((x.grad as { max: number }).max, 198);
});

test("gradlens graph --json and --svg from the command line", () => {
  const dir = mkdtempSync(join(tmpdir(), "gradlens-graph-"));
  const file = join(dir, "lecture.py");
  writeFileSync(file, LECTURE);
  const r = spawnSync(process.execPath, ["dist/cli.js", "graph", file, "--function", "f", "--inputs", '{"x": 1, "y": 2, "z": 0}', "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const g = JSON.parse(r.stdout) as ComputationGraph;
  assert.equal(g.function, "f");
  const out = g.nodes.find((n) => n.id === g.output)!;
  assert.deepEqual([out.op, out.value, out.line], ["mul", 6, 4]);
  const x = g.nodes.find((n) => n.label === "x")!;
  assert.deepEqual([x.op, x.value, x.grad, x.line], ["input", 1, 2, 1]);
  assert.match(x.local, /\\frac\{\\partial q\}\{\\partial x\} = 1/);
  assert.ok(g.edges.some((e) => e.from === x.id && e.arg === 0));
  const svg = join(dir, "g.svg");
  const s = spawnSync(process.execPath, ["dist/cli.js", "graph", file, "--function", "f", "--svg", svg], { encoding: "utf8" });
  assert.equal(s.status, 0, s.stderr);
  assert.match(readFileSync(svg, "utf8"), /<svg[^>]*>[\s\S]*q = add[\s\S]*<\/svg>/);
  const bad = spawnSync(process.execPath, ["dist/cli.js", "graph", file, "--function", "g"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no function g .*there are: f/);
  const badInputs = spawnSync(process.execPath, ["dist/cli.js", "graph", file, "--function", "f", "--inputs", "{x"], { encoding: "utf8" });
  assert.equal(badInputs.status, 2);
});
