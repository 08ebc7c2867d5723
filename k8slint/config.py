"""`.k8slint.yaml`: found from the current directory upward (or --config), validated with positions.

A problem in the file is a ConfigError naming file:line:column and, for unknown keys and rule
ids, the closest valid name. Paths and globs in the file are relative to its directory.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import field
from typing import Any

from .data import load_schema
from .parser import Document
from .policies import PolicyError, load_rule_dirs, read_document, schema_errors
from .records import dataclass

NAMES = (".k8slint.yaml", ".k8slint.yml")


class ConfigError(Exception):
    pass


@dataclass
class RuleConfig:
    severity: str | None = None  # "off", "error", "warning", "info" or None (keep)
    params: dict[str, Any] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)


@dataclass
class Config:
    path: str | None = None
    rules: dict[str, RuleConfig] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # kube-version, namespace, strict, fail-on, ...

    @property
    def base(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()

    def resolve(self, path: str) -> str:
        """A path from the file, relative to the file's directory (kept relative to cwd when possible)."""
        full = path if os.path.isabs(path) else os.path.join(self.base, path)
        rel = os.path.relpath(full)
        return full if rel.startswith("..") and os.path.isabs(path) else rel

    def matcher(self, globs: list[str]) -> Callable[[str], bool]:
        return glob_matcher(globs, self.base)


def find(start: str | None = None) -> str | None:
    directory = os.path.abspath(start or os.getcwd())
    while True:
        for name in NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def glob_matcher(globs: list[str], base: str) -> Callable[[str], bool]:
    """Gitignore-like globs: `*` and `?` within a path segment, `**` for any number of segments; a
    pattern without `/` matches at any depth; a pattern matches a directory and everything under it.
    Paths are taken relative to `base`.

    Matching is segment by segment without regular expressions, so no glob and no file name can make
    it backtrack exponentially (a committed `.k8slint.yaml` and its file names are attacker-controlled).
    """
    compiled = [_compile_glob(g) for g in globs]

    def match(path: str) -> bool:
        rel = os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        return any(_match_segments(segments, parts, directory) for segments, directory in compiled)

    return match


def _compile_glob(glob: str) -> tuple[list[str], bool]:
    """(segments, directory-only) of a glob; `**` segments stand for any number of path segments."""
    glob = glob.strip()
    glob = glob[2:] if glob.startswith("./") else glob
    directory = glob.endswith("/")
    body = glob.strip("/")
    segments = [s for s in body.split("/") if s]
    if "/" not in body:
        segments = ["**", *segments]  # no slash: at any depth
    return segments, directory


def _match_segments(glob: list[str], parts: list[str], directory: bool) -> bool:
    """Whether the glob matches `parts` or a leading part of it (a directory and what is under it).

    Dynamic programming over (glob segment, path segment): O(len(glob) * len(parts)) segment matches.
    """
    n, m = len(glob), len(parts)
    # reach[j]: glob[:i] matches parts[:j]
    reach = [True] + [False] * m
    for i in range(n):
        segment = glob[i]
        nxt = [False] * (m + 1)
        if segment == "**":
            seen = False
            for j in range(m + 1):
                seen = seen or reach[j]
                nxt[j] = seen
        else:
            for j in range(m):
                if reach[j] and _match_name(segment, parts[j]):
                    nxt[j + 1] = True
        reach = nxt
    if directory:  # `dir/` matches only something under that directory
        return any(reach[:m])
    return any(reach)  # the path itself, or a file under a matched directory


def _match_name(pattern: str, name: str) -> bool:
    """fnmatch-style `*` and `?` within one name, greedy with one backtrack point: O(len * len)."""
    p = n = 0
    star = -1
    mark = 0
    while n < len(name):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == name[n]) and pattern[p] != "*":
            p += 1
            n += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, n
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            n = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def load(path: str | None, start: str | None = None) -> Config:
    """The configuration in effect: `path`, or the file found upward from `start`, or defaults."""
    path = path or find(start)
    if path is None:
        return Config()
    try:
        doc = read_document(path)
    except PolicyError as exc:
        raise ConfigError(str(exc)) from exc
    if doc.data is None:
        return Config(path)
    _off_is_false(doc.data)
    errors = schema_errors(doc, load_schema("config.schema.json"))
    if errors:
        first = errors[0]
        message = first.message.replace("unknown field", "unknown key").replace(" at the top level", "")
        raise ConfigError(f"{first.file}:{first.line}:{first.column}: {message}")
    data: dict[str, Any] = doc.data
    config = Config(path, exclude=list(data.get("exclude", [])))
    config.values = {k: v for k, v in data.items() if k not in ("rules", "exclude")}
    if "rule-dirs" in data:
        try:
            load_rule_dirs([config.resolve(d) for d in data["rule-dirs"]])
        except PolicyError as exc:
            raise ConfigError(str(exc)) from exc
    from .catalog import load as load_catalog

    registry = load_catalog()
    for rule_id, setting in (data.get("rules") or {}).items():
        if rule_id not in registry:
            line, col = doc.locate(("rules", rule_id))
            close = difflib.get_close_matches(rule_id, [r.id for r in registry], n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else "; `k8slint rules` lists them"
            raise ConfigError(f"{path}:{line}:{col}: unknown rule \"{rule_id}\"{hint}")
        rc = RuleConfig(severity=setting) if isinstance(setting, str) else RuleConfig(
            setting.get("severity"), dict(setting.get("params") or {}), list(setting.get("exclude") or []))
        if rc.params:
            _check_params(doc, path, rule_id, rc.params, registry[rule_id].params_schema)
        config.rules[rule_id] = rc
    return config


def _off_is_false(data: Any) -> None:
    """`off` unquoted is the YAML 1.1 boolean false, which is how we read YAML: accept it as "off"."""
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, dict):
        return
    for rule_id, setting in rules.items():
        if setting is False:
            rules[rule_id] = "off"
        elif isinstance(setting, dict) and setting.get("severity") is False:
            setting["severity"] = "off"


def _check_params(doc: Document, path: str, rule_id: str, params: dict[str, Any], schema: Any) -> None:
    from .validation import py_validator, translate

    where = ("rules", rule_id, "params")
    if schema is None:
        line, col = doc.locate(where)
        raise ConfigError(f"{path}:{line}:{col}: rule \"{rule_id}\" takes no params")
    for error in py_validator(schema, formats=False).iter_errors(params):
        for item in translate(error):
            line, col = doc.locate((*where, *item.path))
            raise ConfigError(f"{path}:{line}:{col}: params of {rule_id}: {item.message}")
