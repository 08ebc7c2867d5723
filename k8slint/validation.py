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
from dataclasses import dataclass
from functools import cache
from pathlib import Path as FsPath
from typing import Any

from .data import load_data
from .findings import Path
from .model import K8sObject, as_dict, as_list


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


def _inline_refs(defs: dict[str, Any]) -> None:
    """Replace every `{"$ref": ".../$defs/X"}` with the definition X itself, in place.

    jsonschema resolves a `$ref` through `referencing` on every visit; with the definitions shared
    as plain dicts, validating the real corpus takes 0.24 s instead of 0.39 s. Recursive definitions
    (JSONSchemaProps) become cyclic dicts, which validation only follows as deep as the data goes.
    """

    def inline(schema: Any) -> Any:
        if not isinstance(schema, dict):
            return schema
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = defs[ref.split("#/$defs/", 1)[1]]
            if set(schema) <= {"$ref", "description"}:
                return target
            schema = {**schema, "allOf": [*schema.get("allOf", []), target]}
            del schema["$ref"]
        schema.pop("description", None)  # a third of the file, never read
        for key in _SCHEMA_MAPS:
            if isinstance(schema.get(key), dict):
                schema[key] = {name: inline(sub) for name, sub in schema[key].items()}
        for key in _SUBSCHEMAS:
            if isinstance(schema.get(key), dict):
                schema[key] = inline(schema[key])
        for key in _SCHEMA_LISTS:
            if isinstance(schema.get(key), list):
                schema[key] = [inline(sub) for sub in schema[key]]
        return schema

    for name in list(defs):
        defs[name] = inline(defs[name])


@cache
def _api(version: str) -> _Api:
    path = _schema_root() / f"v{version}.0-local-strict" / "_definitions.json"
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    defs = document["$defs"]
    _apply_enums(defs)
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
    _inline_refs(defs)
    groups = frozenset(av.rpartition("/")[0] for av, _ in gvks)
    return _Api(version, defs, gvks, kinds, groups)


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
    return not isinstance(value, int) or isinstance(value, bool) or -(2**31) <= value < 2**31


def _is_int64(value: object) -> bool:
    return not isinstance(value, int) or isinstance(value, bool) or -(2**63) <= value < 2**63


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


@cache
def _format_checker() -> Any:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return checker


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
            self._rs = _rs_compile(self._rs_schema, self._formats)
        return None if self._rs is False else self._rs.is_valid(instance)

    def iter_errors(self, instance: Any) -> Any:
        if self.is_valid_fast(instance):
            return iter(())
        if self._py is None:
            from jsonschema import Draft202012Validator

            self._py = Draft202012Validator(self._schema, format_checker=_format_checker() if self._formats else None)
        return self._py.iter_errors(instance)

    def reference_errors(self, instance: Any) -> list[Any]:
        """jsonschema alone (for tests comparing the two)."""
        from jsonschema import Draft202012Validator

        checker = _format_checker() if self._formats else None
        return list(Draft202012Validator(self._schema, format_checker=checker).iter_errors(instance))


def _rs_compile(schema: Any, formats: bool) -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        return False
    schema = _resolve_rs_schema(schema)
    try:
        if not formats:
            return jsonschema_rs.Draft202012Validator(schema)
        return jsonschema_rs.Draft202012Validator(schema, validate_formats=True, formats=FORMATS)
    except Exception:  # a schema the Rust validator cannot take: jsonschema alone decides
        return False


@cache
def _raw_defs(version: str) -> dict[str, Any]:
    """The definitions with their $refs (what jsonschema-rs resolves itself), enums applied."""
    path = _schema_root() / f"v{version}.0-local-strict" / "_definitions.json"
    with open(path, encoding="utf-8") as handle:
        defs = json.load(handle)["$defs"]
    _apply_enums(defs)
    return defs


_DEF_REF = re.compile(r'"\$ref": "[^"#]*#/\$defs/([^"]+)"')


def _rs_schema(version: str, definition: str) -> dict[str, Any]:
    """One kind's schema for jsonschema-rs: the definitions it reaches, with local refs."""
    defs = _raw_defs(version)
    texts: dict[str, str] = {}
    stack = [definition]
    while stack:
        name = stack.pop()
        if name in texts:
            continue
        texts[name] = json.dumps(defs[name])
        stack.extend(_DEF_REF.findall(texts[name]))
    local = [f"{json.dumps(name)}: {_DEF_REF.sub(_local_ref, text)}" for name, text in texts.items()]
    body = ",".join(local)
    return json.loads(f'{{"$ref": "#/$defs/{definition}", "$defs": {{{body}}}}}')


def _local_ref(match: re.Match[str]) -> str:
    return '"$ref": "#/$defs/' + match.group(1) + '"'


