"""1-D convolution over batches of sequences laid out as (N, C, L): a naive
loop version, a version built on stride tricks, and the backward pass."""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def conv1d_forward_naive(x, w, b, conv_param):
    """
    A naive implementation of the forward pass for a 1-D convolutional layer.

    Input:
    - x: Input sequences, of shape (N, C, L)
    - w: Filter weights of shape (F, C, K)
    - b: Biases, of shape (F,)
    - conv_param: A dictionary with the following keys:
      - 'stride': The number of steps between neighbouring receptive fields.
      - 'pad': The number of zeros added on both ends of every sequence.

    Returns a tuple of:
    - out: Output data, one row of F channels per output position
    - cache: (x, w, b, conv_param)
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, L = x.shape
    F, _, K = w.shape
    L_out = 1 + (L + 2 * pad - K) // stride

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad)), mode="constant")
    out = np.zeros((N, F, L_out))
    for i in range(L_out):
        start = i * stride
        window = x_pad[:, :, start:start + K]
        out[:, :, i] = np.tensordot(window, w, axes=([1, 2], [1, 2])) + b
    cache = (x, w, b, conv_param)
    return out, cache


def conv1d_forward_strided(x, w, b, conv_param):
    """
    Same computation as conv1d_forward_naive, with every receptive field read
    through a strided view instead of a Python loop.

    - x: Input sequences, of shape (N, C, L)
    - w: Filter weights of shape (F, C, K)
    - b: Biases, of shape (F,)
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, L = x.shape
    F, _, K = w.shape
    L_out = 1 + (L + 2 * pad - K) // stride

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    sN, sC, sL = x_pad.strides
    windows = as_strided(x_pad, shape=(N, C, L_out, K),
                         strides=(sN, sC, sL * stride, sL), writeable=False)
    out = np.einsum("nclk,fck->nfl", windows, w) + b[None, :, None]
    cache = (x, w, b, conv_param)
    return out, cache


def conv1d_backward(dout, cache):
    """
    Backward pass for the 1-D convolution.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, L_out)
    - cache: A tuple (x, w, b, conv_param) as in conv1d_forward_naive, where
      - x: Input sequences, of shape (N, C, L)
      - w: Filter weights of shape (F, C, K)
      - b: Biases, of shape (F,)

    Returns a tuple of:
    - dx: Gradient with respect to x
    - dw: Gradient with respect to w
    - db: Gradient with respect to b
    """
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, L = x.shape
    K = w.shape[2]
    L_out = dout.shape[2]

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    dx_pad = np.zeros((N, C, L + 2 * pad))
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2))
    for i in range(L_out):
        start = i * stride
        window = x_pad[:, :, start:start + K]
        dw += np.einsum("nf,nck->fck", dout[:, :, i], window)
        dx_pad[:, :, start:start + K] += np.einsum("nf,fck->nck", dout[:, :, i], w)
    dx = dx_pad[:, :, pad:pad + L]
    return dx, dw, db
