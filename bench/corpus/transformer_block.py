"""A pre-norm transformer block and a tiny language model built from it."""
import torch
import torch.nn as nn
from jaxtyping import Int
from torch import Tensor


class FeedForward(nn.Module):
    def __init__(self, d_model, expansion=4, dropout=0.1):
        super().__init__()
        self.up = nn.Linear(d_model, expansion * d_model)
        self.down = nn.Linear(expansion * d_model, d_model)
        self.act = nn.GELU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x):  # x: (B, T, d_model)
        h = self.act(self.up(x))
        out = self.drop(self.down(h))
        return out


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.h = n_heads
        self.d_head = d_model // n_heads
        self.wq = nn.Linear(d_model, d_model)
        self.wk = nn.Linear(d_model, d_model)
        self.wv = nn.Linear(d_model, d_model)
        self.wo = nn.Linear(d_model, d_model)

    def forward(self, x, blocked):  # x: (B, T, d_model)
        B, T, C = x.shape
        q = self.wq(x).view(B, T, self.h, self.d_head).permute(0, 2, 1, 3)
        k = self.wk(x).view(B, T, self.h, self.d_head).permute(0, 2, 3, 1)
        v = self.wv(x).view(B, T, self.h, self.d_head).permute(0, 2, 1, 3)
        w = torch.matmul(q, k) / self.d_head ** 0.5
        w = w.masked_fill(blocked, float("-inf"))
        w = torch.softmax(w, dim=-1)
        o = (w @ v).transpose(1, 2).reshape(B, T, C)
        return self.wo(o)


class Block(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = FeedForward(d_model)

    def forward(self, x):  # x: (B, T, d_model)
        T = x.size(1)
        blocked = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        x = x + self.attn(self.ln1(x), blocked)
        x = x + self.ff(self.ln2(x))
        return x


class TinyTransformer(nn.Module):
    def __init__(self, vocab, d_model, n_heads, n_layers, max_len):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList([Block(d_model, n_heads) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab, bias=False)

    def forward(self, idx: Int[Tensor, "B T"]):
        B, T = idx.shape
        pos = torch.arange(T)
        x = self.tok(idx) + self.pos(pos)
        for blk in self.blocks:
            x = blk(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)
        return logits
