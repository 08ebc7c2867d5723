"""Schema rules: the object against the OpenAPI schema of its apiVersion/kind for the target version."""

from __future__ import annotations

from collections.abc import Iterator

from ..deprecations import deprecated_in, removed_in
from ..findings import Severity, Violation
from ..model import K8sObject
from ..registry import Context, rule
from ..validation import DEFERRED_STATES
from .migrations import FIXES, migration

_SCHEMA_EXEMPTIONS = (
    "Objects of removed API versions: removed-api-version reports those instead of a missing schema.",
    "Kinds without any schema (custom resources whose CustomResourceDefinition is not in the run): "
    "unknown-kind reports them once per kind.",
)


def _deferred(obj: K8sObject, ctx: Context) -> bool:
    """Whether this phase must skip the object: custom resources are validated once every
    CustomResourceDefinition of the run is known (the run phase), everything else per file."""
    custom = ctx.schemas.status(obj.api_version, obj.kind).state in DEFERRED_STATES
    return custom if ctx.phase == "object" else not custom


@rule(
    "schema-violation",
    severity=Severity.ERROR,
    summary=(
        "The object violates the Kubernetes OpenAPI schema of its apiVersion and kind for the target "
        "version: a wrong type, a missing required field, a value outside an enumeration, a bad format."
    ),
    why=(
        "The API server rejects the object at deploy time (`kubectl apply` fails with 'invalid "
        "type', 'Required value' or 'Unsupported value'). Every violation of the object is reported, "
        "not just the first, at the offending value; a missing required field is reported at the "
        "mapping that lacks it."
    ),
    remediation=(
        "Fix the value as the message says (`replicas: 3`, not `replicas: \"3\"`; quote label and "
        "environment values that YAML would read as numbers or booleans). Validate against your "
        "cluster's version with `--kube-version`."
    ),
    kinds=None,
    exemptions=_SCHEMA_EXEMPTIONS,
    tags=("schema", "both-phases"),
    fixes=(
        'safe: a quoted number or boolean where the schema wants one: `replicas: "3"` → `replicas: 3`, '
        '`readOnly: "true"` → `readOnly: true`.',
        'safe: a number or YAML 1.1 boolean where the schema wants a string, quoted as written: '
        '`value: 8080` → `value: "8080"`, `version: 1.10` → `version: "1.10"`, `name: no` → `name: "no"`.',
        "safe: an enumeration value in the wrong case: `imagePullPolicy: always` → `imagePullPolicy: Always`.",
    ),
)
def schema_violation(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    if _deferred(obj, ctx):
        return
    for error in ctx.schemas.errors(obj):
        if not error.unknown_field:
            yield Violation(error.path, error.message, fix=error.fix)


@rule(
    "unknown-field",
    severity=Severity.ERROR,
    summary="A field the schema does not define (a typo, or a field at the wrong level).",
    why=(
        "`kubectl apply` rejects unknown fields (strict field validation); older tools silently "
        "dropped them, so `imagePullPolcy: Always` or a `resources` block indented one level too "
        "deep simply had no effect."
    ),
    remediation=(
        "Fix the spelling (the message suggests the closest defined field) or move the field to "
        "the level where it belongs. `--no-strict` turns this rule off."
    ),
    kinds=None,
    exemptions=(
        *_SCHEMA_EXEMPTIONS,
        "Fields under `x-kubernetes-preserve-unknown-fields` in a custom resource schema.",
    ),
    tags=("schema", "both-phases"),
    fixes=(
        "safe: a misspelt field renamed to the one defined field it is close to (`imagePullPolcy` → "
        "`imagePullPolicy`, `sepc` → `spec`), when no other field is as close and the mapping does not "
        "already set it. A field at the wrong level is not moved.",
    ),
)
def unknown_field(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    if _deferred(obj, ctx):
        return
    for error in ctx.schemas.errors(obj):
        if error.unknown_field:
            yield Violation(error.path, error.message, fix=error.fix)


@rule(
    "removed-api-version",
    severity=Severity.ERROR,
    summary="The apiVersion of this kind is no longer served by the target Kubernetes version.",
    why=(
        "The API server answers 'no matches for kind' and nothing is created: the usual surprise "
        "after a cluster upgrade. The table follows the Kubernetes deprecated API migration guide."
    ),
    remediation=(
        "Change apiVersion to the replacement named in the message and apply the changes listed "
        "in the migration guide for that kind; or target an older version with `--kube-version`."
    ),
    kinds=None,
    exemptions=(
        "Nothing else about the object: every other rule (probes, security, ports, selectors, Ingress "
        "backends of extensions/v1beta1) still checks it, as kube-score does; only schema validation "
        "stops, since the target version has no schema for it (where kubeconform says 'could not find "
        "schema', this rule names the replacement).",
    ),
    tags=("api-versions",),
    fixes=FIXES,
)
def removed_api_version(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    entry = removed_in(obj.api_version, obj.kind, ctx.schemas.version)
    if entry:
        yield Violation(("apiVersion",), (
            f"{obj.api_version} {obj.kind} was removed in Kubernetes {entry.removed} (deprecated "
            f"since {entry.deprecated}; target version {ctx.schemas.version}): {entry.advice()}"
        ), fix=migration(obj, entry.replacement))


@rule(
    "deprecated-api-version",
    severity=Severity.WARNING,
    summary="The apiVersion of this kind is deprecated in the target Kubernetes version and will be removed.",
    why=(
        "It still works today, and stops working on the upgrade that removes it; the API server "
        "already warns on every request."
    ),
    remediation="Move to the replacement apiVersion named in the message before upgrading.",
    kinds=None,
    tags=("api-versions",),
    fixes=FIXES,
)
def deprecated_api_version(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    entry = deprecated_in(obj.api_version, obj.kind, ctx.schemas.version)
    if entry:
        yield Violation(("apiVersion",), (
            f"{obj.api_version} {obj.kind} is deprecated since Kubernetes {entry.deprecated} and is "
            f"removed in {entry.removed}: {entry.advice()}"
        ), fix=migration(obj, entry.replacement))


@rule(
    "unknown-kind",
    severity=Severity.INFO,
    summary="No schema is known for this apiVersion and kind (reported once per kind).",
    why=(
        "Objects of this kind are not schema-validated: typically custom resources whose "
        "CustomResourceDefinition is neither in the run nor given with `--crd`."
    ),
    remediation=(
        "Add the CustomResourceDefinition to the linted paths or pass it with `--crd PATH`; "
        "disable this rule if you do not want custom resources validated."
    ),
    kinds=None,
    tags=("schema", "run-scope", "identity-only"),
)
def unknown_kind(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    status = ctx.schemas.status(obj.api_version, obj.kind)
    if status.state == "unknown" and ctx.schemas.first_of_kind(obj):
        group = obj.api_version.rpartition("/")[0]
        if "." not in group:
            yield Violation(("apiVersion",), (
                f'{obj.kind} ({obj.api_version}) is not a Kubernetes API: "{group or obj.api_version}" is no '
                "built-in API group, and custom resource groups contain a dot; if this document is not "
                "meant for a cluster, exclude its file"))
            return
        yield Violation(("kind",), (
            f"no schema for {obj.kind} ({obj.api_version}): objects of this kind are not validated; "
            "add its CustomResourceDefinition to the run or pass it with --crd"
        ))
