"""A clipped ReLU (ReLU6-style, min(max(x, 0), ceiling)) as a custom
torch.autograd.Function with a hand-written backward, an MLP that uses it,
and a check of the backward against autograd on the same expression."""
import torch
import torch.nn as nn
from jaxtyping import Float
from torch import Tensor


class ClippedReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Float[Tensor, "batch features"], ceiling: float = 6.0):
        ctx.save_for_backward(x)
        ctx.ceiling = ceiling
        out = x.clamp(min=0.0, max=ceiling)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        """
        - grad_out: Upstream gradient, of shape (N, D)
        - x: The saved input, of shape (N, D)

        Returns the gradient with respect to x, and None for the ceiling.
        """
        (x,) = ctx.saved_tensors
        passes = (x > 0) & (x < ctx.ceiling)
        grad_x = grad_out * passes.to(grad_out.dtype)
        return grad_x, None


class ClippedMLP(nn.Module):
    def __init__(self, d_in, d_hidden, d_out, ceiling=6.0):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_out)
        self.ceiling = ceiling

    def forward(self, x):  # x: (N, d_in)
        h = self.fc1(x)
        a = ClippedReLUFunction.apply(h, self.ceiling)
        y = self.fc2(a)
        return y

    def saturation(self, x):  # x: (N, d_in)
        """Fraction of hidden units stuck at 0 or at the ceiling, per example."""
        h = self.fc1(x)
        stuck = (h <= 0) | (h >= self.ceiling)
        return stuck.float().mean(dim=1)


def check_against_autograd(x: Float[Tensor, "n d"], ceiling: float = 1.0):
    """True when the custom backward matches autograd through clamp."""
    x1 = x.detach().double().requires_grad_()
    x2 = x.detach().double().requires_grad_()
    g = torch.randn(x.shape, dtype=torch.float64)
    y1 = ClippedReLUFunction.apply(x1, ceiling)
    y2 = torch.clamp(x2, 0.0, ceiling)
    (y1 * g).sum().backward()
    (y2 * g).sum().backward()
    return torch.allclose(x1.grad, x2.grad) and torch.allclose(y1, y2)
