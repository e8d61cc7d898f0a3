"""The README's Deploy section: every way of shipping as commands to copy, and commands that are real.

An operator copies these lines as they stand, so each `make` target must exist, each `portal`
command (directly or through `docker compose run`) must parse, each repository path must be there,
and the sizes it states must be the ones the manifests request.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from portal.cli import build_parser
from tests.deploy.test_kubernetes import KUBERNETES_VERSION

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
BASE = ROOT / "deploy" / "kubernetes" / "base"


def section(text: str, heading: str, level: str = "##") -> str:
    match = re.search(rf"^{level} {re.escape(heading)}\b.*?(?=^#{{1,{len(level)}}} |\Z)", text, re.M | re.S)
    assert match, f"README has no {level} {heading}"
    return match.group(0)


DEPLOY = section(README, "Deploy")


def subsections() -> dict[str, str]:
    parts = re.split(r"^### ", DEPLOY, flags=re.M)[1:]
    return {part.splitlines()[0].strip(): part for part in parts}


def shell_lines(text: str) -> list[str]:
    """The commands of every ```bash block, continuation lines joined and comments dropped."""
    blocks = re.findall(r"^```bash\n(.*?)^```", text, re.M | re.S)
    joined = re.sub(r"\\\n\s*", " ", "\n".join(blocks))
    lines = [re.sub(r"\s+#.*$", "", line).strip() for line in joined.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def commands(line: str) -> list[list[str]]:
    """Each simple command of a line (split at && ; |), without leading VAR=value assignments."""
    found = []
    for part in re.split(r"&&|;|\|", line):
        words = shlex.split(part)
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
            words.pop(0)
        if words:
            found.append(words)
    return found


ALL_COMMANDS = [words for line in shell_lines(DEPLOY) for words in commands(line)]


@pytest.mark.parametrize("keyword", ["Container image", "Compose", "Kubernetes", "Procfile", "Notebook"])
def test_readme001_each_way_of_shipping_has_commands_to_copy(keyword: str) -> None:
    matching = {title: body for title, body in subsections().items() if title.startswith(keyword)}
    assert matching, f"the Deploy section has no ### {keyword} subsection: {list(subsections())}"
    (body,) = matching.values()
    assert shell_lines(body), f"### {keyword} has no ```bash block to copy"


TOPICS = ["What replicas share", "Scaling each part", "Memory, measured", "Upgrades"]


@pytest.mark.parametrize("topic", TOPICS)
def test_readme002_the_operating_topics_are_covered(topic: str) -> None:
    assert any(title.startswith(topic) for title in subsections()), topic


def test_readme003_every_make_target_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = [words[1] for words in ALL_COMMANDS if words[0] == "make"]
    assert targets
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"make {target}: no such target"


def portal_invocations() -> list[list[str]]:
    """`portal ARGS`, and `docker compose run --rm SERVICE ARGS` (the image's entrypoint is portal)."""
    found = []
    for words in ALL_COMMANDS:
        if words[0] == "portal":
            found.append(words[1:])
        elif words[:4] == ["docker", "compose", "run", "--rm"]:
            found.append(words[5:])
    return found


def test_readme004_every_portal_command_parses() -> None:
    invocations = portal_invocations()
    assert ["serve"] in invocations and any(args[:1] == ["demo"] for args in invocations)
    for args in invocations:
        try:
            build_parser(args[0]).parse_args(args)
        except SystemExit as exc:
            raise AssertionError(f"README's `portal {' '.join(args)}` is not a portal command") from exc


def test_readme005_every_repository_path_it_names_exists() -> None:
    top = {path.name for path in ROOT.iterdir()}
    named = set(re.findall(r"`([\w.-]+(?:/[\w.-]+)+)/?`", DEPLOY))
    named |= set(re.findall(r"\]\(((?!https?:|#)[^)\s]+)\)", DEPLOY))
    named |= {word for words in ALL_COMMANDS for word in words if "/" in word and not word.startswith("-")}
    local = sorted(path for path in named if path.split("/")[0] in top)
    assert "examples/from_predict_to_portal.ipynb" in local and "deploy/compose/nginx.conf" in local
    missing = [path for path in local if not (ROOT / path).exists()]
    assert missing == [], missing


def test_readme006_the_notebook_commands_exist_in_the_notebook_extra() -> None:
    notebook = next(body for title, body in subsections().items() if title.startswith("Notebook"))
    assert "-e '.[notebook]'" in notebook
    executed = [words for line in shell_lines(notebook) for words in commands(line) if words[0] == "jupyter"]
    assert ["jupyter", "execute", "examples/from_predict_to_portal.ipynb"] in executed
    # `jupyter execute` is nbclient's command, which the notebook extra installs.
    extra = re.search(r"^notebook =\n((?:    .*\n)+)", (ROOT / "setup.cfg").read_text(), re.M).group(1)
    assert re.search(r"^\s+nbclient\b", extra, re.M)


def gib(quantity: str) -> str:
    """A Kubernetes memory quantity in GiB as the README writes it: 1536Mi -> 1.5."""
    if quantity.endswith("Gi"):
        return quantity.removesuffix("Gi")
    return f"{int(quantity.removesuffix('Mi')) / 1024:g}"


@pytest.mark.parametrize("component", ["web", "worker", "scheduler"])
def test_readme007_the_sizes_it_states_are_what_the_manifests_request(component: str) -> None:
    path = BASE / f"{component}-deployment.yaml"
    container = yaml.safe_load(path.read_text())["spec"]["template"]["spec"]["containers"][0]
    memory = {kind: gib(container["resources"][kind]["memory"]) for kind in ("requests", "limits")}
    memory_section = subsections()["Memory, measured"]
    requested, limited = memory["requests"], memory["limits"]
    sentence = rf"\b{component}( Deployment)? requests {requested} GiB(,| and is) limited to {limited} GiB"
    assert re.search(sentence, memory_section.replace("\n", " ")), (component, memory)
    assert "Measured (README, Deploy)" in path.read_text(), "the manifest says where its numbers come from"


def test_readme008_memory_is_measured_per_web_worker_and_per_celery_worker() -> None:
    table = subsections()["Memory, measured"]
    assert re.search(r"^\| each web worker \| [\d,-]+ MiB \|", table, re.M)
    assert re.search(r"^\| each Celery job process[^|]*\| [\d,-]+ MiB \|", table, re.M)
    assert re.search(r"^\| `portal worker[^|]*main process[^|]*\| [\d,-]+ MiB \|", table, re.M)


def test_readme009_it_names_the_kubernetes_version_the_manifests_are_checked_against() -> None:
    minor = ".".join(KUBERNETES_VERSION.split(".")[:2])
    assert f"Kubernetes {minor} schemas" in DEPLOY


def test_readme010_it_says_what_could_not_be_exercised_here() -> None:
    image = subsections()["Container image"]
    assert "The image build itself was not exercised here" in image
    assert "topology test" in DEPLOY.lower()
