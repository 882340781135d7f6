"""`bench --vs-hugo`: the same corpus built by Hugo, for a side-by-side figure.

The Hugo site is as small as a fair comparison allows: one template per page
kind, tag and author taxonomies, RSS, and a JSON search output listing every
paper (Hugo has no search index of its own).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HUGO_CONFIG = """baseURL = "{base_url}"
title = "Bench digest"
disableKinds = ["robotsTXT"]
[taxonomies]
  tag = "tags"
  author = "authors"
[outputs]
  home = ["HTML", "RSS", "JSON"]
[pagination]
  pagerSize = 50
"""

LAYOUTS = {
    "baseof.html": '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
                   "<body><main>{{ block \"main\" . }}{{ end }}</main></body></html>\n",
    "single.html": '{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ delimit .Params.authors ", " }}</p>'
                   "<ul>{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul>{{ .Content }}{{ end }}\n",
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}'
                 '<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>{{ .Summary }}</article>{{ end }}{{ end }}\n',
    "index.json": '[{{ range $i, $p := where .Site.RegularPages "Section" "papers" }}{{ if $i }},{{ end }}'
                  '{{ dict "title" $p.Title "url" $p.RelPermalink "tags" $p.Params.tags "abstract" $p.Plain | jsonify }}{{ end }}]\n',
}


def hugo_command() -> list[str] | None:
    """The `hugo` executable, from the `hugo` package when it is installed beside this one."""
    beside = Path(sys.executable).with_name("hugo")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("hugo")
    return [found] if found else None


def write_hugo_site(corpus: Path, target: Path, base_url: str) -> None:
    content = target / "content" / "papers"
    content.mkdir(parents=True)
    (target / "hugo.toml").write_text(HUGO_CONFIG.format(base_url=base_url), encoding="utf-8")
    layouts = target / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name, text in LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")
    (target / "layouts" / "index.json").write_text(LAYOUTS["index.json"], encoding="utf-8")
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            front = {"title": record["title"], "date": record["date"], "tags": record["tags"], "authors": record["authors"]}
            name = record["id"].replace("/", "-")
            (content / f"{name}.md").write_text(json.dumps(front, ensure_ascii=False) + "\n\n" + record["abstract"] + "\n",
                                                encoding="utf-8")


def time_hugo(corpus: Path, workdir: Path) -> tuple[float, float] | None:
    """(seconds, peak MB) of a cold Hugo build of the corpus, or None without Hugo."""
    command = hugo_command()
    if command is None:
        return None
    site = workdir / "hugo-site"
    shutil.rmtree(site, ignore_errors=True)
    write_hugo_site(corpus, site, "http://127.0.0.1/")
    probe = ("import resource, subprocess, sys, time; start = time.perf_counter(); "
             "code = subprocess.run(sys.argv[1:], capture_output=True).returncode; "
             "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)")
    result = subprocess.run([sys.executable, "-c", probe, *command, "--quiet", "--source", str(site),
                             "--destination", str(site / "public")], capture_output=True, text=True)
    seconds, peak_kb, code = result.stdout.split()
    if code != "0":
        raise RuntimeError(f"hugo failed on the generated site in {site}")
    return float(seconds), int(peak_kb) / 1024
