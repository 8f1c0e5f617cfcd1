"""Custom autograd Functions with hand-written backward passes."""
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inp, weight, bias):
        """
        inp: shape (N, in_f)
        weight: shape (out_f, in_f)
        bias: shape (out_f,)
        """
        ctx.save_for_backward(inp, weight)
        out = torch.mm(inp, weight.t()) + bias
        return out

    @staticmethod
    def backward(ctx, grad_out):
        """
        grad_out: shape (N, out_f)
        inp: the saved input, shape (N, in_f)
        weight: the saved weight, shape (out_f, in_f)
        """
        inp, weight = ctx.saved_tensors
        grad_inp = grad_out @ weight
        grad_weight = grad_out.t() @ inp
        grad_bias = grad_out.sum(dim=0)
        return grad_inp, grad_weight, grad_bias


class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # x: (B, D)
        ctx.save_for_backward(x)
        y = torch.log1p(torch.exp(-x.abs())) + x.clamp(min=0)
        return y

    @staticmethod
    def backward(ctx, grad):  # grad: (B, D)
        (x,) = ctx.saved_tensors
        return grad * torch.sigmoid(x)


class RowNormalize(torch.autograd.Function):
    @staticmethod
    def forward(ctx, m):  # m: (R, K)
        norms = m.norm(dim=1, keepdim=True)
        out = m / norms
        ctx.save_for_backward(out, norms)
        return out

    @staticmethod
    def backward(ctx, g):  # g: (R, K)
        out, norms = ctx.saved_tensors
        radial = (g * out).sum(dim=1, keepdim=True)
        return (g - out * radial) / norms


def fit_step(n, d_in, d_out):
    X = torch.randn(n, d_in, dtype=torch.float64)
    W = torch.randn(d_out, d_in, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(d_out, dtype=torch.float64, requires_grad=True)
    Y = LinearFunction.apply(X, W, b)
    loss = (Y ** 2).mean()
    loss.backward()
    return loss.item(), W.grad
