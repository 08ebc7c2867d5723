"""A Markdown summary for pull-request comments and GitHub's job summary ($GITHUB_STEP_SUMMARY):
the totals, the table of counts per rule, and the findings as rows that link to their line.

The findings are cut when the summary would pass LIMIT characters (a pull-request comment holds
65,536; a job summary 1 MiB), with the count of the rest. In GitHub Actions (GITHUB_SERVER_URL,
GITHUB_REPOSITORY and GITHUB_SHA set) links go to the file at the commit, elsewhere `file#Lline`
relative to the repository root.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from typing import IO
from urllib.parse import quote

from ..engine import RunResult
from ..findings import Finding, Severity
from ..text import inert
from .gitlab import repo_path
from .text import statistics, summary

#: Characters the summary stays under (GitHub's limit for a comment is 65,536).
LIMIT = 60_000
_ICONS = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟡 warning", Severity.INFO: "🔵 info"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#~!])")
_MENTION = re.compile(r"(^|[^\w])@")  # `@team` would notify people in a comment; `nginx@sha256` would not


def cell(text: str) -> str:
    """Text that Markdown shows as written in a table cell: no HTML, links, emphasis or column breaks."""
    return _MENTION.sub("\\1@\u200b", _SPECIAL.sub(r"\\\1", inert(text).replace("\n", " ")))


def link_base(env: Mapping[str, str] | None = None) -> str:
    """The prefix of links to files: the commit's tree on GitHub in Actions, else '' (relative)."""
    env = os.environ if env is None else env
    server, repo, sha = (env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server and repo and sha:
        return f"{server.rstrip('/')}/{repo}/blob/{sha}/"
    return ""


def _link(finding: Finding, base: str) -> str:
    loc = finding.location
    path = repo_path(loc.file)
    label = cell(f"{path}:{loc.line}")
    if path.startswith("/") or path == "<stdin>":
        return label
    return f"[{label}]({base}{quote(path, safe='/')}#L{loc.line})"


def _row(finding: Finding, base: str) -> str:
    obj = finding.object
    what = obj.display() if obj else ""
    return (f"| {_ICONS[finding.severity]} | {_link(finding, base)} | `{finding.rule}` | {cell(what)} | "
            f"{cell(finding.message)} |\n")


def write(result: RunResult, out: IO[str], verbose: bool = False, base: str | None = None) -> None:
    base = link_base() if base is None else base
    parts: list[str] = ["## k8slint\n\n", cell(summary(result)) + "\n\n"]
    table = statistics(result)
    if table:
        parts.append("| Rule | Severity | Count | To turn it off |\n|---|---|--:|---|\n")
        parts += [f"| `{rule}` | {_ICONS[severity]} | {count} | `--disable {rule}` |\n"
                  for rule, severity, count in table]
        parts.append("\n")
    failed = [n for n in result.notices if n.error]
    if failed:
        parts.append("**Could not be read:**\n\n")
        parts += [f"- {cell(n.name)}: {cell(n.message)}\n" for n in failed]
        parts.append("\n")
    findings = [f for f in result.findings if f.suppression is None]
    if findings:
        parts.append("### Findings\n\n| Severity | Location | Rule | Object | Message |\n|---|---|---|---|---|\n")
        size = sum(len(p) for p in parts)
        shown = 0
        for finding in findings:
            row = _row(finding, base)
            if size + len(row) > LIMIT:
                break
            parts.append(row)
            size += len(row)
            shown += 1
        rest = len(findings) - shown
        if rest:
            parts.append(f"\n… and {rest:,} more {'finding' if rest == 1 else 'findings'} "
                         "(all of them are in the SARIF and JSON reports).\n")
    out.write("".join(parts))


def render(result: RunResult, verbose: bool = False, base: str | None = None) -> str:
    buffer = io.StringIO()
    write(result, buffer, verbose, base)
    return buffer.getvalue()
