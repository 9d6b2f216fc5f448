"""`medlake codes load|lookup|ancestors|descendants|map|stats`: code systems in the lake."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from ._options import SuggestingGroup, db_option, open_lake
from ._output import emit, emit_parts, output_options, part_option, stdout


def register(main: click.Group) -> None:
    main.add_command(codes)


@click.group(cls=SuggestingGroup)
def codes():
    """Code systems (ICD-9/10, CCS, ATC, NDC, OMOP vocabularies) as tables in the lake's vocab schema."""


@codes.command()
@click.option("--from", "directory", type=click.Path(file_okay=False), default=None,
              help="Folder of code-system files (e.g. ../shared/data/codes); its files win over installed packages.")
@click.option("--only", default=None,
              help="Comma-separated inputs to read (e.g. ndc_atc,atc_codes); default: all of them.")
@click.option("--quiet", "--silent", "silent", is_flag=True, help="No progress display.")
@db_option
def load(directory, only, silent, db_path):
    """Build (or rebuild) the vocab tables, offline, from installed packages and DIR.

    \b
    Example: medlake codes load --from ../shared/data/codes
    """
    with open_lake(db_path) as lake:
        result = lake.codes.load(directory, show_progress=not silent, only=only.split(",") if only else None)
    stdout.print(f"loaded code systems (load {result.load_id}, {result.seconds:.1f} s)")
    t = Table("table", "rows")
    for name, rows in result.row_counts.items():
        t.add_row(name, f"{rows:,}")
    stdout.print(t)
    if result.missing:
        stdout.print(f"[yellow]not found (skipped): {escape(', '.join(result.missing))}[/]")


@codes.command()
@click.argument("vocab")
@click.argument("code", nargs=-1, required=True)
@output_options
@db_option
def lookup(vocab, code, fmt, out, db_path):
    """Title, level and leaf flag of one or more codes (dot optional).

    \b
    Example: medlake codes lookup ICD9CM 4280 428.21
    """
    with open_lake(db_path, read_only=True) as lake:
        table = lake.codes.lookup(vocab, list(code))
    emit(table, fmt, out, max_rows=200)


@codes.command()
@click.argument("vocab")
@click.argument("code", nargs=-1, required=True)
@click.option("--self", "include_self", is_flag=True, help="Include each code itself (distance 0).")
@output_options
@db_option
def ancestors(vocab, code, include_self, fmt, out, db_path):
    """Ancestors of one or more codes, nearest first.

    \b
    Example: medlake codes ancestors ICD10CM I50.9
    """
    with open_lake(db_path, read_only=True) as lake:
        table = lake.codes.ancestors(vocab, list(code), include_self=include_self)
    emit(table, fmt, out, max_rows=200)


@codes.command()
@click.argument("vocab")
@click.argument("code", nargs=-1, required=True)
@click.option("--self", "include_self", is_flag=True, help="Include each code itself (distance 0).")
@output_options
@db_option
def descendants(vocab, code, include_self, fmt, out, db_path):
    """Descendants of one or more codes, nearest first.

    \b
    Example: medlake codes descendants ICD9CM 428 --format csv
    """
    with open_lake(db_path, read_only=True) as lake:
        table = lake.codes.descendants(vocab, list(code), include_self=include_self)
    emit(table, fmt, out, max_rows=200)


@codes.command("map")
@click.argument("src_vocab")
@click.argument("dst_vocab")
@click.argument("code", nargs=-1, required=True)
@click.option("--level", type=int, default=None, help="Roll targets up to this level of their hierarchy (ATC 1-5).")
@click.option("--kind", default=None, help="Only maps of this kind (ccs, ccs_multi, gem, ndc_atc, gsn_atc, ...).")
@output_options
@db_option
def map_cmd(src_vocab, dst_vocab, code, level, kind, fmt, out, db_path):
    """Map codes of SRC_VOCAB to DST_VOCAB (e.g. ICD9CM CCSCM 428.0, NDC ATC 00002140701 --level 3).

    \b
    Example: medlake codes map ICD9CM CCSCM 428.0
    """
    with open_lake(db_path, read_only=True) as lake:
        table = lake.codes.map(src_vocab, dst_vocab, list(code), level=level, kind=kind)
    emit(table, fmt, out, max_rows=200)


@codes.command()
@output_options
@part_option
@db_option
def stats(fmt, out, part, db_path):
    """Vocabularies, cross-maps and the files they were built from (parts: vocabularies, map_pairs, sources).

    \b
    Example: medlake codes stats --part vocabularies --format csv
    """
    with open_lake(db_path, read_only=True) as lake:
        tables = lake.codes.stats()
    emit_parts(tables, fmt, out, part)
