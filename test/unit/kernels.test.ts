import { test } from "node:test";
import assert from "node:assert/strict";
import { OPS } from "../../src/engine/shapes/ops.ts";
import { KERNELS, type KernelParams } from "../../src/engine/graph/kernels.ts";
import { Random, Tensor, binary, indexPlan, matmul, matmulTransposed, matmulTransposedA } from "../../src/engine/graph/tensor.ts";
import { setSimdEnabled, simdAvailable } from "../../src/engine/graph/simdMatmul.ts";

/**
 * Every op's vector-Jacobian product against centred finite differences in float64:
 * for L = sum(op(inputs) * R) with a random R, the VJP of R must equal dL/dinput.
 */

const rng = new Random(7);

function numericGrad(f: (xs: Tensor[]) => Tensor, xs: Tensor[], i: number, R: Tensor, eps = 1e-6): Tensor {
  const g = Tensor.zeros(xs[i].shape);
  const L = (ys: Tensor[]) => {
    const out = f(ys);
    let s = 0;
    for (let k = 0; k < out.size; k++) s += out.data[k] * R.data[k];
    return s;
  };
  for (let k = 0; k < xs[i].size; k++) {
    const plus = xs.map((x) => new Tensor([...x.shape], x.data.slice()));
    const minus = xs.map((x) => new Tensor([...x.shape], x.data.slice()));
    plus[i].data[k] += eps;
    minus[i].data[k] -= eps;
    g.data[k] = (L(plus) - L(minus)) / (2 * eps);
  }
  return g;
}

function check(name: string, inputs: Tensor[], p: KernelParams = {}, label = "") {
  const k = KERNELS[name];
  const out = k.forward(inputs, p);
  const R = rng.randn(out.shape);
  const grads = k.vjp(R, inputs, out, p);
  inputs.forEach((x, i) => {
    if (k.constant?.includes(i)) return;
    const g = grads[i];
    assert.ok(g, `${name}${label}: no gradient for input ${i}`);
    assert.deepEqual([...g.shape], [...x.shape], `${name}${label}: gradient ${i} has the input's shape`);
    const n = numericGrad((ys) => k.forward(ys, p), inputs, i, R);
    for (let e = 0; e < g.size; e++) {
      const err = Math.abs(g.data[e] - n.data[e]);
      assert.ok(err <= 1e-6 + 1e-5 * Math.abs(n.data[e]), `${name}${label}: input ${i} element ${e}: VJP ${g.data[e]} vs finite differences ${n.data[e]}`);
    }
  });
}

const randn = (...shape: number[]) => rng.randn(shape);
/** Away from kinks (relu at 0, ties in max), where finite differences are undefined. */
const awayFromZero = (...shape: number[]) => rng.randn(shape).map((v) => (Math.abs(v) < 0.1 ? v + 0.3 : v));
const positive = (...shape: number[]) => rng.rand(shape).map((v) => v + 0.5);

test("elementwise ops", () => {
  for (const op of ["exp", "tanh", "sigmoid", "sin", "cos", "square", "neg", "copy", "softplus"]) check(op, [randn(3, 4)]);
  for (const op of ["log", "sqrt", "reciprocal", "log1p"]) check(op, [positive(5)]);
  check("expm1", [randn(2, 2)]);
  for (const op of ["relu", "abs"]) check(op, [awayFromZero(4, 3)]);
  check("leaky_relu", [awayFromZero(6)], { slope: 0.1 });
  check("clip", [randn(10).map((v) => (Math.abs(Math.abs(v) - 0.5) < 0.05 ? v + 0.2 : v))], { lo: -0.5, hi: 0.5 });
});

test("binary ops with broadcasting both ways", () => {
  for (const op of ["add", "sub", "mul", "div", "maximum", "minimum"]) {
    check(op, [randn(3, 4), op === "div" ? positive(4) : randn(4)], {}, " (3,4)·(4,)");
    check(op, [randn(3, 1), op === "div" ? positive(1, 4) : randn(1, 4)], {}, " (3,1)·(1,4)");
    check(op, [randn(), op === "div" ? positive(2, 3) : randn(2, 3)], {}, " scalar·(2,3)");
  }
  check("pow", [positive(3, 2), randn(2)]);
});

test("matmul in every rank combination numpy allows", () => {
  check("matmul", [randn(3, 4), randn(4, 5)], {}, " 2-D");
  check("matmul", [randn(4), randn(4)], {}, " 1-D·1-D");
  check("matmul", [randn(3, 4), randn(4)], {}, " 2-D·1-D");
  check("matmul", [randn(4), randn(4, 2)], {}, " 1-D·2-D");
  check("matmul", [randn(2, 3, 4), randn(4, 5)], {}, " batch·2-D");
  check("matmul", [randn(2, 1, 3, 4), randn(5, 4, 2)], {}, " broadcast batch");
  check("outer", [randn(3), randn(4)]);
  check("einsum", [randn(2, 3), randn(3, 4)], { subscripts: "ij,jk->ik" });
  check("einsum", [randn(2, 3, 4), randn(2, 4)], { subscripts: "bij,bj->bi" });
  check("einsum", [randn(3, 3)], { subscripts: "ii->i" });
});

