import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def highway_forward(x, Wh, bh, Wt, bt):
    """
    Forward pass for a highway layer: y = t * h + (1 - t) * x.

    Inputs:
    - x: Input data, of shape (N, D)
    - Wh: Weights of the transform branch, of shape (D, D)
    - bh: Biases of the transform branch, of shape (D,)
    - Wt: Weights of the gate, of shape (D, D)
    - bt: Biases of the gate, of shape (D,)

    Returns a tuple of:
    - out: output, of shape (N, D)
    - cache: values needed for the backward pass
    """
    a_h = x.dot(Wh) + bh
    h = np.maximum(0, a_h)
    a_t = x.dot(Wt) + bt
    t = sigmoid(a_t)
    out = t * h + (1.0 - t) * x
    cache = (x, Wh, Wt, a_h, h, t)
    return out, cache


def highway_backward(dout, cache):
    """
    Backward pass for a highway layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D)
    - cache: Tuple of:
      - x: Input data, of shape (N, D)
      - Wh: Transform weights, of shape (D, D)
      - Wt: Gate weights, of shape (D, D)
      - a_h: Transform pre-activation, of shape (N, D)
      - h: Transform output, of shape (N, D)
      - t: Gate values, of shape (N, D)

    Returns a tuple of (dx, dWh, dbh, dWt, dbt).
    """
    x, Wh, Wt, a_h, h, t = cache
    dh = dout * t
    dt = dout * (h - x)
    dx = dout * (1.0 - t)
    da_h = dh * (a_h > 0)
    da_t = dt * t * (1.0 - t)
    dWh = x.T.dot(da_h)
    dbh = np.sum(da_h, axis=0)
    dWt = x.T.dot(da_t)
    dbt = da_t.sum(axis=0)
    dx += da_h.dot(Wh.T) + da_t.dot(Wt.T)
    return dx, dWh, dbh, dWt, dbt


def highway_stack_forward(x, Wh_all, bh_all, Wt_all, bt_all):
    """
    Runs a stack of L highway layers and sums each row of the result.

    - x: Input data, of shape (N, D)
    - Wh_all: Stacked transform weights, of shape (L, D, D)
    - bh_all: Stacked transform biases, of shape (L, D)
    - Wt_all: Stacked gate weights, of shape (L, D, D)
    - bt_all: Stacked gate biases, of shape (L, D)
    """
    caches = []
    h = x
    for l in range(Wh_all.shape[0]):
        h, cache = highway_forward(h, Wh_all[l], bh_all[l], Wt_all[l], bt_all[l])
        caches.append(cache)
    scores = h.sum(axis=1)
    return scores, caches
