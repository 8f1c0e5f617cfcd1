"""Adam in numpy: a per-array update rule and an optimizer over a dict of
parameters whose first and second moments mirror the parameters' shapes."""
import numpy as np


def adam_update(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """
    One bias-corrected Adam step for a weight matrix.

    - w: Current weights, of shape (R, S)
    - dw: Gradient of the loss with respect to w, of shape (R, S)
    - m: Moving average of the gradient, of shape (R, S)
    - v: Moving average of the squared gradient, of shape (R, S)
    - t: Iteration number, starting at 1

    Returns the updated (w, m, v).
    """
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw * dw)
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return next_w, m, v


class Adam:
    """Keeps one m and one v per parameter, each shaped like that parameter."""

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params = params
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m = {}
        self.v = {}
        for name, p in params.items():
            self.m[name] = np.zeros_like(p)
            self.v[name] = np.zeros_like(p)

    def step(self, grads):
        """Updates every parameter in place from the dict of gradients."""
        self.t += 1
        for name, p in self.params.items():
            g = grads[name]
            self.m[name] = self.beta1 * self.m[name] + (1 - self.beta1) * g
            self.v[name] = self.beta2 * self.v[name] + (1 - self.beta2) * g ** 2
            m_hat = self.m[name] / (1 - self.beta1 ** self.t)
            v_hat = self.v[name] / (1 - self.beta2 ** self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def train_softmax(X, y, num_classes, steps=20, lr=1e-2):
    """
    Softmax classifier trained with adam_update on W and an inline Adam on b.

    - X: Features, of shape (N, D)
    - y: Labels in [0, num_classes), of shape (N,)
    """
    N, D = X.shape
    W = np.zeros((D, num_classes))
    m_W = np.zeros_like(W)
    v_W = np.zeros_like(W)
    b = np.zeros(num_classes)
    m_b = np.zeros_like(b)
    v_b = np.zeros_like(b)
    for t in range(1, steps + 1):
        scores = X @ W + b
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1.0
        dscores /= N
        dW = X.T @ dscores
        db = dscores.sum(axis=0)
        W, m_W, v_W = adam_update(W, dW, m_W, v_W, t, lr=lr)
        m_b = 0.9 * m_b + 0.1 * db
        v_b = 0.999 * v_b + 0.001 * db ** 2
        b -= lr * (m_b / (1 - 0.9 ** t)) / (np.sqrt(v_b / (1 - 0.999 ** t)) + 1e-8)
    return W, b


def fit_ridge(X, y, steps=50, lam=1e-2):
    """
    Ridge regression by Adam over a params dict.

    - X: Design matrix, of shape (N, D)
    - y: Targets, of shape (N,)
    """
    N, D = X.shape
    w = np.zeros(D)
    b = np.zeros(1)
    opt = Adam({"w": w, "b": b}, lr=0.05)
    for _ in range(steps):
        resid = X @ w + b - y
        loss = 0.5 * np.mean(resid ** 2) + 0.5 * lam * (w @ w)
        dw = X.T @ resid / N + lam * w
        db = resid.mean(keepdims=True)
        opt.step({"w": dw, "b": db})
    return w, b, loss
