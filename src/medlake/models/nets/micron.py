"""MICRON (Yang et al., 2021): drug recommendation as a change to the previous visit's drugs.

Each visit's codes (the sum of their embeddings per visit input) become a
health representation h_v; a prescription network maps h_v to drug logits.
The residual between consecutive visits, h_v - h_(v-1), goes through the same
prescription network and gives change logits: positive for drugs to add,
negative for drugs to remove. A sample's prediction is its previous visit's
drugs (from the drug history, `drugs_hist`) updated by the change:
logit = keep * (+1 if the drug was given at the previous visit else -1) +
change, with `keep` learned; a first visit (no previous drugs) takes the
prescription of h_v itself. Training adds, as the paper does, a loss on every
earlier visit's own prescription against its known drugs and `lam` times the
reconstruction loss: sigmoid(logits_v) should equal sigmoid(logits_(v-1) +
change_v).
"""

from __future__ import annotations

import torch
from torch import nn

from .base import Net, encoders_of, lengths_of
from .gamenet import aligned, check_drug_inputs, history_sets, read_history_as_sets


class MICRON(Net):
    """MICRON for multilabel drug recommendation: visit sequences (nested_codes) plus the drug history.

    `history` names the drug-history input (default drugs_hist; None: no
    previous drugs, so every prediction is the current visit's own
    prescription); `lam` weighs the reconstruction loss."""

    name = "micron"

    def __init__(self, dataset=None, *, history: str | None = "drugs_hist", lam: float = 0.1, **kwargs):
        enc = encoders_of(dataset, kwargs.get("encoders"))
        history = check_drug_inputs("MICRON", enc, history)
        super().__init__(dataset, history=history, lam=lam, **kwargs)
        dim, hidden = self.options["embedding_dim"], self.options["hidden_dim"]
        self.history = history
        self.visit_inputs = read_history_as_sets(self, history)
        self.lam = lam
        self.health = nn.Linear(dim * len(self.visit_inputs), hidden)
        self.prescription = nn.Sequential(nn.Linear(hidden, hidden), nn.Linear(hidden, enc.output_size))
        self.keep = nn.Parameter(torch.tensor(2.0))
        self._parts = None

    def sequence_encoder(self, embedding_dim, hidden_dim, **options):
        return nn.Identity()

    def make_head(self, width, out):
        return nn.Identity()

    def forward(self, batch):
        visits = batch[self.visit_inputs[0] + "_visits"]
        h = self.health(self.dropout(torch.cat([self.embeddings[c](batch, c)[0] for c in self.visit_inputs], dim=-1)))
        own = self.prescription(h)                                   # [B, V, K] each visit's prescription
        change = self.prescription(h[:, 1:] - h[:, :-1])             # [B, V-1, K] from visit v-1 to v
        current = lengths_of(visits) - 1
        rows = torch.arange(len(current), device=current.device)
        logits = own[rows, current]
        sets = None
        if self.history is not None and h.shape[1] > 1:
            sets = aligned(history_sets(self, batch), h.shape[1])
            before = (current - 1).clamp(min=0)
            updated = self.keep * (2 * sets[rows, before] - 1) + change[rows, before]
            logits = torch.where((current > 0)[:, None], updated, logits)
        self._parts = (own, change, sets, visits, current) if self.training else None
        return logits

    def loss(self, logits, label, base):
        if self._parts is None:
            return base
        own, change, sets, visits, current = self._parts
        self._parts = None
        loss = base
        if change.shape[1]:
            # consecutive visits of the sample: the residual must carry one visit's prescription to the next
            pairs = (visits[:, 1:] & visits[:, :-1]).unsqueeze(-1).float()
            gap = torch.sigmoid(own[:, 1:]) - torch.sigmoid(own[:, :-1] + change)
            loss = loss + self.lam * (gap.square() * pairs).sum() / (pairs.sum() * own.shape[-1]).clamp(min=1)
        if sets is not None:
            # every earlier visit's own prescription against the drugs it was given
            earlier = (torch.arange(own.shape[1], device=own.device)[None, :] < current[:, None]).float()
            bce = nn.functional.binary_cross_entropy_with_logits(own.float(), sets, reduction="none").mean(-1)
            loss = loss + (bce * earlier).sum() / earlier.sum().clamp(min=1)
        return loss
