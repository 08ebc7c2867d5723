"""Schema validation: the only module that reads kubernetes-validate's bundled schemas.

We read the JSON files kubernetes-validate ships (its package is never imported, its CLI never run)
and validate with `jsonschema`. Each kind's validator is built once per process from the version's
`_definitions.json`, so only kinds present in the run cost anything. Nothing is ever downloaded.

Custom resources are validated against the `openAPIV3Schema` of CustomResourceDefinitions found in
the run or given with `--crd`, converted to JSON Schema with the Kubernetes extensions honoured.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import importlib.util
import json
import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path as FsPath
from typing import Any

from .data import load_data
from .findings import FixIntent, Op, Path, render_path
from .model import K8sObject, as_dict, as_list
from .records import dataclass


class UnsupportedVersion(ValueError):
    pass


@cache
def _schema_root() -> FsPath:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise UnsupportedVersion("kubernetes-validate is not installed: pip install kubernetes-validate")
    return FsPath(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


@cache
def supported_versions() -> tuple[str, ...]:
    """Kubernetes minor versions whose schemas are installed, oldest first ("1.25", ...)."""
    found = set()
    for entry in os.listdir(_schema_root()):
        match = re.fullmatch(r"v(\d+)\.(\d+)\.\d+-local-strict", entry)
        if match:
            found.add((int(match[1]), int(match[2])))
    return tuple(f"{a}.{b}" for a, b in sorted(found))


def default_version() -> str:
    return supported_versions()[-1]


def normalize_version(text: str) -> str:
    """'v1.30.2' / '1.30' -> '1.30'; raises UnsupportedVersion listing the supported ones."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    version = f"{int(match[1])}.{int(match[2])}" if match else text
    supported = supported_versions()
    if version not in supported:
        raise UnsupportedVersion(
            f"unsupported Kubernetes version {text!r}; supported: {', '.join(supported)}"
        )
    return version


# --- the built-in API of one version -------------------------------------------------------------

@dataclass(frozen=True)
class _Api:
    version: str
    defs: dict[str, Any]  # definition name -> schema, every $ref inlined (recursive ones are cycles)
    gvks: dict[tuple[str, str], str]  # (apiVersion, kind) -> definition name
    kinds: dict[str, list[str]]  # kind -> apiVersions serving it
    groups: frozenset[str]  # API groups ("" for core) of the built-in API


_SCHEMA_MAPS = ("properties", "patternProperties")
_SUBSCHEMAS = ("items", "additionalProperties", "not", "additionalItems")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


class _InlinedDefs:
    """The definitions with every `{"$ref": ".../$defs/X"}` replaced by the definition X itself, each built
    on first use (one small file validates one or two kinds, not the whole API).

    jsonschema resolves a `$ref` through `referencing` on every visit; with the definitions shared
    as plain dicts, validating the real corpus takes 0.24 s instead of 0.39 s. Recursive definitions
    (JSONSchemaProps) become cyclic dicts, which validation only follows as deep as the data goes.
    """

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self._done: dict[str, dict[str, Any]] = {}

    def __getitem__(self, name: str) -> dict[str, Any]:
        found = self._done.get(name)
        if found is None:
            found = self._done[name] = {}  # registered first: a definition that refers to itself
            found.update(self._inline(self._raw[name]))
        return found

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self._raw else default

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def _inline(self, schema: Any) -> Any:
        if not isinstance(schema, dict):
            return schema
        ref = schema.get("$ref")
        target = None
        if isinstance(ref, str):
            target = self[ref.split("#/$defs/", 1)[1]]
            if set(schema) <= {"$ref", "description"}:
                return target
            schema = {**schema, "allOf": [*schema.get("allOf", []), target]}
            del schema["$ref"]
        out = {k: v for k, v in schema.items() if k != "description"}  # a third of the file, never read
        for key in _SCHEMA_MAPS:
            if isinstance(out.get(key), dict):
                out[key] = {name: self._inline(sub) for name, sub in out[key].items()}
        for key in _SUBSCHEMAS:
            if isinstance(out.get(key), dict):
                out[key] = self._inline(out[key])
        for key in _SCHEMA_LISTS:
            if isinstance(out.get(key), list):
                out[key] = [sub if sub is target else self._inline(sub) for sub in out[key]]
        return out


@cache
def _api(version: str) -> _Api:
    defs = _raw_defs(version)
    gvks: dict[tuple[str, str], str] = {}
    kinds: dict[str, list[str]] = {}
    for name, definition in defs.items():
        entries = definition.get("x-kubernetes-group-version-kind") or []
        if len(entries) != 1:
            continue  # DeleteOptions, WatchEvent, ...: not objects anyone applies
        gvk = entries[0]
        api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
        gvks[(api_version, gvk["kind"])] = name
        kinds.setdefault(gvk["kind"], []).append(api_version)
    groups = frozenset(av.rpartition("/")[0] for av, _ in gvks)
    return _Api(version, _InlinedDefs(defs), gvks, kinds, groups)  # type: ignore[arg-type]


def _apply_enums(defs: dict[str, Any]) -> None:
    """The OpenAPI schemas carry no enums; add the ones the API server enforces (rules/enums.yaml)."""
    for entry in load_data("enums.yaml"):
        definition = defs.get(entry["definition"])
        if definition is None:
            continue
        prop = definition.get("properties", {}).get(entry["property"])
        if prop is None:
            continue
        target = prop["items"] if entry.get("items") else prop
        target["enum"] = [*entry["values"], None]


def _is_int32(value: object) -> bool:
    return _in_range(value, 2**31)


def _is_int64(value: object) -> bool:
    return _in_range(value, 2**63)


