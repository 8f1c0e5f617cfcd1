"""Layer normalisation, once as a gate object and once as annotated functions."""
import numpy as np
from jaxtyping import Float

Array = np.ndarray


class LayerNorm:
    def __init__(self, dim, eps=1e-5):
        self.gamma = np.ones(dim)
        self.beta = np.zeros(dim)
        self.eps = eps

    def forward(self, x):  # x: (N, dim)
        self.mu = x.mean(axis=1, keepdims=True)
        self.var = x.var(axis=1, keepdims=True)
        self.rstd = 1.0 / np.sqrt(self.var + self.eps)
        self.xhat = (x - self.mu) * self.rstd
        y = self.gamma * self.xhat + self.beta
        return y

    def backward(self, dy):  # dy: (N, dim)
        d = dy.shape[1]
        self.dgamma = (dy * self.xhat).sum(axis=0)
        self.dbeta = dy.sum(axis=0)
        g = dy * self.gamma
        mean_g = g.mean(axis=1, keepdims=True)
        mean_gx = (g * self.xhat).mean(axis=1, keepdims=True)
        dx = self.rstd * (g - mean_g - self.xhat * mean_gx)
        return dx


def layernorm_fwd(
    x: Float[Array, "batch seq feat"],
    weight: Float[Array, "feat"],
    bias: Float[Array, "feat"],
    eps: float = 1e-5,
):
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(variance + eps)
    normed = centred * rstd
    y = normed * weight + bias
    return y, (normed, rstd, weight)


def layernorm_bwd(
    dy: Float[Array, "batch seq feat"],
    normed: Float[Array, "batch seq feat"],
    rstd: Float[Array, "batch seq 1"],
    weight: Float[Array, "feat"],
):
    feat = dy.shape[-1]
    dweight = (dy * normed).sum(axis=(0, 1))
    dbias = dy.sum(axis=(0, 1))
    dnormed = dy * weight
    proj = (dnormed * normed).sum(axis=-1, keepdims=True)
    dx = rstd * (dnormed - dnormed.mean(axis=-1, keepdims=True) - normed * proj / feat)
    return dx, dweight, dbias
