"""Normalisation for convolutional feature maps: spatial batchnorm and group norm."""
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    """
    x: feature maps, shape (N, C, H, W)
    gamma: per-channel scale, shape (C,)
    beta: per-channel shift, shape (C,)
    """
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    mu = x_flat.mean(axis=0)
    var = x_flat.var(axis=0)
    xhat_flat = (x_flat - mu) / np.sqrt(var + eps)
    out_flat = gamma * xhat_flat + beta
    out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    xhat = xhat_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    cache = (xhat, gamma, var, eps)
    return out, cache


def spatial_batchnorm_backward(dout, xhat, gamma, var, eps=1e-5):
    """
    dout: shape (N, C, H, W)
    xhat: normalised input from the forward pass, shape (N, C, H, W)
    gamma: shape (C,)
    var: shape (C,)
    """
    N, C, H, W = dout.shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    xhat_flat = xhat.transpose(0, 2, 3, 1).reshape(-1, C)
    m = dout_flat.shape[0]
    dgamma = (dout_flat * xhat_flat).sum(axis=0)
    dbeta = dout_flat.sum(axis=0)
    dxhat = dout_flat * gamma
    inv = 1.0 / np.sqrt(var + eps)
    dx_flat = inv / m * (m * dxhat - dxhat.sum(axis=0) - xhat_flat * (dxhat * xhat_flat).sum(axis=0))
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, eps=1e-5):
    """
    x: feature maps, shape (N, C, H, W)
    gamma: shape (1, C, 1, 1)
    beta: shape (1, C, 1, 1)
    G: number of groups; must divide C
    """
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mean = xg.mean(axis=(2, 3, 4), keepdims=True)
    var = xg.var(axis=(2, 3, 4), keepdims=True)
    xg_hat = (xg - mean) / np.sqrt(var + eps)
    xhat = xg_hat.reshape(N, C, H, W)
    out = gamma * xhat + beta
    return out, (xhat, gamma, G)
