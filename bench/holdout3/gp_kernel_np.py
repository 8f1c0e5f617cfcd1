import numpy as np
from jaxtyping import Float


def rbf_kernel(
    X: Float[np.ndarray, "n d"],
    Z: Float[np.ndarray, "m d"],
    lengthscale: float,
    variance: float,
):
    sq_x = np.sum(X ** 2, axis=1)
    sq_z = np.sum(Z ** 2, axis=1)
    d2 = sq_x[:, None] + sq_z[None, :] - 2.0 * X @ Z.T
    d2 = np.maximum(d2, 0.0)
    K = variance * np.exp(-0.5 * d2 / lengthscale ** 2)
    return K


def rbf_grad_inputs(
    X: Float[np.ndarray, "n d"],
    Z: Float[np.ndarray, "m d"],
    G: Float[np.ndarray, "n m"],
    lengthscale: float,
    variance: float,
):
    """Gradient of sum(G * k(X, Z)) with respect to both sets of inputs."""
    K = rbf_kernel(X, Z, lengthscale, variance)
    GK = G * K
    diff = X[:, None, :] - Z[None, :, :]
    dX = -np.einsum("nm,nmd->nd", GK, diff) / lengthscale ** 2
    dZ = np.einsum("nm,nmd->md", GK, diff) / lengthscale ** 2
    return dX, dZ


def gp_posterior(
    X: Float[np.ndarray, "n d"],
    y: Float[np.ndarray, "n"],
    Xs: Float[np.ndarray, "s d"],
    lengthscale: float,
    variance: float,
    noise: float,
):
    Kxx = rbf_kernel(X, X, lengthscale, variance)
    Kxx += noise * np.eye(X.shape[0])
    L = np.linalg.cholesky(Kxx)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    Ks = rbf_kernel(Xs, X, lengthscale, variance)
    mean = Ks @ alpha
    v = np.linalg.solve(L, Ks.T)
    var = variance - np.sum(v ** 2, axis=0)
    nlml = 0.5 * y @ alpha + np.sum(np.log(np.diag(L)))
    return mean, var, nlml
