"""Additive (Bahdanau) attention for an encoder-decoder, with its backward pass.

    e_bj = v . tanh(W_q s_b + W_k h_bj),   a_b = softmax_j(e_bj),   c_b = sum_j a_bj h_bj
"""
import numpy as np
from jaxtyping import Bool, Float


def additive_attention(
    query: Float[np.ndarray, "batch d_dec"],
    keys: Float[np.ndarray, "batch src d_enc"],
    W_q: Float[np.ndarray, "d_dec d_att"],
    W_k: Float[np.ndarray, "d_enc d_att"],
    v: Float[np.ndarray, "d_att"],
    src_mask: Bool[np.ndarray, "batch src"] = None,
):
    q_proj = query @ W_q
    k_proj = keys @ W_k
    feats = np.tanh(q_proj[:, None, :] + k_proj)
    scores = feats @ v
    if src_mask is not None:
        scores = np.where(src_mask, scores, -1e9)
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=1, keepdims=True)
    context = np.einsum("bs,bse->be", weights, keys)
    return context, weights, feats


def additive_attention_backward(
    dcontext: Float[np.ndarray, "batch d_enc"],
    weights: Float[np.ndarray, "batch src"],
    feats: Float[np.ndarray, "batch src d_att"],
    query: Float[np.ndarray, "batch d_dec"],
    keys: Float[np.ndarray, "batch src d_enc"],
    W_q: Float[np.ndarray, "d_dec d_att"],
    W_k: Float[np.ndarray, "d_enc d_att"],
    v: Float[np.ndarray, "d_att"],
):
    # context = sum_j a_j h_j
    dweights = np.einsum("be,bse->bs", dcontext, keys)
    dkeys = weights[:, :, None] * dcontext[:, None, :]
    # softmax over the source positions
    dscores = weights * (dweights - np.sum(dweights * weights, axis=1, keepdims=True))
    # scores = feats @ v (implicit einsum output: the letters used once, sorted)
    dv = np.einsum("bs,bsa", dscores, feats)
    dfeats = dscores[:, :, None] * v
    dpre = dfeats * (1.0 - feats ** 2)
    dq_proj = dpre.sum(axis=1)
    dW_q = query.T @ dq_proj
    dquery = dq_proj @ W_q.T
    dW_k = np.einsum("bse,bsa->ea", keys, dpre)
    dkeys += dpre @ W_k.T
    return dquery, dkeys, dW_q, dW_k, dv


def decode_step(
    s_prev: Float[np.ndarray, "batch d_dec"],
    y_prev: Float[np.ndarray, "batch d_emb"],
    enc: Float[np.ndarray, "batch src d_enc"],
    W_q: Float[np.ndarray, "d_dec d_att"],
    W_k: Float[np.ndarray, "d_enc d_att"],
    v: Float[np.ndarray, "d_att"],
    U_y: Float[np.ndarray, "d_emb d_dec"],
    U_c: Float[np.ndarray, "d_enc d_dec"],
    R: Float[np.ndarray, "d_dec d_dec"],
):
    """One decoder step: s = tanh(y_prev U_y + c U_c + s_prev R)."""
    context, weights, feats = additive_attention(s_prev, enc, W_q, W_k, v)
    s = np.tanh(y_prev @ U_y + context @ U_c + s_prev @ R)
    att_entropy = -np.sum(weights * np.log(weights + 1e-12), axis=1)
    return s, weights, att_entropy
