"""Render Helm charts offline: in-process with the `helm-python-sdk` package (the `k8slint[helm]`
extra), else with a `helm` binary on PATH, else not at all (one notice per chart).

Each chart renders once per value set (its `values.yaml`, then `--helm-values` files and `--helm-set`
expressions, or the sets of the `helm.charts` configuration). Rendering happens in the main process
(the SDK runs a Go runtime, which must not be forked), never touches the network (dependencies must
be vendored in `charts/`), and loads a fresh chart handle per render (the SDK's `render` mutates a
loaded chart).

To know which template line produced each rendered line, the chart is also rendered from a copy in
a temporary folder whose literal YAML lines carry a `#@k8slint:L<n>` comment (Helm keeps comments);
a template whose marked render parses to different objects falls back to the structural search of
`helmmap`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import field
from functools import cache
from typing import Any

from ..discovery import Chart, Notice, Source, display_path
from ..findings import Finding, Location
from ..parser import decode, parse
from ..records import dataclass
from ..registry import REGISTRY
from ..settings import Settings, ValueSet
from . import Unit
from .gotemplate import analyse

MARKER = re.compile(r" #@k8slint:L(\d+)$")
_POSITION = re.compile(r"\(?(?P<file>[^\s():]+/[^\s():]+?\.[A-Za-z0-9]+):(?P<line>\d+)(?::(?P<col>\d+))?\)?")
_SCHEMA_AT = re.compile(r"at '(?P<pointer>/[^']*)'[:,]? *(?P<message>.*)")
_MISSING_DEPENDENCY = re.compile(r"found in Chart\.yaml, but missing in charts/ directory: (?P<names>.+)")


class HelmFailure(Exception):
    """A chart that does not render; `kind` is "render" (a template), "values" (values or schema)."""

    def __init__(self, message: str, kind: str = "render") -> None:
        super().__init__(message)
        self.message, self.kind = message, kind


# --- backends ---------------------------------------------------------------------------------------

class SdkBackend:
    """helm-python-sdk: Helm's Go SDK loaded in-process."""

    sets_capabilities = False

    def __init__(self, module: Any) -> None:
        self.helm = module
        try:
            module.disable_logging()
        except Exception:  # older releases: Go's warnings go to stderr, harmless
            pass
        self.label = f"helm-python-sdk (Helm {module.helm_sdk_version()})"

    def missing_dependencies(self, chart_dir: str) -> list[str]:
        try:
            entries = self.helm.dependency_list(chart_dir)
        except Exception:
            return []
        return [str(e.get("name")) for e in entries if e.get("status") not in ("ok", "unpacked")]

    def render(self, chart_dir: str, value_set: ValueSet, release: str, namespace: str,
               kube_version: str | None) -> dict[str, str]:
        helm = self.helm
        values: dict[str, Any] = {}
        try:
            for path in value_set.values:
                text, problem = decode(open(path, "rb").read())  # noqa: SIM115
                if text is None:
                    raise HelmFailure(f"{display_path(path)}: {problem.message if problem else 'not text'}", "values")
                merge_values(values, helm.values_from_yaml(text))
            for expression in value_set.set:
                merge_values(values, helm.parse_set_string(expression))
            for expression in value_set.set_string:
                merge_values(values, helm.parse_set_string_values(expression))
            with helm.Chart.load(chart_dir) as chart:
                return dict(chart.render(values, name=release, namespace=namespace, is_install=True))
        except HelmFailure:
            raise
        except OSError as exc:
            raise HelmFailure(f"cannot read {exc.filename}: {exc.strerror}", "values") from exc
        except Exception as exc:
            kind = "values" if type(exc).__name__ in ("HelmValuesError", "HelmChartLoadError") else "render"
            raise HelmFailure(str(exc).strip(), kind) from exc


