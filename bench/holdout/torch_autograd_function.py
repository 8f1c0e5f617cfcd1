"""Custom torch.autograd.Function classes with hand-written backward passes,
and a small network that calls them through .apply."""
import torch
from jaxtyping import Float
from torch import Tensor


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias):
        """
        - x: input batch, of shape (N, in_features)
        - weight: of shape (out_features, in_features)
        - bias: of shape (out_features,)
        """
        ctx.save_for_backward(x, weight)
        out = x.mm(weight.t()) + bias
        return out

    @staticmethod
    def backward(ctx, grad_out):
        """
        - grad_out: gradient of the output, of shape (N, out_features)
        Saved tensors:
        - x: of shape (N, in_features)
        - weight: of shape (out_features, in_features)
        """
        x, weight = ctx.saved_tensors
        grad_x = grad_out.mm(weight)
        grad_weight = grad_out.t().mm(x)
        grad_bias = grad_out.sum(dim=0)
        return grad_x, grad_weight, grad_bias


class LogSumExp(torch.autograd.Function):
    """Row-wise log-sum-exp."""

    @staticmethod
    def forward(ctx, x: Float[Tensor, "rows cols"]):
        m, idx = x.max(dim=1, keepdim=True)
        shifted = x - m
        s = shifted.exp().sum(dim=1, keepdim=True)
        out = (m + s.log()).squeeze(1)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        """
        - grad_out: of shape (rows,)
        - x: saved input, of shape (rows, cols)
        - out: saved result, of shape (rows,)
        """
        x, out = ctx.saved_tensors
        softmax = torch.exp(x - out.unsqueeze(1))
        grad_x = grad_out.unsqueeze(1) * softmax
        return grad_x


class ScaledTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):  # x: (N, D)
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        ctx.scale = scale
        out = scale * y
        return out

    @staticmethod
    def backward(ctx, grad_out):
        """
        - grad_out: (N, D)
        - y: (N, D), the tanh of the input, saved by forward
        """
        (y,) = ctx.saved_tensors
        grad_x = grad_out * ctx.scale * (1 - y * y)
        return grad_x, None


def two_layer_logsumexp(x, w1, b1, w2, b2):
    """
    - x: (N, D)
    - w1: (H, D)
    - b1: (H,)
    - w2: (C, H)
    - b2: (C,)
    """
    h = ScaledTanh.apply(LinearFunction.apply(x, w1, b1), 2.0)
    scores = LinearFunction.apply(h, w2, b2)
    lse = LogSumExp.apply(scores)
    loss = lse.mean()
    return loss
