"""Lint every file of ../shared/corpus/real: no crash, no internal error, every file accounted for."""

from __future__ import annotations

import collections

import pytest

from .helpers import CORPUS, lint

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"real-world corpus not found at {CORPUS} (it lives in ../shared, beside the repo)"
)


def test_real_corpus_lints_without_internal_errors() -> None:
    result = lint(CORPUS)
    assert not result.internal_errors, [f.message for f in result.internal_errors[:5]]
    assert not result.input_errors
    assert len(result.files) >= 1100 and result.objects >= 2000
    assert all(f.error is None for f in result.files)
    counts = collections.Counter(f.rule for f in result.findings)
    # The corpus was selected to load with PyYAML and to hold only objects with apiVersion and kind.
    assert counts["yaml-syntax-error"] == 0 and counts["not-k8s-object"] == 0
    for f in result.findings:
        assert f.location.line >= 1 and f.location.column >= 1
