"""One iteration of Lloyd's k-means, vectorised with broadcasting."""
import numpy as np


def assign_clusters(X, centroids):
    """
    Assignment step.

    - X: data points, of shape (N, D)
    - centroids: current cluster centres, of shape (K, D)

    Returns the index of the nearest centre for every point, and the squared
    distance to it.
    """
    diff = X[:, np.newaxis, :] - centroids[np.newaxis, :, :]
    sq_dist = np.sum(diff ** 2, axis=-1)
    labels = np.argmin(sq_dist, axis=1)
    best = sq_dist[np.arange(X.shape[0]), labels]
    return labels, best


def pairwise_sq_dists(X, C):
    """
    The same distances in the expanded form |x|^2 - 2 x.c + |c|^2, which never
    builds the (N, K, D) difference tensor.

    - X: points, of shape (N, D)
    - C: centres, of shape (K, D)
    """
    x_sq = np.sum(X * X, axis=1, keepdims=True)
    c_sq = np.einsum("kd,kd->k", C, C)
    cross = np.einsum("nd,kd", X, C)
    d2 = x_sq.T - 2.0 * cross + c_sq[:, None]
    return np.maximum(d2, 0.0).T


def update_centroids(X, labels, centroids):
    """
    Update step: every centre moves to the mean of its points; a centre that
    lost all its points stays where it was.

    - X: data points, of shape (N, D)
    - labels: cluster index of each point, of shape (N,)
    - centroids: previous centres, of shape (K, D)
    """
    K = centroids.shape[0]
    one_hot = np.eye(K)[labels]
    counts = one_hot.sum(axis=0)
    sums = one_hot.T @ X
    new_centroids = sums / np.maximum(counts, 1.0)[:, None]
    empty = counts == 0
    new_centroids[empty] = centroids[empty]
    return new_centroids


def soft_assignments(X, centroids, temperature):
    """
    Soft k-means responsibilities.

    - X: data points, of shape (N, D)
    - centroids: cluster centres, of shape (K, D)
    """
    d2 = pairwise_sq_dists(X, centroids)
    logits = -d2 / temperature
    logits -= logits.max(axis=1, keepdims=True)
    resp = np.exp(logits)
    resp /= resp.sum(axis=1, keepdims=True)
    return resp


def kmeans_step(X, centroids):
    """
    - X: (N, D)
    - centroids: (K, D)
    """
    labels, best = assign_clusters(X, centroids)
    inertia = best.sum()
    new_centroids = update_centroids(X, labels, centroids)
    shift = np.linalg.norm(new_centroids - centroids, axis=1)
    converged = np.all(shift < 1e-6)
    return new_centroids, labels, inertia, converged
