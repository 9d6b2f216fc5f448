"""ConCare (Ma et al., AAAI 2020): channel-wise GRUs, self-attention across features, DeCov regularization.

Each code of a `series` input (each lab) is a channel: its own GRU (weights of
its own) reads that code's values in time order, and a time-aware attention,
whose query is the channel's last state and whose weights decay with the
number of readings since, sums the states into one vector per channel.
Every other input becomes one more channel: a code list or visit sequence its
mean embedding, the numeric and categorical inputs together a static channel,
placed last as the paper places demographics. Multi-head self-attention
across the channels (pre-norm, residual) and a feed-forward layer capture the
features' context; a final attention whose query is the last channel pools
them into the patient vector. The DeCov loss (the off-diagonal covariance of
each channel's attention output across the batch) is added to the training
loss, weighted by `decov_weight`.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import ParameterError
from .base import Net, masked_mean


class _ChannelGRU(nn.Module):
    """One GRU per channel over scalar inputs: [B, C, T] values, [B, C, T] mask -> [B, C, T, H] states."""

    def __init__(self, channels: int, hidden: int):
        super().__init__()
        bound = 1 / math.sqrt(hidden)
        self.w_in = nn.Parameter(torch.empty(channels, 3 * hidden).uniform_(-bound, bound))
        self.w_h = nn.Parameter(torch.empty(channels, hidden, 3 * hidden).uniform_(-bound, bound))
        self.b_in = nn.Parameter(torch.zeros(channels, 3 * hidden))
        self.b_h = nn.Parameter(torch.zeros(channels, 3 * hidden))
        self.hidden = hidden

    def forward(self, values, mask):
        b, c, steps = values.shape
        h = values.new_zeros(b, c, self.hidden)
        states = []
        gi_all = values.unsqueeze(-1) * self.w_in.unsqueeze(1) + self.b_in.unsqueeze(1)      # [B, C, T, 3H]
        for t in range(steps):
            gi = gi_all[:, :, t]
            gh = torch.einsum("bch,chk->bck", h, self.w_h) + self.b_h
            r = torch.sigmoid(gi[..., :self.hidden] + gh[..., :self.hidden])
            z = torch.sigmoid(gi[..., self.hidden:2 * self.hidden] + gh[..., self.hidden:2 * self.hidden])
            n = torch.tanh(gi[..., 2 * self.hidden:] + r * gh[..., 2 * self.hidden:])
            new = (1 - z) * n + z * h
            h = torch.where(mask[:, :, t].unsqueeze(-1), new, h)     # a channel without a reading keeps its state
            states.append(h)
        return torch.stack(states, dim=2)


class _TimeAwareAttention(nn.Module):
    """Per channel: attention over its states, query from the last state, weights decaying with readings since
    (ConCare's "new" attention): e_t = relu(sigmoid(q.k_t) / (sigmoid(rate) log(e + 1 - sigmoid(q.k_t)) d_t))."""

    def __init__(self, channels: int, hidden: int, dim: int = 8):
        super().__init__()
        bound = 1 / math.sqrt(hidden)
        self.w_q = nn.Parameter(torch.empty(channels, hidden, dim).uniform_(-bound, bound))
        self.w_k = nn.Parameter(torch.empty(channels, hidden, dim).uniform_(-bound, bound))
        self.rate = nn.Parameter(torch.full((channels,), 0.8))

    def forward(self, states, mask):
        count = mask.sum(dim=-1)                                                   # [B, C]
        last = states.gather(2, (count - 1).clamp(min=0)[..., None, None].expand(-1, -1, 1, states.shape[-1]))
        q = torch.einsum("bch,chd->bcd", last.squeeze(2), self.w_q)
        k = torch.einsum("bcth,chd->bctd", states, self.w_k)
        dot = torch.sigmoid(torch.einsum("bcd,bctd->bct", q, k))
        steps = torch.arange(states.shape[2], device=states.device)
        decay = (count.unsqueeze(-1) - steps).clamp(min=1).to(states.dtype)        # 1 for the last reading
        e = torch.relu(dot / (torch.sigmoid(self.rate)[:, None] * torch.log(math.e + 1 - dot) * decay))
        a = torch.softmax(e.masked_fill(~mask, float("-inf")), dim=-1).nan_to_num(0.0)
        return torch.einsum("bct,bcth->bch", a, states)


def decov(x: torch.Tensor) -> torch.Tensor:
    """DeCov loss of [B, F, H]: per feature, half the squared off-diagonal covariance of its H dimensions over B."""
    if x.shape[0] < 2:
        return x.new_zeros(())
    centered = x - x.mean(dim=0, keepdim=True)
    cov = torch.einsum("bfi,bfj->fij", centered, centered) / (x.shape[0] - 1)
    return 0.5 * ((cov ** 2).sum() - (torch.diagonal(cov, dim1=1, dim2=2) ** 2).sum())


class ConCare(Net):
    """ConCare: per-feature GRUs and time-aware attention, self-attention across features, DeCov loss."""

    name = "concare"

    def __init__(self, dataset=None, *, heads: int = 4, decov_weight: float = 1.0, max_readings: int = 48,
                 **kwargs):
        super().__init__(dataset, heads=heads, decov_weight=decov_weight, max_readings=max_readings, **kwargs)
        enc, hidden = self.encoders, self.options["hidden_dim"]
        if hidden % heads:
            raise ParameterError(f"hidden_dim ({hidden}) must be a multiple of heads ({heads})")
        self.series_inputs = [c for c in self.sequence_inputs if enc.inputs[c] == "series"]
        self.other_inputs = [c for c in self.sequence_inputs if enc.inputs[c] != "series"]
        emb = self.options["embedding_dim"]
        # the base class's embeddings serve the non-series inputs; a series is read value by value
        for c in self.series_inputs:
            del self.embeddings[c]
        self.channel_grus = nn.ModuleDict({c: _ChannelGRU(len(enc.vocabularies[c]), hidden)
                                           for c in self.series_inputs})
        self.channel_attention = nn.ModuleDict({c: _TimeAwareAttention(len(enc.vocabularies[c]), hidden)
                                                for c in self.series_inputs})
        self.bags = nn.ModuleDict({c: nn.Linear(emb, hidden) for c in self.other_inputs})
        static = len(self.numeric_inputs) + emb * len(self.categorical_inputs)
        self.static = nn.Linear(static, hidden) if static else None
        self.norm1, self.norm2 = nn.LayerNorm(hidden), nn.LayerNorm(hidden)
        self.attention = nn.MultiheadAttention(hidden, heads, dropout=self.options["dropout"], batch_first=True)
        self.feed_forward = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(0.1),
                                          nn.Linear(hidden, hidden))
        self.w_q, self.w_k, self.w_v = (nn.Linear(hidden, hidden) for _ in range(3))
        self.decov_weight, self.max_readings = decov_weight, max_readings
        self._decov: torch.Tensor | None = None

    def sequence_encoder(self, embedding_dim, hidden_dim, **options):
        return nn.Identity()          # unused: every input becomes a channel in forward

    def make_head(self, width, out):
        return nn.Linear(self.options["hidden_dim"], out)

    def series_channels(self, batch: dict, col: str) -> tuple[torch.Tensor, torch.Tensor]:
        """A series as channels: [B, V, T] standardized values of each code in time order (its last
        `max_readings`), and their [B, V, T] mask."""
        ids, mask = batch[col], batch[col + "_mask"]
        value = batch[col + "_value"] * batch[col + "_value_mask"]
        vocab = len(self.encoders.vocabularies[col])
        onehot = nn.functional.one_hot(ids, vocab) * mask.unsqueeze(-1)             # [B, L, V]
        seen = onehot.cumsum(dim=1)
        rank = (seen * onehot).sum(-1) - 1                                          # reading number within its code
        total = seen[:, -1].gather(1, ids)                                          # readings of the event's code
        steps = int(min(seen[:, -1].max().item(), self.max_readings)) if mask.any() else 1
        slot = rank - (total - steps).clamp(min=0)                                  # keep the last `steps` readings
        keep = mask & (slot >= 0)
        flat = (ids * steps + slot.clamp(min=0)).masked_fill(~keep, vocab * steps)
        grid = value.new_zeros(ids.shape[0], vocab * steps + 1).scatter(1, flat, value)
        present = torch.zeros_like(grid, dtype=torch.bool).scatter(1, flat, keep)
        shape = (ids.shape[0], vocab, steps)
        return grid[:, :-1].reshape(shape), present[:, :-1].reshape(shape)

    def forward(self, batch):
        channels = []
        for c in self.series_inputs:
            values, present = self.series_channels(batch, c)
            states = self.channel_grus[c](values, present)
            channels.append(self.channel_attention[c](states, present))               # [B, V, H]
        for c in self.other_inputs:
            x, mask = self.embeddings[c](batch, c)
            channels.append(torch.tanh(self.bags[c](masked_mean(x, mask))).unsqueeze(1))
        if self.static is not None:
            static = [self.categorical[c](batch[c]) for c in self.categorical_inputs]
            if self.numeric_inputs:
                static.append(torch.stack([batch[c] for c in self.numeric_inputs], dim=1))
            channels.append(torch.tanh(self.static(torch.cat(static, dim=1))).unsqueeze(1))
        x = self.dropout(torch.cat(channels, dim=1))                                   # [B, F, H]
        h = self.norm1(x)
        context, _ = self.attention(h, h, h, need_weights=False)
        self._decov = decov(context)
        x = x + self.dropout(context)
        x = x + self.dropout(self.feed_forward(self.norm2(x)))
        # final attention: the last channel (the static one when there is one) asks the question
        q = self.w_q(x[:, -1])
        weights = torch.softmax(torch.einsum("bh,bfh->bf", q, self.w_k(x)), dim=-1)
        patient = torch.einsum("bf,bfh->bh", self.dropout(weights), self.w_v(x))
        out = self.head(self.dropout(patient))
        return out.squeeze(-1) if self.encoders.output_size == 1 else out

    def extra_loss(self, logits):
        if not self.training or self._decov is None or not self.decov_weight:
            return None
        return self.decov_weight * self._decov
