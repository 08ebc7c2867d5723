"""Shared test helpers: run the engine on paths, read `# expect:` markers from fixtures."""

from __future__ import annotations

import os
import re
from pathlib import Path

from k8slint import api
from k8slint.engine import RunResult, default_rule_ids
from k8slint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
_EXPECT = re.compile(r"#\s*expect:\s*([a-z0-9,\s-]+)")
_SUPPRESSED = re.compile(r"#\s*suppressed:\s*([a-z0-9,\s-]+)")
_OPTIONS = re.compile(r"#\s*lint-options:\s*(.+)")


#: Best-practice rules that fire on nearly every container (no securityContext, no requests, no
#: tag). Fixture runs leave them out unless they are the rule under test, so that each fixture's
#: markers are about its own rule; their own fixtures and the CLI tests cover them.
HYGIENE = frozenset({"run-as-root", "missing-resource-requests", "missing-memory-limit", "image-tag-latest"})


def lint(*paths: str | os.PathLike[str], enable: set[str] = frozenset(), namespace: str = "default",
         hygiene: bool = False, **options: object) -> RunResult:
    """A run through the library entry point (charts and overlays rendered), one job, no config file;
    `options` are Settings fields (kube_version, crd, helm, ...)."""
    enabled = default_rule_ids() if hygiene else default_rule_ids() - HYGIENE
    settings = Settings(namespace=namespace, enabled=enabled | set(enable), jobs=1)
    for key, value in options.items():
        if key == "requires":
            continue
        assert hasattr(settings, key), key
        setattr(settings, key, value)
    return api.lint([str(p) for p in paths], settings)


def renderers() -> set[str]:
    """The renderers this machine has: "helm" and/or "kustomize"."""
    from k8slint.render import helm, kustomize

    found = set()
    if helm.backend() is not None:
        found.add("helm")
    if kustomize.builder() is not None:
        found.add("kustomize")
    return found


def expected_markers(path: Path, marker: re.Pattern[str] = _EXPECT) -> set[tuple[str, int, str]]:
    """{(file, line, rule)} from `# expect: rule-a, rule-b` comments (or `# suppressed: ...`)."""
    out = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = marker.search(line)
        if match:
            for rule in match.group(1).split(","):
                if rule.strip():
                    out.add((str(path), lineno, rule.strip()))
    return out


def suppressed_markers(path: Path) -> set[tuple[str, int, str]]:
    return expected_markers(path, _SUPPRESSED)


def fixture_options(files: list[Path]) -> dict[str, object]:
    """`# lint-options: kube-version=1.29 crd=other.yaml` in a fixture -> LintOptions fields."""
    options: dict[str, object] = {}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines()[:5]:
            match = _OPTIONS.search(line)
            if not match:
                continue
            for item in match.group(1).split():
                key, _, value = item.partition("=")
                if key == "kube-version":
                    options["kube_version"] = value
                elif key == "crd":
                    options["crd"] = [str(path.parent / value)]
                elif key == "requires":
                    options["requires"] = value
                elif key == "closed-world":
                    options["closed_world"] = True
                elif key == "pod-security":  # as --pod-security LEVEL[:VERSION]
                    from k8slint.settings import _pod_security

                    options["pod_security"] = _pod_security({}, value)
                elif key == "units":  # globs relative to the file's folder, as `units:` in .k8slint.yaml
                    from k8slint.config import glob_matcher

                    options["units"] = glob_matcher(value.split(","), str(path.parent))
                    options["units_base"] = str(path.parent)
                else:
                    raise ValueError(f"{path}: unknown lint option {key!r}")
    return options


def fixture_units() -> list[tuple[str, Path]]:
    """(rule id, unit) for every fixture unit: a top-level file or directory of fixtures/<rule>/."""
    units = []
    for rule_dir in sorted(FIXTURES.iterdir()):
        if not rule_dir.is_dir() or rule_dir.name in ("examples", "hostile") or rule_dir.name[0] in "._":
            continue
        for unit in sorted(rule_dir.iterdir()):
            if unit.name.startswith(("fail", "pass")):
                units.append((rule_dir.name, unit))
    return units


def unit_files(unit: Path) -> list[Path]:
    """The files of a fixture unit that may carry markers (manifests, templates, helpers, values)."""
    if unit.is_file():
        return [unit]
    return sorted(p for p in unit.rglob("*") if p.is_file() and (p.suffix in (".yaml", ".yml", ".json", ".tpl")
                                                                  or p.name == "Kustomization"))
