"""Backward passes with the mistakes people make, for `gradlens check` to find.

Each one runs; each one is wrong in a different way. Compare with two_layer_net.py.
"""
import numpy as np


def dense_forward(x, w, b):
    """
    - x: Input data, of shape (N, D)
    - w: Weights, of shape (D, M)
    - b: Biases, of shape (M,)
    """
    out = x @ w + b
    return out, (x, w, b)


def dense_backward(dout, cache):
    x, w, b = cache
    dx = dout @ w.T
    dw = (x.T @ dout).T      # transposed: this is dw.T
    db = -dout.sum(axis=0)   # sign flipped
    return dx, dw, db


# gradcheck: pred=randn(5, 3), target=randn(5, 3)
def mean_squared_loss(pred, target):
    """
    - pred: predictions, of shape (N, K)
    - target: targets, of shape (N, K)
    """
    N = pred.shape[0]
    diff = pred - target
    loss = np.sum(diff ** 2) / N
    dpred = 2 * diff          # forgot to divide by N
    return loss, dpred
