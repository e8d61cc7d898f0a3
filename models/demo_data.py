"""Seeded synthetic subscription-churn data, so the portal has realistic models and drift to show.

Each row is one customer's monthly snapshot. The last ``RECENT_MONTHS`` months are deliberately
shifted (higher prices, more monthly contracts and tickets, lower engagement, another region mix,
more churn, and monthly-contract customers churning more for the same inputs) so that monitoring
has real drift to find, in the inputs and in how churn follows them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ID_COLUMN = "customer_id"
TIME_COLUMN = "snapshot_month"
CLASSIFICATION_TARGET = "churned"
REGRESSION_TARGET = "next_quarter_revenue"

NUMERIC_COLUMNS: tuple[str, ...] = (
    "tenure_months",
    "monthly_charges",
    "total_charges",
    "support_tickets_90d",
    "logins_30d",
    "avg_session_minutes",
    "late_payments_12m",
    "discount_pct",
    "nps_score",
    "data_usage_gb",
    "seats",
    "days_since_last_login",
    "age",
)
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "plan",
    "region",
    "contract",
    "payment_method",
    "acquisition_channel",
    "industry",
    "has_autopay",
)
DATE_COLUMNS: tuple[str, ...] = ("signup_date",)
FEATURE_COLUMNS: tuple[str, ...] = NUMERIC_COLUMNS + CATEGORICAL_COLUMNS + DATE_COLUMNS

# Months at the end of the range that carry the distribution shift.
RECENT_MONTHS = 3
MIN_ROWS = 100
_STREAM = 0xC0FFEE

PLANS = ("basic", "standard", "premium", "enterprise")
REGIONS = ("north", "south", "east", "west", "central")
CONTRACTS = ("monthly", "annual", "two_year")
PAYMENT_METHODS = ("card", "bank_transfer", "invoice", "paypal")
CHANNELS = ("organic", "paid_search", "social", "referral", "partner", "direct_sales")
INDUSTRIES = (
    "retail",
    "finance",
    "healthcare",
    "technology",
    "education",
    "manufacturing",
    "media",
    "public_sector",
)

# Row: plan (basic..enterprise); pre-shift and shifted contract mixes (monthly, annual, two_year).
_CONTRACT_MIX = np.array(
    [
        [0.70, 0.22, 0.08],
        [0.55, 0.32, 0.13],
        [0.40, 0.40, 0.20],
        [0.15, 0.50, 0.35],
    ]
)
_CONTRACT_MIX_RECENT = np.array(
    [
        [0.82, 0.13, 0.05],
        [0.70, 0.22, 0.08],
        [0.55, 0.32, 0.13],
        [0.25, 0.47, 0.28],
    ]
)
_PAYMENT_MIX = np.array(
    [
        [0.55, 0.20, 0.03, 0.22],
        [0.50, 0.25, 0.07, 0.18],
        [0.40, 0.30, 0.18, 0.12],
        [0.10, 0.35, 0.52, 0.03],
    ]
)
_CHANNEL_MIX = np.array(
    [
        [0.35, 0.25, 0.20, 0.12, 0.06, 0.02],
        [0.30, 0.25, 0.15, 0.15, 0.10, 0.05],
        [0.25, 0.20, 0.08, 0.20, 0.15, 0.12],
        [0.10, 0.08, 0.02, 0.15, 0.25, 0.40],
    ]
)
# Per plan: list price for the first seat, price per extra seat, base seat count, extra-seat mean.
_BASE_PRICE = np.array([19.0, 45.0, 89.0, 249.0])
_SEAT_PRICE = np.array([6.0, 11.0, 16.0, 9.0])
_SEAT_BASE = np.array([1, 1, 3, 10])
_SEAT_EXTRA = np.array([0.4, 3.0, 8.0, 15.0])
_CONTRACT_CHURN = np.array([0.9, -0.5, -1.3])
_CONTRACT_DISCOUNT = np.array([2.0, 10.0, 18.0])
_CONTRACT_TENURE = np.array([14.0, 30.0, 46.0])
_AUTOPAY_RATE = np.array([0.80, 0.72, 0.15, 0.60])
_LATE_RATE = np.array([0.30, 0.35, 0.90, 0.40])
_UPSELL = np.array([0.02, 0.04, 0.06, 0.09])
_PRICE_SHIFT = 1.15
_CHURN_INTERCEPT = -1.0
_RECENT_CHURN_SHIFT = 0.15
# In the shifted months customers on a monthly contract react to the price rise: a change in how
# churn follows the inputs (concept drift) that a model retrained on recent outcomes can learn.
_RECENT_MONTHLY_CHURN = 1.8
_RECENT_ENGAGEMENT_DROP = 0.8


def _labels(values: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
    """Object array of plain Python str (shared objects, so it costs one pointer per row)."""
    return np.array(values, dtype=object)[codes]


def _draw(rng: np.random.Generator, groups: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Category codes drawn per row from the probability row ``table[group]``."""
    cumulative = np.cumsum(table, axis=1)
    cumulative /= cumulative[:, -1:]
    uniform = rng.random(len(groups))
    codes = np.empty(len(groups), dtype=np.int64)
    for group in range(len(table)):
        rows = groups == group
        codes[rows] = np.searchsorted(cumulative[group], uniform[rows], side="right")
    return np.minimum(codes, table.shape[1] - 1)


