import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The built `gradlens` command, as a user or CI runs it (npm test builds first). */
function gradlens(...args: string[]) {
  const r = spawnSync(process.execPath, ["dist/cli.js", ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), "gradlens-cli-"));
const good = join(dir, "good.py");
writeFileSync(
  good,
  `import numpy as np
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
`,
);
const bad = join(dir, "bad.py");
writeFileSync(bad, `import numpy as np\nA = np.zeros((10, 5))\nB = np.ones((3, 4))\nC = A @ B\n`);

test("shapes --json: the contract's document, one JSON value on stdout", () => {
  const r = gradlens("shapes", good, "--json");
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.file, good);
  const z = doc.symbols.find((s: { name: string }) => s.name === "z");
  assert.deepEqual({ line: z.line, column: z.column, shape: z.shape, source: z.source }, { line: 9, column: 4, shape: ["n"], source: "inferred" });
  const x = doc.symbols.find((s: { name: string }) => s.name === "x");
  assert.deepEqual({ shape: x.shape, source: x.source }, { shape: ["m"], source: "docstring" });
  assert.deepEqual(doc.symbols.find((s: { name: string }) => s.name === "s").shape, []);
  assert.deepEqual(doc.diagnostics, []);
});

test("a certain shape error exits 1 and names both shapes", () => {
  const r = gradlens("shapes", bad, "--json");
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.diagnostics.length, 1);
  const d = doc.diagnostics[0];
  assert.deepEqual([d.line, d.column, d.severity], [4, 4, "error"]);
  assert.match(d.message, /\(10, 5\) @ \(3, 4\)/);
  const c = doc.symbols.find((s: { name: string }) => s.name === "C");
  assert.equal(c.shape, null, "the result of an impossible matmul is unknown");
});

test("readable text without --json", () => {
  const r = gradlens("shapes", bad);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /bad\.py:4:5: error: cannot matmul \(10, 5\) @ \(3, 4\)/);
  assert.match(r.stdout, /A\s+\(10, 5\)/);
});

test("bad usage and unreadable files exit 2 with a message on stderr", () => {
  assert.equal(gradlens().code, 2);
  const unknown = gradlens("frobnicate");
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const missing = gradlens("shapes", join(dir, "nope.py"));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.py: no such file/);
  assert.equal(gradlens("shapes", dir).code, 2);
  assert.equal(gradlens("shapes", good, "--bogus").code, 2);
  assert.equal(gradlens("shapes").code, 2);
});

test("broken Python still gets a report", () => {
  const broken = join(dir, "broken.py");
  writeFileSync(broken, "import numpy as np\ndef f(:\n    x = np.zeros((2, 3))\n    y = x @\n");
  const r = gradlens("shapes", broken, "--json");
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.ok(Array.isArray(doc.symbols));
});
