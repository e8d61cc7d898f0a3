"""The API's one error shape, raised as exceptions and rendered as JSON."""

from __future__ import annotations

from typing import Any

from flask import Response

from portal.web.errors import error_json


class ApiError(Exception):
    """An error a client caused or can act on; never a 500."""

    def __init__(self, status: int, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details

    def response(self) -> tuple[Response, int]:
        extra = {"details": self.details} if self.details is not None else {}
        return error_json(self.status, self.message, **extra)
