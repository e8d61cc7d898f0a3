"""Settings: defaults, parsing, refusal of unknown or malformed values, production rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import DEFAULT_SECRET_KEY, SETTINGS, ConfigError, load_settings, markdown_table

STRONG_SECRET = "x" * 40


def test_cfg001_defaults_are_development_and_embedded() -> None:
    settings = load_settings({})
    assert settings.env == "development"
    assert settings.debug is False
    assert settings.port == 8050
    assert settings.host == "127.0.0.1"
    assert settings.cache_url == ""
    assert settings.sqlalchemy_url.startswith("sqlite:///")
    assert settings.models_path == Path("var") / "models"


def test_cfg002_values_come_from_env() -> None:
    settings = load_settings(
        {
            "PORTAL_DEBUG": "yes",
            "PORT": "9000",
            "PORTAL_TITLE": "Churn desk",
            "PORTAL_CACHE_URL": "redis://127.0.0.1:6379/3",
            "PORTAL_WORKERS": "3",
        }
    )
    assert settings.debug is True
    assert settings.port == 9000
    assert settings.title == "Churn desk"
    assert settings.cache_url == "redis://127.0.0.1:6379/3"
    assert settings.workers == 3


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORTAL_DEBUG": "maybe"}, "PORTAL_DEBUG"),
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
        ({"PORTAL_WORKERS": "-1"}, "PORTAL_WORKERS"),
        ({"PORTAL_CACHE_URL": "memcached://x"}, "PORTAL_CACHE_URL"),
        ({"PORTAL_DATABASE_URL": "not a url"}, "PORTAL_DATABASE_URL"),
        ({"PORTAL_THEME": "neon"}, "PORTAL_THEME"),
        ({"PORTAL_CACHE_SOCKET_TIMEOUT": "0"}, "PORTAL_CACHE_SOCKET_TIMEOUT"),
        ({"PORTAL_PREDICT_BATCH_WAIT_MS": "-5"}, "PORTAL_PREDICT_BATCH_WAIT_MS"),
        ({"PORTAL_PREDICT_BATCH_WAIT_MS": "soon"}, "PORTAL_PREDICT_BATCH_WAIT_MS"),
        ({"PORTAL_PREDICT_BATCH_ROWS": "0"}, "PORTAL_PREDICT_BATCH_ROWS"),
        ({"HOST": "bad host!"}, "HOST"),
        ({"PORTAL_TITLE": "   "}, "PORTAL_TITLE"),
        ({"PORTAL_DEBGU": "true"}, "PORTAL_DEBGU"),
        ({"PORTAL_PUBLIC_URL": "ftp://portal.example.com"}, "PORTAL_PUBLIC_URL"),
        ({"PORTAL_PUBLIC_URL": "https://portal.example.com/?next=1"}, "PORTAL_PUBLIC_URL"),
        ({"PORTAL_BATCH_JOB_MEMORY_MB": "10"}, "PORTAL_BATCH_JOB_MEMORY_MB"),
        ({"PORTAL_BATCH_JOB_MEMORY_MB": "lots"}, "PORTAL_BATCH_JOB_MEMORY_MB"),
        ({"PORTAL_BATCH_JOB_MINUTES": "0"}, "PORTAL_BATCH_JOB_MINUTES"),
        ({"PORTAL_WARMUP": "maybe"}, "PORTAL_WARMUP"),
    ],
)
def test_cfg003_bad_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert named in str(error.value)


def test_cfg004_test_suite_variables_are_not_unknown_settings() -> None:
    load_settings({"PORTAL_TEST_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/test"})


@pytest.mark.parametrize(
    ("env", "advice"),
    [
        ({}, "PORTAL_SECRET_KEY"),
        ({"PORTAL_SECRET_KEY": DEFAULT_SECRET_KEY}, "PORTAL_SECRET_KEY"),
        ({"PORTAL_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"PORTAL_SECRET_KEY": STRONG_SECRET, "PORTAL_DEBUG": "true"}, "PORTAL_DEBUG"),
    ],
)
def test_cfg005_production_refuses_unsafe_settings(env: dict[str, str], advice: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"PORTAL_ENV": "production", **env})
    assert advice in str(error.value)


def test_cfg006_production_with_a_real_secret_starts() -> None:
    settings = load_settings({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": STRONG_SECRET})
    assert settings.is_production


def test_cfg007_readme_table_lists_every_setting() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert markdown_table() in readme, "regenerate the README table with `portal config --markdown`"
    for setting in SETTINGS:
        assert f"`{setting.env}`" in readme


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["churn"]', "JSON object of objects"),
        ('{"churn": 0.2}', "JSON object of objects"),
        ('{"churn": {"psy": 0.2}}', "model 'churn': unknown drift threshold 'psy'"),
        ('{"churn": {"p_value": 2}}', "model 'churn': drift threshold 'p_value' is out of range"),
        ('{"churn": {"wasserstein": "high"}}', "must be a number"),
    ],
)
def test_cfg008_bad_drift_thresholds_name_the_variable_model_and_field(raw: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_DRIFT_THRESHOLDS": raw})
    assert "PORTAL_DRIFT_THRESHOLDS" in str(caught.value) and message in str(caught.value)
    assert load_settings({"PORTAL_DRIFT_THRESHOLDS": '{"churn": {"psi": 0.2}}'}).drift_thresholds == {
        "churn": {"psi": 0.2}
    }
