"""Baselines: adopt k8slint on a large repository without fixing everything first.

An entry identifies a finding by rule, file, object (namespace/Kind/name) and field path, never by
line, so editing elsewhere in a file does not resurrect old findings. Findings are counted: two
identical findings in the baseline suppress at most two.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

from . import __version__
from .findings import Finding

VERSION = 1


def _key(finding: Finding) -> tuple[str, str, str, str]:
    file = finding.location.file.replace(os.sep, "/")
    obj = finding.object.logical_name() if finding.object else ""
    detail = finding.path if finding.object else finding.message
    return finding.rule, file, obj, detail


def write(path: str, findings: list[Finding]) -> None:
    entries = [dict(zip(("rule", "file", "object", "path"), _key(f), strict=True)) for f in findings]
    entries.sort(key=lambda e: (e["file"], e["rule"], e["object"], e["path"]))
    document = {"version": VERSION, "generator": f"k8slint {__version__}", "findings": entries}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


class BaselineError(ValueError):
    pass


def read(path: str) -> Counter[tuple[str, str, str, str]]:
    try:
        with open(path, encoding="utf-8") as handle:
            document: Any = json.load(handle)
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: not a k8slint baseline: {exc.msg}") from exc
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
