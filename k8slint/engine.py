"""Runs a lint: sources -> documents -> objects -> rules -> sorted findings.

Two phases. The *object* phase handles one file at a time: parse it, identify its objects, run
the rules that look at one object, locate their findings while the file's node tree is alive, then
drop the node tree and keep only the data. It runs in worker processes with `--jobs`. The *run*
phase builds one index of every object and runs the cross-object rules (and validates custom
resources, now that every CRD is known), in worker processes too for a large unit (parallel.py);
their few findings are located by re-parsing the file. The output is the same, byte for byte,
whatever the number of jobs.

The engine, not the rules, knows rule ids, severities and files: it turns each Violation into a
Finding with its location, and turns a crashing rule into an `internal-error` finding.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import functools
import gc
import os
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any

from . import baseline, catalog, samples
from .discovery import Notice, Source
from .findings import (
    Finding,
    FixIntent,
    Location,
    ObjectRef,
    Op,
    Path,
    RelatedLocation,
    Severity,
    Violation,
    render_path,
)
from .index import BUILTIN_GROUPS, ObjectIndex, is_custom_resource, owned_by_controllers
from .model import K8sObject, folder_of
from .parser import Document, Problem, decode_documents, editable_encoding, parse
from .records import dataclass
from .registry import REGISTRY, Check, Context, Rule, RunSettings
from .safeio import ReadError, read_file
from .suppress import ALL, FileComments, Mention, Suppression, annotation_suppressions, may_hold_ignore, parse_comments
from .validation import DEFERRED_STATES, SchemaStore, default_version, describe_value

if TYPE_CHECKING:
    from .render import SourceMapper

DEFAULT_NAMESPACE = "default"
catalog.load()

#: Files larger than this are refused with an input-too-large finding (--max-file-size).
DEFAULT_MAX_FILE_SIZE = 32 * 1024 * 1024

#: Below this many files (or bytes), starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 32
PARALLEL_MIN_BYTES = 512 * 1024
#: Below this many objects, the cross-object rules run in one process.
PARALLEL_MIN_OBJECTS = 1000


@dataclass
class FileReport:
    name: str
    documents: int = 0
    objects: int = 0
    error: str | None = None  # why the file could not be read at all
    status: str = "linted"  # "linted" | "rendered" | "skipped" | "failed"
    reason: str | None = None  # why it was skipped
    #: the cluster view the file was checked in, when not the run's plain files: the render unit of a
    #: rendered file (the first, when several), a folder of `units:`, or the file alone (samples.py)
    unit: str | None = None
    #: the objects the file holds (or rendered, for a template or values file), in order: for reports
    #: that list clean objects too (JUnit); not part of the JSON report
    refs: list[ObjectRef] = field(default_factory=list, repr=False)


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    objects: int = 0
    #: the text of sources that cannot be read again (standard input), by name: for code frames
    texts: dict[str, str] = field(default_factory=dict)
    #: (path, text) of the files whose fixes were computed, by name (see api._attach_fixes)
    fix_texts: dict[str, tuple[str | None, str]] = field(default_factory=dict)

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

    def tally(self) -> dict[str, int]:
        """Unsuppressed findings per severity ("error", "warning", "info"), and "suppressed": the counts of
        a report's summary in one pass over the findings (each `count` is a pass of its own)."""
        errors = warnings = infos = suppressed = 0
        error, warning = Severity.ERROR, Severity.WARNING
        for f in self.findings:
            if f.suppression is not None:
                suppressed += 1
            elif f.severity is error:
                errors += 1
            elif f.severity is warning:
                warnings += 1
            else:
                infos += 1
        return {"error": errors, "warning": warnings, "info": infos, "suppressed": suppressed}


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
    jobs: int = 1
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes; larger files are reported, not read


class DocRef:
    """Where an object's document is once its node tree has been dropped (the run phase locates
    its findings by parsing the file once more, see Engine._locate_all)."""

    __slots__ = ("source", "path", "index")

    def __init__(self, source: str, path: str | None, index: int) -> None:
        self.source, self.path, self.index = source, path, index

    def __reduce__(self) -> tuple[Any, ...]:
        return DocRef, (self.source, self.path, self.index)

    def locate(self, path: Path) -> tuple[int, int]:
        raise RuntimeError("a document that was dropped is located through Engine._locate_all")