def _in_range(value: object, bound: int) -> bool:
    """Integers (and integral floats: YAML `1e20` reaches the API server as the JSON number
    100000000000000000000) within [-bound, bound)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True
    if isinstance(value, float) and not value.is_integer():
        return True  # not an integer at all: `type` reports it
    return -bound <= value < bound


def _is_base64(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value.replace("\n", "").replace("\r", "").replace(" ", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


#: The OpenAPI formats the API server enforces, for jsonschema and jsonschema-rs alike.
FORMATS = {"int32": _is_int32, "int64": _is_int64, "byte": _is_base64}
#: jsonschema-rs calls format checks on strings only: integer formats become bounds for it.
_INT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


@cache
def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return checker


# --- engines that never reach the network and never backtrack -------------------------------------
#
# Every JSON Schema k8slint compiles (the Kubernetes API, CustomResourceDefinitions, policy packs,
# our own formats) goes through `py_validator` or `rs_validator`: references resolve against the
# schema itself only (a remote `$ref` is an error, never a fetch), and regular expressions run in a
# linear-time engine (the Rust `regex` crate in jsonschema-rs: RE2 syntax, which is also what the
# API server uses for CRD patterns), so no pattern and no input can make a run hang.


class RegexError(ValueError):
    """A pattern the linear-time engine cannot compile (backreferences, lookaround, bad syntax)."""


class _Regex:
    __slots__ = ("_validator",)

    def __init__(self, validator: Any) -> None:
        self._validator = validator

    def search(self, text: str) -> bool:
        return bool(self._validator.is_valid(text))


@cache
def linear_regex(pattern: str) -> _Regex | None:
    """A compiled pattern (`search` semantics, as JSON Schema's `pattern`); None when no linear-time
    engine is installed; RegexError when the pattern does not compile in it."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - jsonschema-rs is a dependency
        return None
    try:
        options = jsonschema_rs.RegexOptions(size_limit=1 << 22, dfa_size_limit=1 << 22)
        validator = jsonschema_rs.Draft202012Validator({"type": "string", "pattern": pattern}, pattern_options=options,
                                                       retriever=_refuse_retrieval)
    except (ValueError, jsonschema_rs.ValidationError) as exc:
        raise RegexError(_first_line(str(exc))) from None
    return _Regex(validator)


def regex_problem(pattern: object) -> str | None:
    """Why `pattern` cannot be used (None when it can)."""
    if not isinstance(pattern, str):
        return "a pattern must be a string"
    try:
        linear_regex(pattern)
    except RegexError:
        return (f"pattern {_show_pattern(pattern)} is not a valid regular expression in RE2 syntax (the "
                "syntax the API server uses; backreferences and lookaround are not supported)")
    return None


def _matches(pattern: str, text: str) -> bool:
    try:
        regex = linear_regex(pattern)
    except RegexError:
        return True  # reported where the schema was loaded; no constraint here
    return True if regex is None else regex.search(text)


def _show_pattern(pattern: str) -> str:
    return f'"{pattern}"' if len(pattern) <= 80 else f'"{pattern[:77]}..."'


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"k8slint never fetches schemas: {uri} is not a local reference")


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, str) and isinstance(pattern, str) and not _matches(pattern, instance):
        yield ValidationError(f"must match the regular expression {_show_pattern(pattern)}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Any:
    if not isinstance(instance, dict) or not isinstance(patterns, dict):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if isinstance(key, str) and _matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def additional_keys(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Keys of `instance` that neither `properties` nor `patternProperties` of `schema` cover."""
    properties: dict[str, Any] = as_dict(schema.get("properties"))
    patterns: dict[str, Any] = as_dict(schema.get("patternProperties"))
    return [key for key in instance if key not in properties
            and not any(isinstance(key, str) and _matches(p, key) for p in patterns)]


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Any:
    from jsonschema.exceptions import ValidationError

    if not isinstance(instance, dict):
        return
    extras = additional_keys(instance, schema)
    if isinstance(additional, dict):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif additional is False and extras:
        yield ValidationError(f"unknown fields: {', '.join(str(e) for e in extras[:10])}")


def _canonical(value: Any) -> Any:
    """Equal JSON values, equal canonical forms (1 == 1.0, but true != 1)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def first_repeat(items: list[Any]) -> tuple[int, int] | None:
    """(first, repeat) indexes of the first item equal to an earlier one, in linear time."""
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        key = json.dumps(_canonical(item), sort_keys=True, default=str)
        if key in seen:
            return seen[key], i
        seen[key] = i
    return None


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Any:
    from jsonschema.exceptions import ValidationError

    if unique is True and isinstance(instance, list):
        repeat = first_repeat(instance)
        if repeat is not None:
            yield ValidationError(f"must not repeat an item: item {repeat[1]} equals item {repeat[0]}")


_ENUM_STRINGS: dict[int, tuple[list[Any], frozenset[str]]] = {}


def _enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Any:
    from jsonschema._utils import equal
    from jsonschema.exceptions import ValidationError

    if not isinstance(enums, list):
        return
    if isinstance(instance, str):  # one set lookup, not one comparison per allowed value
        cached = _ENUM_STRINGS.get(id(enums))
        if cached is None or cached[0] is not enums:
            cached = _ENUM_STRINGS[id(enums)] = (enums, frozenset(v for v in enums if isinstance(v, str)))
        found = instance in cached[1]
    else:
        found = any(equal(each, instance) for each in enums)
    if not found:
        yield ValidationError("is not one of the allowed values")  # translate() words it for users


@cache
def _py_class() -> Any:
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator, {
        "pattern": _pattern, "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties, "uniqueItems": _unique_items, "enum": _enum,
    })


@cache
def _offline_registry() -> Any:
    from referencing import Registry

    return Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]


def py_validator(schema: Any, formats: bool = True) -> Any:
    """A jsonschema (reference) validator: offline, linear-time patterns, linear uniqueItems."""
    checker = _format_checker() if formats else None
    return _py_class()(schema, format_checker=checker, registry=_offline_registry())


