"""Batch normalisation for (N, D) activations, its spatial version for
convolutional feature maps (transpose + reshape around the plain one), and a
group normalisation forward pass."""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """
    Training-time batch normalisation.

    Input:
    - x: Data of shape (N, D)
    - gamma: Scale parameter of shape (D,)
    - beta: Shift paremeter of shape (D,)
    - bn_param: Dictionary with the following keys:
      - eps: Constant for numeric stability

    Returns a tuple of:
    - out: normalised, scaled and shifted data
    - cache: what the backward pass needs
    """
    eps = bn_param.get("eps", 1e-5)
    sample_mean = x.mean(axis=0)
    sample_var = x.var(axis=0)
    std = np.sqrt(sample_var + eps)
    x_hat = (x - sample_mean) / std
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, std)
    return out, cache


def batchnorm_backward(dout, cache):
    """
    Backward pass for batch normalisation, simplified on paper first.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D)
    - cache: Variable of intermediates from batchnorm_forward:
      - x_hat: normalised input, of shape (N, D)
      - gamma: scale, of shape (D,)
      - std: per-feature standard deviation, of shape (D,)

    Returns a tuple of (dx, dgamma, dbeta).
    """
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (N * std)
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """
    Computes the forward pass for spatial batch normalization.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (C,)
    - beta: Shift parameter, of shape (C,)
    - bn_param: Dictionary of options, as for batchnorm_forward

    Returns a tuple of:
    - out: Output data
    - cache: Values needed for the backward pass
    """
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_flat, cache = batchnorm_forward(x_flat, gamma, beta, bn_param)
    out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """
    Computes the backward pass for spatial batch normalization.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H, W)
    - cache: Values from the forward pass
    """
    N, C, H, W = dout.shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(N * H * W, C)
    dx_flat, dgamma, dbeta = batchnorm_backward(dout_flat, cache)
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, eps=1e-5):
    """
    Computes the forward pass for spatial group normalization.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (1, C, 1, 1)
    - beta: Shift parameter, of shape (1, C, 1, 1)
    - G: Integer number of groups to split into, should be a divisor of C
    - eps: Constant for numeric stability
    """
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mean = xg.mean(axis=(2, 3, 4), keepdims=True)
    var = xg.var(axis=(2, 3, 4), keepdims=True)
    xg_hat = (xg - mean) / np.sqrt(var + eps)
    x_hat = xg_hat.reshape(N, C, H, W)
    out = gamma * x_hat + beta
    cache = (xg_hat, gamma, var, eps, G)
    return out, cache
