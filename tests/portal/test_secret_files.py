"""Secret settings from mounted files (``NAME_FILE``), and secrets never shown or echoed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal.cli import main
from portal.config import DEFAULT_SECRET_KEY, SETTINGS, ConfigError, load_settings

STRONG_SECRET = "f" * 64
SECRETS = {setting.env: setting.field for setting in SETTINGS if setting.secret}
EXAMPLES = {
    "PORTAL_SECRET_KEY": STRONG_SECRET,
    "PORTAL_DATABASE_URL": "postgresql+psycopg://portal:s3cret-pw@postgres:5432/portal",
    "PORTAL_CACHE_URL": "redis://:cache-pw@redis:6379/0",
    "PORTAL_CELERY_BROKER_URL": "redis://:broker-pw@redis:6379/1",
    "PORTAL_OIDC_CLIENT_SECRET": "oidc client secret with spaces",
    "PORTAL_METRICS_TOKEN": "scrape-token-123",
    "PORTAL_SMTP_PASSWORD": "smtp pass word",
}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_sec001_every_secret_setting_has_an_example() -> None:
    assert set(SECRETS) == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("ending", ["", "\n", "\r\n", "\n\n"])
def test_sec002_a_secret_is_read_from_its_file_without_the_trailing_newline(
    tmp_path: Path, name: str, ending: str
) -> None:
    secret = write(tmp_path / "secret", EXAMPLES[name] + ending)
    settings = load_settings({f"{name}_FILE": str(secret)})
    assert getattr(settings, SECRETS[name]) == EXAMPLES[name]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_sec003_the_variable_and_its_file_together_are_refused_naming_both(tmp_path: Path, name: str) -> None:
    secret = write(tmp_path / "secret", EXAMPLES[name])
    with pytest.raises(ConfigError) as caught:
        load_settings({name: EXAMPLES[name], f"{name}_FILE": str(secret)})
    assert f"{name} and {name}_FILE are both set" in str(caught.value)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda root: root / "missing", "No such file or directory"),
        (lambda root: root, "Is a directory"),
    ],
    ids=["missing", "directory"],
)
def test_sec004_an_unreadable_file_is_a_config_error_naming_the_path(tmp_path: Path, make, reason) -> None:
    path = make(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_SMTP_PASSWORD_FILE": str(path)})
    assert f"PORTAL_SMTP_PASSWORD_FILE={path} cannot be read: {reason}" == str(caught.value)


def test_sec005_a_file_that_is_not_utf8_text_is_named(tmp_path: Path) -> None:
    path = tmp_path / "binary"
    path.write_bytes(b"\xff\xfe\x00secret")
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_OIDC_CLIENT_SECRET_FILE": str(path)})
    assert str(path) in str(caught.value) and "not UTF-8" in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file, so a permission error cannot happen")
def test_sec006_a_file_without_read_permission_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "secret", STRONG_SECRET)
    path.chmod(0)
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_SECRET_KEY_FILE": str(path)})
    assert f"PORTAL_SECRET_KEY_FILE={path} cannot be read: Permission denied" == str(caught.value)


def test_sec007_an_empty_file_variable_counts_as_unset() -> None:
    settings = load_settings({"PORTAL_SECRET_KEY_FILE": "", "PORTAL_SECRET_KEY": STRONG_SECRET})
    assert settings.secret_key == STRONG_SECRET
    assert load_settings({"PORTAL_SMTP_PASSWORD_FILE": "  "}).smtp_password == ""


def test_sec008_only_secret_settings_take_a_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_TITLE_FILE": "/etc/hostname"})
    assert "unknown setting PORTAL_TITLE_FILE" in str(caught.value)


@pytest.mark.parametrize("content", [DEFAULT_SECRET_KEY, "short", "", "\n"])
def test_sec009_production_refuses_a_weak_secret_from_a_file(tmp_path: Path, content: str) -> None:
    secret = write(tmp_path / "secret", content)
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY_FILE": str(secret)})
    assert "PORTAL_SECRET_KEY" in str(caught.value)
    if content.strip():
        assert "at least 32 characters" in str(caught.value)
    else:
        assert "read from PORTAL_SECRET_KEY_FILE" in str(caught.value)


def test_sec010_production_starts_with_a_strong_secret_from_a_file(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret", STRONG_SECRET + "\n")
    settings = load_settings({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY_FILE": str(secret)})
    assert settings.is_production and settings.secret_key == STRONG_SECRET


def test_sec011_a_bad_secret_value_is_named_without_echoing_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_DATABASE_URL": "mysql://portal:hunter2-pw@db/portal"})
    assert "PORTAL_DATABASE_URL" in str(caught.value) and "hunter2-pw" not in str(caught.value)
    secret = write(tmp_path / "url", "redis-ish://:pw-in-file@redis/0\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({"PORTAL_CACHE_URL_FILE": str(secret)})
    message = str(caught.value)
    assert f"PORTAL_CACHE_URL (read from PORTAL_CACHE_URL_FILE={secret}) is invalid" in message
    assert "pw-in-file" not in message


def test_sec012_portal_config_hides_secrets_and_masks_url_passwords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    for name, value in EXAMPLES.items():
        monkeypatch.setenv(f"{name}_FILE", str(write(tmp_path / name, value)))
    assert main(["config"]) == 0
    shown = capsys.readouterr().out
    for value in EXAMPLES.values():
        assert value not in shown
    for secret in ("s3cret-pw", "cache-pw", "broker-pw"):
        assert secret not in shown
    assert "database_url = postgresql+psycopg://portal:***@postgres:5432/portal" in shown
    assert "celery_broker_url = redis://:***@redis:6379/1" in shown
    assert "secret_key = (set)" in shown and "smtp_password = (set)" in shown
    assert "smtp_user = " in shown
