"""Options shared by several commands."""

from __future__ import annotations

import difflib

import click

from ..lake import connect, default_db_path
from ..progress import console


def db_option(f):
    """--db PATH (default $MEDLAKE_DB, else ./medlake.duckdb)."""
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False), default=None,
        help="Lake file (default: $MEDLAKE_DB, else ./medlake.duckdb).",
    )(f)


def open_lake(db_path: str | None, read_only: bool = False, external_access: bool = True):
    """Open the lake a command was pointed at (its --db, the group's --db, $MEDLAKE_DB, ./medlake.duckdb)."""
    ctx = click.get_current_context(silent=True)
    group = (ctx.find_root().obj or {}) if ctx else {}
    lake = connect(db_path or group.get("db") or default_db_path(), read_only=read_only,
                   external_access=external_access, memory_limit=group.get("memory_limit"),
                   threads=group.get("threads"))
    if lake.interrupted_load:
        was = lake.interrupted_load
        done = "the file was given back its space" if not read_only else "the next command that writes tidies the file"
        console.print(f"[yellow]warning:[/] a load of '{was.get('dataset')}' ({was.get('source')}, started "
                      f"{was.get('started_at')}) was interrupted; the lake holds what it held before it; {done}",
                      highlight=False)
    return lake


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


class SuggestingGroup(click.Group):
    """A click group that answers a misspelt command with the commands it could have meant."""

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as e:
            name = args[0] if args else ""
            close = difflib.get_close_matches(name, list(self.commands), n=3, cutoff=0.5)
            if close and not name.startswith("-"):
                e.message = f"{e.message} Did you mean {' or '.join(repr(c) for c in close)}?"
            raise
