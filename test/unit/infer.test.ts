import { test } from "node:test";
import assert from "node:assert/strict";
import { analyzeShapes } from "../../src/engine/shapes/infer.ts";
import { formatShape } from "../../src/engine/shapes/dim.ts";

/** name → printed shape of its last assignment (or `int = dim` for ints). */
function shapes(src: string, scope?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of analyzeShapes(src).symbols) {
    if (scope && s.scope !== scope) continue;
    out[s.name] = s.type === "int" ? `int ${s.dim}` : s.shape === null ? "?" : formatShape(s.shape);
  }
  return out;
}

function errors(src: string) {
  return analyzeShapes(src).diagnostics.filter((d) => d.severity === "error");
}

const NUMPY_COURSE = `import numpy as np

def two_layer(X, W1, b1, W2, b2, reg=0.0):
    """
    Inputs:
    - X: Input data, of shape (N, D)
    - W1: First layer weights, of shape (D, H)
    - b1: First layer biases, of shape (H,)
    - W2: (H, C)
    - b2: (C,)
    """
    N, D = X.shape
    z1 = X @ W1 + b1
    h1 = np.maximum(0, z1)
    scores = h1.dot(W2) + b2
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), 0]).mean() + reg * np.sum(W1 * W1)
    dscores = probs.copy()
    dW2 = h1.T @ dscores
    db2 = dscores.sum(axis=0)
    dh1 = dscores @ W2.T
    dz1 = dh1 * (z1 > 0)
    dW1 = X.T.dot(dz1)
    return loss, dW1
`;

test("numpy course code with docstring shapes", () => {
  const s = shapes(NUMPY_COURSE);
  assert.equal(s.N, "int N");
  assert.equal(s.z1, "(N, H)");
  assert.equal(s.h1, "(N, H)");
  assert.equal(s.scores, "(N, C)");
  assert.equal(s.probs, "(N, C)");
  assert.equal(s.loss, "()");
  assert.equal(s.dW2, "(H, C)");
  assert.equal(s.db2, "(C,)");
  assert.equal(s.dh1, "(N, H)");
  assert.equal(s.dz1, "(N, H)");
  assert.equal(s.dW1, "(D, H)");
  assert.deepEqual(errors(NUMPY_COURSE), []);
});

test("certain errors name both shapes; a quick fix transposes", () => {
  const src = `import numpy as np\ndef f():\n    A = np.zeros((10, 5))\n    B = np.ones((10, 4))\n    C = A @ B\n    return C\n`;
  const [e] = errors(src);
  assert.match(e.message, /cannot matmul \(10, 5\) @ \(10, 4\)/);
  assert.equal(e.line, 4);
  assert.equal(e.fix?.text, "A.T");
  const fixed = src.slice(0, e.fix!.from) + e.fix!.text + src.slice(e.fix!.to);
  assert.deepEqual(errors(fixed), []);
  assert.equal(shapes(fixed).C, "(5, 4)");
});

test("a reduction that loses its axis gets a keepdims quick fix", () => {
  const src = `import numpy as np\ndef f():\n    x = np.random.randn(3, 4)\n    y = x - x.max(axis=1)\n    return y\n`;
  const [e] = errors(src);
  assert.match(e.message, /cannot broadcast \(3, 4\) and \(3,\)/);
  const fixed = src.slice(0, e.fix!.from) + e.fix!.text + src.slice(e.fix!.to);
  assert.match(fixed, /x\.max\(axis=1, keepdims=True\)/);
  assert.deepEqual(errors(fixed), []);
});

test("two different symbols are never an error", () => {
  const src = `def f(a, b):  # a: (n, k), b: (m, p)\n    c = a @ b\n    d = a + b\n    return c\n`;
  assert.deepEqual(errors(src), []);
  assert.equal(shapes(src).c, "(n, p)");
});

