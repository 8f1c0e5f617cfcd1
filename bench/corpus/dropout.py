"""Inverted dropout, numpy version, with the mask drawn from the input's own shape."""
import numpy as np


def dropout_forward(x, dropout_param):
    """
    Inputs:
    - x: Input data, of any shape
    - dropout_param: dict with keys 'p' (keep probability), 'mode' and optional 'seed'
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    out = out.astype(x.dtype, copy=False)
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * mask
    else:
        dx = dout
    return dx


def demo():
    rng = np.random.default_rng(1)
    acts = rng.standard_normal((500, 64)) + 10
    keep = 0.7
    train_out, cache = dropout_forward(acts, {"mode": "train", "p": keep, "seed": 0})
    test_out, _ = dropout_forward(acts, {"mode": "test", "p": keep})
    upstream = np.ones_like(acts)
    grad = dropout_backward(upstream, cache)
    frac_zero = (train_out == 0).mean()
    col_means = train_out.mean(axis=0)
    return frac_zero, col_means, test_out, grad