def rs_validator(schema: Any, formats: bool = True) -> Any:
    """A jsonschema-rs validator (offline, linear-time patterns), or False when unavailable."""
    try:
        import jsonschema_rs
    except ImportError:
        return False
    if isinstance(schema, _LazyRsSchema):  # a built-in kind's: its definitions prepared once each
        bounded = _rs_schema(schema.version, schema.definition, formats)
    else:
        bounded = _with_int_bounds(schema) if formats else schema
    options: dict[str, Any] = {"retriever": _refuse_retrieval,
                               "pattern_options": jsonschema_rs.RegexOptions(size_limit=1 << 22,
                                                                             dfa_size_limit=1 << 22)}
    if formats:
        options.update(validate_formats=True, formats=FORMATS)
    try:
        return jsonschema_rs.Draft202012Validator(bounded, **options)
    except Exception:  # a schema the Rust validator cannot take: jsonschema alone decides
        return False


def _with_int_bounds(schema: Any) -> Any:
    """A copy of an acyclic schema where `format: int32/int64` also bounds the value."""
    if isinstance(schema, list):
        return [_with_int_bounds(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: (_with_int_bounds(v) if isinstance(v, (dict, list)) and k not in ("enum", "const", "required")
               else v) for k, v in schema.items()}
    form = out.get("format")
    bounds = _INT_BOUNDS.get(form) if isinstance(form, str) else None
    if bounds is not None:
        out.setdefault("minimum", bounds[0])
        out.setdefault("maximum", bounds[1])
    return out


class Validator:
    """jsonschema-rs decides validity; jsonschema, the reference, explains the failures.

    Most objects are valid, and for them the Rust validator (microseconds) is all that runs. For an
    invalid object the errors come from jsonschema, so findings are the same with or without the
    accelerator (tests/test_validation.py checks both agree on validity over the fixtures and the
    real corpus). Without jsonschema_rs installed, jsonschema does everything.
    """

    __slots__ = ("_schema", "_rs_schema", "_rs", "_py", "_formats")

    def __init__(self, schema: dict[str, Any], rs_schema: Any = None, formats: bool = True) -> None:
        self._schema = schema  # may be cyclic (inlined $refs): only jsonschema gets it
        self._rs_schema = rs_schema if rs_schema is not None else schema
        self._rs: Any = None
        self._py: Any = None
        self._formats = formats

    def is_valid_fast(self, instance: Any) -> bool | None:
        """True/False from jsonschema-rs, None when it is not available."""
        if self._rs is None:
            self._rs = rs_validator(self._rs_schema, self._formats)
        return None if self._rs is False else self._rs.is_valid(instance)

    def iter_errors(self, instance: Any) -> Any:
        if self.is_valid_fast(instance):
            return iter(())
        if self._py is None:
            self._py = py_validator(self._schema, self._formats)
        return self._py.iter_errors(instance)

    def explained(self, instance: Any, invalid: bool = False) -> list[SchemaError]:
        """Every error of an instance, in words: from jsonschema-rs's structured errors when they say
        enough, else from jsonschema (the reference; tests/test_validation.py keeps both identical).
        `invalid`: the caller knows jsonschema-rs rejects it (not asked again)."""
        if not invalid and self.is_valid_fast(instance):
            return []
        if self._rs:
            found = translate_rs(self._rs, instance, self._schema, bounds=not self._formats)
            if found is not None:
                return found
        return [item for error in self.py_errors(instance) for item in translate(error)]

    def explained_values(self, instance: Any) -> list[tuple[SchemaError, Any]]:
        """As `explained`, each error with the value it is about (what a policy's message shows):
        jsonschema's words when two errors are about one path (which one a policy keeps depends on
        the order each validator finds them in)."""
        if self.is_valid_fast(instance):
            return []
        if self._rs:
            found = rs_errors(self._rs, instance, self._schema, bounds=not self._formats)
            if found is not None and len({item.path for item, _ in found}) == len(found):
                return found
        return [(item, error.instance) for error in self.py_errors(instance) for item in translate(error)]

    def py_errors(self, instance: Any) -> Any:
        """jsonschema's own errors (whatever jsonschema-rs says)."""
        if self._py is None:
            self._py = py_validator(self._schema, self._formats)
        return self._py.iter_errors(instance)

    def reference_errors(self, instance: Any) -> list[Any]:
        """jsonschema alone (for tests comparing the two)."""
        return list(py_validator(self._schema, self._formats).iter_errors(instance))


@cache
def _raw_defs(version: str) -> dict[str, Any]:
    """The definitions with their $refs (what jsonschema-rs resolves itself), enums applied: the file is
    read once per version, and never changed after this."""
    path = _schema_root() / f"v{version}.0-local-strict" / "_definitions.json"
    with open(path, encoding="utf-8") as handle:
        defs = json.load(handle)["$defs"]
    _apply_enums(defs)
    return defs


_DEF_REF = re.compile(r'"\$ref": "[^"#]*#/\$defs/([^"]+)"')


def _rs_schema(version: str, definition: str, bounded: bool) -> dict[str, Any]:
    """One kind's schema for jsonschema-rs: the definitions it reaches, with local refs (and, when
    `bounded`, the bounds of their int32/int64 formats). Each definition is prepared once per run,
    whatever the number of kinds that reach it (PodSpec's tree is in a dozen workload kinds)."""
    prepared = _rs_definitions(version, bounded)
    defs = _raw_defs(version)
    texts: dict[str, str] = {}
    stack = [definition]
    while stack:
        name = stack.pop()
        if name in texts:
            continue
        entry = prepared.get(name)
        if entry is None:
            text = json.dumps(_with_int_bounds(defs[name]) if bounded else defs[name])
            entry = prepared[name] = (_DEF_REF.sub(_local_ref, text), _DEF_REF.findall(text))
        texts[name] = entry[0]
        stack.extend(entry[1])
    body = ",".join(f"{json.dumps(name)}: {text}" for name, text in texts.items())
    return json.loads(f'{{"$ref": "#/$defs/{definition}", "$defs": {{{body}}}}}')


@cache
def _rs_definitions(version: str, bounded: bool) -> dict[str, tuple[str, list[str]]]:
    """Definitions as prepared for jsonschema-rs (see _rs_schema): the JSON text with local refs, and
    the definitions it refers to; filled on demand."""
    return {}


def _local_ref(match: re.Match[str]) -> str:
    return '"$ref": "#/$defs/' + match.group(1) + '"'


@cache
def _builtin_validator(version: str, definition: str) -> Validator:
    return Validator(_api(version).defs[definition], _LazyRsSchema(version, definition))


class _LazyRsSchema:
    """Built only if jsonschema-rs is there to use it."""

    def __init__(self, version: str, definition: str) -> None:
        self.version, self.definition = version, definition


# --- custom resources ----------------------------------------------------------------------------

OPENAPI_TYPES = ("array", "boolean", "integer", "number", "object", "string")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


#: The value keywords of a CRD schema we validate with, and what a well-formed value is.
_CRD_KEYWORDS: dict[str, Any] = {
    "type": lambda v: v in OPENAPI_TYPES,
    "required": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "enum": lambda v: isinstance(v, list),
    "minimum": _is_number, "maximum": _is_number, "multipleOf": lambda v: _is_number(v) and v > 0,
    "minLength": _is_count, "maxLength": _is_count, "minItems": _is_count, "maxItems": _is_count,
    "minProperties": _is_count, "maxProperties": _is_count,
    "uniqueItems": lambda v: isinstance(v, bool),
    "format": lambda v: isinstance(v, str),
    "pattern": lambda v: regex_problem(v) is None,
}


def crd_schema_problems(data: dict[str, Any]) -> list[tuple[Path, str]]:
    """(path, message) for the parts of a CustomResourceDefinition's schemas the API server rejects
    that its OpenAPI schema does not: an unknown `type` (ValidateCustomResourceDefinitionOpenAPISchema,
    apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go) and a `pattern` that is
    not an RE2 regular expression (validateValueValidation, pkg/apiserver/schema/validation.go)."""
    out: list[tuple[Path, str]] = []
    for i, version in enumerate(as_list(as_dict(data.get("spec")).get("versions"))):
        root = as_dict(as_dict(as_dict(version).get("schema")).get("openAPIV3Schema"))
        # each entry: (where, schema), `where` a chain (parent's where, steps): the path of a node is
        # put together only for the few with a problem (a large CRD has tens of thousands of nodes)
        stack: list[tuple[Any, dict[str, Any]]] = [((None, ("spec", "versions", i, "schema", "openAPIV3Schema")), root)]
        while stack:
            where, schema = stack.pop()
            kind = schema.get("type")
            if isinstance(kind, str) and kind not in OPENAPI_TYPES:  # not a string: schema-violation
                out.append(((*_chain_path(where), "type"), f'type "{_short(kind)}" is not supported: use one of '
                                                           + ", ".join(OPENAPI_TYPES)))
            if "pattern" in schema:
                problem = regex_problem(schema["pattern"])
                if problem:
                    out.append(((*_chain_path(where), "pattern"), problem))
            for key in ("properties", "patternProperties"):
                subs = schema.get(key)
                if isinstance(subs, dict):
                    stack.extend(((where, (key, name)), sub) for name, sub in subs.items() if isinstance(sub, dict))
            for key in ("items", "additionalProperties", "not"):
                if isinstance(schema.get(key), dict):
                    stack.append(((where, (key,)), schema[key]))
            for key in ("allOf", "anyOf", "oneOf"):
                for j, sub in enumerate(as_list(schema.get(key))):
                    if isinstance(sub, dict):
                        stack.append(((where, (key, j)), sub))
    out.sort(key=lambda item: [str(p) for p in item[0]])
    return out


def _chain_path(where: Any) -> Path:
    """The path of a chain (parent's chain, steps) of crd_schema_problems."""
    steps: list[tuple[str | int, ...]] = []
    while where is not None:
        where, step = where
        steps.append(step)
    return tuple(p for step in reversed(steps) for p in step)


def crd_to_json_schema(schema: dict[str, Any], root: bool = False,
                       object_meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """An apiextensions/v1 structural schema -> JSON Schema, honouring the Kubernetes extensions.

    With `root`, apiVersion, kind and metadata (validated as `object_meta`) are implicitly allowed.
    """
    out: dict[str, Any] = {}
    for key, valid in _CRD_KEYWORDS.items():  # malformed keywords are left out (validation-error reports them)
        if key in schema and valid(schema[key]):
            out[key] = schema[key]
    for key in ("exclusiveMinimum", "exclusiveMaximum"):  # OpenAPI 3.0 booleans -> 2020-12 numbers
        bound = "minimum" if key == "exclusiveMinimum" else "maximum"
        if schema.get(key) is True and bound in out:
            out[key] = out.pop(bound)
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: crd_to_json_schema(as_dict(v)) for k, v in schema["properties"].items()}
    if isinstance(schema.get("items"), dict):
        out["items"] = crd_to_json_schema(schema["items"])
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = crd_to_json_schema(additional)
    elif isinstance(additional, bool):
        out["additionalProperties"] = additional
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            out[key] = [crd_to_json_schema(as_dict(s)) for s in schema[key]]
    if isinstance(schema.get("not"), dict):
        out["not"] = crd_to_json_schema(schema["not"])
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [*out.get("anyOf", []), {"type": "integer"}, {"type": "string"}]
    if schema.get("x-kubernetes-embedded-resource") or root:
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", (object_meta or {"type": "object"}) if root else {"type": "object"})
        if root:
            out.setdefault("type", "object")
    if (out.get("type") == "object" and "properties" in out and "additionalProperties" not in out
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False  # the API server prunes or (strict) rejects the rest
    if schema.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@dataclass(frozen=True)
class CrdVersions:
    crd_name: str
    group: str
    kind: str
    served: dict[str, dict[str, Any] | None]  # version -> openAPIV3Schema (None: no schema)


def crd_versions(data: dict[str, Any]) -> CrdVersions | None:
    spec = as_dict(data.get("spec"))
    group = spec.get("group")
    kind = as_dict(spec.get("names")).get("kind")
    if not isinstance(group, str) or not isinstance(kind, str):
        return None
    served = {}
    for version in as_list(spec.get("versions")):
        version = as_dict(version)
        name = version.get("name")
        if isinstance(name, str) and version.get("served", True) is not False:
            schema = as_dict(version.get("schema")).get("openAPIV3Schema")
            served[name] = schema if isinstance(schema, dict) else None
    name = as_dict(data.get("metadata")).get("name")
    return CrdVersions(str(name or f"{group}/{kind}"), group, kind, served)


# --- errors as users read them -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SchemaError:
    path: Path
    message: str
    unknown_field: bool = False
    missing: str | None = None  # the required field a `required` error is about
    fix: FixIntent | None = None  # the change that repairs it, when it is certain


_ARTICLES = {"integer": "an integer", "string": "a string", "object": "a mapping", "array": "a list",
             "boolean": "a boolean (true or false)", "number": "a number", "null": "null"}


def describe_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value:g}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{shown}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _expected(types: object) -> str:
    names = [types] if isinstance(types, str) else list(types) if isinstance(types, list) else []
    names = [n for n in names if n != "null"] or names
    return " or ".join(_ARTICLES.get(str(n), str(n)) for n in names)


def _type_hint(expected: str, value: object) -> str:
    if "integer" in expected and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return "; remove the quotes"
    if "string" in expected and isinstance(value, bool):
        return "; quote it: unquoted y/n/yes/no/on/off/true/false are booleans in YAML 1.1, which kubectl reads"
    if "string" in expected and isinstance(value, (int, float)):
        return f'; quote it ("{value}")'
    return ""


def _belongs_under(key: str, properties: dict[str, Any]) -> str | None:
    """The child field whose schema defines `key` (a field pasted one level too high)."""
    for name in sorted(properties):
        sub = properties[name] if isinstance(properties[name], dict) else {}
        suffix = ""
        if isinstance(sub.get("items"), dict):
            sub, suffix = sub["items"], "[]"
        if key in as_dict(sub.get("properties")):
            return f"{name}{suffix}"
    return None


_MAX_ENUM_SHOWN = 12
_ENUM_SUMMARIES: dict[int, tuple[list[Any], tuple[str, int, dict[str, str]]]] = {}


def _enum_summary(enums: list[Any]) -> tuple[str, int, dict[str, str]]:
    """(the allowed values as shown, how many, lower-cased value -> value), once per enumeration: a
    CRD enum of 50,000 values costs one pass, not one per invalid object."""
    cached = _ENUM_SUMMARIES.get(id(enums))
    if cached is not None and cached[0] is enums:
        return cached[1]
    values = [v for v in enums if v is not None]
    shown = ", ".join(_short(v) for v in values[:_MAX_ENUM_SHOWN])
    if len(values) > _MAX_ENUM_SHOWN:
        shown += f", ... ({len(values):,} values)"
    folded: dict[str, str] = {}
    for v in values:
        if isinstance(v, str):
            folded.setdefault(v.lower(), v)
    summary = (shown, len(values), folded)
    _ENUM_SUMMARIES[id(enums)] = (enums, summary)
    return summary


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(path: Path) -> str:
    return render_path(path) or "the object"


def _unknown_fields(path: Path, keys: list[Any], properties: dict[str, Any],
                    instance: Any = None) -> list[SchemaError]:
    """One error per unknown field, with "did you mean" or "belongs under" from the known properties.

    The rename is offered as a fix only when it is certain: one close name, not set already, not the
    suggestion for another unknown field of the mapping too, and the value fits the field's type
    (`serviceName: web` under a v1 backend is close to `service`, an object: no fix)."""
    where = _where(path)
    known = sorted(properties)
    mapping = instance if isinstance(instance, dict) else {}
    out = []
    targets: dict[str, int] = {}
    for key in keys:
        message = f'unknown field "{key}" ' + (f"in {where}" if path else "at the top level")
        case = [k for k in known if k.lower() == str(key).lower()]
        parent = _belongs_under(str(key), properties)
        # the two closest (best first): one alone makes a certain rename
        nearest = [] if case else difflib.get_close_matches(key, known, n=2, cutoff=0.6 if len(str(key)) <= 4 else 0.75)
        close = case or nearest[:1]
        fix = None
        if case or (close and not parent):
            message += f' (did you mean "{close[0]}"?)'
            single = len(case) == 1 or len(nearest) == 1
            if single and close[0] not in mapping and _fits(mapping.get(key), properties[close[0]]):
                fix = FixIntent(f'rename "{key}" to "{close[0]}"', True, (Op("rename", (*path, key), close[0]),))
                targets[close[0]] = targets.get(close[0], 0) + 1
        elif parent:
            message += f' ("{key}" belongs under {parent}: wrong indentation?)'
        out.append(SchemaError((*path, key), message, unknown_field=True, fix=fix))
    for i, error in enumerate(out):  # two unknown fields close to the same name: neither is certain
        if error.fix is not None and targets[error.fix.ops[0].value] > 1:
            out[i] = SchemaError(error.path, error.message, unknown_field=True)
    return out


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "integer": (int,), "number": (int, float),
    "boolean": (bool,), "null": (type(None),),
}


