"""The settings of a run, from one place: defaults, then `.k8slint.yaml`, then the command line.

The CLI, the pre-commit hook and the GitHub Action (which call the CLI) and the library entry point
(`k8slint.api`) all lint with a `Settings`; `resolve` is the only code that merges configuration
sources, so an option behaves the same wherever it is given.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any

from .findings import Severity
from .podsecurity import Defaults
from .records import dataclass

DEFAULT_MAX_FILE_SIZE = 32 * 1024 * 1024
FAIL_ON = ("error", "warning", "info", "never")


class SettingsError(ValueError):
    """A value that cannot be used; str() names the option (or file:line) and what to do."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


@dataclass
class ValueSet:
    """One way to render a chart: values files and --set expressions (each set is its own render)."""

    name: str = "default"
    values: list[str] = field(default_factory=list)
    set: list[str] = field(default_factory=list)
    set_string: list[str] = field(default_factory=list)


@dataclass
class HelmSettings:
    release: str = "release-name"  # what `helm template` calls an unnamed release
    namespace: str | None = None  # None: the run's --namespace
    values: list[str] = field(default_factory=list)  # applied to every chart, after its values.yaml
    set: list[str] = field(default_factory=list)
    set_string: list[str] = field(default_factory=list)
    #: chart directory (absolute) -> its value sets, from the `helm.charts` section of the config
    charts: dict[str, list[ValueSet]] = field(default_factory=dict)

    def value_sets(self, chart_dir: str) -> list[ValueSet]:
        """The renders of a chart: the configured sets, each completed by the run-wide values."""
        sets = self.charts.get(os.path.realpath(chart_dir)) or [ValueSet()]
        return [ValueSet(s.name, [*s.values, *self.values], [*s.set, *self.set], [*s.set_string, *self.set_string])
                for s in sets]


@dataclass
class KustomizeSettings:
    allow_remote: bool = False  # build roots with remote bases or helmCharts (kustomize then fetches)


@dataclass
class Settings:
    namespace: str = "default"
    kube_version: str | None = None  # None: the newest bundled
    fail_on: str = "warning"
    strict: bool = True
    enabled: set[str] = field(default_factory=set)
    severities: dict[str, Severity] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule_excludes: dict[str, Callable[[str], bool]] = field(default_factory=dict)
    exclude: Callable[[str], bool] | None = None
    units: Callable[[str], bool] | None = None  # `units:` globs: folders (or files) that are units of their own
    units_base: str = "."  # the folder `units:` globs are relative to (the configuration file's)
    context: list[str] = field(default_factory=list)
    crd: list[str] = field(default_factory=list)
    nodes: int = 1
    replicas: str = "spec"
    closed_world: bool = False
    jobs: int = 1
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    baseline_path: str | None = None
    baseline: Counter[tuple[str, str, str, str]] | None = None
    follow_symlinks: bool = False
    fail_if_no_objects: bool = False
    render: bool = True  # render charts and overlays (False: report them as not rendered)
    stdin_filename: str | None = None
    helm: HelmSettings = field(default_factory=HelmSettings)
    kustomize: KustomizeSettings = field(default_factory=KustomizeSettings)
    config_path: str | None = None
    pod_security: Defaults = field(default_factory=Defaults)


