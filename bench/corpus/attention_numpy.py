"""Multi-head scaled dot-product attention in plain numpy, annotated with jaxtyping."""
import numpy as np
from jaxtyping import Float


def split_heads(t: Float[np.ndarray, "n seq dm"], n_heads: int):
    n, seq, dm = t.shape
    return t.reshape(n, seq, n_heads, dm // n_heads).transpose(0, 2, 1, 3)


def softmax_lastdim(s):
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def mha_forward(
    x: Float[np.ndarray, "n seq dm"],
    w_q: Float[np.ndarray, "dm dm"],
    w_k: Float[np.ndarray, "dm dm"],
    w_v: Float[np.ndarray, "dm dm"],
    w_o: Float[np.ndarray, "dm dm"],
    n_heads: int,
):
    n, seq, dm = x.shape
    q = split_heads(x @ w_q, n_heads)
    k = split_heads(x @ w_k, n_heads)
    v = split_heads(x @ w_v, n_heads)
    scale = 1.0 / np.sqrt(q.shape[-1])
    scores = q @ k.transpose(0, 1, 3, 2) * scale
    probs = softmax_lastdim(scores)
    ctx = probs @ v
    merged = ctx.transpose(0, 2, 1, 3).reshape(n, seq, dm)
    out = merged @ w_o
    return out, probs


def attention_backward(
    dctx: Float[np.ndarray, "b t e_v"],
    q: Float[np.ndarray, "b t e_k"],
    k: Float[np.ndarray, "b s e_k"],
    v: Float[np.ndarray, "b s e_v"],
    probs: Float[np.ndarray, "b t s"],
):
    scale = 1.0 / np.sqrt(q.shape[-1])
    dprobs = dctx @ v.transpose(0, 2, 1)
    dv = probs.transpose(0, 2, 1) @ dctx
    row_dot = (dprobs * probs).sum(axis=-1, keepdims=True)
    dscores = probs * (dprobs - row_dot)
    dscores = dscores * scale
    dq = dscores @ k
    dk = dscores.transpose(0, 2, 1) @ q
    return dq, dk, dv


def positional_bias(seq_len: int, n_heads: int):
    slopes = 2.0 ** (-np.arange(1, n_heads + 1))
    dist = np.arange(seq_len)[None, :] - np.arange(seq_len)[:, None]
    bias = slopes[:, None, None] * -np.abs(dist)[None, :, :]
    return bias
