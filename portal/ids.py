"""Component ids in one place, so layouts and callbacks never retype a string."""

from __future__ import annotations

# Shell
URL = "url"
NAVBAR = "navbar"
PAGE_CONTENT = "page-content"

# Home
HOME_STATUS = "home-status"
HOME_REFRESH = "home-refresh"
HOME_SCHEDULER = "home-scheduler"

# Models page
MODELS_SELECT = "models-select"
MODELS_VERSIONS = "models-versions"
MODELS_VERSIONS_CSV = "models-versions-csv"
MODELS_SCHEMA_CSV = "models-schema-csv"
MODELS_DETAIL = "models-detail"
MODELS_URL_STATE = "models-url-state"
MODELS_SAMPLE_ROW = "models-sample-row"
MODELS_SAMPLE_RESULT = "models-sample-result"

# Performance page
PERF_MODEL = "perf-model"
PERF_VERSION = "perf-version"
PERF_SOURCE = "perf-source"
PERF_THRESHOLD = "perf-threshold"
PERF_COST_FP = "perf-cost-fp"
PERF_COST_FN = "perf-cost-fn"
PERF_BENEFIT_TP = "perf-benefit-tp"
PERF_SEGMENT = "perf-segment"
PERF_METRICS = "perf-metrics"
PERF_THRESHOLD_SUMMARY = "perf-threshold-summary"
PERF_CONFUSION = "perf-confusion"
PERF_ROC = "perf-roc"
PERF_PR = "perf-pr"
PERF_CALIBRATION = "perf-calibration"
PERF_IMPORTANCE = "perf-importance"
PERF_SCATTER = "perf-scatter"
PERF_RESIDUALS = "perf-residuals"
PERF_SEGMENT_ERRORS = "perf-segment-errors"
PERF_URL_STATE = "perf-url-state"
PERF_CLASSIFIER_BODY = "perf-classifier-body"
PERF_REGRESSOR_BODY = "perf-regressor-body"
PERF_IMPORTANCE_REGRESSOR = "perf-importance-regressor"

# Overview page
OVERVIEW_MODEL = "overview-model"
OVERVIEW_VERSION = "overview-version"
OVERVIEW_SEGMENT = "overview-segment"
OVERVIEW_KPIS = "overview-kpis"
OVERVIEW_DISTRIBUTION = "overview-distribution"
OVERVIEW_BY_SEGMENT = "overview-by-segment"
OVERVIEW_OVER_TIME = "overview-over-time"
OVERVIEW_GRID = "overview-grid"
OVERVIEW_EXPORT = "overview-export"
OVERVIEW_DOWNLOAD = "overview-download"
OVERVIEW_URL_STATE = "overview-url-state"

# What-if page
WHATIF_MODEL = "whatif-model"
WHATIF_VERSION = "whatif-version"
WHATIF_RECORD = "whatif-record"
WHATIF_RECORD_STATUS = "whatif-record-status"
WHATIF_FIELD = "whatif-field"  # pattern-matching type; see whatif_field()
WHATIF_RESULT = "whatif-result"
WHATIF_CONTRIBUTIONS = "whatif-contributions"
WHATIF_SENSITIVITY_FEATURE = "whatif-sensitivity-feature"
WHATIF_SENSITIVITY = "whatif-sensitivity"
WHATIF_URL_STATE = "whatif-url-state"
WHATIF_FORM = "whatif-form"
WHATIF_RENDERED = "whatif-rendered"
WHATIF_ERRORS = "whatif-errors"


def whatif_field(feature: str) -> dict[str, str]:
    """Pattern-matching id of one what-if form input, so the form follows any schema."""
    return {"type": WHATIF_FIELD, "feature": feature}


# Overview page (added)
OVERVIEW_GRID_RESET = "overview-grid-reset"
OVERVIEW_ALERTS = "overview-alerts"

# Embedded pages
EMBED_REFUSED = "embed-refused"

