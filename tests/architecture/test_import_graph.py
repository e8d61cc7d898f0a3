"""The graph builder itself: it must see the cycles and lazy imports the structure rules forbid."""

from __future__ import annotations

from pathlib import Path

from tests.architecture.import_graph import all_imports, cycles, has_reason, project_modules


def write_tree(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return project_modules(root, ("app",))


def test_graph001_a_cycle_through_a_function_counts(tmp_path: Path) -> None:
    modules = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/one.py": "from app import two\n",
            "app/two.py": "def later():\n    from app.one import thing\n",
        },
    )
    assert cycles(all_imports(modules)) == [["app.one", "app.two"]]


def test_graph002_type_checking_imports_never_run(tmp_path: Path) -> None:
    modules = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/one.py": "from app import two\n",
            "app/two.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import one\n",
        },
    )
    found = all_imports(modules)
    assert cycles(found) == []
    assert [(f.source, f.target) for f in found if f.typing_only] == [("app.two", "app.one")]


def test_graph003_a_package_init_that_imports_its_importer_is_a_cycle(tmp_path: Path) -> None:
    modules = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config/__init__.py": "from app.auth import SETTINGS\n",
            "app/config/setting.py": "class Setting: ...\n",
            "app/auth.py": "from app.config.setting import Setting\nSETTINGS = ()\n",
        },
    )
    assert cycles(all_imports(modules)) == [["app.auth", "app.config"]]


def test_graph004_relative_imports_and_reasons(tmp_path: Path) -> None:
    modules = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/pkg/__init__.py": "",
            "app/pkg/a.py": "from . import b\nfrom ..c import x\n",
            "app/pkg/b.py": (
                "def f():\n    # only the export needs it\n    import json\n\ndef g():\n    import csv\n"
            ),
            "app/c.py": "x = 1\n",
        },
    )
    found = all_imports(modules)
    assert {(f.source, f.target) for f in found if not f.external} >= {
        ("app.pkg.a", "app.pkg.b"),
        ("app.pkg.a", "app.c"),
    }
    deferred = {f.line: has_reason(modules["app.pkg.b"], f.line) for f in found if f.deferred}
    assert deferred == {3: True, 6: False}
