"""Per-sample attributions of a trained network, mapped back to codes and their titles.

Two methods:

- `integrated_gradients` (Captum): the attribution of each input position is
  Integrated Gradients on its embedding (for a series position: the code's
  embedding and its value terms), from a baseline of all-zero embeddings (no
  code at all) to the sample's own, summed over the embedding's dimensions. A
  numeric input is attributed from 0, the training mean; a categorical one
  from a zero embedding. The attributions sum to the logit's change from that
  baseline (Captum's convergence delta says how nearly).
- `attention`: the network's own weights. RETAIN: the contribution of each
  code to the logit, alpha_j * w . (beta_j * e_code) (Choi et al., 2016); a
  transformer: the self-attention each position receives, averaged over the
  layers, heads and the positions that attend (a visit's weight is given to
  each of its codes); a GRU (`rnn` with `pool="last+attention"`, its default):
  the attention over its states, one weight per position.

A code met at several positions gets the sum of their attributions. The
target is the logit of a binary label, the predicted class of a multiclass
one (or `target=`), the highest-scored class of a multilabel one (or
`target=`). A drug-recommendation network's drug history is read as sets of
drugs, not embedded, so it gets no attribution.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch import nn

from ..errors import InputError, ParameterError
from .baselines import Baseline
from .nets.base import Net
from .runs import open_run
from .stream import SampleStream

METHODS = ("integrated_gradients", "attention")
EXPLAIN_SQL = "models/explain.sql"


def explain(lake, run_dir: str | Path, sample_id, *, method: str = "integrated_gradients", target: str | None = None,
            top: int | None = 10, steps: int = 50, samples=None) -> dict:
    """The codes that contributed most to a run's prediction for one sample.

    Returns {"sample_id", "split", "label", "target", "prediction", "method", "delta", "codes"}:
    `codes` is an Arrow table (rank, input, code, title, attribution, positions)
    ordered by |attribution|, the first `top` rows (all with top=None); titles
    come from the lake's code tables (NULL without them or for a code they lack)."""
    if method not in METHODS:
        raise ParameterError(f"unknown explanation method '{method}' (expected {', '.join(METHODS)})")
    run_dir = Path(run_dir)
    config, samples, net = open_run(run_dir, lake, samples)
    if isinstance(net, Baseline):
        raise ParameterError(f"run {run_dir} is a {config['model']} baseline; explain reads a network's "
                             "embeddings (train one with --model transformer, retain, rnn, ...)")
    row = _sample_row(samples.encoded, sample_id, run_dir)
    batch = next(iter(SampleStream(row, samples.encoders, batch_size=1).loader()))
    enc = samples.encoders
    net.eval()
    with torch.no_grad():
        logits = net(batch).float()
    index = _target_index(enc, logits, target)
    if method == "attention":
        per_position, delta = _attention(net, batch, index), None
    else:
        per_position, delta = _integrated_gradients(net, batch, index, steps)
    codes = _by_code(per_position, batch, enc)
    if top is not None:
        codes = codes.slice(0, top)
    codes = codes.append_column("title", _titles(lake, config, codes.column("code")))
    codes = codes.select(["rank", "input", "code", "title", "attribution", "positions"])
    probs = torch.sigmoid(logits) if enc.label_type in ("binary", "multilabel") else torch.softmax(logits, -1)
    classes = enc.label_encoder.classes if enc.label_encoder else None
    prediction = float(probs.reshape(-1)[index or 0]) if enc.label_type != "regression" else float(logits)
    return {"sample_id": row.column("sample_id")[0].as_py(), "split": row.column("split")[0].as_py()
            if "split" in row.column_names else None,
            "label": _label_text(row.column("label")[0].as_py(), enc), "method": method,
            "target": classes[index] if classes and index is not None else
            "1" if enc.label_type == "binary" else "prediction",
            "prediction": prediction, "delta": delta, "codes": codes}


def _sample_row(table: pa.Table, sample_id, run_dir: Path) -> pa.Table:
    ids = table.column("sample_id")
    want = pa.scalar(str(sample_id)) if pa.types.is_string(ids.type) else None
    if want is None:
        try:
            want = pa.scalar(int(sample_id)).cast(ids.type)
        except (ValueError, pa.ArrowInvalid):
            raise InputError(f"sample id '{sample_id}' is not a number, as this run's sample ids are",
                             path=run_dir) from None
    row = table.filter(pc.equal(ids, want))
    if row.num_rows == 0:
        raise InputError(f"no sample '{sample_id}' among this run's {table.num_rows} samples", path=run_dir,
                         expected="a sample_id of the run's task (see medlake task run)")
    return row.slice(0, 1)


