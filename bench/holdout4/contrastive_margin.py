"""Contrastive (siamese) margin loss with gradients, and a cosine triplet loss (numpy)."""
import numpy as np


def contrastive_margin_loss(a, b, same, margin=1.0):
    """
    Hadsell-style contrastive loss on pairs of embeddings.

    Inputs:
    - a: Embeddings of the first items, of shape (N, D)
    - b: Embeddings of the second items, of shape (N, D)
    - same: 1.0 where the pair is a match and 0.0 otherwise, of shape (N,)
    - margin: Distance beyond which non-matching pairs cost nothing

    Returns a tuple of:
    - loss: Scalar loss
    - grads: Tuple (da, db)
    """
    N = a.shape[0]
    diff = a - b
    dist = np.sqrt(np.sum(diff ** 2, axis=1) + 1e-12)
    gap = np.maximum(0.0, margin - dist)
    losses = same * dist ** 2 + (1.0 - same) * gap ** 2
    loss = 0.5 * np.mean(losses)

    d_dist = (same * dist - (1.0 - same) * gap) / N
    d_diff = (d_dist / dist)[:, None] * diff
    da = d_diff
    db = -d_diff
    return loss, (da, db)


def triplet_cosine_loss(anchor, positive, negatives, margin=0.2):
    """
    Inputs:
    - anchor: Anchor embeddings, of shape (N, D)
    - positive: Matching embeddings, of shape (N, D)
    - negatives: A bank of negative embeddings shared by the batch, of shape (M, D)
    - margin: Required gap between positive and negative similarity
    """
    an = anchor / np.linalg.norm(anchor, axis=1, keepdims=True)
    pn = positive / np.linalg.norm(positive, axis=1, keepdims=True)
    nn_ = negatives / np.linalg.norm(negatives, axis=1, keepdims=True)
    s_pos = np.sum(an * pn, axis=1)
    s_neg = an.dot(nn_.T)
    hinge = np.maximum(0.0, margin - s_pos[:, None] + s_neg)
    active = (hinge > 0).astype(np.float64)
    loss = hinge.sum() / anchor.shape[0]
    hardest = s_neg.argmax(axis=1)
    return loss, active.mean(), hardest
