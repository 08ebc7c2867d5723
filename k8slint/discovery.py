"""Command-line paths -> an ordered list of sources to read, plus what was skipped and why."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field

from .safeio import read_file, read_stdin

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


def display_path(path: str) -> str:
    """A path as the user gave it, safe to print: undecodable bytes become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Source:
    name: str  # the path as given (or as found under a given directory), printable
    path: str | None  # filesystem path; None for standard input

    def read(self, limit: int) -> bytes:
        """The content; safeio.ReadError when it is not a regular file or larger than `limit`."""
        if self.path is None:
            return read_stdin(limit)
        return read_file(self.path, limit)


@dataclass(frozen=True, slots=True)
class Notice:
    """A path that was not linted. `error` notices make the run exit with code 2."""

    name: str
    message: str
    error: bool


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def discover(paths: Iterable[str], follow_symlinks: bool = False) -> Discovery:
    """The sources under `paths`. Symbolic links found while walking a directory are followed only
    when they stay inside that directory, unless `follow_symlinks` (a committed `vendor -> /usr`
    must not make a CI run lint, and print, the runner's file system)."""
    found = Discovery()
    seen_files: set[str] = set()
    for given in paths:
        if given == STDIN:
            found.sources.append(Source("<stdin>", None))
            continue
        name = display_path(given)
        try:
            info = os.stat(given)
        except FileNotFoundError:
            if os.path.islink(given):
                found.notices.append(Notice(name, "broken symbolic link: skipped", False))
            else:
                found.notices.append(Notice(name, "no such file or directory", True))
            continue
        except OSError as exc:
            found.notices.append(Notice(name, f"cannot access: {exc.strerror}", True))
            continue
        if stat.S_ISDIR(info.st_mode):
            _walk(given, found, seen_files, None if follow_symlinks else os.path.realpath(given))
        else:
            _add_file(given, info, found, seen_files)
    return found


def _add_file(path: str, info: os.stat_result, found: Discovery, seen: set[str]) -> None:
    name = display_path(path)
    if not stat.S_ISREG(info.st_mode):
        what = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        found.notices.append(Notice(name, f"{what}: skipped", False))
        return
    real = os.path.realpath(path)
    if real in seen:
        return  # the same file reached twice (given twice, or through a symlink): lint it once
    seen.add(real)
    found.sources.append(Source(name, path))


def _walk(root: str, found: Discovery, seen_files: set[str], boundary: str | None) -> None:
    visited: set[tuple[int, int]] = set()
    stack = [root]  # explicit stack: deep trees must not hit the recursion limit
    while stack:
        _visit(stack.pop(), found, seen_files, visited, stack, boundary)


def _outside(path: str, boundary: str) -> bool:
    target = os.path.realpath(path)
    return target != boundary and not target.startswith(boundary.rstrip(os.sep) + os.sep)


def _visit(directory: str, found: Discovery, seen_files: set[str], visited: set[tuple[int, int]],
           stack: list[str], boundary: str | None) -> None:
    try:
        info = os.stat(directory)
    except OSError as exc:
        found.notices.append(Notice(display_path(directory), f"cannot access: {exc.strerror}", True))
        return
    key = (info.st_dev, info.st_ino)
    if key in visited:
        found.notices.append(Notice(
            display_path(directory), "directory already visited (symbolic link loop): skipped", False,
        ))
        return
    visited.add(key)
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        found.notices.append(Notice(display_path(directory), f"cannot read directory: {exc.strerror}", True))
        return
    subdirs = []
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and directories (.git, .github, .pre-commit-config.yaml)
        path = os.path.join(directory, entry.name)
        try:
            is_dir = entry.is_dir()  # follows symlinks
            is_link = entry.is_symlink()
        except OSError:
            is_dir = is_link = False
        if is_link and boundary is not None and (is_dir or entry.name.lower().endswith(MANIFEST_SUFFIXES)) \
                and _outside(path, boundary):
            found.notices.append(Notice(display_path(path), "symbolic link to a path outside the linted directory: "
                                        "skipped (--follow-symlinks follows it)", False))
            continue
        if is_dir:
            subdirs.append(path)
            continue
        if not entry.name.lower().endswith(MANIFEST_SUFFIXES):
            continue
        try:
            info = os.stat(path)
        except FileNotFoundError:
            found.notices.append(Notice(display_path(path), "broken symbolic link: skipped", False))
            continue
        except OSError as exc:
            found.notices.append(Notice(display_path(path), f"cannot access: {exc.strerror}", True))
            continue
        _add_file(path, info, found, seen_files)
    stack.extend(reversed(subdirs))  # popped in sorted order
