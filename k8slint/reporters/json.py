"""The JSON report: the shape in schemas/report.schema.json (a public contract)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from json.encoder import encode_basestring as _encode_string  # type: ignore[attr-defined]
from typing import IO, Any

from .. import __version__
from ..engine import FileReport, RunResult
from ..findings import Finding, ObjectRef, Severity


def _header(result: RunResult) -> dict[str, Any]:
    return {"name": "k8slint", "version": __version__}


def _summary(result: RunResult) -> dict[str, Any]:
    from .text import fixable

    safe, unsafe = fixable(result)
    tally = result.tally()
    return {
        "files": len(result.files),
        "objects": result.objects,
        "errors": tally["error"],
        "warnings": tally["warning"],
        "infos": tally["info"],
        "suppressed": tally["suppressed"],
        "fixable": safe,
        "fixableUnsafe": unsafe,
    }


def _files(result: RunResult) -> list[dict[str, Any]]:
    return [_file(f) for f in result.files]


def _file(f: FileReport) -> dict[str, Any]:
    status = "failed" if f.error else f.status
    entry: dict[str, Any] = {"file": f.name, "status": status, "objects": f.objects}
    reason = f.error or f.reason
    if reason:
        entry["reason"] = reason
    if f.unit:
        entry["unit"] = f.unit
    return entry


def _file_text(f: FileReport) -> str:
    """A file's JSON text, the same as `json.dumps(_file(f), ensure_ascii=False)` (a test keeps them
    equal): a linted file's three fields put together here (json.dumps per file was 0.03-0.05 s of a
    report of 11,000 files)."""
    if f.error or f.reason or f.unit or type(f.objects) is not int:
        return json.dumps(_file(f), ensure_ascii=False)
    return f'{{"file": {_encode_string(f.name)}, "status": {_encode_string(f.status)}, "objects": {f.objects}}}'


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
    _list(out, "findings", map(_Findings().text, result.findings), str)
    out.write(',\n  "summary": ' + dumps(_summary(result)) + ",\n")
    _list(out, "files", result.files, _file_text)
    out.write(",\n")
    _list(out, "notices", _notices(result), dumps)
    out.write("\n}\n")


class _Findings:
    """Each finding's JSON text, the same as `json.dumps(finding.to_json(), ensure_ascii=False)` (a test
    keeps them equal): the common shape (no related locations, suppression, fix or units) is put together
    here, its strings encoded by json's own string encoder, and the strings a run repeats (rule ids,
    files, paths, remediations, objects) encoded once, and found without a method call: the texts of 46,000
    findings take 0.11 s (0.5-0.7 s through json.dumps; 0.23 s with a method call per string and
    references found by their own hash)."""

    def __init__(self) -> None:
        self._encoded: dict[str, str] = {}
        # by id: the findings hold their references until the report is written (an ObjectRef's own hash
        # is Python code, and so is a Severity's)
        self._objects: dict[int, str] = {}

    def _string(self, value: str) -> str:
        found = self._encoded.get(value)
        if found is None:
            found = self._encoded[value] = _encode_string(value)
        return found

    @staticmethod
    def _object(ref: ObjectRef) -> str:
        """An object's text (once per object of the run: 9,000 json.dumps took 0.05 s on 20k)."""
        if not (type(ref.api_version) is type(ref.kind) is type(ref.name) is str
                and (ref.namespace is None or type(ref.namespace) is str)):
            return json.dumps(ref.to_json(), ensure_ascii=False)
        namespace = "null" if ref.namespace is None else _encode_string(ref.namespace)
        return (f'{{"apiVersion": {_encode_string(ref.api_version)}, "kind": {_encode_string(ref.kind)}, '
                f'"name": {_encode_string(ref.name)}, "namespace": {namespace}}}')

    def text(self, f: Finding) -> str:
        loc = f.location
        if f.related or f.suppression or f.fix or f.units or type(loc.line) is not int or type(loc.column) is not int:
            return json.dumps(f.to_json(), ensure_ascii=False)
        ref = f.object
        if ref is None:
            obj = "null"
        else:
            obj = self._objects.get(id(ref))  # type: ignore[assignment]
            if obj is None:
                obj = self._objects[id(ref)] = self._object(ref)
        encoded, string = self._encoded, self._string  # (a hit without a method call: most strings repeat)
        return (f'{{"rule": {encoded.get(f.rule) or string(f.rule)}, "severity": "{_SEVERITY[id(f.severity)]}", '
                f'"message": {_encode_string(f.message)}, "file": {encoded.get(loc.file) or string(loc.file)}, '
                f'"line": {loc.line!r}, "column": {loc.column!r}, "object": {obj}, "path": '
                f'{encoded.get(f.path) or string(f.path)}, "remediation": '
                f'{encoded.get(f.remediation) or string(f.remediation)}, '
                '"related": [], "suppressed": null, "fix": null}')


#: Each severity's word, by the member's id (members are singletons).
_SEVERITY = {id(severity): severity.value for severity in Severity}


def _list(out: IO[str], key: str, items: Iterable[Any], dumps: Any) -> None:
    """A list of the report, one item per line, written in batches of lines (a write per finding took
    0.04-0.08 s of a report of 46,000 findings, batches 0.03 s)."""
    out.write(f'  "{key}": [')
    batch: list[str] = []
    separator = "\n    "
    for item in items:
        batch.append(dumps(item))
        if len(batch) == 512:
            out.write(separator + ",\n    ".join(batch))
            batch.clear()
            separator = ",\n    "
    if batch:
        out.write(separator + ",\n    ".join(batch))
        separator = ",\n    "
    out.write("]" if separator == "\n    " else "\n  ]")


def render(result: RunResult, verbose: bool = False) -> str:
    buffer = io.StringIO()
    write(result, buffer, verbose)
    return buffer.getvalue()