test("head splitting with B, T, C = x.size()", () => {
  const src = `import torch.nn as nn
class Attention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.n_head = n_head
    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ q.transpose(-2, -1)) * (1.0 / math.sqrt(q.size(-1)))
        att = att.softmax(dim=-1)
        y = att @ q
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return y
`;
  const s = shapes(src, "Attention.forward");
  assert.equal(s.q, "(B, n_head, T, C//n_head)");
  assert.equal(s.att, "(B, n_head, T, T)");
  assert.equal(s.y, "(B, T, C)");
  assert.equal(shapes(src)["self.c_attn"], "?");
});

test("if/else joins: agreeing shapes are kept, disagreeing dims become unknown", () => {
  const src = `import numpy as np
def f(flag):
    if flag:
        a = np.zeros((3, 4))
        b = np.zeros((3, 4))
    else:
        a = np.zeros((3, 4))
        b = np.zeros((5, 4))
    c = a
    d = b
    return c
`;
  const s = shapes(src);
  assert.equal(s.c, "(3, 4)");
  assert.equal(s.d, "(?, 4)");
});

test("loops reach a fixed point; a growing shape becomes unknown, never an error", () => {
  const src = `import numpy as np
def f(x, Ws):  # x: (N, D)
    h = x
    acc = np.zeros((3,))
    for W in Ws:
        h = h @ W
        acc = np.concatenate([acc, np.ones(1)])
    y = h
    z = acc
    for i in range(4):
        x = x * 2
    w = x
    return y
`;
  const s = shapes(src);
  assert.equal(s.y, "?");
  assert.equal(s.z, "(?,)");
  assert.equal(s.w, "(N, D)");
  assert.deepEqual(errors(src), []);
});

test("self attributes from __init__, and a gate's backward reads what forward cached", () => {
  const src = `import numpy as np
class Linear:
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_out, n_in) * 0.01
        self.b = np.zeros(n_out)
    def forward(self, x):  # x: (n_in,)
        self.x = x
        return self.W @ x + self.b
    def backward(self, dout):
        self.dW = np.outer(dout, self.x)
        self.db = dout
        return self.W.T @ dout
`;
  const s = shapes(src);
  assert.equal(s["self.W"], "(n_out, n_in)");
  assert.equal(s["self.b"], "(n_out,)");
  assert.equal(s["self.dW"], "(n_out, n_in)");
  assert.equal(s["self.db"], "(n_out,)");
});

test("a backward of a forward/backward pair gets dout and cache from the forward", () => {
  const src = `import numpy as np
def affine_forward(x, w, b):
    """
    - x: (N, D)
    - w: (D, M)
    - b: (M,)
    """
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    return out, cache

def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
`;
  const s = shapes(src, "affine_backward");
  assert.equal(s.dx, "(N, D)");
  assert.equal(s.dw, "(D, M)");
  assert.equal(s.db, "(M,)");
});

test("calls of functions in the same file", () => {
  const src = `import numpy as np
def relu(x):
    return np.maximum(0, x)
def layer(x, W):  # x: (N, D), W: (D, H)
    return relu(x @ W)
def net(x, W1, W2):  # x: (B, D), W1: (D, H), W2: (H, C)
    h = layer(x, W1)
    s = layer(h, W2)
    return s
`;
  const s = shapes(src, "net");
  assert.equal(s.h, "(B, H)");
  assert.equal(s.s, "(B, C)");
});

test("concrete constructors, einsum, stack and concatenate", () => {
  const src = `import numpy as np
import torch
def f():
    a = np.zeros((3, 4))
    b = np.random.randn(5, 2)
    c = torch.randn(2, 3, 4)
    d = np.eye(3)
    e = np.arange(10)
    f = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.einsum("ij,jk->ik", a, np.ones((4, 6)))
    h = np.stack([a, a, a])
    i = np.concatenate([a, np.ones((3, 2))], axis=1)
    j = torch.cat([c, c], dim=0)
    k = c.permute(2, 0, 1)
    l = c.reshape(-1, 4)
    m = a[None, :, 1:3]
    n = c.unsqueeze(1).squeeze(1)
    rng = np.random.default_rng(0)
    o = rng.standard_normal((7, 2))
    p = np.linspace(0, 1, 11)
    return a
`;
  const s = shapes(src);
  assert.deepEqual(
    [s.a, s.b, s.c, s.d, s.e, s.f, s.g, s.h, s.i, s.j, s.k, s.l, s.m, s.n, s.o, s.p],
    ["(3, 4)", "(5, 2)", "(2, 3, 4)", "(3, 3)", "(10,)", "(2, 2)", "(3, 6)", "(3, 3, 4)", "(3, 6)", "(4, 3, 4)", "(4, 2, 3)", "(6, 4)", "(1, 3, 2)", "(2, 3, 4)", "(7, 2)", "(11,)"],
  );
});

