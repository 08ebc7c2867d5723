"""Services resolved against the pod templates they select, across every file of the run."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from ..findings import FixIntent, Op, Related, Severity, Violation
from ..model import K8sObject, as_dict, as_list, get_in
from ..registry import Context, rule
from .nearmiss import OPEN_WORLD, map_requirements, selector_near_miss


def _selector(svc: K8sObject) -> dict[str, Any] | None:
    """The Service's non-empty pod selector, or None when it is not backed by selected pods."""
    spec = as_dict(svc.data.get("spec"))
    if spec.get("type") == "ExternalName":
        return None
    selector = spec.get("selector")
    return selector if isinstance(selector, dict) and selector else None


def operator_managed(svc: K8sObject, selector: dict[str, Any], ctx: Context) -> K8sObject | None:
    """A custom resource of the object's namespace named in a selector: its operator makes the pods.

    (kube-prometheus: the Service selecting `app.kubernetes.io/instance=main` fronts the pods the
    operator creates for `Alertmanager "main"`; Strimzi, Elastic and others label pods the same way.)
    """
    for value in selector.values():
        found = ctx.index.custom_resource(svc.namespace, str(value))
        if found is not None:
            return found
    return None


def _show_selector(selector: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in selector.items())


@rule(
    "service-selector-no-match",
    severity=Severity.WARNING,
    summary="A Service's selector matches no pod template in its namespace, though one almost matches.",
    why=(
        "A Service that selects no pods has no endpoints: every connection to it is refused or "
        "times out. Usually a label was renamed on one side only, or the Service and its workload "
        "are in different namespaces."
    ),
    remediation=(
        "Make `spec.selector` match the pod template labels of the workload it fronts, in the "
        "same namespace. If the pods come from somewhere the run does not see (another repository, "
        "an operator), pass their manifests too or suppress the finding."
    ),
    kinds={"Service"},
    exemptions=(
        OPEN_WORLD,
        "ExternalName Services and Services without a selector (backed by manually managed "
        "Endpoints or EndpointSlices).",
        "Services whose selector names a custom resource of their namespace (`instance=main` beside "
        "an `Alertmanager` named `main`), or selects the pod template of a custom resource (an OpenShift "
        "DeploymentConfig, an Argo Rollout): its controller creates those pods.",
        "Pod templates in other files or folders of the same run do count; other namespaces never do.",
    ),
    tags=("services", "cross-object"),
    fixes=("unsafe: the selector's values set to the labels of the pod template it almost matches (the one "
           "the message names), when the template has every key of the selector.",),
)
def service_selector_no_match(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    selector = _selector(obj)
    if selector is None:
        return
    if ctx.index.pods_matching(obj.namespace, selector) or operator_managed(obj, selector, ctx):
        return
    named = [str(p.get("targetPort")) for p in as_list(get_in(obj.data, ("spec", "ports")))
             if isinstance(p, dict) and isinstance(p.get("targetPort"), str) and not p["targetPort"].isdigit()]
    requirements = map_requirements(selector)
    miss = selector_near_miss(ctx.index, obj, requirements, named)
    if miss is None and not (ctx.settings.closed_world and ctx.index.has_pod_templates):
        return  # the pods come from somewhere this run does not show
    message = f"selector {_show_selector(selector)} matches no pod template in namespace \"{obj.namespace}\""
    related: tuple[Related, ...] = ()
    fix = None
    if miss is not None:
        message += miss.message
        related = (Related(miss.obj, (*(miss.obj.pod_template_path or ()), "metadata", "labels"),
                           "matching pod template" if miss.other_namespace else "the pod template it almost matches"),)
        if not miss.other_namespace:
            fix = _selector_fix(selector, miss.obj)
    yield Violation(("spec", "selector"), message, related, fix=fix)


def _selector_fix(selector: dict[str, Any], template: K8sObject) -> FixIntent | None:
    """The selector's values set to the near miss's labels (unsafe: the Service then sends traffic to
    those pods), when every key of the selector is among the template's labels."""
    labels = template.pod_labels() or {}
    if not all(isinstance(k, str) and isinstance(v, str) and isinstance(labels.get(k), str)
               for k, v in selector.items()):
        return None
    ops = tuple(Op("set", ("spec", "selector", k), labels[k], old=v) for k, v in selector.items() if labels[k] != v)
    if not ops:
        return None
    shown = ", ".join(f"{op.path[-1]}={op.value}" for op in ops)
    return FixIntent(f'select {shown} ({template.kind} "{template.name}")', False, ops)


def _probe_ports(container: dict[str, Any]) -> set[int]:
    """Numeric TCP ports the container's probes reach: proof that it listens there."""
    ports = set()
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        for handler in ("httpGet", "tcpSocket", "grpc"):
            port = as_dict(as_dict(container.get(probe)).get(handler)).get("port")
            if isinstance(port, int) and not isinstance(port, bool):
                ports.add(port)
    return ports


def _served(objs: list[K8sObject], target: int | str, protocol: str) -> tuple[bool, set[str]]:
    """Whether some selected container serves `target`/`protocol`; also the protocols it has instead."""
    other_protocols: set[str] = set()
    for obj in objs:
        for container in obj.containers():
            if not container.long_running:
                continue
            if isinstance(target, int) and protocol == "TCP" and target in _probe_ports(container.data):
                return True, set()
            for port in as_list(container.data.get("ports")):
                if not isinstance(port, dict):
                    continue
                key = port.get("name") if isinstance(target, str) else port.get("containerPort")
                if key != target:
                    continue
                proto = port.get("protocol") or "TCP"
                if proto == protocol:
                    return True, set()
                other_protocols.add(str(proto))
    return False, other_protocols


def _ports(objs: list[K8sObject]) -> Iterator[dict[str, Any]]:
    """The `ports[]` entries of the long-running containers of `objs`."""
    for obj in objs:
        for container in obj.containers():
            if container.long_running:
                yield from (p for p in as_list(container.data.get("ports")) if isinstance(p, dict))


def _declared_ports(objs: list[K8sObject]) -> set[int | str]:
    """containerPorts the long-running containers of `objs` declare."""
    return {p["containerPort"] for p in _ports(objs) if isinstance(p.get("containerPort"), (int, str))}


@rule(
    "service-target-port-undefined",
    severity=Severity.ERROR,
    severity_note="error when the target is a port name; warning when it is a number",
    summary=(
        "A Service port's target (targetPort, or port when targetPort is absent) is not served, "
        "with the same protocol, by any container of the pod templates the Service selects."
    ),
    why=(
        "A named targetPort is looked up in the `ports[].name` of each selected pod's containers; "
        "pods without that name (and protocol) get no endpoint, so the Service sends them nothing. "
        "A numeric targetPort that no container declares often means a typo or a stale port after "
        "the application changed; it is a warning because containers may listen on ports they "
        "do not declare."
    ),
    remediation=(
        "Point `targetPort` at a port the selected containers declare (by name or number, with the "
        "same protocol), or declare the port in the container's `ports`."
    ),
    kinds={"Service"},
    exemptions=(
        "Services whose selector matches no pod template (service-selector-no-match reports those), "
        "ExternalName Services and Services without a selector.",
        "Regular init containers do not serve Services; restartable sidecars do.",
        "A numeric TCP target that a selected container's probe (httpGet, tcpSocket, grpc) uses: "
        "the container evidently listens there even if it does not declare the port.",
        "A numeric target when no selected container declares any port: nothing in the manifests says "
        "where the application listens (kube-score's `service-targets-pod` test data).",
    ),
    tags=("services", "ports", "cross-object"),
    fixes=("unsafe: a named targetPort corrected to the one port name the selected containers declare that is "
           "close to it (`htpp` → `http`); a quoted number written as a number.",),
)
def service_target_port_undefined(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    selector = _selector(obj)
    if selector is None:
        return
    selected = ctx.index.pods_matching(obj.namespace, selector, near=obj)
    if not selected:
        return
    related = tuple(
        Related(o, (*(o.pod_spec_path or ()), "containers"), "selected pod template") for o in selected[:5]
    )
    for i, port in enumerate(as_list(get_in(obj.data, ("spec", "ports")))):
        if not isinstance(port, dict):
            continue
        target = port.get("targetPort")
        key = "targetPort"
        if target is None or target == "":
            target, key = port.get("port"), "port"
        if isinstance(target, bool) or not isinstance(target, (int, str)):
            continue
        protocol = str(port.get("protocol") or "TCP")
        served, others = _served(selected, target, protocol)
        if served:
            continue
        declared = _declared_ports(selected)
        if isinstance(target, int) and not declared:
            continue  # nothing declares a port: the manifests say nothing about where the app listens
        shown = list(dict.fromkeys(f'{o.kind} "{o.name}"' for o in selected))
        names = ", ".join(shown[:3]) + (f" and {len(shown) - 3} more" if len(shown) > 3 else "")
        if isinstance(target, str):
            what, severity = f'"{target}"', Severity.ERROR
        else:
            what, severity = str(target), Severity.WARNING
        message = f"{key} {what}/{protocol} is not declared by any container of {names}"
        if others:
            message += f" (declared with protocol {', '.join(sorted(others))})"
        elif isinstance(target, int):
            message += f" (they declare {', '.join(str(p) for p in sorted(declared, key=str))})"
        elif isinstance(target, str) and target.isdigit():
            message += f"; write the number without quotes ({key}: {target})"
        yield Violation(("spec", "ports", i, key), message, related, severity,
                        fix=_target_port_fix((i, key), target, selected))


def _target_port_fix(where: tuple[int, str], target: int | str, selected: list[K8sObject]) -> FixIntent | None:
    """A named targetPort corrected to the one declared name close to it, or a quoted number unquoted
    (unsafe: traffic then goes to that port)."""
    path = ("spec", "ports", *where)
    if isinstance(target, str) and target.isdigit() and 0 < int(target) < 65536:
        number = int(target)
        return FixIntent(f"{where[1]}: {number}", False, (Op("unquote", path, number, str(number)),))
    if not isinstance(target, str):
        return None
    names = sorted({p["name"] for p in _ports(selected) if isinstance(p.get("name"), str)})
    if target in names:
        return None  # declared with another protocol: no name to correct
    close = difflib.get_close_matches(target, names, n=2, cutoff=0.75)
    if len(close) != 1:
        return None
    return FixIntent(f'{where[1]}: "{close[0]}"', False, (Op("set", path, close[0], old=target),))


@rule(
    "service-port-name-required",
    severity=Severity.ERROR,
    summary="A Service has more than one port and one of them has no name.",
    why="The API server rejects a multi-port Service with an unnamed port ('spec.ports[1].name: Required value').",
    remediation="Give every port of the Service a unique name, e.g. `http` and `metrics`.",
    kinds={"Service"},
    tags=("services", "ports"),
)
def service_port_name_required(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    ports = as_list(get_in(obj.data, ("spec", "ports")))
    if len(ports) < 2:
        return
    for i, port in enumerate(ports):
        if isinstance(port, dict) and not port.get("name"):
            number = port.get("port")
            which = f"port {number}" if number is not None else f"port #{i + 1}"
            yield Violation(
                ("spec", "ports", i),
                f"{which} has no name; a Service with {len(ports)} ports needs a name on each",
            )


@rule(
    "statefulset-service-not-headless",
    severity=Severity.ERROR,
    summary="A StatefulSet's serviceName names a Service in the run that is not headless.",
    why=(
        "A StatefulSet's pods get their stable DNS names (`pod-0.service.namespace.svc`) only "
        "through a headless Service (`clusterIP: None`). With a normal Service the names do not "
        "resolve, and peers that find each other by name (databases, brokers) fail to form a cluster."
    ),
    remediation=(
        "Set `clusterIP: None` on the governing Service (clusterIP is immutable: recreate it), or "
        "point `serviceName` at a headless Service; add a second, normal Service for client traffic."
    ),
    kinds={"StatefulSet"},
    exemptions=(
        "serviceName naming a Service the run does not contain (it may live elsewhere).",
        "When several Services of that name are in the run (repositories of samples), the one in the "
        "StatefulSet's own file counts, else the one in its directory, else any headless one.",
    ),
    tags=("services", "cross-object"),
)
def statefulset_service_not_headless(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    name = get_in(obj.data, ("spec", "serviceName"))
    if not isinstance(name, str) or not name:
        return
    services = ctx.index.get("Service", obj.namespace, name, near=obj)
    if not services or any(as_dict(s.data.get("spec")).get("clusterIP") == "None" for s in services):
        return
    svc = services[0]
    spec = as_dict(svc.data.get("spec"))
    where: tuple[str, ...] = ("spec", "clusterIP") if "clusterIP" in spec else ("spec",)
    detail = f'its clusterIP is "{spec["clusterIP"]}"' if "clusterIP" in spec else "it has no clusterIP: None"
    where_defined = "in this file" if svc.file == obj.file else f"in {svc.file}"
    yield Violation(
        ("spec", "serviceName"),
        f'serviceName "{name}" names Service "{svc.name}" ({where_defined}), which is not headless: {detail}',
        (Related(svc, where, "the governing Service"),),
    )
