"""What the API server's validation code rejects beyond the OpenAPI schema, offline.

Each function mirrors a Go function of Kubernetes, named in its docstring (pkg/apis/<group>/validation,
k8s.io/apimachinery/pkg/util/validation and api/validation), with the API server's own wording
(`field: Invalid value: "x": detail`). Checks other rules already make are left to them: types, required
fields and enumerations of the schema (schema-violation), quantities (invalid-quantity), port names
(port-name-invalid), volumeMounts of undefined volumes (volume-mount-undefined), a Service's unnamed ports
(service-port-name-required), selectors against templates (selector-template-mismatch).

Values are read as the API server reads them after defaulting: a null field is absent, a volume without
a source is an emptyDir, a request missing from a Pod's container takes its limit (SetDefaults_Pod).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any, TypeVar

from .findings import Path, render_path
from .model import BUILD_TIME_PREFIXES, as_dict, as_list
from .quantity import parse_quantity

Problem = tuple[Path, str]
Version = tuple[int, int]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, (int, float)) or value is None else "a value"


def invalid(path: Path, value: Any, detail: str) -> Problem:
    """field.Invalid, as the API server prints it."""
    return path, f"{render_path(path)}: Invalid value: {_show(value)}: {detail}"


def required(path: Path, detail: str = "") -> Problem:
    return path, f"{render_path(path)}: Required value" + (f": {detail}" if detail else "")


def forbidden(path: Path, detail: str) -> Problem:
    return path, f"{render_path(path)}: Forbidden: {detail}"


def duplicate(path: Path, value: Any) -> Problem:
    return path, f"{render_path(path)}: Duplicate value: {_show(value)}"


def unsupported(path: Path, value: Any, supported: tuple[str, ...]) -> Problem:
    return path, (f"{render_path(path)}: Unsupported value: {_show(value)}: supported values: "
                  + ", ".join(f'"{s}"' for s in supported))


# --- names and keys (k8s.io/apimachinery/pkg/util/validation/validation.go) ----------------------

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(_LABEL, re.ASCII)
DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*", re.ASCII)
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?", re.ASCII)
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", re.ASCII)
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+", re.ASCII)
_ENV_STRICT = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*", re.ASCII)
_IANA_CHARS = re.compile(r"[-a-z0-9]+", re.ASCII)


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


_MEMO_LIMIT = 65536
T = TypeVar("T")


def _remembered(answer: Callable[[str], T]) -> Callable[[str], T]:
    """`answer` computed once per distinct string (label keys, names, values and images repeat across
    thousands of objects), every caller sharing it. Bounded: cleared when it grows too large."""
    answers: dict[str, T] = {}

    @functools.wraps(answer)
    def remembered(value: str) -> T:
        try:
            return answers[value]
        except KeyError:
            if len(answers) >= _MEMO_LIMIT:
                answers.clear()
            found = answers[value] = answer(value)
            return found

    return remembered


def _memo(check: Callable[[str], list[str]]) -> Callable[[str], tuple[str, ...]]:
    """A string check, remembered (see _remembered) as a tuple: its callers only read it."""
    return functools.wraps(check)(_remembered(lambda value: tuple(check(value))))


def _length_and_form(value: str, limit: int, form: re.Pattern[str], problem: str) -> list[str]:
    """The two checks most of apimachinery's IsX functions make: MaxLenError (in bytes), then
    RegexError."""
    out = []
    if _bytes(value) > limit:
        out.append(f"must be no more than {limit} characters")
    if not form.fullmatch(value):
        out.append(problem)
    return out


@_memo
def dns1123_label(value: str) -> list[str]:
    """IsDNS1123Label."""
    out = []
    if _bytes(value) > 63:
        out.append("must be no more than 63 characters")
    if not DNS1123_LABEL.fullmatch(value):
        out.append("must not contain dots" if DNS1123_SUBDOMAIN.fullmatch(value) else (
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
            "and end with an alphanumeric character (e.g. 'my-name' or '123-abc')"))
    return out


@_memo
def dns1123_subdomain(value: str) -> list[str]:
    """IsDNS1123Subdomain."""
    return _length_and_form(value, 253, DNS1123_SUBDOMAIN, (
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'example.com')"))


@_memo
def dns1035_label(value: str) -> list[str]:
    """IsDNS1035Label."""
    return _length_and_form(value, 63, DNS1035_LABEL, (
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
        "character, and end with an alphanumeric character (e.g. 'my-name' or 'abc-123')"))


def path_segment(value: str) -> list[str]:
    """path.IsValidPathSegmentName (RBAC names)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in "/%" if c in value]


@_memo
def iana_port_name(value: str) -> list[str]:
    """IsValidPortName (IANA_SVC_NAME)."""
    out = []
    if len(value) > 15:
        out.append("must be no more than 15 characters")
    if not _IANA_CHARS.fullmatch(value):
        out.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        out.append("must contain at least one letter (a-z)")
    if "--" in value:
        out.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        out.append("must not begin or end with a hyphen")
    return out


@_memo
def qualified_name(value: str) -> list[str]:
    """IsQualifiedName: [prefix/]name, prefix a DNS subdomain, name at most 63 characters."""
    parts = value.split("/")
    if len(parts) > 2:
        return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                "with an alphanumeric character, with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]
    out = []
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            out.append("prefix part must be non-empty")
        out += [f"prefix part {m}" for m in (dns1123_subdomain(prefix) if prefix else [])]
    if not name:
        out.append("name part must be non-empty")
    elif _bytes(name) > 63:
        out.append("name part must be no more than 63 characters")
    if name and not _QUALIFIED_NAME.fullmatch(name):
        out.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                   "with an alphanumeric character (e.g. 'MyName', 'my.name' or '123-abc')")
    return out


