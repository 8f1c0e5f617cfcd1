"""Small functions with shape bugs that GradLens reports before anything runs.

Open the Problems panel: each bug below is underlined with both shapes named.
`well_formed` at the bottom has none.
"""
import numpy as np


def matmul_mismatch():
    A = np.zeros((10, 5))
    B = np.ones((3, 4))
    C = A @ B          # inner dimensions 5 and 3 disagree
    return C


def broadcast_clash():
    scores = np.random.randn(8, 3)
    bias = np.zeros(4)
    out = scores + bias    # trailing dimensions 3 and 4 cannot broadcast
    return out


def bad_reshape():
    data = np.arange(12)
    grid = data.reshape(5, 3)   # 12 elements do not fill 5 x 3 = 15
    return grid


def concat_clash():
    left = np.ones((4, 2))
    right = np.ones((5, 3))
    both = np.concatenate([left, right], axis=1)   # rows 4 and 5 disagree
    return both


def stale_comment(B, T, C):
    x = np.random.randn(B, T, C)
    y = x.mean(axis=1)  # (B, T, C)
    return y


def well_formed(N, D, H):
    X = np.random.randn(N, D)
    W = np.random.randn(D, H)
    b = np.zeros(H)
    hidden = np.tanh(X @ W + b)
    pooled = hidden.mean(axis=0)
    return pooled
