"""Arrow -> torch: streaming samples, the model zoo, the trainer, metrics and calibration.

    samples = SampleSet.build(lake.task("mortality", dataset="mimic3").split())
    net = Transformer(dataset=samples)
    Trainer(net, epochs=5).fit(samples.stream("train", shuffle=True), samples.stream("val"))
"""

from .calibration import ConformalLabel, DirichletCalibration, HistogramBinning, KCal, TemperatureScaling
from .metrics import bootstrap_ci, compute_metrics
from .nets import (
    MICRON,
    MLP,
    MODELS,
    RETAIN,
    RNN,
    TCN,
    AdaCare,
    ConCare,
    Deepr,
    GAMENet,
    LogisticRegression,
    SafeDrug,
    StageNet,
    Transformer,
    build_model,
)
from .stream import SampleSet, SampleStream
from .trainer import Predictions, Trainer, load_checkpoint, save_checkpoint, seed_everything
from .vocab import Encoders, LabelEncoder, Vocabulary

__all__ = ["SampleSet", "SampleStream", "Encoders", "LabelEncoder", "Vocabulary", "Trainer", "Predictions",
           "save_checkpoint", "load_checkpoint", "seed_everything", "MODELS", "build_model", "LogisticRegression",
           "MLP", "RNN", "Transformer", "RETAIN", "Deepr", "GAMENet", "TCN", "StageNet", "AdaCare", "ConCare",
           "SafeDrug", "MICRON", "compute_metrics", "bootstrap_ci",
           "TemperatureScaling", "HistogramBinning", "ConformalLabel", "DirichletCalibration", "KCal"]
