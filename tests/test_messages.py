"""Finding messages are written for Kubernetes users: never a validator's or Python's own text."""

from __future__ import annotations

import re

import pytest

from k8slint.engine import RunResult

from .helpers import CORPUS, FIXTURES, lint

#: jsonschema's and PyYAML's wording, and reprs of Python objects: none may reach a user.
FORBIDDEN = (
    "is a required property", "is missing the required field", "does not match", "is not valid under any of the "
    "given schemas", "Traceback", "is not of type", "is too long", "is too short", "is less than the minimum",
    "is greater than the maximum", "should be non-empty", "has non-unique elements", "is not one of [",
    "were unexpected", "Additional properties are not allowed", "Failed validating", "On instance",
    "is valid under each of", "should not be valid under", "does not contain items", "is a dependency of",
    "<class '", " object at 0x", "Fraction(", "Decimal(", "NoneType", "KeyError", "AttributeError",
)
REPRS = re.compile(r"\{'[^']*': |\['[^']*', '|\(\) |\bu'")


def _bad_messages(result: RunResult) -> list[str]:
    bad = []
    for finding in result.findings:
        text = finding.message
        if any(phrase in text for phrase in FORBIDDEN) or REPRS.search(text):
            bad.append(f"{finding.location.file}:{finding.location.line} {finding.rule}: {text}")
    return bad


def test_fixture_messages_are_for_users() -> None:
    paths = [p for p in sorted(FIXTURES.iterdir()) if p.is_dir() and p.name != "hostile"]
    result = lint(*paths, hygiene=True)
    assert len(result.findings) > 300
    assert not _bad_messages(result), "\n".join(_bad_messages(result)[:20])


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"real-world corpus not found at {CORPUS}")
def test_real_corpus_messages_are_for_users() -> None:
    result = lint(CORPUS, hygiene=True)
    assert len(result.findings) > 3000
    assert not _bad_messages(result), "\n".join(_bad_messages(result)[:20])
