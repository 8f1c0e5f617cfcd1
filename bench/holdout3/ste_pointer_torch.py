import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from jaxtyping import Bool, Float


class SignSTE(torch.autograd.Function):
    """sign(x) forward; straight-through (clipped identity) backward."""

    @staticmethod
    def forward(ctx, x: Float[Tensor, "n d"]):
        ctx.save_for_backward(x)
        y = torch.sign(x)
        return y

    @staticmethod
    def backward(ctx, grad_y: Float[Tensor, "n d"]):
        (x,) = ctx.saved_tensors
        pass_through = (x.abs() <= 1).to(grad_y.dtype)
        grad_x = grad_y * pass_through
        return grad_x


class PointerAttention(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.W_enc = nn.Linear(hidden, hidden, bias=False)
        self.W_dec = nn.Linear(hidden, hidden, bias=False)
        self.v = nn.Parameter(torch.randn(hidden) * 0.1)

    def forward(
        self,
        enc: Float[Tensor, "batch seq hidden"],
        dec: Float[Tensor, "batch hidden"],
        visited: Bool[Tensor, "batch seq"],
    ):
        e = self.W_enc(enc)
        d = self.W_dec(dec).unsqueeze(1)
        u = torch.tanh(e + d) @ self.v
        u = u.masked_fill(visited, -1e9)
        log_p = F.log_softmax(u, dim=-1)
        idx = log_p.argmax(dim=-1)
        chosen = enc[torch.arange(enc.size(0)), idx]
        return log_p, idx, chosen


def binary_pointer_step(
    att: PointerAttention,
    enc: Float[Tensor, "batch seq hidden"],
    dec: Float[Tensor, "batch hidden"],
    visited: Bool[Tensor, "batch seq"],
):
    codes = SignSTE.apply(dec)
    log_p, idx, chosen = att(enc, codes, visited)
    visited = visited.clone()
    visited[torch.arange(enc.shape[0]), idx] = True
    nll = -log_p.gather(1, idx[:, None]).squeeze(1)
    return chosen, visited, nll.mean()
