"""A two-layer fully connected classifier, written the way the numpy course does it.

The network is  input -> affine -> ReLU -> affine -> softmax.  Shapes follow
the usual letters: N examples of dimension D, H hidden units, C classes.
Hover over any variable to see its inferred shape.
"""
import numpy as np


def two_layer_forward(X, W1, b1, W2, b2):
    """
    Forward pass of the two-layer net, returning the class scores.

    Inputs:
    - X: Input data, of shape (N, D)
    - W1: First layer weights, of shape (D, H)
    - b1: First layer biases, of shape (H,)
    - W2: Second layer weights, of shape (H, C)
    - b2: Second layer biases, of shape (C,)

    Returns:
    - scores: Class scores, of shape (N, C)
    """
    z1 = X @ W1 + b1
    h1 = np.maximum(0, z1)
    scores = h1 @ W2 + b2
    return scores


def affine_forward(x, w, b):
    """
    Computes the forward pass for a fully connected (affine) layer.

    Inputs:
    - x: A numpy array containing input data, of shape (N, D)
    - w: A numpy array of weights, of shape (D, M)
    - b: A numpy array of biases, of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w, b)
    """
    out = x @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """
    Computes the backward pass for an affine layer.

    Inputs:
    - dout: Upstream derivative, of shape (N, M)
    - cache: Tuple of:
      - x: Input data, of shape (N, D)
      - w: Weights, of shape (D, M)
      - b: Biases, of shape (M,)

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, D)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    dx = dout @ w.T
    dw = x.T @ dout
    db = np.sum(dout, axis=0)
    return dx, dw, db


# gradcheck: x=randn(4, 5)
def relu_forward(x):
    """
    Computes the forward pass for a layer of rectified linear units (ReLUs).

    Input:
    - x: Inputs, of any shape

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: x
    """
    out = np.maximum(0, x)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """
    Computes the backward pass for a layer of rectified linear units (ReLUs).

    Input:
    - dout: Upstream derivatives, of any shape
    - cache: Input x, of same shape as dout

    Returns:
    - dx: Gradient with respect to x
    """
    x = cache
    dx = dout * (x > 0)
    return dx


# gradcheck: x=randn(5, 4), y=randint(0, 4, 5)
def softmax_loss(x, y):
    """
    Computes the loss and gradient for softmax classification.

    Inputs:
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth
      class for the ith input.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and
      0 <= y[i] < C

    Returns a tuple of:
    - loss: Scalar giving the loss
    - dx: Gradient of the loss with respect to x
    """
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    exp_scores = np.exp(shifted)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


class TwoLayerNet:
    """
    A two-layer fully-connected neural network with ReLU nonlinearity and
    softmax loss.  The parameters live in attributes W1, b1, W2, b2 and their
    gradients, after loss(), in the dictionary self.grads.
    """

    def __init__(self, D=3 * 32 * 32, H=100, C=10, weight_scale=1e-3, reg=0.0):
        """
        Inputs:
        - D: An integer giving the size of the input
        - H: An integer giving the size of the hidden layer
        - C: An integer giving the number of classes to classify
        - weight_scale: Standard deviation of the random weight initialization
        - reg: L2 regularization strength
        """
        self.reg = reg
        self.W1 = weight_scale * np.random.randn(D, H)
        self.b1 = np.zeros(H)
        self.W2 = weight_scale * np.random.randn(H, C)
        self.b2 = np.zeros(C)
        self.grads = {}

    def loss(self, X, y=None):
        """
        Compute loss and gradient for a minibatch of data.

        Inputs:
        - X: Array of input data of shape (N, D)
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, the scores, of shape (N, C).  Otherwise a scalar loss,
        with the gradients of the parameters stored in self.grads.
        """
        W1, b1 = self.W1, self.b1
        W2, b2 = self.W2, self.b2

        z1 = X @ W1 + b1
        h1, relu_cache = relu_forward(z1)
        scores = h1 @ W2 + b2
        if y is None:
            return scores

        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        dh1 = dscores @ W2.T
        dz1 = relu_backward(dh1, relu_cache)
        self.grads['W2'] = h1.T @ dscores + self.reg * W2
        self.grads['b2'] = np.sum(dscores, axis=0)
        self.grads['W1'] = X.T @ dz1 + self.reg * W1
        self.grads['b1'] = np.sum(dz1, axis=0)
        return loss
