import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { discoverUnits } from "../../src/engine/check/units.ts";
import { pytestFor } from "../../src/engine/check/pytest.ts";

/** "Copy as pytest": the generated test runs under pytest and agrees with the check. */
function runPytest(file: string, unit: string) {
  const text = readFileSync(file, "utf8");
  const u = discoverUnits(text).find((x) => x.plan.name === unit)!;
  const dir = mkdtempSync(join(tmpdir(), "gradlens-pytest-"));
  const testFile = join(dir, `test_${unit}.py`);
  writeFileSync(testFile, pytestFor(u.plan, resolve(file), 3));
  return spawnSync("python3", ["-m", "pytest", "-q", "-p", "no:cacheprovider", testFile], { encoding: "utf8", timeout: 60_000 });
}

test("a correct unit's generated test passes, for pairs, losses and gates", () => {
  for (const [file, unit] of [
    ["examples/two_layer_net.py", "affine"],
    ["examples/two_layer_net.py", "softmax_loss"],
    ["examples/gates.py", "Linear"],
    ["examples/gates.py", "MultiplyGate"],
  ]) {
    const r = runPytest(file, unit);
    assert.equal(r.status, 0, `${unit}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /1 passed/);
  }
});

test("a buggy unit's generated test fails, naming finite differences and your backward", () => {
  const r = runPytest("examples/buggy_layers.py", "mean_squared_loss");
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /your gradient vs finite differences/);
});
