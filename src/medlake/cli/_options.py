"""Options shared by several commands."""

from __future__ import annotations

import click

from ..lake import connect, default_db_path


def db_option(f):
    """--db PATH (default $MEDLAKE_DB, else ./medlake.duckdb)."""
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False), default=None,
        help="Lake file (default: $MEDLAKE_DB, else ./medlake.duckdb).",
    )(f)


def open_lake(db_path: str | None, read_only: bool = False, external_access: bool = True):
    """Open the lake a command was pointed at (its --db, the group's --db, $MEDLAKE_DB, ./medlake.duckdb)."""
    ctx = click.get_current_context(silent=True)
    group_db = (ctx.find_root().obj or {}).get("db") if ctx else None
    return connect(db_path or group_db or default_db_path(), read_only=read_only, external_access=external_access)


def parse_params(pairs: tuple[str, ...]) -> dict:
    """Turn ('k=v', ...) into {'k': 'v'}; values stay strings for the callee to type-check."""
    from ..errors import ParameterError

    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterError(f"parameter '{pair}' must look like NAME=VALUE")
        k, v = pair.split("=", 1)
        out[k.strip()] = v.strip()
    return out
