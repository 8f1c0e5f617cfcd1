import torch
import torch.nn as nn
import torch.nn.functional as F


class SqueezeExcite(nn.Module):
    def __init__(self, channels, reduction=4):
        super().__init__()
        hidden = channels // reduction
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)
        self.gate_bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):  # x: (B, channels, H, W)
        B, C, H, W = x.shape
        s = x.mean(dim=(2, 3))
        z = F.relu(self.fc1(s))
        g = torch.sigmoid(self.fc2(z) + self.gate_bias)
        out = x * g.view(B, C, 1, 1)
        return out


class DepthwiseSeparable(nn.Module):
    """Depthwise k x k convolution followed by a pointwise 1 x 1 convolution."""

    def __init__(self, c_in, c_out, k=3):
        super().__init__()
        self.k = k
        self.dw = nn.Parameter(torch.randn(c_in, k, k) * 0.1)
        self.pw = nn.Parameter(torch.randn(c_out, c_in) * 0.1)
        self.bias = nn.Parameter(torch.zeros(c_out))

    def forward(self, x):  # x: (B, c_in, H, W)
        pad = self.k // 2
        xp = F.pad(x, (pad, pad, pad, pad))
        patches = xp.unfold(2, self.k, 1).unfold(3, self.k, 1)
        dw_out = torch.einsum("bchwij,cij->bchw", patches, self.dw)
        out = torch.einsum("bchw,oc->bohw", dw_out, self.pw)
        out = out + self.bias[None, :, None, None]
        return F.relu(out)

