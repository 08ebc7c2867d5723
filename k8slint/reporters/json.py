"""The JSON report: the shape in schemas/report.schema.json (a public contract)."""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..engine import RunResult
from ..findings import Severity


def report(result: RunResult) -> dict[str, Any]:
    return {
        "tool": {"name": "k8slint", "version": __version__},
        "findings": [f.to_json() for f in result.findings],
        "summary": {
            "files": len(result.files),
            "objects": result.objects,
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "infos": result.count(Severity.INFO),
            "suppressed": result.suppressed,
        },
        "files": [
            {"file": f.name, "status": "failed" if f.error else "linted", "objects": f.objects,
             **({"reason": f.error} if f.error else {})}
            for f in result.files
        ],
        "notices": [
            {"file": n.name, "message": n.message, "error": n.error} for n in result.notices
        ],
    }


def render(result: RunResult, verbose: bool = False) -> str:
    return json.dumps(report(result), indent=2, ensure_ascii=False) + "\n"
