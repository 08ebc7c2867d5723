"""Schema validation internals: versions, CRD schema conversion, messages."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from k8slint.validation import (
    UnsupportedVersion,
    crd_to_json_schema,
    default_version,
    normalize_version,
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
        ("n", "n: 1 is less than or equal to the minimum of 1"),
        ("port", "port must be an integer or a string, got a list"),
    ]
