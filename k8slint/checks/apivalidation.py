"""What the API server's own validation rejects beyond the OpenAPI schema (validation-error).

Each check mirrors a Go function of Kubernetes, cited next to it, so that "the API server rejects
this" is exact rather than an opinion.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Severity, Violation
from ..model import K8sObject
from ..registry import Context, rule
from ..validation import crd_schema_problems


@rule(
    "validation-error",
    severity=Severity.ERROR,
    summary="The API server's validation code rejects the object, although its OpenAPI schema accepts it.",
    why=(
        "The OpenAPI schema is only the first gate: the API server then runs its own validation "
        "functions, and `kubectl apply` fails with 'Invalid value' or 'Unsupported value' for objects "
        "that every schema validator passes. Each check follows the Go validation function it names."
    ),
    remediation="Change the field as the message says; the message names the rule of the API server it follows.",
    kinds={"CustomResourceDefinition"},
    exemptions=(
        "CustomResourceDefinitions of apiextensions.k8s.io/v1beta1 (removed: removed-api-version reports them).",
    ),
    tags=("schema", "admission"),
)
def validation_error(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    if obj.kind == "CustomResourceDefinition" and obj.api_version == "apiextensions.k8s.io/v1":
        for path, message in crd_schema_problems(obj.data):
            yield Violation(path, message)
