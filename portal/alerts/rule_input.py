"""What a page (or the API) sends to make an alert rule, checked by the reports file's own checker.

The body has the file's shape (``title``, ``model``, ``window``, ``dataset_drift``,
``feature_drift``, ``performance_drop``, ``deliver``, ...), so :class:`RuleChecker` judges every
field exactly as it judges the file. Only what a file cannot know is added here: whether the name
is free, whether the model has the feature and the metric, and who may send where.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Any

from models import estimators
from models.registry import ModelRegistry, RegistryError
from portal.alerts.rules import ESTIMATED_PREFIX, PAGE, AlertRule, RuleChecker
from portal.monitoring.drift import drift_kinds
from portal.security.roles import Role

LABEL = "alert rule"
FILE = "the reports file"
TABLE = "the rules made from pages"


class RuleError(ValueError):
    """Why a rule was refused: every problem as (field, message), fields named as in the reports file."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class Editor:
    """Who makes or changes a rule: their sign-in name and role."""

    name: str
    role: Role


@dataclasses.dataclass(frozen=True)
class Context:
    """What a new rule is checked against beyond its own fields."""

    registry: ModelRegistry
    taken: Mapping[str, str]  # name -> where it is defined (FILE or TABLE)
    domains: tuple[str, ...]  # PORTAL_REPORT_RECIPIENT_DOMAINS: where notices may be mailed
    editor: Editor


def slug(title: str) -> str:
    """A rule name from its title: lower-case words joined by '-', at most 64 characters."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:64].strip("-")


def validate(raw: Any, context: Context) -> AlertRule:
    """A page rule from ``raw``; RuleError lists every problem, and nothing is stored before this passes."""
    if not isinstance(raw, Mapping):
        raise RuleError([("body", "expected an object with title, model, what to watch and deliver")])
    editor = context.editor
    if editor.role < Role.ANALYST:
        raise RuleError([("role", f"alert rules need the analyst role; you are {editor.role.label}")])
    title = raw.get("title")
    derived = not raw.get("name")
    entry = dict(raw)
    entry["name"] = slug(title) if derived and isinstance(title, str) else raw.get("name")
    checker = RuleChecker(LABEL, source=PAGE)
    rule = checker.rule(entry)
    problems = list(checker.fields)
    if derived:
        # The name comes from the title, so its problem is the title's (unless the title has one).
        titled = any(field == "title" for field, _message in problems)
        problems = [p for p in problems if p[0] != "name"] + (
            [] if titled or entry["name"] else [("title", "needs a letter or a digit, to name the rule")]
        )
    if rule is not None:
        failed = {re.split(r"[.\[]", field, maxsplit=1)[0] for field, _message in problems}
        problems += _page_checks(rule, failed, context)
    if problems or rule is None:
        raise RuleError(problems or [("body", "not an alert rule")])
    return rule


def _page_checks(rule: AlertRule, failed: set[str], context: Context) -> list[tuple[str, str]]:
    """What only the portal can judge: the name's uniqueness, the model's schema and metrics, recipients.

    ``failed`` holds the fields the checker already refused, so each problem is named only once.
    """
    problems: list[tuple[str, str]] = []
    where = context.taken.get(rule.name) if rule.name else None
    if where == FILE:
        taken = f"an alert rule named {rule.name!r} already exists in {FILE} (read-only)"
        problems.append(("name", f"{taken}; choose another title"))
    elif where:
        problems.append(("name", f"an alert rule named {rule.name!r} already exists; choose another title"))
    if "model" not in failed:
        problems += _model_checks(rule, context.registry, failed)
    problems += _delivery_checks(rule, "deliver" in failed, context)
    return problems


def _model_checks(rule: AlertRule, registry: ModelRegistry, failed: set[str]) -> list[tuple[str, str]]:
    try:
        record = registry.get(rule.model)
    except RegistryError:
        known = ", ".join(registry.names()) or "none"
        return [("model", f"no registered model named {rule.model!r} (models: {known})")]
    problems = []
    if rule.feature_drift is not None and "feature_drift" not in failed:
        kinds = drift_kinds(record)
        if rule.feature_drift not in kinds:
            problems.append(
                (
                    "feature_drift",
                    f"{rule.model} has no input feature {rule.feature_drift!r} that drift is tested on; "
                    f"its features: {', '.join(kinds)}",
                )
            )
    drop = rule.performance_drop
    if drop is not None and "performance_drop" not in failed and drop.metric.startswith(ESTIMATED_PREFIX):
        # Estimated metrics compare with the reference the estimator measured, so any the task has will do.
        offered = [ESTIMATED_PREFIX + metric for metric in estimators.metrics_for(record)]
        if drop.metric not in offered:
            problems.append(
                (
                    "performance_drop.metric",
                    f"{rule.model} v{record.version} ({record.task}) has no {drop.metric}; "
                    f"expected one of {', '.join(offered)}",
                )
            )
    elif drop is not None and "performance_drop" not in failed:
        reference = record.metrics.get(drop.metric)
        if reference is None or not math.isfinite(reference):
            known = ", ".join(sorted(record.metrics)) or "none"
            problems.append(
                (
                    "performance_drop.metric",
                    f"{rule.model} v{record.version} has no reference {drop.metric} to compare with "
                    f"(its metrics: {known})",
                )
            )
    return problems


def _delivery_checks(rule: AlertRule, some_failed: bool, context: Context) -> list[tuple[str, str]]:
    if not rule.deliveries:
        return (
            []
            if some_failed
            else [("deliver", "add at least one: email addresses, or a webhook, Slack or Teams URL")]
        )
    problems = []
    for index, delivery in enumerate(rule.deliveries):
        # With a refused delivery left out, positions no longer match what was sent.
        field = "deliver" if some_failed else f"deliver[{index}]"
        if delivery.kind == "directory" and context.editor.role < Role.ADMIN:
            problems.append((field, "only admins may deliver to a directory"))
        for address in delivery.recipients:
            domain = address.rpartition("@")[2].lower()
            if context.domains and domain not in context.domains:
                allowed = ", ".join(context.domains)
                problems.append(
                    (f"{field}.email.to", f"{address} is outside the allowed recipient domains ({allowed})")
                )
    return problems
