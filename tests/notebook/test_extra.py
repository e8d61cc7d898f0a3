"""The notebook packages are an optional extra: the runtime install and the image go without them.

``register`` needs no kernel, so it works on a plain install; ``show`` then says which extra to add
instead of failing on an import.
"""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_PACKAGES = {"ipykernel", "ipython", "nbclient", "nbformat"}


def requirement_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.-]+)", line)
        if match:
            names.add(match.group(1).lower())
    return names


def test_nbe001_the_notebook_packages_are_an_extra_not_the_runtime_install() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    runtime = requirement_names(config["options"]["install_requires"])
    extras = config["options.extras_require"]
    assert not NOTEBOOK_PACKAGES & runtime, NOTEBOOK_PACKAGES & runtime
    assert requirement_names(extras["notebook"]) >= NOTEBOOK_PACKAGES
    for name in ("postgres", "test"):
        assert not NOTEBOOK_PACKAGES & requirement_names(extras[name]), name
    # The image installs the runtime and PostgreSQL's driver only.
    installs = re.findall(r'pip install [^\n]*"(\.\[[^\]]*\])"', (ROOT / "Dockerfile").read_text())
    assert installs == [".[postgres]"]


# Run in a fresh interpreter where the notebook packages cannot be imported, as on a runtime install.
WITHOUT_NOTEBOOK_PACKAGES = textwrap.dedent(
    """
    import importlib.abc, sys

    class Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"IPython", "ipykernel", "nbclient", "nbformat"}:
                raise ModuleNotFoundError(f"No module named {name!r}")

    sys.meta_path.insert(0, Absent())
    import numpy as np, pandas as pd
    from sklearn.linear_model import LogisticRegression
    import portal.notebook

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=200), "z": rng.normal(size=200)})
    frame["y"] = (frame["x"] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    model = LogisticRegression().fit(frame[["x", "z"]], frame["y"])
    print(repr(portal.notebook.register(model, frame, target="y", name="tiny", data_dir=sys.argv[1])))
    try:
        portal.notebook.show("/what-if", model="tiny", data_dir=sys.argv[1])
    except portal.notebook.NotebookError as exc:
        print("show:", exc)
    print("loaded:", sorted({m.split(".")[0] for m in sys.modules} & {"IPython", "ipykernel"}))
    """
)


def test_nbe002_register_works_without_the_extra_and_show_names_it(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", WITHOUT_NOTEBOOK_PACKAGES, str(tmp_path / "data")]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert re.match(r"registered tiny v1 \(classification\); metrics: .*\(active\)$", lines[0]), lines
    assert lines[1].startswith("show: show() and url() serve pages from inside a Jupyter kernel")
    assert "pip install 'analytics-portal[notebook]'" in lines[1]
    assert lines[2] == "loaded: []"
    assert (tmp_path / "data" / "models" / "tiny" / "1" / "model.joblib").exists()
