"""Baselines: adopt k8slint on a large repository without fixing everything first.

An entry identifies a finding by rule, file, object (namespace/Kind/name) and field path, never by
line, so editing elsewhere in a file does not resurrect old findings. Findings are counted: two
identical findings in the baseline suppress at most two.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import IO, Any

from . import __version__
from .findings import Finding
from .safeio import MAX_BASELINE_SIZE, Identities, ReadError, read_file, write_file

VERSION = 1


def _key(finding: Finding) -> tuple[str, str, str, str]:
    file = finding.location.file.replace(os.sep, "/")
    obj = finding.object.logical_name() if finding.object else ""
    detail = finding.path if finding.object else finding.message
    return finding.rule, file, obj, detail


def write(path: str, findings: list[Finding], inputs: Identities | None = None) -> None:
    """Write the baseline (never onto an input of the run, never through a symbolic link)."""
    entries = [dict(zip(("rule", "file", "object", "path"), _key(f), strict=True)) for f in findings]
    entries.sort(key=lambda e: (e["file"], e["rule"], e["object"], e["path"]))
    document = {"version": VERSION, "generator": f"k8slint {__version__}", "findings": entries}

    def dump(handle: IO[str]) -> None:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")

    write_file(path, dump, inputs, "--write-baseline")


class BaselineError(ValueError):
    pass


def _no_big_numbers(text: str) -> int:
    if len(text) > 20:
        raise ValueError("a number too long for a baseline")
    return int(text)


def read(path: str) -> Counter[tuple[str, str, str, str]]:
    """The baseline's entries; BaselineError (file:line) for anything that is not one, whatever the
    file holds (it is committed to the repository, so a stranger may have written it)."""
    try:
        raw = read_file(path, MAX_BASELINE_SIZE)
    except ReadError as exc:
        reason = f"larger than {MAX_BASELINE_SIZE // (1024 * 1024)} MiB" if exc.too_large is not None else exc.message
        raise BaselineError(f"cannot read baseline {path}: {reason}") from exc
    try:
        document: Any = json.loads(raw.decode("utf-8"), parse_int=_no_big_numbers)
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{path}: not a k8slint baseline: not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: not a k8slint baseline: {exc.msg}") from exc
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise BaselineError(f"{path}: not a k8slint baseline: {reason}") from exc
    if not isinstance(document, dict) or document.get("version") != VERSION or not isinstance(
            document.get("findings"), list):
        raise BaselineError(f"{path}: not a k8slint baseline (version {VERSION}, written by --write-baseline)")
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for entry in document["findings"]:
        if isinstance(entry, dict):
            counts[(str(entry.get("rule")), str(entry.get("file")), str(entry.get("object") or ""),
                    str(entry.get("path") or ""))] += 1
    return counts


def key(finding: Finding) -> tuple[str, str, str, str]:
    return _key(finding)
