"""Temporal networks from PyHealth 2.x's zoo: TCN, StageNet and AdaCare.

TCN (Bai et al., 2018): stacks of causal dilated convolutions with residual
connections; the output at each sample's last valid position sees the whole
sequence (the dilations double per level until the receptive field covers
`max_len`).

StageNet (Gao et al., WWW 2020): a stage-aware LSTM whose master gates
(cumulative softmax, as in ON-LSTM) decide how much of each level of the cell
state a step may rewrite; the inputs and the gates read the time since the
previous event. The forget master gate gives the stage variation of every
step; the last `conv_size` hidden states, weighted by a softmax over the
cumulative stage variation, go through a convolution recalibrated by a
squeeze-and-excitation scale, plus the last hidden state (residual).

AdaCare (Ma et al., AAAI 2020): causal convolutions at three dilations
(1, 3, 5: short and long scales) over the sequence, their features and the
input features each recalibrated per step (squeeze-and-excitation with a
sigmoid, sparsemax or softmax), then a GRU; the last valid state is kept.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm
from torch.nn.utils.rnn import pack_padded_sequence

from ...errors import ParameterError
from .base import Net, lengths_of


def last_valid(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """[B, L, H] -> [B, H]: each row's output at its last valid position (the first for an empty row)."""
    rows = torch.arange(h.shape[0], device=h.device)
    return h[rows, lengths_of(mask) - 1]


class _CausalConv(nn.Conv1d):
    """A 1-D convolution whose output at step t sees steps <= t only (left padding, [B, C, L] in and out)."""

    def __init__(self, cin: int, cout: int, kernel_size: int, dilation: int = 1):
        super().__init__(cin, cout, kernel_size, dilation=dilation)
        self.left = (kernel_size - 1) * dilation

    def forward(self, x):
        return super().forward(nn.functional.pad(x, (self.left, 0)))


def tcn_levels(max_len: int, kernel_size: int) -> int:
    """Levels whose receptive field 1 + 2 (k - 1) (2^levels - 1) covers `max_len` steps (at least 1)."""
    return max(1, math.ceil(math.log2((max_len - 1) / (2 * (kernel_size - 1)) + 1)))


