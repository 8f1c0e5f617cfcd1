"""Word embeddings and a vanilla RNN step."""
import numpy as np


# gradcheck: init(7, 3), idx=randint(0, 7, (4, 5))
class Embedding:
    def __init__(self, vocab, dim):
        rng = np.random.default_rng(0)
        self.W = rng.standard_normal((vocab, dim))

    def forward(self, idx):
        self.idx = idx
        return self.W[idx]

    def backward(self, dout):
        self.dW = np.zeros_like(self.W)
        np.add.at(self.dW, self.idx, dout)
        return None


# gradcheck: init(8, 2), idx=randint(0, 8, (3, 4))
class EmbeddingLoop:
    def __init__(self, vocab, dim):
        rng = np.random.default_rng(1)
        self.W = rng.standard_normal((vocab, dim))

    def forward(self, idx):
        self.idx = idx
        return self.W[idx]

    def backward(self, dout):
        flat_idx = self.idx.reshape(-1)
        flat_dout = dout.reshape(-1, self.W.shape[1])
        self.grad_W = np.zeros_like(self.W)
        for i in range(len(flat_idx) - 1):
            self.grad_W[flat_idx[i]] += flat_dout[i]
        return None


# gradcheck: x=randn(3, 4), prev_h=randn(3, 5), Wx=randn(4, 5), Wh=randn(5, 5), b=randn(5)
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """
    - x: Input data for this timestep, of shape (N, D).
    - prev_h: Hidden state from previous timestep, of shape (N, H)
    - Wx: Weight matrix for input-to-hidden connections, of shape (D, H)
    - Wh: Weight matrix for hidden-to-hidden connections, of shape (H, H)
    - b: Biases of shape (H,)
    """
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db


# gradcheck: init(3, 4), x=randn(2, 3), h=randn(2, 4)
class RNNCell:
    def __init__(self, input_size, hidden_size):
        rng = np.random.default_rng(2)
        self.Wx = 0.5 * rng.standard_normal((input_size, hidden_size))
        self.Wh = 0.5 * rng.standard_normal((hidden_size, hidden_size))
        self.b = 0.1 * rng.standard_normal(hidden_size)

    def forward(self, x, h):
        self.x, self.h = x, h
        self.out = np.tanh(x @ self.Wx + h @ self.Wh + self.b)
        return self.out

    def backward(self, dout):
        dz = dout * (1.0 - self.out ** 2)
        self.Wx_grad = self.x.T @ dz
        self.Wh_grad = dz.T @ self.h          # should be self.h.T @ dz
        self.b_grad = dz.sum(axis=0)
        dx = dz @ self.Wx.T
        dh = dz @ self.Wh.T
        return dx, dh
