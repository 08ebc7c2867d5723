"""Pod Security admission, offline: the Pod Security Standards as the PodSecurity plugin checks them.

Mirrors k8s.io/pod-security-admission at its v1.37 policy (commit 8f84a87):
- `policy/check_*.go`: the 19 checks, each with its versions (`MinimumVersion`), fields, allowed values and
  the plugin's own reason and detail texts (here one detail per offending field: the plugin joins them);
- `policy/registry.go` (`populate`, `EvaluatePod`): restricted = its own checks plus the baseline checks it
  does not override (`OverrideCheckIDs`), checks ordered by id, baseline first; a version newer than the
  newest the plugin knows (and `latest`) is evaluated as that newest one, capped at the target cluster's
  version (the emulation version);
- `api/helpers.go` (`ParseLevel`, `ParseVersion`, `PolicyToEvaluate`): namespace labels, the fallbacks for
  invalid values (enforce → restricted, audit/warn → privileged, version → latest) and warn defaulting to
  enforce.

Raw manifests are not defaulted by an API server, so a volume without any source is taken as the
emptyDir the API server would make of it (SetDefaults_Volume), and JSON null is absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import field
from typing import Any

from .findings import Path
from .records import dataclass

Version = tuple[int, int]
LEVELS = ("privileged", "baseline", "restricted")
#: The newest policy version the mirrored plugin knows; `latest` means this one (or the target cluster's).
MAX_VERSION: Version = (1, 37)
LABEL_PREFIX = "pod-security.kubernetes.io/"
MODES = ("enforce", "audit", "warn")


@dataclass(frozen=True)
class LevelVersion:
    level: str
    version: Version | None = None  # None: latest

    def show(self) -> str:
        return f"{self.level}:{'latest' if self.version is None else f'v{self.version[0]}.{self.version[1]}'}"


PRIVILEGED = LevelVersion("privileged")


@dataclass(frozen=True)
class Policy:
    enforce: LevelVersion = PRIVILEGED
    audit: LevelVersion = PRIVILEGED
    warn: LevelVersion = PRIVILEGED

    def mode(self, name: str) -> LevelVersion:
        return getattr(self, name)  # type: ignore[no-any-return]


#: The users that create the pods of each kind of workload (the controllers' service accounts).
CONTROLLER_USERS = {
    "Deployment": "system:serviceaccount:kube-system:replicaset-controller",
    "ReplicaSet": "system:serviceaccount:kube-system:replicaset-controller",
    "ReplicationController": "system:serviceaccount:kube-system:replication-controller",
    "StatefulSet": "system:serviceaccount:kube-system:statefulset-controller",
    "DaemonSet": "system:serviceaccount:kube-system:daemon-set-controller",
    "Job": "system:serviceaccount:kube-system:job-controller",
    "CronJob": "system:serviceaccount:kube-system:job-controller",
}


@dataclass(frozen=True)
class Exemptions:
    """The admission configuration's exemptions (exact matches), and who applies the manifests."""

    namespaces: frozenset[str] = frozenset()
    runtime_classes: frozenset[str] = frozenset()
    usernames: frozenset[str] = frozenset()
    applied_by: str | None = None


@dataclass(frozen=True)
class Defaults:
    """What `pod-security:` in .k8slint.yaml (or --pod-security) says: the policy of namespaces without
    labels, and the exemptions."""

    policy: Policy = field(default_factory=Policy)
    exempt: Exemptions = field(default_factory=Exemptions)


_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")


def parse_level(value: object) -> tuple[str | None, str | None]:
    """(level, error) as ParseLevel: exactly privileged, baseline or restricted."""
    if isinstance(value, str) and value in LEVELS:
        return value, None
    return None, "must be one of privileged, baseline, restricted"


def parse_version(value: object) -> tuple[Version | None, str | None]:
    """(version, error) as ParseVersion: `latest` (None) or `v1.N`."""
    if value == "latest":
        return None, None
    if isinstance(value, str) and _VERSION.fullmatch(value) and len(value) < 20:
        return (1, int(value[3:])), None
    return None, 'must be "latest" or "v1.x"'


