"""The `medlake` command line: a thin shell over the Python API.

Each command module in this package defines `register(group)`; the group
discovers them, so adding a command never edits this file. Errors the
library raises on purpose (MedlakeError) are translated once, here: one
message on stderr, exit code 2, no traceback.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import click
from rich.markup import escape

from ..errors import MedlakeError
from ..progress import console
from ._options import SuggestingGroup


class MedlakeGroup(SuggestingGroup):
    """A click group that turns MedlakeError into 'error: ...' and exit code 2; any other exception
    (a bug, or a failure medlake did not foresee) into one 'error: ...' line and exit code 1, never a
    traceback (MEDLAKE_DEBUG=1 shows it)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise
        except MedlakeError as e:
            _say(str(e))
            sys.exit(2)
        except Exception as e:  # noqa: BLE001 - the last guard before a traceback would reach the user
            if os.environ.get("MEDLAKE_DEBUG"):
                raise
            if isinstance(e, OSError) and e.filename:
                _say(f"{e.filename}: {e.strerror or e}")
                sys.exit(2)
            _say(f"unexpected {type(e).__name__}: {' '.join(str(e).split()) or 'no message'} (a bug in medlake: "
                 "please report it with the command; MEDLAKE_DEBUG=1 shows the traceback)")
            sys.exit(1)


def _say(message: str) -> None:
    """One error line on stderr: the message's lines joined, markup escaped."""
    message = "; ".join(line.strip() for line in message.splitlines() if line.strip())
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


@click.group(cls=MedlakeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="medlake")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Lake file (default: $MEDLAKE_DB, else ./medlake.duckdb); also accepted after the command.")
@click.option("--memory-limit", default=None, metavar="SIZE",
              help="Most memory DuckDB may use, e.g. 4GB (default: DuckDB's, 80% of RAM; loads cap themselves at "
                   "1 GiB unless this is given); past it DuckDB spills to <lake>.tmp/.")
@click.option("--threads", default=None, type=click.IntRange(min=1), help="Threads DuckDB may use (default: all).")
@click.pass_context
def main(ctx, db_path, memory_limit, threads):
    """medlake: clinical data, code systems, tasks and features in one DuckDB file."""
    ctx.obj = {"db": db_path, "memory_limit": memory_limit, "threads": threads}


def _register_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        module.register(main)


_register_commands()
