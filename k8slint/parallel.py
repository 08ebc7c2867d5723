"""Work in processes (`--jobs`): the object phase (files) and the run phase (cross-object rules).

Workers are forked, so they share the parent's rule catalog (user packs included), options and, in
the run phase, the index of the largest cluster view, without sending them over. The work is cut into
contiguous chunks, largest first (see _bounds); the parent and jobs - 1 forked workers take the next
chunk from a shared counter until none is left, so the parent works too and its own results never cross a
process boundary. Workers send each chunk's results back (findings already located; in the object
phase also the objects' data for the run phase); the parent puts every chunk at its place, so the
output is the same as with `--jobs 1`. A chunk a worker did not deliver (it died) is done by the
parent at the end.
"""

from __future__ import annotations

import bisect
import itertools
import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .discovery import Source

if TYPE_CHECKING:
    from .engine import Engine, FileOutcome
    from .findings import Finding
    from .model import K8sObject
    from .registry import Context

T = TypeVar("T")

#: the chunk function of the running pool (set before the fork, read by the forked workers)
_WORK: Callable[[int], Any] | None = None


def _chunks(sources: Sequence[Source], jobs: int) -> list[list[Source]]:
    """Contiguous chunks of sources by byte size (see _bounds)."""
    sizes = []
    for source in sources:
        try:
            sizes.append(max(1, os.path.getsize(source.path)) if source.path else 1)
        except OSError:
            sizes.append(1)
    return [list(sources[start:end]) for start, end in _bounds(sizes, jobs)]


def _bounds(weights: Sequence[int], jobs: int) -> list[tuple[int, int]]:
    """(start, end) of contiguous chunks of items of these weights, largest first: each takes an
    eighth of what is left for two processes (a 4 x jobs-th part), down to a 32 x jobs-th part of the
    whole. Processes take the next chunk as they finish, so the last ones are small and nobody waits
    long for the others at the end (chunks of one size left the parent waiting up to 0.3 s on 20k)."""
    remaining = sum(weights)
    smallest = max(1, remaining // (jobs * 32))
    out: list[tuple[int, int]] = []
    start = weight = 0
    target = max(smallest, remaining // (jobs * 4))
    for i, item in enumerate(weights):
        if weight >= target and i > start:
            out.append((start, i))
            remaining -= weight
            start, weight = i, 0
            target = max(smallest, remaining // (jobs * 4))
        weight += item
    if start < len(weights):
        out.append((start, len(weights)))
    return out


def _take(counter: Any, total: int) -> int | None:
    """The index of the next chunk nobody has taken, or None."""
    with counter.get_lock():
        index = counter.value
        if index >= total:
            return None
        counter.value = index + 1
    return index


def _worker(total: int, counter: Any, results: Any) -> None:
    """A forked worker: chunks until none is left, each sent back with its index."""
    import gc

    gc.disable()  # as in the parent: the heap only grows during a run
    assert _WORK is not None
    while (index := _take(counter, total)) is not None:
        results.put((index, _WORK(index)))
    results.put(None)  # this worker is done
    results.close()
    results.join_thread()


def jobs_for(requested: int) -> int:
    """Processes to use: never more than the machine's cores, and 1 where processes cannot fork."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(requested, os.cpu_count() or 1))


def in_workers(total: int, work: Callable[[int], T], jobs: int,
               done_with: Callable[[T], None] | None = None) -> list[T]:
    """[work(0), ..., work(total - 1)], computed by `jobs` processes (this one included);
    `done_with` is called in this process with each result as it arrives."""
    global _WORK
    context = multiprocessing.get_context("fork")
    done: list[Any] = [None] * total
    have = [False] * total
    _WORK = work
    counter = context.Value("i", 0)
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(total, counter, results), daemon=True)
               for _ in range(jobs - 1)]

    def keep(index: int, value: T) -> None:
        done[index], have[index] = value, True
        if done_with is not None:
            done_with(value)

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
                keep(*item)

        while (index := _take(counter, total)) is not None:
            keep(index, work(index))
            receive(block=False)
        while running:
            receive(block=True)
        for worker in workers:
            worker.join(timeout=5)
    finally:
        _WORK = None
        for worker in workers:
            if worker.is_alive():
                worker.kill()
    for index in range(total):
        if not have[index]:  # a worker died with it: this process does it
            keep(index, work(index))
    return done


def process_in_workers(engine: Engine, sources: Sequence[Source], lint: bool,
                       progress: Callable[[int], None] | None) -> list[FileOutcome]:
    """The object phase of `sources`, file by file, in `engine.options.jobs` processes."""
    jobs = jobs_for(engine.options.jobs)
    if jobs <= 1:
        return [engine.process_file(s, lint) for s in sources]
    chunks = _chunks(sources, jobs)
    out: list[FileOutcome] = []
    for outcomes in in_workers(len(chunks), lambda i: [engine.process_file(s, lint) for s in chunks[i]], jobs,
                               (lambda outcomes: progress(len(outcomes))) if progress is not None else None):
        out.extend(outcomes)
    return out


def check_in_workers(engine: Engine, views: list[list[K8sObject]],
                     context_of: Callable[[list[K8sObject]], Context], jobs: int) -> list[Finding]:
    """The run phase's rules over the objects of `views` (each view with its context: the files outside
    sample folders together, then each file of a sample folder alone), in `jobs` processes. The objects
    of all views in a row are cut into contiguous chunks; each process builds the index of the small
    views it meets, the largest view's is built before the fork and shared. A file's findings are
    located by parsing it once more, mostly in one process. Results in order."""
    ends = list(itertools.accumulate(len(view) for view in views))
    bounds = _bounds([1] * ends[-1], jobs)
    largest = max(range(len(views)), key=lambda v: len(views[v]))
    shared = context_of(views[largest])
    shared.index.kinds  # noqa: B018  # built once, before the fork: every worker reads it

    def work(index: int) -> tuple[list[Finding], set[str]]:
        findings: list[Finding] = []
        engine._changed = set()  # the files found changed while this chunk's findings were located
        start, end = bounds[index]
        v = bisect.bisect_right(ends, start)
        while start < end:
            first = ends[v] - len(views[v])
            stop = min(end, ends[v])
            ctx = shared if v == largest else context_of(views[v])  # (dropped after use: memory)
            engine._check(views[v][start - first:stop - first], ctx, "run", findings)
            start, v = stop, v + 1
        return findings, engine._changed

    changed = engine._changed  # what earlier units of the run found
    out: list[Finding] = []
    for findings, seen in in_workers(len(bounds), work, jobs):
        out.extend(findings)
        changed |= seen
    engine._changed = changed
    return out
