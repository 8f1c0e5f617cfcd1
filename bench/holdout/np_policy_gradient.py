"""REINFORCE for a small softmax policy network, in plain numpy."""
import numpy as np


def policy_gradient_loss(W1, W2, obs, actions, rewards, gamma=0.99):
    """REINFORCE loss and its gradients for a two-layer softmax policy over one episode.

    Args:
        W1 (np.ndarray): first-layer weights, shape (S, H).
        W2 (np.ndarray): second-layer weights, shape (H, A).
        obs (np.ndarray): observations, shape (T, S).
        actions (np.ndarray): indices of the actions taken, shape (T,).
        rewards (np.ndarray): rewards received, shape (T,).
        gamma (float): discount factor.

    Returns:
        The loss and the pair of gradients (dW1, dW2).
    """
    T = obs.shape[0]
    h_pre = obs @ W1
    h = np.maximum(h_pre, 0)
    logits = h @ W2
    logits_shift = logits - logits.max(axis=1, keepdims=True)
    log_probs = logits_shift - np.log(np.exp(logits_shift).sum(axis=1, keepdims=True))
    probs = np.exp(log_probs)

    steps = np.arange(T)
    lags = steps[None, :] - steps[:, None]
    discount = np.triu(gamma ** lags.astype(float))
    returns = discount @ rewards
    adv = (returns - returns.mean()) / (returns.std() + 1e-8)

    taken = log_probs[steps, actions]
    loss = -np.sum(taken * adv) / T

    dlogits = probs.copy()
    dlogits[steps, actions] -= 1.0
    dlogits *= adv[:, None] / T
    dW2 = h.T @ dlogits
    dh = dlogits @ W2.T
    dh *= h_pre > 0
    dW1 = obs.T @ dh
    return loss, (dW1, dW2)


def gaussian_policy_logp(mu, log_std, actions):
    """
    Log-density of actions under a diagonal Gaussian policy.

    - mu: policy means, of shape (T, A)
    - log_std: state-independent log standard deviations, of shape (A,)
    - actions: sampled actions, of shape (T, A)
    """
    z = (actions - mu) / np.exp(log_std)
    logp = -0.5 * np.sum(z ** 2, axis=1) - np.sum(log_std) - 0.5 * mu.shape[1] * np.log(2 * np.pi)
    return logp


def entropy_bonus(logits):
    """
    Mean entropy of the action distributions.

    - logits: unnormalised action scores, of shape (T, A)
    """
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    ent = -np.sum(p * np.log(p + 1e-12), axis=1)
    return ent.mean()
