"""Runs a lint: sources -> documents -> objects -> one index -> rules -> sorted findings.

The engine, not the rules, knows rule ids, severities and files: it turns each Violation into a
Finding with its location, and turns a crashing rule into an `internal-error` finding.
"""

from __future__ import annotations

import dataclasses
import difflib
import gc
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import baseline, catalog
from .discovery import Notice, Source
from .findings import Finding, Location, RelatedLocation, Severity, Violation, render_path
from .index import ObjectIndex
from .model import K8sObject
from .parser import Document, Problem, decode, parse
from .registry import REGISTRY, Context, Rule, RunSettings
from .suppress import ALL, FileComments, Mention, Suppression, annotation_suppressions, parse_comments
from .validation import SchemaStore, default_version

DEFAULT_NAMESPACE = "default"
catalog.load()


@dataclass
class FileReport:
    name: str
    documents: int = 0
    objects: int = 0
    error: str | None = None  # why the file could not be read at all


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    objects: int = 0

    @property
    def input_errors(self) -> list[Notice]:
        return [n for n in self.notices if n.error]

    @property
    def internal_errors(self) -> list[Finding]:
        return [f for f in self.findings if f.rule == "internal-error"]

    def count(self, severity: Severity) -> int:
        """Unsuppressed findings of `severity` (suppressed ones never count)."""
        return sum(1 for f in self.findings if f.severity is severity and f.suppression is None)

    @property
    def suppressed(self) -> int:
        return sum(1 for f in self.findings if f.suppression is not None)


def default_rule_ids() -> set[str]:
    return {r.id for r in REGISTRY if r.enabled}


@dataclass
class LintOptions:
    namespace: str = DEFAULT_NAMESPACE
    enabled: set[str] = field(default_factory=default_rule_ids)
    kube_version: str | None = None  # None: the newest version with bundled schemas
    crd_sources: Sequence[Source] = ()  # --crd: CustomResourceDefinitions used for validation only
    context_sources: Sequence[Source] = ()  # --context: objects resolved against, never reported on
    settings: RunSettings = field(default_factory=RunSettings)
    severities: dict[str, Severity] = field(default_factory=dict)  # per-rule severity overrides
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # per-rule parameters (validated)
    rule_excludes: dict[str, Callable[[str], bool]] = field(default_factory=dict)  # file matchers
    baseline: Counter[tuple[str, str, str, str]] | None = None


