import numpy as np


def kalman_step(x, P, z, F, Q, H, R):
    """One predict/update step of a linear Kalman filter.

    Args:
        x (ndarray): posterior state mean, shape (n,)
        P (ndarray): posterior state covariance, shape (n, n)
        z (ndarray): new measurement, shape (k,)
        F (ndarray): state transition matrix, shape (n, n)
        Q (ndarray): process noise covariance, shape (n, n)
        H (ndarray): observation matrix, shape (k, n)
        R (ndarray): measurement noise covariance, shape (k, k)

    Returns:
        The updated mean and covariance, and the innovation log-likelihood.
    """
    n = x.shape[0]
    x_pred = F @ x
    P_pred = F @ P @ F.T + Q
    y = z - H @ x_pred
    S = H @ P_pred @ H.T + R
    K = np.linalg.solve(S, H @ P_pred).T
    x_new = x_pred + K @ y
    I_KH = np.eye(n) - K @ H
    P_new = I_KH @ P_pred @ I_KH.T + K @ R @ K.T
    sign, logdet = np.linalg.slogdet(S)
    maha = y @ np.linalg.solve(S, y)
    loglik = -0.5 * (maha + logdet + len(z) * np.log(2 * np.pi))
    return x_new, P_new, loglik


def kalman_filter(zs, x0, P0, F, Q, H, R):
    """Runs the filter over a sequence of T measurements.

    Args:
        zs (ndarray): measurements, shape (T, k)
        x0 (ndarray): initial mean, shape (n,)
        P0 (ndarray): initial covariance, shape (n, n)
        F (ndarray): shape (n, n)
        Q (ndarray): shape (n, n)
        H (ndarray): shape (k, n)
        R (ndarray): shape (k, k)
    """
    T = zs.shape[0]
    means = np.zeros((T, x0.shape[0]))
    covs = np.zeros((T,) + P0.shape)
    lls = np.zeros(T)
    x, P = x0, P0
    for t in range(T):
        x, P, ll = kalman_step(x, P, zs[t], F, Q, H, R)
        means[t] = x
        covs[t] = P
        lls[t] = ll
    total = lls.sum()
    innov = zs - means @ H.T
    return means, covs, total, innov