def _customer_ids(count: int) -> np.ndarray:
    """Ids such as "C0000001" as Python str, by digit arithmetic instead of per-row formatting."""
    width = max(7, len(str(count)))
    numbers = np.arange(1, count + 1, dtype=np.int64)
    chars = np.empty((count, width + 1), dtype=np.uint8)
    chars[:, 0] = ord("C")
    for position in range(width):
        chars[:, width - position] = (numbers // 10**position) % 10 + ord("0")
    return chars.view(f"S{width + 1}").ravel().astype(np.str_).astype(object)


def _with_missing(
    rng: np.random.Generator,
    values: np.ndarray,
    rate: np.ndarray | float,
) -> np.ndarray:
    """Float copy of ``values`` with NaN where a uniform draw falls below ``rate``."""
    out = values.astype(np.float64)
    out[rng.random(len(out)) < rate] = np.nan
    return out


def _month_range(months: int, end_month: str) -> np.ndarray:
    try:
        end = np.datetime64(pd.Period(end_month, freq="M").strftime("%Y-%m"), "M")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"end_month must be a month such as '2026-10', got {end_month!r}") from exc
    return end - np.arange(months - 1, -1, -1)


def generate_churn_data(
    rows: int = 200_000, seed: int = 42, months: int = 12, end_month: str = "2026-10"
) -> pd.DataFrame:
    """One seeded customer snapshot per row over ``months`` months, with the last months shifted.

    Vectorised throughout (no per-row Python), so a million rows take a second or two.
    """
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or rows < MIN_ROWS:
        raise ValueError(f"rows must be an integer of at least {MIN_ROWS}, got {rows!r}")
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or months < 1:
        raise ValueError(f"months must be a positive integer, got {months!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rows, months, seed = int(rows), int(months), int(seed)
    month_starts = _month_range(months, end_month)
    # A stream of its own: callers often split rows with default_rng(seed), which must not line up
    # with the draws made here (the first draw picks the plan).
    rng = np.random.default_rng([seed, _STREAM])
    n = rows

    month_index = np.arange(n, dtype=np.int64) * months // n
    # Keep at least one unshifted month; with a single month there is no shift at all.
    recent = month_index >= max(months - RECENT_MONTHS, 1)
    recent_f = recent.astype(np.float64)
    snapshot = month_starts[month_index]

    plan = _draw(rng, np.zeros(n, dtype=np.int64), np.array([[0.36, 0.34, 0.20, 0.10]]))
    region_mix = np.array([[0.22, 0.20, 0.20, 0.20, 0.18], [0.14, 0.32, 0.18, 0.14, 0.22]])
    region = _draw(rng, recent.astype(np.int64), region_mix)
    contract_mix = np.vstack([_CONTRACT_MIX, _CONTRACT_MIX_RECENT])
    contract = _draw(rng, plan + 4 * recent, contract_mix)
    payment = _draw(rng, plan, _PAYMENT_MIX)
    channel = _draw(rng, plan, _CHANNEL_MIX)
    industry = _draw(rng, np.zeros(n, dtype=np.int64), np.array([[16, 14, 12, 20, 9, 12, 8, 9.0]]))
    autopay = rng.random(n) < _AUTOPAY_RATE[payment]

    # Customers in the shifted months use the product less: fewer logins, shorter sessions, longer idle.
    engagement = rng.standard_normal(n) - _RECENT_ENGAGEMENT_DROP * recent_f
    age = np.clip(np.rint(rng.normal(41.0, 11.0, n)), 18, 80).astype(np.int64)
    tenure_scale = _CONTRACT_TENURE[contract] * (1.0 - 0.15 * recent_f) / 2.0
    tenure = np.minimum(rng.gamma(2.0, tenure_scale), 120).astype(np.int64)
    # Signed up some day in the month before ``tenure`` whole months ended at the snapshot.
    signup_month = snapshot - tenure - 1
    signup = signup_month.astype("datetime64[D]") + rng.integers(0, 28, n)

    seats = _SEAT_BASE[plan] + rng.poisson(_SEAT_EXTRA[plan])
    discount = np.where(
        rng.random(n) < np.where(contract == 0, 0.25, 0.85),
        np.clip(rng.normal(_CONTRACT_DISCOUNT[contract], 4.0), 0.0, 40.0),
        0.0,
    ).round(1)
    list_price = _BASE_PRICE[plan] + _SEAT_PRICE[plan] * (seats - 1)
    price_noise = rng.lognormal(0.0, 0.08, n)
    monthly_charges = list_price * price_noise * (1.0 - discount / 100.0)
    monthly_charges *= np.where(recent, _PRICE_SHIFT, 1.0)
    monthly_charges = monthly_charges.round(2)
    total_charges = (monthly_charges * np.maximum(tenure, 1) * rng.uniform(0.9, 1.02, n)).round(2)

    ticket_rate = np.exp(0.05 + 0.25 * (plan == 0) - 0.25 * engagement + 0.45 * recent_f)
    tickets = rng.poisson(ticket_rate)
    logins = rng.poisson(np.exp(2.2 + 0.55 * engagement + 0.25 * np.log(seats)))
    days_idle = rng.exponential(np.exp(1.4 - 0.6 * engagement))
    days_idle = np.where(logins == 0, 30.0 + rng.exponential(25.0, n), np.minimum(days_idle, 29.0))
    days_idle = np.minimum(days_idle, 365.0).astype(np.int64)
    session_minutes = rng.lognormal(np.log(18.0) + 0.3 * engagement, 0.4).round(1)
    usage_gb = rng.gamma(2.0, 2.0 * np.sqrt(seats) * np.exp(0.3 * engagement)).round(2)
    late_rate = _LATE_RATE[payment] * np.where(autopay, 0.4, 1.0) * np.exp(-0.2 * engagement)
    late = rng.poisson(late_rate)
    nps = 7.0 + 1.3 * engagement - 0.4 * (tickets - 1) + rng.normal(0, 1.2, n)
    nps = np.clip(np.rint(nps), 0, 10)

    logit = (
        _CHURN_INTERCEPT
        + 0.30 * tickets
        + 0.45 * late
        + _CONTRACT_CHURN[contract]
        + 0.025 * days_idle
        - 0.45 * np.log1p(tenure)
        - 0.28 * (nps - 7.0)
        - 0.55 * autopay
        - 0.02 * discount
        + _RECENT_CHURN_SHIFT * recent_f
        + _RECENT_MONTHLY_CHURN * recent_f * (contract == 0)
    )
    churn_risk = 1.0 / (1.0 + np.exp(-logit))
    churned = (rng.random(n) < churn_risk).astype(np.int64)

    # Next quarter: churners pay for part of a month or two; stayers pay three months, grow with
    # plan upsell and tenure, and shrink (downgrades) with churn risk.
    growth = 1.0 + _UPSELL[plan] * np.log1p(seats) + 0.002 * np.minimum(tenure, 60)
    growth -= 0.35 * churn_risk
    stayer = 3.0 * monthly_charges * growth * rng.lognormal(0.0, 0.1, n)
    leaver = monthly_charges * rng.uniform(0.0, 2.0, n)
    revenue = np.maximum(np.where(churned == 1, leaver, stayer), 0.0).round(2)

    nps_missing = 0.08 * (1.0 - 0.5 * np.tanh(engagement))
    channel_labels = _labels(CHANNELS, channel)
    channel_labels[rng.random(n) < 0.04] = np.nan

    def obj(values: np.ndarray) -> pd.Series:
        # Explicit object dtype: pandas 3 would otherwise infer its "str" dtype.
        return pd.Series(values, dtype=object, copy=False)

    columns = {
        ID_COLUMN: obj(_customer_ids(n)),
        TIME_COLUMN: snapshot.astype("datetime64[ns]"),
        "tenure_months": tenure,
        "monthly_charges": monthly_charges,
        "total_charges": total_charges,
        "support_tickets_90d": tickets.astype(np.int64),
        "logins_30d": logins.astype(np.int64),
        "avg_session_minutes": _with_missing(rng, session_minutes, 0.03),
        "late_payments_12m": late.astype(np.int64),
        "discount_pct": discount,
        "nps_score": _with_missing(rng, nps, nps_missing),
        "data_usage_gb": _with_missing(rng, usage_gb, 0.02),
        "seats": seats.astype(np.int64),
        "days_since_last_login": days_idle,
        "age": age,
        "plan": obj(_labels(PLANS, plan)),
        "region": obj(_labels(REGIONS, region)),
        "contract": obj(_labels(CONTRACTS, contract)),
        "payment_method": obj(_labels(PAYMENT_METHODS, payment)),
        "acquisition_channel": obj(channel_labels),
        "industry": obj(_labels(INDUSTRIES, industry)),
        "has_autopay": obj(_labels(("no", "yes"), autopay.astype(np.int64))),
        "signup_date": signup.astype("datetime64[ns]"),
        CLASSIFICATION_TARGET: churned,
        REGRESSION_TARGET: revenue,
    }
    return pd.DataFrame(columns, copy=False)
