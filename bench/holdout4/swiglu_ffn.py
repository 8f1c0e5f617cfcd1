"""Gated feed-forward layers (GLU, SwiGLU) with RMSNorm, as used in recent transformers."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: Float[Tensor, "batch seq dim"]) -> Float[Tensor, "batch seq dim"]:
        rms = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        normed = x * rms
        return normed * self.weight


class SwiGLU(nn.Module):
    def __init__(self, d_model: int, d_ff: int):
        super().__init__()
        self.w_gate = nn.Linear(d_model, d_ff, bias=False)
        self.w_up = nn.Linear(d_model, d_ff, bias=False)
        self.w_down = nn.Linear(d_ff, d_model, bias=False)

    def forward(self, x: Float[Tensor, "batch seq d_model"]) -> Float[Tensor, "batch seq d_model"]:
        gate = F.silu(self.w_gate(x))
        up = self.w_up(x)
        hidden = gate * up
        out = self.w_down(hidden)
        return out


class GLU(nn.Module):
    def __init__(self, d_model, d_ff=256):
        super().__init__()
        self.proj = nn.Linear(d_model, 2 * d_ff)
        self.out = nn.Linear(d_ff, d_model)

    def forward(self, x):  # x: (B, T, d_model)
        both = self.proj(x)
        a, b = both.chunk(2, dim=-1)
        hidden = a * torch.sigmoid(b)
        return self.out(hidden)


def swiglu_ffn(
    x: Float[Tensor, "n d"],
    W1: Float[Tensor, "d h"],
    W3: Float[Tensor, "d h"],
    W2: Float[Tensor, "h d"],
) -> Float[Tensor, "n d"]:
    pre = x @ W1
    act = F.silu(pre) * (x @ W3)
    y = act @ W2
    return y
