import { test } from "node:test";
import assert from "node:assert/strict";
import { parseModule } from "../../src/engine/python/parse.ts";
import { defCommentShapes, docstringShapes, shapeFromAnnotation, trailingCommentShape } from "../../src/engine/shapes/sources.ts";
import type { AssignStmt, FunctionDef } from "../../src/engine/python/ast.ts";

test("numpy-course docstrings: after the colon or after the word shape", () => {
  const doc = `
    Inputs:
    - x: Input data, of shape (N, D)
    - b: Biases of shape (H,)
    - w: (D, M)
    - conv_param: A dictionary with the following keys:
    - x4 (ndarray): shape (N, C, H+2*pad, W)
    * y: Vector of labels, of shape (N,) where y[i] is the label for x[i]
    - dx: Gradient with respect to x, of shape (N, d_1, ..., d_k)
    - mode: 'train' or 'test' (no shape here)
    - scale: A scalar
    `;
  const s = docstringShapes(doc);
  assert.deepEqual(s.get("x")?.shape, ["N", "D"]);
  assert.deepEqual(s.get("b")?.shape, ["H"]);
  assert.deepEqual(s.get("w")?.shape, ["D", "M"]);
  assert.deepEqual(s.get("x4")?.shape, ["N", "C", "H+2*pad", "W"]);
  assert.deepEqual(s.get("y")?.shape, ["N"]);
  assert.equal(s.get("y")?.dtype, "int");
  assert.equal(s.get("dx")?.shape, null, "variadic is an unknown rank");
  assert.equal(s.has("conv_param"), false);
  assert.equal(s.has("mode"), false);
  assert.deepEqual(s.get("scale")?.shape, []);
});

test("numpy-doc style `name : type, shape (..)` and wrapped descriptions", () => {
  const doc = `
    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
    W : weights of the layer, which have
        shape (n_features, n_out)
    `;
  const s = docstringShapes(doc);
  assert.deepEqual(s.get("X")?.shape, ["n_samples", "n_features"]);
  assert.deepEqual(s.get("W")?.shape, ["n_features", "n_out"]);
});

function annotationOf(src: string) {
  const m = parseModule(src);
  return (m.body[0] as AssignStmt).annotation;
}

test("jaxtyping annotations", () => {
  assert.deepEqual(shapeFromAnnotation(annotationOf(`x: Float[np.ndarray, "n m"]`)), { shape: ["n", "m"], dtype: "float" });
  assert.deepEqual(shapeFromAnnotation(annotationOf(`x: Int[Tensor, "batch seq"]`))?.shape, ["batch", "seq"]);
  assert.deepEqual(shapeFromAnnotation(annotationOf(`x: Shaped[Array, "3 _ d"]`))?.shape, [3, null, "d"]);
  assert.equal(shapeFromAnnotation(annotationOf(`x: Float[Tensor, "*batch d"]`))?.shape, null);
  assert.equal(shapeFromAnnotation(annotationOf(`x: Float[Tensor, "... d"]`))?.shape, null);
  assert.deepEqual(shapeFromAnnotation(annotationOf(`x: Float[Tensor, ""]`))?.shape, []);
  assert.equal(shapeFromAnnotation(annotationOf(`x: List[int]`)), undefined);
});

test("comments: on a def line, and a trailing dim list", () => {
  assert.deepEqual(defCommentShapes("# x: (n_in,)").get("x")?.shape, ["n_in"]);
  const two = defCommentShapes("# x: (N, D), w: (D, M)");
  assert.deepEqual(two.get("w")?.shape, ["D", "M"]);
  assert.deepEqual(trailingCommentShape("# (B, nh, T, hs)"), ["B", "nh", "T", "hs"]);
  assert.deepEqual(trailingCommentShape("# shape: (N, C*H*W)"), ["N", "C*H*W"]);
  assert.equal(trailingCommentShape("# (this is prose)"), undefined);
  assert.equal(trailingCommentShape("# compute scores"), undefined);
});

test("the parser keeps what shape inference needs", () => {
  const m = parseModule(`def f(x, W, *args, reg=0.0, **kw):  # x: (n,)\n    """Doc."""\n    a, b = x.shape\n    return W @ x\n`);
  const f = m.body[0] as FunctionDef;
  assert.equal(f.name, "f");
  assert.deepEqual(f.params.map((p) => [p.name, p.star ?? ""]), [["x", ""], ["W", ""], ["args", "star"], ["reg", ""], ["kw", "double-star"]]);
  assert.equal(f.docstring?.value, "Doc.");
  assert.equal(m.commentOnLine(0)?.text, "# x: (n,)");
  assert.equal(m.commentOnLine(1), undefined);
  assert.equal(f.body[1].kind, "assign");
  assert.equal(f.body[2].kind, "return");
});
