"""Objects that point at other objects by selector or name: PDBs, HPAs, NetworkPolicies, Ingresses."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from ..findings import Severity, Violation
from ..model import K8sObject, as_dict, as_list, get_in
from ..registry import Context, rule
from .services import operator_managed

_NO_TEMPLATES = "Runs that contain no pod template at all."
_OPERATOR = ("Selectors naming a custom resource of the namespace (`instance=main` beside an `Alertmanager` "
             "named `main`): an operator creates those pods.")


def _show(selector: dict[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in as_dict(selector.get("matchLabels")).items()]
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        parts.append(f"{expr.get('key')} {expr.get('operator')} {as_list(expr.get('values'))}")
    return ", ".join(parts) or "{}"


def _selects_nothing(obj: K8sObject, selector: Any, ctx: Context) -> bool:
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return False  # an empty selector selects every pod of the namespace
    if not ctx.index.has_pod_templates:
        return False
    if ctx.index.pods_selected(obj.namespace, selector):
        return False
    return operator_managed(obj, as_dict(selector.get("matchLabels")), ctx) is None


@rule(
    "pdb-selector-no-match",
    severity=Severity.WARNING,
    summary="A PodDisruptionBudget's selector matches no pod template in its namespace.",
    why=(
        "A PDB that selects nothing protects nothing: node drains and cluster upgrades evict every "
        "replica of the workload it was written for at once."
    ),
    remediation="Make `spec.selector` match the pod template labels of the workload to protect, in the same namespace.",
    kinds={"PodDisruptionBudget"},
    exemptions=("An empty selector (it selects every pod of the namespace).", _NO_TEMPLATES, _OPERATOR),
    tags=("reliability", "cross-object"),
)
def pdb_selector_no_match(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    selector = get_in(obj.data, ("spec", "selector"))
    if _selects_nothing(obj, selector, ctx):
        yield Violation(("spec", "selector"), (
            f'selector {_show(selector)} matches no pod template in namespace "{obj.namespace}"'))


@rule(
    "networkpolicy-selector-no-match",
    severity=Severity.WARNING,
    summary="A NetworkPolicy's podSelector matches no pod template in its namespace.",
    why=(
        "The policy applies to no pod: the traffic it was meant to restrict (or allow) is not "
        "affected, usually because of a renamed label."
    ),
    remediation="Make `spec.podSelector` match the pod template labels of the pods to isolate.",
    kinds={"NetworkPolicy"},
    exemptions=("An empty podSelector (it selects every pod of the namespace).", _NO_TEMPLATES, _OPERATOR),
    tags=("security", "cross-object"),
)
def networkpolicy_selector_no_match(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    selector = get_in(obj.data, ("spec", "podSelector"))
    if _selects_nothing(obj, selector, ctx):
        yield Violation(("spec", "podSelector"), (
            f'podSelector {_show(selector)} matches no pod template in namespace "{obj.namespace}"'))


@rule(
    "hpa-target-missing",
    severity=Severity.WARNING,
    summary="A HorizontalPodAutoscaler's scaleTargetRef names a workload that is not in the run.",
    why=(
        "The autoscaler reports 'FailedGetScale' and never scales anything; usually the workload "
        "was renamed, or lives in another namespace."
    ),
    remediation="Point `spec.scaleTargetRef` (kind and name) at the workload in the same namespace.",
    kinds={"HorizontalPodAutoscaler"},
    exemptions=(_NO_TEMPLATES, "Targets of kinds that create no pod template (custom resources)."),
    tags=("reliability", "cross-object"),
)
def hpa_target_missing(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    ref = as_dict(get_in(obj.data, ("spec", "scaleTargetRef")))
    kind, name = ref.get("kind"), ref.get("name")
    if not isinstance(kind, str) or not isinstance(name, str) or not ctx.index.has_pod_templates:
        return
    if kind not in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        return
    if ctx.index.get(kind, obj.namespace, name):
        return
    candidates = ctx.index.in_namespace(obj.namespace, (kind,))
    message = f'scaleTargetRef names {kind} "{name}", which is not in namespace "{obj.namespace}"'
    # a suggestion among a few hundred names at most: it must not make a large run quadratic
    others = sorted({o.name for o in candidates}) if len(candidates) <= 500 else []
    close = difflib.get_close_matches(name, others, n=1)
    if close:
        message += f' (did you mean "{close[0]}"?)'
    yield Violation(("spec", "scaleTargetRef", "name"), message)


def _backends(obj: K8sObject) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    spec = as_dict(obj.data.get("spec"))
    default = as_dict(as_dict(spec.get("defaultBackend")).get("service"))
    if default:
        yield ("spec", "defaultBackend", "service"), default
    for i, rule_ in enumerate(as_list(spec.get("rules"))):
        for j, path in enumerate(as_list(as_dict(as_dict(rule_).get("http")).get("paths"))):
            service = as_dict(as_dict(as_dict(path).get("backend")).get("service"))
            if service:
                yield ("spec", "rules", i, "http", "paths", j, "backend", "service"), service


@rule(
    "ingress-backend-missing",
    severity=Severity.WARNING,
    summary="An Ingress backend names a Service, or a Service port, that is not in the run.",
    why=(
        "The ingress controller answers 503 for that path: the Service does not exist in the "
        "Ingress's namespace, or it has no port with that number or name."
    ),
    remediation=(
        "Point `backend.service.name` at a Service of the same namespace and `backend.service.port` at "
        "one of its ports (`number` is the Service port, not the targetPort)."
    ),
    kinds={"Ingress"},
    exemptions=(
        "Runs that contain no Service at all (a folder of Ingresses alone).",
        "Resource backends, and Ingresses of removed API versions (removed-api-version reports them).",
    ),
    tags=("reliability", "cross-object"),
)
def ingress_backend_missing(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    if obj.api_version != "networking.k8s.io/v1":
        return
    if "Service" not in ctx.index.kinds:
        return
    for path, service in _backends(obj):
        name = service.get("name")
        if not isinstance(name, str):
            continue
        found = ctx.index.get("Service", obj.namespace, name)
        if not found:
            yield Violation((*path, "name"), f'Service "{name}" is not in namespace "{obj.namespace}"')
            continue
        port = as_dict(service.get("port"))
        ports = [as_dict(p) for svc in found for p in as_list(get_in(svc.data, ("spec", "ports")))]
        if "number" in port and not any(p.get("port") == port["number"] for p in ports):
            known = ", ".join(str(p.get("port")) for p in ports)
            yield Violation((*path, "port", "number"),
                            f'Service "{name}" has no port {port["number"]} (ports: {known})')
        elif "name" in port and not any(p.get("name") == port["name"] for p in ports):
            known = ", ".join(str(p.get("name")) for p in ports if p.get("name"))
            yield Violation((*path, "port", "name"),
                            f'Service "{name}" has no port named "{port["name"]}" (names: {known})')