# Batch scoring page
BATCH_MODEL = "batch-model"
BATCH_DROP = "batch-drop"
BATCH_PICK = "batch-pick"
BATCH_UPLOAD = "batch-upload"  # store: {"batch_id", "file_name"} set by assets/batch_upload.js
BATCH_UPLOAD_STATUS = "batch-upload-status"
BATCH_VALIDATION = "batch-validation"
BATCH_VALIDATED = "batch-validated"
BATCH_SCORE = "batch-score"
BATCH_CANCEL = "batch-cancel"
BATCH_PROGRESS = "batch-progress"
BATCH_PROGRESS_TEXT = "batch-progress-text"
BATCH_STATUS = "batch-status"
BATCH_CANCEL_STATUS = "batch-cancel-status"
BATCH_RESULT = "batch-result"
BATCH_GRID = "batch-grid"
BATCH_CHART = "batch-chart"

# Batches (history) page
BATCHES_TABLE = "batches-table"
BATCH_MODEL_SYNC = "batch-model-sync"
BATCH_VALIDATION_PROGRESS = "batch-validation-progress"

# Sign-in and administration (portal.security, layouts/admin_*.py)
ACCESS_DENIED = "access-denied"
NAVBAR_SIGN_OUT = "navbar-sign-out"
NAVBAR_USER = "navbar-user"
TOKENS_NAME = "tokens-name"
TOKENS_ROLE = "tokens-role"
TOKENS_MODELS = "tokens-models"
TOKENS_TTL = "tokens-ttl"
TOKENS_CREATE = "tokens-create"
TOKENS_CREATED = "tokens-created"
TOKENS_TABLE = "tokens-table"
TOKENS_REVOKE_ID = "tokens-revoke-id"
TOKENS_REVOKE = "tokens-revoke"
AUDIT_TABLE = "audit-table"

# Drift page
DRIFT_MODEL = "drift-model"
DRIFT_VERSION = "drift-version"
DRIFT_WINDOW = "drift-window"
DRIFT_FEATURE = "drift-feature"
DRIFT_KPIS = "drift-kpis"
DRIFT_TABLE = "drift-table"
DRIFT_OVERLAY = "drift-overlay"
DRIFT_PREDICTIONS = "drift-predictions"
DRIFT_URL_STATE = "drift-url-state"
DRIFT_EXPORT = "drift-export"
DRIFT_WINDOW_NOTE = "drift-window-note"
DRIFT_QUALITY = "drift-quality"

# Reports page
REPORTS_DEFINITIONS = "reports-definitions"
REPORTS_RUN_NOW = "reports-run-now"  # pattern-matching type; see reports_run_now()
REPORTS_RUN_STATUS = "reports-run-status"
REPORTS_HISTORY = "reports-history"
REPORTS_POLL = "reports-poll"
REPORTS_SUBSCRIPTIONS = "reports-subscriptions"
REPORTS_SUB_ACTION = "reports-sub-action"  # pattern-matching type; see reports_sub_action()
REPORTS_SUB_STATUS = "reports-sub-status"
REPORTS_SUB_EDIT = "reports-sub-edit"  # pattern-matching type; see reports_sub_edit()

# The Subscribe dialog in the navbar (layouts/subscribe.py), on every page
SUBSCRIBE_OPEN = "subscribe-open"
SUBSCRIBE_MODAL = "subscribe-modal"
SUBSCRIBE_LOCATION = "subscribe-location"
SUBSCRIBE_EDITING = "subscribe-editing"
SUBSCRIBE_TITLE = "subscribe-title"
SUBSCRIBE_PAGE = "subscribe-page"
SUBSCRIBE_CONTROLS = "subscribe-controls"
SUBSCRIBE_FORMAT = "subscribe-format"
SUBSCRIBE_KIND = "subscribe-kind"
SUBSCRIBE_DAY = "subscribe-day"
SUBSCRIBE_TIME = "subscribe-time"
SUBSCRIBE_TIMEZONE = "subscribe-timezone"
SUBSCRIBE_CRON = "subscribe-cron"
SUBSCRIBE_EMAIL = "subscribe-email"
SUBSCRIBE_WEBHOOK = "subscribe-webhook"
SUBSCRIBE_WEBHOOK_STYLE = "subscribe-webhook-style"
SUBSCRIBE_DIRECTORY = "subscribe-directory"
SUBSCRIBE_DIRECTORY_ROW = "subscribe-directory-row"
SUBSCRIBE_CONDITION = "subscribe-condition"
SUBSCRIBE_SAVE = "subscribe-save"
SUBSCRIBE_PREVIEW = "subscribe-preview"
SUBSCRIBE_PREVIEW_IMAGE = "subscribe-preview-image"
SUBSCRIBE_FEEDBACK = "subscribe-feedback"
SUBSCRIBE_CLOSE = "subscribe-close"