test("reshaping, transposing, joining and indexing", () => {
  check("transpose", [randn(2, 3, 4)], { axes: [2, 0, 1] });
  check("transpose", [randn(2, 3)]);
  check("reshape", [randn(2, 6)], { shape: [3, 4] });
  check("broadcast_to", [randn(3, 1)], { shape: [2, 3, 4] });
  check("concatenate", [randn(2, 3), randn(2, 2)], { axis: 1 });
  check("stack", [randn(2, 3), randn(2, 3), randn(2, 3)], { axis: 1 });
  const x = randn(4, 5);
  check("index", [x], { plan: indexPlan(x.shape, [{ kind: "slice", start: 1, stop: 3, step: null }, { kind: "int", index: -1 }]) }, " slice,int");
  check("index", [x], { plan: indexPlan(x.shape, [{ kind: "array", indices: Tensor.from([0, 2, 0]) }]) }, " repeated rows scatter-add");
  check("index", [x], { plan: indexPlan(x.shape, [{ kind: "array", indices: Tensor.from([0, 1, 3]) }, { kind: "array", indices: Tensor.from([4, 0, 2]) }]) }, " x[rows, cols]");
  check("index", [x], { plan: indexPlan(x.shape, [{ kind: "newaxis" }, { kind: "slice", start: null, stop: null, step: -2 }]) }, " None, ::-2");
});

test("reductions, softmax and where", () => {
  check("sum", [randn(3, 4)], { axis: 1 });
  check("sum", [randn(3, 4)], { axis: null });
  check("mean", [randn(3, 4)], { axis: 0, keepdims: true });
  check("max", [randn(3, 4)], { axis: 1 });
  check("min", [randn(3, 4)], { axis: null });
  check("softmax", [randn(3, 5)], { axis: 1 });
  check("log_softmax", [randn(2, 4)], { axis: -1 });
  check("where", [Tensor.from([1, 0, 1, 0]), randn(4), randn(4)]);
});

test("every kernel belongs to an op of the op table, and has a local formula", () => {
  for (const [name, k] of Object.entries(KERNELS)) {
    assert.ok(OPS[name], `${name} is in the op table`);
    assert.equal(OPS[name].kernel, k);
    const xs = [randn(2, 2), randn(2, 2), randn(2, 2)];
    assert.match(k.local(["x", "y", "z"], "o", 0, xs), /\\/);
  }
});

for (const simd of [true, false]) test(`large products (${simd ? "WebAssembly SIMD, padded to its blocks" : "the JavaScript kernel"}) agree with the textbook sum`, () => {
  assert.ok(simdAvailable(), "Node has WebAssembly SIMD, so these sizes run on it");
  setSimdEnabled(simd);
  try {
    largeProducts();
  } finally {
    setSimdEnabled(true);
  }
});

function largeProducts() {
  const textbook = (a: Tensor, b: Tensor, m: number, k: number, n: number, batch: number) => {
    const out = new Float64Array(batch * m * n);
    for (let p = 0; p < batch; p++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let l = 0; l < k; l++) s += a.data[p * m * k + i * k + l] * b.data[p * k * n + l * n + j];
          out[p * m * n + i * n + j] = s;
        }
    return out;
  };
  const close = (got: Float64Array, want: Float64Array, label: string) => {
    assert.equal(got.length, want.length, label);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-12 * (1 + Math.abs(want[i])), `${label}: element ${i}: ${got[i]} ≠ ${want[i]}`);
  };
  for (const [m, k, n, batch] of [[16, 16, 16, 1], [13, 17, 11, 1], [64, 64, 64, 1], [1, 64, 64, 1], [64, 64, 1, 1], [5, 300, 7, 1], [9, 20, 10, 3], [3, 4, 5, 2]]) {
    const a = rng.randn(batch > 1 ? [batch, m, k] : [m, k]);
    const b = rng.randn(batch > 1 ? [batch, k, n] : [k, n]);
    const want = textbook(a, b, m, k, n, batch);
    close(matmul(a, b).data, want, `${m}×${k} @ ${k}×${n} (batch ${batch})`);
    // a @ bᵀ given bᵀ: the VJP's form
    const bt = new Tensor(batch > 1 ? [batch, n, k] : [n, k], new Float64Array(b.size));
    for (let p = 0; p < batch; p++) for (let l = 0; l < k; l++) for (let j = 0; j < n; j++) bt.data[p * n * k + j * k + l] = b.data[p * k * n + l * n + j];
    close(matmulTransposed(a, bt).data, want, `${m}×${k} @ (${n}×${k})ᵀ (batch ${batch})`);
    // aᵀ @ b given aᵀ: the VJP's other form
    const at = new Tensor(batch > 1 ? [batch, k, m] : [k, m], new Float64Array(a.size));
    for (let p = 0; p < batch; p++) for (let i = 0; i < m; i++) for (let l = 0; l < k; l++) at.data[p * k * m + l * m + i] = a.data[p * m * k + i * k + l];
    close(matmulTransposedA(at, b).data, want, `(${k}×${m})ᵀ @ ${k}×${n} (batch ${batch})`);
  }
  check("matmul", [randn(16, 24), randn(24, 20)], {}, " large");
}

test("matmul and broadcasting agree with hand-computed numbers", () => {
  const A = Tensor.from([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(matmul(A, Tensor.from([1, 1])).toNested(), [3, 7]);
  assert.deepEqual(binary(A, Tensor.from([10, 20]), (a, b) => a + b).toNested(), [
    [11, 22],
    [13, 24],
  ]);
  const p = indexPlan([3, 3], [{ kind: "slice", start: null, stop: null, step: -1 }]);
  assert.deepEqual([...p.source], [6, 7, 8, 3, 4, 5, 0, 1, 2]);
});
