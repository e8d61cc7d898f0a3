"""Chunks converted during validation, kept in the batch folder so scoring does not parse the file again.

Each chunk is the file's own columns as read plus the model-ready frame, pickled (our own files in
the data dir, like the model artefacts). They are written to ``validated-v<version>.part`` and
renamed into place only when the whole file validated, so scoring uses them only when complete
and made for the same model version; otherwise it reads the upload as before.
"""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

Pair = tuple[pd.DataFrame, pd.DataFrame]


def spill_dir(folder: Path, version: int) -> Path:
    return folder / f"validated-v{version}"


class SpillWriter:
    """Collects converted chunks; ``commit`` publishes them, ``discard`` drops them."""

    def __init__(self, folder: Path, version: int) -> None:
        for old in folder.glob("validated-v*"):
            shutil.rmtree(old, ignore_errors=True)
        self.final = spill_dir(folder, version)
        self.part = self.final.with_name(self.final.name + ".part")
        self.part.mkdir()
        self.count = 0

    def add(self, chunk: pd.DataFrame, features: pd.DataFrame) -> None:
        with (self.part / f"{self.count:06d}.pkl").open("wb") as handle:
            pickle.dump((chunk, features), handle, protocol=5)
        self.count += 1

    def commit(self) -> None:
        self.part.replace(self.final)

    def discard(self) -> None:
        shutil.rmtree(self.part, ignore_errors=True)


def read_spilled(folder: Path, version: int, rows: int) -> Iterator[Pair] | None:
    """The kept chunks re-cut to ``rows`` rows, or None when there is no complete set for ``version``."""
    found = spill_dir(folder, version)
    if not found.is_dir():
        return None
    return _pairs(sorted(found.glob("*.pkl")), rows)


def _pairs(paths: list[Path], rows: int) -> Iterator[Pair]:
    for path in paths:
        with path.open("rb") as handle:
            chunk, features = pickle.load(handle)
        for start in range(0, len(chunk), rows):
            yield (
                chunk.iloc[start : start + rows].reset_index(drop=True),
                features.iloc[start : start + rows].reset_index(drop=True),
            )


def drop_spilled(folder: Path) -> None:
    for path in folder.glob("validated-v*"):
        shutil.rmtree(path, ignore_errors=True)
