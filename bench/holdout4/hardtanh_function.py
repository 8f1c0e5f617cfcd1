"""A hand-written autograd.Function for hard-tanh, used inside a small MLP."""
import torch
import torch.nn as nn


class HardTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, min_val=-1.0, max_val=1.0):  # x: (N, D)
        ctx.save_for_backward(x)
        ctx.min_val = min_val
        ctx.max_val = max_val
        out = x.clamp(min_val, max_val)
        return out

    @staticmethod
    def backward(ctx, grad_out):  # grad_out: (N, D)
        (x,) = ctx.saved_tensors
        inside = (x >= ctx.min_val) & (x <= ctx.max_val)
        grad_x = grad_out * inside.to(grad_out.dtype)
        return grad_x, None, None


class HardTanhMLP(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_out)
        self.scale = nn.Parameter(torch.ones(d_hidden))

    def forward(self, x):  # x: (N, d_in)
        pre = self.fc1(x)
        h = HardTanh.apply(pre) * self.scale
        out = self.fc2(h)
        return out


def hardtanh_grad_check(x):  # x: (N, D)
    x = x.detach().double().requires_grad_(True)
    y = HardTanh.apply(x, -0.5, 0.5)
    loss = (y * y).sum()
    loss.backward()
    expected = 2 * y.detach() * ((x.detach() >= -0.5) & (x.detach() <= 0.5))
    err = (x.grad - expected).abs().max()
    return err