class BinaryBackend:
    """A `helm` executable (v3 or v4): `helm template`, output split at its `# Source:` lines."""

    sets_capabilities = True

    def __init__(self, path: str) -> None:
        self.path = path
        version = _run([path, "version", "--short"]).strip() or "unknown version"
        self.label = f"helm {version} ({path})"

    def missing_dependencies(self, chart_dir: str) -> list[str]:
        return []  # `helm template` refuses the chart itself, with the names (see render_chart)

    def render(self, chart_dir: str, value_set: ValueSet, release: str, namespace: str,
               kube_version: str | None) -> dict[str, str]:
        args = [self.path, "template", release, chart_dir, "--namespace", namespace]
        for path in value_set.values:
            args += ["--values", path]
        for expression in value_set.set:
            args += ["--set", expression]
        for expression in value_set.set_string:
            args += ["--set-string", expression]
        if kube_version:
            args += ["--kube-version", f"v{kube_version}.0"]
            for api_version in api_versions(kube_version):
                args += ["--api-versions", api_version]
        proc = subprocess.run(args, capture_output=True, timeout=300, env=_offline_env())
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip().removeprefix("Error: ")
            kind = "values" if "values don't meet" in message or "values.yaml" in message else "render"
            raise HelmFailure(message, kind)
        return split_sources(proc.stdout.decode("utf-8", "replace"))


def _offline_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"HELM_NO_PLUGINS": "1", "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"})
    return env


def _run(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, timeout=60).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return ""


_SOURCE_LINE = re.compile(r"^# Source: (.+)$", re.M)


def split_sources(stream: str) -> dict[str, str]:
    """`helm template` output -> {template key: its documents}, split at `# Source:` comments."""
    out: dict[str, str] = {}
    for document in re.split(r"(?m)^---[ \t]*$", stream):
        match = _SOURCE_LINE.search(document)
        if match is None:
            continue
        key = match.group(1).strip()
        body = document[match.end():].lstrip("\n")
        out[key] = (out[key] + "---\n" + body) if key in out else body
    return out


@cache
def api_versions(kube_version: str) -> tuple[str, ...]:
    """`group/version` and `group/version/Kind` of every built-in kind of a Kubernetes version, for
    `helm template --api-versions` (so that `.Capabilities.APIVersions.Has` answers as a cluster of
    that version would)."""
    from ..validation import _api

    found: set[str] = set()
    for api_version, kind in _api(kube_version).gvks:
        found.add(api_version)
        found.add(f"{api_version}/{kind}")
    return tuple(sorted(found))


_BACKEND: list[Any] = []


def backend() -> SdkBackend | BinaryBackend | None:
    """The renderer to use, found once: the SDK, else a helm binary on PATH, else None."""
    if not _BACKEND:
        found: SdkBackend | BinaryBackend | None = None
        if os.environ.get("K8SLINT_NO_HELM_SDK") != "1":
            try:
                import helm_python

                found = SdkBackend(helm_python)
            except Exception:  # not installed, or its library cannot load on this platform
                found = None
        if found is None:
            binary = shutil.which("helm")
            if binary is not None:
                found = BinaryBackend(binary)
        _BACKEND.append(found)
    return _BACKEND[0]  # type: ignore[no-any-return]


def merge_values(base: dict[str, Any], overlay: dict[str, Any]) -> None:
    """Helm's merge of a values source over the previous ones: mappings merge, anything else wins."""
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_values(base[key], value)
        else:
            base[key] = value


# --- charts on disk -----------------------------------------------------------------------------------

@dataclass
class ChartFiles:
    """A chart's directory, its subcharts (directories or archives), and every template's text."""

    root: str  # the chart directory as found
    name: str  # `name` in Chart.yaml: the prefix of rendered template keys
    library: bool
    subcharts: dict[str, ChartFiles] = field(default_factory=dict)  # name -> chart
    archive: str | None = None  # for a subchart packed as .tgz: the archive path
    texts: dict[str, str] = field(default_factory=dict)  # path relative to the chart -> text (archives)

    def template_text(self, rel: str) -> str | None:
        if self.archive is not None:
            return self.texts.get(rel)
        try:
            text, _ = decode(open(os.path.join(self.root, rel), "rb").read())  # noqa: SIM115
        except OSError:
            return None
        return text

    def display(self, rel: str) -> str:
        if self.archive is not None:
            return f"{self.archive}/{self.name}/{rel}"
        return os.path.join(self.root, rel)

    def all_templates(self) -> list[tuple[ChartFiles, str]]:
        """(chart, relative path) of every template and helper of this chart and its subcharts."""
        out: list[tuple[ChartFiles, str]] = []
        if self.archive is not None:
            out += [(self, rel) for rel in sorted(self.texts) if rel.startswith("templates/")]
        else:
            for folder, _, files in os.walk(os.path.join(self.root, "templates")):
                for file in sorted(files):
                    out.append((self, os.path.relpath(os.path.join(folder, file), self.root)))
        for sub in self.subcharts.values():
            out += sub.all_templates()
        return out


