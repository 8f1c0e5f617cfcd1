import { test } from "node:test";
import assert from "node:assert/strict";
import { OPS, type OpParams, broadcastShapes } from "../../src/engine/shapes/ops.ts";
import type { Shape } from "../../src/engine/shapes/dim.ts";

type Case = { inputs: Shape[]; params?: OpParams; shape?: Shape; clash?: RegExp };

/** At least one case per op of the table, numbers and symbols alike. */
const CASES: Record<string, Case[]> = {
  matmul: [
    { inputs: [["N", "D"], ["D", "H"]], shape: ["N", "H"] },
    { inputs: [[4, 3], [3, 5]], shape: [4, 5] },
    { inputs: [["D"], ["D"]], shape: [] },
    { inputs: [["M", "K"], ["K"]], shape: ["M"] },
    { inputs: [["K"], ["K", "N"]], shape: ["N"] },
    { inputs: [["B", 1, "T", "K"], ["H", "K", "T"]], shape: ["B", "H", "T", "T"] },
    { inputs: [[10, 5], [3, 4]], clash: /cannot matmul \(10, 5\) @ \(3, 4\).*5.*3/ },
    { inputs: [["N"], ["N+1"]], clash: /cannot matmul/ },
    { inputs: [["n", "k"], ["m", "p"]], shape: ["n", "p"] },
    { inputs: [[], [3]], clash: /scalar/ },
    { inputs: [[2, 3, 4], [5, 4, 6]], clash: /batch/ },
  ],
  dot: [
    { inputs: [["N", "D"], ["D", "M"]], shape: ["N", "M"] },
    { inputs: [[], ["N"]], shape: ["N"] },
    { inputs: [[2, 3, 4], [5, 4, 6]], shape: [2, 3, 5, 6] },
  ],
  outer: [{ inputs: [["H"], ["D"]], shape: ["H", "D"] }, { inputs: [[2, 3], [4]], shape: [6, 4] }],
  einsum: [
    { inputs: [["b", "i", "j"], ["b", "j", "k"]], params: { subscripts: "bij,bjk->bik" }, shape: ["b", "i", "k"] },
    { inputs: [["N", "D"]], params: { subscripts: "ij->ji" }, shape: ["D", "N"] },
    { inputs: [["N", "D"], ["D"]], params: { subscripts: "ij,j" }, shape: ["N"] },
    { inputs: [["B", "T", "C"], ["C", "H"]], params: { subscripts: "...c,ch->...h" }, shape: ["B", "T", "H"] },
    { inputs: [[3, 4], [5, 6]], params: { subscripts: "ij,jk->ik" }, clash: /index j is 4 .* 5/ },
    { inputs: [["N"]], params: { subscripts: "ij->i" }, clash: /name 2 axes/ },
  ],
  add: [
    { inputs: [["N", "H"], ["H"]], shape: ["N", "H"] },
    { inputs: [[3, 1], [1, 4]], shape: [3, 4] },
    { inputs: [[3], [4]], clash: /cannot broadcast \(3,\) and \(4,\)/ },
    { inputs: [["N", 1], ["N", "D"]], shape: ["N", "D"] },
    { inputs: [["n"], ["m"]], shape: [null] },
    { inputs: [[], ["N"]], shape: ["N"] },
    { inputs: [["N", 5], [null]], shape: ["N", 5] },
  ],
  transpose: [
    { inputs: [["N", "D"]], shape: ["D", "N"] },
    { inputs: [["B", "T", "H", "K"]], params: { axes: [1, 2] }, shape: ["B", "H", "T", "K"] },
    { inputs: [["B", "T", "H", "K"]], params: { axes: [-2, -1] }, shape: ["B", "T", "K", "H"] },
    { inputs: [[2, 3, 4]], params: { axes: [2, 0, 1] }, shape: [4, 2, 3] },
    { inputs: [["N", "D"]], params: { axes: [0, 1, 2] }, clash: /cannot permute/ },
  ],
  reshape: [
    { inputs: [["N", "C", "H", "W"]], params: { shape: ["N", -1] }, shape: ["N", "C*H*W"] },
    { inputs: [[12]], params: { shape: [3, -1] }, shape: [3, 4] },
    { inputs: [[12]], params: { shape: [5, 3] }, clash: /cannot reshape \(12,\) \(12 elements\) to \(5, 3\) \(15 elements\)/ },
    { inputs: [[12]], params: { shape: [5, -1] }, clash: /not a multiple of 5/ },
    { inputs: [["B", "T", "C"]], params: { shape: ["B", "T", "nh", "C//nh"] }, shape: ["B", "T", "nh", "C//nh"] },
    { inputs: [["N", "D"]], params: { shape: ["M", -1] }, shape: ["M", null] },
  ],
  flatten: [
    { inputs: [["N", "C", "H", "W"]], params: {}, shape: ["C*H*N*W"] },
    { inputs: [["N", "C", "H", "W"]], params: { startDim: 1, endDim: -1 }, shape: ["N", "C*H*W"] },
  ],
  sum: [
    { inputs: [["N", "D"]], params: { axis: 0 }, shape: ["D"] },
    { inputs: [["N", "D"]], params: { axis: 1, keepdims: true }, shape: ["N", 1] },
    { inputs: [["N", "D"]], params: {}, shape: [] },
    { inputs: [["N", "D", "K"]], params: { axis: [0, 2] }, shape: ["D"] },
    { inputs: [["N", "D"]], params: { axis: 2 }, clash: /out of range/ },
  ],
  mean: [{ inputs: [["B", "T", "C"]], params: { axis: -1, keepdims: true }, shape: ["B", "T", 1] }],
  max: [{ inputs: [[3, 4]], params: { axis: 1 }, shape: [3] }],
  argmax: [{ inputs: [["N", "C"]], params: { axis: 1 }, shape: ["N"] }],
  concatenate: [
    { inputs: [["N", "D"], ["N", "E"]], params: { axis: 1 }, shape: ["N", "D+E"] },
    { inputs: [[2, 3], [4, 3]], params: { axis: 0 }, shape: [6, 3] },
    { inputs: [[2, 3], [2, 4]], params: { axis: 0 }, clash: /cannot concatenate .* axis 1 is 3 against 4/ },
    { inputs: [[2, 3], [3]], params: { axis: 0 }, clash: /different ranks/ },
  ],
  stack: [
    { inputs: [["N", "D"], ["N", "D"]], params: { axis: 0 }, shape: [2, "N", "D"] },
    { inputs: [["N", "D"], ["N", "D"], ["N", "D"]], params: { axis: -1 }, shape: ["N", "D", 3] },
    { inputs: [[2, 3], [2, 4]], params: { axis: 0 }, clash: /same shape/ },
  ],
  squeeze: [
    { inputs: [["N", 1, "D"]], params: { axis: 1 }, shape: ["N", "D"] },
    { inputs: [[1, 3, 1]], params: {}, shape: [3] },
  ],
  unsqueeze: [
    { inputs: [["N", "D"]], params: { axis: 1 }, shape: ["N", 1, "D"] },
    { inputs: [["N"]], params: { axis: -1 }, shape: ["N", 1] },
  ],
  index: [
    { inputs: [["N", "D"]], params: { index: [{ kind: "int" }] }, shape: ["D"] },
    { inputs: [["N", "D"]], params: { index: [{ kind: "slice" }, { kind: "newaxis" }, { kind: "slice" }] }, shape: ["N", 1, "D"] },
    { inputs: [[10, 4]], params: { index: [{ kind: "slice", lower: 2, upper: 5 }] }, shape: [3, 4] },
    { inputs: [["T", "T"]], params: { index: [{ kind: "slice", upper: "t" }, { kind: "slice", upper: "t" }] }, shape: ["t", "t"] },
    { inputs: [["N", "C"]], params: { index: [{ kind: "array", shape: ["N"] }, { kind: "array", shape: ["N"] }] }, shape: ["N"] },
    { inputs: [["V", "D"]], params: { index: [{ kind: "array", shape: ["B", "T"] }] }, shape: ["B", "T", "D"] },
    { inputs: [["B", "T", "C"]], params: { index: [{ kind: "ellipsis" }, { kind: "int" }] }, shape: ["B", "T"] },
    { inputs: [[10]], params: { index: [{ kind: "slice", upper: -1, upperNegative: true }] }, shape: [9] },
    { inputs: [["N"]], params: { index: [{ kind: "int" }, { kind: "int" }] }, clash: /too many indices/ },
  ],
  where: [{ inputs: [["N", "D"], ["N", "D"], []], shape: ["N", "D"] }],
  broadcast_to: [{ inputs: [["D"]], params: { shape: ["N", "D"] }, shape: ["N", "D"] }],
  repeat: [{ inputs: [["N", "D"]], params: { reps: [2, 1] }, shape: ["2*N", "D"] }],
  linear: [
    { inputs: [["B", "T", "C"]], params: { inFeatures: "C", outFeatures: "3*C" }, shape: ["B", "T", "3*C"] },
    { inputs: [[8, 5]], params: { inFeatures: 4, outFeatures: 2 }, clash: /cannot apply Linear\(4, 2\) to \(8, 5\)/ },
  ],
  embedding: [{ inputs: [["B", "T"]], params: { outFeatures: "C" }, shape: ["B", "T", "C"] }],
  conv2d: [
    { inputs: [["N", 3, 32, 32]], params: { inFeatures: 3, outFeatures: 16, kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] }, shape: ["N", 16, 32, 32] },
    { inputs: [["N", "C", "H", "W"]], params: { inFeatures: "C", outFeatures: "F", kernel: ["HH", "WW"], stride: [1, 1], padding: [0, 0], dilation: [1, 1] }, shape: ["N", "F", "H-HH+1", "W-WW+1"] },
    { inputs: [["N", 4, 8, 8]], params: { inFeatures: 3, outFeatures: 6, kernel: [3, 3] }, clash: /4 channels, not 3/ },
  ],
  pool2d: [{ inputs: [["N", "C", 32, 32]], params: { kernel: [2, 2], stride: [2, 2] }, shape: ["N", "C", 16, 16] }],
  layer_norm: [{ inputs: [["B", "T", "C"]], shape: ["B", "T", "C"] }],
};

