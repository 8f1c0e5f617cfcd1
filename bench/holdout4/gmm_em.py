"""One EM iteration for a Gaussian mixture model with full covariances (numpy)."""
import numpy as np


def gmm_e_step(X, means, covs, weights):
    """
    Inputs:
    - X: Data points, of shape (N, D)
    - means: Component means, of shape (K, D)
    - covs: Component covariances, of shape (K, D, D)
    - weights: Mixing weights, of shape (K,)

    Returns a tuple of:
    - resp: Posterior responsibilities, of shape (N, K)
    - log_lik: Total log-likelihood of X
    """
    N, D = X.shape
    K = means.shape[0]
    log_prob = np.zeros((N, K))
    for k in range(K):
        diff = X - means[k]
        cov_inv = np.linalg.inv(covs[k])
        logdet = np.log(np.linalg.det(covs[k]))
        maha = np.sum(diff.dot(cov_inv) * diff, axis=1)
        log_prob[:, k] = -0.5 * (maha + logdet + D * np.log(2 * np.pi))
    log_prob += np.log(weights)

    m = log_prob.max(axis=1, keepdims=True)
    log_norm = m + np.log(np.exp(log_prob - m).sum(axis=1, keepdims=True))
    resp = np.exp(log_prob - log_norm)
    log_lik = log_norm.sum()
    return resp, log_lik


def gmm_m_step(X, resp, min_var=1e-6):
    """
    Inputs:
    - X: Data points, of shape (N, D)
    - resp: Responsibilities from the E-step, of shape (N, K)
    - min_var: Added to the diagonal of every covariance
    """
    N, D = X.shape
    Nk = resp.sum(axis=0) + 1e-10
    weights = Nk / N
    means = resp.T.dot(X) / Nk[:, None]
    diff = X[None, :, :] - means[:, None, :]
    covs = np.einsum("nk,knd,kne->kde", resp, diff, diff) / Nk[:, None, None]
    covs += min_var * np.eye(D)[None, :, :]
    return means, covs, weights


def gmm_em_iteration(X, means, covs, weights):
    """
    Inputs:
    - X: Data points, of shape (N, D)
    - means: Component means, of shape (K, D)
    - covs: Component covariances, of shape (K, D, D)
    - weights: Mixing weights, of shape (K,)
    """
    resp, log_lik = gmm_e_step(X, means, covs, weights)
    new_means, new_covs, new_weights = gmm_m_step(X, resp)
    shift = np.linalg.norm(new_means - means, axis=1)
    return new_means, new_covs, new_weights, log_lik, shift