def _chart_meta(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    result = parse(text, "Chart.yaml")
    data = result.documents[0].data if result.documents else None
    return data if isinstance(data, dict) else {}


def load_chart(directory: str) -> ChartFiles:
    text, _ = decode(open(os.path.join(directory, "Chart.yaml"), "rb").read())  # noqa: SIM115
    meta = _chart_meta(text)
    chart = ChartFiles(directory, str(meta.get("name") or os.path.basename(directory)), meta.get("type") == "library")
    charts_dir = os.path.join(directory, "charts")
    if os.path.isdir(charts_dir):
        for entry in sorted(os.listdir(charts_dir)):
            path = os.path.join(charts_dir, entry)
            if os.path.isfile(os.path.join(path, "Chart.yaml")):
                sub = load_chart(path)
                chart.subcharts[sub.name] = sub
            elif entry.endswith((".tgz", ".tar.gz")) and os.path.isfile(path):
                archived = _load_archive(path)
                if archived is not None:
                    chart.subcharts[archived.name] = archived
    return chart


def _load_archive(path: str) -> ChartFiles | None:
    texts: dict[str, str] = {}
    try:
        with tarfile.open(path) as archive:
            for member in archive.getmembers()[:5000]:
                if not member.isfile() or member.size > 4 * 1024 * 1024:
                    continue
                parts = member.name.split("/", 1)
                if len(parts) != 2 or "/charts/" in f"/{parts[1]}":
                    continue
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                text, _ = decode(handle.read())
                if text is not None:
                    texts[parts[1]] = text
    except (OSError, tarfile.TarError):
        return None
    meta = _chart_meta(texts.get("Chart.yaml"))
    if not meta:
        return None
    return ChartFiles(path, str(meta.get("name")), meta.get("type") == "library", archive=path, texts=texts)


def resolve_key(chart: ChartFiles, key: str) -> tuple[ChartFiles, str] | None:
    """A rendered template key (`web/charts/cache/templates/x.yaml`) -> (chart, relative path)."""
    parts = key.split("/")
    if not parts or parts[0] != chart.name:
        return None
    current = chart
    rest = parts[1:]
    while len(rest) >= 2 and rest[0] == "charts":
        sub = current.subcharts.get(rest[1])
        if sub is None:
            return None
        current, rest = sub, rest[2:]
    return current, "/".join(rest)


# --- markers --------------------------------------------------------------------------------------------

_MULTILINE_OUTPUT = re.compile(r"\b(?:nindent|indent|toYaml|toJson|include|tpl|template)\b")


def mark(text: str) -> str:
    """The template with ` #@k8slint:L<n>` after every literal YAML line that can carry a comment."""
    template = analyse(text)
    out = []
    for line in template.lines:
        raw = line.text
        if _markable(line, raw):
            raw = f"{raw} #@k8slint:L{line.number}"
        out.append(raw)
    return "\n".join(out)


def _markable(line: Any, raw: str) -> bool:
    if line.kind != "yaml" or line.define is not None or line.in_action:
        return False
    if raw.rstrip().endswith(("\\", ",", "[", "{")):
        return False
    if "{{" in raw and ("}}" not in raw[raw.rfind("{{"):] or _MULTILINE_OUTPUT.search(raw)):
        return False
    literal = re.sub(r"\{\{.*?\}\}", "", raw)
    if literal.count('"') % 2 or literal.count("'") % 2:
        return False
    return literal.count("[") == literal.count("]") and literal.count("{") == literal.count("}")


def marked_copy(chart: ChartFiles, folder: str) -> str:
    """Copy the chart into `folder` with markers in every template of it and its unpacked subcharts."""
    target = os.path.join(folder, os.path.basename(os.path.abspath(chart.root)) or "chart")
    shutil.copytree(chart.root, target, symlinks=True)
    for templates_dir in _template_dirs(target):
        for path_dir, _, files in os.walk(templates_dir):
            for file in files:
                if file.startswith("_") or file == "NOTES.txt":
                    continue
                path = os.path.join(path_dir, file)
                if os.path.islink(path):
                    continue
                try:
                    text, _ = decode(open(path, "rb").read())  # noqa: SIM115
                except OSError:
                    continue
                if text is not None:
                    with open(path, "w", encoding="utf-8") as handle:
                        handle.write(mark(text))
    return target


def _template_dirs(chart_dir: str) -> list[str]:
    out = [os.path.join(chart_dir, "templates")]
    charts = os.path.join(chart_dir, "charts")
    if os.path.isdir(charts):
        for entry in os.listdir(charts):
            if os.path.isfile(os.path.join(charts, entry, "Chart.yaml")):
                out += _template_dirs(os.path.join(charts, entry))
    return out


def _comparable(text: str) -> Any:
    """The objects of a rendered template, minus what changes at every render (random Secret data,
    checksum annotations)."""
    result = parse(text, "x")
    out = []
    for doc in result.documents:
        data = doc.data
        if isinstance(data, dict):
            data = json.loads(json.dumps(data, default=str))
            if data.get("kind") == "Secret":
                data.pop("data", None)
                data.pop("stringData", None)
            for meta in (data.get("metadata"), ((data.get("spec") or {}).get("template") or {}).get("metadata")
                         if isinstance(data.get("spec"), dict) else None):
                if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
                    meta["annotations"] = {k: v for k, v in meta["annotations"].items()
                                           if not str(k).startswith("checksum/")}
        out.append(data)
    return out, len(result.problems)


# --- units ------------------------------------------------------------------------------------------------

def chart_units(chart: Chart, settings: Settings, renderer: SdkBackend | BinaryBackend) -> list[Unit]:
    """One unit per value set of the chart (rendered, or holding the problem that stopped it)."""
    from .helmmap import ChartContext, TemplateMapper

    files = load_chart(chart.path)
    if files.library:
        return []
    namespace = settings.helm.namespace or settings.namespace
    sets = settings.helm.value_sets(chart.path)
    context = ChartContext(files, os.path.join(chart.path, "values.yaml"))
    units = []
    for value_set in sets:
        single = len(sets) == 1 and value_set.name == "default"
        label = f"chart {chart.path}" + ("" if single else f" (values: {value_set.name})")
        tag = "[rendered]" if single else f"[rendered, values: {value_set.name}]"
        unit = Unit(label, "helm", only=chart.only if chart.only else None, namespace=namespace)
        start = time.perf_counter()
        missing = renderer.missing_dependencies(chart.path)
        if missing:
            unit.findings += _dependency_findings(chart.path, missing)
            units.append(unit)
            continue
        try:
            rendered = renderer.render(chart.path, value_set, settings.helm.release, namespace, settings.kube_version)
        except HelmFailure as failure:
            unit.findings += failure_findings(failure, files, value_set)
            unit.seconds = time.perf_counter() - start
            units.append(unit)
            continue
        marked: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="k8slint-helm-") as folder:
            try:
                copy = marked_copy(files, folder)
                marked = renderer.render(copy, value_set, settings.helm.release, namespace, settings.kube_version)
            except (HelmFailure, OSError, shutil.Error):
                marked = {}
        unit.seconds = time.perf_counter() - start
        for key in sorted(rendered):
            text = rendered[key]
            if key.endswith("NOTES.txt") or not text.strip():
                continue
            located = resolve_key(files, key)
            if located is None:
                continue
            owner, rel = located
            source_file = owner.display(rel)
            mark_text = marked.get(key)
            use_marked = mark_text is not None and _comparable(mark_text) == _comparable(text)
            lint_text = mark_text if use_marked and mark_text is not None else text
            name = f"{source_file} {tag}"
            source = Source(name, None, lint_text, unit.name)
            unit.sources.append(source)
            unit.mappers[name] = TemplateMapper(context, owner, rel, lint_text, use_marked, value_set,
                                                not renderer.sets_capabilities)
            unit.files[source_file] = unit.files.get(source_file, 0)
            unit.origins[name] = source_file
        units.append(unit)
    return units


