"""The example notebook, executed headless in a real ipykernel, and the inline pages it points to.

While the kernel is still alive, the addresses in its iframe outputs are fetched over HTTP and
then opened inside a page on another loopback origin in real Chromium, as Jupyter would show them.
Jupyter's own folders (runtime, data, config, IPython profile) go to a temporary dir, never $HOME.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import nbformat
import pytest
import requests
from nbclient import NotebookClient

from portal.notebook.embedded import NOTEBOOK_FRAME_ANCESTORS
from tests.support.browser import chromium_context, watch
from tests.support.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]
NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "from_predict_to_portal.ipynb"
READY = "() => document.body.dataset.portalReady === 'true'"
PAGES = {"/what-if": "What-if explorer", "/performance": "Model performance"}


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nbformat.NotebookNode]:
    """The notebook run cell by cell; the kernel (and the portal inside it) lives until the module ends."""
    home = tmp_path_factory.mktemp("jupyter")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR"):
            patch.setenv(name, str(home / name.lower()))
        patch.setenv("JUPYTER_PLATFORM_DIRS", "1")
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        )
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
            yield notebook


def frame_sources(notebook: nbformat.NotebookNode) -> list[str]:
    """The iframe addresses in the notebook's HTML outputs, as a browser would read them."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            markup = output.get("data", {}).get("text/html", "")
            found += [html.unescape(src) for src in re.findall(r'<iframe[^>]*\ssrc="([^"]+)"', markup)]
    return found


def frames_markup(notebook: nbformat.NotebookNode) -> str:
    return "".join(
        output["data"]["text/html"]
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "<iframe" in output.get("data", {}).get("text/html", "")
    )


def test_nbx001_every_cell_runs_and_registers_the_model(executed) -> None:
    outputs = [output for cell in executed.cells for output in cell.get("outputs", [])]
    assert [o for o in outputs if o["output_type"] == "error"] == []
    texts = [o.get("data", {}).get("text/plain", "") for o in outputs]
    assert any(
        re.match(r"registered churn v1 \(classification\); metrics: accuracy=.*\(active\)$", t) for t in texts
    )
    # Nothing the portal logged reached the cells: no refused route, no warning.
    assert [o["text"] for o in outputs if o["output_type"] == "stream"] == []


def test_nbx002_the_inline_server_answers_each_page_it_shows(executed) -> None:
    sources = frame_sources(executed)
    assert [re.sub(r":\d+/", ":PORT/", src) for src in sources] == [
        "http://127.0.0.1:PORT/what-if?model=churn&f.contract=monthly",
        "http://127.0.0.1:PORT/performance?model=churn&threshold=0.3",
    ]
    for src, title in zip(sources, PAGES.values(), strict=True):
        response = requests.get(src, timeout=30)
        assert response.status_code == 200
        assert f'property="og:title" content="{title}"' in response.text
        assert (
            f"frame-ancestors {' '.join(NOTEBOOK_FRAME_ANCESTORS)}"
            in response.headers["Content-Security-Policy"]
        )
    base = sources[0].split("/what-if")[0]
    layout = requests.get(f"{base}/_dash-layout", timeout=30)
    assert layout.status_code == 200 and layout.json()["props"]["children"]
    ready = requests.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["models"]["detail"]["churn"]["status"] == "loaded"


@contextmanager
def notebook_ui(markup: str) -> Iterator[str]:
    """Serve the notebook's output HTML from another loopback origin, as Jupyter on localhost does."""
    page = f"<!doctype html><html><head><title>Notebook</title></head><body>{markup}</body></html>".encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/favicon.ico":
                self.send_response(204)
                self.end_headers()
                return
            if self.path != "/notebook":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}/notebook"
    finally:
        server.shutdown()
        server.server_close()


def _frame(page, prefix: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame.url.startswith(prefix):
                return frame
        page.wait_for_timeout(100)
    raise AssertionError(f"no frame from {prefix}: {[f.url for f in page.frames]}")


def test_nbx003_the_pages_render_inside_the_notebooks_frames(executed) -> None:
    what_if, performance = frame_sources(executed)
    with notebook_ui(frames_markup(executed)) as address, chromium_context((1280, 1000)) as context:
        page = context.new_page()
        problems = watch(page)
        page.goto(address, wait_until="load")
        frame = _frame(page, what_if.split("?")[0])
        frame.wait_for_function(READY, timeout=60000)
        assert "What-if explorer" in frame.inner_text(".portal-page-header")
        assert "Predicted class" in frame.inner_text(".portal-whatif-result")
        assert "monthly" in frame.inner_text('[id*="contract"]')
        frame = _frame(page, performance.split("?")[0])
        frame.wait_for_function(READY, timeout=60000)
        assert "At threshold 0.30" in frame.inner_text(".portal-threshold-summary")
        assert problems.all() == []
