"""Progress display. Library calls take show_progress=False; the CLI turns it on."""

from __future__ import annotations

import contextlib
import time

from rich.console import Console, ConsoleDimensions
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

# Output that is not a terminal (a pipe, a file, a test's capture) is as wide as its
# longest line: a path, id, version or count is never cut or wrapped there.
UNBOUNDED_WIDTH = 1_000_000


class UnwrappedConsole(Console):
    """A rich Console sized to the terminal when there is one, and never wrapping elsewhere.

    Plain text is printed with soft wrapping (the terminal folds long lines, rich
    inserts no line breaks of its own). Only a width given here (or set through
    `size`) bounds output that is not a terminal: $COLUMNS, which rich reads too,
    describes a terminal, and a pipe is none."""

    def __init__(self, **kwargs):
        kwargs.setdefault("soft_wrap", True)
        self._given_width = kwargs.get("width") is not None
        super().__init__(**kwargs)

    @property
    def size(self) -> ConsoleDimensions:
        if not self.is_terminal and not self._given_width:
            return ConsoleDimensions(UNBOUNDED_WIDTH, super().size.height)
        return super().size

    @size.setter
    def size(self, new_size) -> None:
        self._width, self._height = new_size
        self._given_width = self._width is not None


console = UnwrappedConsole(stderr=True)


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
