"""Policies as data: YAML rule packs (schemas/policy.schema.json) turned into registered rules.

A policy's body is a JSON Schema that its target (the object, the pod spec, or each container)
must satisfy, or `uses:` a parameterised code template (k8slint/checks/templates.py). Packs are
data: loading one never executes anything, and a broken pack is reported at file:line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from .checks.templates import TEMPLATES
from .data import load_schema
from .findings import Path, Severity, Violation
from .model import WORKLOAD_KINDS, K8sObject
from .parser import Document, decode, parse
from .registry import REGISTRY, Check, Context, Registry, Rule


class PolicyError(Exception):
    """A rule pack that cannot be loaded; str() is `file:line:col: message`."""

    def __init__(self, file: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file, self.line, self.column, self.message = file, line, column, message


def read_document(path: str) -> Document:
    """Parse a YAML file of ours (config, policy pack); problems are PolicyErrors with positions."""
    try:
        raw = FsPath(path).read_bytes()
    except OSError as exc:
        raise PolicyError(path, 1, 1, f"cannot read: {exc.strerror}") from exc
    text, problem = decode(raw)
    if text is None:
        assert problem is not None
        raise PolicyError(path, problem.line, problem.column, problem.message)
    result = parse(text, path)
    if result.problems:
        first = result.problems[0]
        raise PolicyError(path, first.line, first.column, first.message)
    if len(result.documents) != 1:
        raise PolicyError(path, 1, 1, f"expected one YAML document, found {len(result.documents)}")
    return result.documents[0]


def schema_errors(doc: Document, schema: dict[str, Any]) -> list[PolicyError]:
    """Validate a parsed document against one of our JSON Schemas; errors located in the file."""
    from jsonschema import Draft202012Validator

    from .validation import translate

    out = []
    for error in Draft202012Validator(schema).iter_errors(doc.data):
        if error.validator == "oneOf" and error.absolute_path and error.absolute_path[-1] != "uses":
            message = "a rule needs either `schema` or `uses` (not both)"
            line, col = doc.locate(tuple(error.absolute_path))
            out.append(PolicyError(doc.source, line, col, message))
            continue
        for item in translate(error):
            line, col = doc.locate(item.path)
            out.append(PolicyError(doc.source, line, col, item.message))
    return sorted(out, key=lambda e: (e.line, e.column))


@dataclass
class _SchemaPolicy:
    """The check of a schema policy: validate each target and turn errors into violations."""

    rule_id: str
    target: str
    validator: Any
    message: str | None

    def __call__(self, obj: K8sObject, ctx: Context) -> Iterator[Violation]:
        from .validation import translate

        for prefix, data, name in self._targets(obj):
            seen = set()
            for error in self.validator.iter_errors(data):
                for item in translate(error):
                    path = (*prefix, *item.path)
                    if path in seen:
                        continue
                    seen.add(path)
                    yield Violation(path, self._message(obj, name, item.path, error, item.message))

    def _targets(self, obj: K8sObject) -> Iterator[tuple[Path, Any, str]]:
        if self.target == "object":
            yield (), obj.data, obj.name
        elif self.target == "podSpec":
            spec = obj.pod_spec()
            if spec is not None and obj.pod_spec_path is not None:
                yield obj.pod_spec_path, spec, obj.name
        else:
            for container in obj.containers():
                yield container.path, container.data, container.name

    def _message(self, obj: K8sObject, name: str, path: Path, error: Any, fallback: str) -> str:
        noun = {"container": "the container", "podSpec": "the pod spec"}.get(self.target)
        if noun and fallback.startswith("the object"):
            fallback = noun + fallback[len("the object"):]
        if not self.message:
            return fallback
        from .findings import render_path

        value = error.instance
        shown = value if isinstance(value, (str, int, float, bool)) else type(value).__name__
        try:
            return self.message.format(name=name, kind=obj.kind, path=render_path(path), value=shown,
                                       error=fallback)
        except (KeyError, IndexError, ValueError):
            return f"{self.message} ({fallback})"


def _kinds(entry: dict[str, Any], target: str) -> frozenset[str] | None:
    kinds = entry.get("kinds")
    if not kinds:
        return None if target == "object" else frozenset(WORKLOAD_KINDS)
    out: set[str] = set()
    for kind in kinds:
        out |= WORKLOAD_KINDS if kind == "workloads" else {kind}
    return frozenset(out)


def load_pack(path: str, registry: Registry = REGISTRY, validate: bool = True) -> list[Rule]:
    """Validate a rule pack and register its rules; raises PolicyError (file:line) on any problem.

    The built-in packs skip the validation against policy.schema.json at start-up (tests validate
    them); user packs are always validated.
    """
    from .validation import Validator

    doc = read_document(path)
    errors = schema_errors(doc, load_schema("policy.schema.json")) if validate else []
    if errors:
        raise errors[0]
    rules = []
    for i, entry in enumerate(doc.data["rules"]):
        where = ("rules", i)
        rule_id = entry["id"]
        if rule_id in registry or any(r.id == rule_id for r in rules):
            line, col = doc.locate((*where, "id"))
            raise PolicyError(path, line, col, f'rule id "{rule_id}" is already declared')
        target = entry.get("target", "object")
        check: Check
        params_schema = None
        if "schema" in entry:
            if validate:
                from jsonschema import Draft202012Validator
                from jsonschema.exceptions import SchemaError

                try:
                    Draft202012Validator.check_schema(entry["schema"])
                except SchemaError as exc:
                    line, col = doc.locate((*where, "schema", *exc.absolute_path))
                    raise PolicyError(path, line, col, f"invalid JSON Schema: {exc.message}") from exc
            check = _SchemaPolicy(rule_id, target, Validator(entry["schema"], formats=False), entry.get("message"))
        else:
            template = TEMPLATES[entry["uses"]]
            params = entry.get("params") or {}
            from .validation import translate

            errors = []
            if validate:
                from jsonschema import Draft202012Validator

                errors = list(Draft202012Validator(template.params_schema).iter_errors(params))
            for error in errors:
                for item in translate(error):
                    line, col = doc.locate((*where, "params", *item.path))
                    message = item.message.replace(" at the top level", "")
                    raise PolicyError(path, line, col, f"params of {entry['uses']}: {message}")
            params_schema = _with_defaults(template.params_schema, params)
            check = template.check
            target = template.target
        rule = Rule(
            rule_id, Severity(entry["severity"]), " ".join(entry["summary"].split()),
            " ".join(entry["why"].split()), " ".join(entry["remediation"].split()),
            _kinds(entry, target), check, entry.get("enabled", True), "",
            tuple(" ".join(e.split()) for e in entry.get("exemptions", ())), tuple(entry.get("tags", ())),
            params_schema, os.path.relpath(path) if os.path.isabs(path) else path,
        )
        rules.append(rule)
    for rule in rules:
        registry.add(rule)
    return rules


def _with_defaults(schema: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The template's params schema with the pack's values as defaults (config may override)."""
    props = {name: dict(spec) for name, spec in schema.get("properties", {}).items()}
    for name, value in params.items():
        props.setdefault(name, {})["default"] = value
    out = {**schema, "properties": props}
    out.pop("required", None)  # the pack supplied them
    return out


def pack_files(folder: str) -> list[str]:
    """The rule packs of a folder: every *.yaml / *.yml whose top level declares kind: RulePack."""
    if not os.path.isdir(folder):
        raise PolicyError(folder, 1, 1, "rule directory does not exist")
    out = []
    for name in sorted(os.listdir(folder)):
        if name.endswith((".yaml", ".yml")) and not name.startswith("."):
            out.append(os.path.join(folder, name))
    return out


_LOADED: set[str] = set()


def load_builtin_packs() -> None:
    """The packs shipped in rules/packs/ (idempotent)."""
    from .data import data_folder

    folder = str(data_folder() / "packs")
    if folder in _LOADED:
        return
    _LOADED.add(folder)
    for path in pack_files(folder):
        load_pack(path, validate=False)


def load_rule_dirs(folders: list[str]) -> list[Rule]:
    """User packs (`rule-dirs`); each folder is loaded once per process."""
    rules = []
    for folder in folders:
        real = os.path.realpath(folder)
        if real in _LOADED:
            continue
        for path in pack_files(folder):
            rules.extend(load_pack(path))
        _LOADED.add(real)
    return rules
