"""`medlake notes search`: ranked full-text search over a dataset's notes."""

from __future__ import annotations

import click

from ._options import SuggestingGroup, db_option, open_lake
from ._output import emit, output_options


def register(main: click.Group) -> None:
    main.add_command(notes)


@click.group(cls=SuggestingGroup)
def notes():
    """Clinical notes: ranked full-text search (BM25 over the index every load builds)."""


@notes.command()
@click.argument("query")
@click.option("--dataset", required=True, help="The dataset whose notes to search.")
@click.option("--before", default=None,
              help="Only notes available strictly before this time (2150-01-31 or 2150-01-31 13:45).")
@click.option("--subject", default=None, type=int, help="Only this subject's notes.")
@click.option("--category", default=None, help="Only notes of this category (e.g. 'Discharge summary', DS).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Notes to show.")
@output_options
@db_option
def search(query, dataset, before, subject, category, limit, fmt, out, db_path):
    """The notes that best match QUERY, best first, with their BM25 score.

    \b
    Example: medlake notes search "pneumonia consolidation" --dataset mimic4 --limit 5
             medlake notes search sepsis --dataset mimic3 --before "2150-01-31 12:00" --format json
    """
    with open_lake(db_path, read_only=True) as lake:
        table = lake.notes.search(query, dataset, before=before, subject=subject, category=category, limit=limit)
    emit(table, fmt, out, title=f"notes of {dataset} matching {query!r}")
