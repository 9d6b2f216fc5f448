"""`medlake load`, `medlake info`, `medlake sql`."""

from __future__ import annotations

import sys

import click
import pyarrow as pa
from rich.markup import escape
from rich.table import Table

from ..progress import console
from ._options import db_option, open_lake
from ._output import emit, emit_parts, output_options, part_option, stdout

SHOWN_ERRORS = 20  # skipped files listed by `load`; all of them are in meta.load_errors


def register(main: click.Group) -> None:
    main.add_command(load)
    main.add_command(info)
    main.add_command(sql)


@click.command()
@click.argument("source")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--tables", default=None, help="Comma-separated raw tables to load (default: all the loader knows).")
@click.option("--name", default=None, help="Dataset (schema) name; default: the source name (edf: signals, "
                                           "dicom: images).")
@click.option("--layout", type=click.Choice(["plain", "sleep-edf", "mimic-cxr", "chestxray14"]), default=None,
              help="edf: how files pair up (default plain; sleep-edf pairs *-PSG.edf with *-Hypnogram.edf); dicom: "
                   "plain, mimic-cxr (subject and study from the folders, metadata and CheXpert CSVs) or chestxray14 "
                   "(Data_Entry_2017.csv labels).")
@click.option("--labels", type=click.Path(dir_okay=False), default=None,
              help="dicom: the labels CSV (ChestX-ray14 Data_Entry or MIMIC-CXR CheXpert) if not in the folder.")
