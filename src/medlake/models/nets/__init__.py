"""The model zoo: every network is built from a SampleSet's encoders, `Transformer(dataset=samples)`."""

from __future__ import annotations

from ...errors import UnknownNameError
from .base import Net
from .concare import ConCare
from .conv import CNN1D, CNN2D
from .gamenet import GAMENet, co_occurrence, ddi_matrix
from .sequence import RETAIN, RNN, Deepr, Transformer
from .tabular import MLP, LogisticRegression
from .temporal import TCN, AdaCare, StageNet

MODELS: dict[str, type[Net]] = {cls.name: cls for cls in
                                (LogisticRegression, MLP, RNN, Transformer, RETAIN, Deepr, GAMENet, CNN1D, CNN2D)}
# PyHealth 2.x's temporal models (nets/temporal.py, nets/concare.py)
MODELS.update({cls.name: cls for cls in (TCN, StageNet, AdaCare, ConCare)})

# drug recommendation beside GAMENet: SafeDrug (molecule-free, DDI-controlled loss) and MICRON
from .micron import MICRON  # noqa: E402
from .safedrug import SafeDrug  # noqa: E402

MODELS |= {cls.name: cls for cls in (SafeDrug, MICRON)}


def model_class(name: str) -> type[Net]:
    """The network class of a name (a key of MODELS; gru and lstm are rnn)."""
    key = name.lower().replace("-", "_")
    aliases = {"gru": "rnn", "lstm": "rnn"}
    key = aliases.get(key, key)
    if key not in MODELS:
        raise UnknownNameError(f"unknown model '{name}' (known: {', '.join(MODELS)})")
    return MODELS[key]


def build_model(name: str, dataset=None, **options) -> Net:
    """Build a network by name; `lstm` and `gru` are RNNs of that cell type."""
    if name.lower() in ("lstm", "gru"):
        options.setdefault("rnn_type", name.lower())
    return model_class(name)(dataset, **options)


__all__ = ["MODELS", "Net", "LogisticRegression", "MLP", "RNN", "Transformer", "RETAIN", "Deepr", "GAMENet", "CNN1D",
           "CNN2D", "TCN", "StageNet", "AdaCare", "ConCare", "SafeDrug", "MICRON", "build_model", "model_class",
           "co_occurrence", "ddi_matrix"]
