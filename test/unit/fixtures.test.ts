import { test } from "node:test";
import assert from "node:assert/strict";
import { compareFile, fixtureFiles } from "../support/expectations.ts";

/** Every fixture in the styles of contract §1 against its expectation file. */
const files = fixtureFiles("test/fixtures/shapes");

test("there are fixtures for every shape source", () => {
  assert.ok(files.length >= 8, `found ${files.length}`);
});

for (const file of files) {
  test(`fixture ${file}`, () => {
    const c = compareFile(file);
    const problems = [...c.wrong, ...c.missingErrors, ...c.falseErrors.map((e) => `false error: ${e}`), ...c.missingWarnings, ...c.falseWarnings.map((w) => `unexpected warning: ${w}`)];
    assert.deepEqual(problems, [], `${c.right}/${c.targets} shapes right`);
  });
}
