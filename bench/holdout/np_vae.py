"""A small variational autoencoder in numpy: tanh encoder to a diagonal
Gaussian, reparameterised sample, relu decoder to Bernoulli logits."""
import numpy as np
from jaxtyping import Float


class VAE:
    def __init__(self, d_in, d_hid, d_lat, seed=0):
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.W_h = rng.standard_normal((d_in, d_hid)) / np.sqrt(d_in)
        self.b_h = np.zeros(d_hid)
        self.W_mu = rng.standard_normal((d_hid, d_lat)) / np.sqrt(d_hid)
        self.b_mu = np.zeros(d_lat)
        self.W_lv = rng.standard_normal((d_hid, d_lat)) / np.sqrt(d_hid)
        self.b_lv = np.zeros(d_lat)
        self.W_d = rng.standard_normal((d_lat, d_hid)) / np.sqrt(d_lat)
        self.b_d = np.zeros(d_hid)
        self.W_out = rng.standard_normal((d_hid, d_in)) / np.sqrt(d_hid)
        self.b_out = np.zeros(d_in)

    def encode(self, x: Float[np.ndarray, "batch d_in"]):
        h = np.tanh(x @ self.W_h + self.b_h)
        mu = h @ self.W_mu + self.b_mu
        logvar = h @ self.W_lv + self.b_lv
        return mu, logvar

    def reparameterize(self,
                       mu: Float[np.ndarray, "batch d_lat"],
                       logvar: Float[np.ndarray, "batch d_lat"]):
        std = np.exp(0.5 * logvar)
        eps = self.rng.standard_normal(mu.shape)
        return mu + eps * std

    def decode(self, z: Float[np.ndarray, "batch d_lat"]):
        h = np.maximum(z @ self.W_d + self.b_d, 0.0)
        logits = h @ self.W_out + self.b_out
        return logits

    def negative_elbo(self, x: Float[np.ndarray, "batch d_in"]):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        logits = self.decode(z)
        # Bernoulli likelihood, computed stably from the logits
        rec = np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=1)
        kl = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar), axis=1)
        per_example = rec + kl
        loss = np.mean(per_example)
        return loss, z


def gaussian_kl(mu_q: Float[np.ndarray, "n k"],
                logvar_q: Float[np.ndarray, "n k"],
                mu_p: Float[np.ndarray, "k"],
                logvar_p: Float[np.ndarray, "k"]) -> Float[np.ndarray, "n"]:
    """KL(q || p) between diagonal Gaussians, one value per row of q."""
    var_ratio = np.exp(logvar_q - logvar_p)
    mean_term = (mu_q - mu_p) ** 2 / np.exp(logvar_p)
    kl = 0.5 * np.sum(var_ratio + mean_term - 1.0 - (logvar_q - logvar_p), axis=-1)
    return kl


def interpolate_latents(z_a: Float[np.ndarray, "d_lat"],
                        z_b: Float[np.ndarray, "d_lat"],
                        steps: int):
    alphas = np.linspace(0.0, 1.0, steps)
    path = (1.0 - alphas)[:, None] * z_a[None, :] + alphas[:, None] * z_b[None, :]
    return path
