"""A two-layer CNN for tiny grey-scale images (8x8 digits and the like), written
with explicit loops over output positions instead of im2col:

    conv(k, valid) - relu - conv(k, valid) - relu - 2x2 max pool - affine
"""
import numpy as np


def conv_valid(x, w, b):
    """
    Valid (unpadded) stride-1 cross-correlation.

    Inputs:
    - x: Images, of shape (N, C, H, W)
    - w: Filters, of shape (F, C, KH, KW)
    - b: Biases, of shape (F,)

    Returns:
    - out: of shape (N, F, H - KH + 1, W - KW + 1)
    """
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    H_out = H - KH + 1
    W_out = W - KW + 1
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            patch = x[:, :, i:i + KH, j:j + KW]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def conv_valid_backward(dout, x, w):
    """
    - dout: Upstream derivatives, of shape (N, F, H_out, W_out)
    - x: Images, of shape (N, C, H, W)
    - w: Filters, of shape (F, C, KH, KW)
    """
    F, C, KH, KW = w.shape
    H_out, W_out = dout.shape[2], dout.shape[3]
    dx = np.zeros_like(x)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for i in range(H_out):
        for j in range(W_out):
            g = dout[:, :, i, j]
            patch = x[:, :, i:i + KH, j:j + KW]
            dw += np.einsum("nf,nchw->fchw", g, patch)
            dx[:, :, i:i + KH, j:j + KW] += np.einsum("nf,fchw->nchw", g, w)
    return dx, dw, db


def max_pool_2x2(x):
    """
    Non-overlapping 2x2 max pooling; H and W must be even.

    - x: of shape (N, C, H, W)
    """
    N, C, H, W = x.shape
    windows = x.reshape(N, C, H // 2, 2, W // 2, 2)
    windows = windows.transpose(0, 1, 2, 4, 3, 5)
    out = windows.reshape(N, C, H // 2, W // 2, 4).max(axis=-1)
    return out


class TinyConvNet:
    def __init__(self, in_channels=1, c1=4, c2=8, k=3, img=8, n_classes=10, seed=0):
        rng = np.random.default_rng(seed)
        self.w1 = 0.1 * rng.standard_normal((c1, in_channels, k, k))
        self.b1 = np.zeros(c1)
        self.w2 = 0.1 * rng.standard_normal((c2, c1, k, k))
        self.b2 = np.zeros(c2)
        side = (img - 2 * (k - 1)) // 2
        self.w3 = 0.1 * rng.standard_normal((c2 * side * side, n_classes))
        self.b3 = np.zeros(n_classes)

    def forward(self, x):  # x: (N, in_channels, img, img)
        a1 = np.maximum(conv_valid(x, self.w1, self.b1), 0.0)
        a2 = np.maximum(conv_valid(a1, self.w2, self.b2), 0.0)
        p = max_pool_2x2(a2)
        flat = p.reshape(p.shape[0], -1)
        scores = flat @ self.w3 + self.b3
        return scores

    def predict(self, x):  # x: (N, in_channels, img, img)
        scores = self.forward(x)
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        labels = np.argmax(probs, axis=1)
        return labels, probs
