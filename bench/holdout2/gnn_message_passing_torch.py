"""Message passing on a sparse graph given as an edge list: gather endpoint
features with index_select, scatter-sum messages into nodes as a matmul with a
one-hot incidence matrix, then a graph-level readout and a dense GCN layer."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from jaxtyping import Float, Int
from torch import Tensor


class EdgeMessageLayer(nn.Module):
    def __init__(self, d_in, d_out, d_edge):
        super().__init__()
        self.msg = nn.Linear(2 * d_in + d_edge, d_out)
        self.upd = nn.Linear(d_in + d_out, d_out)

    def forward(self, x, edge_index, edge_attr):
        """
        Args:
            x (Tensor): node features, shape (num_nodes, d_in)
            edge_index (LongTensor): source and target of every edge, shape (2, num_edges)
            edge_attr (Tensor): edge features, shape (num_edges, d_edge)

        Returns:
            Tensor: updated node features, shape (num_nodes, d_out)
        """
        src = edge_index[0]
        dst = edge_index[1]
        x_src = x.index_select(0, src)
        x_dst = torch.index_select(x, 0, dst)
        m = F.relu(self.msg(torch.cat([x_src, x_dst, edge_attr], dim=-1)))
        n = x.size(0)
        incidence = F.one_hot(dst, num_classes=n).to(m.dtype)
        agg = incidence.t() @ m
        deg = incidence.sum(dim=0).clamp(min=1.0).unsqueeze(-1)
        agg = agg / deg
        h = self.upd(torch.cat([x, agg], dim=-1))
        return F.relu(h)


def graph_readout(
    h: Float[Tensor, "nodes d"],
    batch: Int[Tensor, "nodes"],
    num_graphs: int,
):
    """Mean and max pooling of node features per graph."""
    assign = F.one_hot(batch, num_graphs).float()
    counts = assign.sum(0)
    mean_pool = assign.T @ h / counts[:, None]
    masked = torch.where(assign.T[:, :, None] > 0, h[None, :, :], torch.full_like(h[None], float("-inf")))
    max_pool = masked.amax(dim=1)
    return torch.cat([mean_pool, max_pool], dim=1)


def gcn_layer(A, X, W):
    """
    Kipf & Welling propagation: relu(D^-1/2 (A + I) D^-1/2 X W).

    - A: Dense symmetric adjacency matrix, of shape (n, n)
    - X: Node features, of shape (n, f_in)
    - W: Weights, of shape (f_in, f_out)
    """
    n = A.shape[0]
    A_hat = A + torch.eye(n)
    d_inv_sqrt = A_hat.sum(dim=1).pow(-0.5)
    A_norm = d_inv_sqrt[:, None] * A_hat * d_inv_sqrt[None, :]
    H = torch.relu(A_norm @ X @ W)
    return H


class GNNClassifier(nn.Module):
    def __init__(self, d_node, d_edge, d_hidden, n_classes):
        super().__init__()
        self.layer1 = EdgeMessageLayer(d_node, d_hidden, d_edge)
        self.layer2 = EdgeMessageLayer(d_hidden, d_hidden, d_edge)
        self.out = nn.Linear(2 * d_hidden, n_classes)

    def forward(self, x, edge_index, edge_attr, batch, num_graphs):  # x: (V, d_node), edge_index: (2, E), edge_attr: (E, d_edge), batch: (V,)
        h = self.layer1(x, edge_index, edge_attr)
        h = self.layer2(h, edge_index, edge_attr)
        g = graph_readout(h, batch, num_graphs)
        return self.out(g)
