"""SARIF 2.1.0: one run, rules generated from the rule declarations, real regions.

Results carry ruleId and ruleIndex, level, message, a physical location (URI relative to the
current directory under %SRCROOT%, forward slashes; absolute file: URIs for files outside it),
the finding's real startLine/startColumn, a logical location `namespace/Kind/name`, related
locations for cross-object findings, and partialFingerprints that do not depend on line numbers.
A crashed rule or an unreadable path is a tool execution notification, not a result.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from .. import __version__
from ..engine import RunResult
from ..findings import Finding, Location
from ..registry import REGISTRY, Rule
from ..ruledocs import rule_url

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/k8slint/k8slint"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub code scanning ranks security alerts by this property (0.1-10).
_SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "info": "2.0"}


def artifact_uri(file: str, cwd: str | None = None) -> tuple[str, str | None]:
    """(uri, uriBaseId) for a reported path."""
    if file == "<stdin>":
        return "stdin", None
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(file)
    relative = os.path.relpath(absolute, cwd)
    if relative == ".." or relative.startswith(".." + os.sep):  # outside; `..good.yaml` is inside
        return Path(absolute).as_uri(), None
    return quote(relative.replace(os.sep, "/"), safe="/"), "%SRCROOT%"


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    markdown = [f"**{rule.summary}**", "", rule.why, "", f"**How to fix:** {rule.remediation}"]
    if rule.checks:
        markdown += ["", "**Checks:**", *[f"- {c}" for c in rule.checks]]
    if rule.fixes:
        markdown += ["", "**Automatic fixes** (`k8slint fix`):", *[f"- {f}" for f in rule.fixes]]
    if rule.exemptions:
        markdown += ["", "**Not flagged:**", *[f"- {e}" for e in rule.exemptions]]
    text = f"{rule.summary} {rule.why} How to fix: {rule.remediation}"
    properties: dict[str, Any] = {"tags": ["kubernetes", *rule.tags], "precision": "very-high"}
    if "security" in rule.tags:
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity.value]
    return {
        "id": rule.id,
        "name": _pascal(rule.id),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": text, "markdown": "\n".join(markdown)},
        "helpUri": rule_url(rule),
        "defaultConfiguration": {"level": _LEVELS[rule.severity.value], "enabled": rule.enabled},
        "properties": properties,
    }


def _physical(location: Location) -> dict[str, Any]:
    uri, base = artifact_uri(location.file)
    artifact: dict[str, Any] = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    return {
        "artifactLocation": artifact,
        "region": {"startLine": location.line, "startColumn": location.column},
    }


def fingerprint(finding: Finding) -> str:
    """Stable across line moves: rule, file, object identity, field path (and message for file-level)."""
    obj = finding.object.logical_name() if finding.object else ""
    key = "\x1f".join((finding.rule, finding.location.file.replace(os.sep, "/"), obj, finding.path,
                       finding.message if not finding.object else ""))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _result(finding: Finding, index: dict[str, int], seen: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": _physical(finding.location)}
    if finding.object:
        ref = finding.object
        location["logicalLocations"] = [{
            "name": ref.name or "<unnamed>",
            "fullyQualifiedName": ref.logical_name(),
            "kind": "resource",
        }]
    print_ = fingerprint(finding)
    seen[print_] = seen.get(print_, 0) + 1
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": _LEVELS[finding.severity.value],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {"k8slintFindingHash/v1": f"{print_}:{seen[print_]}"},
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, "physicalLocation": _physical(rel.location),
             "message": {"text": f"{rel.message}: {rel.object.logical_name()}" if rel.object else rel.message}}
            for i, rel in enumerate(finding.related, 1)
        ]
    if finding.path:
        result["properties"] = {"path": finding.path}
    suppression = getattr(finding, "suppression", None)
    if suppression is not None:
        result["suppressions"] = [suppression.to_sarif()]
    if finding.fix is not None:
        result["fixes"] = [_fix(finding)]
    return result


def _fix(finding: Finding) -> dict[str, Any]:
    """The fix as SARIF artifactChanges: each edit a region replaced by new text (columns as ours)."""
    fix = finding.fix
    physical = _physical(finding.location)
    return {
        "description": {"text": f"{fix.description} ({fix.applicability} fix: k8slint fix"
                                + ("" if fix.safe else " --unsafe") + ")"},
        "artifactChanges": [{
            "artifactLocation": physical["artifactLocation"],
            "replacements": [{
                "deletedRegion": {"startLine": e.line, "startColumn": e.column,
                                  "endLine": e.end_line, "endColumn": e.end_column},
                "insertedContent": {"text": e.text},
            } for e in fix.edits],
        }],
    }


def report(result: RunResult, include_results: bool = True) -> dict[str, Any]:
    rules = list(REGISTRY)
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = []
    notifications = []
    seen: dict[str, int] = {}
    for finding in result.findings:
        if finding.rule == "internal-error":
            notifications.append({
                "level": "error",
                "message": {"text": finding.message},
                "descriptor": {"id": "internal-error"},
                "locations": [{"physicalLocation": _physical(finding.location)}],
            })
        elif include_results:
            results.append(_result(finding, index, seen))
    for notice in result.notices:
        notifications.append({
            "level": "error" if notice.error else "note",
            "message": {"text": f"{notice.name}: {notice.message}"},
            "descriptor": {"id": "input-error" if notice.error else "input-skipped"},
        })
    invocation: dict[str, Any] = {
        "executionSuccessful": not (result.internal_errors or result.input_errors),
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "k8slint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(r) for r in rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
            "invocations": [invocation],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def write(result: RunResult, out: IO[str], verbose: bool = False) -> None:
    """Stream the log: one result per line, never the whole document in memory."""
    document = report(result, include_results=False)
    head = json.dumps(document, indent=2, ensure_ascii=False)
    marker = '"results": []'
    before, after = head.split(marker, 1)
    out.write(before + '"results": [')
    first = True
    rules = list(REGISTRY)
    index = {rule.id: i for i, rule in enumerate(rules)}
    seen: dict[str, int] = {}
    for finding in result.findings:
        if finding.rule == "internal-error":
            continue
        encoded = json.dumps(_result(finding, index, seen), ensure_ascii=False)
        out.write(("\n        " if first else ",\n        ") + encoded)
        first = False
    out.write(("]" if first else "\n      ]") + after + "\n")


def render(result: RunResult, verbose: bool = False) -> str:
    buffer = io.StringIO()
    write(result, buffer, verbose)
    return buffer.getvalue()

