"""SafeDrug (Yang et al., 2021) for drug recommendation, molecule-free, with its DDI-controlled loss.

A GRU per visit sequence (e.g. conditions, procedures) reads the visits; a query
is made from their states at the sample's last visit. Two encoders turn the
query into a score per drug and their product is the logit:

- the local (bipartite) encoder maps the query to substructure activations and
  those to drugs. The paper's substructures are the BRICS fragments of each
  drug's molecule, and a drug-substructure mask restricts which fragments a
  drug reads; the lake holds no molecules, so here the `substructures` are
  latent (learned) and the map is dense.
- the global encoder matches the query against one vector per drug. The paper
  derives that vector from the drug's molecular graph by message passing;
  here it is learned.

The DDI-controlled loss is the paper's: with a DDI graph, while the batch's
DDI rate (interacting pairs among the drugs predicted at 0.5, over all pairs)
exceeds `target_ddi`, the loss is beta * BCE + (1 - beta) * DDI loss with
beta = max(0, 1 + (target_ddi - rate) / kp); below the target it is the BCE
alone. The DDI loss is the expected number of interacting pairs per sample.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .base import Net, encoders_of, lengths_of
from .gamenet import _VisitStates, check_drug_inputs, read_history_as_sets


class SafeDrug(Net):
    """Molecule-free SafeDrug for multilabel drug recommendation.

    Every input but the drug history (`history`, default drugs_hist; not read,
    as in the paper) must be a visit sequence. `ddi_adjacency` ([K, K] over the
    label's classes) turns on the DDI-controlled loss; `target_ddi` and `kp` are
    its acceptance rate and proportional factor."""

    name = "safedrug"

    def __init__(self, dataset=None, *, ddi_adjacency=None, target_ddi: float = 0.08, kp: float = 0.05,
                 substructures: int | None = None, history: str | None = "drugs_hist", **kwargs):
        enc = encoders_of(dataset, kwargs.get("encoders"))
        history = check_drug_inputs("SafeDrug", enc, history)
        hidden = kwargs.get("hidden_dim", 64)
        substructures = substructures or hidden
        super().__init__(dataset, history=history, target_ddi=target_ddi, kp=kp, substructures=substructures,
                         **kwargs)
        k = enc.output_size
        self.history = history
        self.visit_inputs = read_history_as_sets(self, history)
        self.target_ddi, self.kp = target_ddi, kp
        self.query = nn.Sequential(nn.ReLU(), nn.Linear(hidden * len(self.visit_inputs), hidden))
        self.to_substructures = nn.Linear(hidden, substructures)   # local encoder
        self.substructure_drugs = nn.Linear(substructures, k)
        self.drug_vectors = nn.Parameter(torch.randn(k, hidden) * 0.1)   # global encoder
        self.global_out = nn.Linear(k, k)
        self.global_norm = nn.LayerNorm(k)
        if ddi_adjacency is not None:
            self.register_buffer("ddi_adj", torch.as_tensor(np.asarray(ddi_adjacency), dtype=torch.float32))
        else:
            self.ddi_adj = None

    def sequence_encoder(self, embedding_dim, hidden_dim, **options):
        return _VisitStates(embedding_dim, hidden_dim)

    def make_head(self, width, out):
        return nn.Identity()

    def forward(self, batch):
        states = []
        for c in self.visit_inputs:
            x, visits = self.embeddings[c](batch, c)
            states.append(self.sequence_encoders[c](self.dropout(x), visits))
        current = lengths_of(batch[self.visit_inputs[0] + "_visits"]) - 1
        rows = torch.arange(len(current), device=current.device)
        query = self.query(torch.cat(states, dim=-1)[rows, current])              # [B, H]
        local = self.substructure_drugs(torch.sigmoid(self.to_substructures(query)))
        match = torch.sigmoid(query @ self.drug_vectors.T)                         # [B, K]
        glob = self.global_norm(match + self.global_out(match))
        return local * glob

    def ddi_rate(self, logits: torch.Tensor) -> torch.Tensor:
        """The DDI rate of the drugs predicted at 0.5 (as metrics.ddi_rate computes it)."""
        pred = (logits.detach() > 0).float()
        upper = torch.triu(((self.ddi_adj + self.ddi_adj.T) > 0).float(), diagonal=1)
        bad = ((pred @ upper) * pred).sum()
        k = pred.sum(dim=1)
        pairs = (k * (k - 1) / 2).sum()
        return bad / pairs if pairs > 0 else pairs

    def loss(self, logits, label, base):
        if self.ddi_adj is None:
            return base
        rate = float(self.ddi_rate(logits))
        if rate <= self.target_ddi:
            return base
        beta = max(0.0, 1.0 + (self.target_ddi - rate) / self.kp)
        p = torch.sigmoid(logits.float())
        ddi_loss = ((p @ self.ddi_adj) * p).sum(dim=1).mean() / 2
        return beta * base + (1 - beta) * ddi_loss
