"""Masked attention in numpy, written with np.einsum."""
import numpy as np


def masked_multihead_attention(x, Wqkv, Wo, n_head, key_padding_mask):
    """
    Causal multi-head self-attention with a key padding mask.

    Inputs:
    - x: input sequence batch, of shape (B, T, E)
    - Wqkv: packed query/key/value projection, of shape (E, 3*E)
    - Wo: output projection, of shape (E, E)
    - n_head: number of heads; E must be divisible by it
    - key_padding_mask: True where a key is padding, of shape (B, T)

    Returns the attended sequence and the attention weights.
    """
    B, T, E = x.shape
    hs = E // n_head
    qkv = x @ Wqkv
    q, k, v = np.split(qkv, 3, axis=-1)
    q = q.reshape(B, T, n_head, hs).transpose(0, 2, 1, 3)
    k = k.reshape(B, T, n_head, hs).transpose(0, 2, 1, 3)
    v = v.reshape(B, T, n_head, hs).transpose(0, 2, 1, 3)

    scores = np.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(hs)
    causal = np.tril(np.ones((T, T), dtype=bool))
    allowed = causal[None, None, :, :] & ~key_padding_mask[:, None, None, :]
    scores = np.where(allowed, scores, -1e9)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)

    ctx = np.einsum("bhqk,bhkd->bhqd", weights, v)
    ctx = ctx.transpose(0, 2, 1, 3).reshape(B, T, E)
    out = ctx @ Wo
    return out, weights


def attention_pool(H, query, mask):
    """
    Pool a padded batch of sequences into one vector each.

    - H: hidden states, of shape (N, T, D)
    - query: learned query vector, of shape (D,)
    - mask: 1.0 for real steps and 0.0 for padding, of shape (N, T)
    """
    logits = np.einsum("ntd,d", H, query)
    logits = np.where(mask > 0, logits, -np.inf)
    alpha = np.exp(logits - logits.max(axis=1, keepdims=True))
    alpha /= alpha.sum(axis=1, keepdims=True)
    pooled = np.einsum("nt,ntd->nd", alpha, H)
    return pooled, alpha


def cross_attention_scores(queries, keys):
    """
    - queries: decoder states, of shape (Tq, D)
    - keys: encoder states, of shape (Tk, D)
    """
    raw = np.einsum("qd,kd", queries, keys)
    scaled = raw.T / np.sqrt(queries.shape[1])
    return scaled
