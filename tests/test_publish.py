"""Publishing on GitHub Pages (issue 6): the `check` doctor, `deploy` to a branch, and the Pages workflow."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.linkcheck import fetch
from generator.pipeline import BuildOptions, build
from generator import publish
from generator.publish import (
    DeployError, check_site, commit_site, domain_findings, folder_findings,
    measure_pages_artifact, serve_like_pages,
)
from tests.conftest import ROOT, SAMPLE_CONTENT

PUBLIC = "https://example.github.io/digest/"
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("built") / "output"
    build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=output, base_url=PUBLIC))
    return output


@pytest.fixture
def site_copy(built: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "site"))


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"`{old}` is not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# -- publishing files ----------------------------------------------------------------

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_locs(path: Path) -> dict[str, str | None]:
    root = ElementTree.parse(path).getroot()
    return {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")}


def page_urls(output: Path) -> set[str]:
    """The public URL of every page of the built site but the 404 page."""
    return {PUBLIC + page.relative_to(output).as_posix()[: -len("index.html")] for page in output.rglob("index.html")}


def test_the_build_writes_what_github_pages_and_crawlers_expect(built: Path) -> None:
    assert (built / ".nojekyll").read_bytes() == b""
    assert not (built / "CNAME").exists()  # the sample has no custom domain
    assert (built / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {PUBLIC}sitemap.xml\n"
    locs = sitemap_locs(built / "sitemap.xml")
    assert set(locs) == page_urls(built)
    record = next(p for p in (SAMPLE_CONTENT / "papers").glob("*.md") if "\nupdated:" not in p.read_text())
    day = re.search(r"^date: (\S+)$", record.read_text(encoding="utf-8"), re.MULTILINE)
    assert day is not None
    paper_urls = [url for url in locs if url.startswith(PUBLIC + "papers/") and f"/{record.stem}/" in url]
    assert [locs[url] for url in paper_urls] == [day.group(1)]
    canonical = f'<link rel="canonical" href="{PUBLIC}archive/">'
    assert canonical in (built / "archive" / "index.html").read_text(encoding="utf-8")
    assert 'rel="canonical"' not in (built / "404.html").read_text(encoding="utf-8")


def test_a_custom_domain_gets_its_cname(content_copy: Path, tmp_path: Path) -> None:
    config = content_copy / "site.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(PUBLIC, "https://digest.example.org/")
                      + '\n[publish]\ncname = "digest.example.org"\n', encoding="utf-8")
    build(BuildOptions(content_dir=content_copy, output_dir=tmp_path / "out"))
    assert (tmp_path / "out" / "CNAME").read_text() == "digest.example.org\n"
    assert sitemap_locs(tmp_path / "out" / "sitemap.xml").keys() >= {"https://digest.example.org/"}


def test_a_large_site_gets_a_sitemap_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.pipeline

    monkeypatch.setattr(generator.pipeline, "SITEMAP_LIMIT", 100)
    output = tmp_path / "output"
    build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=output, base_url=PUBLIC))
    index = ElementTree.parse(output / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    pages = page_urls(output)
    assert parts == [f"{PUBLIC}sitemaps/{n}.xml" for n in range(1, -(-len(pages) // 100) + 1)]
    listed: list[str] = []
    for number in range(1, len(parts) + 1):
        part = sitemap_locs(output / "sitemaps" / f"{number}.xml")
        assert len(part) <= 100
        listed.extend(part)
    assert sorted(listed) == sorted(pages)
    assert check_site(output, PUBLIC).findings == []  # the crawl follows the index into every part


# -- check ----------------------------------------------------------------------


def test_check_finds_nothing_wrong_with_the_sample(built: Path) -> None:
    report = check_site(built, PUBLIC)
    assert report.findings == []
    assert report.warnings == []
    assert report.pages > 100 and report.urls > report.pages


def test_check_reports_a_root_absolute_link_that_ignores_the_sub_path(site_copy: Path) -> None:
    replace_in(site_copy / "archive" / "index.html", "</main>", '<a href="/tags/">tags</a></main>')
    report = check_site(site_copy, PUBLIC)
    assert report.findings == ["`/tags/` ignores the site's path `/digest/`: it leaves the site when published there "
                               "(use `/digest/…` or a relative link) (on /digest/archive/)"]


def test_check_reports_a_404_page_whose_assets_break_at_depth(site_copy: Path) -> None:
    page = site_copy / "404.html"
    stylesheet = next(site_copy.glob("static/style.*.css")).name
    replace_in(page, f'href="/digest/static/{stylesheet}"', f'href="static/{stylesheet}"')
    report = check_site(site_copy, PUBLIC)
    assert report.findings == [f"`/digest/a/b/c/static/{stylesheet}` answered 404 (on the 404 page at /digest/a/b/c/missing)"]


def test_check_reports_every_url_that_does_not_answer(site_copy: Path) -> None:
    stylesheet = next(site_copy.glob("static/style.*.css"))
    stylesheet.unlink()
    (site_copy / "search" / "docs" / "1.json").unlink()
    findings = check_site(site_copy, PUBLIC).findings
    assert len(findings) == 2, findings
    assert findings[0].startswith(f"`/digest/static/{stylesheet.name}` answered 404 (on the 404 page at ")
    assert findings[0].endswith(" more)")  # every page links it; a few are named
    assert findings[1] == "`/digest/search/docs/1.json` answered 404 (on /digest/search/manifest.json)"


def test_check_reports_underscore_folders_without_nojekyll(site_copy: Path) -> None:
    (site_copy / "_data").mkdir()
    (site_copy / "_data" / "_x.json").write_text("{}")
    (site_copy / "papers" / "_notes.txt").write_text("")
    assert folder_findings(site_copy) == []  # the build wrote .nojekyll
    (site_copy / ".nojekyll").unlink()
    expected = ("there is no `.nojekyll`, so GitHub Pages' Jekyll step would drop what starts with `_`: "
                "`_data`, `papers/_notes.txt` (hint: the build writes `.nojekyll`; rebuild)")
    assert check_site(site_copy, PUBLIC).findings == [expected]


def test_check_reports_a_custom_domain_that_does_not_match_base_url(tmp_path: Path) -> None:
    (tmp_path / "CNAME").write_text("digest.example.org\n")
    assert domain_findings(tmp_path, "https://digest.example.org/", "digest.example.org") == []
    assert domain_findings(tmp_path, "https://digest.example.org/digest/", "digest.example.org") == [
        "base_url `https://digest.example.org/digest/` has the path `/digest/`, but a custom domain serves the "
        "site at its root (hint: base_url = \"https://digest.example.org/\")"]
    assert domain_findings(tmp_path, PUBLIC, "digest.example.org") == [
        f"`CNAME` is `digest.example.org` but base_url is `{PUBLIC}`: GitHub Pages will serve the site at "
        "`https://digest.example.org/` (hint: set base_url = \"https://digest.example.org/\")"]
    assert domain_findings(tmp_path / "none", PUBLIC, "") == []


def test_a_file_over_the_size_limit_is_named_in_a_warning(site_copy: Path) -> None:
    limit = max(path.stat().st_size for path in site_copy.rglob("*") if path.is_file())  # the site's own files pass
    (site_copy / "big.bin").write_bytes(b"x" * (limit + 1))
    report = check_site(site_copy, PUBLIC, file_size_limit=limit)
    assert report.findings == []
    megabytes = f"{limit / 1024**2:.0f} MB"
    assert [warning for warning in report.warnings if "refuses files" in warning] == [
        f"`big.bin` is {megabytes}: GitHub refuses files over {megabytes}"]
    assert measure_pages_artifact(site_copy, file_limit=limit + 1).big_files == ()
    assert measure_pages_artifact(site_copy, file_limit=limit).big_files == (("big.bin", limit + 1),)


def test_the_pages_artifact_is_the_tar_github_makes_and_that_tar_deflated(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "papers" / ("a" * 120)).mkdir(parents=True)  # a path over tar's 100 characters takes extra headers
    (site / "index.html").write_bytes(b"<p>home</p>" * 100)
    (site / "papers" / ("a" * 120) / "index.html").write_bytes(bytes(range(256)) * 3)
    (site / "papers" / "empty.bib").write_bytes(b"")
    # The command upload-pages-artifact runs, with its entries in a fixed order (it takes the folder's).
    tar = subprocess.run(["tar", "--dereference", "--hard-dereference", "--sort=name", "--directory", str(site),
                          "-cf", "-", "."], capture_output=True, check=True).stdout
    artifact = measure_pages_artifact(site)
    assert artifact.tar_bytes == len(tar)
    deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    stored = len(deflate.compress(tar) + deflate.flush())
    # Python's tarfile leaves the mode and owner of a long name's extra header empty where GNU tar
    # fills them in: the same bytes in size, a few bytes apart once deflated.
    assert abs(artifact.stored_bytes - stored) <= stored // 100
    assert (artifact.files, artifact.site_bytes) == (3, 1100 + 768)


def test_a_big_artifact_is_a_warning_and_an_impossible_one_a_problem(built: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    report = check_site(built, PUBLIC, artifact_limit=1)
    assert report.findings == []
    assert [warning for warning in report.warnings if "compressed" in warning] == [
        f"the Pages artifact is {report.artifact.stored_bytes / 1024**3:.2f} GB compressed: deploy-pages warns that "
        "a deployment over 0 GB might fail"]
    monkeypatch.setattr(publish, "TAR_SIZE_LIMIT", 1)
    report = check_site(built, PUBLIC, artifact_limit=1)
    assert [finding for finding in report.findings if "tar" in finding] == [
        f"the site packs into a {report.artifact.tar_bytes / 1024**3:.1f} GB tar: GitHub Pages refuses to deploy "
        "more than 0 GB"]


def test_the_check_server_answers_like_github_pages(built: Path) -> None:
    with serve_like_pages(built, "/digest/") as url:
        deep = fetch(url + "a/b/c/missing")
        assert deep.status == 404 and deep.body == (built / "404.html").read_bytes()
        assert fetch(url + "archive").status == 301
        assert fetch(url + "archive/").status == 200
        assert fetch(url + "static/").status == 404  # a folder without index.html is never listed
        assert fetch(url.replace("/digest/", "/index.html")).status == 404  # outside the sub-path
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + "%2e%2e/%2e%2e/etc/passwd")


def test_check_command_builds_checks_and_exits_non_zero_on_a_problem(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "output"
    args = ["check", "--content", str(SAMPLE_CONTENT), "--output", str(output), "--no-cache"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"problems (as served at {PUBLIC})" in out
    assert re.search(r"Size: [\d.]+ MB in \d+ files; the Pages artifact is a [\d.]+ MB tar \(limit 10 GB\), "
                     r"stored as [\d.]+ MB compressed \(deploy-pages warns above 1 GB\)", out)
    next(output.glob("static/app.*.js")).unlink()
    assert main([*args, "--no-build"]) == 1
    captured = capsys.readouterr()
    assert "problem: `/digest/static/app." in captured.err and "Checked" in captured.out


# -- deploy ---------------------------------------------------------------------


def run_git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of a small digest (main branch, one commit) with a bare `origin` beside it; the current folder."""
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Curator\n\temail = curator@example.org\n"
                                        "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = tmp_path / "project"
    (repo / "content" / "papers").mkdir(parents=True)
    shutil.copy(SAMPLE_CONTENT / "site.toml", repo / "content" / "site.toml")
    for record in sorted((SAMPLE_CONTENT / "papers").glob("*.md"))[:4]:
        shutil.copy(record, repo / "content" / "papers" / record.name)
    (repo / ".gitignore").write_text("output/\n.cache/\n")
    run_git(tmp_path, "init", "--quiet", str(repo))
    run_git(repo, "add", ".")
    run_git(repo, "commit", "--quiet", "-m", "Digest sources")
    run_git(tmp_path, "init", "--quiet", "--bare", str(tmp_path / "remote.git"))
    run_git(repo, "remote", "add", "origin", str(tmp_path / "remote.git"))
    monkeypatch.chdir(repo)
    return repo


