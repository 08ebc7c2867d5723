"""Port naming rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..findings import Path, Severity, Violation
from ..model import WORKLOAD_KINDS, K8sObject, as_dict, as_list
from ..registry import Context, rule

_IANA_CHARS = re.compile(r"[-a-z0-9]+\Z")
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


def iana_service_name_problems(name: str) -> list[str]:
    """Why `name` is not a valid IANA service name (Kubernetes' IsValidPortName); [] when valid."""
    problems = []
    if len(name) > 15:
        problems.append(f"is {len(name)} characters long (at most 15)")
    if not _IANA_CHARS.match(name):
        problems.append("may contain only lowercase letters, digits and '-'")
    if not any("a" <= ch <= "z" for ch in name):
        problems.append("must contain at least one letter")
    if "--" in name:
        problems.append("must not contain '--'")
    if name.startswith("-") or name.endswith("-"):
        problems.append("must not begin or end with '-'")
    return problems


def dns1123_label_problems(name: str) -> list[str]:
    problems = []
    if len(name) > 63:
        problems.append(f"is {len(name)} characters long (at most 63)")
    if not _DNS1123_LABEL.match(name):
        problems.append(
            "must consist of lowercase letters, digits and '-', and start and end with a letter or digit"
        )
    return problems


def _check(path: Path, name: Any, what: str, problems_of: Any, standard: str) -> Iterator[Violation]:
    if name is None or name == "":
        return
    if not isinstance(name, str):
        yield Violation(path, f"{what} name {name!r} must be a string ({standard})")
        return
    problems = problems_of(name)
    if problems:
        yield Violation(path, f'{what} name "{name}" is not a valid {standard}: it ' + "; it ".join(problems))


@rule(
    "port-name-invalid",
    severity=Severity.ERROR,
    summary=(
        "A container port name is not a valid IANA service name, or a Service port name is not a "
        "DNS-1123 label."
    ),
    why=(
        "The API server rejects the object. Container port names must be IANA service names "
        "(1-15 characters, lowercase letters, digits and '-', at least one letter, no leading, "
        "trailing or double '-'); Service port names must be DNS-1123 labels (up to 63 lowercase "
        "letters, digits and '-', starting and ending with a letter or digit)."
    ),
    remediation="Rename the port, e.g. `http`, `grpc-api` or `metrics` (and the references to it).",
    kinds=WORKLOAD_KINDS | {"Service"},
    tags=("ports",),
)
def port_name_invalid(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    if obj.kind == "Service":
        for i, port in enumerate(as_list(as_dict(obj.data.get("spec")).get("ports"))):
            if isinstance(port, dict):
                yield from _check(
                    ("spec", "ports", i, "name"), port.get("name"), "Service port",
                    dns1123_label_problems, "DNS-1123 label",
                )
        return
    for container in obj.containers():
        for i, port in enumerate(as_list(container.data.get("ports"))):
            if isinstance(port, dict):
                yield from _check(
                    (*container.path, "ports", i, "name"), port.get("name"),
                    f'container "{container.name}" port', iana_service_name_problems,
                    "IANA service name",
                )