def reports_sub_action(report: str, action: str) -> dict[str, str]:
    """Pattern-matching id of a subscription's button: pause, resume, delete or run."""
    return {"type": REPORTS_SUB_ACTION, "report": report, "action": action}


def reports_sub_edit(report: str) -> dict[str, str]:
    """Pattern-matching id of a subscription's Edit button (opens the Subscribe dialog)."""
    return {"type": REPORTS_SUB_EDIT, "report": report}


def reports_run_now(report: str) -> dict[str, str]:
    """Pattern-matching id of one report's "Run now" button."""
    return {"type": REPORTS_RUN_NOW, "report": report}


# Alerts page
ALERTS_STATUS = "alerts-status"
ALERTS_OPEN = "alerts-open"
ALERTS_RESOLVED = "alerts-resolved"
ALERTS_REFRESH = "alerts-refresh"
ALERTS_MODEL = "alerts-model"
ALERTS_URL_STATE = "alerts-url-state"
ALERTS_ACT = "alerts-act"  # pattern-matching type; see alerts_act()
ALERTS_MODAL = "alerts-modal"
ALERTS_MODAL_TITLE = "alerts-modal-title"
ALERTS_MODAL_ALERT = "alerts-modal-alert"
ALERTS_TARGET = "alerts-target"
ALERTS_DURATION_ROW = "alerts-duration-row"
ALERTS_DURATION = "alerts-duration"
ALERTS_DURATION_OTHER = "alerts-duration-other"
ALERTS_COMMENT = "alerts-comment"
ALERTS_CONFIRM = "alerts-confirm"
ALERTS_CANCEL = "alerts-cancel"
ALERTS_MODAL_FEEDBACK = "alerts-modal-feedback"
ALERTS_WINDOWS = "alerts-windows"
ALERTS_WINDOW_STATUS = "alerts-window-status"
ALERTS_WINDOW_NAME = "alerts-window-name"
ALERTS_WINDOW_RULE = "alerts-window-rule"
ALERTS_WINDOW_DAYS = "alerts-window-days"
ALERTS_WINDOW_START = "alerts-window-start"
ALERTS_WINDOW_END = "alerts-window-end"
ALERTS_WINDOW_TIMEZONE = "alerts-window-timezone"
ALERTS_WINDOW_COMMENT = "alerts-window-comment"
ALERTS_WINDOW_ADD = "alerts-window-add"
ALERTS_WINDOW_DELETE = "alerts-window-delete"  # pattern-matching type; see alerts_window_delete()


def alerts_act(alert_id: int, action: str) -> dict[str, str | int]:
    """Pattern-matching id of an open alert's button: acknowledge or silence."""
    return {"type": ALERTS_ACT, "alert": alert_id, "action": action}


def alerts_window_delete(window_id: int) -> dict[str, str | int]:
    """Pattern-matching id of a mute window's Delete button."""
    return {"type": ALERTS_WINDOW_DELETE, "window": window_id}


# Performance page, live source (feedback on logged predictions)
PERF_LIVE_BODY = "perf-live-body"
PERF_LIVE_PERIOD = "perf-live-period"
PERF_LIVE_COVERAGE = "perf-live-coverage"
PERF_LIVE_TREND = "perf-live-trend"
PERF_EST_METRIC = "perf-est-metric"
PERF_EST_NOTE = "perf-est-note"
PERF_EST_TREND = "perf-est-trend"

# Feedback page
FEEDBACK_MODEL = "feedback-model"
FEEDBACK_GRID = "feedback-grid"
FEEDBACK_GRID_RESET = "feedback-grid-reset"
FEEDBACK_REFRESH = "feedback-refresh"
FEEDBACK_COVERAGE = "feedback-coverage"
FEEDBACK_SELECTED = "feedback-selected"
FEEDBACK_OUTCOME = "feedback-outcome"
FEEDBACK_CORRECT = "feedback-correct"
FEEDBACK_INCORRECT = "feedback-incorrect"
FEEDBACK_SAVE = "feedback-save"
FEEDBACK_STATUS = "feedback-status"
FEEDBACK_UPLOAD = "feedback-upload"
FEEDBACK_UPLOAD_REPORT = "feedback-upload-report"
FEEDBACK_UPLOAD_LIMIT = "feedback-upload-limit"
FEEDBACK_URL_STATE = "feedback-url-state"

