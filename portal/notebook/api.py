"""``register``, ``show`` and ``url``: what a notebook calls, each checking its arguments first.

Page paths and query values go through the same rules as ``portal embed-url`` (one page list, one
query check), and models through the same intake as ``portal models register``, so a mistake gets
the words the CLI would print.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from models import intake
from models.registry import RegistryError
from portal.app import page_index
from portal.embed import links as embed_links
from portal.notebook.embedded import portal_for
from portal.notebook.errors import NotebookError
from portal.threads import capped_pools

try:
    from IPython.display import IFrame, display
except ImportError:  # the notebook extra is absent: register() still works, show() says what is missing
    IFrame = display = None

DEFAULT_HEIGHT = 650
MAX_HEIGHT = 20_000


@dataclasses.dataclass(frozen=True, repr=False)
class Registration:
    """A version just registered, shown in a notebook as the line ``portal models register`` prints."""

    name: str
    version: int
    task: str
    active_version: int
    metrics: dict[str, float]
    data_dir: Path
    line: str

    @property
    def active(self) -> bool:
        return self.version == self.active_version

    def __repr__(self) -> str:
        if self.active:
            return f"{self.line} (active)"
        return (
            f"{self.line} (not active: v{self.active_version} is; "
            "register with activate=True or run portal models promote)"
        )


def register(
    model: Any,
    reference_frame: Any,
    *,
    target: str,
    name: str,
    activate: bool = False,
    data_dir: str | Path | None = None,
) -> Registration:
    """Register a fitted pipeline with its hold-out frame, exactly as ``portal models register`` does.

    The first version of a name becomes active; later ones only with ``activate=True``. Without
    ``data_dir`` the kernel's temporary data dir is used, the one ``show`` serves.
    """
    if not isinstance(activate, bool):
        raise NotebookError(f"activate must be True or False, not {activate!r}")
    portal = portal_for(data_dir)
    naming = intake.Naming(
        subject=f"the {type(model).__name__}", source="reference_frame", target_option="target"
    )
    try:
        # As in the CLI: permutation importance and pre-scoring run with the portal's pool sizes.
        with capped_pools(portal.settings.native_threads):
            version = intake.register_checked(
                portal.registry,
                portal.settings.data_dir,
                name,
                model,
                reference_frame,
                target,
                naming,
                activate=activate,
            )
    except RegistryError as exc:
        raise NotebookError(str(exc)) from None
    return Registration(
        name=version.name,
        version=version.version,
        task=version.task,
        active_version=portal.registry.active_version(version.name),
        metrics=version.metrics,
        data_dir=portal.data_dir,
        line=intake.registration_line(version),
    )


def url(
    page: str = "/",
    /,
    *,
    query: Mapping[str, Any] | None = None,
    data_dir: str | Path | None = None,
    **params: Any,
) -> str:
    """The address of ``page`` on the kernel's portal, started on first use (also for a browser tab)."""
    portal = portal_for(data_dir)
    path = page_path(page, merged_query(query, params), portal.registry.names())
    return portal.base_url() + path


def show(
    page: str = "/",
    /,
    *,
    query: Mapping[str, Any] | None = None,
    data_dir: str | Path | None = None,
    width: str | int = "100%",
    height: int = DEFAULT_HEIGHT,
    **params: Any,
) -> None:
    """Display ``page`` inline, e.g. ``show("/what-if", model="churn")``.

    Keyword arguments become the page's URL query; names that are not Python identifiers
    (What-if inputs such as ``f.tenure_months``) go in ``query={...}``.
    """
    check_frame_size(width, height)
    address = url(page, query=query, data_dir=data_dir, **params)
    display(IFrame(address, width=width, height=height))


def merged_query(query: Mapping[str, Any] | None, params: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments and ``query`` as one mapping; a None value means the parameter is not set."""
    if query is not None and not isinstance(query, Mapping):
        raise NotebookError(
            f'query must be a mapping of names to values, like {{"f.plan": "basic"}}, not {query!r}'
        )
    extra = dict(query or {})
    twice = sorted(set(extra) & set(params), key=str)
    if twice:
        names = ", ".join(map(str, twice))
        raise NotebookError(f"query parameter {names} given twice: as an argument and in query=")
    return {key: value for key, value in {**params, **extra}.items() if value is not None}


def page_path(page: Any, query: Mapping[str, Any], model_names: list[str]) -> str:
    """``/what-if?model=churn`` for a known page and query values its URL may carry."""
    index = page_index()
    try:
        path = embed_links.resolve_page(page, [*index.paths, *index.admin_paths])
        checked = embed_links.check_query(query, model_names)
    except embed_links.LinkError as exc:
        raise NotebookError(str(exc)) from None
    return f"{path}?{urlencode(checked)}" if checked else path


def check_frame_size(width: Any, height: Any) -> None:
    """The iframe's size: pixels, or a CSS width such as ``100%``."""
    if isinstance(height, bool) or not isinstance(height, int) or not 0 < height <= MAX_HEIGHT:
        raise NotebookError(f"height must be a number of pixels from 1 to {MAX_HEIGHT}, not {height!r}")
    pixels = isinstance(width, int) and not isinstance(width, bool) and width > 0
    css = isinstance(width, str) and width.strip() != "" and all(ch.isalnum() or ch in "%." for ch in width)
    if not (pixels or css):
        raise NotebookError(f"width must be a number of pixels or a CSS width such as '100%', not {width!r}")
