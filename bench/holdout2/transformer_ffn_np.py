"""Position-wise feed-forward sublayer of a post-LN Transformer, in numpy.

    y = LayerNorm(x + relu(x W1 + b1) W2 + b2)

Forward and hand-written backward, plus a wrapper that applies the block to
every position of a (batch, time, model) tensor.
"""
import numpy as np


def ffn_block_forward(x, W1, b1, W2, b2, gamma, beta, eps=1e-5):
    """
    Forward pass of the feed-forward sublayer with residual and layer norm.

    Inputs:
    - x: Token representations, of shape (N, D)
    - W1: Expansion weights, of shape (D, F)
    - b1: Expansion biases, of shape (F,)
    - W2: Projection weights, of shape (F, D)
    - b2: Projection biases, of shape (D,)
    - gamma: LayerNorm scale, of shape (D,)
    - beta: LayerNorm shift, of shape (D,)
    - eps: Constant for numeric stability

    Returns a tuple of:
    - out: Normalised output, of shape (N, D)
    - cache: Values needed in the backward pass
    """
    h_pre = x @ W1 + b1
    h = np.maximum(h_pre, 0.0)
    f = h @ W2 + b2
    r = x + f
    mu = r.mean(axis=1, keepdims=True)
    var = r.var(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    r_hat = (r - mu) * inv_std
    out = gamma * r_hat + beta
    cache = (x, h_pre, h, W1, W2, r_hat, inv_std, gamma)
    return out, cache


def ffn_block_backward(dout, cache):
    """
    Backward pass of the feed-forward sublayer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D)
    - cache: Tuple of
      - x: Token representations, of shape (N, D)
      - h_pre: Hidden pre-activations, of shape (N, F)
      - h: Hidden activations, of shape (N, F)
      - W1: Expansion weights, of shape (D, F)
      - W2: Projection weights, of shape (F, D)
      - r_hat: Normalised residual sum, of shape (N, D)
      - inv_std: Inverse standard deviation per token, of shape (N, 1)
      - gamma: LayerNorm scale, of shape (D,)

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, D)
    - dW1, db1, dW2, db2, dgamma, dbeta: Gradients of the parameters
    """
    x, h_pre, h, W1, W2, r_hat, inv_std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * r_hat, axis=0)
    dr_hat = dout * gamma
    # layer norm: project out the mean and the component along r_hat
    dr = inv_std * (
        dr_hat
        - dr_hat.mean(axis=1, keepdims=True)
        - r_hat * np.mean(dr_hat * r_hat, axis=1, keepdims=True)
    )
    dx = dr.copy()
    dW2 = h.T @ dr
    db2 = dr.sum(axis=0)
    dh = dr @ W2.T
    dh_pre = dh * (h_pre > 0)
    dW1 = x.T @ dh_pre
    db1 = np.sum(dh_pre, axis=0)
    dx += dh_pre @ W1.T
    return dx, dW1, db1, dW2, db2, dgamma, dbeta


def ffn_sublayer(x, W1, b1, W2, b2, gamma, beta):
    """
    Applies the block independently at every position of a batch of sequences.

    - x: Activations, of shape (B, T, D)
    - W1: of shape (D, F)
    - b1: of shape (F,)
    - W2: of shape (F, D)
    - b2: of shape (D,)
    - gamma: of shape (D,)
    - beta: of shape (D,)
    """
    B, T, D = x.shape
    flat = x.reshape(B * T, D)
    y, cache = ffn_block_forward(flat, W1, b1, W2, b2, gamma, beta)
    out = y.reshape(B, T, D)
    return out, cache


def ffn_sublayer_backward(dout, cache):
    """
    - dout: Upstream derivatives, of shape (B, T, D)
    """
    B, T, D = dout.shape
    grads = ffn_block_backward(dout.reshape(-1, D), cache)
    dx = grads[0].reshape(B, T, D)
    return (dx,) + tuple(grads[1:])
