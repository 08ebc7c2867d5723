"""Human output: `path:line:col  severity  rule-id  message`, grouped by file, then a summary.

Everything taken from manifests is made inert before printing: control characters (terminal
escape sequences) are shown as `\\x1b`, and rich markup is never interpreted because text is
passed to rich as `Text` objects, not markup strings.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO

from ..engine import RunResult
from ..findings import Finding, Severity
from ..text import inert

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(result: RunResult) -> str:
    counts = ", ".join((
        _plural(result.count(Severity.ERROR), "error"),
        _plural(result.count(Severity.WARNING), "warning"),
        _plural(result.count(Severity.INFO), "info"),
    ))
    line = f"{_plural(len(result.files), 'file')}, {_plural(result.objects, 'object')}: {counts}"
    if result.suppressed:
        line += f" ({result.suppressed} suppressed)"
    failed = len({f.name for f in result.files if f.error} | {n.name for n in result.notices if n.error})
    if failed:
        line += f"; {_plural(failed, 'path')} could not be read in full"
    if not result.objects:
        skipped = sum(1 for f in result.files if f.status == "skipped")
        line += "; no Kubernetes object found" + (f" ({_plural(skipped, 'file')} not manifests)" if skipped else "")
    return line


def _lines(result: RunResult, verbose: bool, show_suppressed: bool = False
           ) -> Iterator[tuple[Finding | None, str, str]]:
    """(finding or None, location prefix, rest) for every line of the report."""
    previous = None
    for f in result.findings:
        if f.suppression is not None and not show_suppressed:
            continue
        if previous is not None and f.location.file != previous:
            yield None, "", ""
        previous = f.location.file
        loc = f.location
        tag = f"  [suppressed: {inert(f.suppression.reason)}]" if f.suppression is not None else ""
        yield f, f"{inert(loc.file)}:{loc.line}:{loc.column}", f"{f.rule}  {inert(f.message)}{tag}"
        if verbose:
            if f.remediation:
                yield None, "", f"    fix: {inert(f.remediation)}"
            for rel in f.related:
                r = rel.location
                what = f"{rel.object.kind} {rel.object.name} " if rel.object else ""
                yield None, "", f"    see: {inert(r.file)}:{r.line}:{r.column}  {inert(what)}({inert(rel.message)})"


def write(result: RunResult, out: IO[str], verbose: bool = False, show_suppressed: bool = False) -> None:
    shown = False
    for finding, where, rest in _lines(result, verbose, show_suppressed):
        if finding is None:
            out.write(rest + "\n")
        else:
            shown = True
            out.write(f"{where}  {finding.severity.value:<7}  {rest}\n")
    if shown:
        out.write("\n")
    out.write(summary(result) + "\n")


def render(result: RunResult, verbose: bool = False, show_suppressed: bool = False) -> str:
    buffer = io.StringIO()
    write(result, buffer, verbose, show_suppressed)
    return buffer.getvalue()


def write_color(result: RunResult, stream: IO[str], verbose: bool = False, show_suppressed: bool = False) -> None:
    from rich.console import Console  # imported only for terminals: it costs start-up time
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True)
    shown = False
    for finding, where, rest in _lines(result, verbose, show_suppressed):
        if finding is None:
            console.print(Text(rest, style="dim"))
            continue
        shown = True
        line = Text()
        line.append(where, style="bold")
        line.append("  ")
        line.append(f"{finding.severity.value:<7}", style=_STYLES[finding.severity])
        line.append("  ")
        line.append(rest)
        console.print(line)
    if shown:
        console.print()
    console.print(Text(summary(result), style="bold"))
