"""Vanilla tanh RNN: a single step forward and backward, and the unrolled sequence."""
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """
    Run one timestep of a tanh RNN on a minibatch.

    - x: input at this step, of shape (N, D)
    - prev_h: hidden state from the previous step, of shape (N, H)
    - Wx: input-to-hidden weights, of shape (D, H)
    - Wh: hidden-to-hidden weights, of shape (H, H)
    - b: biases, of shape (H,)
    """
    a = prev_h @ Wh + x @ Wx + b
    next_h = np.tanh(a)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def rnn_step_backward(dnext_h, cache):
    """
    - dnext_h: gradient of the loss with respect to next_h, of shape (N, H)
    - cache: tuple (x, prev_h, Wx, Wh, next_h) saved by the forward step:
      - x: (N, D)
      - prev_h: (N, H)
      - Wx: (D, H)
      - Wh: (H, H)
      - next_h: (N, H)
    """
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """
    - x: the whole input sequence, of shape (N, T, D)
    - h0: initial hidden state, of shape (N, H)
    - Wx: (D, H)
    - Wh: (H, H)
    - b: (H,)
    """
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev = h0
    caches = []
    for t in range(T):
        prev, step_cache = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        caches.append(step_cache)
    return h, caches


def rnn_backward(dh, caches):
    """
    - dh: upstream gradients of every hidden state, of shape (N, T, H)
    - caches: the list of step caches returned by rnn_forward
    """
    N, T, H = dh.shape
    x0 = caches[0][0]
    D = x0.shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dprev = np.zeros((N, H))
    for t in reversed(range(T)):
        step = rnn_step_backward(dh[:, t, :] + dprev, caches[t])
        dx[:, t, :] = step[0]
        dprev = step[1]
        dWx += step[2]
        dWh += step[3]
        db += step[4]
    dh0 = dprev
    return dx, dh0, dWx, dWh, db
