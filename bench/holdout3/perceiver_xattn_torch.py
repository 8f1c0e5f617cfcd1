import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from jaxtyping import Bool, Float


class CrossAttention(nn.Module):
    """Latents attend to a (longer) input array, as in the Perceiver."""

    def __init__(self, d_latent, d_input, n_heads, d_head):
        super().__init__()
        inner = n_heads * d_head
        self.to_q = nn.Linear(d_latent, inner, bias=False)
        self.to_kv = nn.Linear(d_input, 2 * inner, bias=False)
        self.to_out = nn.Linear(inner, d_latent)
        self.n_heads = n_heads
        self.d_head = d_head
        self.scale = d_head ** -0.5

    def forward(
        self,
        latents: Float[Tensor, "b n d_latent"],
        inputs: Float[Tensor, "b m d_input"],
        mask: Bool[Tensor, "b m"],
    ):
        b, n, _ = latents.shape
        m = inputs.shape[1]
        h = self.n_heads
        q = self.to_q(latents)
        k, v = self.to_kv(inputs).chunk(2, dim=-1)
        q = q.view(b, n, h, self.d_head).transpose(1, 2)
        k = k.view(b, m, h, -1).transpose(1, 2)
        v = v.reshape(b, m, h, self.d_head).permute(0, 2, 1, 3)
        att = (q @ k.transpose(-2, -1)) * self.scale
        att = att.masked_fill(~mask[:, None, None, :], float("-inf"))
        att = att.softmax(dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(b, n, h * self.d_head)
        out = latents + self.to_out(y)
        return out


class PerceiverEncoder(nn.Module):
    def __init__(self, n_latents, d_latent, d_input, n_heads, d_head):
        super().__init__()
        self.latents = nn.Parameter(torch.randn(n_latents, d_latent) * 0.02)
        self.cross = CrossAttention(d_latent, d_input, n_heads, d_head)
        self.ff1 = nn.Linear(d_latent, 4 * d_latent)
        self.ff2 = nn.Linear(4 * d_latent, d_latent)

    def forward(self, inputs: Float[Tensor, "b m d_input"], mask: Bool[Tensor, "b m"]):
        B = inputs.shape[0]
        lat = self.latents.unsqueeze(0).expand(B, -1, -1)
        lat = self.cross(lat, inputs, mask)
        hid = F.gelu(self.ff1(lat))
        lat = lat + self.ff2(hid)
        summary = lat.mean(dim=1)
        return summary
