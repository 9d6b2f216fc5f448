"""GAMENet (Shang et al., 2019) for drug recommendation, with a drug-drug-interaction penalty.

Each visit sequence (e.g. conditions and procedures, nested lists) is read by
a GRU that keeps its state at every visit; a query is made from those states
at every visit. The memory bank holds drug embeddings from graph convolutions
over the training split's co-prescription graph, minus (weighted) those over
the DDI graph when one is supplied. The current visit's query reads the bank
by attention (static memory) and, when the samples carry a drug history
(`drugs_hist`: earlier visits' drugs, the current visit's emptied), also
reads the dynamic memory: the earlier visits' queries are its keys and their
drug sets its values. With a DDI graph, training adds the expected number of
interacting pairs among the predicted drugs to the loss.
"""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import torch
from torch import nn

from ...errors import ParameterError
from ..tensors import multi_hot
from .base import Net, lengths_of, run_masked


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


def check_drug_inputs(model: str, enc, history: str | None) -> str | None:
    """The drug-history input a drug-recommendation network reads (None when the samples lack it), after
    checking that the label is multilabel and that every other input is a visit sequence (nested_codes)."""
    if enc.label_type != "multilabel":
        raise ParameterError(f"{model} recommends a set of drugs: it needs a multilabel label, "
                             f"not {enc.label_type}")
    if history is not None and history not in enc.inputs:
        history = None
    others = {c: k for c, k in enc.inputs.items() if c != history and k != "nested_codes"}
    if others or len(enc.inputs) == (history is not None):
        raise ParameterError(f"{model} reads visit sequences: it needs nested_codes inputs, and every input "
                             f"but the drug history must be one (got {others or 'no visit sequence'})")
    return history


def read_history_as_sets(net: Net, history: str | None) -> list[str]:
    """Drop the history input's embedding (it is read as drug sets, see history_sets) and map its ids to
    label classes (-1: not a class); returns the visit inputs, every sequence input but the history."""
    if history is not None:
        del net.embeddings[history], net.sequence_encoders[history]
        classes = {c: i for i, c in enumerate(net.encoders.label_encoder.classes)}
        to_class = [classes.get(code, -1) for code in net.encoders.vocabularies[history].codes]
        net.register_buffer("history_class", torch.tensor(to_class, dtype=torch.long), persistent=False)
    return [c for c in net.sequence_inputs if c != history]


def history_sets(net: Net, batch: dict) -> torch.Tensor:
    """[B, V, K] 0/1: the label classes among each visit's drugs in `net.history` (see read_history_as_sets)."""
    ids, mask = batch[net.history], batch[net.history + "_mask"]
    k = net.encoders.output_size
    classes = net.history_class[ids]
    classes = torch.where(mask & (classes >= 0), classes, k)      # k: a bin for pads and unknown drugs
    sets = torch.zeros(*ids.shape[:2], k + 1, device=ids.device)
    return sets.scatter_(2, classes, 1.0)[..., :k]


def aligned(sets: torch.Tensor, visits: int) -> torch.Tensor:
    """Drug sets padded or cut to `visits` visits (histories are aligned with the visit inputs visit by visit)."""
    if sets.shape[1] < visits:
        sets = nn.functional.pad(sets, (0, 0, 0, visits - sets.shape[1]))
    return sets[:, :visits]


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


class _VisitStates(nn.Module):
    """A GRU over visits that keeps its state at every visit: ([B, V, D], [B, V]) -> [B, V, H]."""

    def __init__(self, embedding_dim: int, hidden_dim: int):
        super().__init__()
        self.rnn = nn.GRU(embedding_dim, hidden_dim, batch_first=True)

    def forward(self, x, mask):
        return run_masked(self.rnn, x, mask)[0]


class GAMENet(Net):
    """Graph-augmented memory network for multilabel drug recommendation.

    `history` names the input holding earlier visits' drugs (default `drugs_hist`
    when the samples have it; None: no dynamic memory). Every other input must
    be a visit sequence (nested_codes) aligned with it, visit by visit."""

    name = "gamenet"

    def __init__(self, dataset=None, *, ehr_adjacency=None, ddi_adjacency=None, ddi_weight: float = 0.05,
                 history: str | None = "drugs_hist", **kwargs):
        if kwargs.get("encoders") is None and dataset is None:
            raise ParameterError("GAMENet needs dataset=SampleSet (its drug graph comes from the training labels)")
        enc = kwargs.get("encoders") or dataset.encoders
        history = check_drug_inputs("GAMENet", enc, history)
        super().__init__(dataset, history=history, **kwargs)
        k, hidden = enc.output_size, self.options["hidden_dim"]
        self.history = history
        self.visit_inputs = read_history_as_sets(self, history)
        if ehr_adjacency is None:
            ehr_adjacency = co_occurrence(dataset)
        self.ehr = _GCN(np.asarray(ehr_adjacency), hidden)
        self.ddi = _GCN(np.asarray(ddi_adjacency), hidden) if ddi_adjacency is not None else None
        if ddi_adjacency is not None:
            self.register_buffer("ddi_adj", torch.as_tensor(np.asarray(ddi_adjacency), dtype=torch.float32))
        self.inter = nn.Parameter(torch.tensor(0.1))
        self.ddi_weight = ddi_weight
        self.query = nn.Sequential(nn.ReLU(), nn.Linear(hidden * len(self.visit_inputs), hidden))
        self.output = nn.Sequential(nn.ReLU(), nn.Linear(3 * hidden, k))

    def sequence_encoder(self, embedding_dim, hidden_dim, **options):
        return _VisitStates(embedding_dim, hidden_dim)

    def make_head(self, width, out):
        return nn.Identity()

    def history_sets(self, batch) -> torch.Tensor:
        """[B, V, K] 0/1: the label classes among each visit's drugs in the history input."""
        return history_sets(self, batch)

    def forward(self, batch):
        states = []
        for c in self.visit_inputs:
            x, visits = self.embeddings[c](batch, c)
            states.append(self.sequence_encoders[c](self.dropout(x), visits))
        queries = self.query(torch.cat(states, dim=-1))                       # [B, V, H]
        current = lengths_of(batch[self.visit_inputs[0] + "_visits"]) - 1      # each sample's last visit
        rows = torch.arange(len(current), device=current.device)
        query = queries[rows, current]                                         # [B, H]
        memory = self.ehr()
        if self.ddi is not None:
            memory = memory - self.inter * self.ddi()
        static = torch.softmax(query @ memory.T, dim=-1) @ memory
        dynamic = torch.zeros_like(static)
        if self.history is not None:
            sets = aligned(self.history_sets(batch), queries.shape[1])
            earlier = torch.arange(queries.shape[1], device=query.device) < current[:, None]
            scores = torch.einsum("bh,bvh->bv", query, queries).masked_fill(~earlier, float("-inf"))
            # a first visit has no earlier visit to read: its weights are all zero
            weights = torch.softmax(scores, dim=-1).nan_to_num(0.0)
            dynamic = torch.einsum("bv,bvk->bk", weights, sets) @ memory
        return self.output(torch.cat([query, static, dynamic], dim=-1))

    def extra_loss(self, logits):
        if self.ddi is None or not self.ddi_weight:
            return None
        p = torch.sigmoid(logits.float())
        return self.ddi_weight * ((p @ self.ddi_adj) * p).sum(dim=1).mean() / 2
