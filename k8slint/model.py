"""Kubernetes objects as rules see them: identity, effective namespace, pod templates, selectors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .findings import ObjectRef, Path
from .parser import Document
from .records import dataclass

# Kinds the API server stores without a namespace (core and common add-on APIs). Custom resources
# not listed here are treated as namespaced, which is what almost all of them are.
CLUSTER_SCOPED_KINDS = frozenset({
    "APIService", "CSIDriver", "CSINode", "CertificateSigningRequest", "ClusterIssuer", "ClusterRole",
    "ClusterRoleBinding", "ClusterTrustBundle", "ComponentStatus", "CustomResourceDefinition",
    "FlowSchema", "GatewayClass", "IngressClass", "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding", "MutatingWebhookConfiguration", "Namespace", "Node",
    "PersistentVolume", "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration",
    "RuntimeClass", "SelfSubjectAccessReview", "SelfSubjectRulesReview", "StorageClass",
    "StorageVersionMigration", "SubjectAccessReview", "TokenReview", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration", "VolumeAttachment",
    "VolumeAttributesClass", "DeviceClass", "ResourceSlice",
})

# API groups served by Kubernetes itself (every group of the bundled schemas, 1.25 to 1.37, and the
# removed `extensions`; tests/test_validation.py keeps the list complete). Objects of any other
# group are custom resources, including the many add-on groups that end in `.k8s.io` (Gateway API's
# gateway.networking.k8s.io, snapshot.storage.k8s.io, ...).
BUILTIN_GROUPS = frozenset({
    "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
    "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "extensions", "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io", "lifecycle.k8s.io", "networking.k8s.io", "node.k8s.io", "policy",
    "rbac.authorization.k8s.io", "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io",
    "storagemigration.k8s.io",
})

#: Image references that a build tool replaces before deploying: `ko://github.com/org/app/cmd/server`
#: becomes `registry/app@sha256:...` when `ko resolve` or `ko apply` runs. They are neither tags nor
#: references a runtime pulls.
BUILD_TIME_PREFIXES = ("ko://",)

#: The kind under which rules see custom resources that carry a pod template of their own
#: (`spec.template.spec.containers`: Argo Rollouts, OpenKruise CloneSets and Advanced StatefulSets,
#: OpenShift DeploymentConfigs, ...). Rules for workloads list it in their kinds.
CUSTOM_WORKLOAD = "(custom resource with a pod template)"

# Where each workload kind keeps its pod template (the object containing `metadata` and `spec`).
POD_TEMPLATE_PATHS: dict[str, Path] = {
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "PodTemplate": ("template",),
}
WORKLOAD_KINDS = frozenset({"Pod", *POD_TEMPLATE_PATHS, CUSTOM_WORKLOAD} - {"PodTemplate"})
#: Pod templates whose pods run until deleted (probe rules apply to these; custom workloads whose kind
#: ends in "Job" are taken to run to completion).
LONG_RUNNING_KINDS = frozenset({
    "Pod", "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", CUSTOM_WORKLOAD,
})


def get_in(data: Any, path: Path, default: Any = None) -> Any:
    for elem in path:
        if isinstance(elem, int):
            if not isinstance(data, list) or not -len(data) <= elem < len(data):
                return default
        elif not isinstance(data, dict) or elem not in data:
            return default
        data = data[elem]
    return data


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class Container:
    path: Path  # path of the container item inside its object
    data: dict[str, Any]
    init: bool
    restartable: bool  # an init container with restartPolicy: Always (a sidecar)

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) else "<unnamed>"

    @property
    def long_running(self) -> bool:
        """Regular containers and restartable init containers (sidecars)."""
        return not self.init or self.restartable


if TYPE_CHECKING:
    from functools import cached_property as once
else:
    class once:  # noqa: N801  # a decorator, named like functools' own
        """functools.cached_property without its lock (Python 3.10 and 3.11 take a lock on every first
        access: 1 % of a 20,000-object run). Computed on first access and stored in the instance's
        dict, which then answers every later access without calling this descriptor."""

        def __init__(self, func: Any) -> None:
            self.func = func
            self.name = func.__name__
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, instance: Any, owner: type | None = None) -> Any:
            if instance is None:
                return self
            value = instance.__dict__[self.name] = self.func(instance)
            return value


@lru_cache(maxsize=1 << 16)
def folder_of(file: str) -> str:
    """The folder of a file (os.path.dirname), once per file: views and rules ask it of every object."""
    return os.path.dirname(file)


@dataclass(eq=False)
class K8sObject:
    data: dict[str, Any]
    doc: Document
    base: Path  # where the object sits inside its document: () or ("items", i) for List items
    api_version: str
    kind: str
    name: str
    namespace: str | None  # effective namespace; None for cluster-scoped kinds
    _ref: ObjectRef | None = field(default=None, repr=False)

    @classmethod
    def from_data(cls, data: dict[str, Any], doc: Document, base: Path, default_ns: str) -> K8sObject:
        meta = as_dict(data.get("metadata"))
        name = meta.get("name")
        if not isinstance(name, str):
            generate = meta.get("generateName")
            name = generate if isinstance(generate, str) else ""
        kind = data["kind"]
        namespace: str | None = None
        if kind not in CLUSTER_SCOPED_KINDS:
            ns = meta.get("namespace")
            namespace = ns if isinstance(ns, str) and ns else default_ns
        return cls(data, doc, base, data["apiVersion"], kind, name, namespace)

    #: values computed from the data on demand: not sent between processes (workers recompute them)
    _CACHED = ("_ref", "custom", "pod_template_path", "pod_spec_path", "_pod_labels", "_containers")

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._CACHED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._ref = None

    @property
    def ref(self) -> ObjectRef:
        if self._ref is None:
            self._ref = ObjectRef(self.api_version, self.kind, self.name, self.namespace)
        return self._ref

    @property
    def file(self) -> str:
        return self.doc.source

    def locate(self, path: Path) -> tuple[int, int]:
        return self.doc.locate(self.base + path)

    def describe(self) -> str:
        return f"{self.kind} {self.name!r}" + (f" in namespace {self.namespace!r}" if self.namespace else "")

    # --- pod templates (computed once: rules ask for them over and over) ----------------------

    @once
    def custom(self) -> bool:
        """A custom resource: its API group is not one Kubernetes serves itself."""
        return self.api_version.rpartition("/")[0] not in BUILTIN_GROUPS

    @once
    def pod_template_path(self) -> Path | None:
        """Path to the object holding the pod's `metadata` and `spec` (() for a Pod)."""
        if self.custom:
            containers = get_in(self.data, ("spec", "template", "spec", "containers"))
            return ("spec", "template") if isinstance(containers, list) else None
        if self.kind == "Pod":
            return ()
        return POD_TEMPLATE_PATHS.get(self.kind)

    @property
    def rule_kinds(self) -> tuple[str, ...]:
        """The kinds rules are looked up under: the object's own, and CUSTOM_WORKLOAD for a custom
        resource with a pod template (a job-like one, whose kind ends in "Job", is not long-running)."""
        if self.custom and self.pod_template_path is not None:
            return (self.kind, CUSTOM_WORKLOAD)
        return (self.kind,)

    @property
    def runs_to_completion(self) -> bool:
        return self.kind in ("Job", "CronJob") or (self.custom and self.kind.endswith("Job"))

    @once
    def pod_spec_path(self) -> Path | None:
        base = self.pod_template_path
        return None if base is None else (*base, "spec")

    def pod_spec(self) -> dict[str, Any] | None:
        path = self.pod_spec_path
        if path is None:
            return None
        spec = get_in(self.data, path)
        return spec if isinstance(spec, dict) else None

    def pod_labels(self) -> dict[str, Any] | None:
        """Labels of the pods this object creates, or None when it creates none."""
        return self._pod_labels

    @once
    def _pod_labels(self) -> dict[str, Any] | None:
        base = self.pod_template_path
        if base is None or self.kind == "PodTemplate":
            return None
        labels = get_in(self.data, (*base, "metadata", "labels"))
        return labels if isinstance(labels, dict) else {}

    def containers(self, *, include_init: bool = True) -> Iterator[Container]:
        """The containers, then the init containers (unless `include_init` is False)."""
        if include_init:
            return iter(self._containers)
        return (c for c in self._containers if not c.init)

    @once
    def _containers(self) -> tuple[Container, ...]:
        """Built once per object: a dozen rules walk the containers of every workload."""
        spec_path = self.pod_spec_path
        spec = self.pod_spec()
        if spec_path is None or spec is None:
            return ()
        out = []
        for group in ("containers", "initContainers"):
            for i, item in enumerate(as_list(spec.get(group))):
                if isinstance(item, dict):
                    init = group == "initContainers"
                    restartable = init and item.get("restartPolicy") == "Always"
                    out.append(Container((*spec_path, group, i), item, init, restartable))
        return tuple(out)


def selector_matches(selector: Any, labels: dict[str, Any]) -> bool:
    """Whether a LabelSelector (matchLabels + matchExpressions) selects `labels`.

    An empty selector selects everything, as in the API; a malformed one selects nothing.
    """
    if not isinstance(selector, dict):
        return False
    for key, value in as_dict(selector.get("matchLabels")).items():
        if key not in labels or str(labels[key]) != str(value):
            return False
    for expr in as_list(selector.get("matchExpressions")):
        if not expression_matches(expr, labels):
            return False
    return True


def expression_matches(expr: Any, labels: dict[str, Any]) -> bool:
    if not isinstance(expr, dict):
        return False
    key = expr.get("key")
    if not isinstance(key, str):
        return False  # malformed: schema validation reports it; it selects nothing
    op = expr.get("operator")
    values = {str(v) for v in as_list(expr.get("values"))}
    present = key in labels
    if op == "In":
        return present and str(labels[key]) in values
    if op == "NotIn":
        return not present or str(labels[key]) not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    return False


def map_selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """The plain map selector of Services and ReplicationControllers."""
    return all(key in labels and str(labels[key]) == str(value) for key, value in selector.items())
