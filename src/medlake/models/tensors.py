"""Arrow list arrays -> padded tensors and masks (and back), vectorized with numpy.

Arrow keeps a list column as one flat values buffer plus offsets; a padded
[B, C] matrix is filled in one boolean-mask assignment, because the mask's
True cells, read row-major, are exactly the values in order.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import torch


def _offsets_values(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    offsets = arr.offsets.to_numpy()
    return offsets - offsets[0], arr.flatten()


def pad_offsets(offsets: np.ndarray, values: np.ndarray, dtype=np.int64) -> tuple[np.ndarray, np.ndarray]:
    """Rows given by offsets into values -> (padded [B, C], mask [B, C]); C >= 1."""
    lengths = np.diff(offsets)
    width = max(int(lengths.max(initial=0)), 1)
    mask = np.arange(width) < lengths[:, None]
    out = np.zeros((len(lengths), width), dtype=dtype)
    out[mask] = values
    return out, mask


def flat_lists(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, values) of a LIST column as numpy, offsets starting at 0."""
    offsets, values = _offsets_values(arr)
    return offsets.astype(np.int64), values.to_numpy(zero_copy_only=False)


def gather_padded(offsets: np.ndarray, values: np.ndarray, rows: np.ndarray,
                  dtype=np.int64) -> tuple[np.ndarray, np.ndarray]:
    """Rows `rows` of a list column given as (offsets, values) -> (padded [B, C], mask [B, C]).

    The flat positions of the chosen rows' values come from one repeat and one
    arange, so this is one numpy gather instead of a per-row loop."""
    starts = offsets[rows]
    lengths = offsets[rows + 1] - starts
    ends = np.cumsum(lengths)
    positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(ends[-1] if len(ends) else 0)
    width = max(int(lengths.max(initial=0)), 1)
    mask = np.arange(width) < lengths[:, None]
    out = np.zeros((len(rows), width), dtype=dtype)
    out[mask] = values[positions]
    return out, mask


def pad_lists(arr: pa.Array, dtype=np.int64) -> tuple[np.ndarray, np.ndarray]:
    """A LIST column -> (padded [B, C], mask [B, C])."""
    offsets, values = _offsets_values(arr)
    return pad_offsets(offsets, values.to_numpy(zero_copy_only=False), dtype)


def pad_nested(arr: pa.Array, dtype=np.int64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A LIST of LIST column -> (padded [B, V, C], mask [B, V, C], visit mask [B, V])."""
    outer, inner_arr = _offsets_values(arr)
    if len(inner_arr):
        inner_offsets, inner_values = _offsets_values(inner_arr)
    else:
        inner_offsets, inner_values = np.zeros(1, np.int64), pa.array([], pa.int64())
    inner, inner_mask = pad_offsets(inner_offsets, inner_values.to_numpy(zero_copy_only=False), dtype)
    visits = np.diff(outer)
    width_v = max(int(visits.max(initial=0)), 1)
    visit_mask = np.arange(width_v) < visits[:, None]
    out = np.zeros((len(visits), width_v, inner.shape[1]), dtype=dtype)
    mask = np.zeros(out.shape, dtype=bool)
    out[visit_mask] = inner
    mask[visit_mask] = inner_mask
    return out, mask, visit_mask


def multi_hot(arr: pa.Array, size: int) -> np.ndarray:
    """A LIST of class ids -> a float32 [B, size] 0/1 matrix."""
    offsets, values = _offsets_values(arr)
    out = np.zeros((len(offsets) - 1, size), dtype=np.float32)
    rows = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    out[rows, values.to_numpy(zero_copy_only=False)] = 1.0
    return out


def unpad(padded: np.ndarray, mask: np.ndarray) -> list[list]:
    """Inverse of pad_lists: padded [B, C] + mask -> list of rows."""
    lengths = mask.sum(axis=1)
    return [list(x) for x in np.split(padded[mask], np.cumsum(lengths)[:-1])] if len(lengths) else []


def unpad_nested(padded: np.ndarray, mask: np.ndarray, visit_mask: np.ndarray) -> list[list[list]]:
    """Inverse of pad_nested: padded [B, V, C] + masks -> list of visits of codes per row."""
    return [unpad(sample[vm], smask[vm]) for sample, smask, vm in zip(padded, mask, visit_mask)]


def to_device(batch: dict, device: torch.device | str) -> dict:
    """Move a batch of tensors to a device; pinned memory and non-blocking copies on CUDA."""
    device = torch.device(device)
    if device.type != "cuda":
        return {k: v.to(device) for k, v in batch.items()}
    out = {}
    for k, v in batch.items():
        if not v.is_pinned():
            v = v.pin_memory()
        out[k] = v.to(device, non_blocking=True)
    return out
