"""Computational-graph gates from the backpropagation lecture.

Every gate caches what it needs in forward() and turns the upstream gradient
`dout` into the gradients of its inputs in backward().  Try
`gradlens check examples/gates.py` or the "Check gradients" lens above a class.
"""
import numpy as np


# gradcheck: x=randn(3), y=randn(3)
class MultiplyGate:
    """z = x * y (elementwise)."""

    def forward(self, x, y):
        self.x = x
        self.y = y
        z = x * y
        return z

    def backward(self, dout):
        dx = dout * self.y   # the "swap" rule: each input gets the other one
        dy = dout * self.x
        return [dx, dy]


# gradcheck: x=randn(3), y=randn(3)
class AddGate:
    """z = x + y: distributes the upstream gradient unchanged."""

    def forward(self, x, y):
        z = x + y
        return z

    def backward(self, dout):
        dx = dout
        dy = dout
        return [dx, dy]


# gradcheck: x=randn(4), y=randn(4)
class MaxGate:
    """z = max(x, y) elementwise: routes the gradient to the larger input."""

    def forward(self, x, y):
        self.x = x
        self.y = y
        z = np.maximum(x, y)
        return z

    def backward(self, dout):
        x_wins = self.x >= self.y
        dx = dout * x_wins
        dy = dout * ~x_wins
        return [dx, dy]


class SigmoidGate:
    """s = 1 / (1 + exp(-x)), with the local gradient s * (1 - s)."""

    def forward(self, x):  # x: (n,)
        s = 1.0 / (1.0 + np.exp(-x))
        self.s = s
        return s

    def backward(self, dout):
        dx = dout * self.s * (1.0 - self.s)
        return dx


class TanhGate:
    """t = tanh(x), with the local gradient 1 - t**2."""

    def forward(self, x):  # x: (n,)
        t = np.tanh(x)
        self.t = t
        return t

    def backward(self, dout):
        dx = dout * (1.0 - self.t ** 2)
        return dx


# gradcheck: init(4, 3), x=randn(4)
class Linear:
    """y = W x + b for a single input vector, with parameters W and b."""

    def __init__(self, n_in, n_out):
        self.W = 0.1 * np.random.randn(n_out, n_in)
        self.b = np.zeros(n_out)

    def forward(self, x):  # x: (n_in,)
        self.x = x
        y = self.W @ x + self.b
        return y

    def backward(self, dout):  # dout: (n_out,)
        self.dW = np.outer(dout, self.x)
        self.db = dout.copy()
        dx = self.W.T @ dout
        return dx


# gradcheck: x=-2.0, y=5.0, z=-4.0
def lecture_example(x, y, z):
    """f(x, y, z) = (x + y) * max(y, z), the circuit drawn in the lecture."""
    return (x + y) * max(y, z)


def tanh_score(x, W, b, u):
    """Score of a one-layer tanh unit: s = u . tanh(W x + b).

    - x: input vector, of shape (m,)
    - W: weights, of shape (n, m)
    - b: biases, of shape (n,)
    - u: read-out weights, of shape (n,)
    """
    z = W @ x + b
    h = np.tanh(z)
    s = u @ h
    return s