@dataclass(frozen=True)
class LabelError:
    label: str
    value: object
    message: str


def policy_to_evaluate(labels: dict[str, Any], defaults: Policy) -> tuple[Policy, list[LabelError]]:
    """The policy of a namespace with these labels (PolicyToEvaluate), and the invalid labels."""
    if not labels:
        return defaults, []
    errors: list[LabelError] = []
    modes: dict[str, LevelVersion] = {m: defaults.mode(m) for m in MODES}
    has_enforce = False
    for mode in MODES:
        level_label, version_label = f"{LABEL_PREFIX}{mode}", f"{LABEL_PREFIX}{mode}-version"
        level, version = modes[mode].level, modes[mode].version
        if level_label in labels:
            parsed, error = parse_level(labels[level_label])
            if error is not None:
                errors.append(LabelError(level_label, labels[level_label], error))
                parsed = "restricted" if mode == "enforce" else "privileged"  # enforce fails closed, the rest open
            elif mode == "enforce":
                has_enforce = True
            level = parsed or level
        if version_label in labels:
            version, error = parse_version(labels[version_label])
            if error is not None:
                errors.append(LabelError(version_label, labels[version_label], error))
        modes[mode] = LevelVersion(level, version)
    warn_label = f"{LABEL_PREFIX}warn"
    if (warn_label not in labels and has_enforce
            and LEVELS.index(modes["enforce"].level) > LEVELS.index(modes["warn"].level)):
        version = modes["enforce"].version if f"{warn_label}-version" not in labels else modes["warn"].version
        modes["warn"] = LevelVersion(modes["enforce"].level, version)
    return Policy(modes["enforce"], modes["audit"], modes["warn"]), errors


# --- what a check sees and says ------------------------------------------------------------------

