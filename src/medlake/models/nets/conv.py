"""Convolutional networks for inputs read from files: CNN1D for signal windows, CNN2D for images.

CNN1D follows the shape of SPaRCNet's and ContraWR's encoders, much smaller:
a wide strided first convolution, then residual blocks of two convolutions
(batch norm, ELU) that halve the time axis, and average pooling over time.
CNN2D is the same on images: residual blocks that halve each side, then
average pooling to a 4 x 4 grid (so where a finding lies still counts) and a
linear layer to the hidden width. Both are Nets: other inputs of the same
samples (codes, numbers) join before the output layer as in every network.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import Net


class _Residual(nn.Module):
    """Two convolutions with batch norm and ELU, halving each spatial axis, plus a strided shortcut."""

    def __init__(self, conv, norm, c_in: int, c_out: int):
        super().__init__()
        self.body = nn.Sequential(conv(c_in, c_out, 3, stride=2, padding=1, bias=False), norm(c_out), nn.ELU(),
                                  conv(c_out, c_out, 3, padding=1, bias=False), norm(c_out))
        self.skip = nn.Sequential(conv(c_in, c_out, 1, stride=2, bias=False), norm(c_out))
        self.act = nn.ELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.skip(x))


class SignalEncoder(nn.Module):
    """[B, C, T] -> [B, hidden]: a strided stem, `blocks` residual blocks, average over time."""

    def __init__(self, channels: int, hidden_dim: int, width: int = 16, blocks: int = 4):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv1d(channels, width, 9, stride=3, padding=4, bias=False),
                                   nn.BatchNorm1d(width), nn.ELU(), nn.MaxPool1d(2)]
        c = width
        for i in range(blocks):
            c_out = min(width * 2 ** (i + 1), max(hidden_dim, width))
            layers.append(_Residual(nn.Conv1d, nn.BatchNorm1d, c, c_out))
            c = c_out
        self.net = nn.Sequential(*layers)
        self.out = nn.Linear(c, hidden_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.out(self.net(x).mean(dim=-1)))


class ImageEncoder(nn.Module):
    """[B, C, H, W] -> [B, hidden]: a stem, `blocks` residual blocks, average pooling to 4 x 4, a linear layer."""

    def __init__(self, channels: int, hidden_dim: int, width: int = 16, blocks: int = 3):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                                   nn.ELU()]
        c = width
        for i in range(blocks):
            c_out = width * 2 ** (i + 1)
            layers.append(_Residual(nn.Conv2d, nn.BatchNorm2d, c, c_out))
            c = c_out
        self.net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(4))
        self.out = nn.Linear(c * 16, hidden_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.out(self.net(x).flatten(1)))


class CNN1D(Net):
    """A 1-D residual CNN over signal windows (sleep staging, EEG events)."""

    name = "cnn1d"

    def __init__(self, dataset=None, *, width: int = 16, blocks: int = 4, **kwargs):
        self.width, self.blocks = width, blocks
        super().__init__(dataset, width=width, blocks=blocks, **kwargs)

    def file_encoder(self, kind, options, hidden_dim):
        if kind != "signal":
            return super().file_encoder(kind, options, hidden_dim)
        return SignalEncoder(len(options["channels"]), hidden_dim, self.width, self.blocks)


class CNN2D(Net):
    """A small 2-D residual CNN over images (chest X-ray findings)."""

    name = "cnn2d"

    def __init__(self, dataset=None, *, width: int = 16, blocks: int = 3, **kwargs):
        self.width, self.blocks = width, blocks
        super().__init__(dataset, width=width, blocks=blocks, **kwargs)

    def file_encoder(self, kind, options, hidden_dim):
        if kind != "image":
            return super().file_encoder(kind, options, hidden_dim)
        return ImageEncoder(int(options.get("channels", 1)), hidden_dim, self.width, self.blocks)
