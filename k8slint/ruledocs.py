"""Rule documentation generated from the rule declarations (table, JSON, markdown)."""

from __future__ import annotations

import json
from typing import Any

from .registry import REGISTRY, Rule

DOCS_URL = "https://github.com/k8slint/k8slint/blob/main/docs/rules.md"


def rule_url(rule: Rule) -> str:
    return f"{DOCS_URL}#{rule.id}"


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "severity": rule.severity.value,
        "severityNote": rule.severity_note or None,
        "enabled": rule.enabled,
        "summary": rule.summary,
        "why": rule.why,
        "remediation": rule.remediation,
        "kinds": sorted(rule.kinds) if rule.kinds is not None else None,
        "exemptions": list(rule.exemptions),
        "tags": list(rule.tags),
        "helpUri": rule_url(rule),
    }


def as_json() -> str:
    return json.dumps([rule_json(r) for r in REGISTRY], indent=2) + "\n"


def as_table() -> str:
    rules = list(REGISTRY)
    width = max(len(r.id) for r in rules)
    lines = [f"{'RULE':<{width}}  SEVERITY  ENABLED  SUMMARY"]
    for r in rules:
        enabled = "yes" if r.enabled else "no"
        lines.append(f"{r.id:<{width}}  {r.severity.value:<8}  {enabled:<7}  {r.summary}")
    return "\n".join(lines) + "\n"


def as_markdown() -> str:
    out = [
        "# k8slint rules",
        "",
        "Generated from the rule declarations by `k8slint rules --format markdown`; do not edit by hand.",
        "",
        "Every finding carries the file, line and column of the most specific node it concerns: the",
        "key of the offending field, or the item of a sequence. A finding about a missing field points",
        "at the nearest existing ancestor (a missing livenessProbe points at the container item).",
        "",
        "| rule | severity | enabled | summary |",
        "|---|---|---|---|",
    ]
    for r in REGISTRY:
        severity = r.severity.value + (" / see note" if r.severity_note else "")
        out.append(f"| [`{r.id}`](#{r.id}) | {severity} | {'yes' if r.enabled else 'no'} | {r.summary} |")
    for r in REGISTRY:
        out += ["", f"## {r.id}", ""]
        out.append(f"- **Default severity:** {r.severity.value}" + (f" ({r.severity_note})" if r.severity_note else ""))
        out.append(f"- **Enabled by default:** {'yes' if r.enabled else 'no'}")
        kinds = ", ".join(sorted(r.kinds)) if r.kinds is not None else "every document"
        out.append(f"- **Applies to:** {kinds}")
        if r.tags:
            out.append(f"- **Tags:** {', '.join(r.tags)}")
        out += ["", f"**What it does.** {r.summary}", "", f"**Why it matters.** {r.why}", "",
                f"**How to fix.** {r.remediation}"]
        if r.exemptions:
            out += ["", "**Not flagged:**", ""]
            out += [f"- {e}" for e in r.exemptions]
        out += ["", f"Examples: [`fixtures/{r.id}/`](../fixtures/{r.id}/)."]
    return "\n".join(out) + "\n"
