"""Graph convolution (Kipf & Welling): symmetric normalisation of the
adjacency matrix, a GraphConv layer, a two-layer GCN and a masked loss."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float
from torch import Tensor


def normalize_adjacency(adj: Float[Tensor, "n n"]) -> Float[Tensor, "n n"]:
    a_hat = adj + torch.eye(adj.size(0), dtype=adj.dtype)
    deg = a_hat.sum(dim=1)
    d_inv_sqrt = deg.pow(-0.5)
    d_inv_sqrt = torch.where(torch.isinf(d_inv_sqrt), torch.zeros_like(d_inv_sqrt), d_inv_sqrt)
    a_norm = d_inv_sqrt.unsqueeze(1) * a_hat * d_inv_sqrt.unsqueeze(0)
    return a_norm


class GraphConv(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, x, adj):
        """
        Args:
            x: node features, shape (num_nodes, in_features)
            adj: normalised adjacency, shape (num_nodes, num_nodes)
        """
        support = x @ self.weight
        out = adj @ support
        out = out + self.bias
        return out


class GCN(nn.Module):
    def __init__(self, n_feat, n_hidden, n_class, dropout=0.5):
        super().__init__()
        self.gc1 = GraphConv(n_feat, n_hidden)
        self.gc2 = GraphConv(n_hidden, n_class)
        self.dropout = dropout

    def forward(self, x, adj):
        """
        - x: node features, of shape (V, n_feat)
        - adj: normalised adjacency, of shape (V, V)
        """
        h = F.relu(self.gc1(x, adj))
        h = F.dropout(h, self.dropout, training=self.training)
        logits = self.gc2(h, adj)
        return F.log_softmax(logits, dim=1)


def masked_nll(log_probs, labels, train_mask):
    """
    - log_probs: per-node class log-probabilities, of shape (V, K)
    - labels: node labels, of shape (V,)
    - train_mask: 1.0 for labelled training nodes, of shape (V,)
    """
    picked = log_probs.gather(1, labels.unsqueeze(1)).squeeze(1)
    loss = -(picked * train_mask).sum() / train_mask.sum()
    return loss


def batched_graph_conv(x: Float[Tensor, "batch nodes feat"],
                       adj: Float[Tensor, "batch nodes nodes"],
                       weight: Float[Tensor, "feat d_out"]):
    deg = adj.sum(-1, keepdim=True).clamp(min=1.0)
    msg = torch.bmm(adj, x) / deg
    out = msg @ weight
    return out


def graph_readout(node_feats):
    num_nodes, feat_dim = node_feats.shape
    mean_pool = node_feats.mean(dim=0)
    max_pool, argmax_node = node_feats.max(dim=0)
    return torch.cat([mean_pool, max_pool])
