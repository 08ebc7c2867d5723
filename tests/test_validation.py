"""Schema validation internals: versions, CRD schema conversion, messages."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from k8slint.validation import (
    UnsupportedVersion,
    Validator,
    crd_to_json_schema,
    default_version,
    normalize_version,
    rs_errors,
    supported_versions,
    translate,
)


def test_versions() -> None:
    versions = supported_versions()
    assert versions[0] == "1.25" and default_version() == versions[-1]
    assert normalize_version("v1.30.2") == "1.30"
    with pytest.raises(UnsupportedVersion, match="supported: 1.25"):
        normalize_version("2.0")


def _errors(schema: dict, data: object) -> list[tuple[str, str]]:
    validator = Draft202012Validator(crd_to_json_schema(schema))
    return sorted((".".join(map(str, e.path)), e.message) for err in validator.iter_errors(data)
                  for e in translate(err))


def test_crd_extensions() -> None:
    schema = {
        "type": "object",
        "properties": {
            "port": {"x-kubernetes-int-or-string": True},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "closed": {"type": "object", "properties": {"a": {"type": "string"}}},
            "maybe": {"type": "string", "nullable": True},
            "embedded": {"type": "object", "x-kubernetes-embedded-resource": True,
                         "properties": {"spec": {"type": "object"}}},
            "n": {"type": "integer", "minimum": 1, "exclusiveMinimum": True},
        },
    }
    ok = {"port": "http", "free": {"x": 1}, "closed": {"a": "b"}, "maybe": None,
          "embedded": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}, "spec": {}}, "n": 2}
    assert _errors(schema, ok) == []
    assert _errors(schema, {**ok, "port": 80}) == []
    bad = {"port": [1], "closed": {"a": "b", "b": 1}, "maybe": 3, "n": 1}
    assert _errors(schema, bad) == [
        ("closed.b", 'unknown field "b" in closed'),
        ("maybe", "maybe must be a string, got the integer 3; quote it (\"3\")"),
        ("n", "n must be greater than 1; got the integer 1"),
        ("port", "port must be an integer or a string, got a list"),
    ]


KEYWORD_CASES = [
    ({"const": "v1"}, "v2", 'x must be "v1"; got the string "v2"'),
    ({"maximum": 10}, 11, "x must be at most 10; got the integer 11"),
    ({"exclusiveMaximum": 10}, 10, "x must be less than 10; got the integer 10"),
    ({"minLength": 3}, "ab", "x must have at least 3 characters; it has 2"),
    ({"maxItems": 1}, [1, 2], "x must have at most 1 item; it has 2"),
    ({"minProperties": 1}, {}, "x must have at least 1 entry; it has 0"),
    ({"multipleOf": 5}, 7, "x must be a multiple of 5; got the integer 7"),
    ({"dependentRequired": {"a": ["b"]}}, {"a": 1}, 'x sets "a", which also needs "b"'),
    ({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, {"a": 1, "b": 2},
     "x matches more than one of its allowed forms; keep the fields of one"),
    ({"not": {"required": ["a"]}}, {"a": 1}, "x has a value or a combination of fields that is not allowed here"),
    ({"contains": {"const": 1}}, [2], "x has no item of the required form"),
    ({"type": "object", "required": ["name"]}, {}, "x.name is required but not set"),
]


@pytest.mark.parametrize(("schema", "value", "expected"), KEYWORD_CASES)
def test_every_keyword_is_worded_for_users(schema: dict, value: object, expected: str) -> None:
    validator = Draft202012Validator({"type": "object", "properties": {"x": schema}})
    messages = [e.message for err in validator.iter_errors({"x": value}) for e in translate(err)]
    assert messages == [expected]


#: the keywords a policy's errors are worded from jsonschema-rs's own errors for (the others: jsonschema)
RS_WORDED = {"type", "enum", "required", "pattern", "const", "minimum", "maximum", "exclusiveMaximum",
             "minLength", "maxItems", "minProperties", "not", "contains"}


@pytest.mark.parametrize(("schema", "value", "expected"), KEYWORD_CASES)
def test_policy_errors_say_the_same_whichever_validator_finds_them(schema: dict, value: object,
                                                                    expected: str) -> None:
    """A schema policy's errors come from jsonschema-rs where its structured errors say enough (no
    import of jsonschema in most runs), from jsonschema otherwise: the same words and the same value."""
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    wrapped = {"type": "object", "properties": {"x": schema}}
    rust = rs_errors(jsonschema_rs.Draft202012Validator(wrapped), {"x": value}, wrapped, bounds=True)
    if set(schema) & RS_WORDED:
        assert rust is not None, schema
    if rust is not None:
        assert [(item.message, found) for item, found in rust] == [(expected, value)]
    explained = Validator(wrapped, formats=False).explained_values({"x": value})
    assert [(item.message, found) for item, found in explained] == [(expected, value)]


def test_definitions_prepared_once_give_each_kind_its_whole_schema() -> None:
    """jsonschema-rs gets each built-in kind's schema put together from definitions prepared once per
    run (local refs, int32/int64 bounds): the same as bounding the kind's whole schema."""
    from k8slint.validation import _api, _rs_schema, _with_int_bounds

    version = default_version()
    names = sorted(set(_api(version).gvks.values()))
    assert len(names) > 150
    for name in names:
        assert _rs_schema(version, name, True) == _with_int_bounds(_rs_schema(version, name, False)), name
    pod = _rs_schema(version, "io.k8s.api.core.v1.Pod", True)["$defs"]
    port = pod["io.k8s.api.core.v1.ContainerPort"]["properties"]["containerPort"]
    assert (port["format"], port["maximum"]) == ("int32", 2**31 - 1)
