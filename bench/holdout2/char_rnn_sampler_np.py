"""A character-level vanilla RNN language model: one-hot inputs, column vectors,
a per-step softmax, and temperature / top-k sampling of new text."""
import numpy as np


class CharRNN:
    def __init__(self, vocab_size, hidden_size, seed=0):
        rng = np.random.default_rng(seed)
        self.Wxh = rng.standard_normal((hidden_size, vocab_size)) * 0.01
        self.Whh = rng.standard_normal((hidden_size, hidden_size)) * 0.01
        self.Why = rng.standard_normal((vocab_size, hidden_size)) * 0.01
        self.bh = np.zeros((hidden_size, 1))
        self.by = np.zeros((vocab_size, 1))
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size

    def initial_state(self):
        h0 = np.zeros((self.hidden_size, 1))
        return h0

    def step(self, ix, h):  # h: (hidden_size, 1)
        x = np.zeros((self.vocab_size, 1))
        x[ix] = 1.0
        h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)
        y = self.Why @ h + self.by
        p = np.exp(y - np.max(y))
        p /= np.sum(p)
        return h, p

    def sequence_nll(self, inputs, targets, h):  # h: (hidden_size, 1)
        """Mean negative log-likelihood of targets[t] given inputs[:t + 1]."""
        nlls = []
        for ix, target in zip(inputs, targets):
            h, p = self.step(ix, h)
            nlls.append(-np.log(p[target, 0]))
        loss = np.mean(nlls)
        return loss, h

    def sample(self, h, seed_ix, n, temperature=1.0, top_k=None):  # h: (hidden_size, 1)
        ixes = [seed_ix]
        ix = seed_ix
        for t in range(n):
            h, p = self.step(ix, h)
            logits = np.log(p.ravel() + 1e-12) / temperature
            if top_k is not None:
                cutoff = np.sort(logits)[-top_k]
                logits = np.where(logits < cutoff, -np.inf, logits)
            q = np.exp(logits - logits.max())
            q = q / q.sum()
            ix = int(np.random.choice(self.vocab_size, p=q))
            ixes.append(ix)
        return ixes, h

    def warm_up(self, prompt, h=None):  # h: (hidden_size, 1)
        """Feeds a prompt through the network and returns the last state and distribution."""
        if h is None:
            h = self.initial_state()
        probs = np.zeros((len(prompt), self.vocab_size))
        for t, ix in enumerate(prompt):
            h, p = self.step(ix, h)
            probs[t] = p[:, 0]
        return h, probs
