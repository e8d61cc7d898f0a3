"""Model artifacts on disk: versions, metadata, feature schema and integrity checks.

Layout: ``<root>/<name>/<version>/{model.joblib, reference.parquet, metadata.json}`` plus
``<root>/<name>/ACTIVE`` naming the active version and, while one is shadowed, ``<root>/<name>/SHADOW``
naming the version that scores live traffic beside it. Every write goes to a temporary folder
that is renamed into place, so a reader never sees half an artifact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from models.schema import FeatureSpec

log = logging.getLogger(__name__)

MODEL_FILE = "model.joblib"
REFERENCE_FILE = "reference.parquet"
METADATA_FILE = "metadata.json"
ACTIVE_FILE = "ACTIVE"
SHADOW_FILE = "SHADOW"
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class RegistryError(Exception):
    """A registry operation failed; the message says what and how to fix it."""


class ModelNotFound(RegistryError):
    """No such model, or no such version of it."""


class ModelIntegrityError(RegistryError):
    """The model file does not match the checksum recorded when it was registered."""


@dataclasses.dataclass(frozen=True)
class ModelVersion:
    """A version's metadata as stored in metadata.json."""

    name: str
    version: int
    path: Path
    metadata: dict[str, Any]

    @property
    def task(self) -> str:
        return str(self.metadata["task"])

    @property
    def target(self) -> str:
        return str(self.metadata["target"])

    @property
    def classes(self) -> list[Any]:
        return list(self.metadata.get("classes") or [])

    @property
    def schema(self) -> list[FeatureSpec]:
        return [FeatureSpec.from_dict(item) for item in self.metadata["features"]]

    @property
    def feature_names(self) -> list[str]:
        return [item["name"] for item in self.metadata["features"]]

    @property
    def metrics(self) -> dict[str, float]:
        return dict(self.metadata.get("metrics") or {})

    @property
    def created_at(self) -> str:
        return str(self.metadata.get("created_at", ""))

    @property
    def model_sha256(self) -> str:
        return str(self.metadata["model_sha256"])

    def reference(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The reference data registered with this version."""
        return pd.read_parquet(self.path / REFERENCE_FILE, columns=list(columns) if columns else None)


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    """A verified, unpickled estimator with its version record."""

    version: ModelVersion
    estimator: Any

    @property
    def name(self) -> str:
        return self.version.name

    @property
    def number(self) -> int:
        return self.version.version


# Versions are folder names; anything larger than this is no version, not a path to look up.
MAX_VERSION = 10**9


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks so large models do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def validate_name(name: str) -> str:
    """Model names become folder names and URL parts, so keep them simple."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RegistryError(
            f"model name {name!r} is invalid: use 1-64 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


class ModelRegistry:
    """Reads and writes model versions under one root folder; safe across worker processes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._loaded: dict[tuple[str, int], LoadedModel] = {}
        self._failures: dict[tuple[str, int], str] = {}
        self._references: dict[tuple[str, int], pd.DataFrame] = {}
        self._records: dict[tuple[str, int], ModelVersion] = {}
        self._lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        """Registered model names, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _NAME.fullmatch(p.name))

    def versions(self, name: str) -> list[ModelVersion]:
        """All complete versions of a model, oldest first."""
        folder = self.root / name
        if not _NAME.fullmatch(name) or not folder.is_dir():
            raise ModelNotFound(f"no model named {name!r}; registered: {', '.join(self.names()) or 'none'}")
        found = []
        for child in folder.iterdir():
            if child.name.isdigit() and (child / METADATA_FILE).is_file():
                found.append(self._read_version(name, int(child.name)))
        return sorted(found, key=lambda v: v.version)

    def active_version(self, name: str) -> int:
        """The promoted version, re-read on every call so promotion needs no restart."""
        if not _NAME.fullmatch(name or ""):
            raise ModelNotFound(f"no model named {str(name)[:80]!r}")
        # Read on every request of some callbacks: os-level calls on a string path, not pathlib.
        marker = os.path.join(self.root, name, ACTIVE_FILE)
        try:
            fd = os.open(marker, os.O_RDONLY)
            try:
                text = os.read(fd, 64)
            finally:
                os.close(fd)
            return int(text.strip())
        except FileNotFoundError:
            versions = self.versions(name)
            if not versions:
                raise ModelNotFound(f"model {name!r} has no complete version") from None
            return versions[-1].version
        except ValueError:
            raise RegistryError(f"{marker} is corrupt: run `portal models promote {name} VERSION`") from None

    def get(self, name: str, version: int | None = None) -> ModelVersion:
        """Metadata of one version; the active one when ``version`` is None."""
        if not _NAME.fullmatch(name or ""):
            raise ModelNotFound(f"no model named {str(name)[:80]!r}")
        if version is None:
            version = self.active_version(name)
        if isinstance(version, bool) or not isinstance(version, int) or not 0 < version <= MAX_VERSION:
            raise ModelNotFound(f"model {name!r} has no version {str(version)[:20]}")
        if not (self.root / name / str(version) / METADATA_FILE).is_file():
            if not (self.root / name).is_dir():
                raise ModelNotFound(
                    f"no model named {name!r}; registered: {', '.join(self.names()) or 'none'}"
                )
            raise ModelNotFound(f"model {name!r} has no version {version}")
        return self._read_version(name, version)

    def _read_version(self, name: str, version: int) -> ModelVersion:
        # Versions are immutable once renamed into place, so their metadata can be kept.
        cached = self._records.get((name, version))
        if cached is not None:
            return cached
        record = self._read_version_file(name, version)
        self._records[(name, version)] = record
        return record

    def _read_version_file(self, name: str, version: int) -> ModelVersion:
        path = self.root / name / str(version)
        try:
            metadata = json.loads((path / METADATA_FILE).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise RegistryError(f"{path / METADATA_FILE} is unreadable: {exc}") from None
        return ModelVersion(name=name, version=version, path=path, metadata=metadata)

    def load(self, name: str, version: int | None = None) -> LoadedModel:
        """The verified estimator; the file's SHA-256 is checked before it is unpickled."""
        record = self.get(name, version)
        key = (record.name, record.version)
        cached = self._loaded.get(key)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._loaded.get(key)
            if cached is not None:
                return cached
            model_path = record.path / MODEL_FILE
            try:
                actual = sha256_of(model_path)
            except OSError as exc:
                self._failures[key] = f"model file unreadable: {exc}"
                raise RegistryError(f"{name} v{record.version}: {self._failures[key]}") from None
            if actual != record.model_sha256:
                self._failures[key] = (
                    "model file checksum does not match metadata.json; refusing to load a "
                    "file that changed after registration"
                )
                log.error("model integrity check failed", extra={"model": name, "version": record.version})
                raise ModelIntegrityError(f"{name} v{record.version}: {self._failures[key]}")
            estimator = joblib.load(model_path)
            loaded = LoadedModel(record, estimator)
            self._loaded[key] = loaded
            self._failures.pop(key, None)
            return loaded

    def reference(self, name: str, version: int) -> pd.DataFrame:
        """A version's reference data, read once per process (versions never change on disk)."""
        key = (name, version)
        frame = self._references.get(key)
        if frame is None:
            frame = self.get(name, version).reference()
            if len(self._references) >= 8:
                self._references.pop(next(iter(self._references)))
            self._references[key] = frame
        return frame

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Whether every model's active version loads; the detail names each model's state."""
        detail: dict[str, Any] = {}
        names = self.names()
        if not names:
            return False, {"error": "no model is registered: run `portal demo` or `portal models register`"}
        ok = True
        for name in names:
            try:
                loaded = self.load(name)
                detail[name] = {"version": loaded.number, "status": "loaded"}
            except RegistryError as exc:
                ok = False
                detail[name] = {"status": "failed", "error": str(exc)}
        return ok, detail

    # -- writing -----------------------------------------------------------------------------
    def add_version(
        self,
        name: str,
        estimator: Any,
        reference: pd.DataFrame,
        metadata: dict[str, Any],
        activate: bool = False,
    ) -> ModelVersion:
        """Write a complete new version atomically and return it; optionally make it active."""
        validate_name(name)
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        try:
            model_path = staging / MODEL_FILE
            joblib.dump(estimator, model_path)
            reference.to_parquet(staging / REFERENCE_FILE, index=False)
            record = dict(metadata)
            record.update(
                name=name,
                model_file=MODEL_FILE,
                model_sha256=sha256_of(model_path),
                data_fingerprint=sha256_of(staging / REFERENCE_FILE),
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            )
            version = self._claim_version(folder, staging, record)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if activate or not (folder / ACTIVE_FILE).exists():
            self.promote(name, version)
        log.info("model version registered", extra={"model": name, "version": version})
        return self.get(name, version)

    def _claim_version(self, folder: Path, staging: Path, record: dict[str, Any]) -> int:
        """Rename the staging folder to the next free number; the rename is the atomic claim."""
        existing = [int(p.name) for p in folder.iterdir() if p.name.isdigit()]
        version = max(existing, default=0) + 1
        while True:
            record["version"] = version
            (staging / METADATA_FILE).write_text(json.dumps(record, indent=2, default=str))
            try:
                os.rename(staging, folder / str(version))
                return version
            except OSError:
                if not (folder / str(version)).exists():
                    raise
                version += 1

    def promote(self, name: str, version: int) -> ModelVersion:
        """Make ``version`` active for every worker; they re-read the marker on each use.

        Promoting the shadowed version ends its shadowing: it now answers live traffic itself.
        """
        record = self.get(name, version)
        _write_marker(self.root / name / ACTIVE_FILE, version)
        log.info("model version promoted", extra={"model": name, "version": version})
        if self.shadow_version(name) == version:
            self.end_shadow(name)
        return record

    # -- shadow deployment -------------------------------------------------------------------
    def shadow_version(self, name: str) -> int | None:
        """The version scoring live traffic in the shadow of the active one, re-read on every call."""
        try:
            text = (self.root / name / SHADOW_FILE).read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not text.isdigit():
            log.error("shadow marker is corrupt; shadowing is off", extra={"model": name})
            return None
        return int(text)

    def start_shadow(self, name: str, version: int) -> ModelVersion:
        """Score every live prediction of ``name`` with ``version`` too; it must not be the active one."""
        record = self.get(name, version)
        if version == self.active_version(name):
            raise RegistryError(f"{name} v{version} is the active version; shadow another version")
        _write_marker(self.root / name / SHADOW_FILE, version)
        log.info("model version shadowed", extra={"model": name, "version": version})
        return record

    def end_shadow(self, name: str) -> int | None:
        """Stop shadowing; returns the version that was shadowed, or None if none was."""
        version = self.shadow_version(name)
        (self.root / name / SHADOW_FILE).unlink(missing_ok=True)
        if version is not None:
            log.info("model shadowing ended", extra={"model": name, "version": version})
        return version


def _write_marker(marker: Path, version: int) -> None:
    """Replace a version marker by rename, so a reader sees the old number or the new, never half."""
    fd, temp = tempfile.mkstemp(prefix=f".{marker.name.lower()}-", dir=marker.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{version}\n")
    os.replace(temp, marker)
