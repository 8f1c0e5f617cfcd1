"""A mixture density network output layer: hidden features are mapped to the
weights, means and scales of K isotropic Gaussians over a D-dimensional target."""
import numpy as np


def log_softmax(a):
    """
    - a: unnormalised log-weights, of shape (N, K)
    """
    m = a.max(axis=1, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=1, keepdims=True))


def logsumexp_rows(a):
    """
    - a: of shape (N, K)
    """
    m = np.max(a, axis=1)
    return m + np.log(np.sum(np.exp(a - m[:, None]), axis=1))


class MixtureDensityHead:
    def __init__(self, n_hidden, n_components, out_dim, scale=0.1):
        self.K = n_components
        self.D = out_dim
        self.W_pi = scale * np.random.randn(n_hidden, n_components)
        self.b_pi = np.zeros(n_components)
        self.W_mu = scale * np.random.randn(n_hidden, n_components * out_dim)
        self.b_mu = np.zeros(n_components * out_dim)
        self.W_sigma = scale * np.random.randn(n_hidden, n_components)
        self.b_sigma = np.zeros(n_components)

    def forward(self, h):  # h: (N, n_hidden)
        N = h.shape[0]
        logits = h @ self.W_pi + self.b_pi
        log_pi = log_softmax(logits)
        mu = (h @ self.W_mu + self.b_mu).reshape(N, self.K, self.D)
        log_sigma = h @ self.W_sigma + self.b_sigma
        sigma = np.exp(log_sigma)
        return log_pi, mu, sigma

    def nll(self, h, y):
        """
        Mean negative log-likelihood of the targets under the mixture.

        - h: hidden features, of shape (N, n_hidden)
        - y: regression targets, of shape (N, out_dim)
        """
        log_pi, mu, sigma = self.forward(h)
        diff = y[:, None, :] - mu
        sq = np.sum(diff ** 2, axis=2)
        log_norm = -self.D * (np.log(sigma) + 0.5 * np.log(2 * np.pi))
        log_comp = log_norm - 0.5 * sq / sigma ** 2
        log_joint = log_pi + log_comp
        log_lik = logsumexp_rows(log_joint)
        loss = -np.mean(log_lik)
        return loss

    def sample(self, h, rng):
        """
        Draw one target for every row of h.

        - h: hidden features, of shape (N, n_hidden)
        """
        log_pi, mu, sigma = self.forward(h)
        N = h.shape[0]
        u = rng.random((N, 1))
        cdf = np.cumsum(np.exp(log_pi), axis=1)
        comp = np.minimum((u > cdf).sum(axis=1), self.K - 1)
        chosen_mu = mu[np.arange(N), comp]
        chosen_sigma = sigma[np.arange(N), comp]
        noise = rng.standard_normal((N, self.D))
        samples = chosen_mu + chosen_sigma[:, None] * noise
        return samples
