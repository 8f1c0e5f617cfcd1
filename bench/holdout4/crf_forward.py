"""Linear-chain CRF: forward algorithm, gold-path score, NLL and Viterbi in numpy."""
import numpy as np


def crf_log_partition(emissions, transitions, start, end):
    """
    Forward algorithm (log-sum-exp over the previous tag), batched over sequences.

    Inputs:
    - emissions: Per-step tag scores, of shape (T, N, K)
    - transitions: Score of moving from tag i to tag j, of shape (K, K)
    - start: Scores of starting in each tag, of shape (K,)
    - end: Scores of ending in each tag, of shape (K,)

    Returns:
    - log_Z: Log partition function of each sequence, of shape (N,)
    """
    T, N, K = emissions.shape
    alpha = start[None, :] + emissions[0]
    for t in range(1, T):
        scores = alpha[:, :, None] + transitions[None, :, :] + emissions[t][:, None, :]
        m = scores.max(axis=1, keepdims=True)
        alpha = np.log(np.exp(scores - m).sum(axis=1)) + m[:, 0, :]
    final = alpha + end
    m_final = final.max(axis=1)
    log_Z = m_final + np.log(np.exp(final - m_final[:, None]).sum(axis=1))
    return log_Z


def crf_gold_score(emissions, tags, transitions, start, end):
    """
    Inputs:
    - emissions: Per-step tag scores, of shape (T, N, K)
    - tags: Gold tag indices, of shape (T, N)
    - transitions: Transition scores, of shape (K, K)
    - start: Start scores, of shape (K,)
    - end: End scores, of shape (K,)
    """
    T, N, K = emissions.shape
    batch = np.arange(N)
    score = start[tags[0]] + emissions[0, batch, tags[0]]
    for t in range(1, T):
        score = score + transitions[tags[t - 1], tags[t]] + emissions[t, batch, tags[t]]
    score += end[tags[-1]]
    return score


def crf_nll(emissions, tags, transitions, start, end):
    """
    Inputs:
    - emissions: Per-step tag scores, of shape (T, N, K)
    - tags: Gold tag indices, of shape (T, N)
    - transitions: Transition scores, of shape (K, K)
    - start: Start scores, of shape (K,)
    - end: End scores, of shape (K,)
    """
    log_Z = crf_log_partition(emissions, transitions, start, end)
    gold = crf_gold_score(emissions, tags, transitions, start, end)
    nll = np.mean(log_Z - gold)
    return nll


def crf_viterbi(emissions, transitions):
    """
    Inputs:
    - emissions: Per-step tag scores, of shape (T, N, K)
    - transitions: Transition scores, of shape (K, K)
    """
    T, N, K = emissions.shape
    delta = emissions[0]
    backptr = np.zeros((T, N, K), dtype=np.int64)
    for t in range(1, T):
        cand = delta[:, :, None] + transitions[None]
        backptr[t] = cand.argmax(axis=1)
        delta = cand.max(axis=1) + emissions[t]
    best = np.zeros((T, N), dtype=np.int64)
    best[-1] = delta.argmax(axis=1)
    rows = np.arange(N)
    for t in range(T - 1, 0, -1):
        best[t - 1] = backptr[t, rows, best[t]]
    return best
