"""Word2vec skip-gram with negative sampling: loss and gradients in numpy."""
import numpy as np


def sgns_pair_loss(v_c, u_o, U_neg):
    """
    Negative-sampling loss for a single (center, outside) word pair.

    Inputs:
    - v_c: Center word vector, of shape (D,)
    - u_o: Outside word vector, of shape (D,)
    - U_neg: Vectors of the K negative samples, of shape (K, D)

    Returns a tuple of:
    - loss: Scalar loss
    - grads: Tuple (grad_v_c, grad_u_o, grad_U_neg)
    """
    pos = 1.0 / (1.0 + np.exp(-u_o.dot(v_c)))
    neg = 1.0 / (1.0 + np.exp(U_neg.dot(v_c)))
    loss = -np.log(pos) - np.sum(np.log(neg))

    grad_v_c = (pos - 1.0) * u_o + (1.0 - neg).dot(U_neg)
    grad_u_o = (pos - 1.0) * v_c
    grad_U_neg = np.outer(1.0 - neg, v_c)
    return loss, (grad_v_c, grad_u_o, grad_U_neg)


def skipgram_batch_step(center_idx, outside_idx, neg_idx, W_in, W_out, lr=0.05):
    """
    One SGD step of skip-gram negative sampling on a minibatch of pairs.

    Inputs:
    - center_idx: Indices of the center words, of shape (B,)
    - outside_idx: Indices of the context words, of shape (B,)
    - neg_idx: Indices of the negative samples, of shape (B, K)
    - W_in: Center ("input") embeddings, of shape (V, D)
    - W_out: Context ("output") embeddings, of shape (V, D)
    - lr: Learning rate

    Returns the mean loss; W_in and W_out are updated in place.
    """
    B = center_idx.shape[0]
    D = W_in.shape[1]
    v = W_in[center_idx]
    u_pos = W_out[outside_idx]
    u_neg = W_out[neg_idx]

    pos_score = np.sum(v * u_pos, axis=1)
    neg_score = np.einsum("bkd,bd->bk", u_neg, v)
    pos_sig = 1.0 / (1.0 + np.exp(-pos_score))
    neg_sig = 1.0 / (1.0 + np.exp(neg_score))
    loss = -np.mean(np.log(pos_sig) + np.sum(np.log(neg_sig), axis=1))

    d_pos = (pos_sig - 1.0) / B
    d_neg = (1.0 - neg_sig) / B
    dv = d_pos[:, None] * u_pos + np.einsum("bk,bkd->bd", d_neg, u_neg)
    du_pos = d_pos[:, None] * v
    du_neg = d_neg[:, :, None] * v[:, None, :]

    dW_in = np.zeros_like(W_in)
    np.add.at(dW_in, center_idx, dv)
    dW_out = np.zeros_like(W_out)
    np.add.at(dW_out, outside_idx, du_pos)
    flat_neg = neg_idx.reshape(-1)
    np.add.at(dW_out, flat_neg, du_neg.reshape(-1, D))

    W_in -= lr * dW_in
    W_out -= lr * dW_out
    return loss