@_memo
def label_value(value: str) -> list[str]:
    """IsValidLabelValue (the empty string is a valid label value)."""
    return _length_and_form(value, 63, _QUALIFIED_NAME, (
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'MyValue', 'my_value' or '12345')")) if value else []


@_memo
def config_map_key(value: str) -> list[str]:
    """IsConfigMapKey."""
    out = _length_and_form(value, 253, _CONFIG_KEY, (
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', 'KEY_NAME' "
        "or 'key-name')"))
    if value == ".":
        out.append("must not be '.'")
    elif value == "..":
        out.append("must not be '..'")
    elif value.startswith(".."):
        out.append("must not start with '..'")
    return out


def env_var_name(value: str, relaxed: bool) -> list[str]:
    """IsRelaxedEnvVarName (the default from Kubernetes 1.32) or IsEnvVarName."""
    if relaxed:
        if all(" " <= ch <= "~" and ch != "=" for ch in value):
            return []
        return ["a valid environment variable name must consist only of printable ASCII characters other than '='"]
    out = [] if _ENV_STRICT.fullmatch(value) else [
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and "
        "must not start with a digit (e.g. 'my.env-name', 'MY_ENV.NAME' or 'MyEnvName1')"]
    if value == ".":
        out.append("must not be '.'")
    elif value == "..":
        out.append("must not be '..'")
    elif value.startswith(".."):
        out.append("must not start with '..'")
    return out


def _mask_trailing_dash(name: str) -> str:
    """maskTrailingDash: a generateName prefix may end in '-' (the Go code drops two bytes and adds 'a')."""
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


# --- object metadata (ValidateObjectMeta, the name function of each kind) ------------------------

_LABEL_NAMED = frozenset({"Namespace"})
_PATH_SEGMENT_NAMED = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})
TOTAL_ANNOTATION_SIZE = 256 * 1024


def name_rule(kind: str, builtin: bool, version: Version) -> tuple[str, Any]:
    """(what, check) for metadata.name of `kind` (pkg/apis/*/validation: ValidateNamespaceName,
    ValidateServiceName (DNS-1035), NameIsDNSLabel for StatefulSets from 1.27, minimalNameRequirements for
    RBAC, NameIsDNSSubdomain for the rest and for custom resources)."""
    if not builtin:
        return "DNS-1123 subdomain", dns1123_subdomain  # apiextensions-apiserver: NameIsDNSSubdomain
    if kind == "Service":
        return "DNS-1035 label", dns1035_label
    if kind in _LABEL_NAMED or (kind == "StatefulSet" and version >= (1, 27)):
        return "DNS-1123 label", dns1123_label
    if kind in _PATH_SEGMENT_NAMED:
        return "name", path_segment
    return "DNS-1123 subdomain", dns1123_subdomain


def metadata(kind: str, builtin: bool, data: dict[str, Any], namespaced: bool, version: Version) -> list[Problem]:
    """ValidateObjectMeta (apimachinery api/validation/objectmeta.go) with the kind's name function."""
    meta = as_dict(data.get("metadata"))
    out: list[Problem] = []
    _, check = name_rule(kind, builtin, version)
    name, generate = meta.get("name"), meta.get("generateName")
    if isinstance(generate, str) and generate:
        for detail in check(_mask_trailing_dash(generate)):
            out.append(invalid(("metadata", "generateName"), generate, detail))
    if isinstance(name, str) and name:
        for detail in check(name):
            out.append(invalid(("metadata", "name"), name, detail))
        if kind == "CronJob" and builtin and _bytes(name) > 52:  # ValidateCronJobCreate: room for the job suffix
            out.append(invalid(("metadata", "name"), name, "must be no more than 52 characters"))
    elif name in (None, "") and generate in (None, ""):  # (one of another type: schema-violation says so)
        out.append(required(("metadata", "name"), "name or generateName is required"))
    namespace = meta.get("namespace")
    if namespaced and isinstance(namespace, str) and namespace:
        for detail in dns1123_label(namespace):
            out.append(invalid(("metadata", "namespace"), namespace, detail))
    out += labels(as_dict(meta.get("labels")), ("metadata", "labels"))
    annotations = as_dict(meta.get("annotations"))
    size = 0
    for key, value in annotations.items():
        key = str(key)
        for detail in qualified_name(key.lower()):
            out.append(invalid(("metadata", "annotations", key), key, detail))
        size += _bytes(key) + (_bytes(value) if isinstance(value, str) else len(str(value)))
    if size > TOTAL_ANNOTATION_SIZE:
        out.append((("metadata", "annotations"), f"metadata.annotations: Too long: may not be more than "
                                                 f"{TOTAL_ANNOTATION_SIZE} bytes (they hold {size})"))
    return out


def labels(values: dict[str, Any], path: Path) -> list[Problem]:
    """ValidateLabels: keys are qualified names, values label values."""
    out: list[Problem] = []
    for key, value in values.items():
        key = str(key)
        for detail in qualified_name(key):
            out.append(invalid((*path, key), key, detail))
        if isinstance(value, str):
            for detail in label_value(value):
                out.append(invalid((*path, key), value, detail))
    return out


# --- pods (pkg/apis/core/validation: ValidatePodSpec and what it calls) -------------------------

_REPLICATED = {"Deployment": "ReplicaSet", "ReplicaSet": "ReplicaSet", "DaemonSet": "DaemonSet",
               "StatefulSet": "StatefulSet", "ReplicationController": "ReplicationController"}
