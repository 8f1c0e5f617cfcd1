"""A GRU written out by hand in PyTorch, one cell and the loop over time."""
import torch
import torch.nn as nn
from jaxtyping import Float
from torch import Tensor


class GRUCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.x2h = nn.Linear(input_size, 3 * hidden_size)
        self.h2h = nn.Linear(hidden_size, 3 * hidden_size)

    def forward(self, x: Float[Tensor, "B input_size"], h: Float[Tensor, "B hidden_size"]):
        gx = self.x2h(x)
        gh = self.h2h(h)
        rx, zx, nx = gx.chunk(3, dim=1)
        rh, zh, nh = gh.chunk(3, dim=1)
        r = torch.sigmoid(rx + rh)
        z = torch.sigmoid(zx + zh)
        n = torch.tanh(nx + r * nh)
        h_new = (1 - z) * n + z * h
        return h_new


class GRU(nn.Module):
    def __init__(self, input_size, hidden_size, n_out):
        super().__init__()
        self.cell = GRUCell(input_size, hidden_size)
        self.hidden_size = hidden_size
        self.readout = nn.Linear(hidden_size, n_out)

    def forward(self, xs: Float[Tensor, "T B input_size"]):
        T, B, _ = xs.shape
        h = torch.zeros(B, self.hidden_size)
        outs = []
        for t in range(T):
            h = self.cell(xs[t], h)
            outs.append(h)
        hs = torch.stack(outs, dim=0)
        y = self.readout(hs)
        mean_state = hs.mean(dim=0)
        return y, mean_state
