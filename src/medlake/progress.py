"""Progress display. Library calls take show_progress=False; the CLI turns it on."""

from __future__ import annotations

import contextlib
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


class _Silent:
    """A progress object that shows nothing."""

    def add_task(self, description, total=None, **fields):
        return 0

    def update(self, task_id, **kwargs):
        pass

    def advance(self, task_id, advance=1):
        pass

    def log(self, *args, **kwargs):
        pass


class _Shown(_Silent):
    def __init__(self, progress: Progress):
        self._p = progress

    def add_task(self, description, total=None, **fields):
        fields.setdefault("detail", "")
        return self._p.add_task(description, total=total, **fields)

    def update(self, task_id, **kwargs):
        self._p.update(task_id, **kwargs)

    def advance(self, task_id, advance=1):
        self._p.advance(task_id, advance)

    def log(self, *args, **kwargs):
        self._p.console.print(*args, **kwargs)


@contextlib.contextmanager
def progress(show: bool):
    """Yield a progress object; when show is False it does nothing."""
    if not show:
        yield _Silent()
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    with bar:
        yield _Shown(bar)


class Timer:
    """Wall-clock timer: `with Timer() as t: ...; t.seconds`."""

    def __enter__(self):
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        return False