@dataclass
class FileOutcome:
    """Everything the object phase learnt about one file (sent back from worker processes)."""

    report: FileReport
    findings: list[Finding] = field(default_factory=list)
    objects: list[K8sObject] = field(default_factory=list)
    comments: FileComments | None = None
    notices: list[Notice] = field(default_factory=list)
    text: str | None = None  # kept only for standard input and the texts of k8slint fix's rounds
    fix_text: str | None = None  # the text its findings' fixes were resolved on (see _resolve_fixes)
    checksum: tuple[int, int] | None = None  # (size, crc32) of the bytes linted: re-reads must match


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a run. The objects of a run stay alive until its end, and
    the collector would rescan that growing, acyclic heap again and again (it cost 1.0 of 1.6 s of
    loading the real corpus, and 0.45 s of a 20,000-object run after the engine had finished).
    Reference counting frees everything a run drops."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Engine:
    def __init__(self, options: LintOptions | None = None) -> None:
        self.options = options or LintOptions()
        enabled = self.options.enabled
        self.rules: list[Rule] = [r for r in REGISTRY if r.id in enabled and not r.builtin]
        self._by_kind: dict[tuple[tuple[str, ...], str], list[tuple[Rule, Check, bool]]] = {}
        self.version = self.options.kube_version or default_version()
        self._object_schemas: SchemaStore | None = None
        self._mappers: dict[str, SourceMapper] = {}
        self._source_comments: dict[str, FileComments | None] = {}
        self._finalize = True
        self._namespace = self.options.namespace
        self._params: dict[str, dict[str, Any]] | None = None
        #: where each run leaves what it made (its objects, their files' outcomes, the views) instead of
        #: freeing it when it returns, or None: free it. The console script gives one: its process ends
        #: with os._exit, so nothing left there is freed one object at a time (the objects of 20,000
        #: documents took 0.06-0.07 s to free, after the last finding was made)
        self.left: list[Any] | None = None
        # kinds whose data the run phase reads; other objects keep only their identity after the
        # object phase (less memory, less to send back from worker processes)
        run_rules = [r for r in self.rules if r.phase == "run"]
        self._run_kinds: set[str] | None = None  # None: keep every object whole
        # rules tagged identity-only (unknown-kind, duplicate-object) read apiVersion, kind, namespace and name only
        if not any(r.kinds is None and "identity-only" not in r.tags for r in run_rules):
            self._run_kinds = set(_RUN_PHASE_KINDS).union(*(r.kinds for r in run_rules if r.kinds is not None))

    def _rules_for(self, kinds: tuple[str, ...], phase: str) -> list[tuple[Rule, Check, bool]]:
        """The rules of `phase` for an object looked up under `kinds` (K8sObject.rule_kinds), each with
        its check and whether it has parameters."""
        key = (kinds, phase)
        rules = self._by_kind.get(key)
        if rules is None:
            params = self._params_of()
            rules = [(r, r.check, r.id in params) for r in self.rules
                     if (r.kinds is None or not r.kinds.isdisjoint(kinds)) and r.phase in (phase, "both")
                     and r.check is not None]
            self._by_kind[key] = rules
        return rules

    def _params_of(self) -> dict[str, dict[str, Any]]:
        """Each parameterised rule's parameters (defaults, then the configuration), computed once."""
        if self._params is None:
            self._params = {}
            for rule in self.rules:
                params = {**rule.default_params(), **self.options.params.get(rule.id, {})}
                if params:
                    self._params[rule.id] = params
        return self._params

    # --- the run ------------------------------------------------------------------------------

    def run(self, sources: Sequence[Source], notices: Iterable[Notice] = (),
            progress: Callable[[int], None] | None = None,
            mappers: Mapping[str, SourceMapper] | None = None, finalize: bool = True,
            namespace: str | None = None, unit: str = "files") -> RunResult:
        """Lint one unit (of kind `unit`, see RunSettings.unit): `sources` form one cluster view (with
        the --context objects). Findings in rendered sources are located in the user's files by their
        `mappers`. With finalize=False the findings are neither sorted nor matched with the baseline
        (`finalize` does that, once for all units)."""
        self._mappers = dict(mappers or {})
        self._finalize = finalize
        self._namespace = namespace or self.options.namespace  # a chart renders into its release namespace
        self._unit = unit
        self._source_comments = {}
        with gc_paused():
            return self._run(sources, notices, progress)

    def _run(self, sources: Sequence[Source], notices: Iterable[Notice],
             progress: Callable[[int], None] | None) -> RunResult:
        result = RunResult(notices=list(notices))
        context_sources = list(self.options.context_sources)
        if context_sources:  # a --context file that is also linted is seen once, as linted
            linted = {os.path.realpath(s.path) for s in sources if s.path is not None}
            context_sources = [s for s in context_sources if s.path is None or os.path.realpath(s.path) not in linted]
        outcomes = self._process_all(sources, True, progress)
        context_outcomes = self._process_all([*context_sources, *self.options.crd_sources], False, None)
        objects: list[K8sObject] = []
        comments: dict[str, FileComments] = {}
        self._texts: dict[str, str] = {}
        self._checksums: dict[str, tuple[int, int] | None] = {}
        for source, outcome in zip(sources, outcomes, strict=True):
            if outcome.fix_text is not None:
                result.fix_texts[source.name] = (source.path, outcome.fix_text)
            result.files.append(outcome.report)
            result.findings.extend(outcome.findings)
            result.notices.extend(outcome.notices)
            objects.extend(outcome.objects)
            outcome.report.refs = [o.ref for o in outcome.objects]
            if outcome.comments is not None:
                comments[outcome.report.name] = outcome.comments
            self._remember(outcome)
        context: list[K8sObject] = []
        crds: list[dict[str, Any]] = []
        crd_names = {s.name for s in self.options.crd_sources}
        for outcome in context_outcomes:
            result.notices.extend(outcome.notices)
            self._remember(outcome)
            if outcome.report.name in crd_names:
                crds.extend(o.data for o in outcome.objects if _is_crd(o))
            else:
                context.extend(outcome.objects)
        crds.extend(o.data for o in (*objects, *context) if _is_crd(o))
        result.objects = len(objects)
        objects, context = _fold_owned(objects, context, result)

        settings = dataclasses.replace(self.options.settings, unit=self._unit)
        views: list[list[K8sObject]] = [objects]
        if self._unit == "files" and not settings.closed_world:  # folders of alternatives: each file alone
            views, folders = samples.split(objects)
            _mark_alone(result.files, folders)
        schemas = SchemaStore(self.version, crds)
        schemas.know_order(obj for view in views for obj in view)
        self._changed: set[str] = set()

        def context_of(view: list[K8sObject]) -> Context:  # one view's at a time: each holds an index
            return Context(ObjectIndex([*view, *context]), schemas, settings, phase="run")

        self._check_run(views, context_of, result.findings)
        for name in sorted(self._changed):
            result.notices.append(Notice(name, "the file changed while k8slint was running: positions of its "
                                         "cross-object findings are unknown (1:1); lint again", True))
        self._finish(result, comments)
        result.texts = dict(self._texts)
        if self.left is not None:
            self.left.append((outcomes, context_outcomes, objects, context, views, schemas))
        return result

    def _check_run(self, views: list[list[K8sObject]], context_of: Callable[[list[K8sObject]], Context],
                   findings: list[Finding]) -> None:
        """The run phase's rules over each view's objects, with the view's context: in worker processes
        with --jobs, for a large plain unit (rendered units stay in this process: their mappers read
        the user's files)."""
        if self.options.jobs > 1 and sum(map(len, views)) >= PARALLEL_MIN_OBJECTS and not self._mappers:
            from .parallel import check_in_workers, jobs_for  # (multiprocessing: only for runs that use it)

            jobs = jobs_for(self.options.jobs)
            if jobs > 1:
                findings.extend(check_in_workers(self, views, context_of, jobs))
                return
        for view in views:
            self._check(view, context_of(view), "run", findings)

    def _comments_of_source(self, file: str) -> FileComments | None:
        """Suppression comments of a file a rendered finding was located in (a template, a patch):
        read from the user's file, where the comment was written."""
        if not self._mappers:
            return None
        if file not in self._source_comments:
            comments = None
            try:
                raw = read_file(file, self.options.max_file_size)
            except OSError:
                raw = b""
            text = decode_documents(raw).text if raw else None
            if text:
                comments = parse_comments(text)
            self._source_comments[file] = comments
        return self._source_comments[file]

    def _remember(self, outcome: FileOutcome) -> None:
        """What the run phase needs to parse a file again: its text (standard input) or checksum."""
        if outcome.text is not None:
            self._texts[outcome.report.name] = outcome.text
        self._checksums[outcome.report.name] = outcome.checksum

    def _process_all(self, sources: Sequence[Source], lint: bool,
                     progress: Callable[[int], None] | None) -> list[FileOutcome]:
        if not sources:
            return []
        if self._parallel(sources):
            from .parallel import process_in_workers

            return process_in_workers(self, sources, lint, progress)
        out = []
        for source in sources:
            out.append(self.process_file(source, lint))
            if progress is not None:
                progress(1)
        return out

    def _parallel(self, sources: Sequence[Source]) -> bool:
        if self.options.jobs <= 1 or len(sources) < PARALLEL_MIN_FILES or self._mappers:
            return False  # rendered units stay in this process: their mappers read the user's files
        total = 0
        for source in sources:
            if source.path is None:
                return False
            try:
                total += os.path.getsize(source.path)
            except OSError:
                pass
            if total >= PARALLEL_MIN_BYTES:
                return True
        return False

    # --- the object phase: one file ---------------------------------------------------------

    def process_file(self, source: Source, lint: bool = True) -> FileOutcome:
        """Read, parse and identify the objects of one source and run the object-phase rules.

        With lint=False (--context and --crd files) nothing is reported about the file but its
        read errors, and no rule runs. A crash here is reported on this file; the run goes on.
        """
        try:
            return self._process_file(source, lint)
        except Exception as exc:  # a bug in k8slint must not lose the report of the other files
            outcome = FileOutcome(FileReport(source.name))
            message = f"k8slint crashed while reading this file: {type(exc).__name__}: {_bounded(str(exc))}"
            outcome.report.error = message
            if lint:
                meta = REGISTRY["internal-error"]
                outcome.findings.append(Finding(meta.id, meta.severity, message, Location(source.name, 1, 1),
                                                remediation=meta.remediation))
            else:
                outcome.notices.append(Notice(source.name, message, True))
            return outcome

    def _process_file(self, source: Source, lint: bool) -> FileOutcome:
        outcome = FileOutcome(FileReport(source.name))
        limit = self.options.max_file_size
        try:
            raw = source.read(limit)
        except ReadError as exc:
            if exc.too_large is not None:
                return self._too_large(outcome, exc.too_large, lint)
            outcome.report.error = exc.message
            outcome.notices.append(Notice(source.name, exc.message, True))
            return outcome
        except OSError as exc:
            outcome.report.error = f"cannot read: {exc.strerror or exc}"
            outcome.notices.append(Notice(source.name, outcome.report.error, True))
            return outcome
        outcome.checksum = (len(raw), zlib.crc32(raw))
        decoded = decode_documents(raw)
        editable = editable_encoding(raw) and not decoded.problems
        del raw
        text = decoded.text
        if lint:
            outcome.findings.extend(self._problem_finding(source, p) for p in decoded.problems)
        if text is None:
            outcome.report.error = decoded.problems[0].message if decoded.problems else "not a text file"
            return outcome
        if decoded.problems:  # some documents are not text: an input error, whatever rules are on
            count = len(decoded.problems)
            what = "a document is" if count == 1 else f"{count} documents are"
            outcome.notices.append(Notice(source.name, f"{what} not UTF-8 text: not linted", True))
        if source.path is None or source.text is not None:  # standard input, or a text k8slint fix made
            outcome.text = text
        parsed = parse(text, source.name)
        if source.unit is None:  # rendered output is Kubernetes objects by construction
            reason = not_a_manifest(parsed, text)
            if reason is not None:  # docker-compose, CI configs, values files...: none of our business
                outcome.report.status, outcome.report.reason = "skipped", reason
                outcome.findings = []
                outcome.notices = []
                return outcome
        objects: list[K8sObject] = []
        problems: list[Finding] = []
        for problem in parsed.problems:
            problems.append(self._problem_finding(source, problem))
        for doc in parsed.documents:
            objects.extend(self._objects(doc, problems))
        if source.unit is not None:
            for obj in objects:  # what a renderer adds for itself is not the user's object
                _strip_build_metadata(obj)
        outcome.report.documents = len(parsed.documents)
        outcome.report.objects = len(objects)
        schemas = self._object_schema_store()
        if lint:
            outcome.findings.extend(problems)
            outcome.comments = parse_comments(text, parsed.documents)
            mentions = list(outcome.comments.mentions) if outcome.comments else []
            for mention in mentions:
                mention.file = source.name
            ctx = Context(ObjectIndex(objects), schemas, self.options.settings, phase="object")
            annotated = may_hold_ignore(text)
            for obj in objects:
                suppressed, found = annotation_suppressions(obj) if annotated else ({}, ())
                obj.suppressions = suppressed  # type: ignore[attr-defined]
                mentions.extend(found)
            self._check(objects, ctx, "object", outcome.findings)
            outcome.findings.extend(self._unknown_suppressions(mentions))
            schemas.forget()
            if editable and source.path is not None and source.unit is None:
                self._resolve_fixes(outcome, text)
        refs = {id(doc): DocRef(source.name, source.path, i) for i, doc in enumerate(parsed.documents)}
        keep = self._run_kinds
        for obj in objects:
            obj.doc = refs[id(obj.doc)]  # type: ignore[assignment]  # the node tree goes; the data stays
            obj.__dict__.pop("_containers", None)  # rebuilt on demand: the run phase reads few of them
            if (keep is not None and obj.kind not in keep and not is_custom_resource(obj)
                    and obj.pod_labels() is None
                    and schemas.status(obj.api_version, obj.kind).state not in DEFERRED_STATES):
                obj.data = _identity(obj)
        outcome.objects = objects
        return outcome

    @staticmethod
    def _resolve_fixes(outcome: FileOutcome, text: str) -> None:
        """The fixes of a file's findings, resolved here while its text is at hand (in the worker that
        linted it, with --jobs) instead of reading and parsing the file again at the end of the run.
        Only for files on disk: what `api.lint` offers fixes for (rendered objects carry no intent)."""
        name = outcome.report.name
        pending = [f for f in outcome.findings if f.intent is not None and f.location.file == name]
        if pending:
            from .fixes import resolve_all  # (ruamel.yaml: only for runs with something to fix)

            resolve_all(pending, text)
            outcome.fix_text = text

    def _too_large(self, outcome: FileOutcome, size: int, lint: bool) -> FileOutcome:
        limit = self.options.max_file_size
        message = (f"file is larger than --max-file-size ({size:,} bytes > {limit:,}): not read; exclude it "
                   "or raise the limit")
        outcome.report.error = message
        if lint:
            rule = REGISTRY["input-too-large"]
            outcome.findings.append(Finding(rule.id, self._severity(rule), message,
                                            Location(outcome.report.name, 1, 1), remediation=rule.remediation))
        else:
            outcome.notices.append(Notice(outcome.report.name, message, True))
        return outcome

    def _object_schema_store(self) -> SchemaStore:
        if self._object_schemas is None:
            self._object_schemas = SchemaStore(self.version, [])
        return self._object_schemas

    def _objects(self, doc: Document, problems: list[Finding]) -> list[K8sObject]:
        data = doc.data
        if isinstance(data, dict) and not data:
            return []  # `{}`: an empty document
        out: list[K8sObject] = []
        stack: list[tuple[Any, Path, str]] = [(data, (), "")]
        while stack:  # `kind: List` items, nested Lists included (kubectl flattens them all)
            item, base, what = stack.pop()
            problem = _identity_problem(item)
            if problem:
                problems.append(self._not_object(doc, base, f"{what}{problem}"))
                continue
            items = item.get("items")
            if item["kind"].endswith("List") and isinstance(items, list):
                if len(base) >= 2 * _MAX_LIST_NESTING:
                    problems.append(self._not_object(doc, base, "List nested too deep: its items were not linted"))
                    continue
                stack.extend((sub, (*base, "items", i), "List item: ") for i, sub in reversed(list(enumerate(items))))
                continue
            out.append(K8sObject.from_data(item, doc, base, self._namespace))
        return out

    def _not_object(self, doc: Document, base: Path, message: str) -> Finding:
        data = doc.data
        for elem in base:
            data = data[elem]
        path = base
        if isinstance(data, dict):
            for key in ("apiVersion", "kind"):
                if key in data and (not isinstance(data[key], str) or not data[key]):  # null included
                    path = (*base, key)
                    break
        line, col = doc.locate(path)
        rule = REGISTRY["not-k8s-object"]
        location = Location(doc.source, line, col)
        related: list[RelatedLocation] = []
        mapper = self._mappers.get(doc.source)
        if mapper is not None:
            mapped = mapper.map(doc.index, path, line, col)
            related = [RelatedLocation(location, None, "rendered output"), *mapped.related]
            location = mapped.location
        finding = Finding(rule.id, self._severity(rule), message, location, None, render_path(path),
                          rule.remediation, related or ())
        renames = _case_renames(data) if mapper is None else ()
        if renames:
            what = ", ".join(f'"{old}" to "{new}"' for old, new in renames)
            finding.intent = (doc.index, base, FixIntent(f"rename {what}", True,
                                                         tuple(Op("rename", (old,), new) for old, new in renames)))
        return finding

    def _problem_finding(self, source: Source | str, problem: Problem) -> Finding:
        rule = REGISTRY[problem.rule]
        name = source if isinstance(source, str) else source.name
        location = Location(name, problem.line, problem.column)
        related = []
        mapper = self._mappers.get(name)
        if mapper is not None:
            mapped = mapper.map_position(problem.line, problem.column)
            related = [RelatedLocation(location, None, "rendered output"), *mapped.related]
            location = mapped.location
        finding = Finding(rule.id, self._severity(rule), problem.message, location,
                          remediation=rule.remediation, related=related or ())
        if problem.fix is not None and mapper is None:
            finding.intent = (-1, (), FixIntent(_LINE_FIXES[problem.fix], True, (Op(problem.fix, line=problem.line),)))
        return finding

    # --- rules ----------------------------------------------------------------------------------

    def _check(self, objects: list[K8sObject], ctx: Context, phase: str, findings: list[Finding]) -> None:
        params = self._params_of()
        contexts: dict[str, Context] = {}  # the rule's own context, only for rules with parameters

        def context_of(rule_id: str) -> Context:
            found = contexts.get(rule_id)
            if found is None:
                found = contexts[rule_id] = ctx.with_params(params[rule_id])
            return found

        internal = REGISTRY["internal-error"]
        pending: list[tuple[Rule, K8sObject, Violation, Suppression | None]] = []
        for obj in objects:
            suppressed: dict[str, Suppression] = getattr(obj, "suppressions", {})
            for rule, check, has_params in self._rules_for(obj.rule_kinds, phase):
                rule_ctx = context_of(rule.id) if has_params else ctx
                try:
                    violations = list(check(obj, rule_ctx))
                except Exception as exc:  # a bug in a rule must not hide the rest of the run
                    violations = []
                    try:  # what it found before it crashed (rules are deterministic: the same again)
                        for violation in check(obj, rule_ctx):
                            violations.append(violation)
                    except Exception:
                        pass
                    message = f"rule {rule.id} crashed on {obj.describe()}: {type(exc).__name__}: {_bounded(str(exc))}"
                    pending.append((internal, obj, Violation((), message), None))
                if violations:
                    suppression = suppressed.get(rule.id) or suppressed.get(ALL)
                    pending.extend((rule, obj, violation, suppression) for violation in violations)
        requests: list[tuple[K8sObject, Path]] = []
        for _, obj, violation, _ in pending:
            requests.append((obj, violation.path))
            requests.extend((rel.obj, rel.path) for rel in violation.related)
        positions = iter(self._locate_all(requests))
        for rule, obj, violation, suppression in pending:
            finding = self._finding(rule, obj, violation, positions)
            if finding is None:
                continue
            finding.suppression = suppression
            findings.append(finding)

    def _locate_all(self, requests: list[tuple[K8sObject, Path]]) -> list[tuple[int, int]]:
        """(line, column) of each (object, path). Objects whose node tree was dropped after the
        object phase are located by parsing their file once more: each file once, whatever the
        number of findings in it."""
        out: list[tuple[int, int]] = [(1, 1)] * len(requests)
        by_source: dict[str, list[int]] = {}
        for i, (obj, path) in enumerate(requests):
            if isinstance(obj.doc, DocRef):
                by_source.setdefault(obj.doc.source, []).append(i)
            else:
                out[i] = obj.locate(path)
        for indexes in by_source.values():
            docs = self._reparse(requests[indexes[0]][0].doc)  # type: ignore[arg-type]
            for i in indexes:
                obj, path = requests[i]
                index = obj.doc.index  # type: ignore[attr-defined]
                if index < len(docs):
                    out[i] = docs[index].locate(obj.base + path)
        return out

    def _reparse(self, ref: DocRef) -> list[Document]:
        text = self._texts.get(ref.source)
        if text is None and ref.path is not None:
            try:
                raw = read_file(ref.path, self.options.max_file_size)
            except ReadError:
                raw = b""
            if (len(raw), zlib.crc32(raw)) != self._checksums.get(ref.source):
                self._changed.add(ref.source)
                return []
            text = decode_documents(raw).text
        return parse(text, ref.source).documents if text else []

    def _severity(self, rule: Rule, violation: Violation | None = None) -> Severity:
        override = self.options.severities.get(rule.id)
        if override is not None:
            return override
        if violation is not None and violation.severity and rule.severity_note:
            return violation.severity
        return rule.severity

    def _finding(self, rule: Rule, obj: K8sObject, violation: Violation,
                 positions: Iterable[tuple[int, int]]) -> Finding | None:
        """The finding of a violation (its positions are the next of `positions`: the violation's,
        then each related object's). Rendered objects are located in the user's source; None when
        the unit's renderer knows the violation is its own doing, not the source's."""
        it = iter(positions)
        line, col = next(it)
        rendered = [(next(it), rel) for rel in violation.related]
        location = Location(obj.file, line, col)
        related: list[RelatedLocation] = []
        mapper = self._mappers.get(obj.file)
        if mapper is not None:
            index = obj.doc.index
            if rule.id in mapper.suppressed_rules(index):
                return None
            mapped = mapper.map(index, obj.base + violation.path, line, col)
            related = [RelatedLocation(location, obj.ref, "rendered output"), *mapped.related]
            location = mapped.location
        for (rline, rcol), rel in rendered:
            rel_location = Location(rel.obj.file, rline, rcol)
            rel_mapper = self._mappers.get(rel.obj.file)
            if rel_mapper is not None:
                rel_location = rel_mapper.map(rel.obj.doc.index, rel.obj.base + rel.path, rline, rcol).location
            related.append(RelatedLocation(rel_location, rel.obj.ref, _bounded(rel.message)))
        finding = Finding(
            rule.id, self._severity(rule, violation), _bounded(violation.message), location,
            obj.ref, render_path(violation.path), rule.remediation, related or (),
        )
        if violation.fix is not None and mapper is None:  # rendered objects: the template is not plain data
            finding.intent = (obj.doc.index, obj.base, violation.fix)
        return finding

    def _unknown_suppressions(self, mentions: list[Mention]) -> list[Finding]:
        if not mentions:
            return []
        rule = REGISTRY["unknown-suppression"]
        known = {r.id for r in REGISTRY} | {ALL}
        out = []
        for m in mentions:
            if m.rule in known:
                continue
            close = difflib.get_close_matches(m.rule, sorted(known), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            file = m.obj.file if m.obj else m.file
            out.append(Finding(
                rule.id, self._severity(rule), f'suppression names unknown rule "{m.rule}"{hint}',
                Location(file, m.line, m.column), m.obj.ref if m.obj else None,
                render_path(m.path), rule.remediation))
        return out

    # --- filters, suppressions, order -------------------------------------------------------

    def _finish(self, result: RunResult, comments: dict[str, FileComments]) -> None:
        enabled = self.options.enabled
        excludes = self.options.rule_excludes
        result.findings = [
            f for f in result.findings
            if (f.rule in enabled or f.rule == "internal-error")
            and not (f.rule in excludes and excludes[f.rule](f.location.file))
        ]
        for finding in result.findings:
            if finding.suppression is None and finding.rule != "internal-error":
                file_comments = comments.get(finding.location.file) or self._comments_of_source(finding.location.file)
                if file_comments is not None:
                    finding.suppression = file_comments.suppression(finding.rule, finding.location.line)
        if self._finalize:
            self.finalize(result)

    def finalize(self, result: RunResult) -> None:
        """Order the findings and apply the baseline (once over a whole run of several units: the
        baseline is a multiset, each entry suppresses one finding)."""
        result.findings.sort(key=Finding.sort_key)
        if self.options.baseline is not None:
            remaining = Counter(self.options.baseline)
            for finding in result.findings:
                key = baseline.key(finding)
                if finding.suppression is None and remaining[key] > 0 and finding.rule != "internal-error":
                    remaining[key] -= 1
                    finding.suppression = Suppression("baseline", "in the baseline")


#: What the line-level fixes of parser problems do.
_LINE_FIXES = {
    "separate": "separate the pasted documents with a line ---",
    "expand-tabs": "indent with spaces instead of tabs (tab stops of 8)",
}

#: Kinds the run phase reads besides those of run-phase rules: what quotas and LimitRanges count
#: and resolve, and the CRDs that validate custom resources.
_RUN_PHASE_KINDS = frozenset({
    "LimitRange", "ResourceQuota", "HorizontalPodAutoscaler", "Service", "PersistentVolumeClaim",
    "StatefulSet", "CustomResourceDefinition",
})


def _mark_alone(reports: list[FileReport], folders: dict[str, tuple[K8sObject, K8sObject]]) -> None:
    """Name the cluster view of each file of a folder of alternatives (see samples.py)."""
    for report in reports:
        pair = folders.get(folder_of(report.name))
        if pair is not None:
            a, b = pair
            report.unit = (f'file {report.name} alone: its folder holds alternatives ({a.kind} "{a.name}" is '
                           f"defined in {a.file} and {b.file}; list the folder in `units:` if it is applied whole)")


def _fold_owned(objects: list[K8sObject], context: list[K8sObject],
                result: RunResult) -> tuple[list[K8sObject], list[K8sObject]]:
    """Objects whose controller is in the run (the ReplicaSets and Pods of a Deployment in a `kubectl get
    -o yaml` dump) are the controller's: they leave the cluster view (quota counts the pods once, through
    the Deployment) and their findings are dropped (the controller's template reports each defect once)."""
    owned = owned_by_controllers([*objects, *context])
    if not owned:
        return objects, context
    kept = [o for o in objects if id(o) not in owned]
    dropped = {o.ref for o in objects if id(o) in owned} - {o.ref for o in kept}
    result.findings = [f for f in result.findings if f.object is None or f.object not in dropped]
    return kept, [o for o in context if id(o) not in owned]


def _identity(obj: K8sObject) -> dict[str, Any]:
    """What is left of an object the run phase only counts (quota object counts) or names; its uid and
    ownerReferences stay, for folding owned objects into their controller."""
    meta = obj.data.get("metadata") if isinstance(obj.data, dict) else None
    kept = {k: meta[k] for k in ("uid", "ownerReferences") if isinstance(meta, dict) and k in meta}
    return {"apiVersion": obj.api_version, "kind": obj.kind,
            "metadata": {"name": obj.name, **({"namespace": obj.namespace} if obj.namespace else {}), **kept}}


def _is_crd(obj: K8sObject) -> bool:
    return obj.kind == "CustomResourceDefinition" and obj.api_version == "apiextensions.k8s.io/v1"


_IDENTITY_KEYS = ("apiversion", "kind")
_IDENTITY_LINE = re.compile(r"^[ \t]*(?:-[ \t]+)?(?:api[-_]?version|kind)[ \t]*:"  # YAML
                            r"|[\"'](?:api[-_]?version|kind)[\"'][ \t]*:", re.I | re.M)  # JSON, flow mappings
#: Kubernetes-shaped files that are configuration, not API objects (apiVersion group, kind or None).
_CONFIG_FILES = (("v1", "Config", "a kubeconfig file"),)
_CONFIG_GROUPS = (".config.k8s.io", "kubeadm.k8s.io", "audit.k8s.io", "kind.x-k8s.io")


def _looks_like_object(data: Any) -> bool:
    """A mapping with apiVersion or kind at the top, or a near miss (`apiversion`, `Kind`,
    `apiVerison`): a Kubernetes object, or a broken one worth reporting."""
    if not isinstance(data, dict):
        return False
    for key in data:
        if not isinstance(key, str):
            continue
        lower = key.lower()
        if lower in _IDENTITY_KEYS or (lower.startswith("ap") and difflib.SequenceMatcher(
                None, lower, "apiversion").ratio() >= 0.8):  # apiversion, api_version, apiVerison; not `version`
            return True
    return False


def not_a_manifest(parsed: Any, text: str) -> str | None:
    """Why a parsed file is not a Kubernetes manifest (None when it is, or may be)."""
    docs = [d.data for d in parsed.documents]
    candidates = [d for d in docs if _looks_like_object(d)]
    candidates += [item for d in docs if isinstance(d, list) for item in d if _looks_like_object(item)]
    if not candidates:
        if parsed.problems and _IDENTITY_LINE.search(text):
            return None  # a broken document that reads like an object: its syntax error is reported
        if not docs and not parsed.problems:
            return None  # empty or comment-only: nothing to skip, nothing to report
        return "not a Kubernetes manifest: no document has apiVersion or kind"
    foreign = []
    for data in candidates:
        api_version, kind = data.get("apiVersion"), data.get("kind")
        group = api_version.rpartition("/")[0] if isinstance(api_version, str) else ""
        known = [why for v, k, why in _CONFIG_FILES if (v, k) == (api_version, kind)]
        if known or (group and group.endswith(_CONFIG_GROUPS)):
            continue
        if not _foreign_api(api_version) or kind in _builtin_kinds():
            return None  # `app/v1` with `kind: Deployment` is a Kubernetes object with a typo
        foreign.append(str(api_version))
    if foreign:
        return (f'not a Kubernetes API object: apiVersion "{foreign[0]}" names no API group a cluster serves '
                "(built-in groups, or groups with a dot for custom resources)")
    return "Kubernetes configuration, not an API object (a kubeconfig or component configuration file)"


@functools.cache
def _builtin_kinds() -> frozenset[str]:
    from .validation import _api

    return frozenset(_api(default_version()).kinds)


def _foreign_api(api_version: Any) -> bool:
    """An apiVersion no Kubernetes cluster can serve: `skaffold/v4beta6`, `v2` (a Chart.yaml), as opposed
    to `v1`, `apps/v1` and custom resource groups, which contain a dot (`example.com/v1`)."""
    if not isinstance(api_version, str) or not api_version:
        return False  # reported as a broken object instead
    group, _, version = api_version.rpartition("/")
    if not group:
        return api_version != "v1" and not api_version.startswith("v1")
    return "." not in group and group not in BUILTIN_GROUPS


#: Annotations renderers add for their own use (Kustomize's origin), removed before rules run.
BUILD_METADATA = ("config.kubernetes.io/origin", "alpha.config.kubernetes.io/transformations")


def _strip_build_metadata(obj: K8sObject) -> None:
    annotations = obj.data.get("metadata", {}).get("annotations") if isinstance(obj.data.get("metadata"), dict) \
        else None
    if isinstance(annotations, dict):
        for key in BUILD_METADATA:
            annotations.pop(key, None)
        if not annotations:
            del obj.data["metadata"]["annotations"]


#: `kind: List` inside `kind: List` is flattened this deep at most.
_MAX_LIST_NESTING = 10
#: Longest message or exception text a finding carries (a hostile template or value cannot make a
#: report huge).
MAX_MESSAGE = 2000


def _bounded(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 30] + f"... ({len(text) - limit + 30:,} more characters)"


def _other_cases(data: dict[Any, Any], key: str) -> list[str]:
    """The keys of `data` that are `key` in another case (`apiversion` for apiVersion)."""
    return [k for k in data if isinstance(k, str) and k != key and k.lower() == key.lower()]


def _case_renames(data: Any) -> list[tuple[str, str]]:
    """apiVersion and kind spelt in another case (`apiversion`), when that is the only spelling."""
    if not isinstance(data, dict):
        return []
    out = []
    for key in ("apiVersion", "kind"):
        variants = _other_cases(data, key)
        if key not in data and len(variants) == 1 and isinstance(data[variants[0]], str) and data[variants[0]]:
            out.append((variants[0], key))
    return out


def _identity_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        kind = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number",
                type(None): "null"}
        return f"document is {kind.get(type(data), 'not a mapping')}, not a Kubernetes object"
    missing = []
    for key in ("apiVersion", "kind"):
        value = data.get(key)
        if value is None and key in data:
            return f"{key} must be a non-empty string, got null"
        if value is None:
            lower = _other_cases(data, key)[:1]  # (`key` itself is not in data here)
            missing.append(f'{key} (found "{lower[0]}": keys are case-sensitive)' if lower else key)
        elif not isinstance(value, str) or not value:
            return f"{key} must be a non-empty string, got {describe_value(value)}"
    if missing:
        return "document has no " + " and no ".join(missing)
    return None


def exit_code(result: RunResult, fail_on: str) -> int:
    """0: nothing at or above `fail_on`; 1: findings at or above it; 2: unreadable input or a crash
    (whatever rules are enabled: a file that could not be read is never a pass)."""
    if result.input_errors or result.internal_errors or any(f.error for f in result.files):
        return 2
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return 1 if any(f.severity.rank >= threshold and f.suppression is None for f in result.findings) else 0
