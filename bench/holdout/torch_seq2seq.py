"""A seq2seq encoder whose GRU recurrence is written out by hand (no nn.GRU),
and one decoder step with dot-product attention over the encoder outputs."""
import torch
import torch.nn as nn
from jaxtyping import Int
from torch import Tensor


class Encoder(nn.Module):
    def __init__(self, vocab_size, emb_dim, hid_dim, pad_idx=0, dropout=0.1):
        super().__init__()
        self.hid_dim = hid_dim
        self.pad_idx = pad_idx
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=pad_idx)
        self.dropout = nn.Dropout(dropout)
        self.x2h = nn.Linear(emb_dim, 3 * hid_dim)
        self.h2h = nn.Linear(hid_dim, 3 * hid_dim)

    def gru_cell(self, x_t, h):
        """
        - x_t: embedded tokens at one time step, of shape (B, emb_dim)
        - h: previous hidden state, of shape (B, hid_dim)
        """
        gx = self.x2h(x_t)
        gh = self.h2h(h)
        rx, zx, nx = gx.chunk(3, dim=1)
        rh, zh, nh = gh.chunk(3, dim=1)
        r = torch.sigmoid(rx + rh)
        z = torch.sigmoid(zx + zh)
        n = torch.tanh(nx + r * nh)
        h_new = (1 - z) * n + z * h
        return h_new

    def forward(self, src: Int[Tensor, "batch src_len"]):
        B, T = src.shape
        mask = src != self.pad_idx
        embedded = self.dropout(self.embedding(src))
        h = torch.zeros(B, self.hid_dim, device=src.device)
        outputs = torch.zeros(B, T, self.hid_dim, device=src.device)
        for t in range(T):
            h_new = self.gru_cell(embedded[:, t], h)
            keep = mask[:, t].unsqueeze(1).float()
            h = keep * h_new + (1 - keep) * h
            outputs[:, t] = h
        return outputs, h, mask


class AttnDecoderStep(nn.Module):
    def __init__(self, vocab_size, emb_dim, hid_dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim)
        self.W_in = nn.Linear(emb_dim + hid_dim, hid_dim)
        self.W_h = nn.Linear(hid_dim, hid_dim)
        self.out = nn.Linear(2 * hid_dim, vocab_size)

    def forward(self, y_prev, h, enc_out, src_mask):
        """
        - y_prev: previous target tokens, of shape (B,)
        - h: decoder state, of shape (B, hid_dim)
        - enc_out: encoder outputs, of shape (B, S, hid_dim)
        - src_mask: True at real source tokens, of shape (B, S)
        """
        emb = self.embedding(y_prev)
        scores = torch.bmm(enc_out, h.unsqueeze(2)).squeeze(2)
        scores = scores.masked_fill(~src_mask, float("-inf"))
        attn = torch.softmax(scores, dim=1)
        context = torch.bmm(attn.unsqueeze(1), enc_out).squeeze(1)
        h = torch.tanh(self.W_in(torch.cat([emb, context], dim=1)) + self.W_h(h))
        logits = self.out(torch.cat([h, context], dim=1))
        return logits, h, attn

    def teacher_forced_loss(self, enc_out, h0, src_mask, tgt):
        """
        - enc_out: encoder outputs, of shape (B, S, hid_dim)
        - h0: last encoder state, of shape (B, hid_dim)
        - src_mask: True at real source tokens, of shape (B, S)
        - tgt: target token ids, of shape (B, T)
        """
        B, T = tgt.shape
        h = h0
        total = torch.zeros(())
        for t in range(1, T):
            logits, h, attn = self(tgt[:, t - 1], h, enc_out, src_mask)
            step_loss = nn.functional.cross_entropy(logits, tgt[:, t])
            total = total + step_loss
        return total / (T - 1)
