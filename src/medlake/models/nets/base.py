"""What every network shares: embedding each input by its kind, and the output head.

A network is built from the encoders of a SampleSet (`Net(dataset=samples)`)
so its embedding tables, tabular width and output layer follow the task's
inputs and label type. Sequence inputs (codes, nested_codes, series) become
[B, L, D] embeddings with a [B, L] mask; each network turns every sequence
into one vector with its own `SequenceEncoder`; numeric and categorical
inputs join before the output layer. Signal and image inputs (read from
files by the stream) go through the network's `file_encoder` ([B, C, T] or
[B, C, H, W] -> [B, hidden_dim]); the convolutional networks (nets/conv.py)
define one.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ...errors import ParameterError
from ..vocab import Encoders

SEQUENCE_KINDS = ("codes", "nested_codes", "series")
FILE_KINDS = ("signal", "image")


def encoders_of(dataset=None, encoders: Encoders | None = None) -> Encoders:
    """The Encoders of a SampleSet (or the ones given)."""
    enc = encoders if encoders is not None else getattr(dataset, "encoders", None)
    if enc is None:
        raise ParameterError("a network needs dataset=SampleSet (or encoders=Encoders) to size its layers")
    return enc


class SequenceEmbedding(nn.Module):
    """One sequence input -> ([B, L, D] embeddings, [B, L] mask)."""

    def __init__(self, kind: str, vocab_size: int, dim: int):
        super().__init__()
        self.kind = kind
        self.codes = nn.Embedding(vocab_size, dim, padding_idx=0)
        if kind == "series":
            # [standardized value, scaled hours, value missing] -> added to the code's embedding, plus the
            # value times a direction of the code's own (so what a high value means can differ by code)
            self.values = nn.Linear(3, dim)
            self.value_directions = nn.Embedding(vocab_size, dim, padding_idx=0)

    def forward(self, batch: dict, col: str) -> tuple[torch.Tensor, torch.Tensor]:
        ids = batch[col]
        if self.kind == "nested_codes":
            # a visit is the sum of its codes' embeddings
            x = (self.codes(ids) * batch[col + "_mask"].unsqueeze(-1)).sum(dim=2)
            return x, batch[col + "_visits"]
        x = self.codes(ids)
        if self.kind == "series":
            x = x + self.values(series_channels(batch, col)) \
                + self.value_directions(ids) * batch[col + "_value"].unsqueeze(-1)
        return x, batch[col + "_mask"]


def series_channels(batch: dict, col: str) -> torch.Tensor:
    """[B, L, 3]: a series input's standardized value, scaled hours and missing-value flag."""
    value = batch[col + "_value"]
    missing = (~batch[col + "_value_mask"]).to(value.dtype)
    return torch.stack([value, batch[col + "_hours"], missing], dim=-1)


