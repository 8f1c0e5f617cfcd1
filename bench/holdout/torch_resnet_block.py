"""A ResNet basic block with a projection shortcut, and a tiny ResNet built
from two of them."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut_conv = nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False)
        self.shortcut_bn = nn.BatchNorm2d(planes)

    def forward(self, x):  # x: (B, in_planes, H, W)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.shortcut_bn(self.shortcut_conv(x))
        out = F.relu(out + shortcut)
        return out


class TinyResNet(nn.Module):
    def __init__(self, num_classes=10, width=16):
        super().__init__()
        self.stem = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(width)
        self.layer1 = BasicBlock(width, width, stride=1)
        self.layer2 = BasicBlock(width, 2 * width, stride=2)
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x: Float[Tensor, "batch 3 h w"]):
        feats = F.relu(self.stem_bn(self.stem(x)))
        feats = self.layer1(feats)
        feats = self.layer2(feats)
        pooled = F.adaptive_avg_pool2d(feats, 1).flatten(1)
        logits = self.fc(pooled)
        return logits


def downsample_stats(x: Float[Tensor, "batch channels h w"]):
    pooled = F.max_pool2d(x, kernel_size=2, stride=2)
    per_channel = pooled.mean(dim=(0, 2, 3))
    spread = pooled.std(dim=(2, 3), keepdim=True)
    return per_channel, spread
