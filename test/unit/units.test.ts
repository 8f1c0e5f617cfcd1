import { test } from "node:test";
import assert from "node:assert/strict";
import { discoverUnits } from "../../src/engine/check/units.ts";
import { parseDirective } from "../../src/engine/check/directive.ts";

test("the directive: init, inputs, options and skip", () => {
  const d = parseDirective(" init(4, 3), x=randn(4), y=randint(0, 3, 5), eps=1e-6, atol=1e-4, mode=fast, wrt=(x, W), skip");
  assert.equal(d.init, "4, 3");
  assert.deepEqual([...d.inputs], [["x", "randn(4)"], ["y", "randint(0, 3, 5)"]]);
  assert.deepEqual([d.eps, d.atol, d.mode, d.wrt, d.skip], [1e-6, 1e-4, "fast", ["x", "W"], true]);
  assert.deepEqual(parseDirective("mode=slow, eps=-1, ???").problems.length, 3);
});

const SRC = `import numpy as np
import torch

# gradcheck: init(4, 3), x=randn(4)
class Linear:
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_out, n_in)
    def forward(self, x):
        return self.W @ x
    def backward(self, dout):
        self.dW = np.outer(dout, self.x)
        return self.W.T @ dout

def affine_forward(x, w, b):
    """
    - x: (N, D)
    - w: (D, M)
    - b: (M,)
    """
    return x @ w + b, (x, w, b)

def affine_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)

def softmax_loss(x, y, reg=0.0):
    """
    - x: scores, of shape (N, C)
    - y: labels, of shape (N,)
    """
    return 0.0, x

def mystery_forward(a, b):
    return a * b, (a, b)

def mystery_backward(dout, cache):
    a, b = cache
    return dout * b, dout * a

class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # x: (K,)
        ctx.save_for_backward(x)
        return x * x
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g

class NoBackward:
    def forward(self, x):
        return x
`;

test("all four kinds of unit, in file order, with their lines", () => {
  const units = discoverUnits(SRC);
  assert.deepEqual(
    units.map((u) => [u.plan.name, u.plan.kind, u.plan.line]),
    [
      ["Linear", "gate", 5],
      ["affine", "pair", 14],
      ["softmax_loss", "loss", 26],
      ["mystery", "pair", 33],
      ["Square", "function", 40],
    ],
  );
});

test("inputs come from the directive, else from stated shapes with distinct sizes of at least 2", () => {
  const [linear, affine, loss, mystery, square] = discoverUnits(SRC);
  assert.equal(linear.plan.init, "4, 3");
  assert.deepEqual(linear.plan.inputs, [{ name: "x", expr: "randn(4)" }]);
  const [x, w, b] = affine.plan.inputs;
  assert.deepEqual([x.shape, w.shape, b.shape], [[2, 3], [3, 4], [4]]);
  assert.ok(new Set([...x.shape!, ...w.shape!, ...b.shape!]).size === 3, "N, D, M are different sizes");
  // labels are ints below the smallest size; reg keeps its default
  assert.deepEqual(loss.plan.inputs.map((i) => [i.name, i.dtype, i.high]), [["x", "float", undefined], ["y", "int", 2]]);
  assert.equal(mystery.needsInputs?.directive, "# gradcheck: a=randn(...), b=randn(...)");
  assert.match(mystery.needsInputs!.message, /cannot tell the shape of a, b/);
  assert.deepEqual(square.plan.inputs.map((i) => i.shape), [[2]]);
});

test("the line that computes a gradient, for the diagnostic", async () => {
  const { gradientLine } = await import("../../src/engine/check/units.ts");
  const [linear, affine] = discoverUnits(SRC);
  assert.equal(gradientLine(SRC, linear.plan, "W"), 11);
  assert.equal(gradientLine(SRC, affine.plan, "x"), undefined, "returned inline: no line of its own");
  const src = "def f_forward(x, w):\n    return x @ w, (x, w)\n\ndef f_backward(dout, cache):\n    x, w = cache\n    dx = dout @ w.T\n    dw = x.T @ dout\n    return dx, dw\n";
  const [f] = discoverUnits(src.replace("def f_forward(x, w):", "# gradcheck: x=randn(2, 3), w=randn(3, 4)\ndef f_forward(x, w):"));
  assert.equal(gradientLine(src, f.plan, "w"), 7);
});

test("course-style loss names and functions a directive marks are losses when they return (loss, grad)", () => {
  const src = [
    "import numpy as np",
    "def svm_loss_naive(W, X, y, reg):",
    "    # W: (D, C), X: (N, D), y: (N,)",
    "    return 0.0, np.zeros_like(W)",
    "",
    "def plot_loss_history(history):",
    "    return None",
    "",
    "def print_loss_summary(a, b):",
    "    print(a, b)",
    "",
    "# gradcheck: scores=randn(7, 5), labels=randint(0, 5, 7)",
    "def cross_entropy_with_grad(scores, labels):",
    "    return 0.0, scores",
    "",
    "# gradcheck: x=randn(3)",
    "def helper(x):",
    "    return x",
    "",
  ].join("\n");
  assert.deepEqual(
    discoverUnits(src).map((u) => [u.plan.name, u.plan.kind]),
    [
      ["svm_loss_naive", "loss"],
      ["cross_entropy_with_grad", "loss"],
    ],
  );
});
