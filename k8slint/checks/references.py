"""Objects that point at other objects by selector or name: PDBs, HPAs, NetworkPolicies, Ingresses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Path, Related, Severity, Violation
from ..model import K8sObject, as_dict, as_list, get_in
from ..registry import Context, rule
from .nearmiss import (
    OPEN_WORLD,
    label_requirements,
    name_near_miss,
    selector_near_miss,
    show,
)
from .services import operator_managed

_OPERATOR = ("Selectors naming a custom resource of the namespace (`instance=main` beside an `Alertmanager` "
             "named `main`), or selecting the pod template of a custom resource (an OpenShift DeploymentConfig, "
             "an Argo Rollout): its controller creates those pods.")


def _selects_nothing(obj: K8sObject, path: Path, ctx: Context) -> Iterator[Violation]:
    """The violation of a LabelSelector at `path` that selects no pod template, when the run shows
    what it was meant for (or the run is declared complete)."""
    selector = get_in(obj.data, path)
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return  # an empty selector selects every pod of the namespace
    if ctx.index.selects_any(obj.namespace, selector):
        return
    if operator_managed(obj, as_dict(selector.get("matchLabels")), ctx) is not None:
        return
    requirements = label_requirements(selector)
    miss = selector_near_miss(ctx.index, obj, requirements)
    if miss is None and not (ctx.settings.closed_world and ctx.index.has_pod_templates):
        return
    message = f'{path[-1]} {show(requirements)} matches no pod template in namespace "{obj.namespace}"'
    related: tuple[Related, ...] = ()
    if miss is not None:
        message += miss.message
        related = (Related(miss.obj, (*(miss.obj.pod_template_path or ()), "metadata", "labels"),
                           "matching pod template" if miss.other_namespace else "the pod template it almost matches"),)
    yield Violation(path, message, related)


@rule(
    "pdb-selector-no-match",
    severity=Severity.WARNING,
    summary="A PodDisruptionBudget's selector matches no pod template in its namespace, though one almost matches.",
    why=(
        "A PDB that selects nothing protects nothing: node drains and cluster upgrades evict every "
        "replica of the workload it was written for at once."
    ),
    remediation="Make `spec.selector` match the pod template labels of the workload to protect, in the same namespace.",
    kinds={"PodDisruptionBudget"},
    exemptions=(OPEN_WORLD, "An empty selector (it selects every pod of the namespace).", _OPERATOR),
    tags=("reliability", "cross-object"),
)
def pdb_selector_no_match(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    yield from _selects_nothing(obj, ("spec", "selector"), ctx)


@rule(
    "networkpolicy-selector-no-match",
    severity=Severity.WARNING,
    summary="A NetworkPolicy's podSelector matches no pod template in its namespace, though one almost matches.",
    why=(
        "The policy applies to no pod: the traffic it was meant to restrict (or allow) is not "
        "affected, usually because of a renamed label."
    ),
    remediation="Make `spec.podSelector` match the pod template labels of the pods to isolate.",
    kinds={"NetworkPolicy"},
    exemptions=(OPEN_WORLD, "An empty podSelector (it selects every pod of the namespace).", _OPERATOR),
    tags=("security", "cross-object"),
)
def networkpolicy_selector_no_match(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    yield from _selects_nothing(obj, ("spec", "podSelector"), ctx)


@rule(
    "hpa-target-missing",
    severity=Severity.WARNING,
    summary="A HorizontalPodAutoscaler's scaleTargetRef names a workload that is not in the run, though one with a "
            "close name is.",
    why=(
        "The autoscaler reports 'FailedGetScale' and never scales anything; usually the workload "
        "was renamed, or lives in another namespace."
    ),
    remediation="Point `spec.scaleTargetRef` (kind and name) at the workload in the same namespace.",
    kinds={"HorizontalPodAutoscaler"},
    exemptions=(OPEN_WORLD, "Targets of kinds that create no pod template (custom resources)."),
    tags=("reliability", "cross-object"),
)
def hpa_target_missing(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    ref = as_dict(get_in(obj.data, ("spec", "scaleTargetRef")))
    kind, name = ref.get("kind"), ref.get("name")
    if not isinstance(kind, str) or not isinstance(name, str):
        return
    if kind not in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        return
    if ctx.index.get(kind, obj.namespace, name):
        return
    message = f'scaleTargetRef names {kind} "{name}", which is not in namespace "{obj.namespace}"'
    hint = _name_hint(ctx, obj, kind, name)
    if hint is None and not (ctx.settings.closed_world and ctx.index.has_pod_templates):
        return
    yield Violation(("spec", "scaleTargetRef", "name"), message + (hint or ""))


def _name_hint(ctx: Context, obj: K8sObject, kind: str, name: str) -> str | None:
    """"; did you mean ..." for a name that is close to one of the namespace, or the namespace
    where an object of that exact name is (None: nothing in the run is close)."""
    candidates = ctx.index.in_namespace(obj.namespace, (kind,))
    # a suggestion among a few hundred names at most: it must not make a large run quadratic
    close = name_near_miss(name, [o.name for o in candidates]) if len(candidates) <= 500 else None
    if close is not None:
        return f' (did you mean "{close}"?)'
    elsewhere = sorted({ns for ns in ctx.index.namespaces_of(kind, name) if ns != obj.namespace}, key=str)
    if elsewhere:
        return f' ({kind} "{name}" is in namespace "{elsewhere[0]}": references resolve within a namespace only)'
    return None


def _backends(obj: K8sObject) -> Iterator[tuple[Path, str | None, Any, str]]:
    """(path of the backend, Service name, port, how the port is written) of every Service backend,
    for networking.k8s.io/v1 (`service: {name, port: {number|name}}`) and the older
    extensions/networking v1beta1 shape (`serviceName`, `servicePort`)."""
    spec = as_dict(obj.data.get("spec"))
    candidates: list[tuple[Path, dict[str, Any]]] = []
    if "defaultBackend" in spec:
        candidates.append((("spec", "defaultBackend"), as_dict(spec["defaultBackend"])))
    if "backend" in spec:
        candidates.append((("spec", "backend"), as_dict(spec["backend"])))
    for i, rule_ in enumerate(as_list(spec.get("rules"))):
        for j, path in enumerate(as_list(as_dict(as_dict(rule_).get("http")).get("paths"))):
            where: Path = ("spec", "rules", i, "http", "paths", j, "backend")
            candidates.append((where, as_dict(as_dict(path).get("backend"))))
    for path, backend in candidates:
        service = as_dict(backend.get("service"))
        if service:
            port = as_dict(service.get("port"))
            if "number" in port:
                yield (*path, "service"), service.get("name"), port["number"], "port.number"
            elif "name" in port:
                yield (*path, "service"), service.get("name"), port["name"], "port.name"
            else:
                yield (*path, "service"), service.get("name"), None, ""
        elif "serviceName" in backend:
            yield path, backend.get("serviceName"), backend.get("servicePort"), "servicePort"


@rule(
    "ingress-backend-missing",
    severity=Severity.WARNING,
    summary="An Ingress backend names a Service port that the Service lacks, or a Service that is not in the run "
            "though one with a close name is.",
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
        OPEN_WORLD,
        "Resource backends.",
    ),
    tags=("reliability", "cross-object"),
)
def ingress_backend_missing(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    for path, name, port, written in _backends(obj):
        if not isinstance(name, str):
            continue
        found = ctx.index.get("Service", obj.namespace, name, near=obj)
        name_path = (*path, "name") if written != "servicePort" else (*path, "serviceName")
        if not found:
            hint = _name_hint(ctx, obj, "Service", name)
            if hint is not None or (ctx.settings.closed_world and "Service" in ctx.index.kinds):
                yield Violation(name_path, f'Service "{name}" is not in namespace "{obj.namespace}"{hint or ""}')
            continue
        ports = [as_dict(p) for svc in found for p in as_list(get_in(svc.data, ("spec", "ports")))]
        port_path = (*path, *written.split(".")) if written else name_path
        related = (Related(found[0], ("spec", "ports"), "the Service's ports"),)
        numeric = isinstance(port, int) and not isinstance(port, bool)
        if numeric and not any(p.get("port") == port for p in ports):
            known = ", ".join(str(p.get("port")) for p in ports) or "none"
            yield Violation(port_path, f'Service "{name}" has no port {port} (its ports: {known})', related)
        elif isinstance(port, str) and port and not any(p.get("name") == port for p in ports):
            known = ", ".join(str(p.get("name")) for p in ports if p.get("name")) or "no named ports"
            yield Violation(port_path, f'Service "{name}" has no port named "{port}" (its port names: {known})',
                            related)


@rule(
    "duplicate-object",
    severity=Severity.WARNING,
    summary="The same object (group, kind, namespace and name) is defined twice where both are applied together.",
    why=(
        "Applying both keeps only one of the definitions: `kubectl apply` applies them in turn and the later "
        "replaces the earlier, Kustomize refuses to build, Helm renders both and the second one wins. The other "
        "definition silently has no effect, and the two usually drift apart."
    ),
    remediation=(
        "Keep one definition, or give the objects different names or namespaces. If the definitions are "
        "alternatives that are never applied together, keep them in different files."
    ),
    kinds=None,
    exemptions=(
        "Definitions in different files of the plain files of a run: repositories keep alternatives side by "
        "side (`install.yaml` and `namespace-install.yaml`, one sample per file), and a run is not one "
        "`kubectl apply`. They are reported with `--closed-world`, and inside a folder listed in `units:` "
        "(a folder applied as a whole).",
        "Objects in different units (charts, kustomization roots, the folders listed in `units:`).",
        "Objects whose controller is in the run (the Pods of a ReplicaSet in a `kubectl get -o yaml` dump): "
        "they are folded into their controller.",
    ),
    tags=("reliability", "cross-object", "identity-only"),
)
def duplicate_object(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    if ctx.index.count(obj.kind, obj.namespace, obj.name) < 2:
        return  # most objects: defined once
    group = obj.api_version.rpartition("/")[0]
    same = [o for o in ctx.index.get(obj.kind, obj.namespace, obj.name)
            if o.api_version.rpartition("/")[0] == group]
    if len(same) < 2 or same[0] is obj:
        return
    earlier = same[:next(i for i, o in enumerate(same) if o is obj)]
    if ctx.settings.unit == "files" and not ctx.settings.closed_world:
        earlier = [o for o in earlier if o.file == obj.file]
    if not earlier:
        return
    first = earlier[0]
    where = "earlier in this file" if first.file == obj.file else f"first in {first.file}"
    namespace = f' in namespace "{obj.namespace}"' if obj.namespace else ""
    yield Violation(("metadata", "name"), (
        f'{obj.kind} "{obj.name}"{namespace} is defined again ({where}): applied together, the later definition '
        "replaces the earlier one"), (Related(first, ("metadata", "name"), "the earlier definition"),))
