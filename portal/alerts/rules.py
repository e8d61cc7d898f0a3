"""Alert rules: the ``alerts`` section of the reports file, validated field by field.

A rule watches one model's active version over a rolling window of logged predictions and fires
on dataset drift, on one chosen feature drifting, on a live metric falling below the version's
reference metric, on shares of missing, out-of-range or unseen inputs (``quality_rule``), or on
several of these. Rules made from the pages (``rule_store``) are checked by the same
:class:`RuleChecker`, so the file and the pages accept exactly the same rules.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from portal.alerts import quality_rule
from portal.alerts.quality_rule import QualityCondition
from portal.config import Settings
from portal.monitoring.drift import ROLLING
from portal.reports.fields import Delivery, FieldChecker, collect, read_file, section

RULE_KEYS = {
    "name",
    "title",
    "model",
    "window",
    "min_rows",
    "dataset_drift",
    "feature_drift",
    "performance_drop",
    "data_quality",
    "schedule",
    "timezone",
    "deliver",
}
DROP_KEYS = {"metric", "by", "min_labels"}
# ``estimated_*`` metrics need no labels (models.estimation): judged on the window's logged outputs.
ESTIMATED_PREFIX = "estimated_"
HIGHER_IS_BETTER = (
    "accuracy",
    "roc_auc",
    "average_precision",
    "f1",
    "r2",
    "estimated_accuracy",
    "estimated_roc_auc",
    "estimated_f1",
    "estimated_precision",
    "estimated_recall",
)
LOWER_IS_BETTER = ("brier", "rmse", "mae", "estimated_mae", "estimated_rmse")
METRICS = HIGHER_IS_BETTER + LOWER_IS_BETTER
DEFAULT_MIN_ROWS = 100
DEFAULT_MIN_LABELS = 50
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
FILE = "file"  # a rule's source: the reports file (read-only on the pages)
PAGE = "page"  # made from a page, stored in the alert_rules table


@dataclasses.dataclass(frozen=True)
class PerformanceDrop:
    """Fire when the live ``metric`` is worse than the reference by ``by`` (a fraction when relative)."""

    metric: str
    by: float
    relative: bool = False
    min_labels: int = DEFAULT_MIN_LABELS

    def worsening(self, reference: float, live: float) -> float:
        """How much worse live is than reference, in the metric's units (positive means worse)."""
        return reference - live if self.metric in HIGHER_IS_BETTER else live - reference

    def limit(self, reference: float) -> float:
        """The worsening that fires: absolute, or a share of the reference value."""
        return abs(reference) * self.by if self.relative else self.by

    def describe(self) -> str:
        amount = f"{self.by * 100:g}%" if self.relative else f"{self.by:g}"
        return f"{self.metric} worse than reference by more than {amount}"


@dataclasses.dataclass(frozen=True)
class AlertRule:
    """A validated rule: which model, which window, which conditions, when, and who hears of it."""

    name: str
    title: str
    model: str
    window_days: int = 7
    min_rows: int = DEFAULT_MIN_ROWS
    dataset_drift: bool = False
    performance_drop: PerformanceDrop | None = None
    schedule: str | None = None
    timezone: str = "UTC"
    deliveries: tuple[Delivery, ...] = ()
    data_quality: QualityCondition | None = None
    feature_drift: str | None = None  # one input whose drift verdict fires the rule on its own
    source: str = FILE

    @property
    def window(self) -> str:
        return f"{self.window_days}d"

    def watches(self) -> list[str]:
        """What the rule fires on, in words, for lists and the command line."""
        found = ["dataset drift"] if self.dataset_drift else []
        if self.feature_drift:
            found.append(f"{self.feature_drift} drifting")
        if self.performance_drop is not None:
            found.append(self.performance_drop.describe())
        if self.data_quality is not None:
            found.append(self.data_quality.describe())
        return found


def load_rules(settings: Settings) -> dict[str, AlertRule]:
    """Alert rules from ``PORTAL_REPORTS_FILE`` (none when unset); raises DefinitionError."""
    if not settings.reports_file:
        return {}
    return load_file(settings.reports_file)


def load_file(path: str | Path) -> dict[str, AlertRule]:
    """Read and validate the alert rules of a reports file; :class:`DefinitionError` names each mistake."""
    return parse(read_file(path), source=str(path))


def parse(text: str, source: str = "reports file") -> dict[str, AlertRule]:
    """Validate the ``alerts`` list of YAML text; models are checked when a rule runs, as they come and go."""

    def check(label: str, entry: Any) -> tuple[FieldChecker, AlertRule | None]:
        checker = RuleChecker(label)
        return checker, checker.rule(entry)

    return collect(section(text, "alerts", source), "alert", check)


