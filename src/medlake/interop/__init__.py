"""Interoperability with the MEDS ecosystem: a dataset as a MEDS dataset and back, task samples as MEDS labels.

- aces.py: `compile_aces` (an ACES task config -> a medlake task file over the
  dataset's MEDS rows).
- meds.py: `export_meds` (canonical tables -> data/ shards and metadata/),
  `export_labels` (a task's samples -> the MEDS label schema) and `load_meds`
  (a MEDS dataset -> a dataset of the lake, one transaction, in the load log).

The SQL is in sql/interop/; the mapping both ways is described in docs/meds.md.
"""

from .aces import AcesTask, compile_aces
from .meds import MEDS_VERSION, MedsExport, export_labels, export_meds, load_meds

__all__ = ["MEDS_VERSION", "AcesTask", "MedsExport", "compile_aces", "export_labels", "export_meds", "load_meds"]
