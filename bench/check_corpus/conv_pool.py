"""Naive (loop-based) convolution and max pooling."""
import numpy as np


# gradcheck: x=randn(2, 3, 5, 6), w=randn(4, 3, 3, 2), b=randn(4), stride=1, pad=1
def conv_forward(x, w, b, stride, pad):
    """
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    """
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho = 1 + (H + 2 * pad - HH) // stride
    Wo = 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    hs, ws = i * stride, j * stride
                    out[n, f, i, j] = np.sum(xp[n, :, hs:hs + HH, ws:ws + WW] * w[f]) + b[f]
    return out, (x, w, b, stride, pad)


def conv_backward(dout, cache):
    x, w, b, stride, pad = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    hs, ws = i * stride, j * stride
                    dw[f] += xp[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                    dxp[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


# gradcheck: x=randn(2, 2, 4, 5), w=randn(3, 2, 3, 3), b=randn(3)
def conv_same_forward(x, w, b):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((N, F, H, W))
    for i in range(H):
        for j in range(W):
            patch = xp[:, :, i:i + HH, j:j + WW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (xp, w)


def conv_same_backward(dout, cache):
    xp, w = cache
    F, _, HH, WW = w.shape
    N, _, H, W = dout.shape
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(H):
        for j in range(W):
            patch = xp[:, :, i:i + HH, j:j + WW]
            g = dout[:, :, i, j]
            dw += np.tensordot(g, patch, axes=([0], [0]))
            dxp[:, :, i:i + HH, j:j + WW] += np.tensordot(g, w, axes=([1], [0]))
    db = dout.sum(axis=(0, 2, 3))
    return dxp, dw, db          # the padding was never cropped off dxp


# gradcheck: x=randn(2, 3, 4, 6), pool=2
def max_pool_forward(x, pool):
    N, C, H, W = x.shape
    Ho, Wo = H // pool, W // pool
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            win = x[:, :, i * pool:(i + 1) * pool, j * pool:(j + 1) * pool]
            out[:, :, i, j] = win.max(axis=(2, 3))
    return out, (x, pool)


def max_pool_backward(dout, cache):
    x, pool = cache
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H // pool):
                for j in range(W // pool):
                    win = x[n, c, i * pool:(i + 1) * pool, j * pool:(j + 1) * pool]
                    a, b = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * pool + a, j * pool + b] += dout[n, c, i, j]
    return dx


# Rounded inputs: many windows hold tied maxima (kinks), the rest must still check out.
# gradcheck: init(2), x=np.round(randn(3, 2, 4, 6))
class MaxPoolTies:
    def __init__(self, size):
        self.size = size

    def forward(self, x):
        s = self.size
        N, C, H, W = x.shape
        self.x = x
        xr = x.reshape(N, C, H // s, s, W // s, s)
        self.out = xr.max(axis=(3, 5))
        return self.out

    def backward(self, dout):
        s = self.size
        N, C, H, W = self.x.shape
        dx = np.zeros_like(self.x)
        for i in range(H // s):
            for j in range(W // s):
                win = self.x[:, :, i * s:(i + 1) * s, j * s:(j + 1) * s].reshape(N, C, -1)
                k = win.argmax(axis=2)
                for n in range(N):
                    for c in range(C):
                        a, b = divmod(k[n, c], s)
                        dx[n, c, i * s + a, j * s + b] = dout[n, c, i, j]
        return dx
