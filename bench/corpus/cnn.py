"""Convolutional networks in PyTorch: nn.Conv2d layers, and a functional encoder."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallConvNet(nn.Module):
    def __init__(self, in_ch=3, n_classes=10, width=32):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, width, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, 2 * width, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(2 * width * 8 * 8, n_classes)

    def forward(self, images):  # images: (N, in_ch, 32, 32)
        h = self.pool(F.relu(self.bn1(self.conv1(images))))
        h = self.pool(F.relu(self.conv2(h)))
        h = torch.flatten(h, 1)
        logits = self.fc(h)
        return logits


class ConvEncoder(nn.Module):
    def __init__(self, c_in, c_hid, latent):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(c_hid, c_in, 3, 3) * 0.1)
        self.b1 = nn.Parameter(torch.zeros(c_hid))
        self.proj = nn.Linear(c_hid, latent)

    def forward(self, x):  # x: (B, c_in, H, W)
        h = F.conv2d(x, self.w1, self.b1, stride=1, padding=1)
        h = F.relu(h)
        pooled = h.mean(dim=(2, 3))
        z = self.proj(pooled)
        return z


def feature_maps():
    net = SmallConvNet()
    batch = torch.randn(4, 3, 32, 32)
    first = net.conv1(batch)
    pooled = net.pool(first)
    strided = nn.Conv2d(3, 16, kernel_size=5, stride=2, padding=2)(batch)
    return first, pooled, strided