def deploy(*extra: str) -> int:
    return main(["deploy", "--content", "content", "--output", "output", "--no-cache", *extra])


def checkout_state(repo: Path) -> dict[str, object]:
    """Everything deploy must leave alone: branch, HEAD, index, and every file outside output/."""
    files = {path.relative_to(repo).as_posix(): path.read_bytes() for path in repo.rglob("*")
             if path.is_file() and path.relative_to(repo).parts[0] not in (".git", "output")}
    return {"branch": run_git(repo, "symbolic-ref", "HEAD"), "head": run_git(repo, "rev-parse", "HEAD"),
            "index": run_git(repo, "ls-files", "--stage"), "status": run_git(repo, "status", "--porcelain"),
            "files": files}


def remote_tree(remote: Path, branch: str = "gh-pages") -> dict[str, str]:
    listing = run_git(remote, "ls-tree", "-r", "-z", branch)
    entries = [line.split("\t", 1) for line in listing.split("\0") if line]
    return {path: meta.split()[2] for meta, path in entries}


def built_tree(output: Path) -> dict[str, str]:
    return {path.relative_to(output).as_posix(): blob_id(path.read_bytes()) for path in output.rglob("*") if path.is_file()}


def test_deploy_commits_exactly_the_built_site_and_leaves_the_checkout_alone(project: Path) -> None:
    remote = project.parent / "remote.git"
    before = checkout_state(project)
    assert deploy() == 0
    assert checkout_state(project) == before
    assert remote_tree(remote) == built_tree(project / "output")
    assert ".nojekyll" in remote_tree(remote) and "index.html" in remote_tree(remote)
    assert run_git(remote, "rev-list", "--count", "gh-pages") == "1"
    assert run_git(project, "rev-parse", "gh-pages") == run_git(remote, "rev-parse", "gh-pages")
    source = run_git(project, "rev-parse", "--short", "HEAD")
    assert run_git(remote, "log", "-1", "--format=%s", "gh-pages") == f"Deploy the site built from {source}"


