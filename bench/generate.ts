/**
 * A generated numpy file of the course style, of any length: layers with docstring
 * shapes, forward/backward pairs, a class with parameters, so that the benchmark
 * exercises every shape source and the flow through calls.
 */
export function generateNumpyFile(lines: number): string {
  const out: string[] = ["import numpy as np", ""];
  let i = 0;
  while (out.length < lines) {
    out.push(
      `def affine_relu_${i}(x, w, b):`,
      `    """`,
      `    - x: Input data, of shape (N, D${i})`,
      `    - w: Weights, of shape (D${i}, H${i})`,
      `    - b: Biases, of shape (H${i},)`,
      `    """`,
      `    a = x @ w + b`,
      `    out = np.maximum(0, a)`,
      `    mask = (a > 0).astype(np.float64)`,
      `    stats = out.mean(axis=0, keepdims=True)`,
      `    centred = out - stats`,
      `    var = (centred ** 2).mean(axis=0)`,
      `    normed = centred / np.sqrt(var + 1e-5)`,
      `    cache = (x, w, b, a, mask)`,
      `    return normed, cache`,
      ``,
      `def affine_relu_${i}_backward(dout, cache):`,
      `    x, w, b, a, mask = cache`,
      `    da = dout * mask`,
      `    dx = da @ w.T`,
      `    dw = x.T @ da`,
      `    db = da.sum(axis=0)`,
      `    return dx, dw, db`,
      ``,
      `class Layer${i}:`,
      `    def __init__(self, n_in, n_out):`,
      `        self.W = np.random.randn(n_in, n_out) * 0.01`,
      `        self.b = np.zeros(n_out)`,
      `    def forward(self, x):  # x: (B, n_in)`,
      `        self.x = x`,
      `        z = x @ self.W + self.b`,
      `        h = np.tanh(z)`,
      `        s = h.sum(axis=1)`,
      `        return s`,
      `    def backward(self, dout):`,
      `        dh = dout[:, None] * (1 - np.tanh(self.x @ self.W + self.b) ** 2)`,
      `        self.dW = self.x.T @ dh`,
      `        self.db = dh.sum(axis=0)`,
      `        return dh @ self.W.T`,
      ``,
      `def score_${i}(X, W1, W2):`,
      `    """`,
      `    - X: (N, D${i})`,
      `    - W1: (D${i}, H${i})`,
      `    - W2: (H${i}, C)`,
      `    """`,
      `    h, _ = affine_relu_${i}(X, W1, np.zeros(W1.shape[1]))`,
      `    scores = h @ W2`,
      `    probs = np.exp(scores - scores.max(axis=1, keepdims=True))`,
      `    probs /= probs.sum(axis=1, keepdims=True)`,
      `    flat = X.reshape(X.shape[0], -1)`,
      `    both = np.concatenate([flat, h], axis=1)`,
      `    return probs, both`,
      ``,
    );
    i++;
  }
  return out.slice(0, lines).join("\n") + "\n";
}
