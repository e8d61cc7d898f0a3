"""deploy/kubernetes: every manifest is valid for a pinned Kubernetes, and says what production needs."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.support.kustomize import documents, pod_specs, render

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
BASE = KUBE / "base"
OVERLAY = KUBE / "overlays" / "example"
# The oldest Kubernetes minor still broadly supported by managed services when this was pinned.
KUBERNETES_VERSION = "1.32.0"
KUBECTL = shutil.which("kubectl")


def validate(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def by_name(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def kubectl_kustomize(directory: Path) -> list[dict[str, Any]]:
    result = subprocess.run(
        [KUBECTL, "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=True
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def manifest_files() -> list[Path]:
    return sorted(p for p in KUBE.rglob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: str(p.relative_to(KUBE)))
def test_kube001_every_manifest_file_is_schema_valid_in_strict_mode(path: Path) -> None:
    for obj in documents(path):
        validate(obj)


@pytest.mark.parametrize("directory", [BASE, OVERLAY], ids=["base", "overlay"])
def test_kube002_every_rendered_object_is_schema_valid(directory: Path) -> None:
    objects = render(directory)
    assert objects
    for obj in objects:
        validate(obj)


def test_kube003_strict_validation_refuses_a_misspelt_field() -> None:
    """The check above could not pass a broken manifest: a typo in a probe is refused."""
    web = copy.deepcopy(by_name(render(BASE), "Deployment", "portal-web"))
    web["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSecond"] = 5
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(web)


@pytest.mark.skipif(KUBECTL is None, reason="no kubectl here: the pure-Python rendering stands alone")
@pytest.mark.parametrize("directory", [BASE, OVERLAY], ids=["base", "overlay"])
def test_kube004_kubectl_renders_exactly_what_the_python_reader_does(directory: Path) -> None:
    rendered = kubectl_kustomize(directory)
    for obj in rendered:
        validate(obj)

    def key(obj: dict[str, Any]) -> tuple[str, str]:
        return obj["kind"], obj["metadata"]["name"]

    assert {key(o): o for o in rendered} == {key(o): o for o in render(directory)}


def test_kube005_every_base_file_is_a_resource_except_the_secret_template() -> None:
    listed = set(yaml.safe_load((BASE / "kustomization.yaml").read_text())["resources"])
    present = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"}
    assert present - listed == {"secret.template.yaml"}
    assert not any(o["kind"] == "Secret" for o in render(OVERLAY)), "a Secret must never be applied from git"
    template = documents(BASE / "secret.template.yaml")[0]
    assert all("REPLACE" in value for value in template["stringData"].values())


def test_kube006_web_deployment_serves_safely() -> None:
    objects = render(OVERLAY)
    web = by_name(objects, "Deployment", "portal-web")
    assert web["spec"]["replicas"] == 2
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = web["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["args"] == ["serve"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    resources = container["resources"]
    assert resources["requests"]["memory"] and resources["limits"]["memory"] and resources["requests"]["cpu"]
    assert "measured" in (BASE / "web-deployment.yaml").read_text().lower()
    assert pod["initContainers"][0]["args"] == ["db", "upgrade"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert volumes[mounts["/data"]]["persistentVolumeClaim"]["claimName"] == "portal-data"
    assert container["image"] == "registry.example.com/analytics/portal:0.1.0"


@pytest.mark.parametrize("name", ["portal-web", "portal-worker", "portal-scheduler"])
def test_kube007_every_pod_runs_unprivileged_on_a_read_only_root(name: str) -> None:
    pod = pod_specs(render(BASE))[name]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001, "the image's fixed UID"
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for container in [*pod["initContainers"], *pod["containers"]]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"])
        env = {e["name"]: e["value"] for e in container["env"]}
        # Secrets are files, never values in the pod spec or the ConfigMap.
        assert env["PORTAL_SECRET_KEY_FILE"].startswith("/run/secrets/portal/")
        assert env["PORTAL_DATABASE_URL_FILE"].startswith("/run/secrets/portal/")
    assert pod["initContainers"][0]["args"] == ["db", "upgrade"], "migrations run before the new code"


def test_kube008_scheduler_is_exactly_one_and_recreated() -> None:
    scheduler = by_name(render(BASE), "Deployment", "portal-scheduler")
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}
    assert scheduler["spec"]["template"]["spec"]["containers"][0]["args"] == ["report", "schedule"]
    worker = by_name(render(BASE), "Deployment", "portal-worker")
    assert worker["spec"]["template"]["spec"]["containers"][0]["args"][0] == "worker"


def test_kube009_scaling_disruption_storage_and_network() -> None:
    objects = render(OVERLAY)
    hpa = by_name(objects, "HorizontalPodAutoscaler", "portal-web")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "portal-web" and hpa["spec"]["minReplicas"] >= 2
    pdb = by_name(objects, "PodDisruptionBudget", "portal-web")
    assert pdb["spec"]["minAvailable"] == 1
    pvc = by_name(objects, "PersistentVolumeClaim", "portal-data")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"] and pvc["spec"]["storageClassName"]
    kinds = {o["kind"] for o in objects}
    assert {"Service", "Ingress", "NetworkPolicy", "ConfigMap", "Namespace"} <= kinds
    namespaced = [o for o in objects if o["kind"] != "Namespace"]
    assert all(o["metadata"].get("namespace") == "analytics-portal" for o in namespaced)
    ingress_text = (BASE / "ingress.yaml").read_text()
    assert "PORTAL_TRUSTED_PROXIES" in ingress_text and "PORTAL_AUTH_USER_HEADER" in ingress_text
    annotations = by_name(objects, "Ingress", "portal")["metadata"].get("annotations", {})
    assert not [name for name in annotations if re.search(r"affinity|sticky", name)]


def test_kube010_the_configmap_holds_only_known_settings_and_no_secret() -> None:
    from portal.config import SETTINGS

    known = {s.env: s for s in SETTINGS}
    config = by_name(render(OVERLAY), "ConfigMap", "portal-config")["data"]
    assert set(config) <= set(known), set(config) - set(known)
    credentials = [name for name in config if known[name].secret and "@" in config[name]]
    assert credentials == [], "credentials belong in the Secret"
    assert "PORTAL_SECRET_KEY" not in config and "PORTAL_DATABASE_URL" not in config


def test_kube011_the_configmaps_load_as_portal_settings_and_reports(tmp_path: Path) -> None:
    """The settings the pods get, plus the mounted secrets, pass the portal's own checks."""
    import layouts
    from portal.config import load_settings
    from portal.reports.definitions import load_reports

    objects = render(OVERLAY)
    env = dict(by_name(objects, "ConfigMap", "portal-config")["data"])
    (tmp_path / "secret-key").write_text("k" * 64 + "\n")
    (tmp_path / "database-url").write_text("postgresql+psycopg://portal:pw@db.example.internal:5432/portal\n")
    reports = by_name(objects, "ConfigMap", "portal-reports")["data"]["reports.yaml"]
    (tmp_path / "reports.yaml").write_text(reports)
    env.update(
        PORTAL_SECRET_KEY_FILE=str(tmp_path / "secret-key"),
        PORTAL_DATABASE_URL_FILE=str(tmp_path / "database-url"),
        PORTAL_DATA_DIR=str(tmp_path),
        PORTAL_REPORTS_FILE=str(tmp_path / "reports.yaml"),
        HOST="0.0.0.0",
    )
    settings = load_settings(env)
    assert settings.is_production and settings.workers == 3
    assert set(load_reports(settings, layouts.page_index().paths)) == {"churn-weekly"}