def _fits(value: Any, schema: Any) -> bool:
    """Whether `value` has the JSON type `schema` asks for (True when the schema does not say)."""
    if not isinstance(schema, dict):
        return True
    types = schema.get("type")
    if isinstance(types, str):
        types = [types]
    if isinstance(types, list):
        return any(isinstance(value, _JSON_TYPES.get(t, object)) and not (isinstance(value, bool) and t != "boolean")
                   for t in types if isinstance(t, str))
    if "properties" in schema or "additionalProperties" in schema:
        return isinstance(value, dict)
    if "items" in schema:
        return isinstance(value, list)
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    return True


def _required(path: Path, missing: list[str]) -> list[SchemaError]:
    return [SchemaError(path, f"{_child(path, p)} is required but not set", missing=p) for p in missing]


def _type_error(path: Path, types: Any, value: Any) -> SchemaError:
    expected = _expected(types)
    return SchemaError(path, f"{_where(path)} must be {expected}, got {describe_value(value)}"
                       + _type_hint(expected, value), fix=_type_fix(path, expected, value))


def _type_fix(path: Path, expected: str, value: object) -> FixIntent | None:
    """Quotes that make a number or boolean out of a string, or their absence, when the schema
    wants exactly the other one (the API server reads the same characters either way). Not for
    digits with a leading zero (`defaultMode: "0644"`: octal meant, or decimal?)."""
    if expected == "an integer" and isinstance(value, str) and re.fullmatch(r"-?(?:0|[1-9][0-9]*)", value):
        number = int(value)
        if -(2**63) <= number < 2**63:
            return FixIntent(f"remove the quotes: {number}", True, (Op("unquote", path, number, str(number)),))
    if expected.startswith("a boolean") and isinstance(value, str) and value.lower() in ("true", "false"):
        flag = value.lower() == "true"
        return FixIntent(f"remove the quotes: {value.lower()}", True, (Op("unquote", path, flag, value.lower()),))
    if expected == "a string" and isinstance(value, (bool, int, float)):
        return FixIntent("quote the value", True, (Op("quote", path),))
    return None


