"""LogisticRegression (the `linear` network, trained by the Trainer like any other) and MLP: bag-of-codes
and tabular inputs. The scikit-learn baselines `logistic_regression` and `gbm` are in models/baselines.py."""

from __future__ import annotations

import torch
from torch import nn

from .base import Net, masked_mean


class BagOfCodes(nn.Module):
    """Mean of a sequence's embeddings, projected to the hidden width."""

    def __init__(self, embedding_dim: int, hidden_dim: int):
        super().__init__()
        self.proj = nn.Linear(embedding_dim, hidden_dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.proj(masked_mean(x, mask)))


class MLP(Net):
    """Bag-of-codes embeddings and tabular features through a multilayer perceptron."""

    name = "mlp"

    def __init__(self, dataset=None, *, layers: int = 2, **kwargs):
        self.layers = layers
        super().__init__(dataset, layers=layers, **kwargs)

    def sequence_encoder(self, embedding_dim, hidden_dim, **options):
        return BagOfCodes(embedding_dim, hidden_dim)

    def make_head(self, width, out):
        hidden = self.options["hidden_dim"]
        blocks: list[nn.Module] = []
        for i in range(max(self.layers - 1, 0)):
            blocks += [nn.Linear(width if i == 0 else hidden, hidden), nn.ReLU(), nn.Dropout(self.options["dropout"])]
        blocks.append(nn.Linear(hidden if self.layers > 1 else width, out))
        return nn.Sequential(*blocks)


class LogisticRegression(Net):
    """A linear model on code counts (one weight per code and output) plus tabular features."""

    name = "linear"

    def __init__(self, dataset=None, **kwargs):
        kwargs.setdefault("dropout", 0.0)
        super().__init__(dataset, **kwargs)
        out = self.encoders.output_size
        # one weight per code and output: summing them over a sample's codes is a linear model on code counts
        for c in self.sequence_inputs:
            self.embeddings[c] = _CodeWeights(self.encoders.inputs[c], len(self.encoders.vocabularies[c]), out)
        for c in self.categorical_inputs:
            self.categorical[c] = nn.Embedding(len(self.encoders.vocabularies[c]), out, padding_idx=0)
        self.tabular = nn.Linear(len(self.numeric_inputs), out) if self.numeric_inputs else None
        self.bias = nn.Parameter(torch.zeros(out))

    def sequence_encoder(self, embedding_dim, hidden_dim, **options):
        return nn.Identity()

    def make_head(self, width, out):
        return nn.Identity()

    def forward(self, batch):
        total = self.bias.expand(len(batch["label"]), -1)
        for c in self.sequence_inputs:
            total = total + self.embeddings[c](batch, c)
        for c in self.categorical_inputs:
            total = total + self.categorical[c](batch[c])
        if self.tabular is not None:
            total = total + self.tabular(torch.stack([batch[c] for c in self.numeric_inputs], dim=1))
        return total.squeeze(-1) if self.encoders.output_size == 1 else total


class _CodeWeights(nn.Module):
    """Sum of per-code weights over a sample's codes (all visits for nested codes)."""

    def __init__(self, kind: str, vocab_size: int, out: int):
        super().__init__()
        self.kind = kind
        self.weights = nn.Embedding(vocab_size, out, padding_idx=0)
        nn.init.zeros_(self.weights.weight)     # a linear model starts from zero weights
        if kind == "series":
            # one weight per code and output on the code's standardized values (mean over the sequence)
            self.values = nn.Embedding(vocab_size, out, padding_idx=0)
            nn.init.zeros_(self.values.weight)

    def forward(self, batch, col):
        w = self.weights(batch[col]) * batch[col + "_mask"].unsqueeze(-1)
        if self.kind == "nested_codes":
            return w.sum(dim=(1, 2))
        total = w.sum(dim=1)
        if self.kind == "series":
            m = batch[col + "_mask"].to(w.dtype)
            v = self.values(batch[col]) * (batch[col + "_value"] * m).unsqueeze(-1)
            total = total + v.sum(1) / m.sum(1, keepdim=True).clamp(min=1)
        return total
