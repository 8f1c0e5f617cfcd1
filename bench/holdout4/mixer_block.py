"""MLP-Mixer pieces: patchify, token-mixing MLP (via transpose) and channel-mixing MLP."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


def patchify(img: Float[Tensor, "B C H W"], p: int) -> Tensor:
    B, C, H, W = img.shape
    x = img.reshape(B, C, H // p, p, W // p, p)
    x = x.permute(0, 2, 4, 3, 5, 1)
    patches = x.reshape(B, (H // p) * (W // p), p * p * C)
    return patches


class MlpBlock(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):  # x: (B, S, dim)
        h = F.gelu(self.fc1(x))
        return self.fc2(h)


class MixerBlock(nn.Module):
    def __init__(self, n_patches, dim, token_hidden=64, channel_hidden=256):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.token_mlp = MlpBlock(n_patches, token_hidden)
        self.norm2 = nn.LayerNorm(dim)
        self.channel_mlp = MlpBlock(dim, channel_hidden)

    def forward(self, x: Float[Tensor, "batch n_patches dim"]) -> Float[Tensor, "batch n_patches dim"]:
        y = self.norm1(x)
        y = y.transpose(1, 2)
        y = self.token_mlp(y)
        x = x + y.transpose(1, 2)
        y = self.norm2(x)
        x = x + self.channel_mlp(y)
        return x


class MixerHead(nn.Module):
    def __init__(self, dim, n_classes):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, n_classes)

    def forward(self, x):  # x: (B, P, dim)
        pooled = self.norm(x).mean(dim=1)
        logits = self.fc(pooled)
        return logits
