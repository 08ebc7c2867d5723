"""The object phase in worker processes (`--jobs`).

Workers are forked, so they share the parent's rule catalog (user packs included) and options
without sending them over. The files are cut into contiguous chunks of similar size; the parent and
jobs - 1 forked workers take the next chunk from a shared counter until none is left, so the parent
works too and its own outcomes never cross a process boundary. Workers send each chunk's outcomes
back (findings already located, and the objects' data for the run phase); the parent puts every
chunk at its place, so the output is the same as with `--jobs 1`. A chunk a worker did not deliver
(it died) is processed by the parent at the end.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .discovery import Source

if TYPE_CHECKING:
    from .engine import Engine, FileOutcome

_ENGINE: Engine | None = None
_LINT = True


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


def _take(counter: Any, total: int) -> int | None:
    """The index of the next chunk nobody has taken, or None."""
    with counter.get_lock():
        index = counter.value
        if index >= total:
            return None
        counter.value = index + 1
    return index


def _worker(chunks: list[list[Source]], counter: Any, results: Any) -> None:
    """A forked worker: chunks until none is left, each sent back with its index."""
    import gc

    gc.disable()  # as in the parent: the heap only grows during a run
    assert _ENGINE is not None
    while (index := _take(counter, len(chunks))) is not None:
        results.put((index, [_ENGINE.process_file(source, _LINT) for source in chunks[index]]))
    results.put(None)  # this worker is done
    results.close()
    results.join_thread()


def process_in_workers(engine: Engine, sources: Sequence[Source], lint: bool,
                       progress: Callable[[int], None] | None) -> list[FileOutcome]:
    global _ENGINE, _LINT
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: one process
        return [engine.process_file(s, lint) for s in sources]
    jobs = min(engine.options.jobs, os.cpu_count() or 1)
    chunks = _chunks(sources, jobs)
    done: list[list[FileOutcome] | None] = [None] * len(chunks)
    _ENGINE, _LINT = engine, lint
    counter = context.Value("i", 0)
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(chunks, counter, results), daemon=True)
               for _ in range(jobs - 1)]
    try:
        for worker in workers:
            worker.start()
        running = len(workers)

        def receive(block: bool) -> None:
            nonlocal running
            while running:
                try:
                    item = results.get(block=block, timeout=0.5 if block else None)
                except queue.Empty:
                    if block and not any(w.is_alive() for w in workers):
                        running = 0  # every worker is gone: what they did not deliver is done below
                    return
                if item is None:
                    running -= 1
                    continue
                index, outcomes = item
                done[index] = outcomes
                if progress is not None:
                    progress(len(outcomes))
                if not block:
                    continue

        while (index := _take(counter, len(chunks))) is not None:
            done[index] = [engine.process_file(source, lint) for source in chunks[index]]
            if progress is not None:
                progress(len(chunks[index]))
            receive(block=False)
        while running:
            receive(block=True)
        for worker in workers:
            worker.join(timeout=5)
    finally:
        _ENGINE = None
        for worker in workers:
            if worker.is_alive():
                worker.kill()
    out: list[FileOutcome] = []
    for index, outcomes in enumerate(done):
        if outcomes is None:  # a worker died with it: the parent does it
            outcomes = [engine.process_file(source, lint) for source in chunks[index]]
            if progress is not None:
                progress(len(outcomes))
        out.extend(outcomes)
    return out
