"""Attention scores, scaled dot-product attention, dropout with an explicit mask."""
import numpy as np


# gradcheck: q=randn(3, 4), k=randn(5, 4)
def attention_scores_forward(q, k):
    """Row-softmax of q k^T / sqrt(d); q: (T, d), k: (S, d)."""
    d = q.shape[1]
    s = q @ k.T / np.sqrt(d)
    s = s - s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=1, keepdims=True)
    return p, (q, k, p)


def attention_scores_backward(dout, cache):
    q, k, p = cache
    d = q.shape[1]
    ds = p * (dout - (dout * p).sum(axis=1, keepdims=True)) / np.sqrt(d)
    dq = ds @ k
    dk = ds.T @ q
    return dq, dk


# gradcheck: q=randn(3, 4), k=randn(5, 4), v=randn(5, 6)
class ScaledDotAttention:
    def forward(self, q, k, v):
        self.q, self.k, self.v = q, k, v
        self.scale = 1.0 / np.sqrt(q.shape[-1])
        s = (q @ k.T) * self.scale
        e = np.exp(s - s.max(axis=-1, keepdims=True))
        self.p = e / e.sum(axis=-1, keepdims=True)
        return self.p @ v

    def backward(self, dout):
        dv = self.p.T @ dout
        dp = dout @ self.v.T
        ds = self.p * (dp - np.sum(dp * self.p, axis=-1, keepdims=True))
        # the 1/sqrt(d) of the forward is not applied here
        dq = ds @ self.k
        dk = ds.T @ self.q
        return dq, dk, dv


# gradcheck: x=randn(4, 5), mask=(rand(4, 5) < 0.7).astype(float), p=0.7, wrt=(x,)
def dropout_forward(x, mask, p):
    """Inverted dropout with the keep-mask passed in (deterministic)."""
    out = x * mask / p
    return out, (mask, p)


def dropout_backward(dout, cache):
    mask, p = cache
    return dout * mask / p


# gradcheck: x=randn(6, 3), mask=(rand(6, 3) < 0.8).astype(float), keep=0.8, wrt=(x,)
def inverted_dropout_forward(x, mask, keep):
    out = x * mask / keep
    return out, mask


def inverted_dropout_backward(dout, cache):
    mask = cache
    return dout * mask          # the 1/keep of the forward is missing


# gradcheck: x=randn(2, 5), w=randn(5, 3), b=randn(3)
def affine_tanh_forward(x, w, b):
    h = np.tanh(x @ w + b)
    return h, (x, w, h)


def affine_tanh_backward(dout, cache):
    x, w, h = cache
    dz = dout * (1 - h * h)
    dx = dz @ w.T
    dw = x.T @ dz
    return dx, dw
