"""Convolution as one matrix multiply over unfolded patches (im2col / col2im)."""
import numpy as np


def im2col(x, field_h, field_w, pad, stride):
    """Unfold every receptive field of a zero-padded batch into a column.

    x: input batch, shape (N, C, H, W)
    """
    N, C, H, W = x.shape
    out_h = (H + 2 * pad - field_h) // stride + 1
    out_w = (W + 2 * pad - field_w) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    cols = np.zeros((C * field_h * field_w, N * out_h * out_w))
    k = 0
    for n in range(N):
        for i in range(out_h):
            for j in range(out_w):
                top, left = i * stride, j * stride
                patch = xp[n, :, top:top + field_h, left:left + field_w]
                cols[:, k] = patch.reshape(-1)
                k += 1
    return cols


def col2im(cols, x_shape, field_h, field_w, pad, stride):
    """Fold columns back into an image batch, summing where fields overlap."""
    N, C, H, W = x_shape
    out_h = (H + 2 * pad - field_h) // stride + 1
    out_w = (W + 2 * pad - field_w) // stride + 1
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    k = 0
    for n in range(N):
        for i in range(out_h):
            for j in range(out_w):
                top, left = i * stride, j * stride
                block = cols[:, k].reshape(C, field_h, field_w)
                xp[n, :, top:top + field_h, left:left + field_w] += block
                k += 1
    return xp[:, :, pad:pad + H, pad:pad + W]


def conv_forward(x, w, b, conv_param):
    """Forward pass of a convolutional layer.

    x: input batch, shape (N, C, H, W)
    w: filter bank, shape (F, C, HH, WW)
    b: one bias per filter, shape (F,)
    conv_param: dict with the integer keys 'stride' and 'pad'
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_cols = im2col(x, HH, WW, pad, stride)
    w_rows = w.reshape(F, -1)
    out = w_rows @ x_cols + b[:, None]
    out = out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    cache = (x, w, b, conv_param, x_cols)
    return out, cache


def conv_backward(dout, cache):
    """Backward pass of a convolutional layer.

    dout: upstream gradient, shape (N, F, H_out, W_out)
    cache: the tuple (x, w, b, conv_param, x_cols) saved by conv_forward, with
      x: shape (N, C, H, W)
      w: shape (F, C, HH, WW)
    """
    x, w, b, conv_param, x_cols = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, _, HH, WW = w.shape
    db = dout.sum(axis=(0, 2, 3))
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    dw = (dout_rows @ x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(F, -1).T @ dout_rows
    dx = col2im(dx_cols, x.shape, HH, WW, pad, stride)
    return dx, dw, db