_HANDLERS_PROBE = ("exec", "httpGet", "tcpSocket", "grpc")
_HANDLERS_LIFECYCLE = ("exec", "httpGet", "tcpSocket", "sleep")
_VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
    "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
    "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def pod_spec(spec: dict[str, Any], base: Path, owner: str, version: Version) -> list[Problem]:
    """ValidatePodSpec for a Pod (owner "Pod") or the pod template of `owner`, plus the template rules of
    its workload (ValidatePodTemplateSpecForReplicaSet and friends; Job: validateJobSpec)."""
    out: list[Problem] = []
    is_pod = owner == "Pod"
    containers = [(("containers", i), c) for i, c in enumerate(as_list(spec.get("containers"))) if isinstance(c, dict)]
    inits = [(("initContainers", i), c) for i, c in enumerate(as_list(spec.get("initContainers")))
             if isinstance(c, dict)]
    ephemeral = [(("ephemeralContainers", i), c) for i, c in enumerate(as_list(spec.get("ephemeralContainers")))
                 if isinstance(c, dict)]
    # names: validateContainers (regular), validateInitContainers (vs regular and earlier inits),
    # validateEphemeralContainers (vs every container)
    seen: set[str] = set()
    for group in (containers, inits, ephemeral):
        for where, c in group:
            name = c.get("name")
            if isinstance(name, str) and name:
                for detail in dns1123_label(name):
                    out.append(invalid((*base, *where, "name"), name, detail))
                if name in seen:
                    out.append(duplicate((*base, *where, "name"), name))
                seen.add(name)
    if ephemeral and not is_pod:
        out.append(forbidden((*base, "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
    elif ephemeral:
        out.append(forbidden((*base, "ephemeralContainers"), "cannot be set on create"))
    volumes = _volumes(spec, base)
    out += volumes[1]
    relaxed_env = version >= (1, 32)
    host_ports: dict[str, Path] = {}
    host_network = spec.get("hostNetwork") is True
    for group, regular in ((containers, True), (inits, False)):
        for where, c in group:
            path = (*base, *where)
            out += _container(c, path, is_pod, relaxed_env, version)
            restart = c.get("restartPolicy")
            sidecar = not regular and restart == "Always"
            if regular and restart is not None:  # unless the ContainerRestartRules gate (alpha, off) is on
                out.append(forbidden((*path, "restartPolicy"), "may not be set for non-init containers"))
            if not regular and restart is not None and restart != "Always":
                out.append(unsupported((*path, "restartPolicy"), restart, ("Always",)))
            if not regular and not sidecar:
                for field in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                    if c.get(field) is not None:
                        out.append(forbidden((*path, field), "may not be set for init containers without "
                                                             "restartPolicy=Always"))
            else:
                out += _probes(c, path, spec)
            for i, port in enumerate(as_list(c.get("ports"))):
                port = as_dict(port)
                host_port, container_port = _int(port.get("hostPort")), _int(port.get("containerPort"))
                if host_port:
                    key = f"{port.get('protocol') or 'TCP'}/{port.get('hostIP') or ''}/{host_port}"
                    if key in host_ports and regular:
                        out.append(duplicate((*path, "ports", i, "hostPort"), key))
                    host_ports.setdefault(key, (*path, "ports", i))
                if host_network and regular and container_port is not None and (
                        (is_pod and host_port is not None and host_port != container_port)
                        or (not is_pod and host_port not in (None, 0, container_port))):
                    out.append(invalid((*path, "ports", i, "hostPort"), host_port,
                                       "must match `containerPort` when `hostNetwork` is true"))
            for i, mount in enumerate(as_list(c.get("volumeMounts"))):
                mount_path = as_dict(mount).get("mountPath")
                earlier = [as_dict(m).get("mountPath") for m in as_list(c.get("volumeMounts"))[:i]]
                if isinstance(mount_path, str) and mount_path in earlier:
                    out.append(invalid((*path, "volumeMounts", i, "mountPath"), mount_path, "must be unique"))
    deadline = _int(spec.get("activeDeadlineSeconds"))
    if owner in _REPLICATED and spec.get("activeDeadlineSeconds") is not None:
        out.append(forbidden((*base, "activeDeadlineSeconds"),
                             f"activeDeadlineSeconds in {_REPLICATED[owner]} is not Supported"))
    elif deadline is not None and not 1 <= deadline <= 2147483647:
        out.append(invalid((*base, "activeDeadlineSeconds"), deadline, "must be between 1 and 2147483647, inclusive"))
    out += _restart_policy(spec, base, owner)
    out += _dns(spec, base)
    return out


def _restart_policy(spec: dict[str, Any], base: Path, owner: str) -> list[Problem]:
    """restartPolicy per workload: ValidatePodTemplateSpecForReplicaSet (and the DaemonSet, StatefulSet and
    RC equivalents) allow Always only; validateJobSpec OnFailure or Never (Always is what defaulting gives
    a Job that sets none)."""
    policy = spec.get("restartPolicy")
    path = (*base, "restartPolicy")
    if owner in _REPLICATED:
        if policy is not None and policy != "Always":
            return [unsupported(path, policy, ("Always",))]
    elif owner in ("Job", "CronJob"):
        if policy is None or policy == "Always":
            problem = required(path, 'valid values: "OnFailure", "Never"')
            return [(problem[0], f"{problem[1]}; a Job's pods default to Always, which Jobs refuse: set OnFailure "
                                 "or Never")]
    return []


def _dns(spec: dict[str, Any], base: Path) -> list[Problem]:
    """validatePodDNSConfig."""
    config = spec.get("dnsConfig")
    if spec.get("dnsPolicy") == "None":
        if config is None:  # found at dnsPolicy: where the choice was made
            problem = required((*base, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None")
            return [((*base, "dnsPolicy"), problem[1])]
        if not as_list(as_dict(config).get("nameservers")):
            return [required((*base, "dnsConfig", "nameservers"),
                             "must provide at least one DNS nameserver when `dnsPolicy` is None")]
    servers = as_list(as_dict(config).get("nameservers"))
    if len(servers) > 3:
        return [invalid((*base, "dnsConfig", "nameservers"), len(servers), "must not have more than 3 nameservers")]
    return []


def _volumes(spec: dict[str, Any], base: Path) -> tuple[set[str], list[Problem]]:
    """validateVolumes: names DNS-1123 labels and unique; at most one source (none is the emptyDir the API
    server defaults it to)."""
    out: list[Problem] = []
    names: set[str] = set()
    for i, volume in enumerate(as_list(spec.get("volumes"))):
        volume = as_dict(volume)
        path = (*base, "volumes", i)
        name = volume.get("name")
        if isinstance(name, str) and name:
            for detail in dns1123_label(name):
                out.append(invalid((*path, "name"), name, detail))
            if name in names:
                out.append(duplicate((*path, "name"), name))
            names.add(name)
        sources = [s for s in _VOLUME_SOURCES if volume.get(s) is not None]
        for source in sources[1:]:
            out.append(forbidden((*path, source), "may not specify more than 1 volume type"))
    return names, out


def _container(c: dict[str, Any], path: Path, is_pod: bool, relaxed_env: bool, version: Version) -> list[Problem]:
    """validateContainerCommon (image, ports, env, resources) and validateContainerOnlyForPod."""
    out: list[Problem] = []
    image = c.get("image")
    if image is None or image == "":
        out.append(required((*path, "image")))
    elif isinstance(image, str):
        if is_pod and image != image.strip():
            out.append(invalid((*path, "image"), image, "must not have leading or trailing whitespace"))
        elif image.strip() and not image.startswith(BUILD_TIME_PREFIXES):
            problem = image_reference_problem(image.strip())
            if problem is not None:
                out.append(((*path, "image"), (
                    f"{render_path((*path, 'image'))}: {_show(image)} is not an image reference a container runtime "
                    f"can parse ({problem}): the kubelet reports InvalidImageName and the container never starts")))
    names: set[str] = set()
    for i, port in enumerate(as_list(c.get("ports"))):
        port = as_dict(port)
        name = port.get("name")
        if isinstance(name, str) and name:
            if name in names:
                out.append(duplicate((*path, "ports", i, "name"), name))
            names.add(name)
        number, host = _int(port.get("containerPort")), _int(port.get("hostPort"))
        if number is not None and not 1 <= number <= 65535:
            out.append(invalid((*path, "ports", i, "containerPort"), number, "must be between 1 and 65535, inclusive"))
        if host is not None and host != 0 and not 1 <= host <= 65535:
            out.append(invalid((*path, "ports", i, "hostPort"), host, "must be between 1 and 65535, inclusive"))
    for i, env in enumerate(as_list(c.get("env"))):
        name = as_dict(env).get("name")
        if isinstance(name, str) and name:
            for detail in env_var_name(name, relaxed_env):
                out.append(invalid((*path, "env", i, "name"), name, detail))
    for i, source in enumerate(as_list(c.get("envFrom"))):
        source = as_dict(source)
        prefix = source.get("prefix")
        if isinstance(prefix, str) and prefix:
            for detail in env_var_name(prefix, relaxed_env):
                out.append(invalid((*path, "envFrom", i, "prefix"), prefix, detail))
        refs = [k for k in ("configMapRef", "secretRef") if source.get(k) is not None]
        if len(refs) > 1:
            out.append(invalid((*path, "envFrom"), "", "may not have more than one field specified at a time"))
    out += resources(as_dict(c.get("resources")), (*path, "resources"), is_pod)
    return out


def _probes(c: dict[str, Any], path: Path, spec: dict[str, Any]) -> list[Problem]:
    """validateProbe (and validateLifecycle): one handler each, thresholds, liveness and startup succeed
    after one success."""
    out: list[Problem] = []
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        data = c.get(probe)
        if not isinstance(data, dict):
            continue
        where = (*path, probe)
        out += _handlers(data, where, _HANDLERS_PROBE)
        for field in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                      "failureThreshold"):
            value = _int(data.get(field))
            if value is not None and value < 0:
                out.append(invalid((*where, field), value, "must be greater than or equal to 0"))
        success = _int(data.get("successThreshold"))
        if probe != "readinessProbe" and success is not None and success not in (0, 1):
            out.append(invalid((*where, "successThreshold"), success, "must be 1"))
        grace = data.get("terminationGracePeriodSeconds")
        if grace is not None:
            if probe == "readinessProbe":
                out.append(invalid((*where, "terminationGracePeriodSeconds"), grace,
                                   "must not be set for readinessProbes"))
            elif _int(grace) is not None and grace <= 0:
                out.append(invalid((*where, "terminationGracePeriodSeconds"), grace, "must be greater than 0"))
    lifecycle = as_dict(c.get("lifecycle"))
    for hook in ("postStart", "preStop"):
        if isinstance(lifecycle.get(hook), dict):
            out += _handlers(lifecycle[hook], (*path, "lifecycle", hook), _HANDLERS_LIFECYCLE)
    return out


def _handlers(data: dict[str, Any], where: Path, handlers: tuple[str, ...]) -> list[Problem]:
    """validateHandler: exactly one handler type."""
    present = [h for h in handlers if data.get(h) is not None]
    if not present:
        return [required(where, "must specify a handler type")]
    return [forbidden((*where, h), "may not specify more than 1 handler type") for h in present[1:]]


def _is_extended(name: str) -> bool:
    """Not a native resource: it has a domain prefix other than *kubernetes.io/ (IsNativeResource)."""
    return "/" in name and "kubernetes.io/" not in name


def resources(data: dict[str, Any], path: Path, is_pod: bool) -> list[Problem]:
    """validateResourceRequirements: each request at most its limit; hugepages and extended resources are
    not overcommittable (request == limit, and a limit is required). For a Pod, a missing request takes its
    limit (SetDefaults_Pod); the same defaulting happens when a controller creates the pods."""
    out: list[Problem] = []
    limits = {str(k): parse_quantity(v) for k, v in as_dict(data.get("limits")).items()}
    requests = {str(k): parse_quantity(v) for k, v in as_dict(data.get("requests")).items()}
    for name, request in requests.items():
        if request is None:
            continue  # invalid-quantity reports it
        raw = as_dict(data.get("requests"))[name]
        overcommit = not (_is_extended(name) or name.startswith("hugepages-"))
        if name in limits:
            limit = limits[name]
            if limit is None:
                continue
            shown = as_dict(data.get("limits"))[name]
            if not overcommit and request != limit:
                out.append(invalid((*path, "requests", name), str(raw), f"must be equal to {name} limit of {shown}"))
            elif request > limit:
                out.append(invalid((*path, "requests", name), str(raw),
                                   f"must be less than or equal to {name} limit of {shown}"))
        elif not overcommit:
            out.append(required((*path, "limits"), f"Limit must be set for non overcommitable resources ({name})"))
    for name, value in {**limits, **requests}.items():
        if value is not None and _is_extended(name) and value.denominator != 1:
            out.append(invalid((*path, "limits" if name in limits else "requests", name), str(value),
                               "must be an integer"))
    hugepages = any(n.startswith("hugepages-") for n in (*limits, *requests))
    if hugepages and not any(n in ("cpu", "memory") for n in (*limits, *requests)):
        out.append(forbidden(path, "HugePages require cpu or memory"))
    return out


# --- other kinds ---------------------------------------------------------------------------------

def service(data: dict[str, Any]) -> list[Problem]:
    """ValidateService (pkg/apis/core/validation) and the NodePort allocator's default range."""
    out: list[Problem] = []
    spec = as_dict(data.get("spec"))
    kind = spec.get("type") or "ClusterIP"
    ports = as_list(spec.get("ports"))
    headless = spec.get("clusterIP") == "None" or as_list(spec.get("clusterIPs"))[:1] == ["None"]
    if not ports and not headless and kind != "ExternalName":
        out.append(required(("spec", "ports")))
    if headless and kind in ("NodePort", "LoadBalancer"):
        where = ("spec", "clusterIP") if spec.get("clusterIP") == "None" else ("spec", "clusterIPs", 0)
        out.append(invalid(where, "None", f"may not be set to 'None' for {kind} services"))
    if kind == "ExternalName":
        name = spec.get("externalName")
        if not isinstance(name, str) or not name.rstrip("."):
            out.append(required(("spec", "externalName")))
        else:
            for detail in dns1123_subdomain(name[:-1] if name.endswith(".") else name):
                out.append(invalid(("spec", "externalName"), name, detail))
        if spec.get("clusterIP") not in (None, "") or as_list(spec.get("clusterIPs")):
            out.append(forbidden(("spec", "clusterIP"), "may not be set for ExternalName services"))
    seen_names: set[str] = set()
    seen_ports: set[tuple[str, int]] = set()
    seen_nodes: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        port = as_dict(port)
        path = ("spec", "ports", i)
        name = port.get("name")
        if isinstance(name, str) and name:
            if name in seen_names:
                out.append(duplicate((*path, "name"), name))
            seen_names.add(name)
        number = _int(port.get("port"))
        protocol = str(port.get("protocol") or "TCP")
        if number is not None:
            if not 1 <= number <= 65535:
                out.append(invalid((*path, "port"), number, "must be between 1 and 65535, inclusive"))
            elif (protocol, number) in seen_ports:  # reported on the item, found at its port
                out.append(((*path, "port"), duplicate(path, f"{protocol}/{number}")[1]))
            seen_ports.add((protocol, number))
        target = port.get("targetPort")
        target_number = _int(target)
        if target_number is not None and not 0 <= target_number <= 65535:
            out.append(invalid((*path, "targetPort"), target, "must be between 1 and 65535, inclusive"))
        elif isinstance(target, str) and target and not target.isdigit():
            for detail in iana_port_name(target):
                out.append(invalid((*path, "targetPort"), target, detail))
        node_port = _int(port.get("nodePort"))
        if node_port:
            if kind == "ClusterIP":
                out.append(forbidden((*path, "nodePort"), "may not be used when `type` is 'ClusterIP'"))
            elif (protocol, node_port) in seen_nodes:
                out.append(duplicate((*path, "nodePort"), node_port))
            elif not 30000 <= node_port <= 32767:
                out.append(invalid((*path, "nodePort"), node_port, (
                    "provided port is not in the valid range. The range of valid ports is 30000-32767 (the default "
                    "--service-node-port-range of the API server)")))
            seen_nodes.add((protocol, node_port))
    affinity = as_dict(as_dict(spec.get("sessionAffinityConfig")).get("clientIP"))
    timeout = _int(affinity.get("timeoutSeconds"))
    if spec.get("sessionAffinity") == "ClientIP" and timeout is not None and not 0 < timeout <= 86400:
        out.append(invalid(("spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"), timeout,
                           "must be greater than 0 and less than 86400"))
    out += labels(as_dict(spec.get("selector")), ("spec", "selector"))
    return out


def ingress(data: dict[str, Any]) -> list[Problem]:
    """ValidateIngressSpec (pkg/apis/networking/validation), networking.k8s.io/v1."""
    out: list[Problem] = []
    spec = as_dict(data.get("spec"))
    rules = as_list(spec.get("rules"))
    if not rules and spec.get("defaultBackend") is None:
        out.append((("spec",), "spec: Invalid value: either `defaultBackend` or `rules` must be specified"))
    if spec.get("defaultBackend") is not None:
        out += _backend(as_dict(spec["defaultBackend"]), ("spec", "defaultBackend"))
    for i, rule in enumerate(rules):
        rule = as_dict(rule)
        host = rule.get("host")
        if isinstance(host, str) and host:
            out += _host(host, ("spec", "rules", i, "host"))
        http = rule.get("http")
        if http is None:
            continue
        paths = as_list(as_dict(http).get("paths"))
        if not paths:
            out.append(required(("spec", "rules", i, "http", "paths")))
        for j, item in enumerate(paths):
            item = as_dict(item)
            where = ("spec", "rules", i, "http", "paths", j)
            kind, path = item.get("pathType"), item.get("path")
            if kind in ("Exact", "Prefix"):
                text = path if isinstance(path, str) else ""
                if not text.startswith("/"):
                    out.append(invalid((*where, "path"), text, "must be an absolute path"))
                else:
                    out += [invalid((*where, "path"), text, f"must not contain '{seq}'")
                            for seq in ("//", "/./", "/../", "%2f", "%2F") if seq in text]
                    out += [invalid((*where, "path"), text, f"cannot end with '{end}'")
                            for end in ("/..", "/.") if text.endswith(end)]
            elif kind == "ImplementationSpecific" and isinstance(path, str) and path and not path.startswith("/"):
                out.append(invalid((*where, "path"), path, "must be an absolute path"))
            if item.get("backend") is not None:
                out += _backend(as_dict(item["backend"]), (*where, "backend"))
    return out


def _host(host: str, path: Path) -> list[Problem]:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [invalid(path, host, "must be a DNS name, not an IP address")]
    if "*" in host:
        rest = host[2:] if host.startswith("*.") else None
        if rest is None or "*" in rest or dns1123_subdomain(rest):
            return [invalid(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS "
                                        "subdomain, which must consist of lower case alphanumeric characters, '-' or "
                                        "'.' and end with an alphanumeric character (e.g. '*.example.com')")]
        return []
    return [invalid(path, host, d) for d in dns1123_subdomain(host)]


def _backend(backend: dict[str, Any], path: Path) -> list[Problem]:
    """validateIngressBackend."""
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if service is None and resource is None:
        if "serviceName" in backend:
            return []  # v1beta1 shape: removed-api-version reports the version
        return [invalid(path, "", "resource or service backend is required")]
    if service is None:
        return []
    service = as_dict(service)
    out: list[Problem] = []
    name = service.get("name")
    if isinstance(name, str) and name:
        out += [invalid((*path, "service", "name"), name, d) for d in dns1035_label(name)]
    port = as_dict(service.get("port"))
    number, port_name = port.get("number"), port.get("name")
    if number is not None and port_name is not None:
        out.append(invalid((*path, "service", "port"), "", "cannot set both port name & port number"))
    elif number is None and port_name is None:
        out.append(required((*path, "service", "port"), "port name or number is required"))
    elif (value := _int(number)) is not None and not 1 <= value <= 65535:
        out.append(invalid((*path, "service", "port", "number"), value, "must be between 1 and 65535, inclusive"))
    elif isinstance(port_name, str):
        out += [invalid((*path, "service", "port", "name"), port_name, d) for d in iana_port_name(port_name)]
    return out


def persistent_volume_claim(spec: dict[str, Any], path: Path) -> list[Problem]:
    """ValidatePersistentVolumeClaimSpec: access modes and a storage request."""
    out: list[Problem] = []
    modes = as_list(spec.get("accessModes"))
    if not modes:
        out.append(required((*path, "accessModes"), "at least 1 access mode is required"))
    elif "ReadWriteOncePod" in modes and len(modes) > 1:
        out.append(forbidden((*path, "accessModes"), "may not use ReadWriteOncePod with other access modes"))
    storage = as_dict(as_dict(spec.get("resources")).get("requests")).get("storage")
    if storage is None:
        return [*out, required((*path, "resources", "requests"), "a storage request (requests.storage) is required")]
    amount = parse_quantity(storage)
    if amount is not None and amount <= 0:
        out.append(invalid((*path, "resources", "requests", "storage"), str(storage), "must be greater than zero"))
    return out


def config_map(data: dict[str, Any]) -> list[Problem]:
    """ValidateConfigMap: keys, no key in both data and binaryData, at most 1 MiB of values."""
    out: list[Problem] = []
    plain, binary = as_dict(data.get("data")), as_dict(data.get("binaryData"))
    size = 0
    for field, values in (("data", plain), ("binaryData", binary)):
        for key, value in values.items():
            for detail in config_map_key(str(key)):
                out.append(invalid((field, key), key, detail))
            size += _decoded_size(value) if field == "binaryData" else _bytes(str(value))
    for key in plain:
        if key in binary:
            out.append(invalid(("data", key), key, "duplicate of key present in binaryData"))
    if size > 1024 * 1024:
        out.append(((), f"the ConfigMap holds {size} bytes of values: Too long: may not be more than 1048576 bytes"))
    return out


def _decoded_size(value: Any) -> int:
    if not isinstance(value, str):
        return 0
    try:
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return _bytes(value)  # schema-violation reports bad base64


def _decoded(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def secret(data: dict[str, Any]) -> list[Problem]:
    """ValidateSecret (stringData merged into data first): keys, at most 1 MiB, the keys each type needs."""
    out: list[Problem] = []
    values: dict[str, tuple[Path, bytes | None]] = {}
    for key, value in as_dict(data.get("data")).items():
        values[str(key)] = (("data", key), _decoded(value))
    for key, value in as_dict(data.get("stringData")).items():
        values[str(key)] = (("stringData", key), str(value).encode("utf-8", "surrogateescape"))
    for key, (path, _) in values.items():
        for detail in config_map_key(key):
            out.append(invalid(path, key, detail))
    size = sum(len(v) for _, v in values.values() if v is not None)
    if size > 1024 * 1024:
        out.append((("data",), f"data: Too long: may not be more than 1048576 bytes (the Secret holds {size})"))
    kind = data.get("type")
    needs: dict[str, tuple[str, ...]] = {"kubernetes.io/tls": ("tls.crt", "tls.key"),
                                         "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
                                         "kubernetes.io/dockercfg": (".dockercfg",),
                                         "kubernetes.io/ssh-auth": ("ssh-privatekey",)}
    where: Path = ("type",) if "type" in data else ()
    for key in needs.get(str(kind), ()):
        if key not in values:
            out.append((where, f"data[{key}]: Required value: a {kind} Secret needs the key {key}"))
    if kind == "kubernetes.io/basic-auth" and "username" not in values and "password" not in values:
        out.append((where, "data[username]: Required value: a kubernetes.io/basic-auth Secret needs username or "
                           "password"))
    for key in (".dockerconfigjson", ".dockercfg"):
        if kind in ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg") and key in values:
            path, raw = values[key]
            if raw is None:
                continue
            try:
                parsed = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                parsed = None
            if not isinstance(parsed, dict):
                out.append((path, f"{render_path(path)}: Invalid value: \"<secret contents redacted>\": {key} must "
                                  "hold a JSON object"))
    if kind == "kubernetes.io/service-account-token":
        name = as_dict(as_dict(data.get("metadata")).get("annotations")).get("kubernetes.io/service-account.name")
        if not name:
            out.append((("metadata",), "metadata.annotations[kubernetes.io/service-account.name]: Required value"))
    return out


# --- CronJob schedules (robfig/cron/v3 ParseStandard, as validateScheduleFormat uses it) ---------

_CRON_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(_MONTHS)}),
    ("day of week", 0, 6, {d: i for i, d in enumerate(_DAYS)}),
)
_GO_DURATION = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))*|0")


