"""A two-layer fully connected classifier with a softmax loss.

The network has the architecture affine - relu - affine - softmax. Learnable
parameters live in the dict self.params, built in __init__ from the sizes given
to the constructor, the way course assignments lay it out.
"""
import numpy as np


def softmax_rows(scores):
    """Row-wise softmax.

    - scores: class scores, of shape (N, C)
    """
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    return exp_scores / np.sum(exp_scores, axis=1, keepdims=True)


class TwoLayerNet:
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        self.params = {}
        self.reg = reg
        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)

    def loss(self, X, y=None):
        """
        Compute loss and gradient for a minibatch of data.

        Inputs:
        - X: Array of input data of shape (N, D)
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, run a test-time forward pass and return the scores.
        Otherwise return a tuple of the loss and a dict of gradients.
        """
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N = X.shape[0]

        hidden_pre = X.dot(W1) + b1
        hidden = np.maximum(0, hidden_pre)
        scores = hidden.dot(W2) + b2
        if y is None:
            return scores

        probs = softmax_rows(scores)
        correct_logprobs = -np.log(probs[np.arange(N), y])
        data_loss = np.sum(correct_logprobs) / N
        reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        loss = data_loss + reg_loss

        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads["W2"] = hidden.T.dot(dscores) + self.reg * W2
        grads["b2"] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        dhidden[hidden_pre <= 0] = 0
        grads["W1"] = X.T.dot(dhidden) + self.reg * W1
        grads["b1"] = np.sum(dhidden, axis=0)
        return loss, grads

    def class_probs(self, X):
        """
        - X: Array of input data of shape (N, D)
        """
        hidden = np.maximum(0, X @ self.params["W1"] + self.params["b1"])
        probs = softmax_rows(hidden @ self.params["W2"] + self.params["b2"])
        return probs

    def predict(self, X):
        """
        - X: Array of input data of shape (N, D)
        """
        probs = self.class_probs(X)
        y_pred = np.argmax(probs, axis=1)
        confidence = probs[np.arange(X.shape[0]), y_pred]
        return y_pred, confidence
