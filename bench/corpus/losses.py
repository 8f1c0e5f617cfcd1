"""Classification losses with their gradients: softmax cross-entropy, multiclass hinge, logistic."""
import numpy as np


def log_softmax(logits):  # logits: (N, C)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy_loss(logits, labels):
    """Mean negative log-likelihood of the true classes.

    logits: unnormalised class scores, shape (N, C)
    labels: integer classes, shape (N,)
    """
    n = logits.shape[0]
    logp = log_softmax(logits)
    nll = -logp[np.arange(n), labels]
    loss = nll.mean()
    grad = np.exp(logp)
    grad[np.arange(n), labels] -= 1
    grad /= n
    return loss, grad


def hinge_loss(scores, y, delta=1.0):
    """Multiclass SVM loss.

    scores: shape (N, C)
    y: shape (N,)
    """
    rows = np.arange(scores.shape[0])
    true_scores = scores[rows, y]
    margins = np.maximum(0.0, scores - true_scores[:, np.newaxis] + delta)
    margins[rows, y] = 0.0
    loss = margins.sum() / scores.shape[0]
    mask = (margins > 0).astype(scores.dtype)
    counts = mask.sum(axis=1)
    mask[rows, y] = -counts
    grad = mask / scores.shape[0]
    return loss, grad


def logistic_loss(w, X, t, l2=0.0):
    """L2-regularised binary logistic regression.

    w: weight vector, shape (D,)
    X: design matrix, shape (N, D)
    t: targets in {0, 1}, shape (N,)
    """
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    eps = 1e-12
    loss = -np.mean(t * np.log(p + eps) + (1 - t) * np.log(1 - p + eps)) + 0.5 * l2 * (w @ w)
    grad = X.T @ (p - t) / X.shape[0] + l2 * w
    return loss, grad


def softmax_with_temperature(logits, tau=1.0):  # logits: (N, C)
    z = logits / tau
    z = z - z.max(axis=-1, keepdims=True)
    ez = np.exp(z)
    probs = ez / ez.sum(axis=-1, keepdims=True)
    entropy = -(probs * np.log(probs + 1e-12)).sum(axis=-1)
    return probs, entropy
