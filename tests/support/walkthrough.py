"""The README's improvement-loop screenshots, made by the portal's own report renderer.

``python -m tests.support.walkthrough docs/loop`` rebuilds them from a fresh demo: the demo's
history, a retrained challenger, then Home, Drift, live Performance and Compare rendered exactly as
a report renders them (the /embed copy, signed in by a report token, checked before capture).
"""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from portal.config import load_settings
from portal.reports.definitions import PageSpec
from portal.reports.render import Renderer
from portal.reports.targets import page_url
from tests.conftest import base_env
from tests.support.servers import PROJECT_ROOT, start_gunicorn

log = logging.getLogger(__name__)

DEMO_ROWS = "20000"
VIEWPORT = (1280, 900)
# Screenshots are shown at most this wide in the README; smaller files keep the repository light.
SHOWN_WIDTH = 1000
PAGES = {
    "1-home.png": PageSpec("/"),
    "2-drift.png": PageSpec("/drift", (("model", "churn"), ("window", "90d"))),
    "3-performance-live.png": PageSpec(
        "/performance", (("model", "churn"), ("source", "live"), ("period", "week"))
    ),
    "4-compare.png": PageSpec("/compare", (("model", "churn"), ("a", "1"), ("b", "2"))),
}


def _portal(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"portal {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def _shrunk(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png))
    if image.width > SHOWN_WIDTH:
        image = image.resize((SHOWN_WIDTH, round(image.height * SHOWN_WIDTH / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render(out_dir: Path) -> dict[str, Path]:
    """Fresh demo, retrain, serve, and write each page's screenshot into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-walkthrough-") as folder:
        env = base_env(Path(folder) / "var", PORTAL_SECRET_KEY="w" * 40)
        _portal(env, "db", "upgrade")
        _portal(env, "demo", "--rows", DEMO_ROWS)
        retrained = _portal(env, "models", "retrain", "churn")
        log.info("retrained: %s", retrained.splitlines()[0])
        server = start_gunicorn(env)
        try:
            settings = load_settings({**env, "PORTAL_REPORT_BASE_URL": server.url})
            written = {}
            with Renderer(settings.chromium_path, server.url, VIEWPORT, timeout_seconds=120) as renderer:
                for name, page in PAGES.items():
                    capture = renderer.capture(page_url(settings, "walkthrough", page))
                    target = out_dir / name
                    target.write_bytes(_shrunk(capture.png))
                    written[name] = target
            return written
        finally:
            server.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in render(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/loop")).values():
        log.info("wrote %s", path)
