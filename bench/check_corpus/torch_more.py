"""More custom autograd Functions."""
import torch
import torch.nn.functional as F


# gradcheck: x=randn(5, 2)
class SoftplusFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return F.softplus(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


# gradcheck: x=randn(2, 7)
class SquareFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x          # missing the factor 2


# gradcheck: x=randn(4, 3), mu=randn(3)
class CenterFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, mu):
        return x - mu

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output.sum(0)     # d/dmu of (x - mu) is -1
