"""Progress bars for long work; silent when nobody is watching (no terminal)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

_active: Progress | None = None
_tasks: dict[str, TaskID] = {}


@contextmanager
def collection_progress(console: Console) -> Iterator[None]:
    global _active
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.fields[pages]} pages"),
        TextColumn("{task.fields[rows]} new rows"), TimeElapsedColumn(), console=console, transient=False,
        disable=not console.is_terminal,
    ) as progress:
        _active = progress
        try:
            yield
        finally:
            _active = None
            _tasks.clear()


def pages_stored(source: str, pages: int, new_rows: int) -> None:
    """Called once per flush of stored pages; ``source`` is a checkpoint key, never a person."""
    if _active is None:
        return
    if source not in _tasks:
        _tasks[source] = _active.add_task(source, pages=0, rows=0)
    task = _active.tasks[_tasks[source]]
    _active.update(_tasks[source], pages=task.fields["pages"] + pages, rows=task.fields["rows"] + new_rows)