/** Elementwise ops keep the shape; binary ones broadcast; reductions reduce. */
const UNARY_SAMPLE: Case[] = [
  { inputs: [["N", "H"]], shape: ["N", "H"] },
  { inputs: [[3]], shape: [3] },
];
const BINARY_SAMPLE: Case[] = [
  { inputs: [["N", "H"], ["H"]], shape: ["N", "H"] },
  { inputs: [[2, 3], [4, 3]], clash: /cannot broadcast/ },
];
const REDUCE_SAMPLE: Case[] = [
  { inputs: [["N", "C"]], params: { axis: 1 }, shape: ["N"] },
  { inputs: [[3, 4]], params: { axis: 0, keepdims: true }, shape: [1, 4] },
  { inputs: [["N", "C"]], params: { axis: null }, shape: [] },
];

function casesFor(name: string): Case[] {
  if (CASES[name]) return CASES[name];
  const probe = OPS[name].shape([[2, 3], [4, 3]], {});
  // Ops outside the explicit table are classified by behaviour, then checked fully.
  if ("clash" in probe) return BINARY_SAMPLE;
  const reduced = OPS[name].shape([[3, 4]], { axis: 0 });
  if (!("clash" in reduced) && JSON.stringify(reduced.shape) === "[4]") return REDUCE_SAMPLE;
  return UNARY_SAMPLE;
}

