"""Port naming rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import apivalidation as api
from ..findings import Path, Severity, Violation
from ..model import WORKLOAD_KINDS, K8sObject, as_dict, as_list
from ..registry import Context, rule


def _check(path: Path, name: Any, what: str, problems_of: Any, standard: str) -> Iterator[Violation]:
    if name is None or name == "":
        return
    if not isinstance(name, str):
        yield Violation(path, f"{what} name {name!r} must be a string ({standard})")
        return
    problems = problems_of(name)
    if problems:
        yield Violation(path, f'{what} name "{name}" is not a valid {standard}: ' + "; ".join(problems))


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
                    api.dns1123_label, "DNS-1123 label",
                )
        return
    for container in obj.containers():
        for i, port in enumerate(as_list(container.data.get("ports"))):
            if isinstance(port, dict):
                yield from _check(
                    (*container.path, "ports", i, "name"), port.get("name"),
                    f'container "{container.name}" port', api.iana_port_name,
                    "IANA service name",
                )
