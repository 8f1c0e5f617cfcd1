"""Denoising autoencoder with tied weights (decoder uses W.T), masking noise,
and a cross-entropy reconstruction loss, trained with plain SGD."""
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class TiedDenoisingAutoencoder:
    def __init__(self, n_visible, n_hidden, corruption=0.3, seed=0):
        self.rng = np.random.RandomState(seed)
        bound = 4.0 * (6.0 / (n_hidden + n_visible)) ** 0.5
        self.W = self.rng.uniform(-bound, bound, size=(n_visible, n_hidden))
        self.b_hid = np.zeros(n_hidden)
        self.b_vis = np.zeros(n_visible)
        self.corruption = corruption

    def corrupt(self, x):  # x: (N, n_visible)
        keep = self.rng.binomial(1, 1.0 - self.corruption, size=x.shape)
        return x * keep

    def encode(self, x):  # x: (N, n_visible)
        h = sigmoid(x @ self.W + self.b_hid)
        return h

    def decode(self, h):  # h: (N, n_hidden)
        z = sigmoid(h @ self.W.T + self.b_vis)
        return z

    def loss_and_grads(self, x, eps=1e-10):  # x: (N, n_visible)
        N = x.shape[0]
        x_tilde = self.corrupt(x)
        h = self.encode(x_tilde)
        z = self.decode(h)
        loss = -np.sum(x * np.log(z + eps) + (1.0 - x) * np.log(1.0 - z + eps)) / N
        # sigmoid + cross-entropy: the gradient at the decoder pre-activation is z - x
        dz_pre = (z - x) / N
        dh = dz_pre @ self.W
        dh_pre = dh * h * (1.0 - h)
        # W is used twice: once by the encoder, once (transposed) by the decoder
        dW_enc = x_tilde.T @ dh_pre
        dW_dec = (h.T @ dz_pre).T
        dW = dW_enc + dW_dec
        db_hid = dh_pre.sum(axis=0)
        db_vis = dz_pre.sum(axis=0)
        return loss, dW, db_hid, db_vis

    def sgd_step(self, x, lr=0.1):  # x: (N, n_visible)
        loss, dW, db_hid, db_vis = self.loss_and_grads(x)
        self.W -= lr * dW
        self.b_hid -= lr * db_hid
        self.b_vis -= lr * db_vis
        return loss

    def reconstruction_error(self, x):  # x: (N, n_visible)
        z = self.decode(self.encode(x))
        per_example = np.mean((z - x) ** 2, axis=1)
        worst = np.argsort(per_example)[::-1]
        return per_example, worst
