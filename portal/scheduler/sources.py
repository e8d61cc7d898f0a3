"""Where scheduled jobs come from, re-read while the scheduler runs so no change needs a restart.

A source says cheaply whether its definitions may have changed (``stamp``) and loads them when
they did. The reports file is one; report subscriptions and alert rules made from pages are
further sources in :func:`default_sources`. The :class:`Catalog` keeps each source's last good jobs, so a
mistake saved into the file never unschedules everything: it is reported until it is fixed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Protocol

import sqlalchemy as sa

from models.registry import ModelRegistry
from portal.alerts import rule_store
from portal.alerts.rules import load_file as load_rules_file
from portal.config import Settings
from portal.reports import store as subscription_store
from portal.reports.definitions import load_file as load_reports_file
from portal.scheduler.jobs import ScheduledJob, alert_job, report_job, subscription_job

log = logging.getLogger(__name__)
# Reload a source at least this often even when its stamp is unchanged (coarse file-system clocks).
RELOAD_SECONDS = 60.0


class JobSource(Protocol):
    """Definitions of scheduled jobs: ``stamp`` is cheap and changes whenever ``load`` would differ.

    ``origin`` names the kind of source (``file``; ``database`` later). A scheduler retires a job of
    an origin it reads when the job disappears from it, and leaves other origins' jobs alone, so a
    replica that lacks a source never unschedules what another replica runs from it.
    """

    @property
    def name(self) -> str: ...

    @property
    def origin(self) -> str: ...

    def stamp(self) -> Hashable: ...

    def load(self) -> list[ScheduledJob]:
        """Every scheduled job of this source; raises (with a message naming the mistake) if unreadable."""
        ...


class ReportsFileSource:
    """The reports and alert rules of ``PORTAL_REPORTS_FILE``; stamped by the file's size and mtime."""

    origin = "file"

    def __init__(
        self, settings: Settings, engine: sa.Engine, registry: ModelRegistry, page_paths: Iterable[str]
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.registry = registry
        self.page_paths = list(page_paths)
        self.path = settings.reports_file

    @property
    def name(self) -> str:
        return f"reports file {self.path}"

    def stamp(self) -> Hashable:
        try:
            info = os.stat(self.path)
        except OSError as exc:
            return ("unreadable", exc.errno)
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    def load(self) -> list[ScheduledJob]:
        reports = load_reports_file(self.path, self.settings.report_origin, self.page_paths)
        rules = load_rules_file(self.path)
        jobs = [
            report_job(self.settings, self.engine, report, self.name)
            for report in reports.values()
            if report.schedule
        ]
        jobs += [
            alert_job(self.settings, self.engine, self.registry, rule, self.name)
            for rule in rules.values()
            if rule.schedule
        ]
        return jobs


class SubscriptionsSource:
    """Reports people subscribed to from a page, in the ``report_subscriptions`` table; paused ones rest.

    Stamped by the row count and the latest change, so an edit, pause or delete is seen on the next tick.
    """

    origin = "database"
    name = "report subscriptions"

    def __init__(self, settings: Settings, engine: sa.Engine) -> None:
        self.settings = settings
        self.engine = engine

    def stamp(self) -> Hashable:
        return subscription_store.stamp(self.engine)

    def load(self) -> list[ScheduledJob]:
        return [
            subscription_job(self.settings, self.engine, subscription, self.name)
            for subscription in subscription_store.listing(self.engine)
            if not subscription.paused
        ]


class AlertRulesSource:
    """Alert rules made from a page, in the ``alert_rules`` table; paused ones are not checked.

    Stamped by the row count and the latest change, so a new, paused or deleted rule is seen on the
    next tick. A name the reports file also uses is left to the file (the store refuses new ones).
    """

    origin = "database"
    name = "alert rules made from pages"

    def __init__(self, settings: Settings, engine: sa.Engine, registry: ModelRegistry) -> None:
        self.settings = settings
        self.engine = engine
        self.registry = registry

    def stamp(self) -> Hashable:
        return rule_store.stamp(self.engine)

    def load(self) -> list[ScheduledJob]:
        taken = set(rule_store.file_rules(self.settings))
        return [
            alert_job(self.settings, self.engine, self.registry, stored.rule, self.name)
            for stored in rule_store.listing(self.engine)
            if not stored.paused and stored.rule.schedule and stored.name not in taken
        ]


def default_sources(
    settings: Settings, engine: sa.Engine, registry: ModelRegistry, page_paths: Iterable[str]
) -> list[JobSource]:
    """Every source of scheduled jobs this portal has; database-defined jobs add their source here."""
    sources: list[JobSource] = []
    if settings.reports_file:
        sources.append(ReportsFileSource(settings, engine, registry, page_paths))
    sources.append(SubscriptionsSource(settings, engine))
    sources.append(AlertRulesSource(settings, engine, registry))
    return sources


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The jobs in force, and the origins whose sources have loaded (only their jobs may be retired)."""

    jobs: dict[str, ScheduledJob]
    origins: frozenset[str]
    problems: tuple[str, ...]


@dataclasses.dataclass
class _Loaded:
    stamp: Hashable
    at: float
    jobs: list[ScheduledJob] | None  # None: never loaded successfully
    problem: str | None = None


class Catalog:
    """Each source's last good jobs, reloaded when its stamp changes (or every RELOAD_SECONDS)."""

    def __init__(self, sources: Sequence[JobSource], clock: Callable[[], float] = time.monotonic) -> None:
        self.sources = list(sources)
        self.clock = clock
        self._loaded: dict[int, _Loaded] = {}

    def refresh(self) -> Snapshot:
        jobs: dict[str, ScheduledJob] = {}
        problems: list[str] = []
        loaded = {source.origin for source in self.sources}
        for index, source in enumerate(self.sources):
            state = self._refresh_one(index, source)
            if state.problem:
                problems.append(state.problem)
            if state.jobs is None:
                loaded.discard(source.origin)  # never loaded: what it defines is unknown, retire nothing
                continue
            for job in state.jobs:
                if job.key in jobs:
                    problems.append(
                        f"{source.name}: {job.kind} {job.name!r} is also defined in {jobs[job.key].source}"
                    )
                    continue
                jobs[job.key] = dataclasses.replace(job, origin=source.origin)
        return Snapshot(jobs, frozenset(loaded), tuple(problems))

    def _refresh_one(self, index: int, source: JobSource) -> _Loaded:
        previous = self._loaded.get(index)
        try:
            stamp = source.stamp()
        except Exception as exc:  # a source that cannot even say whether it changed keeps its last jobs
            return self._failed(index, source, previous, None, f"{source.name}: {type(exc).__name__}: {exc}")
        now = self.clock()
        if previous is not None and previous.stamp == stamp and now - previous.at < RELOAD_SECONDS:
            return previous
        try:
            loaded = source.load()
        except (
            Exception
        ) as exc:  # DefinitionError names every mistake; anything else is reported the same way
            return self._failed(index, source, previous, stamp, f"{source.name}: {exc}")
        if previous is None or previous.jobs != loaded:
            log.info(
                "scheduled jobs loaded",
                extra={"source": source.name, "jobs": sorted(job.key for job in loaded)},
            )
        state = _Loaded(stamp, now, loaded)
        self._loaded[index] = state
        return state

    def _failed(
        self, index: int, source: JobSource, previous: _Loaded | None, stamp: Hashable, problem: str
    ) -> _Loaded:
        if previous is None or previous.problem != problem:
            kept = "none yet" if previous is None or previous.jobs is None else len(previous.jobs)
            log.error("scheduled jobs not reloaded", extra={"problem": problem, "jobs_kept": kept})
        state = _Loaded(stamp, self.clock(), previous.jobs if previous else None, problem)
        self._loaded[index] = state
        return state
