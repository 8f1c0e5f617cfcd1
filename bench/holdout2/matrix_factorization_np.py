"""Biased matrix factorisation for explicit ratings: SGD loss and gradients on a
minibatch of observed (user, item, rating) triples, an ALS sweep, and scoring."""
import numpy as np


def mf_loss_and_grad(U, V, b_u, b_i, users, items, ratings, mu=0.0, reg=0.05):
    """
    Squared-error loss of r_ui ~ mu + b_u + b_i + <U_u, V_i> with L2 on the factors.

    Inputs:
    - U: User factors, of shape (n_users, k)
    - V: Item factors, of shape (n_items, k)
    - b_u: User biases, of shape (n_users,)
    - b_i: Item biases, of shape (n_items,)
    - users: User of each observed rating, of shape (B,)
    - items: Item of each observed rating, of shape (B,)
    - ratings: Observed ratings, of shape (B,)
    - mu: Global mean rating
    - reg: L2 strength on the factors

    Returns a tuple of:
    - loss: Scalar loss
    - grads: Gradients with respect to (U, V, b_u, b_i)
    """
    Pu = U[users]
    Qi = V[items]
    pred = mu + b_u[users] + b_i[items] + np.sum(Pu * Qi, axis=1)
    err = pred - ratings
    n = ratings.shape[0]
    loss = 0.5 * np.mean(err ** 2) + 0.5 * reg * (np.sum(U * U) + np.sum(V * V))
    derr = err / n
    dPu = derr[:, None] * Qi
    dQi = derr[:, np.newaxis] * Pu
    dU = reg * U
    dV = reg * V
    # a user (item) can appear several times in the batch: accumulate, don't assign
    np.add.at(dU, users, dPu)
    np.add.at(dV, items, dQi)
    db_u = np.zeros_like(b_u)
    np.add.at(db_u, users, derr)
    db_i = np.zeros_like(b_i)
    np.add.at(db_i, items, derr)
    return loss, (dU, dV, db_u, db_i)


def als_user_sweep(R, mask, V, reg):
    """
    Solves for every user's factors with the item factors held fixed.

    - R: Rating matrix with zeros where unobserved, of shape (n_users, n_items)
    - mask: 1.0 where a rating is observed, of shape (n_users, n_items)
    - V: Item factors, of shape (n_items, k)
    - reg: Ridge strength
    """
    n_users, n_items = R.shape
    k = V.shape[1]
    U = np.empty((n_users, k))
    ridge = reg * np.eye(k)
    for u in range(n_users):
        w = mask[u]
        A = V.T @ (w[:, None] * V) + ridge
        rhs = V.T @ (w * R[u])
        U[u] = np.linalg.solve(A, rhs)
    return U


def score_all(U, V, b_u, b_i, mu, seen):
    """
    Predicted rating of every (user, item) pair and each user's best unseen item.

    - U: (n_users, k)
    - V: (n_items, k)
    - b_u: (n_users,)
    - b_i: (n_items,)
    - mu: global mean rating
    - seen: True where the user already rated the item, of shape (n_users, n_items)
    """
    scores = U @ V.T + b_u[:, None] + b_i[None, :] + mu
    masked = np.where(seen, -np.inf, scores)
    best = masked.argmax(axis=1)
    best_score = np.take_along_axis(masked, best[:, None], axis=1)[:, 0]
    rmse_per_user = np.sqrt(np.sum(seen * (scores - mu) ** 2, axis=1) / np.maximum(seen.sum(axis=1), 1))
    return best, best_score, rmse_per_user
