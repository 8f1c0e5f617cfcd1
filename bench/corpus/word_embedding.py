"""Word embeddings and the temporal layers of a captioning RNN."""
import numpy as np


def word_embedding_forward(x, W):
    """
    x: integer word ids, shape (N, T)
    W: embedding matrix, shape (V, D)
    """
    out = W[x]
    cache = (x, W.shape)
    return out, cache


def word_embedding_backward(dout, x, vocab_size):
    """
    dout: gradient of the embedded words, shape (N, T, D)
    x: the word ids that were looked up, shape (N, T)
    """
    dW = np.zeros((vocab_size, dout.shape[-1]))
    np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    """
    x: shape (N, T, D)
    w: shape (D, M)
    b: shape (M,)
    """
    N, T, D = x.shape
    M = b.shape[0]
    out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
    cache = x, w, b, out
    return out, cache


def temporal_affine_backward(dout, cache):
    """
    dout: shape (N, T, M)
    cache: (x, w, b, out) from the forward pass, where
        x: shape (N, T, D)
        w: shape (D, M)
    """
    x, w, b, out = cache
    N, T, D = x.shape
    M = w.shape[1]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = dout.reshape(N * T, M).T.dot(x.reshape(N * T, D)).T
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask):
    """
    x: scores over the vocabulary, shape (N, T, V)
    y: ground-truth word ids, shape (N, T)
    mask: which positions count towards the loss, shape (N, T)
    """
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    dx = dx_flat.reshape(N, T, V)
    return loss, dx