for (const name of Object.keys(OPS)) {
  test(`op ${name}: shape rule`, () => {
    const cases = casesFor(name);
    assert.ok(cases.length > 0);
    for (const c of cases) {
      const r = OPS[name].shape(c.inputs, c.params ?? {});
      const label = `${name}(${JSON.stringify(c.inputs)}, ${JSON.stringify(c.params ?? {})})`;
      if (c.clash) {
        assert.ok("clash" in r, `${label} should clash`);
        assert.match(r.clash.message, c.clash, label);
      } else {
        assert.ok("shape" in r, `${label} clashed: ${"clash" in r ? r.clash.message : ""}`);
        assert.deepEqual(r.shape, c.shape, label);
      }
    }
  });
}

test("every op says what it does to the gradient", () => {
  for (const [name, op] of Object.entries(OPS)) assert.ok(op.describe.length > 8, name);
});

test("broadcasting several shapes at once", () => {
  assert.deepEqual(broadcastShapes([["N", 1, "D"], ["K", 1], [1]]), { shape: ["N", "K", "D"] });
  assert.deepEqual(broadcastShapes([null, ["N"]]), { shape: null });
});

test("matmul of two 2-D shapes that clash offers the transpose that works", () => {
  const r = OPS.matmul.shape([[10, 5], [10, 4]], {});
  assert.ok("clash" in r && r.clash.fix === "transpose-left");
  const r2 = OPS.matmul.shape([[10, 5], [4, 5]], {});
  assert.ok("clash" in r2 && r2.clash.fix === "transpose-right");
});
