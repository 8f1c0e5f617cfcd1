"""Causal dilated 1-D convolution (WaveNet style) built from slices, forward and backward."""
import numpy as np


def causal_conv1d_forward(x, w, b, dilation):
    """
    Inputs:
    - x: Input sequences, of shape (N, C, T)
    - w: Filter taps, of shape (F, C, K)
    - b: Biases, of shape (F,)
    - dilation: Spacing between filter taps

    Returns a tuple of:
    - out: Output sequences, of shape (N, F, T)
    - cache: (x, w, xp, dilation)
    """
    N, C, T = x.shape
    F, _, K = w.shape
    pad = (K - 1) * dilation
    xp = np.concatenate([np.zeros((N, C, pad)), x], axis=2)
    out = np.zeros((N, F, T)) + b[None, :, None]
    for k in range(K):
        start = k * dilation
        xs = xp[:, :, start:start + T]
        out += np.einsum("fc,nct->nft", w[:, :, k], xs)
    cache = (x, w, xp, dilation)
    return out, cache


def causal_conv1d_backward(dout, cache):
    """
    Inputs:
    - dout: Upstream derivatives, of shape (N, F, T)
    - cache: (x, w, xp, dilation)
    """
    x, w, xp, dilation = cache
    N, C, T = x.shape
    F, _, K = w.shape
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2))
    for k in range(K):
        start = k * dilation
        xs = xp[:, :, start:start + T]
        dw[:, :, k] = np.einsum("nft,nct->fc", dout, xs)
        dxp[:, :, start:start + T] += np.einsum("fc,nft->nct", w[:, :, k], dout)
    pad = (K - 1) * dilation
    dx = dxp[:, :, pad:]
    return dx, dw, db


def wavenet_stack(x, w1, b1, w2, b2):
    """
    Two causal layers with dilations 1 and 2 and a gated residual.

    Inputs:
    - x: Input sequences, of shape (N, C, T)
    - w1: First layer taps, of shape (C, C, K)
    - b1: First layer biases, of shape (C,)
    - w2: Second layer taps, of shape (C, C, K)
    - b2: Second layer biases, of shape (C,)
    """
    h1, cache1 = causal_conv1d_forward(x, w1, b1, 1)
    h2, cache2 = causal_conv1d_forward(np.tanh(h1), w2, b2, 2)
    gate = 1.0 / (1.0 + np.exp(-h2))
    y = x + gate * np.tanh(h1)
    return y