class RuleChecker(FieldChecker):
    """Validates one alert entry, collecting ``alert 'x': field: problem`` messages.

    ``fields`` keeps each problem as (field, message) too, for a dialog that shows them by field.
    """

    def __init__(self, label: str, source: str = FILE) -> None:
        super().__init__(label)
        self.source = source
        self.fields: list[tuple[str, str]] = []

    def problem(self, field: str, message: str) -> None:
        super().problem(field, message)
        self.fields.append((field, message))

    def rule(self, entry: Any) -> AlertRule | None:
        if not isinstance(entry, dict):
            self.problems.append(f"{self.label}: expected a mapping with name, model, dataset_drift, ...")
            return None
        for key in sorted(set(entry) - RULE_KEYS, key=str):
            self.problem(str(key), f"unknown field; expected some of {', '.join(sorted(RULE_KEYS))}")
        name = self.name(entry.get("name"))
        title = entry.get("title", f"{name} alert")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            self.problem("title", "expected text of 1 to 200 characters")
            title = name
        model = self.model(entry.get("model"))
        window_days = self.window(entry.get("window", "7d"))
        min_rows = self.count("min_rows", entry.get("min_rows", DEFAULT_MIN_ROWS))
        dataset_drift = entry.get("dataset_drift", False)
        if not isinstance(dataset_drift, bool):
            self.problem("dataset_drift", "expected true or false")
            dataset_drift = False
        feature = self.feature(entry.get("feature_drift"))
        drop = self.drop(entry.get("performance_drop"))
        quality = quality_rule.parse(entry.get("data_quality"), self.problem)
        watched = ("performance_drop", "feature_drift", "data_quality")
        if not dataset_drift and all(entry.get(key) is None for key in watched):
            self.problem(
                "dataset_drift",
                "a rule needs dataset_drift: true, a feature_drift, a performance_drop, a data_quality,"
                " or several",
            )
        timezone = self.timezone(entry.get("timezone", "UTC"))
        schedule = self.schedule(entry.get("schedule"), timezone)
        deliveries = self.deliveries(entry.get("deliver", []))
        return AlertRule(
            name,
            title.strip(),
            model,
            window_days,
            min_rows,
            dataset_drift,
            drop,
            schedule,
            timezone or "UTC",
            deliveries,
            data_quality=quality,
            feature_drift=feature,
            source=self.source,
        )

    def feature(self, raw: Any) -> str | None:
        """A feature's name; whether the model has it is checked against its schema (when saved or run)."""
        if raw is None:
            return None
        if not isinstance(raw, str) or not raw.strip() or len(raw) > 200 or "\n" in raw:
            self.problem("feature_drift", "expected the name of one of the model's input features")
            return None
        return raw.strip()

    def model(self, raw: Any) -> str:
        if not isinstance(raw, str) or not MODEL_NAME.fullmatch(raw):
            self.problem("model", "required: the name of a registered model")
            return ""
        return raw

    def window(self, raw: Any) -> int:
        """One of the Drift page's rolling windows, so an alert's link shows exactly what it saw."""
        if raw not in ROLLING:
            self.problem(
                "window", f"expected one of {', '.join(ROLLING)} (the Drift page's windows), not {raw!r}"
            )
            return 7
        return ROLLING[raw]

    def count(self, field: str, raw: Any) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 10_000_000:
            self.problem(field, f"expected a whole number from 1 to 10000000, not {raw!r}")
            return DEFAULT_MIN_ROWS
        return raw

    def drop(self, raw: Any) -> PerformanceDrop | None:
        if raw is None:
            return None
        if not isinstance(raw, dict) or set(raw) - DROP_KEYS:
            self.problem("performance_drop", "expected a mapping with metric, by and optional min_labels")
            return None
        metric = raw.get("metric")
        if metric not in METRICS:
            self.problem("performance_drop.metric", f"expected one of {', '.join(METRICS)}, not {metric!r}")
            return None
        by, relative = self.amount(raw.get("by"))
        if by is None:
            return None
        min_labels = self.count("performance_drop.min_labels", raw.get("min_labels", DEFAULT_MIN_LABELS))
        return PerformanceDrop(metric, by, relative, min_labels)

    def amount(self, raw: Any) -> tuple[float | None, bool]:
        """A positive number in the metric's units, or a percentage of the reference such as '10%'."""
        if isinstance(raw, str) and raw.strip().endswith("%"):
            try:
                share = float(raw.strip()[:-1]) / 100
            except ValueError:
                share = -1.0
            if 0 < share <= 1:
                return share, True
        elif isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0 < raw < 1e9:
            return float(raw), False
        self.problem(
            "performance_drop.by", f"expected a positive number or a percentage such as '10%', not {raw!r}"
        )
        return None, False
