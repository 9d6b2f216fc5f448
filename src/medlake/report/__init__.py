"""`medlake report`: one self-contained HTML page (figures embedded) about a dataset, a task on it and a
trained run: what a person would rather look at than JSON."""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path

import numpy as np

from ..version import __version__
from . import figures

REPORT_SQL = "report/dataset.sql"


def build_report(lake, dataset: str, out: str | Path, task: str | None = None, task_params: dict | None = None,
                 run: str | Path | None = None) -> Path:
    """Write the report to `out` and return its path. `run` is a directory written by `medlake train`; its
    task (and parameters) are used when `task` is not given."""
    sections = [_dataset_section(lake, dataset)]
    config = None
    if run is not None:
        from ..models.runs import open_run

        config, samples, net = open_run(run, lake)
        task = task or config["source"]["task"]
        task_params = task_params or config["source"].get("task_params") or {}
    if task:
        result = lake.task(task, dataset, **(task_params or {}))
        split = (config or {}).get("source", {}).get("split") or {"train": 0.7, "val": 0.1, "test": 0.2, "seed": 0}
        sections.append(_task_section(result.split(**split)))
    if run is not None:
        sections.append(_run_section(Path(run), config, samples, net))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_page(f"medlake report: {dataset}", sections))
    return out


# -- sections -------------------------------------------------------------------------------------------------


def _dataset_section(lake, dataset: str) -> str:
    stat = lake.stat(dataset, top=10)
    schemas = {None: dataset}
    sex = lake.db.arrow(REPORT_SQL, "sex", schemas=schemas).to_pylist()
    ages = [r["age"] for r in lake.db.arrow(REPORT_SQL, "age_at_first_visit", schemas=schemas).to_pylist()]
    per_subject = lake.db.arrow(REPORT_SQL, "events_per_subject", schemas=schemas).column("events").to_numpy()
    vocab = stat["events_by_vocab"].to_pylist()
    parts = [
        _facts({"subjects": stat["subjects"], "visits": stat["visits"], "events": stat["events"],
                "source": stat["source"]}),
        _figure(figures.bars([v["vocab"] for v in vocab], [v["events"] for v in vocab], "events by vocabulary",
                             "events", horizontal=True), "events by vocabulary"),
        _figure(figures.bars([r["sex"] for r in sex], [r["subjects"] for r in sex], "subjects by sex", "subjects"),
                "subjects by sex"),
        _figure(figures.histogram(ages, "age at first visit", "years"), "age at first visit")
        if ages else _note("no subject has both a birth time and a visit: no age distribution"),
        _figure(figures.histogram(np.log10(per_subject + 1), "events per subject", "log10(events + 1)"),
                "events per subject"),
        _table(["vocab", "rank", "code", "title", "events", "subjects"],
               [[r["vocab"], r["rank"], r["code"], r["title"] or "", r["events"], r["subjects"]]
                for r in stat["top_codes"].to_pylist()], "top codes"),
    ]
    return _section(f"Dataset {dataset}", parts)


def _task_section(result) -> str:
    stat = result.stat(top=10)
    table = result.to_arrow()
    parts = [_facts({"task": result.name, "samples": stat["samples"], "subjects": stat["subjects"],
                     "label": stat["label_type"],
                     "parameters": ", ".join(f"{k}={v}" for k, v in result.params.items()) or "defaults"})]
    if stat.get("dropped_uncertain_order"):
        parts.append(_note(f"{stat['dropped_uncertain_order']} samples left out: their next visit's order is "
                           "uncertain (uncertain_order=drop)"))
    for split, labels in stat.get("labels_by_split", {}).items():
        numeric = {k: v for k, v in labels.items() if isinstance(v, (int, float))}
        if numeric:
            parts.append(_figure(figures.bars(list(map(str, numeric)), list(numeric.values()),
                                              f"labels in {split}", "samples"), f"label balance in {split}"))
    times = [t for t in table.column("index_time").to_pylist() if t is not None]
    if times:
        years = [t.year + (t.timetuple().tm_yday - 1) / 365.25 for t in times]
        parts.append(_figure(figures.histogram(years, "index times", "year"), "index-time distribution"))
    return _section(f"Task {result.name}", parts)


