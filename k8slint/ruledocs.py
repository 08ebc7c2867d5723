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
        **({"checks": list(rule.checks)} if rule.checks else {}),
        **({"fixes": list(rule.fixes)} if rule.fixes else {}),
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


def _example(rule_id: str, prefix: str) -> tuple[str, str] | None:
    """(relative name, text) of the first fail*/pass* fixture of a rule, if the fixtures are installed."""
    from .data import fixtures_folder

    folder = fixtures_folder() / rule_id
    if not folder.is_dir():
        return None
    for unit in sorted(folder.iterdir()):
        if not unit.name.startswith(prefix):
            continue
        files = [unit] if unit.is_file() else sorted(p for p in unit.rglob("*.yaml"))
        if files:
            path = files[0]
            return f"fixtures/{rule_id}/{path.relative_to(folder).as_posix()}", path.read_text(encoding="utf-8")
    return None


def explain(rule: Rule) -> str:
    """Everything about one rule, for `k8slint explain RULE`."""
    kinds = ", ".join(sorted(rule.kinds)) if rule.kinds is not None else "every document"
    out = [
        f"{rule.id}  ({rule.severity.value}{', ' + rule.severity_note if rule.severity_note else ''}; "
        f"enabled by default: {'yes' if rule.enabled else 'no'})",
        "",
        f"What it does:   {rule.summary}",
        f"Applies to:     {kinds}",
        "",
        "Why it matters:",
        f"  {rule.why}",
        "",
        "How to fix:",
        f"  {rule.remediation}",
    ]
    if rule.checks:
        out += ["", "Checks (and the code each mirrors):"] + [f"  - {c}" for c in rule.checks]
    if rule.fixes:
        out += ["", "Automatic fixes (`k8slint fix`; unsafe ones with --unsafe):"] + [f"  - {f}" for f in rule.fixes]
    if rule.exemptions:
        out += ["", "Not flagged:"] + [f"  - {e}" for e in rule.exemptions]
    props = (rule.params_schema or {}).get("properties", {})
    if props:
        out += ["", "Options (rules: {" + rule.id + ": {params: ...}} in .k8slint.yaml):"]
        for name, spec in props.items():
            default = f" (default: {json.dumps(spec['default'])})" if "default" in spec else ""
            out.append(f"  {name}: {spec.get('description', spec.get('type', ''))}{default}")
    for title, prefix in (("Failing example", "fail"), ("Passing example", "pass")):
        example = _example(rule.id, prefix)
        if example:
            name, text = example
            lines = text.rstrip("\n").splitlines()
            shown = lines[:60] + (["  ..."] if len(lines) > 60 else [])
            out += ["", f"{title} ({name}; `# expect:` marks where findings land):", ""]
            out += [f"    {line}" for line in shown]
    out += ["", "References:", f"  {rule_url(rule)}", f"  declared in: {rule.origin}"]
    return "\n".join(out) + "\n"


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
        if r.checks:
            out += ["", "**Checks** (and the code each mirrors):", ""]
            out += [f"- {c}" for c in r.checks]
        if r.fixes:
            out += ["", "**Automatic fixes** (`k8slint fix`; unsafe ones with `--unsafe`):", ""]
            out += [f"- {f}" for f in r.fixes]
        if r.exemptions:
            out += ["", "**Not flagged:**", ""]
            out += [f"- {e}" for e in r.exemptions]
        props = (r.params_schema or {}).get("properties", {})
        if props:
            out += ["", "**Options** (`rules: {" + r.id + ": {params: ...}}`):", ""]
            for name, spec in props.items():
                default = f" Default: `{json.dumps(spec['default'])}`." if "default" in spec else ""
                out.append(f"- `{name}`: {spec.get('description', spec.get('type', ''))}.{default}")
        origin = "" if r.origin == "k8slint" else f" Declared as a policy in `{r.origin}`."
        out += ["", f"Examples: [`fixtures/{r.id}/`](../fixtures/{r.id}/).{origin}"]
    return "\n".join(out) + "\n"
