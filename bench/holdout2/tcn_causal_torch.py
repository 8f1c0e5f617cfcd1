"""A temporal convolutional network: dilated causal 1-D convolutions (left
padding only, so output t never sees inputs after t), residual blocks, and a
classifier on the last time step. Also an explicit unfold-style causal conv."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


def causal_conv_explicit(x, weight, bias, dilation=1):
    """
    Reference causal convolution without nn.Conv1d.

    - x: Input sequences, of shape (B, C, T)
    - weight: Kernels, of shape (O, C, K)
    - bias: of shape (O,)
    - dilation: Spacing between kernel taps
    """
    B, C, T = x.shape
    O, _, K = weight.shape
    xp = F.pad(x, ((K - 1) * dilation, 0))
    taps = torch.stack([xp[:, :, k * dilation:k * dilation + T] for k in range(K)], dim=-1)
    out = torch.einsum("bctk,ock->bot", taps, weight) + bias[None, :, None]
    return out


class CausalConv1d(nn.Module):
    def __init__(self, c_in, c_out, kernel_size, dilation=1):
        super().__init__()
        self.pad = (kernel_size - 1) * dilation
        self.conv = nn.Conv1d(c_in, c_out, kernel_size, dilation=dilation)

    def forward(self, x):  # x: (B, c_in, T)
        x = F.pad(x, (self.pad, 0))
        y = self.conv(x)
        return y


class TemporalBlock(nn.Module):
    def __init__(self, c_in, c_out, kernel_size, dilation, dropout=0.1):
        super().__init__()
        self.conv1 = CausalConv1d(c_in, c_out, kernel_size, dilation)
        self.conv2 = CausalConv1d(c_out, c_out, kernel_size, dilation)
        self.drop = nn.Dropout(dropout)
        self.downsample = nn.Conv1d(c_in, c_out, kernel_size=1) if c_in != c_out else None

    def forward(self, x):  # x: (B, c_in, T)
        h = self.drop(F.relu(self.conv1(x)))
        h = self.drop(F.relu(self.conv2(h)))
        res = x if self.downsample is None else self.downsample(x)
        return F.relu(h + res)


class TCNClassifier(nn.Module):
    def __init__(self, c_in, hidden, n_levels, n_classes, kernel_size=3):
        super().__init__()
        blocks = [TemporalBlock(c_in, hidden, kernel_size, dilation=1)]
        for i in range(1, n_levels):
            blocks.append(TemporalBlock(hidden, hidden, kernel_size, dilation=2 ** i))
        self.network = nn.Sequential(*blocks)
        self.head = nn.Linear(hidden, n_classes)
        self.receptive_field = 1 + 2 * (kernel_size - 1) * (2 ** n_levels - 1)

    def forward(self, x: Float[Tensor, "batch channels time"]):
        h = self.network(x)
        last = h[:, :, -1]
        logits = self.head(last)
        return logits

    def per_step_logits(self, x: Float[Tensor, "batch channels time"]):
        """Class scores at every time step (each sees only its past)."""
        h = self.network(x).transpose(1, 2)
        return self.head(h)

    def causality_leak(self, x: Float[Tensor, "batch channels time"], t: int):
        """Largest change in outputs before t when the inputs from t on are perturbed."""
        x2 = x.clone()
        x2[:, :, t:] += torch.randn_like(x2[:, :, t:])
        y1 = self.network(x)
        y2 = self.network(x2)
        diff = (y1[:, :, :t] - y2[:, :, :t]).abs()
        return diff.max()
