"""Reading and writing files that strangers may have planted: never block, never overflow, never
follow a link into someone else's file.

Every file k8slint reads (manifests, configuration, rule packs, baselines) goes through `read_file`:
opened without blocking (a FIFO swapped in after discovery cannot hang the run), checked on the
open descriptor to be a regular file (no device, no FIFO, whatever the name said a moment ago), and
read in chunks up to a limit (a symlink to /dev/zero or a file that keeps growing cannot exhaust
memory). Every file k8slint writes (reports, baselines) goes through `write_file`: never onto an
input of the run, never through a symbolic link, always through a temporary file renamed into place.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable
from typing import IO

_CHUNK = 1 << 20

#: Size limits of the files k8slint reads for itself (manifests have --max-file-size).
MAX_CONFIG_SIZE = 4 * 1024 * 1024  # .k8slint.yaml and rule packs: a few kB in practice
MAX_BASELINE_SIZE = 256 * 1024 * 1024  # a baseline of 1,000,000 findings is ~60 MB


class ReadError(OSError):
    """A file that must not or cannot be read; str() says why, for a user."""

    def __init__(self, message: str, too_large: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.too_large = too_large  # the size seen, when the file is over the limit


def read_file(path: str, limit: int) -> bytes:
    """The content of the regular file `path`; ReadError when it is anything else or over `limit`."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
            raise ReadError(f"{what}: not read")
        if info.st_size > limit:
            raise ReadError("larger than the limit", too_large=info.st_size)
        return _read_bounded(lambda n: os.read(fd, n), limit, info.st_size + 1)
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def read_stdin(limit: int) -> bytes:
    """Standard input up to `limit` (+1 byte, to tell that it is over)."""
    stream = sys.stdin
    buffer = getattr(stream, "buffer", None) if stream is not None else None
    if buffer is None:
        raise ReadError("standard input is closed")
    try:
        return _read_bounded(buffer.read, limit)
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"cannot read standard input: {exc.strerror or exc}") from exc


def _read_bounded(read: Callable[[int], bytes], limit: int, expected: int = _CHUNK) -> bytes:
    """At most limit + 1 bytes, in chunks: the limit is never allocated up front. The first read asks
    for `expected` bytes (a regular file's size + 1: one read, sized to the file, tells its end)."""
    parts: list[bytes] = []
    total = 0
    size = max(1, min(expected, _CHUNK))
    while total <= limit:
        chunk = read(min(size, limit + 1 - total))
        size = _CHUNK
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    data = b"".join(parts)
    if len(data) > limit:
        raise ReadError("larger than the limit", too_large=len(data))
    return data


class WriteRefused(OSError):
    """A report path k8slint must not write to; str() says why."""


Identities = dict[tuple[int, int], str]


def identities(paths: Iterable[str]) -> Identities:
    """(device, inode) -> path of each existing file: what a report must never overwrite."""
    out: Identities = {}
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        out.setdefault((info.st_dev, info.st_ino), path)
    return out


def check_writable(path: str, inputs: Identities, what: str) -> None:
    """Refuse a report path that is a symbolic link, not a regular file, or one of the run's inputs."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WriteRefused(f"cannot write {what} {path}: {exc.strerror}") from exc
    if stat.S_ISLNK(info.st_mode):
        raise WriteRefused(f"refusing to write {what} {path}: it is a symbolic link (remove it, or choose "
                           "another path)")
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused(f"cannot write {what} {path}: not a regular file")
    clash = inputs.get((info.st_dev, info.st_ino))
    if clash is not None:
        raise WriteRefused(f"refusing to write {what} {path}: it is an input of this run ({clash}); "
                           "choose another path")


def write_file(path: str, write: Callable[[IO[str]], None], inputs: Identities | None = None,
               what: str = "report") -> None:
    """Write through a temporary file beside `path`, renamed into place once complete.

    Paths under /dev/ (`-o /dev/null`, `/dev/stdout`) are the user's own choice of device, never a
    file of a repository: they are written directly."""
    inputs = inputs or {}
    if path.startswith("/dev/"):
        try:
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
                write(handle)
        except OSError as exc:
            raise WriteRefused(f"cannot write {what} {path}: {exc.strerror or exc}") from exc
        return
    check_writable(path, inputs, what)

    def fill(fd: int) -> None:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(handle.fileno(), 0o666 & ~umask)
            write(handle)

    _through_temp(path, fill, lambda: check_writable(path, inputs, what), f"cannot write {what} {path}")


def _through_temp(path: str, fill: Callable[[int], None], check: Callable[[], None], failure: str) -> None:
    """Write a temporary file beside `path` (`fill` gets its descriptor and closes it), run `check`, then
    rename it over `path`; on any failure the temporary file goes and an OSError becomes WriteRefused."""
    import tempfile  # here: a lint that writes no file does not import it (5 ms of a small run)

    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp = tempfile.mkstemp(prefix=".k8slint-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise WriteRefused(f"{failure}: {exc.strerror}") from exc
    try:
        fill(fd)
        check()  # nothing was swapped in meanwhile
        os.replace(temp, path)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, WriteRefused):
            raise WriteRefused(f"{failure}: {exc.strerror or exc}") from exc
        raise


def replace_file(path: str, expected: bytes, data: bytes) -> None:
    """Replace the content of the user's file `path` (k8slint fix), which must still hold `expected`:
    through a temporary file in the same folder renamed over it, with the file's mode (and owner,
    where allowed). Refused for a symbolic link or a file with other hard links (the rename would
    cut the link), and when the file changed since it was read."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise WriteRefused(f"cannot write {path}: {exc.strerror}") from exc
    if stat.S_ISLNK(info.st_mode):
        raise WriteRefused("it is a symbolic link: fix the file it points to")
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused("not a regular file")
    if info.st_nlink > 1:
        raise WriteRefused("it has other hard links, which a rewrite would separate")
    if not info.st_mode & 0o222:
        raise WriteRefused("it is read-only")
    try:
        current = read_file(path, len(expected) + 1)
    except ReadError:
        current = None
    if current != expected:
        raise WriteRefused("it changed since k8slint read it: run k8slint fix again")

    def fill(fd: int) -> None:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
            if hasattr(os, "fchown"):
                try:
                    os.fchown(handle.fileno(), info.st_uid, info.st_gid)
                except OSError:
                    pass  # not ours to give away: the file keeps its mode, the owner is the user running k8slint
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    _through_temp(path, fill, lambda: None, "cannot write")
