"""The library entry point: lint these paths with these settings, get the result.

The CLI (and through it the pre-commit hook and the GitHub Action) calls `lint`; so can any Python
program. Everything a run does happens here, in this order: discovery, planning the units (plain
files, rendered charts, built overlays), one engine run per unit, then one merged result (a finding
that several units report at the same source line is reported once, naming the units).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .discovery import Discovery, Notice, discover
from .engine import Engine, FileReport, LintOptions, RunResult
from .findings import Finding, ObjectRef
from .registry import RunSettings
from .settings import Settings


@dataclass
class Inputs:
    """The files a run read: reports and baselines must never be written over them."""

    paths: list[str] = field(default_factory=list)


def options(settings: Settings, found_crd: Discovery, found_context: Discovery) -> LintOptions:
    return LintOptions(
        namespace=settings.namespace, enabled=settings.enabled, kube_version=settings.kube_version,
        crd_sources=found_crd.sources, context_sources=found_context.sources,
        settings=RunSettings(settings.nodes, settings.replicas, settings.closed_world,
                             pod_security=settings.pod_security), severities=settings.severities,
        params=settings.params, rule_excludes=settings.rule_excludes, baseline=settings.baseline,
        jobs=settings.jobs, max_file_size=settings.max_file_size,
    )


def lint(paths: Sequence[str], settings: Settings, progress: Callable[[int], None] | None = None,
         inputs: Inputs | None = None, total: Callable[[int], None] | None = None) -> RunResult:
    """Lint `paths` (files, directories, "-" for standard input) as `settings` say."""
    from .units import plan

    found = discover(paths or (".",), settings.follow_symlinks)
    if settings.exclude is not None:
        excluded = settings.exclude
        found.sources = [s for s in found.sources if s.path is None or not excluded(s.path)]
    found_crd = discover(settings.crd, settings.follow_symlinks)
    found_context = discover(settings.context, settings.follow_symlinks)
    _stdin(found, settings)
    units, skipped, notices = plan(found, settings)
    if inputs is not None:
        inputs.paths += [s.path for d in (found, found_crd, found_context) for s in d.sources if s.path is not None]
        inputs.paths += [p for p in (settings.config_path, settings.baseline_path) if p]
    if total is not None:
        total(sum(len(u.sources) for u in units if u.plain))
    engine = Engine(options(settings, found_crd, found_context))
    merged = RunResult(notices=[*found.notices, *found_crd.notices, *found_context.notices, *notices])
    merged.files.extend(FileReport(name, status="skipped", reason=reason) for name, reason in skipped)
    seen: dict[tuple[str, str, int, int, str], Finding] = {}
    rendered_files: dict[str, FileReport] = {}
    for unit in units:
        result = engine.run(unit.sources, (), progress if unit.plain else None, unit.mappers,
                            finalize=False, namespace=unit.namespace, unit=unit.kind)
        merged.notices.extend(n for n in result.notices if n not in merged.notices)
        merged.notices.extend(unit.notices)
        merged.objects += result.objects
        merged.texts.update(result.texts)
        if unit.plain:
            if unit.kind == "folder":
                for report in result.files:
                    report.unit = unit.name
            merged.files.extend(result.files)
        else:
            _rendered_reports(unit, result, rendered_files)
        for finding in [*unit.findings, *result.findings]:
            if unit.only is not None and os.path.realpath(finding.location.file) not in unit.only:
                continue
            if not unit.plain:
                finding.units = (unit.name,)
            key = (finding.rule, finding.location.file, finding.location.line, finding.location.column, finding.path)
            first = seen.get(key)
            if first is None or unit.plain:
                seen[key] = finding
                merged.findings.append(finding)
            elif unit.name not in first.units:
                first.units = (*first.units, unit.name)
    merged.files.extend(rendered_files.values())
    merged.files.sort(key=lambda f: f.name)
    engine.finalize(merged)
    return merged


def _stdin(found: Discovery, settings: Settings) -> None:
    """Standard input, read once: named by --stdin-filename, or split at the `# Source:` comments of
    `helm template` output (each part named after its template, and located in it when the chart is
    here)."""
    from .discovery import Source
    from .parser import decode_documents
    from .safeio import ReadError

    for i, source in enumerate(found.sources):
        if source.path is not None or source.text is not None:
            continue
        try:
            raw = source.read(settings.max_file_size)
        except ReadError:
            return  # the engine reads it again and reports why it cannot
        text = decode_documents(raw).text
        name = settings.stdin_filename or source.name
        if text is None or "# Source: " not in text:
            found.sources[i] = Source(name, None, raw.decode("utf-8", "surrogateescape"))
            return
        from .render.helm import split_sources

        parts = [Source(key, None, body) for key, body in split_sources("---\n" + text).items()]
        found.sources[i:i + 1] = parts or [Source(name, None, text)]
        return


def _rendered_reports(unit: object, result: RunResult, reports: dict[str, FileReport]) -> None:
    """The user's files a unit rendered, with the objects they produced (over every unit)."""
    from .render import Unit

    assert isinstance(unit, Unit)
    counts = dict(unit.files)
    refs: dict[str, list[ObjectRef]] = {}
    for report in result.files:
        source = next((s for s in unit.sources if s.name == report.name), None)
        origin = unit.origins.get(report.name) if source is not None else None
        if origin is not None:
            counts[origin] = counts.get(origin, 0) + report.objects
            refs.setdefault(origin, []).extend(report.refs)
    for name, objects in counts.items():
        existing = reports.get(name)
        if existing is None:
            existing = reports[name] = FileReport(name, objects=objects, status="rendered", unit=unit.name)
        else:
            existing.objects += objects
        known = set(existing.refs)  # one object rendered by several units (values variants) is listed once
        existing.refs.extend(ref for ref in refs.get(name, ()) if ref not in known)


def notices_of(result: RunResult) -> list[Notice]:
    return result.notices
