"""One headless Chromium context per browser test module."""

from __future__ import annotations

import pytest

from tests.support.browser import chromium_context


@pytest.fixture(scope="module")
def browser_context():
    with chromium_context((1280, 1000)) as context:
        yield context
