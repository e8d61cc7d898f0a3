"""The structure rules of ARCHITECTURE.md, checked on the source so they hold from now on.

Imports flow one way, from the app factory and CLI through the pages to the feature packages,
the foundation and ``models``; there is no cycle, even through imports inside functions; and
every import left inside a function says why.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.architecture.import_graph import Import, all_imports, cycles, has_reason, project_modules

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "models", "layouts", "callbacks")
# Lowest first. A module may import modules of its own layer or a lower one, never a higher one.
# Imports under ``if TYPE_CHECKING`` never run and are exempt (Services names its collaborators so).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("models", ("models",)),
    (
        "foundation",
        (
            "portal",
            "portal.config",
            "portal.db",
            "portal.ids",
            "portal.log",
            "portal.pages",
            "portal.services",
            "portal.startup",
            "portal.threads",
            "portal.web",
        ),
    ),
    (
        "features",
        (
            "portal.alerts",
            "portal.api",
            "portal.batch",
            "portal.embed",
            "portal.exports",
            "portal.feedback",
            "portal.home",
            "portal.monitoring",
            "portal.predlog",
            "portal.reports",
            "portal.scheduler",
            "portal.security",
            "portal.shadow",
        ),
    ),
    ("binding", ("portal.extensions",)),
    ("pages", ("layouts", "callbacks")),
    # portal.notebook is an entry point like the CLI: a notebook imports it, it builds the app with
    # the factory and names pages, and nothing in the project imports it.
    ("composition", ("portal.app", "portal.cli", "portal.commands", "portal.notebook")),
)
# Web frameworks stay out of models/, so the model code runs in a notebook or a Celery task as is.
MODELS_MAY_NOT_IMPORT = ("flask", "dash", "dash_bootstrap_components", "dash_ag_grid", "werkzeug")
# portal/ had 84 imports inside functions before it was regrouped by feature, and 4 after, each with
# its reason. The ceiling leaves room for a few more, each explained, not for a return to the old habit.
MAX_DEFERRED_IMPORTS = 8
MAX_MODULE_LINES = 450
MAX_PORTAL_TOP_LEVEL_FILES = 14


@pytest.fixture(scope="module")
def modules() -> dict[str, Path]:
    return project_modules(ROOT, PACKAGES)


@pytest.fixture(scope="module")
def imports(modules: dict[str, Path]) -> list[Import]:
    return all_imports(modules)


def layer_of(module: str) -> int:
    """Index in LAYERS of the longest prefix that names ``module``'s home."""
    best, best_length = -1, -1
    for rank, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = rank, len(prefix)
    return best


def test_arch001_no_import_cycles(imports: list[Import]) -> None:
    assert cycles(imports) == []


def test_arch002_every_module_has_a_layer(modules: dict[str, Path]) -> None:
    assert [module for module in modules if layer_of(module) < 0] == []


def test_arch003_imports_never_run_upward(imports: list[Import]) -> None:
    upward = [
        f"{found.source}:{found.line} imports {found.target} ({LAYERS[layer_of(found.target)][0]})"
        for found in imports
        if not found.external and not found.typing_only and layer_of(found.target) > layer_of(found.source)
    ]
    assert upward == []


def test_arch004_models_stay_free_of_the_web(imports: list[Import]) -> None:
    leaks = [
        f"{found.source}:{found.line} imports {found.target}"
        for found in imports
        if found.source.split(".")[0] == "models"
        and found.target.split(".")[0] in (*MODELS_MAY_NOT_IMPORT, "portal", "layouts", "callbacks")
    ]
    assert leaks == []


def test_arch005_layouts_never_import_callbacks(imports: list[Import]) -> None:
    assert [
        f"{found.source}:{found.line}"
        for found in imports
        if found.source.startswith("layouts") and found.target.split(".")[0] == "callbacks"
    ] == []


def page_modules() -> set[str]:
    import layouts

    return {page.module for page in (*layouts.PAGES, *layouts.ADMIN_PAGES)}


def test_arch006_pages_share_widgets_not_each_other(imports: list[Import]) -> None:
    """A page imports shared widgets, never another page; a page's callbacks import only their own page."""
    pages = page_modules()
    crossing = set()
    for found in imports:
        if found.target not in pages or found.source == "layouts":
            continue
        own_page = "layouts." + found.source.split(".", 1)[-1]
        if found.source.startswith("layouts.") or (
            found.source.startswith("callbacks.") and found.target != own_page
        ):
            crossing.add(f"{found.source}:{found.line} imports page {found.target}")
    assert sorted(crossing) == []


def test_arch007_deferred_imports_are_few_and_explained(
    modules: dict[str, Path], imports: list[Import]
) -> None:
    statements = {
        (found.source, found.line)
        for found in imports
        if found.deferred and found.source.startswith("portal")
    }
    unexplained = [
        f"{source}:{line}" for source, line in sorted(statements) if not has_reason(modules[source], line)
    ]
    assert unexplained == [], "say why each import inside a function cannot sit at the top of its module"
    assert len(statements) <= MAX_DEFERRED_IMPORTS


def test_arch008_modules_stay_small(modules: dict[str, Path]) -> None:
    long = {
        module: lines
        for module, path in modules.items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_arch009_portal_top_level_holds_only_the_wiring() -> None:
    loose = sorted(path.name for path in (ROOT / "portal").glob("*.py"))
    assert len(loose) <= MAX_PORTAL_TOP_LEVEL_FILES, loose


def test_arch010_packages_say_what_they_hold_and_may_import() -> None:
    missing = []
    for init in sorted((ROOT / "portal").rglob("__init__.py")):
        if "migrations" in init.parts:
            continue
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        if "May import" not in docstring:
            missing.append(str(init.relative_to(ROOT)))
    assert missing == []


def home_of(module: str) -> str:
    """The package a module belongs to: ``portal.<package>`` inside portal, else the top-level name."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "portal" and len(parts) > 1 else parts[0]


def test_arch011_packages_depend_on_each_other_one_way(imports: list[Import]) -> None:
    """Not only modules: packages too, so each feature can be read, tested and moved on its own."""
    between_packages = [
        Import(home_of(f.source), home_of(f.target), f.line, f.deferred, f.typing_only)
        for f in imports
        if not f.external and home_of(f.source) != home_of(f.target)
    ]
    assert cycles(between_packages) == []
