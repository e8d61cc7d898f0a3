"""Secret settings: read from the variable or from a mounted file, and never shown or echoed.

``PORTAL_SECRET_KEY_FILE=/run/secrets/portal/secret-key`` reads the secret key from that file,
the convention of Docker secrets and of Kubernetes secrets mounted as files, which keeps the
value out of the process environment (``docker inspect``, ``/proc/<pid>/environ``, crash dumps).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from portal.config.setting import ConfigError, Setting

FILE_SUFFIX = "_FILE"
HIDDEN = "***"


def file_variable(setting: Setting) -> str:
    """The variable that names a file holding ``setting``'s value."""
    return setting.env + FILE_SUFFIX


def file_variables(settings: tuple[Setting, ...]) -> set[str]:
    return {file_variable(setting) for setting in settings if setting.secret}


def raw_value(setting: Setting, environ: Mapping[str, str]) -> tuple[str, str]:
    """The setting's text and where it came from (the variable, or ``NAME_FILE=path``).

    An empty ``_FILE`` variable counts as unset, as an empty variable does for Docker's images.
    """
    direct = environ.get(setting.env)
    path = environ.get(file_variable(setting), "").strip() if setting.secret else ""
    if not path:
        return (setting.default if direct is None else direct), setting.env
    source = f"{file_variable(setting)}={path}"
    if direct:
        raise ConfigError(
            f"{setting.env} and {file_variable(setting)} are both set: set only one of them, "
            "so which value is used is never a guess"
        )
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{source} cannot be read: the file is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{source} cannot be read: {exc.strerror or exc}") from None
    # `echo value > file` and most secret stores end the file with a newline that is not the secret.
    return text.rstrip("\r\n"), source


def shown(setting: Setting, value: object) -> str:
    """How ``portal config`` prints a value: secrets hidden, credentials in URLs masked."""
    if not setting.secret:
        return str(value)
    text = str(value)
    if not text:
        return "(empty)"
    if "://" in text:
        return mask_url(text)
    return "(set)"


def mask_url(url: str) -> str:
    """``redis://:pw@host/0`` -> ``redis://:***@host/0``: the address stays readable, the password not."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return "(set)"
    return url.replace(f":{password}@", f":{HIDDEN}@", 1) if password else url


def scrub(message: str, raw: str) -> str:
    """Remove a secret's value (and a URL's password) from an error message before it is shown."""
    for secret in {raw.strip(), _password(raw)} - {""}:
        message = message.replace(secret, HIDDEN)
    return message


def _password(raw: str) -> str:
    try:
        return urlsplit(raw.strip()).password or ""
    except ValueError:
        return ""