def cron_schedule_problem(schedule: str) -> str | None:
    """Why robfig/cron v3's standard parser (5 fields, or a descriptor) refuses `schedule`."""
    spec = schedule.strip()
    if not spec:
        return "empty spec string"
    if spec.startswith(("TZ=", "CRON_TZ=")):
        if " " not in spec:
            return "a time zone prefix must be followed by a schedule"
        spec = spec.split(" ", 1)[1].strip()
    if spec.startswith("@"):
        if spec.startswith("@every "):
            duration = spec[len("@every "):]
            return None if _GO_DURATION.fullmatch(duration) else f"failed to parse duration {spec}"
        return None if spec in _CRON_DESCRIPTORS else f"unrecognized descriptor: {spec}"
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for text, (what, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for part in text.split(","):
            problem = _cron_range(part, low, high, names)
            if problem is not None:
                return f"{what}: {problem}"
    return None


def _cron_range(expr: str, low: int, high: int, names: dict[str, int]) -> str | None:
    range_and_step = expr.split("/")
    if len(range_and_step) > 2:
        return f"too many slashes: {expr}"
    bounds = range_and_step[0].split("-")
    if len(bounds) > 2:
        return f"too many hyphens: {expr}"

    def number(text: str) -> int | str:
        if text.lower() in names:
            return names[text.lower()]
        if not re.fullmatch(r"[0-9]+", text):
            return f"failed to parse int from {text}"
        return int(text)

    if bounds[0] in ("*", "?"):
        start, end = low, high
        if len(bounds) > 1:
            return f"failed to parse int from {bounds[0]}"
    else:
        first = number(bounds[0])
        if isinstance(first, str):
            return first
        start = end = first
        if len(bounds) == 2:
            last = number(bounds[1])
            if isinstance(last, str):
                return last
            end = last
    if len(range_and_step) == 2:
        step = number(range_and_step[1])
        if isinstance(step, str):
            return step
        if step <= 0:
            return f"step of range should be a positive number: {expr}"
        if len(bounds) == 1 and bounds[0] not in ("*", "?"):
            end = high
    if start < low:
        return f"beginning of range ({start}) below minimum ({low}): {expr}"
    if end > high:
        return f"end of range ({end}) above maximum ({high}): {expr}"
    if start > end:
        return f"beginning of range ({start}) beyond end of range ({end}): {expr}"
    return None


def _time_zones() -> frozenset[str] | None:
    try:
        import zoneinfo

        zones = zoneinfo.available_timezones()
    except Exception:  # noqa: BLE001 - no time zone database on this machine: do not guess
        return None
    return frozenset(zones) | {"UTC"} if zones else None


def cron_job(data: dict[str, Any], version: Version) -> list[Problem]:
    """validateCronJobSpec: the schedule parses, carries no TZ (from 1.27), the time zone exists."""
    out: list[Problem] = []
    spec = as_dict(data.get("spec"))
    schedule = spec.get("schedule")
    if isinstance(schedule, str) and schedule:
        problem = cron_schedule_problem(schedule)
        if problem is not None:
            out.append(invalid(("spec", "schedule"), schedule, problem))
        if version >= (1, 27) and "TZ" in schedule:
            out.append(invalid(("spec", "schedule"), schedule,
                               "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    zone = spec.get("timeZone")
    if zone == "":
        out.append(invalid(("spec", "timeZone"), "", "timeZone must be nil or non-empty string"))
    elif isinstance(zone, str):
        if zone.lower() == "local":
            out.append(invalid(("spec", "timeZone"), zone,
                               "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
        else:
            zones = _time_zones()
            if zones is not None and zone not in zones:
                out.append(invalid(("spec", "timeZone"), zone, f"unknown time zone {zone}"))
    return out


def job(spec: dict[str, Any], base: Path) -> list[Problem]:
    """validateJobSpec: counts not negative, Indexed jobs need completions."""
    out: list[Problem] = []
    for field in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished",
                  "backoffLimitPerIndex", "maxFailedIndexes"):
        value = _int(spec.get(field))
        if value is not None and value < 0:
            out.append(invalid((*base, field), value, "must be greater than or equal to 0"))
    if spec.get("completionMode") == "Indexed" and spec.get("completions") is None:
        out.append(((*base, "completionMode"), required((*base, "completions"), "when completion mode is Indexed")[1]))
    return out


def horizontal_pod_autoscaler(data: dict[str, Any]) -> list[Problem]:
    """validateHorizontalPodAutoscalerSpec (autoscaling/v2)."""
    out: list[Problem] = []
    spec = as_dict(data.get("spec"))
    low, high = _int(spec.get("minReplicas")), _int(spec.get("maxReplicas"))
    if low is not None and low < 1:
        out.append(invalid(("spec", "minReplicas"), low, "must be greater than or equal to 1"))
    if high is not None and high < 1:
        out.append(invalid(("spec", "maxReplicas"), high, "must be greater than 0"))
    elif high is not None and high < (low if low is not None else 1):
        out.append(invalid(("spec", "maxReplicas"), high, "must be greater than or equal to `minReplicas`"))
    if not data.get("apiVersion", "").endswith("/v2"):
        return out
    sources = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods", "Object": "object",
               "External": "external"}
    for i, metric in enumerate(as_list(spec.get("metrics"))):
        metric = as_dict(metric)
        path = ("spec", "metrics", i)
        kind = metric.get("type")
        field = sources.get(str(kind))
        if field is None:
            continue  # schema-violation reports a missing or unknown type
        if metric.get(field) is None:
            out.append(required((*path, field), "must populate information for the given metric source"))
            continue
        for other in sources.values():
            if other != field and metric.get(other) is not None:
                out.append(forbidden((*path, other), "must populate the given metric source only"))
        target = as_dict(as_dict(metric[field]).get("target"))
        where = (*path, field, "target")
        target_type = target.get("type")
        if target_type not in (None, "Utilization", "Value", "AverageValue"):
            out.append(invalid((*where, "type"), target_type, "must be either Utilization, Value, or AverageValue"))
        for key in ("value", "averageValue"):
            amount = parse_quantity(target.get(key)) if target.get(key) is not None else None
            if amount is not None and amount <= 0:
                out.append(invalid((*where, key), str(target[key]), "must be positive"))
        utilization = _int(target.get("averageUtilization"))
        if utilization is not None and utilization < 1:
            out.append(invalid((*where, "averageUtilization"), utilization, "must be greater than 0"))
        if kind in ("Resource", "ContainerResource"):
            has_value, has_util = target.get("averageValue") is not None, target.get("averageUtilization") is not None
            if not has_value and not has_util:
                out.append(required((*where, "averageUtilization"), "must set either a target raw value or a target "
                                                                      "utilization"))
            elif has_value and has_util:
                out.append(forbidden((*where, "averageValue"), "may not set both a target raw value and a target "
                                                               "utilization"))
    return out


def rollout(spec: dict[str, Any], kind: str) -> list[Problem]:
    """ValidateDeploymentSpec / the DaemonSet update strategy: maxSurge and maxUnavailable."""
    out: list[Problem] = []
    if kind == "Deployment":
        strategy = as_dict(spec.get("strategy"))
        path: Path = ("spec", "strategy", "rollingUpdate")
        if strategy.get("type") == "Recreate" and strategy.get("rollingUpdate") is not None:
            return [forbidden(path, "may not be specified when strategy `type` is 'Recreate'")]
        rolling = as_dict(strategy.get("rollingUpdate"))
    else:
        path = ("spec", "updateStrategy", "rollingUpdate")
        rolling = as_dict(as_dict(spec.get("updateStrategy")).get("rollingUpdate"))
    values: dict[str, Fraction | None] = {}
    for key in ("maxUnavailable", "maxSurge"):
        value = rolling.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            if not re.fullmatch(r"[0-9]+%", value):
                out.append(invalid((*path, key), value, "a valid percent string must be a numeric string followed by "
                                                        "an ending '%' (e.g. '1%' or '93%')"))
                continue
            values[key] = Fraction(int(value[:-1]))
            if key == "maxUnavailable" and int(value[:-1]) > 100:
                out.append(invalid((*path, key), value, "must not be greater than 100%"))
        elif _int(value) is not None:
            if value < 0:
                out.append(invalid((*path, key), value, "must be greater than or equal to 0"))
            values[key] = Fraction(value)
    if kind == "Deployment" and values.get("maxUnavailable") == 0 and values.get("maxSurge", Fraction(1)) == 0:
        out.append(invalid((*path, "maxUnavailable"), 0, "may not be 0 when `maxSurge` is 0"))
    if kind == "DaemonSet" and values.get("maxUnavailable") == 0 and values.get("maxSurge", Fraction(0)) == 0:
        out.append(required((*path, "maxUnavailable"), "cannot be 0 when maxSurge is 0"))
    deadline, ready = _int(spec.get("progressDeadlineSeconds")), _int(spec.get("minReadySeconds"))
    if kind == "Deployment" and deadline is not None and ready is not None and deadline <= ready:
        out.append(invalid(("spec", "progressDeadlineSeconds"), deadline, "must be greater than minReadySeconds"))
    return out


# --- image references (github.com/distribution/reference, as the kubelet parses them) ------------

_ALNUM = r"[a-z0-9]+"
_SEP = r"(?:[._]|__|[-]+)"
_COMPONENT = rf"{_ALNUM}(?:{_SEP}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[(?:[a-fA-F0-9:]+)\])"
_REFERENCE = re.compile(
    rf"((?:{_HOST}(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::([\w][\w.-]{0,127}))?"
    r"(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?", re.ASCII)
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_HEX64 = re.compile(r"[a-f0-9]{64}")
_HEX = re.compile(r"[a-f0-9]+")


@_remembered
def image_reference_problem(image: str) -> str | None:
    """Why ParseNormalizedNamed refuses `image` (None when a runtime can pull it by that name); once per
    distinct image (images repeat across a repository's workloads)."""
    if _HEX64.fullmatch(image):
        return "cannot specify 64-byte hexadecimal strings"
    first, slash, rest = image.partition("/")
    if slash and (first == "localhost" or "." in first or ":" in first or first.lower() != first):
        remote = rest
    else:
        remote = image
    name = remote.split("@")[0].split(":")[0] if remote else ""
    if name != name.lower():
        return f"repository name ({name}) must be lowercase"
    match = _REFERENCE.fullmatch(image)
    if match is None:
        return "invalid reference format"
    path = match.group(1).split("/", 1)[1] if slash and remote is rest else match.group(1)
    if len(path) > 255:
        return "repository name must not be more than 255 characters"
    digest = match.group(3)
    if digest is not None:
        algorithm, _, encoded = digest.partition(":")
        expected = _DIGEST_LENGTHS.get(algorithm)
        if expected is None:
            return "unsupported digest algorithm"
        if len(encoded) != expected:
            return "invalid checksum digest length"
        if not _HEX.fullmatch(encoded):
            return "invalid checksum digest format"
    return None


def walk_problems(problems: list[Problem]) -> Iterator[Problem]:
    """Each problem once (by path and message), in order."""
    seen: set[Problem] = set()
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            yield problem
