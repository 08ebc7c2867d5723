"""Every fixture: the exact set of (file, line, rule) the linter reports equals the `# expect:` markers.

Each top-level entry of fixtures/<rule-id>/ is one run: a file on its own, or a directory linted as a
whole (cross-file and cross-directory resolution). The directory's rule is enabled for the run even
when it is off by default.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from k8slint.catalog import load

from .helpers import (
    FIXTURES,
    expected_markers,
    fixture_options,
    fixture_units,
    lint,
    renderers,
    suppressed_markers,
    unit_files,
)

REGISTRY = load()

UNITS = fixture_units()


@pytest.mark.parametrize(("rule_id", "unit"), UNITS, ids=[f"{r}/{u.name}" for r, u in UNITS])
def test_fixture_findings_match_markers(rule_id: str, unit: Path) -> None:
    options = fixture_options(unit_files(unit))
    required = options.get("requires")
    if required and required not in renderers():
        pytest.skip(f"{unit} needs {required} to render (pip install -e '.[test]' installs it)")
    result = lint(unit, enable={rule_id}, **options)
    assert not result.notices, result.notices
    got = {(f.location.file, f.location.line, f.rule) for f in result.findings if f.suppression is None}
    expected = set().union(*(expected_markers(p) for p in unit_files(unit)))
    suppressed = {(f.location.file, f.location.line, f.rule) for f in result.findings if f.suppression}
    assert suppressed == set().union(*(suppressed_markers(p) for p in unit_files(unit)))
    messages = {(f.location.file, f.location.line, f.rule): f.message for f in result.findings}
    assert got == expected, "\n".join(
        [f"missing: {m}" for m in sorted(expected - got)]
        + [f"unexpected: {u} {messages[u]}" for u in sorted(got - expected)]
    )
    reported = {f.rule for f in result.findings if f.suppression is None}
    if unit.name.startswith("pass"):
        assert rule_id not in reported, f"{unit} must stay silent for {rule_id}"
    else:
        assert rule_id in reported, f"{unit} must fire {rule_id}"


def test_every_rule_has_fixtures_and_metadata() -> None:
    """A rule without firing fixtures, silent fixtures, summary or remediation fails here."""
    by_rule: dict[str, set[str]] = {}
    for rule_id, unit in UNITS:
        by_rule.setdefault(rule_id, set()).add(unit.name.split("-")[0].split(".")[0])
    problems = []
    for rule in REGISTRY:
        if rule.id == "internal-error":
            continue  # needs a crashing rule: covered by test_engine.py::test_rule_crash_*
        kinds = by_rule.get(rule.id, set())
        if "fail" not in kinds:
            problems.append(f"{rule.id}: no fixtures/{rule.id}/fail* fixture")
        if "pass" not in kinds:
            problems.append(f"{rule.id}: no fixtures/{rule.id}/pass* fixture")
        if len(rule.summary) < 10 or len(rule.remediation) < 10 or len(rule.why) < 10:
            problems.append(f"{rule.id}: summary, why or remediation missing")
    unknown = {r for r, _ in UNITS} - {r.id for r in REGISTRY}
    problems += [f"fixtures/{r}/ belongs to no rule" for r in sorted(unknown)]
    assert not problems, "\n".join(problems)


def test_markers_name_known_rules() -> None:
    for path in FIXTURES.rglob("*.yaml"):
        if "hostile" in path.parts:
            continue  # binary and broken on purpose: tests/test_robustness.py
        for _, _, rule in expected_markers(path):
            assert rule in REGISTRY, f"{path}: unknown rule {rule!r} in an expect marker"
