"""The vector-quantisation bottleneck of a VQ-VAE: nearest-codeword assignment
by squared distance, codebook and commitment losses, the straight-through
estimator, codebook perplexity, and an EMA codebook update."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Int
from torch import Tensor


class VectorQuantizer(nn.Module):
    def __init__(self, num_codes, code_dim, beta=0.25, decay=0.99):
        super().__init__()
        self.codebook = nn.Embedding(num_codes, code_dim)
        self.codebook.weight.data.uniform_(-1.0 / num_codes, 1.0 / num_codes)
        self.num_codes = num_codes
        self.code_dim = code_dim
        self.beta = beta
        self.decay = decay
        self.ema_count = torch.ones(num_codes)
        self.ema_sum = self.codebook.weight.detach().clone()

    def nearest(self, flat):  # flat: (M, code_dim)
        codes = self.codebook.weight
        dist = (
            flat.pow(2).sum(dim=1, keepdim=True)
            - 2 * flat @ codes.t()
            + codes.pow(2).sum(dim=1)[None, :]
        )
        idx = torch.argmin(dist, dim=1)
        return idx, dist

    def forward(self, z):
        """Quantises encoder output z, laid out as (batch, channels, height, width)."""
        B, C, H, W = z.shape
        flat = z.permute(0, 2, 3, 1).reshape(-1, C)
        idx, dist = self.nearest(flat)
        z_q = self.codebook(idx).view(B, H, W, C).permute(0, 3, 1, 2)
        codebook_loss = F.mse_loss(z_q, z.detach())
        commit_loss = F.mse_loss(z, z_q.detach())
        loss = codebook_loss + self.beta * commit_loss
        # straight-through: forward uses z_q, backward copies the gradient to z
        z_q = z + (z_q - z).detach()
        one_hot = F.one_hot(idx, self.num_codes).float()
        avg_probs = one_hot.mean(dim=0)
        perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
        return z_q, loss, perplexity, idx.view(B, H, W)

    @torch.no_grad()
    def ema_update(self, flat, idx):  # flat: (M, code_dim), idx: (M,)
        one_hot = F.one_hot(idx, self.num_codes).type(flat.dtype)
        counts = one_hot.sum(dim=0)
        sums = one_hot.t() @ flat
        self.ema_count = self.decay * self.ema_count + (1 - self.decay) * counts
        self.ema_sum = self.decay * self.ema_sum + (1 - self.decay) * sums
        n = self.ema_count.sum()
        smoothed = (self.ema_count + 1e-5) / (n + self.num_codes * 1e-5) * n
        self.codebook.weight.data.copy_(self.ema_sum / smoothed.unsqueeze(1))

    def decode_indices(self, indices: Int[Tensor, "b h w"]):
        z_q = self.codebook(indices)
        z_q = z_q.permute(0, 3, 1, 2).contiguous()
        return z_q
