"""Policies as data: YAML rule packs (schemas/policy.schema.json) turned into registered rules.

A policy's body is a JSON Schema that its target (the object, the pod spec, or each container)
must satisfy, or `uses:` a parameterised code template (k8slint/checks/templates.py). Packs are
data: loading one never executes anything, and a broken pack is reported at file:line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from string import Formatter
from typing import Any

from .checks.templates import TEMPLATES
from .data import load_schema
from .findings import Path, Severity, Violation, render_path
from .model import WORKLOAD_KINDS, K8sObject
from .parser import Document, decode, parse
from .records import dataclass
from .registry import REGISTRY, Check, Context, Registry, Rule
from .safeio import MAX_CONFIG_SIZE, ReadError, read_file
from .validation import Validator, py_validator, regex_problem, translate


class PolicyError(Exception):
    """A rule pack that cannot be loaded; str() is `file:line:col: message`."""

    def __init__(self, file: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{file}:{line}:{column}: {message}")
        self.file, self.line, self.column, self.message = file, line, column, message


def read_document(path: str) -> Document:
    """Parse a YAML file of ours (config, policy pack); problems are PolicyErrors with positions.

    Only regular files up to MAX_CONFIG_SIZE are read: a symbolic link to /dev/zero committed as a
    rule pack is an error, not an endless read."""
    try:
        raw = read_file(path, MAX_CONFIG_SIZE)
    except ReadError as exc:
        if exc.too_large is not None:
            raise PolicyError(path, 1, 1, f"larger than {MAX_CONFIG_SIZE // (1024 * 1024)} MiB ({exc.too_large:,} "
                              "bytes): not a k8slint configuration or rule pack") from exc
        raise PolicyError(path, 1, 1, exc.message) from exc
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
    out: list[PolicyError] = []
    for error in py_validator(schema, formats=False).iter_errors(doc.data):
        if error.validator == "oneOf" and error.absolute_path and error.absolute_path[-1] != "uses":
            message = "a rule needs either `schema` or `uses` (not both)"
            line, col = doc.locate(tuple(error.absolute_path))
            out.append(PolicyError(doc.source, line, col, message))
            continue
        for item in translate(error):
            line, col = doc.locate(item.path)
            out.append(PolicyError(doc.source, line, col, item.message))
    return sorted(out, key=lambda e: (e.line, e.column))


def _properties_only(schema: Any) -> tuple[str, ...] | None:
    """The keys of `properties` when the schema says nothing else (annotations aside), else None."""
    if (isinstance(schema, dict) and isinstance(schema.get("properties"), dict)
            and set(schema) <= {"properties", "title", "description", "$comment"}):
        return tuple(schema["properties"])
    return None


@dataclass
class _SchemaPolicy:
    """The check of a schema policy: validate each target and turn errors into violations."""

    rule_id: str
    target: str
    validator: Any
    message: str | None
    #: the keys the schema reads, when all it says is `properties`: a mapping holding none of them is valid
    #: without asking the validator (most pod specs set no hostNetwork, most containers no securityContext)
    reads: tuple[str, ...] | None = None

    def __call__(self, obj: K8sObject, ctx: Context) -> Iterator[Violation]:
        reads = self.reads
        for prefix, data, name in self._targets(obj):
            if reads is not None and isinstance(data, dict) and not any(key in data for key in reads):
                continue
            seen = set()
            for item, value in self.validator.explained_values(data):
                path = (*prefix, *item.path)
                if path in seen:
                    continue
                seen.add(path)
                yield Violation(path, self._message(obj, name, item.path, value, item.message))

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

    def _message(self, obj: K8sObject, name: str, path: Path, value: Any, fallback: str) -> str:
        noun = {"container": "the container", "podSpec": "the pod spec"}.get(self.target)
        if noun and fallback.startswith("the object"):
            fallback = noun + fallback[len("the object"):]
        if not self.message:
            return fallback
        shown = _short(value) if isinstance(value, (str, int, float, bool)) else type(value).__name__
        fields = {"name": _short(name), "kind": obj.kind, "path": render_path(path), "value": shown,
                  "error": fallback}
        return fill_template(self.message, fields)


#: The fields a policy message may name; nothing else is substituted (no attribute, index or format
#: spec: a template is data, and `{name.__class__}` or `{name:>1000000000}` must not work).
TEMPLATE_FIELDS = ("name", "kind", "path", "value", "error")
MAX_TEMPLATE_RESULT = 1000


def template_problem(template: str) -> str | None:
    """Why a message template is not acceptable (None when it is)."""
    try:
        pieces = list(Formatter().parse(template))
    except ValueError as exc:
        return f"message template is malformed ({exc}); write literal braces as {{{{ and }}}}"
    for _, field, spec, conversion in pieces:
        if field is None:
            continue
        if field not in TEMPLATE_FIELDS or spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            return (f"message template field {shown} is not allowed: use only "
                    + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS))
    return None


def fill_template(template: str, fields: dict[str, str]) -> str:
    """Substitute the named fields of a validated template (anything else stays as written)."""
    try:
        pieces = list(Formatter().parse(template))
    except ValueError:
        return template[:MAX_TEMPLATE_RESULT]
    out = []
    for literal, field, spec, conversion in pieces:
        out.append(literal)
        if field is not None:
            if field in fields and not spec and not conversion:
                out.append(str(fields[field]))
            else:
                out.append("{" + field + "}")
    text = "".join(out)
    return text if len(text) <= MAX_TEMPLATE_RESULT else text[: MAX_TEMPLATE_RESULT - 3] + "..."


def _short(value: object, limit: int = 200) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Keywords whose evaluation we cannot bound (they re-apply patterns through jsonschema internals).
_UNSUPPORTED_KEYWORDS = ("unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef")
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "dependentSchemas")


def policy_schema_problem(schema: Any) -> tuple[Path, str] | None:
    """(path in the schema, why) for the first thing in a policy schema k8slint refuses: a reference
    that is not local (k8slint never fetches), a `$ref` cycle that would recurse forever, a pattern
    the linear-time engine cannot compile, or a keyword that cannot be bounded."""
    nodes: list[tuple[Path, Any]] = [((), schema)]
    while nodes:
        where, node = nodes.pop()
        if isinstance(node, list):
            nodes.extend(((*where, i), sub) for i, sub in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            here = (*where, key)
            if key == "$ref":
                if not isinstance(value, str) or not value.startswith("#"):
                    return here, (f"$ref {_short(value, 80)!r} is not a local reference: k8slint never fetches "
                                  "schemas; put the definition under $defs and use \"#/$defs/NAME\"")
                if _resolve_pointer(schema, value) is _MISSING:
                    return here, f"$ref {_short(value, 80)!r} points at nothing in this schema"
            elif key in _UNSUPPORTED_KEYWORDS:
                return here, f"{key} is not supported in k8slint policies"
            elif key == "pattern":
                problem = regex_problem(value)
                if problem:
                    return here, problem
            elif key == "patternProperties" and isinstance(value, dict):
                for pattern in value:
                    problem = regex_problem(pattern)
                    if problem:
                        return (*here, pattern), problem
            if key not in ("enum", "const", "default", "examples") and isinstance(value, (dict, list)):
                nodes.append((here, value))
    cycle = _ref_cycle(schema)
    if cycle is not None:
        return cycle, "$ref cycle: this schema refers back to itself without descending into the data"
    return None


_MISSING = object()


def _resolve_pointer(root: Any, ref: str) -> Any:
    node = root
    for part in ref[1:].split("/")[1:] if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _ref_cycle(root: Any) -> Path | None:
    """Where a schema re-enters itself through in-place keywords only ($ref, allOf, not, ...)."""
    def edges(node: Any, where: Path) -> list[tuple[Any, Path]]:
        out: list[tuple[Any, Path]] = []
        if not isinstance(node, dict):
            return out
        for key in _IN_PLACE:
            value = node.get(key)
            if key == "$ref" and isinstance(value, str):
                target = _resolve_pointer(root, value)
                if target is not _MISSING:
                    out.append((target, (*where, key)))
            elif isinstance(value, list):
                out.extend((sub, (*where, key, i)) for i, sub in enumerate(value))
            elif key == "dependentSchemas" and isinstance(value, dict):
                out.extend((sub, (*where, key, k)) for k, sub in value.items())
            elif isinstance(value, dict):
                out.append((value, (*where, key)))
        return out

    done: set[int] = set()
    for start, start_path in _all_subschemas(root):
        if id(start) in done:
            continue
        on_path: set[int] = set()
        stack: list[tuple[Any, Path, int]] = [(start, start_path, 0)]
        while stack:  # iterative depth-first search over in-place edges
            node, where, state = stack.pop()
            if state == 1:
                on_path.discard(id(node))
                done.add(id(node))
                continue
            if id(node) in on_path:
                return where
            if id(node) in done:
                continue
            on_path.add(id(node))
            stack.append((node, where, 1))
            stack.extend((target, path, 0) for target, path in edges(node, where))
    return None


def _all_subschemas(root: Any) -> list[tuple[Any, Path]]:
    out: list[tuple[Any, Path]] = []
    nodes: list[tuple[Any, Path]] = [(root, ())]
    while nodes:
        node, where = nodes.pop()
        if isinstance(node, dict):
            out.append((node, where))
            nodes.extend((v, (*where, k)) for k, v in node.items()
                         if k not in ("enum", "const", "default", "examples") and isinstance(v, (dict, list)))
        elif isinstance(node, list):
            nodes.extend((v, (*where, i)) for i, v in enumerate(node))
    return out


def _kinds(entry: dict[str, Any], target: str) -> frozenset[str] | None:
    kinds = entry.get("kinds")
    if not kinds:
        return None if target == "object" else frozenset(WORKLOAD_KINDS)
    out: set[str] = set()
    for kind in kinds:
        out |= WORKLOAD_KINDS if kind == "workloads" else {kind}
    return frozenset(out)


def load_pack(path: str, registry: Registry = REGISTRY, validate: bool = True, origin: str | None = None) -> list[Rule]:
    """Validate a rule pack and register its rules; raises PolicyError (file:line) on any problem.

    The built-in packs skip the validation against policy.schema.json at start-up (tests validate
    them); user packs are always validated.
    """
    doc = read_document(path)
    errors = schema_errors(doc, load_schema("policy.schema.json")) if validate else []
    if errors:
        raise errors[0]
    rules: list[Rule] = []
    for i, entry in enumerate(doc.data["rules"]):
        where = ("rules", i)
        rule_id = entry["id"]
        if rule_id in registry or any(r.id == rule_id for r in rules):
            line, col = doc.locate((*where, "id"))
            raise PolicyError(path, line, col, f'rule id "{rule_id}" is already declared')
        target = entry.get("target", "object")
        check: Check
        params_schema = None
        if "message" in entry:
            problem = template_problem(entry["message"])
            if problem:
                line, col = doc.locate((*where, "message"))
                raise PolicyError(path, line, col, problem)
        if "schema" in entry:
            if validate:
                from jsonschema import Draft202012Validator
                from jsonschema.exceptions import SchemaError

                try:
                    Draft202012Validator.check_schema(entry["schema"])
                except SchemaError as exc:
                    line, col = doc.locate((*where, "schema", *exc.absolute_path))
                    raise PolicyError(path, line, col, f"invalid JSON Schema: {_short(exc.message)}") from exc
                found = policy_schema_problem(entry["schema"])
                if found is not None:
                    line, col = doc.locate((*where, "schema", *found[0]))
                    raise PolicyError(path, line, col, found[1])
            check = _SchemaPolicy(rule_id, target, Validator(entry["schema"], formats=False), entry.get("message"),
                                  _properties_only(entry["schema"]))
        else:
            template = TEMPLATES[entry["uses"]]
            params = entry.get("params") or {}
            errors = []
            if validate:
                errors = list(py_validator(template.params_schema, formats=False).iter_errors(params))
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
            params_schema, origin or _display_origin(path),
        )
        rules.append(rule)
    for rule in rules:
        registry.add(rule)
    return rules


def _display_origin(path: str) -> str:
    """A user pack as the user knows it: relative to the working directory when possible."""
    if not os.path.isabs(path):
        return path
    try:
        return os.path.relpath(path)
    except (OSError, ValueError):
        return path


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
        load_pack(path, validate=False, origin=f"rules/packs/{os.path.basename(path)}")


def load_rule_dirs(folders: list[str]) -> list[Rule]:
    """User packs (`rule-dirs`); each folder is loaded once per process."""
    rules: list[Rule] = []
    for folder in folders:
        real = os.path.realpath(folder)
        if real in _LOADED:
            continue
        for path in pack_files(folder):
            rules.extend(load_pack(path))
        _LOADED.add(real)
    return rules
