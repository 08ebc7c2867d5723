"""Docs generated from the rule declarations stay in sync; the README keeps its two commands."""

from __future__ import annotations

from k8slint import catalog
from k8slint.ruledocs import as_markdown

from .helpers import ROOT


def test_rules_md_is_generated_from_the_declarations() -> None:
    catalog.load()
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == as_markdown(), "docs/rules.md is stale: run `k8slint rules --format markdown > docs/rules.md`"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[: readme.index("\n## ", readme.index("```"))]
    assert "k8slint lint fixtures/examples/" in head
    assert "pip install -e '.[test]'" in head and "pytest" in head
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]'" in ci and "pytest" in ci


def test_builtin_packs_are_valid_policy_files() -> None:
    """The shipped packs skip validation at start-up; this keeps them honest."""
    from k8slint.data import data_folder, load_schema
    from k8slint.policies import pack_files, read_document, schema_errors

    packs = pack_files(str(data_folder() / "packs"))
    assert packs
    for path in packs:
        assert schema_errors(read_document(path), load_schema("policy.schema.json")) == [], path
