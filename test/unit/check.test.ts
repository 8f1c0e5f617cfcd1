import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

/** `gradlens check` as CI runs it, in this machine's python3 with numpy. */
function check(...args: string[]) {
  const r = spawnSync(process.execPath, ["dist/cli.js", "check", ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Unit = { name: string; status: string; message: string; checks: { wrt: string; status: string; diagnosis?: { code: string } }[] };

test("correct backward code passes; buggy code fails with the right diagnosis", () => {
  const good = check("examples/gates.py", "examples/two_layer_net.py", "--json");
  assert.equal(good.code, 0, good.stderr);
  const g = JSON.parse(good.stdout) as { units: Unit[]; summary: Record<string, number>; python: { numpy: string } };
  assert.ok(g.summary.pass >= 9, JSON.stringify(g.summary));
  assert.equal(g.summary.fail, 0);
  assert.ok(g.python.numpy);
  const bad = check("examples/buggy_layers.py", "--json");
  assert.equal(bad.code, 1);
  const units = (JSON.parse(bad.stdout) as { units: Unit[] }).units;
  const code = (unit: string, wrt: string) => units.find((u) => u.name === unit)!.checks.find((c) => c.wrt === wrt)!.diagnosis?.code;
  assert.equal(code("dense", "w"), "transposed");
  assert.equal(code("dense", "b"), "sign-flipped");
  assert.equal(code("mean_squared_loss", "pred"), "scaled");
  assert.equal(units.find((u) => u.name === "dense")!.checks.find((c) => c.wrt === "x")!.status, "pass");
});

test("a unit that hangs or kills Python is an error; prints do not matter; the rest go on", () => {
  const r = check("test/fixtures/check/hostile.py", "--json", "--timeout", "3");
  assert.equal(r.code, 1);
  const units = (JSON.parse(r.stdout) as { units: Unit[] }).units;
  const by = Object.fromEntries(units.map((u) => [u.name, u]));
  assert.equal(by.spin.status, "error");
  assert.match(by.spin.message, /timed out after 3 s/);
  assert.equal(by.die.status, "error");
  assert.match(by.die.message, /exited with code 7/);
  assert.equal(by.chatty.status, "pass");
  assert.equal(by.square.status, "pass");
});

test("--only, a missing interpreter, and bad usage", () => {
  const only = check("examples/gates.py", "--only", "Linear", "--json");
  assert.deepEqual((JSON.parse(only.stdout) as { units: Unit[] }).units.map((u) => u.name), ["Linear"]);
  const missing = check("examples/gates.py", "--python", "/no/such/python");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot run the Python interpreter \/no\/such\/python/);
  assert.equal(check().code, 2);
  assert.equal(check("examples/gates.py", "--mode", "slow").code, 2);
  assert.equal(check("no/such/folder").code, 2);
});

test("cancelling stops the unit in progress at once; the worker answers and stays up", async () => {
  const { CheckSession } = await import("../../src/runner/check.ts");
  const { harnessPath } = await import("../../src/runner/worker.ts");
  const session = new CheckSession({ harness: harnessPath("dist") });
  try {
    const file = "test/fixtures/check/hostile.py";
    assert.equal((await session.run([file], { only: "square" })).units[0].status, "pass"); // a warm worker
    const started = Date.now();
    const spinning = session.run([file], { only: "spin", timeoutSeconds: 60 });
    setTimeout(() => session.cancel(), 1000);
    const cancelled = await spinning;
    // The harness itself answered (a killed worker would say "timed out" or "exited").
    assert.equal(cancelled.units[0].status, "error");
    assert.equal(cancelled.units[0].message, "cancelled");
    assert.ok(Date.now() - started < 30_000, "cancel did not wait for the 60 s timeout");
    const next = await session.run([file], { only: "square", timeoutSeconds: 20 });
    assert.equal(next.units[0].status, "pass", next.units[0].message);
  } finally {
    session.dispose();
  }
});

test("the terminal report lists each wrong gradient once, with its diagnosis and worst element", () => {
  const r = check("examples/buggy_layers.py");
  assert.equal(r.code, 1);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "✗ dense (pair)  examples/buggy_layers.py:8  2 of 3 gradients wrong (tolerance atol 1e-5, rtol 0.001, eps 1e-6)");
  assert.equal(r.stdout.match(/sign-flipped/g)?.length, 1, r.stdout);
  assert.match(r.stdout, /^ {8}worst at \[0\]: finite differences -?\d\.\d{5}, your backward -?\d\.\d{5}$/m);
  assert.match(lines.at(-2)!, /^0 passed, 2 failed, 0 errors/);
});
