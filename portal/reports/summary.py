"""What a finished report run announces: its files and download links, as a delivery message."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from portal.reports.definitions import ReportDefinition
from portal.reports.deliver import Link, Message, content_type


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """Which report ran, which files it made, and where to download them."""

    run_id: int
    report: ReportDefinition
    started_at: str
    duration_seconds: float
    files: list[Path]
    download_base: str
    generated: str = ""
    shown: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    live_urls: list[str] = dataclasses.field(default_factory=list)
    first_page: bytes | None = None

    def page_lines(self) -> list[str]:
        """Per page: what it showed (model, version, filters, charts) and the live view, for the body."""
        lines = []
        for index, page in enumerate(self.report.pages):
            shown = self.shown[index] if index < len(self.shown) else {}
            filters = ", ".join(f"{k}={v}" for k, v in page.query if k not in ("model", "version")) or "none"
            model = shown.get("model") or page.query_dict.get("model", "")
            version = shown.get("version") or page.query_dict.get("version", "")
            lines.append(f"Page {index + 1}: {page.path}")
            if model:
                lines.append(f"  Model: {model}" + (f" (version {version})" if version else ""))
            lines.append(f"  Filters: {filters}")
            if shown.get("charts"):
                lines.append("  Charts: " + "; ".join(shown["charts"]))
            if index < len(self.live_urls):
                lines.append(f"  Live view: {self.live_urls[index]}")
        return lines

    def links(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f.name,
                "bytes": f.stat().st_size,
                "content_type": content_type(f),
                "url": f"{self.download_base}/reports/runs/{self.run_id}/files/{f.name}",
            }
            for f in self.files
        ]

    def message(self) -> Message:
        """The delivery message: the files attached, links to their downloads, the run as JSON."""
        links = self.links()
        return Message(
            title=f"{self.report.title} ({self.started_at[:10]})",
            summary=f"{self.report.title}: report succeeded ({len(links)} file(s))",
            body=(
                f"Generated {self.generated or self.started_at} (report run {self.run_id}).",
                *([f"Rendered with the {self.report.role} role."] if self.report.role else []),
                *self.page_lines(),
            ),
            links=tuple(Link(link["name"], link["url"]) for link in links),
            files=tuple(self.files),
            inline=self.first_page,
            payload={
                "report": self.report.name,
                "title": self.report.title,
                "status": "succeeded",
                "run_id": self.run_id,
                "started_at": self.started_at,
                "duration_seconds": round(self.duration_seconds, 3),
                "format": self.report.format,
                "pages": [page.relative_url() for page in self.report.pages],
                "generated": self.generated,
                "shown": self.shown,
                "files": links,
            },
        )
