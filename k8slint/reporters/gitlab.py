"""GitLab Code Quality (`artifacts:reports:codequality`): a JSON array of CodeClimate issues.

Each issue has description, check_name (the rule id), a fingerprint that does not depend on line
numbers (GitLab compares fingerprints between the source and target branch to tell new issues from
fixed ones, and merges issues that share one), a severity on GitLab's scale and
location.path (relative to the project root: k8slint runs there in CI) with lines.begin.
Suppressed findings are left out, as in every report meant for a gate.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from typing import IO, Any

from ..engine import RunResult
from ..findings import Finding
from ..registry import REGISTRY
from .sarif import fingerprint

#: k8slint severity -> GitLab's (info, minor, major, critical, blocker): an error is what the API
#: server or the cluster rejects (critical); a warning breaks or weakens production (major).
SEVERITIES = {"error": "critical", "warning": "major", "info": "info"}


def repo_path(file: str, cwd: str | None = None) -> str:
    """The path as GitLab links it: relative to the current directory, forward slashes; files
    outside it keep their absolute path (GitLab cannot link those)."""
    if file == "<stdin>":
        return file
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(file)
    relative = os.path.relpath(absolute, cwd)
    if relative == ".." or relative.startswith(".." + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def _categories(rule_id: str) -> list[str]:
    tags = REGISTRY[rule_id].tags if rule_id in REGISTRY else ()
    return ["Security"] if "security" in tags else ["Bug Risk"]


def issue(finding: Finding, occurrence: int) -> dict[str, Any]:
    """One Code Quality issue; `occurrence` numbers findings that share a fingerprint."""
    key = f"{fingerprint(finding)}:{occurrence}"
    description = finding.message
    if finding.object is not None:
        description += f" ({finding.object.display()})"
    return {
        "type": "issue",
        "check_name": finding.rule,
        "description": description,
        "categories": _categories(finding.rule),
        "fingerprint": hashlib.sha256(key.encode()).hexdigest()[:32],
        "severity": SEVERITIES[finding.severity.value],
        "location": {"path": repo_path(finding.location.file), "lines": {"begin": finding.location.line}},
    }


def write(result: RunResult, out: IO[str], verbose: bool = False) -> None:
    """Stream the array, one issue per line."""
    seen: dict[str, int] = {}
    out.write("[")
    first = True
    for finding in result.findings:
        if finding.suppression is not None:
            continue
        base = fingerprint(finding)
        seen[base] = seen.get(base, 0) + 1
        out.write(("\n  " if first else ",\n  ") + json.dumps(issue(finding, seen[base]), ensure_ascii=False))
        first = False
    out.write("]\n" if first else "\n]\n")


def render(result: RunResult, verbose: bool = False) -> str:
    buffer = io.StringIO()
    write(result, buffer, verbose)
    return buffer.getvalue()
