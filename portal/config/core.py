"""Server, storage, cache, API, batch, worker and logging settings: those no single area owns."""

from __future__ import annotations

from portal.config.setting import Setting
from portal.config.values import (
    parse_bool,
    parse_broker_url,
    parse_cache_url,
    parse_choice,
    parse_choice_lower,
    parse_database_url,
    parse_drift_thresholds,
    parse_host,
    parse_int,
    parse_optional_text,
    parse_path,
    parse_seconds,
    parse_text,
)

DEFAULT_SECRET_KEY = "dev-only-not-secret"

SERVER_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "env",
        "PORTAL_ENV",
        "development",
        parse_choice("development", "production"),
        "`production` refuses the default secret key and debug mode.",
    ),
    Setting(
        "debug",
        "PORTAL_DEBUG",
        "false",
        parse_bool,
        "Dash dev tools and tracebacks in the browser. Never in production.",
    ),
    Setting(
        "secret_key",
        "PORTAL_SECRET_KEY",
        DEFAULT_SECRET_KEY,
        parse_text,
        "Signs sessions and embed tokens. Set a long random value in production.",
        secret=True,
    ),
    Setting(
        "title",
        "PORTAL_TITLE",
        "Analytics Portal",
        parse_text,
        "Name shown in the navbar and the browser tab.",
    ),
    Setting(
        "theme",
        "PORTAL_THEME",
        "flatly",
        parse_choice_lower,
        "Bootswatch theme served locally, e.g. `bootstrap`, `flatly`, `cosmo`, `darkly`.",
    ),
    Setting(
        "host",
        "HOST",
        "127.0.0.1",
        parse_host,
        "Address gunicorn binds to. Use `0.0.0.0` behind a proxy or in a container.",
    ),
    Setting("port", "PORT", "8050", parse_int(1, 65535), "Port gunicorn listens on."),
    Setting(
        "data_dir",
        "PORTAL_DATA_DIR",
        "var",
        parse_path,
        "Root for the default SQLite file, file cache and job store.",
    ),
    Setting(
        "model_dir",
        "PORTAL_MODEL_DIR",
        "",
        parse_optional_text,
        "Model registry root (`<name>/<version>/`). Empty means `<data dir>/models`.",
    ),
    Setting(
        "database_url",
        "PORTAL_DATABASE_URL",
        "",
        parse_database_url,
        "SQLAlchemy URL of the portal database. Empty means SQLite in the data dir.",
        secret=True,
    ),
    Setting(
        "cache_url",
        "PORTAL_CACHE_URL",
        "",
        parse_cache_url,
        "Empty: a filesystem cache shared by all workers. `redis://...`: Redis.",
        secret=True,
    ),
    Setting(
        "cache_timeout",
        "PORTAL_CACHE_TIMEOUT",
        "86400",
        parse_int(1),
        "Seconds a cached prediction or figure lives. Keys include the model version.",
    ),
    Setting(
        "cache_socket_timeout",
        "PORTAL_CACHE_SOCKET_TIMEOUT",
        "0.25",
        parse_seconds,
        "Seconds to wait for Redis before answering uncached.",
    ),
    Setting(
        "api_max_records",
        "PORTAL_API_MAX_RECORDS",
        "10000",
        parse_int(1, 1_000_000),
        "Most records one `/api/v1/models/<name>/predict` call may send (413 above).",
    ),
    Setting(
        "api_max_bytes",
        "PORTAL_API_MAX_BYTES",
        "20000000",
        parse_int(1024),
        "Largest API request body in bytes (413 above).",
    ),
    Setting(
        "predict_batch_wait_ms",
        "PORTAL_PREDICT_BATCH_WAIT_MS",
        "50",
        parse_int(0, 1000),
        "Most milliseconds a prediction waits for concurrent requests to share its model call; "
        "it waits only when others are on their way or recent requests overlapped. 0: never wait.",
    ),
    Setting(
        "predict_batch_rows",
        "PORTAL_PREDICT_BATCH_ROWS",
        "5000",
        parse_int(1, 1_000_000),
        "Most rows one shared model call scores; a request this large is scored alone. 1 turns sharing off.",
    ),
    Setting(
        "celery_broker_url",
        "PORTAL_CELERY_BROKER_URL",
        "",
        parse_broker_url,
        "Empty: background jobs run in a disk-cache manager. Set to scale out to Celery.",
        secret=True,
    ),
    Setting(
        "batch_max_bytes",
        "PORTAL_BATCH_MAX_BYTES",
        "200000000",
        parse_int(1024),
        "Largest batch-scoring upload in bytes (413 above), enforced by the server while streaming.",
    ),
    Setting(
        "batch_retention_days",
        "PORTAL_BATCH_RETENTION_DAYS",
        "7",
        parse_int(1, 3650),
        "Days a batch's upload and results are kept for re-download before cleanup removes them.",
    ),
    Setting(
        "batch_job_memory_mb",
        "PORTAL_BATCH_JOB_MEMORY_MB",
        "3072",
        parse_int(256, 1_000_000),
        "Most memory (MB, resident) one batch validation or scoring job may use before it is stopped "
        "and marked failed.",
    ),
    Setting(
        "batch_job_minutes",
        "PORTAL_BATCH_JOB_MINUTES",
        "60",
        parse_int(1, 1440),
        "Longest a batch validation or scoring job may run before it is stopped and marked failed.",
    ),
    Setting(
        "drift_thresholds",
        "PORTAL_DRIFT_THRESHOLDS",
        "",
        parse_drift_thresholds,
        "Per-model drift thresholds as JSON, e.g. "
        '`{"churn": {"wasserstein": 0.2, "drift_share": 0.3, "min_rows": 500, "multiple_testing": "bh"}}`; '
        "`min_rows` (default 100) is the smallest sample a drift test decides on.",
    ),
    Setting(
        "workers",
        "PORTAL_WORKERS",
        "0",
        parse_int(0, 64),
        "gunicorn workers. 0 means one per core (at least 2), capped so each has 512 MiB.",
    ),
    Setting(
        "warmup",
        "PORTAL_WARMUP",
        "true",
        parse_bool,
        "Before serving, load every active model, its reference data and scored population, so no "
        "request pays for it; gunicorn forks its workers warm, also after a HUP.",
    ),
    Setting(
        "worker_timeout",
        "PORTAL_WORKER_TIMEOUT",
        "60",
        parse_int(5, 3600),
        "Seconds before gunicorn restarts a silent worker, and the longest a request may compute: a worker "
        "whose request runs longer is logged and replaced (uploads get a second more per MB).",
    ),
    Setting(
        "max_requests",
        "PORTAL_MAX_REQUESTS",
        "2000",
        parse_int(0),
        "Requests before a worker is recycled (0 never), bounding slow leaks.",
    ),
    Setting(
        "max_requests_jitter",
        "PORTAL_MAX_REQUESTS_JITTER",
        "200",
        parse_int(0),
        "Random spread on the above, so workers do not recycle together.",
    ),
    Setting(
        "native_threads",
        "PORTAL_NATIVE_THREADS",
        "1",
        parse_int(1, 256),
        "OpenMP/BLAS threads per worker. More than 1 oversubscribes the cores.",
    ),
)

LOGGING_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "log_level",
        "PORTAL_LOG_LEVEL",
        "info",
        parse_choice("debug", "info", "warning", "error"),
        "Lowest level logged.",
    ),
    Setting(
        "log_format",
        "PORTAL_LOG_FORMAT",
        "json",
        parse_choice("json", "text"),
        "`json`: one object per line on stdout, with the request id. `text`: for humans.",
    ),)
