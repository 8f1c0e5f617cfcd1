"""A sparsely-gated Mixture-of-Experts feed-forward layer with top-k routing and
a Switch-style load-balancing loss; a dense reference path and a sparse
dispatch path that only runs each expert on the tokens routed to it."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


class Expert(nn.Module):
    def __init__(self, d_model, d_hidden):
        super().__init__()
        self.fc1 = nn.Linear(d_model, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_model)

    def forward(self, x):  # x: (N, d_model)
        h = F.gelu(self.fc1(x))
        return self.fc2(h)


class TopKMoE(nn.Module):
    def __init__(self, d_model, d_hidden, n_experts, k=2):
        super().__init__()
        self.gate = nn.Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList([Expert(d_model, d_hidden) for _ in range(n_experts)])
        self.n_experts = n_experts
        self.k = k

    def route(self, tokens):  # tokens: (N, d_model)
        logits = self.gate(tokens)
        top_vals, top_idx = torch.topk(logits, self.k, dim=-1)
        gates = F.softmax(top_vals, dim=-1)
        return logits, gates, top_idx

    def balance_loss(self, logits, top_idx):  # logits: (N, E), top_idx: (N, k)
        probs = logits.softmax(dim=-1)
        first_choice = F.one_hot(top_idx[:, 0], self.n_experts).float()
        frac_tokens = first_choice.mean(dim=0)
        frac_probs = probs.mean(dim=0)
        aux = self.n_experts * torch.sum(frac_tokens * frac_probs)
        return aux

    def forward(self, x: Float[Tensor, "batch seq d_model"]):
        B, T, D = x.shape
        tokens = x.reshape(B * T, D)
        logits, gates, top_idx = self.route(tokens)
        expert_out = torch.stack([expert(tokens) for expert in self.experts], dim=1)
        index = top_idx.unsqueeze(-1).expand(-1, -1, D)
        chosen = torch.gather(expert_out, 1, index)
        mixed = (gates.unsqueeze(-1) * chosen).sum(dim=1)
        aux = self.balance_loss(logits, top_idx)
        return mixed.view(B, T, D), aux

    def forward_sparse(self, tokens):  # tokens: (N, d_model)
        logits, gates, top_idx = self.route(tokens)
        out = torch.zeros_like(tokens)
        for e, expert in enumerate(self.experts):
            rows, slots = torch.nonzero(top_idx == e, as_tuple=True)
            if rows.numel() == 0:
                continue
            y = expert(tokens[rows])
            out.index_add_(0, rows, gates[rows, slots].unsqueeze(1) * y)
        return out