def _target_index(enc, logits: torch.Tensor, target: str | None) -> int | None:
    """Which output is explained: None for a single output, else a class index."""
    if enc.output_size == 1:
        if target is not None:
            raise ParameterError(f"--target names a class; a {enc.label_type} label has one output")
        return None
    classes = enc.label_encoder.classes
    if target is None:
        return int(logits.reshape(-1).argmax())
    if str(target) not in classes:
        raise ParameterError(f"unknown target class '{target}' (classes: {', '.join(map(str, classes[:20]))}"
                             + (", ..." if len(classes) > 20 else "") + ")")
    return classes.index(str(target))


def _label_text(label, enc) -> str | None:
    """The sample's label as text: encoded rows hold class ids (multiclass) and lists of them (multilabel)."""
    if label is None:
        return None
    if enc.label_type == "multiclass":
        return str(enc.label_encoder.classes[int(label)])
    if enc.label_type == "multilabel":
        return ", ".join(str(enc.label_encoder.classes[int(i)]) for i in label)
    if enc.label_type == "binary":
        return str(int(label))
    return str(label)


# -- Integrated Gradients ---------------------------------------------------------------------------

def _parts(net: Net) -> list[tuple[str, str, nn.Module]]:
    """(input, part, module) whose outputs are attributed: every sequence input's code embedding (and a
    series' value terms), every categorical input's embedding."""
    out = []
    for col, emb in net.embeddings.items():
        out.append((col, "codes", emb.codes))
        if emb.kind == "series":
            out += [(col, "values", emb.values), (col, "value_directions", emb.value_directions)]
    out += [(col, "categorical", module) for col, module in net.categorical.items()]
    return out


@contextlib.contextmanager
def _replaced_outputs(modules: list[nn.Module], outputs: list[torch.Tensor]):
    """Forward hooks that make each module return the given tensor instead of its own output."""
    handles = [m.register_forward_hook(lambda _m, _i, _o, t=t: t) for m, t in zip(modules, outputs)]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _integrated_gradients(net: Net, batch: dict, index: int | None, steps: int):
    from captum.attr import IntegratedGradients

    parts = _parts(net)
    captured: list[torch.Tensor] = []
    handles = [m.register_forward_hook(lambda _m, _i, o: captured.append(o.detach())) for _, _, m in parts]
    with torch.no_grad():
        net(batch)
    for h in handles:
        h.remove()
    numeric = list(net.numeric_inputs)
    inputs = tuple(captured) + tuple(batch[c].float() for c in numeric)
    modules = [m for _, _, m in parts]

    def forward(*values):
        n = values[0].shape[0]
        expanded = {k: v.expand(n, *v.shape[1:]) if torch.is_tensor(v) else v for k, v in batch.items()}
        expanded.update(zip(numeric, values[len(modules):]))
        with _replaced_outputs(modules, list(values[:len(modules)])):
            out = net(expanded)
        return out if index is None else out[:, index]

    ig = IntegratedGradients(forward)
    with torch.enable_grad():
        attributions, delta = ig.attribute(inputs, baselines=tuple(torch.zeros_like(t) for t in inputs),
                                           n_steps=steps, internal_batch_size=steps, return_convergence_delta=True)
    per_position: dict[str, torch.Tensor] = {}
    for (col, _, _), a in zip(parts, attributions):
        a = a.sum(dim=-1)[0].detach()                       # one number per position (per code of a visit)
        per_position[col] = per_position[col] + a if col in per_position else a
    for col, a in zip(numeric, attributions[len(modules):]):
        per_position[col] = a.detach().reshape(())
    return per_position, float(delta.abs().max())


# -- the network's own attention --------------------------------------------------------------------

def _attention(net: Net, batch: dict, index: int | None) -> dict[str, torch.Tensor]:
    if net.name == "retain":
        return _retain_contributions(net, batch, index)
    if net.name == "transformer":
        return _transformer_attention(net, batch)
    if net.name == "rnn" and net.options.get("pool") == "last+attention":
        return _rnn_attention(net, batch)
    raise ParameterError(f"a {net.name} network has no attention of its own to show; use "
                         "--method integrated_gradients (RETAIN, the transformer and the GRU with "
                         "pool=last+attention have attention)")


@torch.no_grad()
def _retain_contributions(net: Net, batch: dict, index: int | None) -> dict[str, torch.Tensor]:
    """alpha_j * w . (beta_j * e) per position (per code of a visit): RETAIN's contribution of each code."""
    head = net.head.weight[index or 0]                                   # [width]
    hidden = net.options["hidden_dim"]
    out = {}
    for i, col in enumerate(net.sequence_inputs):
        x, mask = net.embeddings[col](batch, col)
        encoder = net.sequence_encoders[col]
        alpha, beta = encoder.weights(x, mask)
        w = encoder.proj.weight.T @ head[i * hidden:(i + 1) * hidden]     # [D]: what one context unit adds
        if net.encoders.inputs[col] == "nested_codes":
            codes = net.embeddings[col].codes(batch[col]) * batch[col + "_mask"].unsqueeze(-1)   # [1, V, L, D]
            out[col] = (alpha[..., None, None] * beta[:, :, None, :] * codes * w).sum(-1)[0]
        else:
            out[col] = (alpha[..., None] * beta * x * w).sum(-1)[0]
    return out


