"""ViT patch embedding: cut images into patches with unfold, flatten, project,
prepend a class token and add learned positions."""
import torch
import torch.nn as nn
from jaxtyping import Float
from torch import Tensor


class PatchEmbed(nn.Module):
    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768):
        super().__init__()
        self.patch_size = patch_size
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Linear(in_chans * patch_size * patch_size, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.randn(1, self.num_patches + 1, embed_dim) * 0.02)

    def forward(self, x: Float[Tensor, "batch in_chans img_size img_size"]):
        B, C, H, W = x.shape
        p = self.patch_size
        patches = x.unfold(2, p, p).unfold(3, p, p)
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(B, -1, C * p * p)
        tokens = self.proj(patches)
        cls = self.cls_token.expand(B, -1, -1)
        tokens = torch.cat([cls, tokens], dim=1)
        tokens = tokens + self.pos_embed
        return tokens


class PatchClassifier(nn.Module):
    def __init__(self, img_size=32, patch_size=4, in_chans=3, embed_dim=64, num_classes=10):
        super().__init__()
        self.embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim)
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)

    def forward(self, x):  # x: (B, in_chans, img_size, img_size)
        tokens = self.norm(self.embed(x))
        cls_out = tokens[:, 0]
        patch_mean = tokens[:, 1:].mean(dim=1)
        logits = self.head(cls_out + patch_mean)
        return logits


def patchify(imgs, p):
    """Cut images into non-overlapping p x p patches, MAE style.

    imgs: (N, 3, H, W)
    """
    N, _, H, W = imgs.shape
    h, w = H // p, W // p
    x = imgs.reshape(N, 3, h, p, w, p)
    x = torch.einsum("nchpwq->nhwpqc", x)
    x = x.reshape(N, h * w, p * p * 3)
    return x


def random_masking(x, n_keep):
    """
    Keep a random subset of n_keep < L patch tokens of every image.

    - x: patch tokens, of shape (N, L, D)
    """
    N, L, D = x.shape
    noise = torch.rand(N, L)
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    ids_keep = ids_shuffle[:, :n_keep]
    x_masked = torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, D))
    mask = torch.ones(N, L)
    mask[:, :n_keep] = 0
    mask = torch.gather(mask, dim=1, index=ids_restore)
    return x_masked, mask, ids_restore
