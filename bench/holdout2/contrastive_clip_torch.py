"""Contrastive objectives: a CLIP-style symmetric image-text loss with a learned
temperature, and InfoNCE with explicit negatives and hard-negative mining."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


class CLIPHead(nn.Module):
    def __init__(self, d_image, d_text, d_embed, init_temperature=0.07):
        super().__init__()
        self.img_proj = nn.Linear(d_image, d_embed, bias=False)
        self.txt_proj = nn.Linear(d_text, d_embed, bias=False)
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1.0 / init_temperature))

    def embed(self, img_feats, txt_feats):  # img_feats: (B, d_image), txt_feats: (B, d_text)
        img = F.normalize(self.img_proj(img_feats), dim=-1)
        txt = F.normalize(self.txt_proj(txt_feats), dim=-1)
        return img, txt

    def forward(self, img_feats, txt_feats):  # img_feats: (B, d_image), txt_feats: (B, d_text)
        img, txt = self.embed(img_feats, txt_feats)
        scale = self.logit_scale.exp().clamp(max=100.0)
        logits_per_image = scale * img @ txt.t()
        logits_per_text = logits_per_image.t()
        labels = torch.arange(img.shape[0], device=img.device)
        loss_i = F.cross_entropy(logits_per_image, labels)
        loss_t = F.cross_entropy(logits_per_text, labels)
        loss = (loss_i + loss_t) / 2
        return loss, logits_per_image

    @torch.no_grad()
    def retrieval_accuracy(self, img_feats, txt_feats):  # img_feats: (B, d_image), txt_feats: (B, d_text)
        img, txt = self.embed(img_feats, txt_feats)
        sims = img @ txt.T
        best_text = sims.argmax(dim=1)
        hits = best_text == torch.arange(sims.size(0))
        return hits.float().mean()


def info_nce(
    anchors: Float[Tensor, "n d"],
    positives: Float[Tensor, "n d"],
    negatives: Float[Tensor, "n m d"],
    temperature: float = 0.1,
) -> Float[Tensor, ""]:
    a = F.normalize(anchors, dim=-1)
    p = F.normalize(positives, dim=-1)
    neg = F.normalize(negatives, dim=-1)
    pos_logit = (a * p).sum(dim=-1, keepdim=True)
    neg_logits = torch.einsum("nd,nmd->nm", a, neg)
    logits = torch.cat([pos_logit, neg_logits], dim=1) / temperature
    log_probs = F.log_softmax(logits, dim=1)
    loss = -log_probs[:, 0].mean()
    return loss


def hardest_negative_margin(
    anchors: Float[Tensor, "n d"],
    positives: Float[Tensor, "n d"],
    margin: float = 0.2,
):
    """Triplet loss against the most similar non-matching positive in the batch."""
    sim = anchors @ positives.T
    pos = sim.diagonal()
    eye = torch.eye(sim.shape[0], dtype=torch.bool)
    masked = sim.masked_fill(eye, float("-inf"))
    hardest, hardest_idx = masked.max(dim=1)
    losses = F.relu(margin + hardest - pos)
    return losses.mean(), hardest_idx
