"""Parameterised code templates that policies use (`uses: <template>` with `params`).

A template reads its parameters from `ctx.params`: the pack's values, overridden by the config's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Path, Violation
from ..model import BUILD_TIME_PREFIXES, K8sObject, as_dict, get_in
from ..records import dataclass
from ..registry import Check, Context


@dataclass(frozen=True)
class Template:
    name: str
    params_schema: dict[str, Any]
    target: str
    check: Check


def parse_image(image: str) -> tuple[str, str, str | None, str | None]:
    """'gcr.io/team/app:1.2@sha256:ab..' -> (registry, repository, tag, digest).

    Docker Hub names are normalised as the container runtime does: `nginx` is
    `docker.io/library/nginx`, `team/app` is `docker.io/team/app`.
    """
    rest, _, digest = image.partition("@")
    name, tag = rest, None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1:]
    first, sep, remainder = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, remainder
    else:
        registry, repository = "docker.io", name if sep else f"library/{name}"
    return registry, repository, tag or None, digest or None


def _metadata_target(obj: K8sObject, on_template: bool) -> Path | None:
    if not on_template:
        return ("metadata",)
    base = obj.pod_template_path
    return None if base is None else (*base, "metadata")


def _required_key(field: str) -> Check:
    what = field[:-1]  # labels -> label

    def check(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
        meta = _metadata_target(obj, bool(ctx.params.get("template", False)))
        if meta is None:
            return
        key = ctx.params["key"]
        values = ctx.params.get("values")
        found = as_dict(get_in(obj.data, (*meta, field)))
        if key not in found:
            where = (*meta, field) if field in as_dict(get_in(obj.data, meta)) else meta
            yield Violation(where, f'{obj.kind} "{obj.name}" has no {what} "{key}"')
        elif values and str(found[key]) not in [str(v) for v in values]:
            yield Violation((*meta, field, key), (
                f'{what} {key}={found[key]} is not one of: {", ".join(str(v) for v in values)}'))

    return check


def _key_schema(what: str) -> dict[str, Any]:
    return {
        "type": "object", "additionalProperties": False, "required": ["key"],
        "properties": {
            "key": {"type": "string", "minLength": 1, "description": f"the {what} that must be present"},
            "values": {"type": "array", "items": {"type": "string"}, "description": "allowed values (any if unset)"},
            "template": {"type": "boolean", "default": False,
                         "description": "check the pod template's metadata instead of the object's"},
        },
    }


def _images(obj: K8sObject) -> Iterator[tuple[Path, str, str]]:
    for container in obj.containers():
        image = container.data.get("image")
        if isinstance(image, str) and not image.startswith(BUILD_TIME_PREFIXES):
            yield (*container.path, "image"), image, container.name


def _allowed_registries(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    allowed = [r.rstrip("/") for r in ctx.params["registries"]]
    for path, image, name in _images(obj):
        registry, repository, _, _ = parse_image(image)
        full = f"{registry}/{repository}"
        if not any(full == r or full.startswith(r + "/") or registry == r for r in allowed):
            yield Violation(path, (
                f'container "{name}" uses image "{image}" from {registry}, which is not an allowed '
                f"registry ({', '.join(allowed)})"))


def _image_tag_policy(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    allow_latest = ctx.params.get("allow-latest", False)
    require_tag = ctx.params.get("require-tag", True)
    require_digest = ctx.params.get("require-digest", False)
    for path, image, name in _images(obj):
        _, _, tag, digest = parse_image(image)
        if require_digest and not digest:
            yield Violation(path, f'container "{name}" image "{image}" is not pinned by digest (@sha256:...)')
        elif digest:
            continue
        elif tag is None and require_tag:
            yield Violation(path, f'container "{name}" image "{image}" has no tag, which means :latest')
        elif tag == "latest" and not allow_latest:
            yield Violation(path, f'container "{name}" image "{image}" uses the :latest tag')


TEMPLATES: dict[str, Template] = {
    "required-label": Template("required-label", _key_schema("label"), "object", _required_key("labels")),
    "required-annotation": Template(
        "required-annotation", _key_schema("annotation"), "object", _required_key("annotations")),
    "allowed-image-registries": Template("allowed-image-registries", {
        "type": "object", "additionalProperties": False, "required": ["registries"],
        "properties": {"registries": {
            "type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1},
            "description": "registries (or registry/path prefixes) images may come from; docker.io for Docker Hub",
        }},
    }, "container", _allowed_registries),
    "image-tag-policy": Template("image-tag-policy", {
        "type": "object", "additionalProperties": False,
        "properties": {
            "allow-latest": {"type": "boolean", "default": False, "description": "accept the :latest tag"},
            "require-tag": {"type": "boolean", "default": True, "description": "an image needs a tag or a digest"},
            "require-digest": {"type": "boolean", "default": False, "description": "every image pinned by digest"},
        },
    }, "container", _image_tag_policy),
}
