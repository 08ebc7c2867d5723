"""The rule catalog: code rules (k8slint.checks) plus the policy packs shipped in rules/packs/."""

from __future__ import annotations

from . import checks  # noqa: F401  (registers the code rules)
from .policies import load_builtin_packs
from .registry import REGISTRY, Registry


def load() -> Registry:
    load_builtin_packs()
    return REGISTRY
