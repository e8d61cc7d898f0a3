"""The larger demo with logged history that the estimated-performance tests share."""

from tests.support.estimated_history import history_app, history_dir  # noqa: F401 (fixtures)