def _finding(rule_id: str, message: str, file: str, line: int, column: int) -> Finding:
    rule = REGISTRY[rule_id]
    return Finding(rule.id, rule.severity, message, Location(file, line, column), remediation=rule.remediation)


def _dependency_findings(chart_dir: str, missing: list[str]) -> list[Finding]:
    chart_file = os.path.join(chart_dir, "Chart.yaml")
    text, _ = decode(open(chart_file, "rb").read())  # noqa: SIM115
    docs = parse(text or "", chart_file).documents
    out = []
    for name in missing:
        line, col = 1, 1
        if docs:
            deps = docs[0].data.get("dependencies") if isinstance(docs[0].data, dict) else None
            for i, dep in enumerate(deps if isinstance(deps, list) else []):
                if isinstance(dep, dict) and dep.get("name") == name:
                    line, col = docs[0].locate(("dependencies", i, "name"))
        out.append(_finding("helm-render-error", (
            f'dependency "{name}" is not in {display_path(os.path.join(chart_dir, "charts"))}/: run `helm dependency '
            "build` first (k8slint never downloads charts); the chart was not rendered"), chart_file, line, col))
    return out


def failure_findings(failure: HelmFailure, chart: ChartFiles, value_set: ValueSet) -> list[Finding]:
    """A render or values failure as findings at the template or values line it names."""
    message = failure.message
    missing = _MISSING_DEPENDENCY.search(message)
    if missing:
        return _dependency_findings(chart.root, [n.strip() for n in missing.group("names").split(",")])
    schema = [m for m in _SCHEMA_AT.finditer(message)]
    if failure.kind == "values" and schema:
        out = []
        for match in schema:
            pointer = [p.replace("~1", "/").replace("~0", "~") for p in match.group("pointer").split("/")[1:]]
            file, line, col = locate_value(chart, value_set, tuple(pointer))
            out.append(_finding("helm-values-invalid", (
                f"values do not meet the chart's values.schema.json: {'.'.join(pointer)}: {match.group('message')}"
                .rstrip()), file, line, col))
        return out
    position = _POSITION.search(message)
    if position is not None:
        located = resolve_key(chart, position.group("file"))
        if located is not None:
            owner, rel = located
            file = owner.display(rel)
            text = message.split("): ", 1)[-1] if "): " in message else message
            return [_finding("helm-render-error", f"the chart does not render: {text}", file,
                             int(position.group("line")), int(position.group("col") or 1))]
    rule = "helm-values-invalid" if failure.kind == "values" else "helm-render-error"
    return [_finding(rule, f"the chart does not render: {message}", os.path.join(chart.root, "Chart.yaml"), 1, 1)]


