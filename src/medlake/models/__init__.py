"""Arrow -> torch: streaming samples, the model zoo, the trainer, metrics and calibration."""

from .stream import SampleSet, SampleStream
from .vocab import Encoders, LabelEncoder, Vocabulary

__all__ = ["SampleSet", "SampleStream", "Encoders", "LabelEncoder", "Vocabulary"]
