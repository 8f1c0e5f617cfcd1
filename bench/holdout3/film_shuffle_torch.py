import torch
import torch.nn as nn
from torch import Tensor
from jaxtyping import Float


class FiLM(nn.Module):
    """Feature-wise linear modulation: (1 + gamma) * x + beta, from a condition vector."""

    def __init__(self, cond_dim: int, n_channels: int):
        super().__init__()
        self.proj = nn.Linear(cond_dim, 2 * n_channels)
        self.n_channels = n_channels

    def forward(
        self,
        feats: Float[Tensor, "b n_channels h w"],
        cond: Float[Tensor, "b cond_dim"],
    ):
        gb = self.proj(cond)
        gamma, beta = gb.chunk(2, dim=-1)
        gamma = gamma[:, :, None, None]
        beta = beta.unsqueeze(-1).unsqueeze(-1)
        out = (1 + gamma) * feats + beta
        return out


def pixel_shuffle(x, r):  # x: (B, C, H, W)
    B, C, H, W = x.shape
    c_out = C // (r * r)
    y = x.view(B, c_out, r, r, H, W)
    y = y.permute(0, 1, 4, 2, 5, 3)
    out = y.reshape(B, c_out, H * r, W * r)
    return out


def pixel_unshuffle(x, r):  # x: (B, C, H, W)
    B, C, H, W = x.shape
    y = x.reshape(B, C, H // r, r, W // r, r)
    y = y.permute(0, 1, 3, 5, 2, 4).contiguous()
    out = y.view(B, C * r * r, H // r, W // r)
    return out


def upsample2(x: Float[Tensor, "B C H W"]):
    up = pixel_shuffle(x, 2)
    back = pixel_unshuffle(up, 2)
    err = (back - x).abs().max()
    return up, err
