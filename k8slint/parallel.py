"""The object phase in worker processes (`--jobs`).

Workers are forked, so they share the parent's rule catalog (user packs included) and options
without sending them over. Each takes a contiguous chunk of files and sends back the outcomes:
findings already located, and the objects' data for the run phase. Results come back in input
order, so the output is the same as with `--jobs 1`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .discovery import Source

if TYPE_CHECKING:
    from .engine import Engine, FileOutcome

_ENGINE: Engine | None = None
_LINT = True


def _work(chunk: list[Source]) -> list[FileOutcome]:
    assert _ENGINE is not None
    import gc

    gc.disable()  # as in the parent: the heap only grows during a chunk
    return [_ENGINE.process_file(source, _LINT) for source in chunk]


def _chunks(sources: Sequence[Source], jobs: int) -> list[list[Source]]:
    """Contiguous chunks of similar byte size, several per worker so that they balance."""
    sizes = []
    for source in sources:
        try:
            sizes.append(max(1, os.path.getsize(source.path)) if source.path else 1)
        except OSError:
            sizes.append(1)
    target = max(1, sum(sizes) // (jobs * 8))
    chunks: list[list[Source]] = [[]]
    weight = 0
    for source, size in zip(sources, sizes, strict=True):
        if weight >= target and chunks[-1]:
            chunks.append([])
            weight = 0
        chunks[-1].append(source)
        weight += size
    return chunks


def process_in_workers(engine: Engine, sources: Sequence[Source], lint: bool,
                       progress: Callable[[int], None] | None) -> list[FileOutcome]:
    global _ENGINE, _LINT
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: one process
        return [engine.process_file(s, lint) for s in sources]
    _ENGINE, _LINT = engine, lint
    jobs = min(engine.options.jobs, os.cpu_count() or 1)
    out: list[FileOutcome] = []
    try:
        with context.Pool(jobs) as pool:
            for outcomes in pool.imap(_work, _chunks(sources, jobs)):
                out.extend(outcomes)
                if progress is not None:
                    progress(len(outcomes))
    finally:
        _ENGINE = None
    return out
