import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv_strided_forward(x, w, b, stride):
    """
    A convolution without padding, computed over a strided view of the input.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - w: Filter weights, of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - stride: Step between neighbouring receptive fields (an int)

    Returns a tuple of:
    - out: Output data
    - cache: (x, w, patches, stride)
    """
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H - HH) // stride + 1
    W_out = (W - WW) // stride + 1
    sN, sC, sH, sW = x.strides
    patches = as_strided(
        x,
        shape=(N, C, H_out, W_out, HH, WW),
        strides=(sN, sC, sH * stride, sW * stride, sH, sW),
    )
    out = np.einsum("nchwij,fcij->nfhw", patches, w)
    out += b[None, :, None, None]
    cache = (x, w, patches, stride)
    return out, cache


def conv_strided_backward(dout, cache):
    """
    Backward pass for conv_strided_forward.

    Inputs:
    - dout: Upstream derivatives
    - cache: Tuple of:
      - x: Input data, of shape (N, C, H, W)
      - w: Filter weights, of shape (F, C, HH, WW)

    Returns a tuple of (dx, dw, db).
    """
    x, w, patches, stride = cache
    HH, WW = w.shape[2], w.shape[3]
    H_out, W_out = dout.shape[2], dout.shape[3]
    db = dout.sum(axis=(0, 2, 3))
    dw = np.einsum("nfhw,nchwij->fcij", dout, patches)
    dpatches = np.einsum("nfhw,fcij->nchwij", dout, w)
    dx = np.zeros_like(x)
    for i in range(HH):
        for j in range(WW):
            rows = slice(i, i + stride * H_out, stride)
            cols = slice(j, j + stride * W_out, stride)
            dx[:, :, rows, cols] += dpatches[:, :, :, :, i, j]
    return dx, dw, db


def global_pool_head(x, w, b, V):
    """
    - x: Input data, of shape (N, C, H, W)
    - w: Filter weights, of shape (F, C, 3, 3)
    - b: Biases, of shape (F,)
    - V: Classifier weights, of shape (F, K)
    """
    feats, _ = conv_strided_forward(x, w, b, 1)
    pooled = feats.mean(axis=(2, 3))
    scores = pooled @ V
    return scores
