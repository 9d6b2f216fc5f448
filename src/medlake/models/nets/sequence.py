"""Sequence networks: RNN (GRU or LSTM), Transformer, RETAIN and Deepr."""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ParameterError
from .base import Net, lengths_of, masked_max, masked_mean, run_masked


class _LastState(nn.Module):
    """Run a GRU/LSTM (both directions by default) over the valid positions; keep the last hidden state
    (`pool="last"`), or the last state, the mean of the states and the mean of the inputs over valid steps
    (`pool="last+mean"`), or, by default, the last state, an attention-weighted sum of the states and the mean
    of the inputs (`pool="last+attention"`), projected to the hidden width."""

    def __init__(self, embedding_dim: int, hidden_dim: int, rnn_type: str = "gru", num_layers: int = 1,
                 pool: str = "last+attention", bidirectional: bool = True):
        super().__init__()
        if rnn_type not in ("gru", "lstm"):
            raise ParameterError(f"rnn_type must be gru or lstm, got {rnn_type!r}")
        cls = nn.GRU if rnn_type == "gru" else nn.LSTM
        self.rnn = cls(embedding_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                       bidirectional=bidirectional)
        self.pool = pool
        self.directions = 2 if bidirectional else 1
        width = self.directions * hidden_dim
        if pool == "last+attention":
            self.score = nn.Linear(width, 1)
        if pool != "last":
            self.proj = nn.Linear(2 * width + embedding_dim, hidden_dim)
        elif bidirectional:
            self.proj = nn.Linear(width, hidden_dim)

    def forward(self, x, mask):
        out, h = run_masked(self.rnn, x, mask)
        # the top layer's final state per direction: forward after the last valid step, backward after the first
        last = torch.cat(list(h[-self.directions:]), dim=1)
        if self.pool == "last":
            return self.proj(last) if self.directions == 2 else last
        if self.pool == "last+mean":
            summary = masked_mean(out, mask)
        else:
            summary = (self._weights(out, mask).unsqueeze(-1) * out).sum(dim=1)
        # the mean of the inputs is a residual path, as a transformer's, that hands the head each code's average
        # value as it came in
        return self.proj(torch.cat([last, summary, masked_mean(x, mask)], dim=1))

    def _weights(self, out, mask):
        # which steps matter is learned (an abnormal reading), not fixed to the last or spread evenly
        scores = self.score(out).squeeze(-1).masked_fill(~mask, float("-inf"))
        return torch.nan_to_num(torch.softmax(scores, dim=1))    # an empty row gets zero weights

    def attention(self, x, mask):
        """[B, L]: the attention over the states (`pool="last+attention"`), 0 on padding."""
        if self.pool != "last+attention":
            raise ParameterError(f"an rnn with pool={self.pool!r} has no attention over its states")
        return self._weights(run_masked(self.rnn, x, mask)[0], mask)


class RNN(Net):
    """A recurrent network (GRU or LSTM, bidirectional by default) per sequence input; its last states, an
    attention over its states and its mean input feed the head."""

    name = "rnn"
    POOLS = ("last", "last+mean", "last+attention")

    def __init__(self, dataset=None, *, rnn_type: str = "gru", num_layers: int = 1, pool: str = "last+attention",
                 bidirectional: bool = True, **kwargs):
        if pool not in self.POOLS:
            raise ParameterError(f"pool must be one of {', '.join(self.POOLS)}; got {pool!r}")
        super().__init__(dataset, rnn_type=rnn_type, num_layers=num_layers, pool=pool, bidirectional=bidirectional,
                         **kwargs)

    def sequence_encoder(self, embedding_dim, hidden_dim, rnn_type="gru", num_layers=1, pool="last+attention",
                         bidirectional=True, **options):
        return _LastState(embedding_dim, hidden_dim, rnn_type, num_layers, pool, bidirectional)


