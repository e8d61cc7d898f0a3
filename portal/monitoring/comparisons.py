"""Two versions compared on the same rows, cached per pair: the data behind the Model comparison page.

The rows are the reference data of the newer version. For a challenger from ``portal models
retrain`` that is the held-out set neither version trained on; for other pairs it is that
version's own hold-out.
"""

from __future__ import annotations

from typing import Any

from models.caching import cached_call
from models.comparison import compare
from models.registry import ModelRegistry


def comparison(registry: ModelRegistry, cache: Any, name: str, a: int, b: int) -> dict[str, Any]:
    """The comparison report of ``a`` against ``b``; cached on both versions' model checksums."""
    first, second = registry.load(name, a), registry.load(name, b)
    rows_version = max(a, b)
    key = (
        f"comparison:{name}:{a}:{first.version.model_sha256[:16]}:{b}:{second.version.model_sha256[:16]}"
        f":rows{rows_version}"
    )

    def build() -> dict[str, Any]:
        frame = registry.reference(name, rows_version)
        report = compare(first, second, frame, second.version.metadata.get("id_column"))
        report["rows_from"] = f"reference data of v{rows_version}"
        return report

    return cached_call(cache, "figures", key, build, local=True)
