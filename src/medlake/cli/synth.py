"""`medlake synth`: write a synthetic MIMIC-III or MIMIC-IV export, Sleep-EDF recordings, or chest X-ray DICOMs."""

from __future__ import annotations

import click
from rich.table import Table

from ._output import stdout


def register(main: click.Group) -> None:
    main.add_command(synth)


@click.command()
@click.argument("flavor", type=click.Choice(["mimic3", "mimic4", "sleep-edf", "dicom"]))
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--patients", default=None, type=click.IntRange(min=1),
              help="mimic3/mimic4: number of patients; dicom --layout mimic-cxr: the patients of the synthetic "
                   "MIMIC-IV whose subjects and admissions the studies follow.  [default: 1000]")
@click.option("--studies", default=None, type=click.IntRange(min=1, max=1_000_000),
              help="dicom: number of studies, one image each.  [default: 200]")
@click.option("--layout", default=None, type=click.Choice(["chestxray14", "mimic-cxr"]),
              help="dicom: folder layout and labels CSV.  [default: chestxray14]")
@click.option("--subjects", default=None, type=click.IntRange(min=1, max=100),
              help="sleep-edf: number of subjects, one night each.  [default: 10]")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0),
              help="Random seed (same seed, same bytes).")
@click.option("--no-gzip", is_flag=True, help="mimic3/mimic4: write .csv instead of .csv.gz.")
@click.option("--full", is_flag=True,
              help="mimic3/mimic4: the whole record (charted vitals, infusions, outputs, cultures, transfers, "
                   "services, notes, item dictionary), not only the seven core tables.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
def synth(flavor, out, patients, subjects, studies, layout, seed, no_gzip, full, silent):
    """Write a synthetic FLAVOR export into OUT: mimic3 or mimic4 (loadable with `medlake load FLAVOR OUT`),
    sleep-edf (EDF+ PSG and hypnogram pairs, loadable with `medlake load edf OUT --layout sleep-edf`), or
    dicom (chest X-rays whose pixels carry their findings, with the labels CSV of the layout, loadable with
    `medlake load dicom OUT --layout LAYOUT`).

    \b
    Example: medlake synth mimic3 synth-out/ --patients 1000 --seed 7
             medlake synth mimic4 synth-full/ --patients 1000 --full
             medlake synth sleep-edf sleep-out/ --subjects 5 --seed 1
             medlake synth dicom cxr-out/ --studies 500 --layout mimic-cxr --seed 7
    """
    from ..errors import ParameterError

    if flavor != "dicom" and (studies is not None or layout is not None):
        raise ParameterError(f"--studies and --layout apply to dicom, not {flavor}")
    if flavor == "dicom":
        if subjects is not None or no_gzip or full:
            raise ParameterError("--subjects, --no-gzip and --full do not apply to dicom; it takes --studies and "
                                 "--layout")
        from ..synth.dicom import synthesize_dicom

        layout = layout or "chestxray14"
        if patients is not None and layout != "mimic-cxr":
            raise ParameterError("--patients applies to dicom with --layout mimic-cxr only")
        res = synthesize_dicom(out, studies=studies or 200, layout=layout, seed=seed, patients=patients or 1000,
                               show_progress=not silent)
        positive = sum(bool(v) for v in res.findings.values())
        stdout.print(f"{len(res.files):,} DICOM files ({layout}, {positive:,} with a finding) and "
                     f"{', '.join(p.name for p in res.csvs)} in {out}, seed {seed}, {res.seconds:.1f} s")
        return

    if flavor == "sleep-edf":
        if patients is not None or no_gzip or full:
            raise ParameterError("--patients, --no-gzip and --full apply to mimic3/mimic4; sleep-edf takes --subjects")
        from ..synth.sleep import synthesize_sleep_edf

        res = synthesize_sleep_edf(out, subjects=subjects or 10, seed=seed, show_progress=not silent)
        epochs = sum(len(v) for v in res.stages.values())
        size = sum(f.stat().st_size for f in res.files)
        stdout.print(f"{len(res.files)} files ({res.subjects} PSG + hypnogram pairs, {epochs:,} epochs of 30 s, "
                     f"{size / 1e6:,.1f} MB) in {out}, seed {seed}, {res.seconds:.1f} s")
        return
    if subjects is not None:
        raise ParameterError(f"--subjects applies to sleep-edf; {flavor} takes --patients")
    from ..synth import synthesize

    patients = patients or 1000
    result = synthesize(flavor, out, patients=patients, seed=seed, compress=not no_gzip, full=full,
                        show_progress=not silent)
    t = Table("file", "rows", title=f"synthetic {flavor}", caption=f"{patients:,} patients, seed {seed}, in {out}")
    for name, rows in result.rows.items():
        t.add_row(name, f"{rows:,}")
    stdout.print(t)
    stdout.print(f"{result.total_rows:,} rows in {result.seconds:.1f} s "
                 f"({result.total_rows / max(result.seconds, 1e-9):,.0f} rows/s)")
