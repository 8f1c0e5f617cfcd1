"""Autoregressive decoding with a key/value cache, multi-head attention in numpy."""
import numpy as np


def decoder_step(x, k_cache, v_cache, Wq, Wk, Wv, Wo):
    """
    Attend from the newest token to every cached position plus itself.

    Inputs:
    - x: Embedding of the newest token of each sequence, of shape (B, C)
    - k_cache: Keys of the previous steps, of shape (B, nh, T, hs)
    - v_cache: Values of the previous steps, of shape (B, nh, T, hs)
    - Wq: Query projection, of shape (C, C)
    - Wk: Key projection, of shape (C, C)
    - Wv: Value projection, of shape (C, C)
    - Wo: Output projection, of shape (C, C)

    Returns a tuple of:
    - out: Output for the newest token
    - k_all: Keys including the newest step
    - v_all: Values including the newest step
    """
    B, nh, T, hs = k_cache.shape
    q = x @ Wq
    k = x @ Wk
    v = x @ Wv
    q = q.reshape(B, nh, 1, hs)
    k = k.reshape(B, nh, 1, hs)
    v = v.reshape(B, nh, 1, hs)

    k_all = np.concatenate([k_cache, k], axis=2)
    v_all = np.concatenate([v_cache, v], axis=2)

    att = q @ k_all.transpose(0, 1, 3, 2) / np.sqrt(hs)
    att = att - att.max(axis=-1, keepdims=True)
    att = np.exp(att)
    att /= att.sum(axis=-1, keepdims=True)

    y = att @ v_all
    y = y.reshape(B, nh * hs)
    out = y @ Wo
    return out, k_all, v_all


def greedy_decode(x0, Wq, Wk, Wv, Wo, n_steps, nh):
    """
    Inputs:
    - x0: Embedding of the first token, of shape (B, C)
    - Wq: Query projection, of shape (C, C)
    - Wk: Key projection, of shape (C, C)
    - Wv: Value projection, of shape (C, C)
    - Wo: Output projection, of shape (C, C)
    - n_steps: Number of steps to run
    - nh: Number of heads
    """
    B, C = x0.shape
    hs = C // nh
    k_cache = np.zeros((B, nh, 0, hs))
    v_cache = np.zeros((B, nh, 0, hs))
    x = x0
    outs = []
    for t in range(n_steps):
        x, k_cache, v_cache = decoder_step(x, k_cache, v_cache, Wq, Wk, Wv, Wo)
        outs.append(x)
    return np.stack(outs, axis=1), k_cache, v_cache
