"""Causal multi-head self-attention for a decoder-only language model."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size, dropout=0.0):
        super().__init__()
        assert n_embd % n_head == 0
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.out_proj = nn.Linear(n_embd, n_embd)
        self.attn_drop = nn.Dropout(dropout)
        self.n_head = n_head
        self.head_dim = n_embd // n_head
        mask = torch.tril(torch.ones(block_size, block_size))
        self.register_buffer("mask", mask.view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=-1)
        q = q.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        k = k.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        att = q @ k.transpose(-2, -1) * (1.0 / math.sqrt(self.head_dim))
        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        att = self.attn_drop(att)
        y = att @ v
        y = y.transpose(1, 2).reshape(B, T, C)
        y = self.out_proj(y)
        return y


def causal_attention(
    q: Float[Tensor, "batch heads seq hd"],
    k: Float[Tensor, "batch heads seq hd"],
    v: Float[Tensor, "batch heads seq hd"],
) -> Float[Tensor, "batch heads seq hd"]:
    T = q.size(-2)
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    logits = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.size(-1))
    logits = logits.masked_fill(future, float("-inf"))
    weights = torch.softmax(logits, dim=-1)
    return torch.matmul(weights, v)


def last_token_logits(hidden: Float[Tensor, "B T d"], unembed: Float[Tensor, "vocab d"]):
    last = hidden[:, -1, :]
    logits = last @ unembed.T
    top_val, top_idx = logits.topk(5, dim=-1)
    log_probs = F.log_softmax(logits, dim=-1)
    return top_idx, log_probs