@cache
def _builtin_validator(version: str, definition: str) -> Validator:
    return Validator(_api(version).defs[definition], _LazyRsSchema(version, definition))


class _LazyRsSchema:
    """Built only if jsonschema-rs is there to use it."""

    def __init__(self, version: str, definition: str) -> None:
        self.version, self.definition = version, definition


def _resolve_rs_schema(schema: Any) -> Any:
    return _rs_schema(schema.version, schema.definition) if isinstance(schema, _LazyRsSchema) else schema


# --- custom resources ----------------------------------------------------------------------------

def crd_to_json_schema(schema: dict[str, Any], root: bool = False,
                       object_meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """An apiextensions/v1 structural schema -> JSON Schema, honouring the Kubernetes extensions.

    With `root`, apiVersion, kind and metadata (validated as `object_meta`) are implicitly allowed.
    """
    out: dict[str, Any] = {}
    for key in ("type", "required", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern",
                "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "format",
                "multipleOf"):
        if key in schema:
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
        return "; quote it: unquoted yes/no/on/off/true/false are booleans in YAML 1.1"
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


def _where(path: Path) -> str:
    from .findings import render_path

    return render_path(path) or "the object"


def translate(error: Any, base: Path = ()) -> list[SchemaError]:
    """A jsonschema ValidationError -> the errors a user reads (one per unknown field, per missing field)."""
    path = (*base, *error.absolute_path)
    where = _where(path)
    value = error.instance
    kind = error.validator
    if kind == "additionalProperties" and error.validator_value is False and isinstance(value, dict):
        properties = as_dict(error.schema.get("properties"))
        known = sorted(properties)
        out = []
        for key in value:
            if key in known:
                continue
            message = f'unknown field "{key}" ' + (f"in {where}" if path else "at the top level")
            case = [k for k in known if k.lower() == str(key).lower()]
            parent = _belongs_under(str(key), properties)
            close = case or difflib.get_close_matches(
                key, known, n=1, cutoff=0.6 if len(str(key)) <= 4 else 0.75)
            if case or (close and not parent):
                message += f' (did you mean "{close[0]}"?)'
            elif parent:
                message += f' ("{key}" belongs under {parent}: wrong indentation?)'
            out.append(SchemaError((*path, key), message, unknown_field=True))
        return out
    if kind == "required" and isinstance(value, dict):
        missing = [p for p in error.validator_value if p not in value]
        return [SchemaError(path, f'{where} is missing the required field "{p}"') for p in missing]
    if kind == "type":
        expected = _expected(error.validator_value)
        return [SchemaError(path, f"{where} must be {expected}, got {describe_value(value)}"
                            + _type_hint(expected, value))]
    if kind == "enum":
        values = [v for v in error.validator_value if v is not None]
        message = f"{where} must be one of {', '.join(str(v) for v in values)}; got {describe_value(value)}"
        close = [v for v in values if str(v).lower() == str(value).lower()]
        if close:
            message += f' (did you mean "{close[0]}"?)'
        return [SchemaError(path, message)]
    if kind in ("oneOf", "anyOf"):
        subs = error.validator_value
        types = [s.get("type") for s in subs if isinstance(s, dict) and set(s) == {"type"}]
        if len(types) == len(subs):
            flat: list[str] = []
            for t in types:
                flat += [t] if isinstance(t, str) else list(t)
            expected = _expected(list(dict.fromkeys(flat)))
            return [SchemaError(path, f"{where} must be {expected}, got {describe_value(value)}")]
        from jsonschema.exceptions import best_match

        best = best_match(error.context) if error.context else None
        if best is not None:
            return translate(best, base)
    if kind == "format":
        what = {"int32": "a 32-bit integer", "int64": "a 64-bit integer",
                "byte": "base64-encoded (use stringData for plain text)"}.get(error.validator_value,
                                                                             error.validator_value)
        return [SchemaError(path, f"{where} must be {what}, got {describe_value(value)}")]
    return [SchemaError(path, f"{where}: {error.message}")]


# --- the store rules use -------------------------------------------------------------------------

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
        if served_as and (group in api.groups or not group):
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
            for error in status.validator.iter_errors(obj.data):
                for item in translate(error):
                    if (item.path, item.message) not in seen:
                        seen.add((item.path, item.message))
                        out.append(item)
        self._errors[key] = out
        return out

    def forget(self) -> None:
        """Drop the memo of errors (objects of a finished file may be freed and their ids reused)."""
        self._errors.clear()

    def first_of_kind(self, obj: K8sObject) -> bool:
        key = (obj.api_version, obj.kind)
        first = self._first_of_kind.setdefault(key, id(obj))
        return first == id(obj)
