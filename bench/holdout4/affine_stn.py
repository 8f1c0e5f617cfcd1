"""Spatial transformer with the affine sampling grid computed by hand (coordinate matmul)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


def affine_grid(theta: Float[Tensor, "B 2 3"], H: int, W: int) -> Float[Tensor, "B H W 2"]:
    ys = torch.linspace(-1.0, 1.0, H)
    xs = torch.linspace(-1.0, 1.0, W)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    ones = torch.ones_like(gx)
    coords = torch.stack([gx, gy, ones], dim=-1).reshape(1, H * W, 3)
    B = theta.shape[0]
    grid = coords @ theta.transpose(1, 2)
    grid = grid.reshape(B, H, W, 2)
    return grid


class SpatialTransformer(nn.Module):
    def __init__(self, in_ch, H, W, hidden=32):
        super().__init__()
        self.H = H
        self.W = W
        self.fc1 = nn.Linear(in_ch * H * W, hidden)
        self.fc2 = nn.Linear(hidden, 6)
        nn.init.zeros_(self.fc2.weight)
        with torch.no_grad():
            self.fc2.bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))

    def forward(self, x):  # x: (B, in_ch, H, W)
        B = x.shape[0]
        flat = x.flatten(1)
        h = torch.relu(self.fc1(flat))
        theta = self.fc2(h).view(B, 2, 3)
        grid = affine_grid(theta, self.H, self.W)
        out = F.grid_sample(x, grid, align_corners=True)
        return out, theta
