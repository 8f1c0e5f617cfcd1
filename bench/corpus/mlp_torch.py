"""Feed-forward PyTorch models: an MLP classifier and a two-tower retrieval model."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


class MLPClassifier(nn.Module):
    def __init__(self, d_in, d_hidden, n_out, p_drop=0.1):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_hidden)
        self.head = nn.Linear(d_hidden, n_out)
        self.drop = nn.Dropout(p_drop)
        self.norm = nn.LayerNorm(d_hidden)

    def forward(self, x: Float[Tensor, "batch d_in"]) -> Float[Tensor, "batch n_out"]:
        h = self.drop(F.gelu(self.fc1(x)))
        h = self.norm(h + F.gelu(self.fc2(h)))
        logits = self.head(h)
        return logits

    def loss(self, x, y):  # x: (batch, d_in)
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        probs = logits.softmax(dim=-1)
        confidence, predicted = probs.max(dim=-1)
        return loss, confidence, predicted


class TwoTower(nn.Module):
    def __init__(self, d_user, d_item, d_embed):
        super().__init__()
        self.user_net = nn.Sequential(
            nn.Linear(d_user, 4 * d_embed), nn.ReLU(), nn.Linear(4 * d_embed, d_embed)
        )
        self.item_net = nn.Sequential(
            nn.Linear(d_item, 4 * d_embed), nn.ReLU(), nn.Linear(4 * d_embed, d_embed)
        )
        self.log_temp = nn.Parameter(torch.zeros(()))

    def forward(self, users: Float[Tensor, "B d_user"], items: Float[Tensor, "B d_item"]):
        u = F.normalize(self.user_net(users), dim=-1)
        v = F.normalize(self.item_net(items), dim=-1)
        sim = u @ v.T * self.log_temp.exp()
        targets = torch.arange(users.shape[0])
        loss = 0.5 * (F.cross_entropy(sim, targets) + F.cross_entropy(sim.T, targets))
        pair_scores = (u * v).sum(dim=-1)
        return loss, pair_scores
