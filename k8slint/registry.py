"""Rule declarations: one place holds a rule's id, metadata and check.

Docs (`docs/rules.md`), `k8slint rules` and report metadata are all generated from these
declarations. The registry refuses a rule with a duplicate id, a non-kebab-case id or missing
metadata when the module declaring it is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from typing import Any

from .findings import Severity, Violation
from .index import ObjectIndex
from .model import K8sObject
from .podsecurity import Defaults
from .records import dataclass
from .validation import SchemaStore

_KEBAB = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Run-wide options some rules read (quota arithmetic)."""

    nodes: int = 1  # DaemonSet pods are counted once per node
    replicas: str = "spec"  # "spec": spec.replicas; "max": an HPA's maxReplicas for its target
    #: the run is the whole namespace: a selector or name that matches nothing is always reported,
    #: not only when the run shows a near miss
    closed_world: bool = False
    #: the kind of unit being linted: "files" (the plain files of the run), "folder" (a folder listed in
    #: `units:`), "helm" (a rendered chart) or "kustomize" (a built kustomization root)
    unit: str = "files"
    #: Pod Security admission for namespaces without labels in the run, and the exemptions
    pod_security: Defaults = field(default_factory=Defaults)


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule may read besides the object it checks."""

    index: ObjectIndex
    schemas: SchemaStore
    settings: RunSettings = field(default_factory=RunSettings)
    cache: dict[object, object] = field(default_factory=dict)  # per-run memo shared by rules
    params: Mapping[str, Any] = field(default_factory=dict)  # the running rule's parameters
    #: "object" while each file is processed (possibly in a worker process, the index holding only
    #: that file's objects), "run" once every object of the run is in the index
    phase: str = "run"

    def with_params(self, params: Mapping[str, Any]) -> Context:
        """This context for a rule with parameters (dataclasses.replace, made for every such rule of
        every file, was 1 % of a 20,000-object run; a test keeps the two equal)."""
        return Context(self.index, self.schemas, self.settings, self.cache, params, self.phase)


Check = Callable[[K8sObject, Context], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    why: str
    remediation: str
    #: kinds the rule applies to; None means every object (or, for built-in rules, every document)
    kinds: frozenset[str] | None
    check: Check | None = None  # None: reported by the parser or the engine itself
    enabled: bool = True
    #: how the reported severity may differ from the default (documented, e.g. named vs numeric ports)
    severity_note: str = ""
    #: what the rule deliberately does not flag (the false positives it avoids)
    exemptions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: JSON Schema (type object) of the rule's parameters, with defaults; None: no parameters
    params_schema: Mapping[str, Any] | None = None
    #: where the rule is declared: "k8slint" for code rules, the pack file for policies
    origin: str = "k8slint"
    #: the checks a rule that mirrors Kubernetes code makes, each with the source it follows
    checks: tuple[str, ...] = ()
    #: the automatic fixes `k8slint fix` applies, each "safe: ..." or "unsafe: ..." (see k8slint.fixes)
    fixes: tuple[str, ...] = ()

    @property
    def builtin(self) -> bool:
        return self.check is None

    @property
    def phase(self) -> str:
        """"run" for rules that read other objects (run once every file is loaded), "both" for rules
        that split their work between the phases themselves (ctx.phase), else "object"."""
        if "both-phases" in self.tags:
            return "both"
        return "run" if "cross-object" in self.tags or "run-scope" in self.tags else "object"

    def default_params(self) -> dict[str, Any]:
        props = (self.params_schema or {}).get("properties", {})
        return {name: spec["default"] for name, spec in props.items() if "default" in spec}


@dataclass
class Registry:
    rules: dict[str, Rule] = field(default_factory=dict)

    def add(self, rule: Rule) -> Rule:
        if not _KEBAB.match(rule.id):
            raise ValueError(f"rule id {rule.id!r} is not kebab-case")
        if rule.id in self.rules:
            raise ValueError(f"rule id {rule.id!r} is declared twice")
        for attr in ("summary", "why", "remediation"):
            if not getattr(rule, attr).strip():
                raise ValueError(f"rule {rule.id!r} has no {attr}")
        for fix in rule.fixes:
            if not fix.startswith(("safe: ", "unsafe: ")):
                raise ValueError(f"rule {rule.id!r}: a fix must say whether it is safe: {fix!r}")
        self.rules[rule.id] = rule
        return rule

    def rule(
        self,
        id: str,
        *,
        severity: Severity,
        summary: str,
        why: str,
        remediation: str,
        kinds: Iterable[str] | None,
        enabled: bool = True,
        severity_note: str = "",
        exemptions: Iterable[str] = (),
        tags: Iterable[str] = (),
        params_schema: Mapping[str, Any] | None = None,
        checks: Iterable[str] = (),
        fixes: Iterable[str] = (),
    ) -> Callable[[Check], Check]:
        """Decorator declaring a checked rule: the function is the rule's check."""

        def register(check: Check) -> Check:
            self.add(Rule(
                id, severity, _clean(summary), _clean(why), _clean(remediation),
                None if kinds is None else frozenset(kinds), check, enabled,
                _clean(severity_note), tuple(_clean(e) for e in exemptions), tuple(tags), params_schema,
                checks=tuple(_clean(c) for c in checks), fixes=tuple(_clean(f) for f in fixes),
            ))
            return check

        return register

    def __getitem__(self, rule_id: str) -> Rule:
        return self.rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.rules.values(), key=lambda r: r.id))


def _clean(text: str) -> str:
    return " ".join(text.split())


#: The registry every built-in rule module registers into (see `k8slint.checks`).
REGISTRY = Registry()
rule = REGISTRY.rule