test("a comment that disagrees with inference is a warning; one that agrees fills gaps", () => {
  const src = `import numpy as np
def f(x):  # x: (B, T, C)
    y = x.sum(axis=-1)  # (B, C)
    z = x.reshape(x.shape[0], -1)  # (B, T*C)
    return y
`;
  const a = analyzeShapes(src);
  const warnings = a.diagnostics.filter((d) => d.severity === "warning");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0].message, /comment says \(B, C\) but GradLens infers \(B, T\)/);
  assert.equal(warnings[0].line, 2);
  assert.equal(shapes(src).z, "(B, C*T)");
});

test("a broken line stays local: the rest of the function is still analysed", () => {
  const src = `import numpy as np
def f(x, W):  # x: (N, D), W: (D, H)
    z = x @ W
    h = np.tanh(z) @
    g = z.
    y = z.sum(axis=0)
    return y
`;
  const s = shapes(src);
  assert.equal(s.z, "(N, H)");
  assert.equal(s.y, "(H,)");
});

test("an op the table lacks is unknown and said once, never an error", () => {
  const a = analyzeShapes(`import numpy as np\ndef f(x):  # x: (N, D)\n    y = np.frobnicate(x)\n    z = y @ x\n    return z\n`);
  assert.equal(a.symbols.find((s) => s.name === "y")?.shape, null);
  assert.deepEqual(a.diagnostics, []);
  assert.equal(a.skipped.filter((s) => s.includes("frobnicate")).length, 1);
});

test("nn.Linear maps (..., i) to (..., o); nn.Embedding and nn.Conv2d", () => {
  const src = `import torch
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, vocab, d, n_out):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.fc = nn.Linear(d, n_out)
        self.conv = nn.Conv2d(3, 16, kernel_size=3, padding=1)
    def forward(self, idx, img):  # idx: (B, T), img: (B, 3, 32, 32)
        e = self.emb(idx)
        out = self.fc(e)
        w = self.fc.weight
        c = self.conv(img)
        return out
`;
  const s = shapes(src, "Net.forward");
  assert.equal(s.e, "(B, T, d)");
  assert.equal(s.out, "(B, T, n_out)");
  assert.equal(s.w, "(n_out, d)");
  assert.equal(s.c, "(B, 16, 32, 32)");
});

test("more of numpy and torch: topk, diag, addmm, new_zeros, binomial masks, in-place np.add.at", () => {
  const src = `import numpy as np
import torch
def f(x, v, b, w):  # x: (B, V), v: (n,), b: (M,), w: (K, M)
    vals, idx = x.topk(5, dim=-1)
    top = torch.topk(x, 3).values
    d = np.diag(v)
    e = np.diag(d)
    y = torch.addmm(b, x @ torch.ones(V, K), w)
    z = x.new_zeros(3, 4)
    mask = np.random.binomial(1, 0.5, size=v.shape) / 0.5
    np.add.at(d, idx, 1)
    return y
`;
  const a = analyzeShapes(src);
  const s = Object.fromEntries(a.symbols.map((x) => [x.name, x.shape === null ? "?" : formatShape(x.shape)]));
  assert.equal(s.vals, "(B, 5)");
  assert.equal(s.idx, "(B, 5)");
  assert.equal(s.top, "(B, 3)");
  assert.equal(s.d, "(n, n)");
  assert.equal(s.e, "(n,)");
  assert.equal(s.y, "(B, M)");
  assert.equal(s.z, "(3, 4)");
  assert.equal(s.mask, "(n,)");
  assert.deepEqual(a.skipped, []);
  assert.deepEqual(a.diagnostics, []);
});

