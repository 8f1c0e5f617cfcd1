"""Assorted layers: a maxout unit, a softplus gate and a vectorised
multiclass SVM (hinge) loss."""
import numpy as np


class Maxout:
    """Maxout unit: k affine pieces for each output, keep the largest one."""

    def __init__(self, n_in, n_out, k=3):
        self.k = k
        self.n_out = n_out
        self.W = 0.01 * np.random.randn(n_in, n_out * k)
        self.b = np.zeros(n_out * k)

    def forward(self, x):  # x: (N, n_in)
        N = x.shape[0]
        z = x @ self.W + self.b
        pieces = z.reshape(N, self.n_out, self.k)
        self.arg = np.argmax(pieces, axis=2)
        self.x = x
        out = np.max(pieces, axis=2)
        return out

    def backward(self, dout):  # dout: (N, n_out)
        N = dout.shape[0]
        dpieces = np.zeros((N, self.n_out, self.k))
        n_idx, o_idx = np.meshgrid(np.arange(N), np.arange(self.n_out), indexing="ij")
        dpieces[n_idx, o_idx, self.arg] = dout
        dz = dpieces.reshape(N, self.n_out * self.k)
        self.dW = self.x.T @ dz
        self.db = dz.sum(axis=0)
        dx = dz @ self.W.T
        return dx


class Softplus:
    """softplus(x) = log(1 + exp(x)), computed without overflow."""

    def forward(self, x):  # x: (N, D)
        self.x = x
        out = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
        return out

    def backward(self, dout):  # dout: (N, D)
        sig = 1.0 / (1.0 + np.exp(-self.x))
        dx = dout * sig
        return dx


def svm_loss_vectorized(W, X, y, reg):
    """
    Structured SVM loss function, vectorized implementation.

    Inputs have dimension D, there are C classes, and we operate on minibatches
    of N examples.

    Inputs:
    - W: A numpy array of shape (D, C) containing weights.
    - X: A numpy array of shape (N, D) containing a minibatch of data.
    - y: A numpy array of shape (N,) containing training labels; y[i] = c means
      that X[i] has label c, where 0 <= c < C.
    - reg: (float) regularization strength

    Returns a tuple of:
    - loss as single float
    - gradient with respect to weights W; an array of same shape as W
    """
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y]
    margins = np.maximum(0, scores - correct_class_scores[:, np.newaxis] + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    loss += reg * np.sum(W * W)

    binary = (margins > 0).astype(X.dtype)
    row_sum = np.sum(binary, axis=1)
    binary[np.arange(num_train), y] = -row_sum
    dW = X.T.dot(binary) / num_train
    dW += 2 * reg * W
    return loss, dW
