"""GAMENet (Shang et al., 2019) for drug recommendation, with a drug-drug-interaction penalty.

Visit sequences (e.g. conditions and procedures) are read by GRUs into a
query; a memory of drug embeddings comes from graph convolutions over the
drug co-prescription graph of the training split, minus (weighted) those over
the DDI graph when one is supplied; the query reads the memory by attention
and both feed the output layer. With a DDI graph, training adds the expected
number of interacting pairs among the predicted drugs to the loss.
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import torch
from torch import nn

from ...errors import ParameterError
from ..tensors import multi_hot
from .base import Net
from .sequence import _LastState


def co_occurrence(samples, split: str = "train") -> np.ndarray:
    """[K, K] 0/1 matrix: drugs prescribed together in some training sample (no self loops)."""
    table = samples.encoded
    rows = table.filter(pc.equal(table.column("split"), split)).column("label")
    y = multi_hot(rows.combine_chunks(), len(samples.encoders.label_encoder))
    adj = (y.T @ y > 0).astype(np.float32)
    np.fill_diagonal(adj, 0.0)
    return adj


def ddi_matrix(pairs, classes: list[str]) -> np.ndarray:
    """A DDI graph over the label's classes from (drug, drug) code pairs; pairs outside the classes are ignored."""
    index = {c: i for i, c in enumerate(classes)}
    adj = np.zeros((len(classes), len(classes)), dtype=np.float32)
    for a, b in pairs:
        if a in index and b in index:
            adj[index[a], index[b]] = adj[index[b], index[a]] = 1.0
    return adj


class _GCN(nn.Module):
    """Two graph convolutions over a fixed adjacency, from one learned vector per node."""

    def __init__(self, adj: np.ndarray, dim: int):
        super().__init__()
        a = torch.as_tensor(adj, dtype=torch.float32) + torch.eye(len(adj))
        d = a.sum(dim=1).rsqrt()
        self.register_buffer("adj", d.unsqueeze(1) * a * d.unsqueeze(0))
        self.nodes = nn.Parameter(torch.randn(len(adj), dim) * 0.1)
        self.w1 = nn.Linear(dim, dim)
        self.w2 = nn.Linear(dim, dim)

    def forward(self):
        h = torch.relu(self.adj @ self.w1(self.nodes))
        return self.adj @ self.w2(h)


class GAMENet(Net):
    """Graph-augmented memory network for multilabel drug recommendation."""

    name = "gamenet"

    def __init__(self, dataset=None, *, ehr_adjacency=None, ddi_adjacency=None, ddi_weight: float = 0.05,
                 **kwargs):
        if kwargs.get("encoders") is None and dataset is None:
            raise ParameterError("GAMENet needs dataset=SampleSet (its drug graph comes from the training labels)")
        enc = kwargs.get("encoders") or dataset.encoders
        if enc.label_type != "multilabel":
            raise ParameterError("GAMENet recommends a set of drugs: it needs a multilabel label, "
                                 f"not {enc.label_type}")
        super().__init__(dataset, **kwargs)
        k, hidden = enc.output_size, self.options["hidden_dim"]
        if ehr_adjacency is None:
            ehr_adjacency = co_occurrence(dataset)
        self.ehr = _GCN(np.asarray(ehr_adjacency), hidden)
        self.ddi = _GCN(np.asarray(ddi_adjacency), hidden) if ddi_adjacency is not None else None
        if ddi_adjacency is not None:
            self.register_buffer("ddi_adj", torch.as_tensor(np.asarray(ddi_adjacency), dtype=torch.float32))
        self.inter = nn.Parameter(torch.tensor(0.1))
        self.ddi_weight = ddi_weight
        self.query = nn.Linear(self._width, hidden)
        self.output = nn.Sequential(nn.ReLU(), nn.Linear(2 * hidden, k))

    def sequence_encoder(self, embedding_dim, hidden_dim, **options):
        return _LastState(embedding_dim, hidden_dim, "gru")

    def make_head(self, width, out):
        self._width = width
        return nn.Identity()

    def forward(self, batch):
        q = self.query(self.dropout(self.features(batch)))
        memory = self.ehr()
        if self.ddi is not None:
            memory = memory - self.inter * self.ddi()
        read = torch.softmax(q @ memory.T, dim=-1) @ memory
        return self.output(torch.cat([q, read], dim=-1))

    def extra_loss(self, logits):
        if self.ddi is None or not self.ddi_weight:
            return None
        p = torch.sigmoid(logits.float())
        return self.ddi_weight * ((p @ self.ddi_adj) * p).sum(dim=1).mean() / 2
