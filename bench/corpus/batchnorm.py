"""Batch normalisation for fully connected layers: forward, a staged backward and a compact one."""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Normalise each feature over the minibatch.

    Args:
        x (ndarray): activations of shape (N, D)
        gamma (ndarray): learned scale of shape (D,)
        beta (ndarray): learned shift of shape (D,)
        bn_param (dict): settings and running statistics:
            mode: 'train' or 'test'
            running_mean: shape (D,)
            running_var: shape (D,)
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    running_mean = bn_param["running_mean"]
    running_var = bn_param["running_var"]

    if mode == "train":
        mu = x.mean(axis=0)
        xmu = x - mu
        sq = xmu ** 2
        var = sq.mean(axis=0)
        std = np.sqrt(var + eps)
        inv_std = 1.0 / std
        xhat = xmu * inv_std
        out = gamma * xhat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        cache = (xhat, gamma, xmu, inv_std, std, var, eps)
    elif mode == "test":
        xhat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * xhat + beta
        cache = None
    else:
        raise ValueError("unknown batchnorm mode %r" % mode)

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass through the staged computation graph.

    Args:
        dout (ndarray): upstream gradient of shape (N, D)
        cache (tuple): values saved by batchnorm_forward in train mode:
            xhat: normalised input, shape (N, D)
            gamma: scale, shape (D,)
            xmu: centred input, shape (N, D)
            inv_std: shape (D,)
            std: shape (D,)
            var: shape (D,)
    """
    xhat, gamma, xmu, inv_std, std, var, eps = cache
    N, D = dout.shape
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dinv_std = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * inv_std
    dstd = -dinv_std / std ** 2
    dvar = 0.5 * dstd / std
    dsq = np.ones((N, D)) * dvar / N
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -np.sum(dx1, axis=0)
    dx2 = np.ones((N, D)) * dmu / N
    dx = dx1 + dx2
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """The same gradients from the simplified closed form.

    Args:
        dout (ndarray): upstream gradient of shape (N, D)
        cache (tuple): as for batchnorm_backward:
            xhat: shape (N, D)
            gamma: shape (D,)
            inv_std: shape (D,)
    """
    xhat, gamma, _, inv_std, _, _, _ = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = inv_std / N * (N * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    return dx, dgamma, dbeta
