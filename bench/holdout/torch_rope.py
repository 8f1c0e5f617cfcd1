"""Rotary position embeddings (RoPE) applied to the queries and keys of a
causal self-attention layer."""
import math

import torch
import torch.nn as nn
from jaxtyping import Float
from torch import Tensor


def rope_angles(seq_len: int, head_dim: int, base: float = 10000.0):
    half = head_dim // 2
    inv_freq = 1.0 / (base ** (torch.arange(half, dtype=torch.float32) / half))
    positions = torch.arange(seq_len, dtype=torch.float32)
    angles = torch.outer(positions, inv_freq)
    return angles.cos(), angles.sin()


def apply_rope(x: Float[Tensor, "b h t d"]) -> Float[Tensor, "b h t d"]:
    """Rotate each consecutive pair of features (x[2i], x[2i+1]) by a
    position-dependent angle."""
    b, h, t, d = x.shape
    cos, sin = rope_angles(t, d)
    pairs = x.reshape(b, h, t, d // 2, 2)
    x_even = pairs[..., 0]
    x_odd = pairs[..., 1]
    rot_even = x_even * cos - x_odd * sin
    rot_odd = x_even * sin + x_odd * cos
    out = torch.stack([rot_even, rot_odd], dim=-1).reshape(b, h, t, d)
    return out


class RotarySelfAttention(nn.Module):
    def __init__(self, d_model, n_head):
        super().__init__()
        assert d_model % n_head == 0
        self.n_head = n_head
        self.head_dim = d_model // n_head
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)

    def forward(self, x: Float[Tensor, "batch seq d_model"]):
        B, T, C = x.size()
        q = self.q_proj(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        q = apply_rope(q)
        k = apply_rope(k)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~causal, float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        y = self.o_proj(y)
        return y


def rope_relative_check(q: Float[Tensor, "t d"], k: Float[Tensor, "t d"]):
    """Scores after RoPE depend only on the offset between positions."""
    q4 = q[None, None]
    k4 = k[None, None]
    qr = apply_rope(q4)[0, 0]
    kr = apply_rope(k4)[0, 0]
    scores = qr @ kr.T
    first_row = scores[0]
    return scores, first_row