def test_a_second_deploy_adds_one_commit_on_top_of_the_first(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    remote = project.parent / "remote.git"
    assert deploy() == 0
    first = run_git(remote, "rev-parse", "gh-pages")
    record = next((project / "content" / "papers").glob("*.md"))
    replace_in(record, 'title: "', 'title: "Revised: ')
    assert deploy("--message", "Revise a title") == 0
    assert run_git(remote, "rev-list", "--count", "gh-pages") == "2"
    assert run_git(remote, "rev-parse", "gh-pages^") == first
    assert run_git(remote, "log", "-1", "--format=%s", "gh-pages") == "Revise a title"
    assert remote_tree(remote) == built_tree(project / "output")
    # Nothing changed: no empty commit.
    capsys.readouterr()
    assert deploy() == 0
    assert run_git(remote, "rev-list", "--count", "gh-pages") == "2"
    assert "already holds this site" in capsys.readouterr().out


def test_deploy_from_a_clone_without_the_branch_continues_the_remote_history(project: Path) -> None:
    remote = project.parent / "remote.git"
    assert deploy() == 0
    first = run_git(remote, "rev-parse", "gh-pages")
    run_git(project, "branch", "-D", "gh-pages")
    replace_in(next((project / "content" / "papers").glob("*.md")), 'title: "', 'title: "Revised: ')
    assert deploy() == 0
    assert run_git(remote, "rev-parse", "gh-pages^") == first


def test_a_failed_build_deploys_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    remote = project.parent / "remote.git"
    record = next((project / "content" / "papers").glob("*.md"))
    text = record.read_text(encoding="utf-8")
    record.write_text(re.sub(r"^date: .*$", "date: 2025-13-45", text, count=1, flags=re.MULTILINE), encoding="utf-8")
    before = checkout_state(project)
    assert deploy() == 1
    err = capsys.readouterr().err
    assert f"{record.relative_to(project).as_posix()}" in err
    assert "Refusing to deploy: fix the problems above first. `gh-pages` and `origin` are unchanged." in err
    assert run_git(remote, "branch", "--list") == ""
    assert run_git(project, "branch", "--list", "gh-pages") == ""
    assert checkout_state(project) == before


def test_deploy_refuses_an_empty_site_and_the_site_branch_checked_out(project: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DeployError, match="is empty: nothing to deploy"):
        commit_site(project, empty, "gh-pages", "m", None)
    assert run_git(project, "branch", "--list", "gh-pages") == ""
    run_git(project, "checkout", "--quiet", "-b", "gh-pages")
    (empty / "index.html").write_text("<!doctype html>")
    with pytest.raises(DeployError, match="the current branch is `gh-pages`: switch to your source branch first"):
        commit_site(project, empty, "gh-pages", "m", None)


# -- the workflow -----------------------------------------------------------------


def workflow_steps(workflow: dict, job: str) -> list[dict]:  # type: ignore[type-arg]
    return workflow["jobs"][job]["steps"]


def test_the_pages_workflow_uses_the_official_actions_and_the_readme_build_command() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"
    uses = [step["uses"] for job in workflow["jobs"] for step in workflow_steps(workflow, job) if "uses" in step]
    assert uses == ["actions/checkout@v4", "actions/setup-python@v5", "actions/setup-node@v4",
                    "actions/configure-pages@v5", "actions/upload-pages-artifact@v3", "actions/deploy-pages@v4"]
    build_steps = {step.get("uses", step.get("id", step.get("name"))): step for step in workflow_steps(workflow, "build")}
    python = build_steps["actions/setup-python@v5"]["with"]
    assert python == {"python-version": "3.11", "cache": "pip", "cache-dependency-path": "requirements.lock"}
    node = build_steps["actions/setup-node@v4"]["with"]
    assert node["cache"] == "npm"
    assert node["cache-dependency-path"].split() == ["package-lock.json", "themes/default/package-lock.json"]
    for lock in node["cache-dependency-path"].split() + [python["cache-dependency-path"]]:
        assert (ROOT / lock).is_file(), lock
    assert build_steps["actions/configure-pages@v5"]["id"] == "pages"
    runs = [step["run"] for step in workflow_steps(workflow, "build") if "run" in step]
    assert 'make site BASE_URL="${{ steps.pages.outputs.base_url }}/"' in runs
    assert build_steps["actions/upload-pages-artifact@v3"]["with"] == {"path": "output"}
    assert workflow["jobs"]["deploy"]["needs"] == "build"
    assert workflow["jobs"]["deploy"]["environment"]["name"] == "github-pages"


def test_the_makefile_site_target_passes_base_url_to_the_build() -> None:
    """The workflow's build command must reach `--base-url`: dry-run make with the Pages URL."""
    result = subprocess.run(["make", "-n", "site", "BASE_URL=https://u.github.io/r/"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert "build.py build --base-url https://u.github.io/r/" in result.stdout
