import numpy as np


def masked_sigmoid_ce_loss(logits, targets, mask):
    """
    Multi-label sigmoid cross-entropy where some labels are unobserved.

    Inputs:
    - logits: Raw scores, of shape (N, C)
    - targets: Binary labels in {0, 1}, of shape (N, C)
    - mask: 1 where the label is observed and 0 elsewhere, of shape (N, C)

    Returns a tuple of:
    - loss: Scalar loss, averaged over observed labels
    - dlogits: Gradient of the loss with respect to logits, of shape (N, C)
    """
    N, C = logits.shape
    pos = np.maximum(logits, 0)
    softplus = pos + np.log1p(np.exp(-np.abs(logits)))
    per_label = softplus - logits * targets
    n_obs = np.maximum(mask.sum(), 1.0)
    loss = np.sum(per_label * mask) / n_obs
    probs = 1.0 / (1.0 + np.exp(-logits))
    dlogits = (probs - targets) * mask / n_obs
    return loss, dlogits


def weighted_multilabel_loss(feats, W, b, targets, mask, pos_weight):
    """
    Linear classifier on top of features, with per-class positive weights.

    Inputs:
    - feats: Features, of shape (N, D)
    - W: Weights, of shape (D, C)
    - b: Biases, of shape (C,)
    - targets: Binary labels, of shape (N, C)
    - mask: Observation mask, of shape (N, C)
    - pos_weight: Per-class weight of positive labels, of shape (C,)
    """
    logits = feats @ W + b
    weights = mask * np.where(targets > 0, pos_weight[None, :], 1.0)
    loss, dlogits = masked_sigmoid_ce_loss(logits, targets, weights)
    dW = feats.T @ dlogits
    db = dlogits.sum(axis=0)
    dfeats = dlogits @ W.T
    per_class = (weights * (np.abs(dlogits) > 0)).mean(axis=0)
    return loss, dfeats, dW, db, per_class