def _run_section(run: Path, config: dict, samples, net) -> str:
    from ..models.calibration import TemperatureScaling
    from ..models.metrics import bootstrap_ci, compute_metrics
    from ..models.plots import reliability
    from ..models.trainer import Trainer

    trainer = Trainer(net)
    predictions = {s: trainer.predict(samples.stream(s, batch_size=config["batch_size"]))
                   for s in ("train", "val", "test") if samples.splits.get(s)}
    rows = []
    for split, pred in predictions.items():
        metrics = compute_metrics(pred.label_type, pred.y_true, pred.probs)
        ci = bootstrap_ci(pred.label_type, pred.y_true, pred.probs, n_boot=200)
        for name, value in metrics.items():
            low, high = ci.get(name, (float("nan"), float("nan")))
            rows.append([split, len(pred.y_true), name, _number(value), f"{_number(low)} to {_number(high)}"])
    parts = [_facts({"run": str(run), "model": config["model"], "epochs": config["epochs"],
                     "best epoch": config.get("best_epoch")}),
             _table(["split", "samples", "metric", "value", "95% interval"], rows, "metrics per split")]
    test = predictions.get("test") or next(iter(predictions.values()))
    if test.label_type == "binary":
        y, p = test.y_true.astype(int), test.probs
        if 0 < y.sum() < len(y):
            parts += [_figure(figures.roc(y, p, "ROC (test)"), "ROC curve"),
                      _figure(figures.precision_recall(y, p, "precision-recall (test)"), "precision-recall curve")]
        else:
            parts.append(_note("the test split holds one class only: no ROC or precision-recall curve"))
        encoder = samples.encoders.label_encoder
        classes = [str(c) for c in encoder.classes] if encoder is not None and encoder.classes else ["0", "1"]
        parts.append(_figure(figures.confusion(y, (p >= 0.5).astype(int), classes[:2],
                                               "confusion at 0.5 (test)"), "confusion matrix"))
    if test.label_type in ("binary", "multiclass") and "val" in predictions:
        val = predictions["val"]
        after = TemperatureScaling(test.label_type).fit(val.logits, val.y_true).transform(test.logits)
        parts.append(_figure(figures.reliability(reliability(test.y_true, test.probs, test.label_type),
                                                 reliability(test.y_true, after, test.label_type),
                                                 "reliability (test)"), "reliability before and after calibration"))
    return _section(f"Model {config['model']}", parts)


# -- HTML -----------------------------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
.facts { display: flex; flex-wrap: wrap; gap: .5em 2em; } .facts div b { display: block; font-size: 1.3em; }
figure { display: inline-block; margin: .5em 1em .5em 0; } figure img { border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; } table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #ddd; padding: .2em .6em; text-align: left; } .note { color: #8a5300; }
"""

# Marks the page once every image has loaded and none is broken (read back by tests in headless Chromium).
_CHECK = """
window.addEventListener("load", () => {
  const imgs = [...document.images];
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.setAttribute("data-images", ok + "/" + imgs.length);
});
"""


def _page(title: str, sections: list[str]) -> str:
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style><script>{_CHECK}</script></head><body><h1>{html.escape(title)}</h1>"
            f"<p>made by medlake {__version__} on {made}</p>{''.join(sections)}</body></html>\n")


def _section(title: str, parts: list[str]) -> str:
    return f"<section><h2>{html.escape(title)}</h2>{''.join(parts)}</section>"


def _facts(facts: dict) -> str:
    cells = "".join(f"<div><b>{html.escape(_shown(v))}</b>{html.escape(k)}</div>" for k, v in facts.items())
    return f"<div class='facts'>{cells}</div>"


def _shown(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return _number(value) if isinstance(value, float) else str(value)


def _figure(png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode()
    return (f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _table(header: list[str], rows: list[list], caption: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>"


def _note(text: str) -> str:
    return f"<p class='note'>{html.escape(text)}</p>"


def _number(value) -> str:
    return "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.4g}"