@click.option("--subjects", type=click.Path(dir_okay=False), default=None,
              help="edf: CSV with columns pattern (a glob on the file name or relative path), subject_id.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="dicom: processes reading headers (default: the CPU count, at most 8).")
@click.option("--encoding", type=click.Choice(["utf-8", "latin-1"]), default=None,
              help="mimic3, mimic4, eicu, omop: the CSV files' text encoding (default utf-8; a byte-order mark "
                   "is dropped).")
@click.option("--strict", is_flag=True, default=None,
              help="mimic3, mimic4, eicu, omop, meds: refuse the load (exit 2) when a row names a subject or visit "
                   "that does not exist or an id below 1, rather than dropping it and reporting it.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
@db_option
def load(source, directory, tables, name, layout, subjects, labels, workers, encoding, strict, silent, db_path):
    """Load a folder: SOURCE is mimic3, mimic4, eicu or omop (raw exports), meds (a MEDS dataset),
    edf (EDF/BDF signals) or dicom (DICOM headers).

    Exit code 1 means the load finished but skipped files it could not read
    (listed, and kept in meta.load_errors); 2 means nothing was loaded.
    Rows whose subject or visit does not exist are dropped (or lose the visit)
    and listed at the end (kept in meta.load_issues); --strict refuses them.

    \b
    Example: medlake load mimic3 ../shared/data/mimic3demo
             medlake load edf sleep/ --layout sleep-edf
             medlake load dicom ../shared/data/dicom --workers 4
             medlake load dicom mimic-cxr/ --layout mimic-cxr
    """
    options = {k: v for k, v in (("layout", layout), ("subjects", subjects), ("workers", workers),
                                 ("labels", labels), ("encoding", encoding), ("strict", strict)) if v is not None}
    with open_lake(db_path) as lake:
        result = lake.load(source, directory, tables=tables.split(",") if tables else None,
                           name=name, show_progress=not silent, **options)
    verb = "replaced" if result.replaced else "loaded"
    stdout.print(f"{verb} dataset [bold]{result.dataset}[/] from {directory} "
                 f"(load {result.load_id}, {result.seconds:.1f} s)")
    if result.replaced:
        stdout.print(f"[yellow]the earlier load of '{result.dataset}' was replaced[/]")
    if result.task_views:
        stdout.print(f"task views: {', '.join(result.task_views)}")
    t = Table("table", "rows")
    for k, v in result.row_counts.items():
        t.add_row(k, f"{v:,}")
    stdout.print(t)
    if getattr(result, "absent", None):
        stdout.print(f"known tables not in {directory} (loaded empty): {', '.join(result.absent)}")
    for issue in getattr(result, "issues", []):
        console.print(f"[yellow]warning:[/] {escape(issue.describe())}", highlight=False, soft_wrap=True)
    if getattr(result, "issues", None):
        console.print(f"see meta.load_issues (load_id = {result.load_id}); --strict refuses such rows",
                      highlight=False)
    for path in getattr(result, "dicomdirs", []):
        stdout.print(f"DICOMDIR recognized and skipped: {escape(path)}", highlight=False)
    if getattr(result, "warnings", 0):
        stdout.print(f"{result.warnings} file(s) read with a warning (see the images table's warning column)")
    errors = getattr(result, "errors", None)
    if errors:
        for e in errors[:SHOWN_ERRORS]:
            console.print(f"[yellow]skipped[/] {escape(e['path'])}: {escape(e['reason'])}", highlight=False)
        if len(errors) > SHOWN_ERRORS:
            console.print(f"... and {len(errors) - SHOWN_ERRORS:,} more", highlight=False)
        console.print(f"[bold yellow]{len(errors)} file{'s' if len(errors) != 1 else ''} failed[/] and "
                      f"{'were' if len(errors) != 1 else 'was'} skipped; see meta.load_errors (load_id = "
                      f"{result.load_id})", highlight=False)
        sys.exit(1)


@click.command()
@output_options
@part_option
@db_option
def info(fmt, out, part, db_path):
    """List datasets, their tables with row counts, and the load history (parts: datasets, tables, views, loads).

    \b
    Example: medlake info --part loads --format csv
    """
    with open_lake(db_path, read_only=True) as lake:
        data = lake.info()
    parts = {name: pa.Table.from_pylist(data[name]) for name in ("datasets", "tables", "views", "loads")}
    emit_parts(parts, fmt, out, part, draw=lambda: _draw_info(data))


def _draw_info(data: dict) -> None:
    stdout.print(f"lake [bold]{data['path']}[/] (medlake {data['medlake_version']})")
    if not data["datasets"]:
        stdout.print("no datasets loaded; try `medlake load mimic3 DIR`")
    else:
        d = Table("dataset", "source", "load", "loaded", title="datasets")
        for r in data["datasets"]:
            d.add_row(r["dataset"], r["source"], str(r["load_id"]), str(r["loaded_at"])[:19])
        stdout.print(d)
    t = Table("schema", "table", "rows", title="tables")
    for r in data["tables"]:
        t.add_row(r["schema"], r["table"], f"{r['rows']:,}")
    if data["tables"]:
        stdout.print(t)
    if data["views"]:
        v = Table("schema", "view", title="views")
        for r in data["views"]:
            v.add_row(r["schema"], r["view"])
        stdout.print(v)
    h = Table("load", "dataset", "source", "directory", "started", "seconds", "rows", "status", "version",
              title="load history")
    for r in data["loads"]:
        h.add_row(str(r["load_id"]), r["dataset"], r["source"], r["directory"] or "", str(r["started_at"])[:19],
                  f"{r['seconds'] or 0:.1f}", f"{r['rows_written'] or 0:,}", r["status"], r["medlake_version"])
    if data["loads"]:
        stdout.print(h)


@click.command()
@click.argument("query")
@output_options
@click.option("--max-rows", default=50, show_default=True, help="Rows drawn in table format.")
@click.option("--write", is_flag=True, help="Allow a statement that changes the lake (the lake opens read-write).")
@click.option("--allow-files", is_flag=True,
              help="Allow file and network access (read_csv, COPY, ATTACH, INSTALL, a file path as a table).")
@db_option
def sql(query, fmt, out, max_rows, write, allow_files, db_path):
    """Run one SQL statement on the lake and print or write its result.

    The lake opens read-only and the statement must only read, unless --write;
    files and the network are out of reach unless --allow-files.

    \b
    Example: medlake sql "SELECT kind, count(*) AS n FROM mimic3.visits GROUP BY kind"
    """
    import duckdb

    from ..errors import MedlakeError
    from ..sqlcheck import check_statement

    check_statement(query, write=write, allow_files=allow_files)  # before opening: a refusal needs no lake
    # and DuckDB itself refuses files and the network, should a statement get past the check
    with open_lake(db_path, read_only=not write, external_access=allow_files) as lake:
        try:
            table = lake.sql(query, write=write, allow_files=allow_files)
        except duckdb.Error as e:
            raise MedlakeError(f"query failed: {e}") from None
    emit(table, fmt, out, max_rows=max_rows)
