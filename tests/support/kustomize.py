"""A small, strict reading of the kustomizations in deploy/kubernetes, for machines without kubectl.

It understands exactly what those files use (resources, namespace, images and inline JSON 6902
patches with a target) and refuses anything else, so it can never render a manifest differently
without saying so; a test holds its output equal to ``kubectl kustomize`` wherever kubectl exists.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

KNOWN_FIELDS = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding"}


def documents(path: Path) -> list[dict[str, Any]]:
    """The objects in one YAML file (empty documents skipped)."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render(directory: Path) -> list[dict[str, Any]]:
    """The objects ``kubectl kustomize directory`` would print, for the features named above."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KNOWN_FIELDS
    if unknown:
        raise ValueError(f"{directory}: kustomization fields this reader does not support: {sorted(unknown)}")
    objects: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        objects += render(target) if target.is_dir() else documents(target)
    for patch in kustomization.get("patches", []):
        _apply_patch(objects, patch, directory)
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    namespace = kustomization.get("namespace")
    if namespace:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = namespace
    return objects


def _apply_patch(objects: list[dict[str, Any]], patch: dict[str, Any], directory: Path) -> None:
    if set(patch) != {"target", "patch"} or set(patch["target"]) - {"kind", "name"}:
        raise ValueError(f"{directory}: only inline JSON 6902 patches with a kind/name target are supported")
    target = patch["target"]
    matched = [
        obj
        for obj in objects
        if obj["kind"] == target.get("kind", obj["kind"])
        and obj["metadata"]["name"] == target.get("name", obj["metadata"]["name"])
    ]
    if not matched:
        raise ValueError(f"{directory}: patch target {target} matches no object")
    operations = yaml.safe_load(patch["patch"])
    for obj in matched:
        for operation in operations:
            _operate(obj, operation)


def _operate(obj: dict[str, Any], operation: dict[str, Any]) -> None:
    """One RFC 6902 add, replace or remove."""
    op, path = operation["op"], operation["path"]
    if op not in ("add", "replace", "remove"):
        raise ValueError(f"unsupported JSON patch operation {op!r}")
    keys = [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]
    parent: Any = obj
    for key in keys[:-1]:
        parent = parent[int(key)] if isinstance(parent, list) else parent[key]
    last = keys[-1]
    value = copy.deepcopy(operation.get("value"))
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if op == "add":
            parent.insert(index, value)
        elif op == "replace":
            parent[index] = value
        else:
            del parent[index]
        return
    if op == "replace" and last not in parent:
        raise ValueError(f"replace of missing path {path}")
    if op == "remove":
        del parent[last]
    else:
        parent[last] = value


def _set_image(objects: list[dict[str, Any]], image: dict[str, Any]) -> None:
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in [*pod.get("containers", []), *pod.get("initContainers", [])]:
            name = container["image"].split("@")[0].rsplit(":", 1)[0]
            if name == image["name"]:
                repository = image.get("newName", name)
                container["image"] = f"{repository}:{image['newTag']}" if "newTag" in image else repository


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each workload's pod spec by object name."""
    return {
        obj["metadata"]["name"]: obj["spec"]["template"]["spec"]
        for obj in objects
        if obj["kind"] in ("Deployment", "Job", "StatefulSet")
    }
