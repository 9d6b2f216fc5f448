"""Interoperability with the MEDS ecosystem: a dataset as a MEDS dataset and back, task samples as MEDS labels.

- meds.py: `export_meds` (canonical tables -> data/ shards and metadata/),
  `export_labels` (a task's samples -> the MEDS label schema) and `load_meds`
  (a MEDS dataset -> a dataset of the lake, one transaction, in the load log).

The SQL is in sql/interop/; the mapping both ways is described in docs/meds.md.
"""

from .meds import MEDS_VERSION, MedsExport, export_labels, export_meds, load_meds

__all__ = ["MEDS_VERSION", "MedsExport", "export_labels", "export_meds", "load_meds"]
