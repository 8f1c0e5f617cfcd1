"""Beam search over a toy bag-of-embeddings decoder: score every (hypothesis,
token) extension, keep the K best, and reorder the token history."""
import numpy as np


def log_softmax(x):
    return x - x.max(axis=-1, keepdims=True) - np.log(np.exp(x - x.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True))


def beam_search_step(beam_scores, logits, finished, eos_id, step, length_penalty=0.6):
    """
    Expands K live hypotheses by one token and keeps the K best.

    Inputs:
    - beam_scores: Summed log-probabilities of the hypotheses, of shape (K,)
    - logits: Next-token logits of each hypothesis, of shape (K, V)
    - finished: Whether each hypothesis already ended with EOS, of shape (K,)
    - eos_id: Index of the end-of-sequence token
    - step: Number of tokens generated so far (for the length penalty)

    Returns a tuple of:
    - new_scores: of shape (K,)
    - parent: Which hypothesis each survivor extends, of shape (K,)
    - token: The token each survivor appended, of shape (K,)
    - new_finished: of shape (K,)
    """
    K, V = logits.shape
    logp = log_softmax(logits)
    # a finished hypothesis can only be extended by EOS, at no cost
    logp[finished] = -np.inf
    logp[finished, eos_id] = 0.0
    cand = beam_scores[:, None] + logp
    penalty = ((5.0 + step) / 6.0) ** length_penalty
    flat = cand.reshape(-1) / penalty
    order = np.argsort(-flat, kind="stable")
    top = order[:K]
    parent = top // V
    token = top % V
    new_scores = cand[parent, token]
    new_finished = finished[parent] | (token == eos_id)
    return new_scores, parent, token, new_finished


def toy_decoder_logits(history, E, W_out):
    """
    - history: Token ids generated so far, of shape (K, L)
    - E: Token embeddings, of shape (V, d)
    - W_out: Output projection, of shape (d, V)
    """
    ctx = E[history].mean(axis=1)
    logits = np.tanh(ctx) @ W_out
    return logits


def beam_decode(E, W_out, K, max_len, bos_id=1, eos_id=0):
    """
    - E: Token embeddings, of shape (V, d)
    - W_out: Output projection, of shape (d, V)
    - K: Beam width
    - max_len: Length of the decoded sequences, BOS included
    """
    tokens = np.zeros((K, max_len), dtype=np.int64)
    tokens[:, 0] = bos_id
    scores = np.full(K, -np.inf)
    scores[0] = 0.0
    finished = np.zeros(K, dtype=bool)
    for step in range(1, max_len):
        logits = toy_decoder_logits(tokens[:, :step], E, W_out)
        scores, parent, token, finished = beam_search_step(scores, logits, finished, eos_id, step)
        tokens = tokens[parent]
        tokens[:, step] = token
        if finished.all():
            break
    best = int(np.argmax(scores))
    return tokens[best], scores[best]
