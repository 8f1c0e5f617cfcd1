"""Causal self-attention with a learned relative-position bias (clipped distances)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RelPosSelfAttention(nn.Module):
    def __init__(self, d_model, n_head, max_dist=16):
        super().__init__()
        assert d_model % n_head == 0
        self.n_head = n_head
        self.max_dist = max_dist
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.rel_bias = nn.Parameter(torch.zeros(2 * max_dist + 1, n_head))

    def relative_bias(self, T):
        pos = torch.arange(T)
        rel = pos[None, :] - pos[:, None]
        rel = rel.clamp(-self.max_dist, self.max_dist) + self.max_dist
        bias = self.rel_bias[rel]
        bias = bias.permute(2, 0, 1)
        return bias

    def forward(self, x):  # x: (B, T, C)
        B, T, C = x.size()
        hs = C // self.n_head
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)

        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att + self.relative_bias(T).unsqueeze(0)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~mask, float("-inf"))
        att = F.softmax(att, dim=-1)

        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        out = self.proj(y)
        return out
