"""Multinomial logistic (softmax) regression trained with label smoothing, plus
temperature scaling and the expected calibration error of the predictions."""
import numpy as np


def smoothed_softmax_loss(W, b, X, y, smoothing=0.1, reg=1e-3):
    """
    Cross-entropy against smoothed targets: the true class gets 1 - smoothing,
    every other class smoothing / (C - 1).

    Inputs:
    - W: Weights, of shape (D, C)
    - b: Biases, of shape (C,)
    - X: Minibatch of data, of shape (N, D)
    - y: Labels, of shape (N,); y[i] = c means X[i] has label c, 0 <= c < C
    - smoothing: Mass moved away from the true class
    - reg: L2 strength

    Returns a tuple of:
    - loss: Scalar loss
    - grads: (dW, db), gradients with respect to W and b
    """
    N = X.shape[0]
    C = W.shape[1]
    scores = X.dot(W) + b
    scores -= scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    target = np.full((N, C), smoothing / (C - 1))
    target[np.arange(N), y] = 1.0 - smoothing
    loss = -np.sum(target * log_probs) / N + 0.5 * reg * np.sum(W * W)
    probs = np.exp(log_probs)
    dscores = (probs - target) / N
    dW = X.T.dot(dscores) + reg * W
    db = dscores.sum(axis=0)
    return loss, (dW, db)


def fit_temperature(logits, y):
    """
    Picks the softmax temperature that minimises the held-out NLL.

    - logits: Validation logits, of shape (M, C)
    - y: Validation labels, of shape (M,)
    """
    grid = np.linspace(0.5, 3.0, 26)
    M = logits.shape[0]
    nll = np.empty_like(grid)
    for i, T in enumerate(grid):
        z = logits / T
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll[i] = -logp[np.arange(M), y].mean()
    best_T = grid[np.argmin(nll)]
    return best_T


def expected_calibration_error(probs, y, n_bins=10):
    """
    - probs: Predicted class probabilities, of shape (N, C)
    - y: True labels, of shape (N,)
    - n_bins: Number of equal-width confidence bins
    """
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    correct = (pred == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    gaps = np.zeros(n_bins)
    for i in range(n_bins):
        in_bin = (conf > edges[i]) & (conf <= edges[i + 1])
        if in_bin.any():
            gaps[i] = abs(correct[in_bin].mean() - conf[in_bin].mean()) * in_bin.mean()
    ece = gaps.sum()
    return ece
