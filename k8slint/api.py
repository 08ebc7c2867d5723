"""The library entry point: lint these paths with these settings, get the result.

The CLI (and through it the pre-commit hook and the GitHub Action) calls `lint`; so can any Python
program. Everything a run does happens here, in this order: discovery, planning the units (plain
files, rendered charts, built overlays), one engine run per unit, then one merged result (a finding
that several units report at the same source line is reported once, naming the units).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from typing import Any

from .discovery import Discovery, Notice, Source, discover
from .engine import Engine, FileReport, LintOptions, RunResult, gc_paused
from .findings import Finding, ObjectRef
from .records import dataclass
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
         inputs: Inputs | None = None, total: Callable[[int], None] | None = None,
         overrides: Mapping[str, str] | None = None, left: list[Any] | None = None) -> RunResult:
    """Lint `paths` (files, directories, "-" for standard input) as `settings` say.

    `overrides` gives the text to lint instead of a plain file's content, by the file's name (what
    `k8slint fix` does between its rounds, before anything is written). With `left`, what each run
    made is appended there instead of being freed (see Engine.left)."""
    with gc_paused():  # from discovery to the fixes' edits (see engine.gc_paused)
        return _lint(paths, settings, progress, inputs, total, overrides, left)


def _lint(paths: Sequence[str], settings: Settings, progress: Callable[[int], None] | None,
          inputs: Inputs | None, total: Callable[[int], None] | None,
          overrides: Mapping[str, str] | None, left: list[Any] | None = None) -> RunResult:
    from .units import plan

    found = discover(paths or (".",), settings.follow_symlinks)
    if settings.exclude is not None:
        excluded = settings.exclude
        found.sources = [s for s in found.sources if s.path is None or not excluded(s.path)]
    if overrides:  # same name and path (units, overlays, excludes see the same file), another text
        found.sources = [Source(s.name, s.path, overrides[s.name]) if s.name in overrides and s.path is not None
                         else s for s in found.sources]
    fixable = {s.name: s for s in found.sources}
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
    engine.left = left
    merged = RunResult(notices=[*found.notices, *found_crd.notices, *found_context.notices, *notices])
    merged.files.extend(FileReport(name, status="skipped", reason=reason) for name, reason in skipped)
    seen: dict[tuple[str, str, int, int, str], Finding] = {}
    rendered = any(not unit.plain for unit in units)  # else no finding is matched with another unit's
    rendered_files: dict[str, FileReport] = {}
    for unit in units:
        result = engine.run(unit.sources, (), progress if unit.plain else None, unit.mappers,
                            finalize=False, namespace=unit.namespace, unit=unit.kind)
        merged.notices.extend(n for n in result.notices if n not in merged.notices)
        merged.notices.extend(unit.notices)
        merged.objects += result.objects
        merged.texts.update(result.texts)
        merged.fix_texts.update(result.fix_texts)
        if unit.plain:
            if unit.kind == "folder":
                for report in result.files:
                    report.unit = unit.name
            merged.files.extend(result.files)
        else:
            _rendered_reports(unit, result, rendered_files)
        reported = [*unit.findings, *result.findings]
        if unit.only is not None:
            only = unit.only
            reported = [f for f in reported if os.path.realpath(f.location.file) in only]
        if unit.plain and not rendered:  # nothing to match them with: every finding stays
            merged.findings += reported
            continue
        for finding in reported:
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
    _attach_fixes(merged, fixable, settings.max_file_size)
    return merged


def _attach_fixes(result: RunResult, sources: dict[str, Source], limit: int) -> None:
    """Each fixable finding's edits in its file, for the plain files of the run (a rendered object's
    findings carry no intent: see Engine._finding). Most were resolved in the object phase, by the
    process that had the file's text (see Engine._resolve_fixes); for the rest each file is read and
    parsed once more, unless the object phase kept its text."""
    by_file: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if finding.intent is not None and finding.location.file in sources:
            by_file.setdefault(finding.location.file, []).append(finding)
    if not by_file:
        return
    from .fixes import resolve_all

    for name, findings in by_file.items():
        source = sources[name]
        kept = result.fix_texts.get(name)
        text = kept[1] if kept is not None else fixable_text(source, limit)
        if text is None:
            continue
        result.fix_texts[name] = (source.path, text)
        resolve_all(findings, text)


def fixable_text(source: Source, limit: int) -> str | None:
    """The text fixes are computed on (UTF-8, BOM optional, line breaks as LF), or None when the file
    cannot be fixed as text (another encoding, bytes that are not UTF-8, unreadable)."""
    from .parser import decode_documents, editable_encoding
    from .safeio import ReadError

    try:
        raw = source.read(limit)
    except ReadError:
        return None
    if not editable_encoding(raw):
        return None
    decoded = decode_documents(raw)
    return decoded.text if not decoded.problems else None


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


@dataclass
class FileFix:
    """What `k8slint fix` did (or would do) to one file."""

    name: str
    path: str
    before: str  # the text as read (line breaks as LF)
    after: str
    fixes: list[str] = field(default_factory=list)  # what each applied fix did, in order
    raw: bytes = b""  # the file's bytes, and what fix writes (its BOM and line breaks kept)
    data: bytes = b""

    def diff(self) -> str:
        """A unified diff of the file's own bytes (CRLF, BOM and all), which `patch -p1` applies."""
        import difflib

        old, new = _lines(self.raw.decode("utf-8")), _lines(self.data.decode("utf-8"))
        name = self.name if " " not in self.name and '"' not in self.name else None
        head = [f"--- a/{name}\n", f"+++ b/{name}\n"] if name else [
            "--- " + _quoted(f"a/{self.name}") + "\n", "+++ " + _quoted(f"b/{self.name}") + "\n"]
        out = []
        for line in list(difflib.unified_diff(old, new, n=3))[2:]:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(head + out) if out else ""


