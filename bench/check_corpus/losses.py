"""Loss functions returning (loss, dx)."""
import numpy as np


# gradcheck: x=randn(6, 4), y=randint(0, 4, 6)
def softmax_loss(x, y):
    """
    - x: Input data, of shape (N, C)
    - y: Vector of labels, of shape (N,)
    """
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = x.shape[0]
    loss = -log_probs[np.arange(N), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


# gradcheck: x=randn(5, 3), y=randint(0, 3, 5)
def svm_loss(x, y):
    N = x.shape[0]
    correct = x[np.arange(N), y][:, None]
    margins = np.maximum(0, x - correct + 1.0)
    margins[np.arange(N), y] = 0
    loss = margins.sum() / N
    pos = (margins > 0).astype(float)
    dx = pos.copy()
    dx[np.arange(N), y] -= pos.sum(axis=1)
    return loss, dx          # forgot dx /= N


# gradcheck: pred=randn(4, 3), target=randn(4, 3)
def mse_loss(pred, target):
    diff = pred - target
    loss = np.mean(diff ** 2)
    dpred = 2.0 * diff / diff.size
    return loss, dpred


# gradcheck: logits=randn(3, 5), targets=(rand(3, 5) > 0.5).astype(float)
def bce_loss(logits, targets):
    p = 1.0 / (1.0 + np.exp(-logits))
    loss = -np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p))
    dlogits = (targets - p) / logits.size
    return loss, dlogits


# gradcheck: scores=randn(7, 5), labels=randint(0, 5, 7)
def softmax_loss_loop(scores, labels):
    N = scores.shape[0]
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), labels])) / N
    dscores = probs.copy()
    for i in range(1, N):
        dscores[i, labels[i]] -= 1
    dscores /= N
    return loss, dscores
