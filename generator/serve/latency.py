"""How long a curator waits: from saving a record to the preview answering with the new page.

For `python build.py bench`: runs a real `PreviewServer` (watcher, debounce,
incremental build, HTTP) over a content folder and edits one record several
times, timing each save until a request for its page returns the new text.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ..pipeline import load_site
from .server import PreviewServer, ServeOptions

EDITED_FIELDS = ("abstract", "title")


@dataclass
class EditLatency:
    field: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def revise_field(record: str, name: str, marker: str) -> str:
    """The record with `marker` put in front of a field's text, in a block scalar or a quoted/plain one."""
    lines = record.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
    value = lines[index][len(name) + 1:].strip()
    if value.startswith(("|", ">")):
        indent = len(lines[index + 1]) - len(lines[index + 1].lstrip())
        lines[index + 1] = lines[index + 1][:indent] + marker + " " + lines[index + 1][indent:]
    else:
        text = json.loads(value) if value.startswith('"') else value.strip("'")
        lines[index] = f"{name}: " + json.dumps(f"{marker} {text}", ensure_ascii=False)
    return "\n".join(lines)


def measure_edit_latency(content_dir: Path, workdir: Path, edits: int = 5, paper_id: str | None = None,
                         timeout: float = 120.0, base_template: Path | None = None) -> dict[str, EditLatency]:
    """Median-ready timings of `edits` saves per field in `EDITED_FIELDS`, on one record.

    With `base_template` (a project theme's base.html, which every page extends),
    also one template edit: a comment put before `</body>`, timed until the
    paper's page has it. `workdir` receives the preview's output and cache; the
    first (cold) build is not timed. Every edited file is restored afterwards.
    """
    loaded = load_site(content_dir)
    paper = loaded.site.papers[paper_id] if paper_id else sorted(loaded.site.papers.values(), key=lambda p: p.id)[
        len(loaded.site.papers) // 2]
    record = Path(paper.source)
    original = record.read_bytes()
    server = PreviewServer(ServeOptions(content_dir, workdir / "serve-output", workdir / "serve-cache", port=0))
    server.start()
    thread = threading.Thread(target=server.serve_forever, name="latency-preview", daemon=True)
    thread.start()
    url = f"{server.url}papers/{paper.slug}/"
    results = {name: EditLatency(name) for name in EDITED_FIELDS}
    try:
        text = original.decode("utf-8")
        for round_number in range(edits):
            for name in EDITED_FIELDS:
                marker = f"Revised{round_number}{name.capitalize()}"
                started = time.perf_counter()
                record.write_text(revise_field(text, name, marker), encoding="utf-8")
                _wait_for_text(server, url, marker, timeout)
                results[name].seconds.append(time.perf_counter() - started)
        if base_template is not None:
            results["template"] = _time_template_edit(server, url, base_template, timeout)
    finally:
        record.write_bytes(original)
        server.stop()
        thread.join(10)
    return results


def _time_template_edit(server: PreviewServer, url: str, base_template: Path, timeout: float) -> EditLatency:
    template = base_template.read_bytes()
    marker = "RevisedTemplate"
    try:
        started = time.perf_counter()
        base_template.write_bytes(template.replace(b"</body>", f"<!-- {marker} --></body>".encode(), 1))
        _wait_for_text(server, url, marker, timeout)
        return EditLatency("template", [time.perf_counter() - started])
    finally:
        base_template.write_bytes(template)


def _wait_for_text(server: PreviewServer, url: str, marker: str, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while True:
        seen = server.builds
        with urllib.request.urlopen(url, timeout=timeout) as response:
            if marker.encode() in response.read():
                return
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the preview did not show `{marker}` at {url} within {timeout:.0f} s")
        # Ask again once a build finished (a request during a build waits for it anyway).
        server.wait_for_builds(seen + 1, 0.01)