def _lines(text: str) -> list[str]:
    """Lines as patch sees them: ending at LF (a CR-only file: at CR), each with its ending."""
    breaks = "\n" if "\n" in text or "\r" not in text else "\r"
    parts = text.split(breaks)
    lines = [part + breaks for part in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class FixRun:
    result: RunResult  # the lint of the fixed texts: what remains
    files: list[FileFix] = field(default_factory=list)  # files with fixes, by name
    problems: list[Notice] = field(default_factory=list)  # files left as they were, and why
    rounds: int = 0


def fix(paths: Sequence[str], settings: Settings, unsafe: bool = False,
        progress: Callable[[int], None] | None = None, inputs: Inputs | None = None,
        total: Callable[[int], None] | None = None) -> FixRun:
    """Lint, apply the fixes of the unsuppressed findings (safe ones; unsafe too with `unsafe`) to the
    texts in memory, lint again, until nothing is left to fix (at most fixes.MAX_ROUNDS rounds). Writes
    nothing: see `write_fixes`."""
    from .fixes import MAX_ROUNDS, apply

    texts: dict[str, str] = {}
    files: dict[str, FileFix] = {}
    problems: list[Notice] = []
    failed: set[str] = set()
    paths_by_name: dict[str, str] = {}
    result = RunResult()
    for rounds in range(1, MAX_ROUNDS + 2):
        result = lint(paths, settings, progress if rounds == 1 else None, inputs if rounds == 1 else None,
                      total if rounds == 1 else None, overrides=texts)
        if rounds == 1:
            paths_by_name = {name: path for name, (path, _) in result.fix_texts.items() if path is not None}
        pending: dict[str, list[Any]] = {}
        for finding in result.findings:
            fix_ = finding.fix
            name = finding.location.file
            if fix_ is None or finding.suppression is not None or name in failed or name not in paths_by_name:
                continue
            if fix_.safe or unsafe:
                pending.setdefault(name, []).append(fix_)
        if not pending or rounds > MAX_ROUNDS:
            if pending:
                what = f"{MAX_ROUNDS} round" + ("s" if MAX_ROUNDS != 1 else "")
                problems += [Notice(name, f"fixes still pending after {what}: run k8slint fix again", False)
                             for name in pending]
            return FixRun(result, _encoded(files, problems, settings.max_file_size), problems, rounds - 1)
        changed = False
        for name, fixes in pending.items():
            text = result.fix_texts[name][1]
            applied = apply(text, fixes)
            if applied.error is not None:
                failed.add(name)
                problems.append(Notice(name, f"not fixed: {applied.error} (the file is left as it was)", True))
                files.pop(name, None)
                texts.pop(name, None)
                continue
            if not applied.fixes:
                continue
            changed = True
            entry = files.get(name)
            if entry is None:
                entry = files[name] = FileFix(name, paths_by_name[name], text, text)
            entry.after = texts[name] = applied.text
            entry.fixes += [f.description for f in applied.fixes]
        if not changed:
            return FixRun(result, _encoded(files, problems, settings.max_file_size), problems, rounds)
    raise AssertionError("unreachable")


def _encoded(files: dict[str, FileFix], problems: list[Notice], limit: int) -> list[FileFix]:
    """The fixed files with the bytes to write: each file's BOM and line breaks kept. A file with
    mixed line breaks, or that changed since it was read, is left out with an error."""
    from .safeio import ReadError, read_file

    out = []
    for name in sorted(files):
        entry = files[name]
        try:
            entry.raw = read_file(entry.path, limit)
        except ReadError as exc:
            problems.append(Notice(name, f"not fixed: {exc.message}", True))
            continue
        data = encode_like(entry.raw, entry.before, entry.after)
        if data is None:
            problems.append(Notice(name, "not fixed: it changed since k8slint read it, or mixes LF and CRLF line "
                                         "breaks (make them uniform first)", True))
            continue
        entry.data = data
        out.append(entry)
    return out


def write_fixes(run: FixRun) -> list[str]:
    """Write each fixed file (its BOM and line breaks kept); the names written. A file that cannot be
    written keeps its content and gets an error notice in `run.problems`."""
    from .safeio import WriteRefused, replace_file

    written = []
    for entry in run.files:
        try:
            replace_file(entry.path, entry.raw, entry.data)
        except WriteRefused as exc:
            run.problems.append(Notice(entry.name, f"not fixed: {exc}", True))
            continue
        written.append(entry.name)
    return written


def encode_like(raw: bytes, before: str, after: str) -> bytes | None:
    """`after` as bytes the way `raw` (whose text is `before`) is written: its BOM, its line breaks
    (LF, CRLF or CR, when one kind is used throughout). None when `raw` is not `before`."""
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = raw[len(bom):].decode("utf-8")
    except UnicodeDecodeError:
        return None
    crlf, cr = text.count("\r\n"), text.count("\r")
    lf = text.count("\n")
    if crlf and crlf == cr == lf:
        newline = "\r\n"
    elif not cr:
        newline = "\n"
    elif not lf:
        newline = "\r"
    else:
        return None
    if text.replace(newline, "\n") != before:
        return None
    return bom + after.replace("\n", newline).encode("utf-8")