def locate_value(chart: ChartFiles, value_set: ValueSet, path: tuple[str | int, ...]) -> tuple[str, int, int]:
    """Where a values path is set: the last values file (of the set, then the chart's) defining it."""
    candidates = [*reversed(value_set.values), os.path.join(chart.root, "values.yaml")]
    for file in candidates:
        found = value_position(file, path)
        if found is not None:
            return file, found[0], found[1]
    return os.path.join(chart.root, "values.yaml"), 1, 1


@cache
def _values_document(file: str) -> Any:
    try:
        text, _ = decode(open(file, "rb").read())  # noqa: SIM115
    except OSError:
        return None
    docs = parse(text or "", file).documents
    return docs[0] if docs else None


def value_position(file: str, path: tuple[str | int, ...]) -> tuple[int, int] | None:
    """(line, column) of `path` in a values file when the whole path exists there."""
    doc = _values_document(file)
    if doc is None:
        return None
    data = doc.data
    for elem in path:
        if isinstance(data, dict) and elem in data:
            data = data[elem]
        elif isinstance(data, list) and isinstance(elem, int) and 0 <= elem < len(data):
            data = data[elem]
        elif isinstance(data, list) and isinstance(elem, str) and elem.isdigit() and int(elem) < len(data):
            data = data[int(elem)]
        else:
            return None
    return doc.locate(tuple(int(e) if isinstance(e, str) and e.isdigit() else e for e in path))


def chart_notice(chart: Chart, render: bool = True) -> Notice:
    if not render:
        return Notice(chart.path, "Helm chart not rendered (rendering is off); its templates are not linted", False)
    return Notice(chart.path, "Helm chart not rendered: install the helm extra (pip install 'k8slint[helm]') "
                  "or put helm on PATH; its templates are not linted", False)
