"""The one path a person's fitted estimator takes into the registry: check, store, pre-score.

``portal models register`` (a model file) and ``portal.notebook.register`` (a live object) both
come through here, so they refuse the same mistakes with the same words and store the same
artifacts. The callers only say how their user named the pieces (a file path or a variable).
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import types
from pathlib import Path
from typing import Any

import pandas as pd

from models.population import prescore
from models.registry import ModelRegistry, ModelVersion, RegistryError, validate_name
from models.schema import SchemaError
from models.training import check_fitted, register_fitted, task_of

COLUMNS_SHOWN = 30


class IntakeError(RegistryError):
    """An estimator or its reference data cannot be registered; the message says what to change."""


@dataclasses.dataclass(frozen=True)
class Naming:
    """How the caller's user refers to each piece, so messages speak their language."""

    subject: str  # the model, e.g. a file path or "the Pipeline"
    source: str  # the reference data, e.g. a file path or "reference_frame"
    target_option: str  # the target argument, e.g. "--target" or "target"


def register_checked(
    registry: ModelRegistry,
    data_dir: Path,
    name: Any,
    estimator: Any,
    reference: Any,
    target: Any,
    naming: Naming,
    activate: bool = False,
) -> ModelVersion:
    """Validate everything, store a new version, then score its population; nothing half-written."""
    try:
        validate_name(name)
    except RegistryError as exc:
        raise IntakeError(str(exc)) from None
    check_reference(reference, target, naming)
    try:
        # The cheap checks first, so a wrong object is named as such before it is pickled.
        check_fitted(estimator)
        task_of(estimator)
        check_portable(estimator)
        version = register_fitted(registry, name, estimator, reference, target, activate=activate)
    except (RegistryError, SchemaError) as exc:
        raise IntakeError(f"cannot register {naming.subject}: {exc}") from None
    prescore(registry, data_dir, version.name, version.version)
    return version


def check_reference(reference: Any, target: Any, naming: Naming) -> None:
    """A pandas DataFrame whose string column names include the target, each name once."""
    if not isinstance(reference, pd.DataFrame):
        raise IntakeError(
            f"{naming.source} must be a pandas DataFrame of features and target, "
            f"not {type(reference).__name__}"
        )
    if not isinstance(target, str) or not target:
        raise IntakeError(f"{naming.target_option} must name a column of {naming.source}, not {target!r}")
    odd = [repr(c) for c in reference.columns if not isinstance(c, str)]
    if odd:
        raise IntakeError(
            f"column names of {naming.source} must be strings (they become Parquet columns "
            f"and URL parameters); not: {', '.join(odd[:COLUMNS_SHOWN])}"
        )
    repeated = sorted({c for c in reference.columns[reference.columns.duplicated()]})
    if repeated:
        raise IntakeError(f"{naming.source} has more than one column named {', '.join(repeated)}")
    if target not in reference.columns:
        raise IntakeError(
            f"{naming.target_option} {target!r} is not a column of {naming.source}; columns: "
            + ", ".join(map(str, reference.columns[:COLUMNS_SHOWN]))
        )


class _MainFinder(pickle.Pickler):
    """Pickles into nothing, noting every class or function that lives in ``__main__``."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL)
        self.found: list[str] = []

    def reducer_override(self, obj: Any) -> Any:
        for owner in (obj, type(obj)):
            named = isinstance(owner, type | types.FunctionType)
            if named and getattr(owner, "__module__", None) == "__main__":
                label = getattr(owner, "__qualname__", repr(owner))
                if label not in self.found:
                    self.found.append(label)
        return NotImplemented


def check_portable(estimator: Any) -> None:
    """Refuse an estimator that only the current interpreter could load again.

    A class or function defined in a notebook cell or a script pickles by reference to
    ``__main__``; ``portal serve``, its workers and the CLI have another ``__main__``, so the model
    file would fail to load everywhere but here.
    """
    finder = _MainFinder()
    try:
        finder.dump(estimator)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        if not finder.found:
            raise RegistryError(f"the model cannot be saved as a model file: {exc}") from None
    if finder.found:
        raise RegistryError(
            f"it uses {', '.join(finder.found[:10])} defined in the notebook or script itself "
            "(__main__), which other processes (portal serve, its workers) cannot load: "
            "move that code into an importable module and import it from there"
        )


def registration_line(version: ModelVersion) -> str:
    """The one line both callers show after registering: name, version, task and metrics."""
    metrics = ", ".join(f"{k}={v:.4g}" for k, v in version.metrics.items())
    return f"registered {version.name} v{version.version} ({version.task}); metrics: {metrics}"
