"""1-D max pooling and nearest-neighbour upsampling, forward and backward (numpy)."""
import numpy as np


def maxpool1d_forward(x, pool):
    """
    Non-overlapping 1-D max pooling.

    Inputs:
    - x: Input signals, of shape (N, C, L); L is a multiple of pool
    - pool: Width (and stride) of the pooling window

    Returns a tuple of:
    - out: Pooled signals
    - cache: (x, idx, pool)
    """
    N, C, L = x.shape
    L_out = L // pool
    windows = x.reshape(N, C, L_out, pool)
    idx = windows.argmax(axis=3)
    out = windows.max(axis=3)
    cache = (x, idx, pool)
    return out, cache


def maxpool1d_backward(dout, cache):
    """
    Inputs:
    - dout: Upstream derivatives, same shape as the pooled output
    - cache: (x, idx, pool) from maxpool1d_forward
    """
    x, idx, pool = cache
    N, C, L = x.shape
    dwin = np.zeros((N, C, L // pool, pool))
    np.put_along_axis(dwin, idx[..., None], dout[..., None], axis=3)
    dx = dwin.reshape(N, C, L)
    return dx


def upsample1d_forward(x, scale):
    """
    Nearest-neighbour upsampling along the last axis.

    Inputs:
    - x: Input signals, of shape (N, C, L)
    - scale: Integer upsampling factor
    """
    out = np.repeat(x, scale, axis=2)
    cache = (x.shape, scale)
    return out, cache


def upsample1d_backward(dout, cache):
    """
    Inputs:
    - dout: Upstream derivatives, of shape (N, C, L * scale)
    - cache: (x_shape, scale)
    """
    x_shape, scale = cache
    N, C, L = x_shape
    dx = dout.reshape(N, C, L, scale).sum(axis=3)
    return dx


def pool_then_upsample(x, pool):
    """
    Inputs:
    - x: Input signals, of shape (N, C, L)
    - pool: Pooling width
    """
    pooled, pool_cache = maxpool1d_forward(x, pool)
    restored, up_cache = upsample1d_forward(pooled, pool)
    dres = np.ones_like(restored)
    dpooled = upsample1d_backward(dres, up_cache)
    dx = maxpool1d_backward(dpooled, pool_cache)
    return restored, dx