def test_kube012_the_ingress_lets_the_largest_batch_upload_through() -> None:
    """The portal answers an oversize upload with its own message, so the controller must not cut it first."""
    from portal.config import SETTINGS

    ingress = by_name(render(OVERLAY), "Ingress", "portal")
    size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    limit = int(size[:-1]) * units[size[-1].lower()] if size[-1].isalpha() else int(size)
    batch_default = int(next(s.default for s in SETTINGS if s.env == "PORTAL_BATCH_MAX_BYTES"))
    config = by_name(render(OVERLAY), "ConfigMap", "portal-config")["data"]
    batch_max = int(config.get("PORTAL_BATCH_MAX_BYTES", batch_default))
    assert batch_max <= limit <= batch_max * 1.1, (size, batch_max)
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"


def test_kube013_pods_run_as_the_images_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    uid = int(re.search(r"^ARG PORTAL_UID=(\d+)$", dockerfile, re.M).group(1))
    for name, pod in pod_specs(render(BASE)).items():
        context = pod["securityContext"]
        assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (uid, uid, uid), name


def test_kube014_only_the_ingress_controller_and_the_portal_reach_web_and_nothing_reaches_the_rest() -> None:
    policies = [o for o in render(OVERLAY) if o["kind"] == "NetworkPolicy"]
    web = by_name(policies, "NetworkPolicy", "portal-web-ingress")["spec"]
    assert web["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    sources = [peer for rule in web["ingress"] for peer in rule["from"]]
    assert all(set(peer) <= {"namespaceSelector", "podSelector"} for peer in sources), "no ipBlock"
    assert [rule["ports"] for rule in web["ingress"]] == [[{"port": "http", "protocol": "TCP"}]]
    background = by_name(policies, "NetworkPolicy", "portal-background-ingress")["spec"]
    assert background["policyTypes"] == ["Ingress"] and not background.get("ingress")
    selected = background["podSelector"]["matchExpressions"][0]["values"]
    assert sorted(selected) == ["scheduler", "worker"]
    egress = by_name(policies, "NetworkPolicy", "portal-egress")["spec"]
    assert egress["policyTypes"] == ["Egress"]
    ports = {p["port"] for rule in egress["egress"] for p in rule["ports"]}
    assert {53, 5432, 6379, 443, 8050} <= ports