class Engine:
    def __init__(self, options: LintOptions | None = None) -> None:
        self.options = options or LintOptions()
        enabled = self.options.enabled
        self.rules: list[Rule] = [r for r in REGISTRY if r.id in enabled and not r.builtin]
        self._by_kind: dict[str, list[Rule]] = {}
        self._comments: dict[str, FileComments] = {}
        self._mentions: list[Mention] = []

    def _rules_for(self, kind: str) -> list[Rule]:
        rules = self._by_kind.get(kind)
        if rules is None:
            rules = [r for r in self.rules if r.kinds is None or kind in r.kinds]
            self._by_kind[kind] = rules
        return rules

    # --- the run ------------------------------------------------------------------------------

    def run(self, sources: Sequence[Source], notices: Iterable[Notice] = ()) -> RunResult:
        # The run keeps every document's node tree alive (positions are looked up lazily), and the
        # cyclic GC would rescan that growing, acyclic heap again and again: it cost 1.0 of 1.6 s
        # of loading the real corpus. Reference counting frees everything we drop.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run(sources, notices)
        finally:
            if enabled:
                gc.enable()

    def _run(self, sources: Sequence[Source], notices: Iterable[Notice]) -> RunResult:
        result = RunResult(notices=list(notices))
        objects: list[K8sObject] = []
        for source in sources:
            objects.extend(self._load(source, result))
        result.objects = len(objects)
        linted = {os.path.realpath(s.path) for s in sources if s.path is not None}
        context: list[K8sObject] = []
        for source in self.options.context_sources:
            if source.path is None or os.path.realpath(source.path) not in linted:
                context.extend(self._load(source, result, lint=False))
        crds = [o.data for o in (*objects, *context) if _is_crd(o)]
        for source in self.options.crd_sources:
            crds.extend(o.data for o in self._load(source, result, lint=False) if _is_crd(o))
        schemas = SchemaStore(self.options.kube_version or default_version(), crds)
        ctx = Context(ObjectIndex([*objects, *context]), schemas, self.options.settings)
        self._check(objects, ctx, result)
        self._unknown_suppressions(result)
        enabled = self.options.enabled
        excludes = self.options.rule_excludes
        result.findings = [
            f for f in result.findings
            if (f.rule in enabled or f.rule == "internal-error")
            and not (f.rule in excludes and excludes[f.rule](f.location.file))
        ]
        for finding in result.findings:
            self._suppress(finding)
        result.findings.sort(key=Finding.sort_key)
        if self.options.baseline is not None:
            remaining = Counter(self.options.baseline)
            for finding in result.findings:
                key = baseline.key(finding)
                if finding.suppression is None and remaining[key] > 0 and finding.rule != "internal-error":
                    remaining[key] -= 1
                    finding.suppression = Suppression("baseline", "in the baseline")
        return result

    def _suppress(self, finding: Finding) -> None:
        if finding.suppression is not None or finding.rule == "internal-error":
            return
        comments = self._comments.get(finding.location.file)
        if comments is not None:
            finding.suppression = comments.suppression(finding.rule, finding.location.line)

    def _unknown_suppressions(self, result: RunResult) -> None:
        rule = REGISTRY["unknown-suppression"]
        known = {r.id for r in REGISTRY} | {ALL}
        for m in self._mentions:
            if m.rule in known:
                continue
            close = difflib.get_close_matches(m.rule, sorted(known), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            file = m.obj.file if m.obj else m.file
            result.findings.append(Finding(
                rule.id, self._severity(rule), f'suppression names unknown rule "{m.rule}"{hint}',
                Location(file, m.line, m.column), m.obj.ref if m.obj else None,
                render_path(m.path), rule.remediation))

    def _load(self, source: Source, result: RunResult, lint: bool = True) -> list[K8sObject]:
        """Read, parse and identify the objects of one source. With lint=False (context files such
        as --crd) nothing is reported about the file but its read errors."""
        report = FileReport(source.name)
        try:
            raw = source.read()
        except OSError as exc:
            report.error = f"cannot read: {exc.strerror or exc}"
            result.notices.append(Notice(source.name, report.error, True))
            if lint:
                result.files.append(report)
            return []
        if lint:
            result.files.append(report)
        else:
            result = RunResult()  # findings about context files are not reported
        text, problem = decode(raw)
        if text is None:
            assert problem is not None
            report.error = problem.message
            result.findings.append(self._problem_finding(source.name, problem))
            return []
        comments = parse_comments(text)
        if comments is not None and lint:
            self._comments[source.name] = comments
            for mention in comments.mentions:
                mention.file = source.name
                self._mentions.append(mention)
        parsed = parse(text, source.name)
        for problem in parsed.problems:
            result.findings.append(self._problem_finding(source.name, problem))
        report.documents = len(parsed.documents)
        objects: list[K8sObject] = []
        for doc in parsed.documents:
            objects.extend(self._objects(doc, result))
        report.objects = len(objects)
        return objects

    def _objects(self, doc: Document, result: RunResult) -> list[K8sObject]:
        data = doc.data
        if isinstance(data, dict) and not data:
            return []  # `{}`: an empty document
        problem = _identity_problem(data)
        if problem:
            self._not_object(doc, (), problem, result)
            return []
        items = data.get("items")
        if data["kind"].endswith("List") and isinstance(items, list):
            out = []
            for i, item in enumerate(items):
                problem = _identity_problem(item)
                if problem:
                    self._not_object(doc, ("items", i), f"List item: {problem}", result)
                else:
                    out.append(K8sObject.from_data(item, doc, ("items", i), self.options.namespace))
            return out
        return [K8sObject.from_data(data, doc, (), self.options.namespace)]

    def _not_object(self, doc: Document, base: tuple[Any, ...], message: str, result: RunResult) -> None:
        data = doc.data
        for elem in base:
            data = data[elem]
        path = base
        if isinstance(data, dict):
            for key in ("apiVersion", "kind"):
                if key in data and not isinstance(data[key], str):
                    path = (*base, key)
                    break
        line, col = doc.locate(path)
        result.findings.append(Finding(
            "not-k8s-object", self._severity(REGISTRY["not-k8s-object"]), message,
            Location(doc.source, line, col), None, render_path(path),
            REGISTRY["not-k8s-object"].remediation,
        ))

    def _problem_finding(self, name: str, problem: Problem) -> Finding:
        rule = REGISTRY[problem.rule]
        return Finding(rule.id, self._severity(rule), problem.message, Location(name, problem.line, problem.column),
                       remediation=rule.remediation)

    def _check(self, objects: list[K8sObject], ctx: Context, result: RunResult) -> None:
        findings = result.findings
        contexts = {
            rule.id: dataclasses.replace(ctx, params={**rule.default_params(), **self.options.params.get(rule.id, {})})
            for rule in self.rules
        }
        for obj in objects:
            suppressed, mentions = annotation_suppressions(obj)
            self._mentions.extend(mentions)
            for rule in self._rules_for(obj.kind):
                assert rule.check is not None
                violations: list[Violation] = []
                try:
                    for violation in rule.check(obj, contexts[rule.id]):
                        violations.append(violation)
                except Exception as exc:  # a bug in a rule must not hide the rest of the run
                    findings.append(self._internal_error(rule, obj, exc))
                for violation in violations:
                    finding = self._finding(rule, obj, violation)
                    finding.suppression = suppressed.get(rule.id) or suppressed.get(ALL)
                    findings.append(finding)

    def _severity(self, rule: Rule, violation: Violation | None = None) -> Severity:
        override = self.options.severities.get(rule.id)
        if override is not None:
            return override
        if violation is not None and violation.severity and rule.severity_note:
            return violation.severity
        return rule.severity

    def _finding(self, rule: Rule, obj: K8sObject, violation: Violation) -> Finding:
        line, col = obj.locate(violation.path)
        severity = self._severity(rule, violation)
        related = []
        for rel in violation.related:
            rline, rcol = rel.obj.locate(rel.path)
            related.append(RelatedLocation(Location(rel.obj.file, rline, rcol), rel.obj.ref, rel.message))
        return Finding(
            rule.id, severity, violation.message, Location(obj.file, line, col), obj.ref,
            render_path(violation.path), rule.remediation, related,
        )

    def _internal_error(self, rule: Rule, obj: K8sObject, exc: Exception) -> Finding:
        meta = REGISTRY["internal-error"]
        line, col = obj.locate(())
        message = f"rule {rule.id} crashed on {obj.describe()}: {type(exc).__name__}: {exc}"
        return Finding("internal-error", meta.severity, message, Location(obj.file, line, col), obj.ref,
                       "", meta.remediation)


def _is_crd(obj: K8sObject) -> bool:
    return obj.kind == "CustomResourceDefinition" and obj.api_version == "apiextensions.k8s.io/v1"


def _identity_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
        return f"document is {kind.get(type(data), 'not a mapping')}, not a Kubernetes object"
    missing = []
    for key in ("apiVersion", "kind"):
        value = data.get(key)
        if value is None:
            lower = next((k for k in data if isinstance(k, str) and k.lower() == key.lower()), None)
            missing.append(f'{key} (found "{lower}": keys are case-sensitive)' if lower else key)
        elif not isinstance(value, str) or not value:
            return f"{key} must be a non-empty string, got {value!r}"
    if missing:
        return "document has no " + " and no ".join(missing)
    return None


def exit_code(result: RunResult, fail_on: str) -> int:
    """0: nothing at or above `fail_on`; 1: findings at or above it; 2: unreadable input or a crash."""
    if result.input_errors or result.internal_errors:
        return 2
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return 1 if any(f.severity.rank >= threshold and f.suppression is None for f in result.findings) else 0
