import { test } from "node:test";
import assert from "node:assert/strict";
import { DIFF_MAX_ELEMENTS, gradientDiff } from "../../src/engine/check/arrays.ts";

test("a transposed gradient reads row by row, in columns that line up", () => {
  const d = gradientDiff({ numeric: [1, 2.5, -3, 0.125], analytic: [1, -3, 2.5, 0.125] }, [2, 2])!;
  assert.equal(d.numeric, "[    1   2.5]\n[   -3 0.125]");
  assert.equal(d.analytic, "[    1    -3]\n[  2.5 0.125]");
  // One width for both, so the diff marks only the elements that differ.
  assert.deepEqual(d.numeric.split("\n").map((l) => l.length), d.analytic.split("\n").map((l) => l.length));
});

test("tiny, huge and unmeasured values; scalars and vectors", () => {
  const d = gradientDiff({ numeric: [1e-9, null, 123456789], analytic: [1.0000001e-9, 2e-12, -123456789] }, [3])!;
  assert.equal(d.numeric, "[     1e-9         ?  1.235e+8]");
  assert.equal(d.analytic, "[     1e-9     2e-12 -1.235e+8]");
  assert.equal(gradientDiff({ numeric: [2], analytic: [-2] }, [])!.analytic, "[-2]");
});

test("three axes print as blocks, like numpy", () => {
  const values = Array.from({ length: 8 }, (_, i) => i);
  const d = gradientDiff({ numeric: values, analytic: values }, [2, 2, 2])!;
  assert.equal(d.numeric, "[0 1]\n[2 3]\n\n[4 5]\n[6 7]");
});

test("nothing to compare: no values, a size that does not match the shape, too many elements", () => {
  assert.equal(gradientDiff(undefined, [2]), undefined);
  assert.equal(gradientDiff({ numeric: [1, 2], analytic: [1] }, [2]), undefined);
  const big = Array.from({ length: DIFF_MAX_ELEMENTS + 1 }, () => 1);
  assert.equal(gradientDiff({ numeric: big, analytic: big }, [big.length]), undefined);
});

test("a backward of the wrong shape prints in its own shape", () => {
  const d = gradientDiff({ numeric: [1, 2, 3, 4, 5, 6], analytic: [1, 4, 2, 5, 3, 6], analyticShape: [3, 2] }, [2, 3])!;
  assert.equal(d.numeric, "[1 2 3]\n[4 5 6]");
  assert.equal(d.analytic, "[1 4]\n[2 5]\n[3 6]");
  assert.equal(gradientDiff({ numeric: [1, 2], analytic: [1, 2, 3], analyticShape: [2] }, [2]), undefined);
});