test("comprehensions, F.pad, index_select, repeat_interleave, diagonal", () => {
  const src = `import torch
import torch.nn.functional as F
def f(x, idx, sim, K: int):  # x: (B, C, T), idx: (E,), sim: (n, n)
    xp = F.pad(x, (K - 1, 0))
    taps = torch.stack([xp[:, :, k:k + T] for k in range(K)], dim=-1)
    rows = [x[b] for b in range(3) if b > 0]
    picked = x.index_select(2, idx)
    up = x.repeat_interleave(2, dim=2)
    d = sim.diagonal()
    return taps
`;
  const s = shapes(src.replace("k:k + T", "k:k + x.shape[2]"));
  assert.equal(s.xp, "(B, C, K+T-1)");
  assert.equal(s.taps, "(B, C, T, K)");
  assert.equal(s.picked, "(B, C, E)");
  assert.equal(s.up, "(B, C, 2*T)");
  assert.equal(s.d, "(n,)");
  assert.deepEqual(errors(src), []);
});

test("numpy's linear algebra: cholesky, solve, slogdet, eigh", () => {
  const src = `import numpy as np
def gp(K, y, Ks):  # K: (n, n), y: (n,), Ks: (n, s)
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(K, y)
    v = np.linalg.solve(L, Ks)
    sign, logdet = np.linalg.slogdet(K)
    w, V = np.linalg.eigh(K)
    mean = Ks.T @ alpha
    return mean
`;
  const s = shapes(src);
  assert.deepEqual([s.L, s.alpha, s.v, s.sign, s.logdet, s.w, s.V, s.mean], ["(n, n)", "(n,)", "(n, s)", "()", "()", "(n,)", "(n, n)", "(s,)"]);
});

test("more of the library: moveaxis, take, diff, tensordot, glu, cdist, narrow, select, unflatten, sort, interpolate", () => {
  const src = `import numpy as np
import torch
import torch.nn.functional as F
def f(x, a, b, t, p, q):  # x: (N, C, H, W), a: (I, J, K), b: (K, L), t: (B, T, D), p: (B, P, M), q: (B, R, M)
    m = np.moveaxis(x, 1, -1)
    g = np.take(a, np.arange(5), axis=1)
    d = np.diff(t, axis=1)
    c = np.tensordot(a, b, axes=1)
    h = F.glu(t, dim=-1)
    dist = torch.cdist(p, q)
    n = t.narrow(1, 0, 3)
    s = t.select(1, 0)
    u = t.unflatten(2, (2, -1))
    vals, idx = torch.sort(t, dim=1)
    up = F.interpolate(x, scale_factor=2)
    sc = t.scatter_(1, idx, 0.0)
    return m
`;
  const s = shapes(src);
  assert.deepEqual(
    [s.m, s.g, s.d, s.c, s.h, s.dist, s.n, s.s, s.u, s.vals, s.idx, s.up, s.sc],
    ["(N, H, W, C)", "(I, 5, K)", "(B, T-1, D)", "(I, J, L)", "(B, T, D//2)", "(B, P, R)", "(B, 3, D)", "(B, D)", "(B, T, 2, D//2)", "(B, T, D)", "(B, T, D)", "(N, C, 2*H, 2*W)", "(B, T, D)"],
  );
});

test("torch.autograd.Function: ctx.save_for_backward, ctx.saved_tensors and the upstream gradient", () => {
  const src = `import torch
class LinearFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):  # x: (N, D), w: (M, D)
        ctx.save_for_backward(x, w)
        return x @ w.t()
    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        grad_x = grad_out @ w
        grad_w = grad_out.t() @ x
        return grad_x, grad_w
`;
  const s = shapes(src, "LinearFn.backward");
  assert.deepEqual([s.x, s.w, s.grad_x, s.grad_w], ["(N, D)", "(M, D)", "(N, D)", "(M, D)"]);
});