class _TemporalBlock(nn.Module):
    """Two weight-normalized causal dilated convolutions with ReLU and dropout, plus a residual connection."""

    def __init__(self, cin: int, cout: int, kernel_size: int, dilation: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(
            weight_norm(_CausalConv(cin, cout, kernel_size, dilation)), nn.ReLU(), nn.Dropout(dropout),
            weight_norm(_CausalConv(cout, cout, kernel_size, dilation)), nn.ReLU(), nn.Dropout(dropout))
        self.residual = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        return torch.relu(self.net(x) + self.residual(x))


class _TCN(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, kernel_size, levels, dropout):
        super().__init__()
        self.blocks = nn.Sequential(*[_TemporalBlock(embedding_dim if i == 0 else hidden_dim, hidden_dim,
                                                     kernel_size, 2 ** i, dropout) for i in range(levels)])

    def forward(self, x, mask):
        h = self.blocks(x.transpose(1, 2)).transpose(1, 2)
        return last_valid(h, mask)


class TCN(Net):
    """Temporal convolutional network per sequence input; the output at the last valid step feeds the head."""

    name = "tcn"

    def __init__(self, dataset=None, *, kernel_size: int = 2, levels: int | None = None, **kwargs):
        if kernel_size < 2:
            raise ParameterError(f"a TCN's kernel_size must be at least 2, got {kernel_size}")
        if levels is None:
            enc = kwargs.get("encoders") or getattr(dataset, "encoders", None)
            max_len = max((enc.max_len if enc is not None else None) or 256,
                          (enc.max_visits if enc is not None else None) or 0)
            levels = tcn_levels(max_len, kernel_size)
        super().__init__(dataset, kernel_size=kernel_size, levels=levels, **kwargs)

    def sequence_encoder(self, embedding_dim, hidden_dim, kernel_size=2, levels=8, **options):
        return _TCN(embedding_dim, hidden_dim, kernel_size, levels, self.options["dropout"])


def cumax(x: torch.Tensor, reverse: bool = False) -> torch.Tensor:
    """Cumulative softmax along the last dimension (right to left when `reverse`)."""
    if reverse:
        return torch.flip(torch.cumsum(torch.softmax(torch.flip(x, [-1]), dim=-1), dim=-1), [-1])
    return torch.cumsum(torch.softmax(x, dim=-1), dim=-1)


class _StageNet(nn.Module):
    """The StageNet layer: stage-aware LSTM steps, then the stage-adaptive convolution at the last valid step."""

    def __init__(self, embedding_dim, hidden_dim, levels=4, conv_size=10, dropconnect=0.3, dropres=0.3,
                 dropout=0.3):
        super().__init__()
        if hidden_dim % levels:
            raise ParameterError(f"StageNet's hidden_dim ({hidden_dim}) must be a multiple of levels ({levels})")
        self.levels, self.chunk, self.hidden, self.conv_size = levels, hidden_dim // levels, hidden_dim, conv_size
        width = 4 * hidden_dim + 2 * levels
        self.kernel = nn.Linear(embedding_dim + 1, width)
        self.recurrent = nn.Linear(hidden_dim + 1, width)
        nn.init.xavier_uniform_(self.kernel.weight)
        nn.init.orthogonal_(self.recurrent.weight)
        nn.init.zeros_(self.kernel.bias)
        nn.init.zeros_(self.recurrent.bias)
        self.drop_in, self.drop_rec = nn.Dropout(dropconnect), nn.Dropout(dropconnect)
        self.drop_res, self.drop_out = nn.Dropout(dropres), nn.Dropout(dropout)
        self.scale = nn.Sequential(nn.Linear(hidden_dim, max(hidden_dim // 6, 1)), nn.ReLU(),
                                   nn.Linear(max(hidden_dim // 6, 1), hidden_dim), nn.Sigmoid())
        self.conv = nn.Conv1d(hidden_dim, hidden_dim, conv_size)

    def forward(self, x, mask, interval):
        b, steps, _ = x.shape
        lv, chunk = self.levels, self.chunk
        interval = interval.unsqueeze(-1).to(x.dtype)
        inputs = self.drop_in(self.kernel(torch.cat([x, interval], dim=-1)))     # every step's input part at once
        c = x.new_zeros(b, lv, chunk)
        h = x.new_zeros(b, self.hidden)
        states, distances = [], []
        for t in range(steps):
            z = inputs[:, t] + self.drop_rec(self.recurrent(torch.cat([h, interval[:, t]], dim=-1)))
            f_master = cumax(z[:, :lv]).unsqueeze(-1)                  # [B, levels, 1]
            i_master = cumax(z[:, lv:2 * lv], reverse=True).unsqueeze(-1)
            gates = z[:, 2 * lv:].reshape(b, 4 * lv, chunk)
            f, i, o = (torch.sigmoid(gates[:, k * lv:(k + 1) * lv]) for k in range(3))
            c_in = torch.tanh(gates[:, 3 * lv:])
            overlap = f_master * i_master
            c = overlap * (f * c + i * c_in) + (f_master - overlap) * c + (i_master - overlap) * c_in
            h = (o * torch.tanh(c)).reshape(b, self.hidden)
            states.append(h)
            distances.append(1 - f_master.squeeze(-1).mean(dim=-1))  # how much this step changed the stage
        states, distances = torch.stack(states, 1), torch.stack(distances, 1)     # [B, L, H], [B, L]
        # the stage-adaptive convolution over the conv_size steps ending at each row's last valid one
        # (the classifier reads that step only, so it is computed there alone)
        end = lengths_of(mask)
        window = end.unsqueeze(1) - self.conv_size + torch.arange(self.conv_size, device=x.device)   # [B, K]
        inside = window >= 0
        rows = torch.arange(b, device=x.device).unsqueeze(1)
        local_h = states[rows, window.clamp(min=0)] * inside.unsqueeze(-1)                          # [B, K, H]
        local_d = torch.cumsum(distances[rows, window.clamp(min=0)] * inside, dim=1)
        local_h = local_h * torch.softmax(local_d, dim=1).unsqueeze(-1)
        theme = self.scale(local_h.mean(dim=1))
        out = theme * self.conv(local_h.transpose(1, 2)).squeeze(-1)
        return self.drop_out(out + self.drop_res(last_valid(states, mask)))


class StageNet(Net):
    """StageNet per sequence input; a series feeds the hours since its previous event to the gates."""

    name = "stagenet"

    def __init__(self, dataset=None, *, levels: int = 4, conv_size: int = 10, dropconnect: float = 0.3,
                 dropres: float = 0.3, use_time: bool = True, **kwargs):
        self.use_time = use_time
        super().__init__(dataset, levels=levels, conv_size=conv_size, dropconnect=dropconnect, dropres=dropres,
                         use_time=use_time, **kwargs)

    def sequence_encoder(self, embedding_dim, hidden_dim, levels=4, conv_size=10, dropconnect=0.3, dropres=0.3,
                         **options):
        return _StageNet(embedding_dim, hidden_dim, levels, conv_size, dropconnect, dropres, self.options["dropout"])

    def intervals(self, batch: dict, col: str, mask: torch.Tensor) -> torch.Tensor:
        """[B, L]: log(1 + hours since the input's previous event) for a series; 1 per step otherwise."""
        if not self.use_time or self.encoders.inputs[col] != "series":
            return mask.to(torch.float32)
        hours = batch[col + "_hours"] * self.encoders.series[col].hours_scale
        gap = torch.diff(hours, dim=1, prepend=hours[:, :1]).clamp(min=0)
        return torch.log1p(gap) * mask

    def encode_sequence(self, col, x, mask, batch):
        return self.sequence_encoders[col](x, mask, self.intervals(batch, col, mask))


def sparsemax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Sparsemax (Martins & Astudillo, 2016): the Euclidean projection onto the simplex; gradients by autograd."""
    x = x.transpose(dim, -1)
    z = x - x.max(dim=-1, keepdim=True).values
    zs = torch.sort(z, dim=-1, descending=True).values
    k = torch.arange(1, z.shape[-1] + 1, device=x.device, dtype=x.dtype)
    support = (1 + k * zs) > torch.cumsum(zs, dim=-1)
    k_max = support.sum(dim=-1, keepdim=True)
    tau = (torch.cumsum(zs, dim=-1).gather(-1, k_max - 1) - 1) / k_max.to(x.dtype)
    return torch.clamp(z - tau, min=0).transpose(dim, -1)


class _Recalibration(nn.Module):
    """Squeeze-and-excitation per step: [B, L, C] -> the features rescaled by a gate computed from them."""

    def __init__(self, channels: int, reduction: int, activation: str):
        super().__init__()
        self.squeeze = nn.Linear(channels, max(channels // reduction, 1))
        self.excite = nn.Linear(max(channels // reduction, 1), channels)
        self.activation = activation

    def forward(self, x):
        y = self.excite(torch.relu(self.squeeze(x)))
        if self.activation == "sigmoid":
            y = torch.sigmoid(y)
        elif self.activation == "sparsemax":
            y = sparsemax(y)
        else:
            y = torch.softmax(y, dim=-1)
        return x * y


class _AdaCare(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, kernel_size=2, kernel_num=64, r_v=4, r_c=4, activation="sigmoid",
                 dropout=0.5):
        super().__init__()
        if activation not in ("sigmoid", "sparsemax", "softmax"):
            raise ParameterError(f"AdaCare's activation must be sigmoid, sparsemax or softmax, got {activation!r}")
        self.convs = nn.ModuleList([_CausalConv(embedding_dim, kernel_num, kernel_size, d) for d in (1, 3, 5)])
        for conv in self.convs:
            nn.init.xavier_uniform_(conv.weight)
        self.conv_se = _Recalibration(3 * kernel_num, r_c, "sigmoid")
        self.input_se = _Recalibration(embedding_dim, r_v, activation)
        self.rnn = nn.GRU(embedding_dim + 3 * kernel_num, hidden_dim, batch_first=True)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, mask):
        conv = torch.relu(torch.cat([c(x.transpose(1, 2)) for c in self.convs], dim=1)).transpose(1, 2)
        features = torch.cat([self.conv_se(conv), self.input_se(x)], dim=-1)
        packed = pack_padded_sequence(features, lengths_of(mask).cpu(), batch_first=True, enforce_sorted=False)
        _, h = self.rnn(packed)
        return self.drop(h[-1])


class AdaCare(Net):
    """AdaCare per sequence input: multi-scale causal convolutions and recalibration, then a GRU."""

    name = "adacare"

    def __init__(self, dataset=None, *, kernel_size: int = 2, kernel_num: int = 64, r_v: int = 4, r_c: int = 4,
                 activation: str = "sigmoid", **kwargs):
        super().__init__(dataset, kernel_size=kernel_size, kernel_num=kernel_num, r_v=r_v, r_c=r_c,
                         activation=activation, **kwargs)

    def sequence_encoder(self, embedding_dim, hidden_dim, kernel_size=2, kernel_num=64, r_v=4, r_c=4,
                         activation="sigmoid", **options):
        return _AdaCare(embedding_dim, hidden_dim, kernel_size, kernel_num, r_v, r_c, activation,
                        self.options["dropout"])