def _enum_error(path: Path, enums: list[Any], value: Any) -> SchemaError:
    shown, _, folded = _enum_summary(enums)
    message = f"{_where(path)} must be one of {shown}; got {describe_value(value)}"
    suggestion = folded.get(value.lower()) if isinstance(value, str) else None
    fix = None
    if suggestion is not None:
        message += f' (did you mean "{suggestion}"?)'
        fix = FixIntent(f'write "{suggestion}"', True, (Op("set", path, suggestion, old=value),))
    return SchemaError(path, message, fix=fix)


def _format_error(path: Path, form: Any, value: Any) -> SchemaError:
    what = {"int32": "a 32-bit integer", "int64": "a 64-bit integer", "byte": _base64_hint(path)}.get(form, form)
    return SchemaError(path, f"{_where(path)} must be {what}, got {describe_value(value)}")


def translate_rs(rs: Any, instance: Any, schema: dict[str, Any], bounds: bool = False) -> list[SchemaError] | None:
    """jsonschema-rs's structured errors -> the same errors `translate` makes of jsonschema's, or None
    when one of them needs what only jsonschema's error carries (a oneOf's sub-errors, the bounds that
    stand for int32/int64 formats, a huge enumeration): the caller then asks jsonschema. `bounds`: the
    validator's minimum and maximum are the schema's own (no format added them)."""
    items = rs_errors(rs, instance, schema, bounds)
    return None if items is None else [item for item, _ in items]


