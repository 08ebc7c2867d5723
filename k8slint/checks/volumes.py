"""Volume rules: hostPath exposure and mounts of undefined volumes."""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterator
from typing import Any

from ..findings import Path, Severity, Violation
from ..model import WORKLOAD_KINDS, K8sObject, as_dict, as_list, get_in
from ..registry import Context, rule

#: Host paths whose exposure gives a container control of the node or its other workloads.
SENSITIVE_HOST_PATHS = (
    "/", "/etc", "/proc", "/sys", "/dev", "/boot", "/root",
    "/var/lib/kubelet", "/var/lib/docker", "/var/lib/etcd",
    "/var/run/docker.sock", "/run/docker.sock", "/var/run/docker", "/run/docker",
    "/var/run/containerd", "/run/containerd", "/var/run/crio", "/run/crio",
    "/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
)


def normalize_host_path(path: str) -> str:
    """`/etc/./kubernetes/../` -> `/etc` (what the node would resolve, symlinks aside)."""
    norm = posixpath.normpath(re.sub(r"/+", "/", path.strip()))
    return "/" if norm in ("", ".", "//") else norm


def sensitive_match(path: str, sensitive_paths: tuple[str, ...] | list[str] = SENSITIVE_HOST_PATHS
                    ) -> tuple[str, str] | None:
    """(how, sensitive path) when `path` is at, under, or a parent of a sensitive path."""
    norm = normalize_host_path(path)
    if not norm.startswith("/"):
        return None
    sensitive_paths = [normalize_host_path(p) for p in sensitive_paths]
    for sensitive in sensitive_paths:
        if norm == sensitive:
            return "is", sensitive
        if sensitive != "/" and norm.startswith(sensitive + "/"):
            return "is under", sensitive
    if norm != "/":
        for sensitive in sensitive_paths:
            if sensitive.startswith(norm + "/"):
                return "contains", sensitive
    return None


def _host_path_volumes(obj: K8sObject) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    spec_path = obj.pod_spec_path
    spec = obj.pod_spec()
    if spec_path is None or spec is None:
        return
    for i, volume in enumerate(as_list(spec.get("volumes"))):
        if isinstance(volume, dict) and isinstance(volume.get("hostPath"), dict):
            yield (*spec_path, "volumes", i), str(volume.get("name")), volume["hostPath"]


@rule(
    "host-path-volume",
    severity=Severity.WARNING,
    summary="A pod template uses a hostPath volume.",
    why=(
        "A hostPath volume ties the pod to one node's file system, survives the pod, and is one "
        "of the most common ways out of a container: what the pod can read or write on the node, "
        "an attacker who owns the container can too. Pod Security 'baseline' forbids it."
    ),
    remediation=(
        "Use a PersistentVolumeClaim, an emptyDir, a ConfigMap/Secret or a CSI driver. If the pod "
        "really is a node agent, mount the narrowest path read-only and suppress this finding."
    ),
    kinds=WORKLOAD_KINDS,
    tags=("security", "volumes"),
)
def host_path_volume(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    for path, name, host in _host_path_volumes(obj):
        yield Violation((*path, "hostPath"), f'volume "{name}" mounts host path "{host.get("path")}"')


@rule(
    "sensitive-host-path",
    severity=Severity.ERROR,
    summary="A hostPath volume points at, under or above a sensitive host path.",
    why=(
        "Mounting `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/root`, the kubelet, docker or "
        "etcd state, or a container runtime socket hands the container the node: credentials, "
        "every other pod's secrets, or the ability to start privileged containers. A parent of "
        "such a path (`/var/lib`, `/var/run`) exposes it just the same."
    ),
    remediation=(
        "Remove the volume, or mount the one narrow, non-sensitive directory the workload needs, "
        "read-only. Paths are compared after normalising '/./', '/../', '//' and trailing '/'."
    ),
    kinds=WORKLOAD_KINDS,
    tags=("security", "volumes"),
    params_schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "paths": {
                "description": "Sensitive host paths (absolute). Replaces the default list.",
                "type": "array", "items": {"type": "string", "pattern": "^/"}, "minItems": 1,
                "default": list(SENSITIVE_HOST_PATHS),
            },
        },
    },
)
def sensitive_host_path(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    paths = ctx.params.get("paths", SENSITIVE_HOST_PATHS)
    for path, name, host in _host_path_volumes(obj):
        raw = host.get("path")
        if not isinstance(raw, str):
            continue
        match = sensitive_match(raw, paths)
        if match:
            how, sensitive = match
            shown = f'"{raw}"' if normalize_host_path(raw) == raw else f'"{raw}" ({normalize_host_path(raw)})'
            yield Violation(
                (*path, "hostPath", "path"),
                f'volume "{name}" mounts host path {shown}, which {how} the sensitive path {sensitive}',
            )


@rule(
    "writable-host-path",
    severity=Severity.WARNING,
    summary="A hostPath volume is mounted by a container without `readOnly: true`.",
    why=(
        "A writable hostPath mount lets the container change files on the node, which other pods "
        "and the node itself then read: a persistence and escalation path."
    ),
    remediation="Add `readOnly: true` to the volumeMount, or use a volume type that is not shared with the node.",
    kinds=WORKLOAD_KINDS,
    tags=("security", "volumes"),
)
def writable_host_path(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    host = {name: h.get("path") for _, name, h in _host_path_volumes(obj)}
    if not host:
        return
    for container in obj.containers():
        for j, mount in enumerate(as_list(container.data.get("volumeMounts"))):
            if not isinstance(mount, dict) or not isinstance(mount.get("name"), str) or mount["name"] not in host:
                continue
            if mount.get("readOnly") is True:
                continue
            path = (*container.path, "volumeMounts", j)
            if "readOnly" in mount:
                path = (*path, "readOnly")
            yield Violation(
                path,
                f'container "{container.name}" mounts hostPath volume "{mount["name"]}" '
                f'({host[mount["name"]]}) without readOnly: true',
            )


@rule(
    "volume-mount-undefined",
    severity=Severity.ERROR,
    summary="A volumeMount names a volume that the pod does not define.",
    why="The API server rejects the pod template: 'volumeMounts[0].name: Not found'.",
    remediation=(
        "Add the volume to `spec.volumes` (or, for a StatefulSet, to `volumeClaimTemplates`), or "
        "fix the name in the volumeMount."
    ),
    kinds=WORKLOAD_KINDS,
    exemptions=("StatefulSet volumeClaimTemplates count as defined volumes.",),
    tags=("volumes",),
)
def volume_mount_undefined(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    spec = obj.pod_spec()
    if spec is None:
        return
    defined: set[str] = {v["name"] for v in as_list(spec.get("volumes"))
                         if isinstance(v, dict) and isinstance(v.get("name"), str)}
    if obj.kind == "StatefulSet":
        for claim in as_list(get_in(obj.data, ("spec", "volumeClaimTemplates"))):
            name = get_in(claim, ("metadata", "name"))
            if isinstance(name, str):
                defined.add(name)
    names = sorted(defined)
    for container in obj.containers():
        for group in ("volumeMounts", "volumeDevices"):
            for j, mount in enumerate(as_list(container.data.get(group))):
                name = as_dict(mount).get("name")
                if not isinstance(name, str) or name in defined:
                    continue
                message = f'container "{container.name}" mounts volume "{name}", which the pod does not define'
                close = difflib.get_close_matches(name, names, n=1)
                if close:
                    message += f' (did you mean "{close[0]}"?)'
                elif names:
                    message += f" (defined: {', '.join(names)})"
                yield Violation((*container.path, group, j, "name"), message)
