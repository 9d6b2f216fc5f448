"""`medlake report`: the HTML page renders in headless Chromium, every image loads and no figure is blank."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess

import matplotlib.image as mpimg
import numpy as np
import pytest
from click.testing import CliRunner

from medlake.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


@pytest.fixture(scope="module")
def report_page(demo_lake, tmp_path_factory):
    """A report on the MIMIC-IV demo with its mortality task and a small trained run."""
    folder = tmp_path_factory.mktemp("report")
    demo_lake.execute("CHECKPOINT")
    db = str(folder / "lake.duckdb")
    shutil.copy(demo_lake.path, db)
    run("--db", db, "train", "--task", "mortality", "--dataset", "mimic4", "--model", "transformer",
        "--epochs", "1", "--out", str(folder / "run"), "--split", "0.5,0.25,0.25")
    out = folder / "report.html"
    run("--db", db, "report", "--dataset", "mimic4", "--run", str(folder / "run"), "--out", str(out))
    return out


def test_every_figure_is_a_picture_with_something_drawn(report_page):
    page = report_page.read_text()
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    captions = re.findall(r"<figcaption>([^<]+)</figcaption>", page)
    assert len(images) == len(captions) >= 9
    assert {"events by vocabulary", "subjects by sex", "age at first visit", "events per subject",
            "label balance in train", "index-time distribution", "ROC curve", "precision-recall curve",
            "confusion matrix"} <= set(captions)
    for caption, data in zip(captions, images):
        pixels = mpimg.imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100, caption
        assert np.std(pixels[..., :3]) > 0.05, f"figure '{caption}' is blank"
    assert "Dataset mimic4" in page and "Task mortality" in page and "Model transformer" in page
    assert "metrics per split" in page


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_page_renders_in_headless_chromium(report_page, tmp_path):
    url = report_page.resolve().as_uri()
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120).stdout
    loaded, total = map(int, re.search(r'data-images="(\d+)/(\d+)"', dom).groups())
    assert loaded == total >= 9
    shot = tmp_path / "page.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile2'}", f"--screenshot={shot}",
                    "--window-size=1280,2400", url], capture_output=True, timeout=120)
    pixels = mpimg.imread(shot)
    assert pixels.shape[:2] == (2400, 1280)
    assert np.std(pixels[..., :3]) > 0.05  # not a blank page