def rs_errors(rs: Any, instance: Any, schema: dict[str, Any],
              bounds: bool = False) -> list[tuple[SchemaError, Any]] | None:
    """As translate_rs, each error with the value it is about (jsonschema's `error.instance`)."""
    out: list[tuple[SchemaError, Any]] = []
    try:
        for error in rs.iter_errors(instance):
            kind = error.kind
            name = kind.name
            path = tuple(error.instance_path)
            value = error.instance
            if name == "required":  # jsonschema-rs reports a dependentRequired as a required too
                sub = _schema_at(schema, path)
                if (sub is None or "dependentRequired" in sub or "dependencies" in sub
                        or kind.property not in as_list(sub.get("required"))):
                    return None
                items = _required(path, [kind.property])
            elif name == "type":
                items = [_type_error(path, kind.types, value)]
            elif name == "enum" and len(kind.options) <= 1000:
                items = [_enum_error(path, kind.options, value)]
            elif name == "format":
                items = [_format_error(path, kind.format, value)]
            elif name == "additionalProperties":
                sub = _schema_at(schema, path)
                if sub is None or sub.get("additionalProperties") is not False:
                    return None
                items = _unknown_fields(path, list(kind.unexpected), as_dict(sub.get("properties")), value)
            elif name == "not":
                items = [_not_error(path)]
            elif name == "const" and _scalar(kind.expected_value):
                items = [_const_error(path, kind.expected_value, value)]
            elif name == "pattern":
                items = [_pattern_error(path, kind.pattern, value)]
            elif name in _SIZES:
                items = [_size_error(path, name, kind.limit, value)]
            elif name in _BOUNDS and bounds and _scalar(kind.limit):
                items = [_bound_error(path, name, kind.limit, value)]
            elif name == "contains":
                items = [_contains_error(path)]
            else:
                return None
            out += [(item, value) for item in items]
    except AttributeError:  # a jsonschema-rs whose error kinds name their fields otherwise
        return None
    return out


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _schema_at(schema: Any, path: Path) -> dict[str, Any] | None:
    """The (inlined) subschema that validates the instance at `path`, following properties, items and
    additionalProperties; None where that is ambiguous (a oneOf, a pattern)."""
    node = _flat(schema)
    for step in path:
        if node is None:
            return None
        if isinstance(step, int):
            node = _flat(node.get("items"))
            continue
        properties = as_dict(node.get("properties"))
        if step in properties:
            node = _flat(properties[step])
        elif isinstance(node.get("additionalProperties"), dict) and not node.get("patternProperties"):
            node = _flat(node["additionalProperties"])
        else:
            return None
    return node


