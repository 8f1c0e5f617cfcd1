"""A tiny PyTorch model: token embeddings, one causal attention head group and an MLP.

GradLens reads the layer sizes from __init__ and follows them through forward():
hover `q`, `att` or `logits` to see the shapes, written with the names used here.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class SelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        assert n_embd % n_head == 0
        self.n_head = n_head
        self.qkv = nn.Linear(n_embd, 3 * n_embd)
        self.proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(k.size(-1))
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~causal, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = att @ v  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.proj(y)


class TinyLM(nn.Module):
    def __init__(self, vocab_size, n_embd, n_head, n_hidden):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.attn = SelfAttention(n_embd, n_head)
        self.fc1 = nn.Linear(n_embd, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_embd)
        self.head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx):  # idx: (B, T)
        x = self.tok_emb(idx)
        x = x + self.attn(x)
        h = F.relu(self.fc1(x))
        x = x + self.fc2(h)
        logits = self.head(x)
        return logits


# gradcheck: x=randn(3, 4)
class Swish(torch.autograd.Function):
    """swish(x) = x * sigmoid(x), with a hand-written backward."""

    @staticmethod
    def forward(ctx, x):
        s = torch.sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad_out):
        x, s = ctx.saved_tensors
        grad_x = grad_out * (s + x * s * (1 - s))
        return grad_x
