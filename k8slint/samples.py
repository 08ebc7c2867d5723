"""Folders of alternatives: where the plain files of a run are not one deployment.

Repositories keep samples, variants and test cases side by side: `install.yaml` beside
`namespace-install.yaml`, a tutorial per file, a linter's test data with `deployment-test-1` in every
file. Such a folder shows itself by defining the same object (group, kind, namespace, name) in two of
its files: nobody applies both. Its files are then alternatives, and each is its own cluster view for
the cross-object rules: a Service resolves against the Deployment of its own file, a LimitRange or a
ResourceQuota applies to its own file's pods only, a definition repeated in a sibling file is no
duplicate.

Only the plain files of a run are split so (a chart, an overlay, a folder listed in `units:` and a
run declared complete with `--closed-world` are applied as a whole), and only folder by folder.
"""

from __future__ import annotations

from collections import defaultdict

from .model import K8sObject, folder_of


def identity(obj: K8sObject) -> tuple[str, str, str | None, str]:
    """(group, kind, namespace, name): what makes two definitions the same object."""
    return obj.api_version.rpartition("/")[0], obj.kind, obj.namespace, obj.name


def sample_folders(objects: list[K8sObject]) -> dict[str, tuple[K8sObject, K8sObject]]:
    """Folders in which two files define the same object, each with one such pair (for the message)."""
    first: dict[tuple[str, tuple[str, str, str | None, str]], K8sObject] = {}
    found: dict[str, tuple[K8sObject, K8sObject]] = {}
    for obj in objects:
        if not obj.name:
            continue  # generateName: every apply creates a new object
        folder = folder_of(obj.file)
        if folder in found:
            continue
        key = (folder, identity(obj))
        earlier = first.setdefault(key, obj)
        if earlier.file != obj.file:
            found[folder] = (earlier, obj)
    return found


def split(objects: list[K8sObject]) -> tuple[list[list[K8sObject]], dict[str, tuple[K8sObject, K8sObject]]]:
    """The cluster views of the plain files of a run: the objects outside sample folders together,
    then each file of a sample folder alone; and the sample folders found."""
    folders = sample_folders(objects)
    if not folders:
        return [objects], folders
    shared: list[K8sObject] = []
    alone: dict[str, list[K8sObject]] = defaultdict(list)
    for obj in objects:
        if folder_of(obj.file) in folders:
            alone[obj.file].append(obj)
        else:
            shared.append(obj)
    return [shared, *alone.values()], folders