def _flat(schema: Any) -> dict[str, Any] | None:
    """A schema whose only content is an allOf of one schema (an inlined $ref with siblings) is that one."""
    if not isinstance(schema, dict):
        return None
    if "oneOf" in schema or "anyOf" in schema:
        return None
    if "allOf" in schema and "properties" not in schema and "items" not in schema:
        parts = [p for p in schema["allOf"] if isinstance(p, dict)]
        if len(parts) == 1:
            return _flat(parts[0])
        return None
    return schema


def translate(error: Any, base: Path = ()) -> list[SchemaError]:
    """A jsonschema ValidationError -> the errors a user reads (one per unknown field, per missing field)."""
    path = (*base, *error.absolute_path)
    where = _where(path)
    value = error.instance
    kind = error.validator
    if kind == "additionalProperties" and error.validator_value is False and isinstance(value, dict):
        return _unknown_fields(path, additional_keys(value, error.schema), as_dict(error.schema.get("properties")),
                               value)
    if kind == "required" and isinstance(value, dict):
        return _required(path, [p for p in error.validator_value if p not in value])
    if kind == "type":
        return [_type_error(path, error.validator_value, value)]
    if kind == "enum":
        return [_enum_error(path, error.validator_value, value)]
    if kind in ("oneOf", "anyOf"):
        subs = error.validator_value
        types = [s.get("type") for s in subs if isinstance(s, dict) and set(s) == {"type"}]
        if len(types) == len(subs):
            flat: list[str] = []
            for t in types:
                flat += [t] if isinstance(t, str) else list(t or [])
            expected = _expected(list(dict.fromkeys(flat)))
            return [SchemaError(path, f"{where} must be {expected}, got {describe_value(value)}")]
        from jsonschema.exceptions import best_match

        best = best_match(error.context) if error.context else None
        if best is not None:
            return translate(best, base)
    if kind == "format":
        return [_format_error(path, error.validator_value, value)]
    if kind == "pattern":
        return [_pattern_error(path, error.validator_value, value)]
    if kind == "uniqueItems":
        return [SchemaError(path, f"{where} {error.message}")]
    bound = error.validator_value
    shown = describe_value(value)
    if kind == "const":
        return [_const_error(path, bound, value)]
    if kind in _BOUNDS:
        return [_bound_error(path, kind, bound, value)]
    if kind in _SIZES:
        return [_size_error(path, kind, bound, value)]
    if kind == "multipleOf":
        return [SchemaError(path, f"{where} must be a multiple of {_literal(bound)}; got {shown}")]
    if kind in ("dependentRequired", "dependencies") and isinstance(value, dict) and isinstance(bound, dict):
        out = []
        for key, needs in bound.items():
            if key in value and isinstance(needs, list):
                out += [SchemaError(path, f'{where} sets "{key}", which also needs "{n}"') for n in needs
                        if n not in value]
        if out:
            return out
    if kind == "oneOf":
        return [SchemaError(path, f"{where} matches more than one of its allowed forms; keep the fields of one")]
    if kind in ("oneOf", "anyOf"):
        return [SchemaError(path, f"{where} matches none of its allowed forms; got {shown}")]
    if kind == "not":
        return [_not_error(path)]
    if kind == "contains":
        return [_contains_error(path)]
    return [SchemaError(path, f"{where} is not valid here (schema keyword {kind})")]


# the words of one keyword's error, the same whichever validator found it


def _pattern_error(path: Path, pattern: object, value: object) -> SchemaError:
    return SchemaError(path, f"{_where(path)} must match the regular expression {_show_pattern(str(pattern))}; "
                             f"got {describe_value(value)}")


def _const_error(path: Path, bound: object, value: object) -> SchemaError:
    return SchemaError(path, f"{_where(path)} must be {_literal(bound)}; got {describe_value(value)}")


def _bound_error(path: Path, kind: str, bound: object, value: object) -> SchemaError:
    return SchemaError(path, f"{_where(path)} must be {_BOUNDS[kind]} {_literal(bound)}; got {describe_value(value)}")


def _size_error(path: Path, kind: str, bound: object, value: object) -> SchemaError:
    noun, measure = _SIZES[kind]
    size = len(value) if isinstance(value, (str, list, dict)) else 0
    return SchemaError(path, f"{_where(path)} must have {measure} {bound} {noun}{'s' if bound != 1 else ''}; "
                             f"it has {size}")


def _not_error(path: Path) -> SchemaError:
    return SchemaError(path, f"{_where(path)} has a value or a combination of fields that is not allowed here")


def _contains_error(path: Path) -> SchemaError:
    return SchemaError(path, f"{_where(path)} has no item of the required form")


def _base64_hint(path: Path) -> str:
    """What to write in a base64 field: a Secret's data has stringData beside it, a caBundle is a PEM
    bundle, a ConfigMap's binaryData has data beside it."""
    if path and path[-1] == "caBundle":
        return "base64-encoded: the PEM bundle encoded once (`base64 -w0 ca.crt`)"
    if len(path) == 2 and path[0] == "data":
        return "base64-encoded (for plain text, use stringData in a Secret)"
    if len(path) == 2 and path[0] == "binaryData":
        return "base64-encoded (put plain text under data instead)"
    return "base64-encoded"


#: Comparisons a number is held to, by JSON Schema keyword.
_BOUNDS = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "greater than",
           "exclusiveMaximum": "less than"}
#: Size keywords: (what is counted, how).
_SIZES = {"minLength": ("character", "at least"), "maxLength": ("character", "at most"),
          "minItems": ("item", "at least"), "maxItems": ("item", "at most"),
          "minProperties": ("entry", "at least"), "maxProperties": ("entry", "at most")}


