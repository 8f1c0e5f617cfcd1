"""Layers as gate classes that own parameters."""
import numpy as np


# gradcheck: init(5, 3), x=randn(4, 5)
class Linear:
    def __init__(self, n_in, n_out):
        rng = np.random.default_rng(10)
        self.W = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
        self.b = np.zeros(n_out) + 0.1

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


# gradcheck: init(4, 3), x=randn(6, 4), y=randn(6, 3)
class Bilinear:
    """out[n] = x[n] @ W @ y[n]"""

    def __init__(self, dx, dy):
        rng = np.random.default_rng(11)
        self.W = rng.standard_normal((dx, dy))

    def forward(self, x, y):
        self.x, self.y = x, y
        return np.sum((x @ self.W) * y, axis=1)

    def backward(self, dout):
        self.W_grad = self.x.T @ (dout[:, None] * self.y)
        gx = (dout[:, None] * self.y) @ self.W.T
        gy = dout[:, None] * (self.x @ self.W)
        return gx, gy


# gradcheck: init(3, 4, 2), x=randn(2, 3, 7)
class Conv1D:
    def __init__(self, c_in, c_out, k):
        rng = np.random.default_rng(12)
        self.W = rng.standard_normal((c_out, c_in, k))
        self.b = rng.standard_normal(c_out)
        self.grads = {}

    def forward(self, x):
        self.x = x
        N, C, L = x.shape
        F, _, K = self.W.shape
        Lo = L - K + 1
        out = np.zeros((N, F, Lo))
        for t in range(Lo):
            out[:, :, t] = np.einsum('nck,fck->nf', x[:, :, t:t + K], self.W) + self.b
        return out

    def backward(self, dout):
        x = self.x
        F, _, K = self.W.shape
        Lo = dout.shape[2]
        dx = np.zeros_like(x)
        dW = np.zeros_like(self.W)
        for t in range(Lo):
            dW += np.einsum('nf,nck->fck', dout[:, :, t], x[:, :, t:t + K])
            dx[:, :, t:t + K] += np.einsum('nf,fck->nck', dout[:, :, t], self.W)
        self.grads["W"] = dW
        self.grads["b"] = dout.sum(axis=(0, 2))
        return dx


# gradcheck: init(4), x=randn(5, 4)
class PReLU:
    def __init__(self, channels):
        self.alpha = np.full(channels, 0.25)

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.alpha * x)

    def backward(self, dout):
        self.dalpha = np.zeros_like(self.alpha)
        dx = np.where(self.x > 0, dout, self.alpha * dout)
        return dx
