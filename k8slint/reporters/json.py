"""The JSON report: the shape in schemas/report.schema.json (a public contract)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import IO, Any

from .. import __version__
from ..engine import RunResult
from ..findings import Severity


def _header(result: RunResult) -> dict[str, Any]:
    return {"name": "k8slint", "version": __version__}


def _summary(result: RunResult) -> dict[str, Any]:
    from .text import fixable

    safe, unsafe = fixable(result)
    return {
        "files": len(result.files),
        "objects": result.objects,
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
        "infos": result.count(Severity.INFO),
        "suppressed": result.suppressed,
        "fixable": safe,
        "fixableUnsafe": unsafe,
    }


def _files(result: RunResult) -> list[dict[str, Any]]:
    out = []
    for f in result.files:
        status = "failed" if f.error else f.status
        entry: dict[str, Any] = {"file": f.name, "status": status, "objects": f.objects}
        reason = f.error or f.reason
        if reason:
            entry["reason"] = reason
        if f.unit:
            entry["unit"] = f.unit
        out.append(entry)
    return out


def _notices(result: RunResult) -> list[dict[str, Any]]:
    return [{"file": n.name, "message": n.message, "error": n.error} for n in result.notices]


def report(result: RunResult) -> dict[str, Any]:
    """The whole report as one dict (for tests and small runs; `write` streams it)."""
    return {
        "tool": _header(result),
        "findings": [f.to_json() for f in result.findings],
        "summary": _summary(result),
        "files": _files(result),
        "notices": _notices(result),
    }


def write(result: RunResult, out: IO[str], verbose: bool = False) -> None:
    """Stream the report, one finding per line: the whole document is never held in memory (on a
    100,000-object run it is 150 MB), and each line comes from the C encoder (json.dumps with
    `indent` falls back to a pure-Python encoder)."""
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    out.write('{\n  "tool": ' + dumps(_header(result)) + ",\n")
    _list(out, "findings", (f.to_json() for f in result.findings), dumps)
    out.write(',\n  "summary": ' + dumps(_summary(result)) + ",\n")
    _list(out, "files", _files(result), dumps)
    out.write(",\n")
    _list(out, "notices", _notices(result), dumps)
    out.write("\n}\n")


def _list(out: IO[str], key: str, items: Iterable[Any], dumps: Any) -> None:
    out.write(f'  "{key}": [')
    first = True
    for item in items:
        out.write(("\n    " if first else ",\n    ") + dumps(item))
        first = False
    out.write("]" if first else "\n  ]")


def render(result: RunResult, verbose: bool = False) -> str:
    buffer = io.StringIO()
    write(result, buffer, verbose)
    return buffer.getvalue()