# What-if feedback on the prediction just shown
WHATIF_FB_PREDICTION = "whatif-fb-prediction"
WHATIF_FB_OUTCOME = "whatif-fb-outcome"
WHATIF_FB_CORRECT = "whatif-fb-correct"
WHATIF_FB_INCORRECT = "whatif-fb-incorrect"
WHATIF_FB_SAVE = "whatif-fb-save"
WHATIF_FB_STATUS = "whatif-fb-status"

# Model comparison page
COMPARE_MODEL = "compare-model"
COMPARE_A = "compare-a"
COMPARE_B = "compare-b"
COMPARE_BODY = "compare-body"
COMPARE_DIFF = "compare-diff"
COMPARE_TARGET = "compare-target"
COMPARE_PROMOTE = "compare-promote"
COMPARE_ACTIONS = "compare-actions"
COMPARE_ACTIONS_NOTE = "compare-actions-note"
COMPARE_CONFIRM = "compare-confirm"
COMPARE_CONFIRM_YES = "compare-confirm-yes"
COMPARE_CONFIRM_NO = "compare-confirm-no"
COMPARE_CONFIRM_TEXT = "compare-confirm-text"
COMPARE_ACTIVE = "compare-active"
COMPARE_STATUS = "compare-status"
COMPARE_URL_STATE = "compare-url-state"
MODELS_PROMOTIONS = "models-promotions"
# Compare: shadow deployment and live agreement (layouts/compare_shadow.py).
COMPARE_SHADOW_BODY = "compare-shadow-body"
COMPARE_SHADOW_START = "compare-shadow-start"
COMPARE_SHADOW_STOP = "compare-shadow-stop"
COMPARE_SHADOW_STATUS = "compare-shadow-status"
COMPARE_SHADOW_CHANGED = "compare-shadow-changed"
COMPARE_SHADOW_REFRESH = "compare-shadow-refresh"

# "Alert me when…": the alert rule dialog and the list of rules on a model (Drift, live Performance)
ALERT_RULE_PANEL = "alert-rule-panel"
ALERT_RULE_OPEN = "alert-rule-open"
ALERT_RULE_MODAL = "alert-rule-modal"
ALERT_RULE_LOCATION = "alert-rule-location"
ALERT_RULE_SCOPE = "alert-rule-scope"
ALERT_RULE_CHANGED = "alert-rule-changed"
ALERT_RULE_TITLE = "alert-rule-title"
ALERT_RULE_MODEL = "alert-rule-model"
ALERT_RULE_WATCH = "alert-rule-watch"
ALERT_RULE_DRIFT_ROW = "alert-rule-drift-row"
ALERT_RULE_FEATURE = "alert-rule-feature"
ALERT_RULE_FEATURE_ROW = "alert-rule-feature-row"
ALERT_RULE_WINDOW = "alert-rule-window"
ALERT_RULE_WINDOW_NOTE = "alert-rule-window-note"
ALERT_RULE_MIN_ROWS = "alert-rule-min-rows"
ALERT_RULE_DROP_ROW = "alert-rule-drop-row"
ALERT_RULE_METRIC = "alert-rule-metric"
ALERT_RULE_BY = "alert-rule-by"
ALERT_RULE_UNIT = "alert-rule-unit"
ALERT_RULE_MIN_LABELS = "alert-rule-min-labels"
ALERT_RULE_SCHEDULE = "alert-rule-schedule"
ALERT_RULE_TIMEZONE = "alert-rule-timezone"
ALERT_RULE_EMAIL = "alert-rule-email"
ALERT_RULE_WEBHOOK = "alert-rule-webhook"
ALERT_RULE_WEBHOOK_STYLE = "alert-rule-webhook-style"
ALERT_RULE_SAVE = "alert-rule-save"
ALERT_RULE_CLOSE = "alert-rule-close"
ALERT_RULE_FEEDBACK = "alert-rule-feedback"
ALERT_RULE_LIST = "alert-rule-list"
ALERT_RULE_LIST_FEEDBACK = "alert-rule-list-feedback"
ALERT_RULE_ACTION = "alert-rule-action"  # pattern-matching: {"type": ..., "name": rule, "action": ...}
ALERT_RULE_DELETE = "alert-rule-delete"  # pattern-matching confirm dialogs: {"type": ..., "name": rule}
