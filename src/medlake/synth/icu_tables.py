"""Columns both MIMIC layouts write for the ICU and whole-record tables (values, item ids, texts), from the arrays
of medlake.synth.icu; each layout names and orders them as its release does."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import icu
from .model import Hospital
from .writer import floats, numbers_as_text, pick


def chart_columns(rows: dict[str, np.ndarray], carevue: np.ndarray | None = None) -> dict[str, pa.Array]:
    """itemid, value (text), valuenum, valueuom of chart() rows; `carevue` (bool per row) picks CareVue ids
    where the item has one."""
    items = icu.chart_items()
    flat = items.offset[rows["kind"]] + rows["item"]
    itemid = items.mv[flat]
    if carevue is not None:
        itemid = np.where(carevue & (items.cv[flat] > 0), items.cv[flat], itemid)
    is_text = rows["text"] >= 0
    text_index = np.where(is_text, items.text_offset[flat] + rows["text"], -1)
    value_num = np.where(is_text, items.text_number[np.maximum(text_index, 0)], rows["value"])
    if carevue is not None:  # CareVue's Height Inches (1394) is in inches
        height = itemid == next(v.cv for v in icu.VITALS if v.name == "Height")
        value_num = np.where(height, np.round(value_num / 2.54, 1), value_num)
    text = pick(items.texts, text_index)
    value = pc.if_else(pa.array(is_text), text, numbers_as_text(value_num))
    valuenum = floats(value_num, np.isnan(value_num))
    no_unit = np.array([u == "" for u in items.unit])
    unit = pick(items.unit, np.where(is_text | no_unit[flat], -1, flat))
    return {"itemid": itemid, "value": value, "valuenum": valuenum, "valueuom": unit}


def item_rows(carevue: bool) -> list[tuple[int, str, str, str, str, str]]:
    """(itemid, label, linksto, category, unit, param_type) of every ICU item written (CareVue ids too when asked)."""
    items = icu.chart_items()
    out = []
    for k in range(len(items.mv)):
        kind = "Numeric" if items.numeric[k] else "Text"
        out.append((int(items.mv[k]), items.label[k], "chartevents", items.category[k], items.unit[k], kind))
        if carevue and items.cv[k] > 0:
            unit = "Inch" if items.label[k].startswith("Height") else items.unit[k]
            label = "Height Inches" if items.label[k].startswith("Height") else items.label[k]
            out.append((int(items.cv[k]), label, "chartevents", items.category[k], unit, kind))
    for mv, cv, label, category, amount_unit, _ in icu.INFUSIONS:
        out.append((mv, label, "inputevents", category, amount_unit, "Solution"))
        if carevue:
            out.append((cv, label, "inputevents_cv", category, amount_unit, "Solution"))
    mv, cv, label, category, unit = icu.FOLEY
    out.append((mv, label, "outputevents", category, unit, "Numeric"))
    if carevue:
        out.append((cv, "Urine Out Foley", "outputevents", category, unit, "Numeric"))
    return sorted(out)


def discharge_text(h: Hospital, reason_labels: list[str], reason: np.ndarray, disposition: pa.Array) -> pa.Array:
    """The short discharge summary of every admission."""
    parts = [
        pa.array(["Discharge summary. Admitted for "] * h.n_admissions), pick(reason_labels, reason),
        pa.array([". History: "] * h.n_admissions), pick(icu.history_labels(), icu.history_index(h)),
        pa.array([". Hospital course: "] * h.n_admissions), pick(icu.DISCHARGE_COURSE, icu.course(h)),
        pa.array([" Disposition: "] * h.n_admissions), pc.fill_null(disposition, "unknown"),
        pa.array(["."] * h.n_admissions),
    ]
    return pc.binary_join_element_wise(*parts, "")


def radiology_text(finding: np.ndarray) -> pa.Array:
    """The short chest X-ray report of each finding."""
    return pc.binary_join_element_wise(pa.array(["CHEST (PORTABLE AP). IMPRESSION: "] * len(finding)),
                                       pick(icu.RADIOLOGY_FINDINGS, finding), "")