def _literal(value: object) -> str:
    """A schema's value as YAML would write it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{_short(value)}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else "a value"


def _child(path: Path, key: str) -> str:
    return render_path((*path, key))


# --- the store rules use -------------------------------------------------------------------------

def _null_required(error: SchemaError, data: Any) -> SchemaError:
    """A required field that is there with a null value: said so, at the field."""
    node = data
    for step in error.path:
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return error
    field = error.missing
    if field is not None and isinstance(node, dict) and field in node and node[field] is None:
        path: Path = (*error.path, field)
        return SchemaError(path, f"{_where(path)} is null, but it is required: give it a value", missing=error.missing)
    return error


def without_nulls(value: Any) -> Any:
    """`value` with every mapping entry whose value is null left out, as the API server reads it: a
    null field of a built-in type decodes to its zero value (absent), and a null in a custom resource
    is pruned from fields that are not nullable. (A required field that is null is then missing.)
    Returns `value` itself when it holds no null entry."""
    if isinstance(value, dict):
        changed, out = False, {}
        for key, item in value.items():
            if item is None:
                changed = True
                continue
            stripped = without_nulls(item) if isinstance(item, (dict, list)) else item
            changed = changed or stripped is not item
            out[key] = stripped
        return out if changed else value
    if isinstance(value, list):
        items = [without_nulls(item) if isinstance(item, (dict, list)) else item for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    return value


#: Kind states whose validation waits for the run phase (every CustomResourceDefinition known).
DEFERRED_STATES = frozenset({"crd", "unknown", "wrong-version-crd"})


@dataclass
class KindStatus:
    """How an object's apiVersion/kind is known: what to validate it against, or why not."""

    state: str  # "builtin" | "crd" | "removed" | "wrong-version" | "unknown-in-group" | "unknown"
    validator: Any = None
    message: str = ""
    path: Path = ()


class SchemaStore:
    def __init__(self, version: str, crds: list[dict[str, Any]]) -> None:
        self.version = version
        self._crds: dict[tuple[str, str], tuple[CrdVersions, dict[str, Any]]] = {}
        for data in crds:
            info = crd_versions(data)
            if info is not None:
                self._crds[(info.group, info.kind)] = (info, {})
        self._status: dict[tuple[str, str], KindStatus] = {}
        self._errors: dict[int, list[SchemaError]] = {}
        self._first_of_kind: dict[tuple[str, str], int] = {}

    @property
    def api(self) -> _Api:
        return _api(self.version)

    def status(self, api_version: str, kind: str) -> KindStatus:
        key = (api_version, kind)
        found = self._status.get(key)
        if found is None:
            found = self._status[key] = self._resolve(api_version, kind)
        return found

    def _resolve(self, api_version: str, kind: str) -> KindStatus:
        from .deprecations import removed_in

        if removed_in(api_version, kind, self.version):
            return KindStatus("removed")
        api = self.api
        definition = api.gvks.get(key := (api_version, kind))
        if definition is not None:
            return KindStatus("builtin", _builtin_validator(self.version, definition))
        group, _, version = api_version.rpartition("/")
        crd = self._crds.get((group, kind))
        if crd is not None:
            info, validators = crd
            if version not in info.served:
                served = ", ".join(f"{group}/{v}" for v in info.served) or "none"
                return KindStatus("wrong-version-crd", message=(
                    f'{kind} {api_version} is not served by CustomResourceDefinition "{info.crd_name}" '
                    f"(served: {served})"), path=("apiVersion",))
            schema = info.served[version]
            if schema is None:
                return KindStatus("crd")
            if version not in validators:
                meta = api.defs.get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
                converted = crd_to_json_schema(schema, root=True, object_meta=meta)
                validators[version] = Validator(converted)
            return KindStatus("crd", validators[version])
        served_as = api.kinds.get(kind)
        if served_as and (group in api.groups or "." not in group):  # `app/v1`: no CRD can serve it
            return KindStatus("wrong-version", message=(
                f"{kind} is not served as {api_version} in Kubernetes {self.version}; use "
                f"{' or '.join(served_as)}"), path=("apiVersion",))
        if group in api.groups and "." not in kind:
            known = sorted({k for (av, k) in api.gvks if av == api_version} or
                           {k for (av, k) in api.gvks if av.rpartition("/")[0] == group})
            close = difflib.get_close_matches(kind, known, n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            return KindStatus("unknown-in-group", message=(
                f'{api_version} has no kind "{kind}" in Kubernetes {self.version}{hint}'), path=("kind",))
        return KindStatus("unknown", message=key[0])

    def errors(self, obj: K8sObject) -> list[SchemaError]:
        """Every schema error of `obj` (memoized: schema-violation and unknown-field share one pass)."""
        key = id(obj)
        found = self._errors.get(key)
        if found is not None:
            return found
        status = self.status(obj.api_version, obj.kind)
        out: list[SchemaError] = []
        if status.state in ("wrong-version", "wrong-version-crd", "unknown-in-group"):
            out.append(SchemaError(status.path, status.message))
        elif status.validator is not None:
            seen = set()
            data = obj.data
            if status.validator.is_valid_fast(data) is True:
                self._errors[key] = out
                return out  # most objects: one pass of jsonschema-rs, nothing to explain
            data = without_nulls(data)
            for item in status.validator.explained(data, invalid=data is obj.data):
                if item.missing is not None and data is not obj.data:
                    item = _null_required(item, obj.data)
                if (item.path, item.message) not in seen:
                    seen.add((item.path, item.message))
                    out.append(item)
        self._errors[key] = out
        return out

    def forget(self) -> None:
        """Drop the memo of errors (objects of a finished file may be freed and their ids reused)."""
        self._errors.clear()

    def know_order(self, objects: Iterable[K8sObject]) -> None:
        """The run's objects in the order of the run: `first_of_kind` names the first of each kind
        among them, whichever process (see parallel.check_in_workers) and whatever object asks first."""
        for obj in objects:
            self._first_of_kind.setdefault((obj.api_version, obj.kind), id(obj))

    def first_of_kind(self, obj: K8sObject) -> bool:
        """Whether `obj` is the first object of its apiVersion and kind (see know_order)."""
        key = (obj.api_version, obj.kind)
        first = self._first_of_kind.setdefault(key, id(obj))
        return first == id(obj)
