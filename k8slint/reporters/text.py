"""Human output: each finding as `path:line:col  severity  rule-id  message`, with the source line and a
caret under the column in the full form (code frames), then a table of counts per rule and a summary.

Everything taken from manifests is made inert before printing: control characters (terminal
escape sequences) are shown as `\\x1b`, and rich markup is never interpreted because text is
passed to rich as `Text` objects, not markup strings.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from typing import IO

from ..engine import RunResult
from ..findings import Finding, Severity
from ..records import dataclass
from ..text import inert

_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
#: The widest source line shown whole; longer ones are cut around the column.
MAX_LINE = 100


@dataclass(frozen=True)
class Options:
    verbose: bool = False  # remediation and related objects under each finding
    show_suppressed: bool = False
    source: bool = False  # code frames (the full form)
    statistics: bool = False  # only the table of counts per rule, and the summary


#: One printed line: (text, style) segments; style "" is plain.
Line = list[tuple[str, str]]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(result: RunResult) -> str:
    tally = result.tally()
    counts = ", ".join((_plural(tally["error"], "error"), _plural(tally["warning"], "warning"),
                        _plural(tally["info"], "info")))
    line = f"{_plural(len(result.files), 'file')}, {_plural(result.objects, 'object')}: {counts}"
    if tally["suppressed"]:
        line += f" ({tally['suppressed']} suppressed)"
    safe, unsafe = fixable(result)
    if safe:
        line += f"; {safe} fixable with `k8slint fix`" + (f" ({unsafe} more with --unsafe)" if unsafe else "")
    elif unsafe:
        line += f"; {unsafe} fixable with `k8slint fix --unsafe`"
    failed = len({f.name for f in result.files if f.error} | {n.name for n in result.notices if n.error})
    if failed:
        line += f"; {_plural(failed, 'path')} could not be read in full"
    if not result.objects:
        skipped = sum(1 for f in result.files if f.status == "skipped")
        line += "; no Kubernetes object found" + (f" ({_plural(skipped, 'file')} not manifests)" if skipped else "")
    return line


def fixable(result: RunResult) -> tuple[int, int]:
    """(safe, unsafe) fixes of the unsuppressed findings."""
    fixes = [f.fix for f in result.findings if f.fix is not None and f.suppression is None]
    safe = sum(1 for fix in fixes if fix.safe)
    return safe, len(fixes) - safe


def statistics(result: RunResult) -> list[tuple[str, Severity, int]]:
    """(rule, severity, count) of the reported findings, errors first, then by count."""
    counts: dict[tuple[str, Severity], int] = {}
    for f in result.findings:
        if f.suppression is None:
            counts[(f.rule, f.severity)] = counts.get((f.rule, f.severity), 0) + 1
    return sorted(((rule, sev, n) for (rule, sev), n in counts.items()),
                  key=lambda row: (_ORDER[row[1]], -row[2], row[0]))


class Sources:
    """The lines of the files findings point into, read once each (never a file that changed kind:
    a read error just means no frame)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts
        self._lines: dict[str, list[str] | None] = {}

    def line(self, file: str, number: int) -> str | None:
        lines = self._lines.get(file, ...)
        if lines is ...:
            lines = self._lines[file] = self._read(file)
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def _read(self, file: str) -> list[str] | None:
        from ..parser import decode_documents
        from ..safeio import ReadError, read_file

        text = self._texts.get(file)
        if text is None:
            try:
                raw = read_file(file, 32 * 1024 * 1024)
            except (ReadError, OSError):
                return None
            text = decode_documents(raw).text
            if text is None:
                return None
        if "\r" in text:  # positions count CRLF and CR as one line break, as YAML does
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.removeprefix("\ufeff").split("\n")
        if " [rendered" in file:  # Helm's output: without the markers k8slint put in for positions
            from ..render.helm import MARKER

            lines = [MARKER.sub("", line) for line in lines]
        return lines