def resolve(config: Any, given: Mapping[str, Any]) -> Settings:
    """Settings from a loaded `config.Config` and the options given on the command line (only the
    ones the user actually gave: everything else comes from the file, then from the defaults).

    `given` keys are the option names with `_` (`kube_version`, `helm_values`, ...); repeatable options
    are lists, added after the file's.
    """
    from .catalog import load
    from .engine import default_rule_ids

    registry = load()
    values: dict[str, Any] = config.values

    def pick(option: str, key: str, default: Any) -> Any:
        if option in given:
            return given[option]
        return values.get(key, default)

    s = Settings(config_path=config.path)
    s.namespace = pick("namespace", "namespace", s.namespace)
    s.fail_on = pick("fail_on", "fail-on", s.fail_on)
    s.strict = pick("strict", "strict", s.strict)
    s.nodes = pick("nodes", "nodes", s.nodes)
    s.replicas = pick("replicas", "replicas", s.replicas)
    s.closed_world = pick("closed_world", "closed-world", s.closed_world)
    s.follow_symlinks = pick("follow_symlinks", "follow-symlinks", s.follow_symlinks)
    s.fail_if_no_objects = pick("fail_if_no_objects", "fail-if-no-objects", s.fail_if_no_objects)
    s.render = pick("render", "render", s.render)
    s.stdin_filename = given.get("stdin_filename")
    s.jobs = given.get("jobs") or os.cpu_count() or 1
    s.max_file_size = parse_size(given.get("max_file_size", "32Mi"))
    kube_version = pick("kube_version", "kube-version", None)
    if kube_version is not None:
        from .validation import UnsupportedVersion, normalize_version

        try:
            s.kube_version = normalize_version(str(kube_version))
        except UnsupportedVersion as exc:
            raise SettingsError(str(exc), "--kube-version") from exc
    s.context = [*(config.resolve(p) for p in values.get("context", [])), *given.get("context", [])]
    s.crd = [*(config.resolve(p) for p in values.get("crd", [])), *given.get("crd", [])]
    if config.exclude:
        s.exclude = config.matcher(config.exclude)
    if values.get("units"):
        s.units, s.units_base = config.matcher(list(values["units"])), config.base

    enable, disable = split_ids(given.get("enable", [])), split_ids(given.get("disable", []))
    for option, ids in (("--enable", enable), ("--disable", disable)):
        for rule_id in ids:
            if rule_id not in registry:
                import difflib

                close = difflib.get_close_matches(rule_id, [r.id for r in registry], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else "; `k8slint rules` lists them"
                raise SettingsError(f"unknown rule {rule_id!r}{hint}", option)
    enabled = default_rule_ids()
    for rule_id, setting in config.rules.items():
        if setting.severity == "off":
            enabled.discard(rule_id)
        elif setting.severity is not None:
            enabled.add(rule_id)
            s.severities[rule_id] = Severity(setting.severity)
        if setting.params:
            s.params[rule_id] = setting.params
        if setting.exclude:
            s.rule_excludes[rule_id] = config.matcher(setting.exclude)
    enabled = (enabled | set(enable)) - set(disable)
    if not s.strict:
        enabled.discard("unknown-field")
    s.enabled = enabled

    s.baseline_path = given.get("baseline")
    if s.baseline_path:
        from . import baseline

        try:
            s.baseline = baseline.read(s.baseline_path)
        except baseline.BaselineError as exc:
            raise SettingsError(str(exc)) from exc

    helm = values.get("helm") or {}
    s.helm = HelmSettings(
        release=given.get("helm_release") or helm.get("release", HelmSettings.release),
        namespace=given.get("helm_namespace") or helm.get("namespace"),
        values=[*(config.resolve(p) for p in helm.get("values", [])), *given.get("helm_values", [])],
        set=[*_sets(helm.get("set")), *given.get("helm_set", [])],
        set_string=[*_sets(helm.get("set-string")), *given.get("helm_set_string", [])],
        charts={os.path.realpath(config.resolve(chart)): [
            ValueSet(str(entry.get("name", f"set{i + 1}")), [config.resolve(p) for p in entry.get("values", [])],
                     _sets(entry.get("set")), _sets(entry.get("set-string")))
            for i, entry in enumerate(entries or [{}])]
            for chart, entries in (helm.get("charts") or {}).items()},
    )
    s.pod_security = _pod_security(values.get("pod-security") or {}, given.get("pod_security"))
    kustomize = values.get("kustomize") or {}
    s.kustomize = KustomizeSettings(
        allow_remote=bool(given.get("kustomize_allow_remote", kustomize.get("allow-remote", False))))
    return s


def _pod_security(config: dict[str, Any], option: str | None) -> Defaults:
    """`pod-security:` of the config (validated by its schema), with --pod-security LEVEL[:VERSION] setting
    the enforce default."""
    from .podsecurity import Exemptions, LevelVersion, Policy, parse_level, parse_version

    modes: dict[str, LevelVersion] = {}
    for mode in ("enforce", "audit", "warn"):
        level = config.get(mode, "privileged")
        version, _ = parse_version(config.get(f"{mode}-version", "latest"))
        modes[mode] = LevelVersion(level, version)
    if option:
        level_text, _, version_text = option.partition(":")
        level, error = parse_level(level_text)
        version, version_error = parse_version(version_text or "latest")
        if error or version_error or level is None:
            raise SettingsError(f"{option!r}: give LEVEL or LEVEL:VERSION, LEVEL one of privileged, baseline, "
                                'restricted and VERSION "latest" or "v1.N"', "--pod-security")
        modes["enforce"] = LevelVersion(level, version)
    exempt = config.get("exempt") or {}
    return Defaults(Policy(modes["enforce"], modes["audit"], modes["warn"]), Exemptions(
        frozenset(exempt.get("namespaces", ())), frozenset(exempt.get("runtime-classes", ())),
        frozenset(exempt.get("usernames", ())), config.get("applied-by")))


def _sets(value: Any) -> list[str]:
    """`set:` in the config, as a mapping {key: value} or a list of KEY=VALUE strings."""
    if isinstance(value, dict):
        return [f"{k}={_scalar(v)}" for k, v in value.items()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


def split_ids(values: list[str] | tuple[str, ...]) -> list[str]:
    """`--disable a,b --disable c` -> [a, b, c]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


#: The largest --max-file-size accepted: files are read in chunks, but a limit beyond this is a typo.
MAX_SIZE_LIMIT = 1 << 40


def parse_size(text: str) -> int:
    from .quantity import parse_quantity

    value = parse_quantity(str(text).strip().removesuffix("B"))
    if value is None or value < 1:
        raise SettingsError(f"{text!r} is not a size (e.g. 32Mi, 100M, 1000000)", "--max-file-size")
    if value > MAX_SIZE_LIMIT:
        raise SettingsError(f"{text!r} is more than 1Ti; no manifest is that large", "--max-file-size")
    return int(value)
