"""Pooling layers in numpy: naive max pooling with loops, and 2x2 average pooling by reshaping."""
import numpy as np


def max_pool_forward_naive(x, pool_param):
    """
    x: input, shape (N, C, H, W)
    pool_param: dict with 'pool_height', 'pool_width' and 'stride'
    """
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H2 = 1 + (H - ph) // s
    W2 = 1 + (W - pw) // s
    out = np.zeros((N, C, H2, W2))
    for i in range(H2):
        for j in range(W2):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    """
    dout: upstream gradient, shape (N, C, H2, W2)
    cache: (x, pool_param) from the forward pass, where
    x: shape (N, C, H, W)
    """
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    _, _, H2, W2 = dout.shape
    for i in range(H2):
        for j in range(W2):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            m = window.max(axis=(2, 3), keepdims=True)
            hit = window == m
            upstream = dout[:, :, i, j][:, :, None, None]
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += hit * upstream
    return dx


def avg_pool_2x2(x):  # x: (N, C, H, W)
    N, C, H, W = x.shape
    blocks = x.reshape(N, C, H // 2, 2, W // 2, 2)
    pooled = blocks.mean(axis=(3, 5))
    return pooled


def avg_pool_2x2_backward(dout):  # dout: (N, C, Hh, Wh)
    dx = np.repeat(np.repeat(dout, 2, axis=2), 2, axis=3) / 4.0
    return dx


def global_avg_pool(feats):  # feats: (N, C, H, W)
    gap = feats.mean(axis=(2, 3))
    gmp = feats.max(axis=(2, 3))
    both = np.concatenate([gap, gmp], axis=1)
    return both