@dataclass(frozen=True)
class Offense:
    """One offending field: `path` is relative to the pod (its `metadata` and `spec`); `reason` and `detail`
    are the plugin's texts for this one field (the plugin joins the details of all fields)."""

    path: Path
    reason: str
    detail: str

    def text(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


@dataclass
class Pod:
    """The pod as the checks read it: metadata, spec, and each container with its path."""

    meta: dict[str, Any]
    spec: dict[str, Any]
    containers: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def of(cls, meta: Any, spec: Any) -> Pod:
        meta, spec = _dict(meta), _dict(spec)
        containers: list[tuple[Path, dict[str, Any]]] = []
        for group in ("initContainers", "containers", "ephemeralContainers"):  # visitContainers' order
            for i, item in enumerate(_list(spec.get(group))):
                if isinstance(item, dict):
                    containers.append((("spec", group, i), item))
        return cls(meta, spec, containers)

    @property
    def pod_context(self) -> dict[str, Any]:
        return _dict(self.spec.get("securityContext"))

    @property
    def windows(self) -> bool:
        return _dict(self.spec.get("os")).get("name") == "windows"

    @property
    def user_namespace(self) -> bool:
        """relaxPolicyForUserNamespacePod: hostUsers explicitly false."""
        return self.spec.get("hostUsers") is False


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _name(container: dict[str, Any]) -> str:
    name = container.get("name")
    return name if isinstance(name, str) else ""


def _q(text: object) -> str:
    """joinQuote of one item: quoted, without escaping."""
    return f'"{text}"'


def go_quote(text: str) -> str:
    """strconv.Quote, for the annotation checks' `key="value"`."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                        "\v": "\\v"}[ch])
        elif 0xD800 <= code <= 0xDFFF:  # an invalid byte of the file (surrogateescape)
            out.append(f"\\x{code & 0xFF:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out) + '"'


def _where(base: Path, node: dict[str, Any], steps: tuple[str, ...]) -> Path:
    """The deepest existing field on the way from `base` (holding `node`) down `steps`."""
    path = base
    for step in steps:
        if not isinstance(node, dict) or node.get(step) is None:
            return path
        node, path = node[step], (*path, step)
    return path


# --- the checks (policy/check_*.go) --------------------------------------------------------------

CheckFn = Callable[[Pod], list[Offense]]


def _app_armor(pod: Pod) -> list[Offense]:
    """check_appArmorProfile.go, appArmorProfile_1_0."""
    reason = "forbidden AppArmor profile"
    out = []

    def bad(profile: Any) -> str | None:
        if profile is None:
            return None
        kind = _dict(profile).get("type")
        return None if kind in ("RuntimeDefault", "Localhost") else str(kind or "")

    value = bad(pod.pod_context.get("appArmorProfile"))
    if value is not None:
        out.append(Offense(("spec", "securityContext", "appArmorProfile"), reason,
                           f"pod must not set AppArmor profile type to {_q(value)}"))
    for path, c in pod.containers:
        value = bad(_dict(c.get("securityContext")).get("appArmorProfile"))
        if value is not None:
            out.append(Offense((*path, "securityContext", "appArmorProfile"), reason,
                               f"container {_q(_name(c))} must not set AppArmor profile type to {_q(value)}"))
    prefix = "container.apparmor.security.beta.kubernetes.io/"
    for key, raw in sorted(_dict(pod.meta.get("annotations")).items(), key=lambda kv: str(kv[0])):
        if not str(key).startswith(prefix):
            continue
        text = raw if isinstance(raw, str) else str(raw)
        if text == "" or text == "runtime/default" or text.startswith("localhost/"):
            continue
        out.append(Offense(("metadata", "annotations", key), reason,
                           f"annotation must not set AppArmor profile type to {_q(f'{key}={go_quote(text)}')}"))
    return out


BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})


def _capabilities_baseline(pod: Pod) -> list[Offense]:
    """check_capabilities_baseline.go."""
    out = []
    for path, c in pod.containers:
        add = _list(_dict(_dict(c.get("securityContext")).get("capabilities")).get("add"))
        bad = sorted({str(cap) for cap in add if cap not in BASELINE_CAPABILITIES})
        if bad:
            out.append(Offense((*path, "securityContext", "capabilities", "add"), "non-default capabilities",
                               f"container {_q(_name(c))} must not include {', '.join(map(_q, bad))} in "
                               "securityContext.capabilities.add"))
    return out


def _host_namespaces(pod: Pod) -> list[Offense]:
    """check_hostNamespaces.go."""
    return [Offense(("spec", name), "host namespaces", f"{name}=true")
            for name in ("hostNetwork", "hostPID", "hostIPC") if pod.spec.get(name) is True]


def _host_path_volumes(pod: Pod) -> list[Offense]:
    """check_hostPathVolumes.go."""
    return [Offense(("spec", "volumes", i, "hostPath"), "hostPath volumes", f"volume {_q(_dict(v).get('name', ''))}")
            for i, v in enumerate(_list(pod.spec.get("volumes"))) if _dict(v).get("hostPath") is not None]


def _host_ports(pod: Pod) -> list[Offense]:
    """check_hostPorts.go."""
    out = []
    for path, c in pod.containers:
        for i, port in enumerate(_list(c.get("ports"))):
            host_port = _dict(port).get("hostPort")
            if isinstance(host_port, int) and not isinstance(host_port, bool) and host_port != 0:
                out.append(Offense((*path, "ports", i, "hostPort"), "hostPort",
                                   f"container {_q(_name(c))} uses hostPort {host_port}"))
    return out


def _host_probes(pod: Pod) -> list[Offense]:
    """check_hostProbesAndHostLifecycle.go (v1.34+)."""
    out = []
    for path, c in pod.containers:
        handlers: list[tuple[Path, Any]] = [((probe,), c.get(probe))
                                            for probe in ("livenessProbe", "readinessProbe", "startupProbe")]
        lifecycle = _dict(c.get("lifecycle"))
        handlers += [(("lifecycle", hook), lifecycle.get(hook)) for hook in ("postStart", "preStop")]
        for where, handler in handlers:
            for kind in ("httpGet", "tcpSocket"):
                host = _dict(_dict(handler).get(kind)).get("host")
                if isinstance(host, str) and host:
                    out.append(Offense((*path, *where, kind, "host"), "probe or lifecycle host",
                                       f"container {_q(_name(c))} uses probe or lifecycle host {_q(host)}"))
    return out


def _privileged(pod: Pod) -> list[Offense]:
    """check_privileged.go."""
    return [Offense((*path, "securityContext", "privileged"), "privileged",
                    f"container {_q(_name(c))} must not set securityContext.privileged=true")
            for path, c in pod.containers if _dict(c.get("securityContext")).get("privileged") is True]


def _proc_mount(pod: Pod) -> list[Offense]:
    """check_procMount.go, procMount_1_0."""
    out = []
    for path, c in pod.containers:
        value = _dict(c.get("securityContext")).get("procMount")
        if value is not None and value != "Default":
            out.append(Offense((*path, "securityContext", "procMount"), "procMount",
                               f"container {_q(_name(c))} must not set securityContext.procMount to {_q(value)}"))
    return out


def _proc_mount_1_35(pod: Pod) -> list[Offense]:
    """procMount1_35baseline: allowed in a user namespace (hostUsers: false)."""
    return [] if pod.user_namespace else _proc_mount(pod)


_SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})


def _selinux(types: frozenset[str]) -> CheckFn:
    """check_seLinuxOptions.go (1_0; 1_31 adds container_engine_t): type allowed, user and role unset."""
    def problems(options: dict[str, Any]) -> list[str]:
        out = []
        kind = options.get("type") or ""
        if kind not in types:
            out.append(f"type {_q(kind)}")
        if options.get("user"):
            out.append("user may not be set")
        if options.get("role"):
            out.append("role may not be set")
        return out

    def check(pod: Pod) -> list[Offense]:
        setters: list[tuple[Path, str, Any]] = [
            (("spec", "securityContext", "seLinuxOptions"), "pod", pod.pod_context.get("seLinuxOptions"))]
        setters += [((*path, "securityContext", "seLinuxOptions"), f"container {_q(_name(c))}",
                     _dict(c.get("securityContext")).get("seLinuxOptions")) for path, c in pod.containers]
        out = []
        for where, who, options in setters:
            found = problems(_dict(options)) if options is not None else []
            if found:
                out.append(Offense(where, "seLinuxOptions",
                                   f"{who} set forbidden securityContext.seLinuxOptions: {'; '.join(found)}"))
        return out
    return check


def _seccomp_annotations(pod: Pod) -> list[Offense]:
    """check_seccompProfile_baseline.go, seccompProfileBaseline_1_0 (annotations, before v1.19)."""
    annotations = _dict(pod.meta.get("annotations"))
    keys = ["seccomp.security.alpha.kubernetes.io/pod"]
    keys += [f"container.seccomp.security.alpha.kubernetes.io/{_name(c)}" for _, c in pod.containers]
    out = []
    for key in keys:
        if key not in annotations:
            continue
        value = annotations[key]
        text = value if isinstance(value, str) else str(value)
        if text in ("runtime/default", "docker/default") or text.startswith("localhost/"):
            continue
        out.append(Offense(("metadata", "annotations", key), "seccompProfile",
                           f"forbidden annotation {key}={go_quote(text)}"))
    return out


def _seccomp_type(context: dict[str, Any]) -> tuple[bool, str]:
    """(set, type) of a securityContext's seccompProfile."""
    profile = context.get("seccompProfile")
    if profile is None:
        return False, ""
    kind = _dict(profile).get("type")
    return True, kind if isinstance(kind, str) else ""


def _seccomp_baseline(pod: Pod) -> list[Offense]:
    """seccompProfileBaseline_1_19: RuntimeDefault or Localhost where set."""
    out = []
    setters: list[tuple[Path, str, dict[str, Any]]] = [
        (("spec", "securityContext", "seccompProfile"), "pod", pod.pod_context)]
    setters += [((*path, "securityContext", "seccompProfile"), f"container {_q(_name(c))}",
                 _dict(c.get("securityContext"))) for path, c in pod.containers]
    for where, who, context in setters:
        present, kind = _seccomp_type(context)
        if present and kind not in ("RuntimeDefault", "Localhost"):
            at = (*where, "type") if "type" in _dict(context.get("seccompProfile")) else where
            out.append(Offense(at, "seccompProfile",
                               f"{who} must not set securityContext.seccompProfile.type to {_q(kind)}"))
    return out


SAFE_SYSCTLS: list[tuple[Version, frozenset[str]]] = [
    ((1, 0), frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"})),
    ((1, 27), frozenset({"net.ipv4.ip_local_reserved_ports"})),
    ((1, 29), frozenset({"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                         "net.ipv4.tcp_keepalive_probes"})),
    ((1, 32), frozenset({"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"})),
    ((1, 37), frozenset({"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"})),
]


def _sysctls(since: Version) -> CheckFn:
    """check_sysctls.go: the safe set grows at 1.27, 1.29, 1.32 and 1.37."""
    allowed = frozenset().union(*(names for version, names in SAFE_SYSCTLS if version <= since))

    def check(pod: Pod) -> list[Offense]:
        sysctls = enumerate(_list(pod.pod_context.get("sysctls")))
        return [Offense(("spec", "securityContext", "sysctls", i, "name"), "forbidden sysctls",
                        str(_dict(item).get("name"))) for i, item in sysctls if _dict(item).get("name") not in allowed]
    return check


def _windows_host_process(pod: Pod) -> list[Offense]:
    """check_windowsHostProcess.go."""
    out = []
    if _dict(pod.pod_context.get("windowsOptions")).get("hostProcess") is True:
        out.append(Offense(("spec", "securityContext", "windowsOptions", "hostProcess"), "hostProcess",
                           "pod must not set securityContext.windowsOptions.hostProcess=true"))
    for path, c in pod.containers:
        if _dict(_dict(c.get("securityContext")).get("windowsOptions")).get("hostProcess") is True:
            out.append(Offense((*path, "securityContext", "windowsOptions", "hostProcess"), "hostProcess", (
                f"container {_q(_name(c))} must not set securityContext.windowsOptions.hostProcess=true")))
    return out


def _windows_exempt(check: CheckFn) -> CheckFn:
    """The 1.25 versions of three restricted checks: Windows pods (spec.os.name: windows) are allowed."""
    return lambda pod: [] if pod.windows else check(pod)


def _allow_privilege_escalation(pod: Pod) -> list[Offense]:
    """check_allowPrivilegeEscalation.go: every container sets it explicitly to false."""
    return [Offense(_where(path, c, ("securityContext", "allowPrivilegeEscalation")),
                    "allowPrivilegeEscalation != false",
                    f"container {_q(_name(c))} must set securityContext.allowPrivilegeEscalation=false")
            for path, c in pod.containers
            if _dict(c.get("securityContext")).get("allowPrivilegeEscalation") is not False]


def _capabilities_restricted(pod: Pod) -> list[Offense]:
    """check_capabilities_restricted.go: drop ALL, add nothing but NET_BIND_SERVICE."""
    out = []
    reason = "unrestricted capabilities"
    for path, c in pod.containers:
        capabilities = _dict(c.get("securityContext")).get("capabilities")
        if capabilities is None:
            out.append(Offense(_where(path, c, ("securityContext", "capabilities")), reason,
                               f'container {_q(_name(c))} must set securityContext.capabilities.drop=["ALL"]'))
            continue
        capabilities = _dict(capabilities)
        if "ALL" not in _list(capabilities.get("drop")):
            out.append(Offense(_where(path, c, ("securityContext", "capabilities", "drop")), reason,
                               f'container {_q(_name(c))} must set securityContext.capabilities.drop=["ALL"]'))
        added = sorted({str(cap) for cap in _list(capabilities.get("add")) if cap != "NET_BIND_SERVICE"})
        if added:
            out.append(Offense((*path, "securityContext", "capabilities", "add"), reason,
                               f"container {_q(_name(c))} must not include {', '.join(map(_q, added))} in "
                               "securityContext.capabilities.add"))
    return out


ALLOWED_VOLUMES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim",
                   "projected", "secret")
RESTRICTED_VOLUMES = ("hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs",
                      "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume",
                      "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos")


def _restricted_volumes(pod: Pod) -> list[Offense]:
    """check_restrictedVolumes.go. A volume with no known source at all is the emptyDir the API server
    defaults it to (SetDefaults_Volume)."""
    out = []
    for i, volume in enumerate(_list(pod.spec.get("volumes"))):
        volume = _dict(volume)
        if any(volume.get(s) is not None for s in ALLOWED_VOLUMES):
            continue
        kind = next((s for s in RESTRICTED_VOLUMES if volume.get(s) is not None), None)
        if kind is None:
            continue  # defaulted to emptyDir
        out.append(Offense(("spec", "volumes", i, kind), "restricted volume types",
                           f"volume {_q(volume.get('name', ''))} uses restricted volume type {_q(kind)}"))
    return out


def _run_as_non_root(pod: Pod) -> list[Offense]:
    """check_runAsNonRoot.go, runAsNonRoot1_0: explicit false anywhere fails (and then only that is said);
    containers inherit a pod-level true."""
    reason = "runAsNonRoot != true"
    explicit = []
    pod_value = pod.pod_context.get("runAsNonRoot")
    if pod_value is False:
        explicit.append(Offense(("spec", "securityContext", "runAsNonRoot"), reason,
                                "pod must not set securityContext.runAsNonRoot=false"))
    implicit = []
    for path, c in pod.containers:
        value = _dict(c.get("securityContext")).get("runAsNonRoot")
        if value is False:
            explicit.append(Offense((*path, "securityContext", "runAsNonRoot"), reason,
                                    f"container {_q(_name(c))} must not set securityContext.runAsNonRoot=false"))
        elif value is None and pod_value is not True:
            implicit.append(Offense(_where(path, c, ("securityContext", "runAsNonRoot")), reason,
                                    f"pod or container {_q(_name(c))} must set securityContext.runAsNonRoot=true"))
    return explicit or implicit


def _run_as_non_root_1_35(pod: Pod) -> list[Offense]:
    return [] if pod.user_namespace else _run_as_non_root(pod)


def _run_as_user(pod: Pod) -> list[Offense]:
    """check_runAsUser.go, runAsUser1_23: no explicit runAsUser 0, pod or container."""
    def zero(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value == 0

    out = []
    if zero(pod.pod_context.get("runAsUser")):
        out.append(Offense(("spec", "securityContext", "runAsUser"), "runAsUser=0", "pod must not set runAsUser=0"))
    for path, c in pod.containers:
        if zero(_dict(c.get("securityContext")).get("runAsUser")):
            out.append(Offense((*path, "securityContext", "runAsUser"), "runAsUser=0",
                               f"container {_q(_name(c))} must not set runAsUser=0"))
    return out


def _run_as_user_1_35(pod: Pod) -> list[Offense]:
    return [] if pod.user_namespace else _run_as_user(pod)


def _seccomp_restricted(pod: Pod) -> list[Offense]:
    """check_seccompProfile_restricted.go, 1_19: a valid profile on the pod or on every container."""
    explicit = _seccomp_baseline(pod)
    present, kind = _seccomp_type(pod.pod_context)
    pod_set = present and kind in ("RuntimeDefault", "Localhost")
    implicit = []
    for path, c in pod.containers:
        if _dict(c.get("securityContext")).get("seccompProfile") is None and not pod_set:
            implicit.append(Offense(_where(path, c, ("securityContext", "seccompProfile")), "seccompProfile",
                                    f"pod or container {_q(_name(c))} must set securityContext.seccompProfile.type to "
                                    '"RuntimeDefault" or "Localhost"'))
    return explicit or implicit


@dataclass(frozen=True)
class Check:
    id: str
    level: str  # baseline | restricted
    versions: tuple[tuple[Version, CheckFn], ...]  # (MinimumVersion, check), ascending
    overrides: tuple[str, ...] = ()  # baseline check ids a restricted check replaces while it exists

    def at(self, version: Version) -> CheckFn | None:
        found = None
        for minimum, fn in self.versions:
            if minimum <= version:
                found = fn
        return found


#: policy/check_*.go, by id.
CHECKS: tuple[Check, ...] = (
    Check("appArmorProfile", "baseline", (((1, 0), _app_armor),)),
    Check("capabilities_baseline", "baseline", (((1, 0), _capabilities_baseline),)),
    Check("hostNamespaces", "baseline", (((1, 0), _host_namespaces),)),
    Check("hostPathVolumes", "baseline", (((1, 0), _host_path_volumes),)),
    Check("hostPorts", "baseline", (((1, 0), _host_ports),)),
    Check("hostProbesAndHostLifecycle", "baseline", (((1, 34), _host_probes),)),
    Check("privileged", "baseline", (((1, 0), _privileged),)),
    Check("procMount", "baseline", (((1, 0), _proc_mount), ((1, 35), _proc_mount_1_35))),
    Check("seLinuxOptions", "baseline", (((1, 0), _selinux(_SELINUX_TYPES)),
                                         ((1, 31), _selinux(_SELINUX_TYPES | {"container_engine_t"})))),
    Check("seccompProfile_baseline", "baseline", (((1, 0), _seccomp_annotations), ((1, 19), _seccomp_baseline))),
    Check("sysctls", "baseline", tuple((v, _sysctls(v)) for v, _ in SAFE_SYSCTLS)),
    Check("windowsHostProcess", "baseline", (((1, 0), _windows_host_process),)),
    Check("allowPrivilegeEscalation", "restricted", (((1, 8), _allow_privilege_escalation),
                                                     ((1, 25), _windows_exempt(_allow_privilege_escalation)))),
    Check("capabilities_restricted", "restricted", (((1, 22), _capabilities_restricted),
                                                    ((1, 25), _windows_exempt(_capabilities_restricted))),
          ("capabilities_baseline",)),
    Check("procMount_restricted", "restricted", (((1, 35), _proc_mount),), ("procMount",)),
    Check("restrictedVolumes", "restricted", (((1, 0), _restricted_volumes),), ("hostPathVolumes",)),
    Check("runAsNonRoot", "restricted", (((1, 0), _run_as_non_root), ((1, 35), _run_as_non_root_1_35))),
    Check("runAsUser", "restricted", (((1, 23), _run_as_user), ((1, 35), _run_as_user_1_35))),
    Check("seccompProfile_restricted", "restricted", (((1, 19), _seccomp_restricted),
                                                      ((1, 25), _windows_exempt(_seccomp_restricted))),
          ("seccompProfile_baseline",)),
)


def effective_version(version: Version | None, cluster: Version | None = None) -> Version:
    """The version a policy is evaluated at: `latest` and newer versions clamp to the newest the plugin
    knows, itself capped at the cluster's version (the emulation version)."""
    newest = MAX_VERSION if cluster is None else min(MAX_VERSION, cluster)
    return newest if version is None or version > newest else version


def checks_for(level: str, version: Version) -> list[tuple[Check, CheckFn]]:
    """The checks `EvaluatePod` runs for (level, version), in its order (baseline ids, then restricted)."""
    if level == "privileged":
        return []
    baseline = [(c, fn) for c in CHECKS if c.level == "baseline" and (fn := c.at(version)) is not None]
    if level == "baseline":
        return sorted(baseline, key=lambda cf: cf[0].id)
    restricted = [(c, fn) for c in CHECKS if c.level == "restricted" and (fn := c.at(version)) is not None]
    overridden = {cid for c, _ in restricted for cid in c.overrides}
    kept = [(c, fn) for c, fn in baseline if c.id not in overridden]
    return sorted(kept, key=lambda cf: cf[0].id) + sorted(restricted, key=lambda cf: cf[0].id)


def evaluate(policy: LevelVersion, pod: Pod, cluster: Version | None = None) -> Iterator[tuple[Check, Offense]]:
    """Every offense of `pod` under `policy` (nothing for privileged)."""
    for check, fn in checks_for(policy.level, effective_version(policy.version, cluster)):
        for offense in fn(pod):
            yield check, offense
