"""Batch norm, layer norm and L2 normalisation with hand-written backward passes."""
import numpy as np


# gradcheck: x=randn(6, 4), gamma=randn(4), beta=randn(4)
def batchnorm_forward(x, gamma, beta):
    """
    - x: Data of shape (N, D)
    - gamma: Scale parameter of shape (D,)
    - beta: Shift parameter of shape (D,)
    """
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc ** 2).mean(axis=0)
    std = np.sqrt(var + 1e-5)
    xhat = xc / std
    out = gamma * xhat + beta
    cache = (xhat, xc, std, gamma)
    return out, cache


def batchnorm_backward(dout, cache):
    xhat, xc, std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dstd = -(dxhat * xc).sum(axis=0) / std ** 2
    dvar = 0.5 * dstd / std
    dxc = dxhat / std + 2.0 * xc * dvar / N
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / N
    return dx, dgamma, dbeta


# gradcheck: x=randn(5, 3), gamma=randn(3), beta=randn(3)
def batchnorm_fast_forward(x, gamma, beta):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    inv_std = 1.0 / np.sqrt(var + 1e-5)
    xhat = (x - mu) * inv_std
    return gamma * xhat + beta, (xhat, inv_std, gamma)


def batchnorm_fast_backward(dout, cache):
    xhat, inv_std, gamma = cache
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    # the xhat * mean(dxhat * xhat) term was dropped
    dx = inv_std * (dxhat - dxhat.mean(axis=0))
    return dx, dgamma, dbeta


# gradcheck: init(5), x=randn(3, 5)
class LayerNorm:
    def __init__(self, dim):
        self.gamma = np.ones(dim) + 0.1 * np.arange(dim)
        self.beta = np.zeros(dim) - 0.05 * np.arange(dim)
        self.grads = {}

    def forward(self, x):
        mu = x.mean(axis=1, keepdims=True)
        var = x.var(axis=1, keepdims=True)
        self.inv = 1.0 / np.sqrt(var + 1e-5)
        self.xhat = (x - mu) * self.inv
        return self.xhat * self.gamma + self.beta

    def backward(self, dout):
        D = dout.shape[1]
        self.grads["beta"] = dout.sum(axis=0)
        self.grads["gamma"] = np.zeros_like(self.gamma)   # TODO
        g = dout * self.gamma
        dx = (self.inv / D) * (D * g - g.sum(axis=1, keepdims=True)
                               - self.xhat * (g * self.xhat).sum(axis=1, keepdims=True))
        return dx


# gradcheck: x=randn(4, 6)
def l2_normalize_forward(x):
    norm = np.sqrt(np.sum(x * x, axis=1, keepdims=True))
    y = x / norm
    return y, (y, norm)


def l2_normalize_backward(dout, cache):
    y, norm = cache
    dx = (dout - y * np.sum(dout * y, axis=1, keepdims=True)) / norm
    return dx
