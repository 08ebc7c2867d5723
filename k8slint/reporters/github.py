"""GitHub Actions workflow commands: one `::error|warning|notice file=...,line=...,col=...::` per finding.

Escaping follows the runner's rules: in the message `%`, CR and LF are percent-encoded; in property
values (file, title) also `:` and `,`.
"""

from __future__ import annotations

from typing import IO

from ..engine import RunResult
from ..findings import Finding
from ..text import CONTROL, inert
from .text import summary

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A message: percent-encoded as the runner expects, other controls shown inert (`\\x1b`)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return inert(text)


def escape_property(text: str) -> str:
    """A property (file, title): the runner's encoding, and every other control percent-encoded, so
    that an escape sequence in a file name never reaches the log."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")
    return CONTROL.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), text)


def command(finding: Finding) -> str:
    loc = finding.location
    props = ",".join((
        f"file={escape_property(loc.file)}",
        f"line={loc.line}",
        f"col={loc.column}",
        f"title={escape_property(f'k8slint {finding.rule}')}",
    ))
    return f"::{_LEVELS[finding.severity.value]} {props}::{escape_data(finding.message)}"


def write(result: RunResult, out: IO[str], verbose: bool = False) -> None:
    out.write(render(result, verbose))


def render(result: RunResult, verbose: bool = False) -> str:
    lines = [command(f) for f in result.findings if f.suppression is None]
    for notice in result.notices:
        level = "error" if notice.error else "notice"
        lines.append(f"::{level} title={escape_property('k8slint input')}::"
                     f"{escape_data(f'{notice.name}: {notice.message}')}")
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