@torch.no_grad()
def _rnn_attention(net: Net, batch: dict) -> dict[str, torch.Tensor]:
    """The GRU's attention over its states, one weight per position (a visit's weight to each of its codes)."""
    out = {}
    for col in net.sequence_inputs:
        x, mask = net.embeddings[col](batch, col)
        weights = net.sequence_encoders[col].attention(x, mask)[0]           # [L]
        if net.encoders.inputs[col] == "nested_codes":
            weights = weights[:, None].expand(batch[col].shape[1:]).clone()
        out[col] = weights
    return out


def _transformer_attention(net: Net, batch: dict) -> dict[str, torch.Tensor]:
    """The self-attention each position receives, averaged over layers, heads and attending positions."""
    out = {}
    for col in net.sequence_inputs:
        layers = [m for m in net.sequence_encoders[col].modules() if isinstance(m, nn.MultiheadAttention)]
        received: list[torch.Tensor] = []

        def keep(module, args, kwargs, received=received):
            q, k, v = (list(args) + [kwargs.get(n) for n in ("query", "key", "value")][len(args):])[:3]
            padding = kwargs.get("key_padding_mask")
            _, weights = module.forward(q, k, v, key_padding_mask=padding, need_weights=True,
                                        attn_mask=kwargs.get("attn_mask"), average_attn_weights=True)
            if padding is None:
                attending = torch.ones(weights.shape[:2])
            else:       # the encoder may pass the mask as floats: 0 to attend, -inf for padding
                attending = (padding == 0).float() if padding.is_floating_point() else (~padding).float()
            received.append((weights * attending[..., None]).sum(1) / attending.sum(1, keepdim=True))

        handles = [m.register_forward_pre_hook(keep, with_kwargs=True) for m in layers]
        try:
            # with gradients on, the encoder layers take their slow path, which calls each attention module
            with torch.enable_grad():
                x, mask = net.embeddings[col](batch, col)
                net.sequence_encoders[col](x, mask)
        finally:
            for h in handles:
                h.remove()
        if len(received) != len(layers) or not layers:
            raise ParameterError(f"the attention of input '{col}' could not be read")
        weights = torch.stack(received).mean(0)[0].detach()               # [L]
        if net.encoders.inputs[col] == "nested_codes":
            weights = weights[:, None].expand(batch[col].shape[1:]).clone()   # a visit's weight for each code
        out[col] = weights
    return out


# -- positions -> codes -----------------------------------------------------------------------------

def _by_code(per_position: dict[str, torch.Tensor], batch: dict, enc) -> pa.Table:
    """Sum each code's attributions over its positions; rank by |attribution|."""
    rows: dict[tuple[str, str], list] = {}
    for col, a in per_position.items():
        kind = enc.inputs[col]
        if kind == "numeric":
            rows[(col, col)] = [float(a), 1]
            continue
        if kind == "categorical":
            ids, values = batch[col].reshape(-1)[:1], a.reshape(-1)[:1]
        else:
            mask = batch[col + "_mask"][0]
            ids, values = batch[col][0][mask], a.reshape(mask.shape)[mask]
        codes = enc.vocabularies[col].decode_ids(ids.numpy())
        for code, value in zip(codes, values.tolist()):
            entry = rows.setdefault((col, str(code)), [0.0, 0])
            entry[0] += value
            entry[1] += 1
    ordered = sorted(rows.items(), key=lambda kv: -abs(kv[1][0]))
    return pa.table({"rank": pa.array(range(1, len(ordered) + 1), pa.int32()),
                     "input": [k[0] for k, _ in ordered], "code": [k[1] for k, _ in ordered],
                     "attribution": pa.array([v[0] for _, v in ordered], pa.float64()),
                     "positions": pa.array([v[1] for _, v in ordered], pa.int32())})


def _titles(lake, config: dict, codes: pa.ChunkedArray) -> pa.Array:
    """Each code's title from the code tables: under the vocabulary the dataset's events give it, else under
    any vocabulary that has it; NULL without code tables."""
    if lake is None or not len(codes) or not lake.codes.loaded():
        return pa.nulls(len(codes), pa.string())
    dataset = (config.get("source") or {}).get("dataset")
    wanted = pa.table({"code": codes.combine_chunks() if isinstance(codes, pa.ChunkedArray) else codes})
    with lake.db.registered("explain_codes", wanted):
        if dataset:
            found = lake.db.arrow(EXPLAIN_SQL, "code_titles", tables={"events": (dataset, "events")})
        else:
            found = lake.db.arrow(EXPLAIN_SQL, "code_titles_any")
    names = dict(zip(found.column("code").to_pylist(), found.column("name").to_pylist()))
    return pa.array([names.get(c) for c in wanted.column("code").to_pylist()], pa.string())


__all__ = ["explain", "METHODS"]
