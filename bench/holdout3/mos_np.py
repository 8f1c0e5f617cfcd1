import numpy as np


def mos_forward(h, W_prior, W_proj, W_out, b_out):
    """
    Mixture-of-softmaxes output layer (Yang et al., 2018).

    Inputs:
    - h: Final hidden states, of shape (N, D)
    - W_prior: Mixture prior weights, of shape (D, K)
    - W_proj: Per-component projections, of shape (K, D, D)
    - W_out: Shared output embedding, of shape (D, V)
    - b_out: Output bias, of shape (V,)

    Returns:
    - probs: Mixture probabilities over the vocabulary, of shape (N, V)
    """
    N, D = h.shape
    K = W_prior.shape[1]
    logits_pi = h @ W_prior
    logits_pi -= logits_pi.max(axis=1, keepdims=True)
    pi = np.exp(logits_pi)
    pi /= pi.sum(axis=1, keepdims=True)
    hk = np.tanh(np.einsum("nd,kde->nke", h, W_proj))
    flat = hk.reshape(N * K, D)
    scores = (flat @ W_out + b_out).reshape(N, K, -1)
    scores = scores - scores.max(axis=2, keepdims=True)
    e = np.exp(scores)
    probs_k = e / e.sum(axis=-1, keepdims=True)
    probs = np.sum(pi[:, :, None] * probs_k, axis=1)
    return probs


def mos_nll(h, y, W_prior, W_proj, W_out, b_out):
    """
    Mean negative log-likelihood of the mixture of softmaxes.

    Inputs:
    - h: Final hidden states, of shape (N, D)
    - y: Integer targets, of shape (N,)
    - W_prior: (D, K)
    - W_proj: (K, D, D)
    - W_out: (D, V)
    - b_out: (V,)
    """
    probs = mos_forward(h, W_prior, W_proj, W_out, b_out)
    N = h.shape[0]
    picked = probs[np.arange(N), y]
    log_p = np.log(picked + 1e-12)
    loss = -np.mean(log_p)
    top1 = np.argmax(probs, axis=1)
    acc = np.mean(top1 == y)
    return loss, acc