class Net(nn.Module):
    """Base of the model zoo: embeddings per input, a sequence encoder per sequence input, a linear head."""

    name = "net"

    def __init__(self, dataset=None, *, encoders: Encoders | None = None, embedding_dim: int = 64,
                 hidden_dim: int = 64, dropout: float = 0.1, **options):
        super().__init__()
        self.encoders = encoders_of(dataset, encoders)
        self.options = {"embedding_dim": embedding_dim, "hidden_dim": hidden_dim, "dropout": dropout, **options}
        enc = self.encoders
        self.sequence_inputs = [c for c, k in enc.inputs.items() if k in SEQUENCE_KINDS]
        self.numeric_inputs = [c for c, k in enc.inputs.items() if k == "numeric"]
        self.categorical_inputs = [c for c, k in enc.inputs.items() if k == "categorical"]
        self.file_inputs = [c for c, k in enc.inputs.items() if k in FILE_KINDS]
        self.embeddings = nn.ModuleDict({c: SequenceEmbedding(enc.inputs[c], len(enc.vocabularies[c]), embedding_dim)
                                         for c in self.sequence_inputs})
        self.sequence_encoders = nn.ModuleDict({c: self.sequence_encoder(embedding_dim, hidden_dim, **options)
                                                for c in self.sequence_inputs})
        self.categorical = nn.ModuleDict({c: nn.Embedding(len(enc.vocabularies[c]), embedding_dim, padding_idx=0)
                                          for c in self.categorical_inputs})
        self.file_encoders = nn.ModuleDict({c: self.file_encoder(enc.inputs[c], enc.lazy[c], hidden_dim)
                                            for c in self.file_inputs})
        width = hidden_dim * (len(self.sequence_inputs) + len(self.file_inputs)) \
            + embedding_dim * len(self.categorical_inputs) + len(self.numeric_inputs)
        if width == 0:
            raise ParameterError("the samples have no inputs for a network to read")
        self.dropout = nn.Dropout(dropout)
        self.head = self.make_head(width, enc.output_size)

    # subclasses override these two
    def sequence_encoder(self, embedding_dim: int, hidden_dim: int, **options) -> nn.Module:
        """A module mapping ([B, L, D], [B, L] mask) -> [B, hidden_dim]."""
        raise TypeError(f"{type(self).__name__} must define sequence_encoder")

    def make_head(self, width: int, out: int) -> nn.Module:
        return nn.Linear(width, out)

    def file_encoder(self, kind: str, options: dict, hidden_dim: int) -> nn.Module:
        """A module mapping a signal [B, C, T] or image [B, C, H, W] batch -> [B, hidden_dim]."""
        raise ParameterError(f"the {self.name} network reads no {kind} input; use cnn1d for signals, "
                             "cnn2d for images")

    def features(self, batch: dict) -> torch.Tensor:
        """[B, width]: every input reduced to one vector, concatenated."""
        parts = []
        for c in self.sequence_inputs:
            x, mask = self.embeddings[c](batch, c)
            parts.append(self.encode_sequence(c, self.dropout(x), mask, batch))
        parts += [self.file_encoders[c](batch[c]) for c in self.file_inputs]
        parts += [self.categorical[c](batch[c]) for c in self.categorical_inputs]
        if self.numeric_inputs:
            parts.append(torch.stack([batch[c] for c in self.numeric_inputs], dim=1))
        return torch.cat(parts, dim=1)

    def encode_sequence(self, col: str, x: torch.Tensor, mask: torch.Tensor, batch: dict) -> torch.Tensor:
        """[B, hidden_dim]: one sequence input's embeddings through its encoder (a network that reads more
        of the batch, such as event times, overrides this)."""
        return self.sequence_encoders[col](x, mask)

    def forward(self, batch: dict) -> torch.Tensor:
        """Logits: [B] for binary and regression labels, [B, K] for multiclass and multilabel."""
        out = self.head(self.dropout(self.features(batch)))
        return out.squeeze(-1) if self.encoders.output_size == 1 else out

    def extra_loss(self, logits: torch.Tensor) -> torch.Tensor | None:
        """A term added to the training loss (e.g. a DDI penalty); None by default."""
        return None

    def loss(self, logits: torch.Tensor, label: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
        """The training loss, given `base`, the label type's loss of these logits: base plus extra_loss by
        default; a network whose loss is not a sum (SafeDrug's DDI control) overrides this."""
        extra = self.extra_loss(logits)
        return base + extra if extra is not None else base


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over valid positions: [B, L, D], [B, L] -> [B, D] (zeros for empty rows)."""
    m = mask.unsqueeze(-1).to(x.dtype)
    return (x * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)


def masked_max(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Max over valid positions (zeros for empty rows)."""
    filled = x.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(dim=1).values
    return torch.where(mask.any(dim=1, keepdim=True), filled, torch.zeros_like(filled))


def lengths_of(mask: torch.Tensor) -> torch.Tensor:
    """Valid positions per row, at least 1 (an empty row reads its padding)."""
    return mask.sum(dim=1).clamp(min=1)


def run_masked(rnn: nn.RNNBase, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Run a batch-first GRU/LSTM over the valid positions of each row: (its states [B, L, H], zero on padding;
    its final hidden state, an LSTM's h without c)."""
    packed = pack_padded_sequence(x, lengths_of(mask).cpu(), batch_first=True, enforce_sorted=False)
    out, h = rnn(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, (h[0] if isinstance(h, tuple) else h)