def _width(text: str) -> int:
    """Terminal cells: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _frame(sources: Sources, file: str, line: int, column: int, caret_style: str) -> list[Line]:
    """The source line (and the one above, when it is the parent the line belongs to) with carets
    under the key or value at the column; long lines cut around the column."""
    text = sources.line(file, line)
    if text is None:
        return []
    gutter = len(str(line))
    out: list[Line] = [[(" " * gutter + " |", "dim")]]
    above = sources.line(file, line - 1) if line > 1 else None
    indent = len(text) - len(text.lstrip(" "))
    if above is not None and above.strip() and not above.lstrip().startswith("#") and \
            len(above) - len(above.lstrip(" ")) < indent:
        cut, _, _ = _cut(above, 1)
        out.append([(f"{line - 1:>{gutter}} | ", "dim"), (cut, "dim")])
    shown, caret, width = _cut(text, column)
    out.append([(f"{line} | ", "dim"), (shown, "")])
    out.append([(" " * gutter + " | ", "dim"), (" " * caret + "^" * width, caret_style)])
    return out


def token(text: str, start: int) -> int:
    """The length of the YAML token at `start`: a quoted scalar, a key (up to ': '), or a plain
    value (up to ' #' or the end of the line; in flow collections up to ',', ']' or '}')."""
    if start >= len(text):
        return 0
    if text.startswith("{{", start):  # a template action: to its end
        end = text.find("}}", start)
        return end + 2 - start if end > 0 else len(text) - start
    if text[start] in "{[":
        return 1
    if text[start] in "'\"":
        end = text.find(text[start], start + 1)
        return end + 1 - start if end > 0 else len(text) - start
    flow = "[" in text[:start] or "{" in text[:start]
    end = start
    while end < len(text):
        ch = text[end]
        if ch == ":" and (end + 1 == len(text) or text[end + 1] in " \t"):
            break
        if ch in " \t" and text[end + 1:end + 2] == "#":
            break
        if flow and ch in ",]}":
            break
        end += 1
    return max(len(text[start:end].rstrip()), 1)


def _cut(line: str, column: int) -> tuple[str, int, int]:
    """(the line made inert and cut to MAX_LINE cells around `column`, the caret's cell offset,
    the cells the carets cover). A cut side ends with '…'. Only the characters that can be shown
    are looked at (a line of a megabyte with thousands of findings costs no more than a short one)."""
    at = min(max(column - 1, 0), len(line))
    low, high = max(0, at - MAX_LINE), min(len(line), at + MAX_LINE)
    text = line[low:high]
    pieces = [inert(ch) for ch in text]
    widths = [_width(piece) for piece in pieces]
    n = len(pieces)
    c = at - low
    a, b = 0, n
    if low > 0 or high < len(line) or sum(widths) > MAX_LINE:
        budget = MAX_LINE - 2  # room for an ellipsis on each side
        a, b = c, c
        used = 0
        while b < n and b < c + max(token(text, c), 1) and used + widths[b] <= budget:
            used += widths[b]
            b += 1
        half = (budget - used) // 2
        while a > 0 and widths[a - 1] <= half:  # context on the left first (the key), then the right
            a -= 1
            half -= widths[a]
            used += widths[a]
        while b < n and used + widths[b] <= budget:
            used += widths[b]
            b += 1
        while a > 0 and used + widths[a - 1] <= budget:
            a -= 1
            used += widths[a]
    lead = "…" if a > 0 or low > 0 else ""
    shown = lead + "".join(pieces[a:b]) + ("…" if b < n or high < len(line) else "")
    caret = len(lead) + sum(widths[a:c])
    covered = sum(widths[c:min(b, c + token(text, c))])
    return shown, caret, max(covered, 1)


def lines(result: RunResult, options: Options) -> Iterator[Line]:
    """Every line of the report, styled."""
    if not options.statistics:
        yield from _findings(result, options)
    table = statistics(result) if options.source or options.statistics else []  # concise: lines and summary
    if table:
        yield from _table(table)
        yield []
    yield [(summary(result), "bold")]


def _findings(result: RunResult, options: Options) -> Iterator[Line]:
    sources = Sources(result.texts) if options.source else None
    previous = None
    shown: list[Finding] = []  # findings at one location: one frame under all their headlines
    for f in result.findings:
        if f.suppression is not None and not options.show_suppressed:
            continue
        if shown and (f.location.file, f.location.line, f.location.column) != previous:
            yield from _close(shown, sources)
            shown = []
            if sources is not None or f.location.file != previous[0]:  # type: ignore[index]
                yield []
        previous = (f.location.file, f.location.line, f.location.column)
        shown.append(f)
        yield _headline(f)
        if options.verbose and f.remediation:
            yield [(f"    fix: {inert(f.remediation)}", "dim")]
        if options.verbose and f.fix is not None:
            how = "k8slint fix" if f.fix.safe else "k8slint fix --unsafe"
            yield [(f"    {how}: {inert(f.fix.description)}", "dim")]
        if options.verbose and sources is None:
            yield from _related(f, None)
    if shown:
        yield from _close(shown, sources)
        yield []


def _close(group: list[Finding], sources: Sources | None) -> Iterator[Line]:
    """The frame of a group of findings at one location, then the related locations of each."""
    if sources is None:
        return
    loc = group[0].location
    worst = max((f.severity for f in group), key=lambda s: s.rank)
    yield from _frame(sources, loc.file, loc.line, loc.column, _STYLES[worst])
    seen: set[object] = set()
    for f in group:
        yield from _related(f, sources, seen)


def _related(f: Finding, sources: Sources | None, seen: set[object] | None = None) -> Iterator[Line]:
    for rel in f.related:
        if seen is not None:  # findings at one place often cite the same object: shown once
            if rel in seen:
                continue
            seen.add(rel)
        r = rel.location
        what = f"{rel.object.kind} {rel.object.name} " if rel.object else ""
        yield [(f"    see: {inert(r.file)}:{r.line}:{r.column}  {inert(what)}({inert(rel.message)})", "dim")]
        if sources is not None:
            yield from (_indent(frame) for frame in _frame(sources, r.file, r.line, r.column, "dim"))


def _indent(line: Line) -> Line:
    return [("    ", ""), *line]


def _headline(f: Finding) -> Line:
    loc = f.location
    tag = f"  [suppressed: {inert(f.suppression.reason)}]" if f.suppression is not None else ""
    mark = [("[*] ", "bold cyan")] if f.fix is not None and f.fix.safe else []
    return [(f"{inert(loc.file)}:{loc.line}:{loc.column}", "bold"), ("  ", ""),
            (f"{f.severity.value:<7}", _STYLES[f.severity]), ("  ", ""), (f"{f.rule}  ", ""), *mark,
            (f"{inert(f.message)}{tag}", "")]


def _table(rows: list[tuple[str, Severity, int]]) -> Iterator[Line]:
    width = max(len("rule"), *(len(rule) for rule, _, _ in rows))
    yield [(f"{'rule':<{width}}  severity  count  to turn it off", "bold")]
    for rule, severity, count in rows:
        yield [(f"{rule:<{width}}  ", ""), (f"{severity.value:<8}", _STYLES[severity]),
               (f"  {count:>5}  --disable {rule}", "")]


def write(result: RunResult, out: IO[str], options: Options | None = None) -> None:
    for line in lines(result, options or Options()):
        out.write("".join(text for text, _ in line) + "\n")


def render(result: RunResult, options: Options | None = None) -> str:
    buffer = io.StringIO()
    write(result, buffer, options)
    return buffer.getvalue()


def write_color(result: RunResult, stream: IO[str], options: Options | None = None, width: int | None = None,
                color_system: str | None = "auto") -> None:
    """The same lines, coloured, on a terminal (rich; `width` and `color_system` fixed in tests)."""
    from rich.console import Console  # imported only for terminals: it costs start-up time
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True, width=width,
                      color_system=color_system, force_terminal=color_system is not None or None)  # type: ignore[arg-type]
    for line in lines(result, options or Options()):
        text = Text()
        for part, style in line:
            text.append(part, style=style or None)
        console.print(text)
