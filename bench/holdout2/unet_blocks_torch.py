"""A two-level UNet for segmentation. Down blocks pool by 2; up blocks upsample
by nearest-neighbour repetition (no transposed convolutions), reduce channels
with a 1x1 convolution and concatenate the skip connection."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


def upsample2x(x: Float[Tensor, "b c h w"]) -> Float[Tensor, "b c 2*h 2*w"]:
    """Nearest-neighbour upsampling through a broadcast view and a reshape."""
    b, c, h, w = x.shape
    tiled = x[:, :, :, None, :, None].expand(b, c, h, 2, w, 2)
    return tiled.reshape(b, c, 2 * h, 2 * w)


class DoubleConv(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
        self.norm1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, kernel_size=3, padding=1)

    def forward(self, x):  # x: (B, c_in, H, W)
        h = F.relu(self.norm1(self.conv1(x)))
        h = F.relu(self.conv2(h))
        return h


class Down(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.block = DoubleConv(c_in, c_out)

    def forward(self, x):  # x: (B, c_in, H, W)
        skip = self.block(x)
        pooled = F.max_pool2d(skip, kernel_size=2)
        return pooled, skip


class Up(nn.Module):
    def __init__(self, c_in, c_skip, c_out):
        super().__init__()
        self.reduce = nn.Conv2d(c_in, c_skip, kernel_size=1)
        self.block = DoubleConv(2 * c_skip, c_out)

    def forward(self, x, skip):  # x: (B, c_in, h, w), skip: (B, c_skip, 2*h, 2*w)
        up = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
        up = self.reduce(up)
        merged = torch.cat([up, skip], dim=1)
        out = self.block(merged)
        return out


class TinyUNet(nn.Module):
    def __init__(self, in_ch, n_classes, base=8):
        super().__init__()
        self.down1 = Down(in_ch, base)
        self.down2 = Down(base, 2 * base)
        self.mid = DoubleConv(2 * base, 4 * base)
        self.up2 = Up(4 * base, 2 * base, 2 * base)
        self.up1 = Up(2 * base, base, base)
        self.head = nn.Conv2d(base, n_classes, kernel_size=1)

    def forward(self, x):  # x: (B, in_ch, 4*h, 4*w)
        x1, s1 = self.down1(x)
        x2, s2 = self.down2(x1)
        m = self.mid(x2)
        u2 = self.up2(m, s2)
        u1 = self.up1(u2, s1)
        logits = self.head(u1)
        return logits


def dice_loss(logits, target, eps=1.0):  # logits: (B, K, H, W), target: (B, H, W)
    probs = logits.softmax(dim=1)
    onehot = F.one_hot(target, num_classes=logits.shape[1]).permute(0, 3, 1, 2).float()
    inter = (probs * onehot).sum(dim=(2, 3))
    denom = probs.sum(dim=(2, 3)) + onehot.sum(dim=(2, 3))
    dice = (2 * inter + eps) / (denom + eps)
    return 1 - dice.mean()