class _PositionalEncoding(nn.Module):
    """Fixed sinusoidal positions (no maximum length to learn)."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        pos = torch.arange(x.shape[1], device=x.device, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, self.dim, 2, device=x.device, dtype=torch.float32)
                        * (-math.log(10000.0) / self.dim))
        pe = torch.zeros(x.shape[1], self.dim, device=x.device)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)[:, : self.dim // 2]
        return x + pe.to(x.dtype)


class _TransformerPool(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, heads=4, layers=2, dropout=0.1, norm_first=True):
        super().__init__()
        if embedding_dim % heads:
            raise ParameterError(f"embedding_dim ({embedding_dim}) must be a multiple of heads ({heads})")
        self.position = _PositionalEncoding(embedding_dim)
        layer = nn.TransformerEncoderLayer(embedding_dim, heads, dim_feedforward=2 * hidden_dim, dropout=dropout,
                                           batch_first=True, norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.proj = nn.Linear(embedding_dim, hidden_dim)

    def forward(self, x, mask):
        # an empty row attends to its first (padding) position rather than to nothing
        attend = mask.clone()
        attend[:, 0] = True
        h = self.encoder(self.position(x), src_key_padding_mask=~attend)
        return self.proj(masked_mean(h, attend))


class Transformer(Net):
    """Transformer encoder layers per sequence input (pre-norm by default), mean-pooled over valid positions."""

    name = "transformer"

    def __init__(self, dataset=None, *, heads: int = 4, layers: int = 2, norm_first: bool = True, **kwargs):
        super().__init__(dataset, heads=heads, layers=layers, norm_first=norm_first, **kwargs)

    def sequence_encoder(self, embedding_dim, hidden_dim, heads=4, layers=2, dropout=0.1, norm_first=True,
                         **options):
        return _TransformerPool(embedding_dim, hidden_dim, heads, layers, self.options["dropout"], norm_first)


def _reverse_valid(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each row's first `length` positions, leaving padding in place."""
    steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
    idx = lengths.unsqueeze(1) - 1 - steps
    idx = torch.where(idx >= 0, idx, steps)
    return x.gather(1, idx.unsqueeze(-1).expand(-1, -1, x.shape[2]))


class _Retain(nn.Module):
    """RETAIN (Choi et al., 2016): two reverse-time GRUs give a weight per step and per dimension."""

    def __init__(self, embedding_dim, hidden_dim):
        super().__init__()
        self.alpha_rnn = nn.GRU(embedding_dim, hidden_dim, batch_first=True)
        self.beta_rnn = nn.GRU(embedding_dim, hidden_dim, batch_first=True)
        self.alpha = nn.Linear(hidden_dim, 1)
        self.beta = nn.Linear(hidden_dim, embedding_dim)
        self.proj = nn.Linear(embedding_dim, hidden_dim)

    def weights(self, x, mask):
        """RETAIN's attention: alpha [B, L] over steps and beta [B, L, D] over dimensions."""
        lengths = lengths_of(mask)
        rev = _reverse_valid(x, lengths)
        g, _ = self.alpha_rnn(rev)
        h, _ = self.beta_rnn(rev)
        g, h = _reverse_valid(g, lengths), _reverse_valid(h, lengths)
        e = self.alpha(g).squeeze(-1).masked_fill(~mask, float("-inf"))
        alpha = torch.nan_to_num(torch.softmax(e, dim=1))   # an empty row gets zero weights
        return alpha, torch.tanh(self.beta(h))

    def forward(self, x, mask):
        alpha, beta = self.weights(x, mask)
        context = (alpha.unsqueeze(-1) * beta * x).sum(dim=1)
        return self.proj(context)


class RETAIN(Net):
    """RETAIN: reverse-time attention over visits (nested codes) or codes."""

    name = "retain"

    def sequence_encoder(self, embedding_dim, hidden_dim, **options):
        return _Retain(embedding_dim, hidden_dim)


class _Deepr(nn.Module):
    """Deepr (Nguyen et al., 2017): a 1-D convolution over the code sequence, then max-pooling."""

    def __init__(self, embedding_dim, hidden_dim, kernel_size=3):
        super().__init__()
        self.conv = nn.Conv1d(embedding_dim, hidden_dim, kernel_size, padding=kernel_size // 2)

    def forward(self, x, mask):
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)[:, : x.shape[1]]
        return masked_max(h, mask)


class Deepr(Net):
    """Deepr: a CNN over code sequences."""

    name = "deepr"

    def __init__(self, dataset=None, *, kernel_size: int = 3, **kwargs):
        super().__init__(dataset, kernel_size=kernel_size, **kwargs)

    def sequence_encoder(self, embedding_dim, hidden_dim, kernel_size=3, **options):
        return _Deepr(embedding_dim, hidden_dim, kernel_size)
