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
            body=(f"Report run {self.run_id} of {self.started_at}.",),
            links=tuple(Link(link["name"], link["url"]) for link in links),
            files=tuple(self.files),
            payload={
                "report": self.report.name,
                "title": self.report.title,
                "status": "succeeded",
                "run_id": self.run_id,
                "started_at": self.started_at,
                "duration_seconds": round(self.duration_seconds, 3),
                "format": self.report.format,
                "pages": [page.relative_url() for page in self.report.pages],
                "files": links,
            },
        )
