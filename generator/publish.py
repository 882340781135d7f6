"""Publishing on GitHub Pages: `check` (a publishing doctor) and `deploy` (commit output/ to a branch).

`check` serves the built folder the way GitHub Pages does (under the configured
sub-path, `404.html` for every missing URL, no directory listings) and crawls
it with `linkcheck`. `deploy` builds, checks, then writes `output/` as one new
commit on the Pages branch with git plumbing: a temporary index file, so the
working tree, the real index and the current branch are never touched.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import logging
import os
import posixpath
import subprocess
import sys
import tarfile
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .config import load_config
from .errors import BuildError
from .linkcheck import SiteCrawler

logger = logging.getLogger(__name__)

# How GitHub's Pages actions hold a site to its limits: upload-pages-artifact packs the folder into
# one tar, upload-artifact stores that tar deflated at level 6, and deploy-pages warns that the
# deployment "might fail" when the stored artifact passes 1 GiB; Pages refuses a tar over 10 GB.
# A branch deploy goes through the same actions. git refuses a file over 100 MB.
ARTIFACT_SIZE_LIMIT = 1024**3
TAR_SIZE_LIMIT = 10 * 1024**3
FILE_SIZE_LIMIT = 100 * 1024**2
ARTIFACT_COMPRESSION = 6


@dataclass
class CheckReport:
    findings: list[str] = field(default_factory=list)
    """Problems that break the published site: `check` exits non-zero on any."""
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    urls: int = 0
    artifact: PagesArtifact | None = None

    def summary(self) -> str:
        problems = f"{len(self.findings)} problem{'s' if len(self.findings) != 1 else ''}"
        return f"Checked {self.urls} URLs on {self.pages} pages: {problems}"


# -- serving like GitHub Pages ----------------------------------------------------


class PagesHandler(http.server.SimpleHTTPRequestHandler):
    """Serve `directory` at `base_path` as GitHub Pages does: `404.html` for anything missing."""

    base_path = "/"

    def __init__(self, *args: object, base_path: str, **kwargs: object) -> None:
        self.base_path = base_path
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def site_relative(self, path: str) -> str | None:
        """The file path below the served folder, or None for a URL outside the site."""
        site_path = unquote(urlsplit(path).path)
        if not site_path.startswith(self.base_path) or "\x00" in site_path:
            return None
        relative = posixpath.normpath(site_path[len(self.base_path):] or ".")
        return None if relative.startswith("..") else relative

    def send_head(self):  # type: ignore[no-untyped-def]
        if self.site_relative(self.path) is None:
            self.send_error(404)
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        relative = self.site_relative(path) or "."
        full = os.path.join(self.directory, relative)
        # Keep the trailing slash: it tells the stdlib handler a folder was asked for.
        return full + "/" if urlsplit(path).path.endswith("/") and relative != "." else full

    def list_directory(self, path: str | os.PathLike[str]) -> None:  # type: ignore[override]
        self.send_error(404)
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        logger.debug("serve: " + format, *args)


@contextmanager
def serve_like_pages(site_dir: Path, base_path: str) -> Iterator[str]:
    """Serve `site_dir` on 127.0.0.1 at `base_path`; yields the served root URL."""
    handler = functools.partial(PagesHandler, directory=str(site_dir), base_path=base_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()


# -- the publishing doctor ----------------------------------------------------------


def check_site(site_dir: Path, base_url: str, cname: str = "",
               artifact_limit: int = ARTIFACT_SIZE_LIMIT, file_size_limit: int = FILE_SIZE_LIMIT) -> CheckReport:
    """Everything that would break `site_dir` once published at `base_url` on GitHub Pages."""
    report = CheckReport()
    if not (site_dir / "index.html").is_file():
        report.findings.append(f"`{site_dir}` has no `index.html`: build the site first (`python build.py build`)")
        return report
    report.findings.extend(folder_findings(site_dir))
    report.findings.extend(domain_findings(site_dir, base_url, cname))
    artifact = measure_pages_artifact(site_dir, file_size_limit)
    report.artifact = artifact
    report.warnings.extend(f"`{path}` is {size / 1024**2:.0f} MB: GitHub refuses files over "
                           f"{file_size_limit / 1024**2:.0f} MB" for path, size in artifact.big_files)
    if artifact.tar_bytes > TAR_SIZE_LIMIT:
        report.findings.append(f"the site packs into a {artifact.tar_bytes / 1024**3:.1f} GB tar: GitHub Pages "
                               f"refuses to deploy more than {TAR_SIZE_LIMIT / 1024**3:.0f} GB")
    elif artifact.stored_bytes > artifact_limit:
        report.warnings.append(f"the Pages artifact is {artifact.stored_bytes / 1024**3:.2f} GB compressed: "
                               f"deploy-pages warns that a deployment over {artifact_limit / 1024**3:.0f} GB "
                               "might fail")
    base_path = urlsplit(base_url).path or "/"
    with serve_like_pages(site_dir, base_path) as served_url:
        crawl = SiteCrawler(served_url, base_url).crawl()
    report.findings.extend(str(finding) for finding in crawl.findings)
    report.pages, report.urls = crawl.pages, len(crawl.fetched)
    return report


def folder_findings(site_dir: Path) -> list[str]:
    """Jekyll drops files and folders starting with `_` unless `.nojekyll` is at the root."""
    if (site_dir / ".nojekyll").is_file():
        return []
    hidden: list[str] = []
    for path in sorted(site_dir.rglob("_*")):
        relative = path.relative_to(site_dir).as_posix()
        if not any(relative.startswith(outer + "/") for outer in hidden):
            hidden.append(relative)
    if not hidden:
        return []
    shown = ", ".join(f"`{name}`" for name in hidden[:5]) + (f" and {len(hidden) - 5} more" if len(hidden) > 5 else "")
    return [f"there is no `.nojekyll`, so GitHub Pages' Jekyll step would drop what starts with `_`: {shown} "
            "(hint: the build writes `.nojekyll`; rebuild)"]


def domain_findings(site_dir: Path, base_url: str, cname: str) -> list[str]:
    """A custom domain serves the site at its root: base_url must name that domain and no sub-path."""
    written = (site_dir / "CNAME").read_text(encoding="utf-8").strip() if (site_dir / "CNAME").is_file() else ""
    domain = written or cname
    if not domain:
        return []
    parts = urlsplit(base_url)
    findings = []
    if written != cname and cname:
        findings.append(f"`CNAME` holds `{written}` but site.toml's `publish.cname` is `{cname}`: rebuild")
    if parts.hostname != domain:
        findings.append(f"`CNAME` is `{domain}` but base_url is `{base_url}`: GitHub Pages will serve the site at "
                        f"`https://{domain}/` (hint: set base_url = \"https://{domain}/\")")
    elif (parts.path or "/") != "/":
        findings.append(f"base_url `{base_url}` has the path `{parts.path}`, but a custom domain serves the site "
                        f"at its root (hint: base_url = \"https://{domain}/\")")
    return findings


@dataclass(frozen=True)
class PagesArtifact:
    """What GitHub Pages holds a site to: its tar, and that tar as upload-artifact stores it."""

    files: int
    site_bytes: int
    tar_bytes: int
    stored_bytes: int
    big_files: tuple[tuple[str, int], ...]
    """(path, bytes) of each file over the size asked about."""

    def describe(self) -> str:
        return (f"{self.site_bytes / 1e6:.1f} MB in {self.files} files; the Pages artifact is a "
                f"{self.tar_bytes / 1e6:.1f} MB tar (limit {TAR_SIZE_LIMIT / 1024**3:.0f} GB), stored as "
                f"{self.stored_bytes / 1e6:.1f} MB compressed (deploy-pages warns above "
                f"{ARTIFACT_SIZE_LIMIT / 1024**3:.0f} GB)")


class _PackedSize:
    """A write-only file that counts the bytes written to it and what deflate makes of them."""

    def __init__(self) -> None:
        self.written = 0
        self.compressed = 0
        self._deflate = zlib.compressobj(ARTIFACT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)

    def write(self, data: bytes) -> int:
        self.written += len(data)
        self.compressed += len(self._deflate.compress(data))
        return len(data)

    def close(self) -> None:
        self.compressed += len(self._deflate.flush())


def measure_pages_artifact(site_dir: Path, file_limit: int = FILE_SIZE_LIMIT) -> PagesArtifact:
    """Pack `site_dir` as upload-pages-artifact does (a GNU tar that follows links) and deflate it at
    upload-artifact's default level, counting bytes instead of keeping them, and note the files
    over `file_limit`. Many small files cost more than their bytes: each has a 512-byte header and
    fills whole 512-byte blocks."""
    sink = _PackedSize()
    files = site_bytes = 0
    big_files: list[tuple[str, int]] = []
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.GNU_FORMAT, dereference=True) as tar:  # type: ignore[call-overload]
        tar.addfile(tar.gettarinfo(site_dir, arcname="."))
        for path in sorted(site_dir.rglob("*")):
            relative = path.relative_to(site_dir).as_posix()
            entry = tar.gettarinfo(path, arcname="./" + relative)
            if entry.isreg():
                files += 1
                site_bytes += entry.size
                if entry.size > file_limit:
                    big_files.append((relative, entry.size))
                with path.open("rb") as data:
                    tar.addfile(entry, data)
            else:
                tar.addfile(entry)
    sink.close()
    return PagesArtifact(files, site_bytes, sink.written, sink.compressed, tuple(big_files))


# -- deploying to a branch ----------------------------------------------------------


class DeployError(Exception):
    """Deploying stopped; the message says what, if anything, changed."""


@dataclass(frozen=True)
class DeployResult:
    commit: str
    parent: str | None
    changed: bool
    """False when the branch already held exactly this site (no commit was made)."""


def git(repo: Path, *args: str, input_text: str | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], input=input_text, capture_output=True, text=True,
                            env=env, check=False)
    if check and result.returncode != 0:
        raise DeployError(f"`git {' '.join(args)}` failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def git_succeeds(repo: Path, *args: str) -> bool:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False).returncode == 0


def site_files(site_dir: Path) -> list[str]:
    """Every file of the built site, as sorted POSIX paths; refuses what a commit cannot hold as-is."""
    files: list[str] = []
    for path in site_dir.rglob("*"):
        relative = path.relative_to(site_dir).as_posix()
        if path.is_symlink():
            raise DeployError(f"`{relative}` in `{site_dir}` is a symbolic link: refusing to publish it")
        if path.is_file():
            if "\n" in relative or "\t" in relative:
                raise DeployError(f"`{relative!r}` has a line break or tab in its name: refusing to publish it")
            files.append(relative)
    return sorted(files)


def write_site_tree(repo: Path, site_dir: Path) -> str:
    """Store every file of `site_dir` in `repo` and return the tree id, through a temporary index."""
    files = site_files(site_dir)
    if not files:
        raise DeployError(f"`{site_dir}` is empty: nothing to deploy")
    # --no-filters: the site goes up byte for byte, whatever .gitattributes say about line ends.
    blobs = git(repo, "hash-object", "-w", "--no-filters", "--stdin-paths",
                input_text="".join(f"{site_dir.absolute() / name}\n" for name in files)).split("\n")
    with tempfile.TemporaryDirectory(prefix="deploy-index-") as folder:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(folder) / "index")}
        git(repo, "update-index", "--add", "-z", "--index-info", env=env,
            input_text="".join(f"100644 {blob}\t{name}\0" for blob, name in zip(blobs, files)))
        return git(repo, "write-tree", env=env)


def remote_branch_tip(repo: Path, remote: str, branch: str) -> str | None:
    """The remote's tip of `branch`, fetched so a new commit can build on it; None if it has none."""
    listed = git(repo, "ls-remote", "--heads", remote, f"refs/heads/{branch}")
    if not listed:
        return None
    tip = listed.split()[0]
    if not git_succeeds(repo, "cat-file", "-e", f"{tip}^{{commit}}"):
        git(repo, "fetch", "--quiet", "--no-tags", remote, f"refs/heads/{branch}")
    return tip


def commit_site(repo: Path, site_dir: Path, branch: str, message: str, parent: str | None) -> DeployResult:
    """Commit `site_dir` on `branch` (after `parent`) and move the branch; nothing else changes."""
    current = git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if current == branch:
        raise DeployError(f"the current branch is `{branch}`: switch to your source branch first "
                          f"(`{branch}` only holds the built site)")
    tree = write_site_tree(repo, site_dir)
    if parent and git(repo, "rev-parse", f"{parent}^{{tree}}") == tree:
        local_tip = git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
        if local_tip != parent:
            git(repo, "update-ref", "-m", "deploy: catch up with the remote", f"refs/heads/{branch}", parent)
        return DeployResult(parent, parent, changed=False)
    commit = git(repo, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message)
    old = git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
    # The old value makes the update refuse if the branch moved meanwhile.
    git(repo, "update-ref", "-m", f"deploy: {message}", f"refs/heads/{branch}", commit, old)
    return DeployResult(commit, parent, changed=True)


def deploy_site(repo: Path, site_dir: Path, remote: str, branch: str, message: str) -> DeployResult:
    """Commit `site_dir` onto `branch`, continuing the remote's history, and push it."""
    if remote not in git(repo, "remote").split():
        raise DeployError(f"there is no remote `{remote}` (hint: `git remote add {remote} URL`, or pass --remote)")
    parent = remote_branch_tip(repo, remote, branch) or \
        (git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False) or None)
    result = commit_site(repo, site_dir, branch, message, parent)
    try:
        git(repo, "push", "--quiet", remote, f"refs/heads/{branch}:refs/heads/{branch}")
    except DeployError as exc:
        raise DeployError(f"the site is committed on your local `{branch}` ({result.commit[:12]}) but pushing it "
                          f"failed; run deploy again once `{remote}` accepts it. {exc}") from exc
    return result


def default_message(repo: Path) -> str:
    source = git(repo, "rev-parse", "--short", "HEAD", check=False)
    return f"Deploy the site built from {source}" if source else "Deploy the site"


# -- commands -------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Callable[[argparse.Namespace], int]]:
    from .cli import add_site_arguments

    check_parser = subparsers.add_parser(
        "check", help="check the built site as GitHub Pages will serve it",
        description="Build the site (or use output/ with --no-build), serve it locally under its configured "
                    "sub-path and report every link, asset, feed or search data URL that does not answer, links "
                    "that ignore the sub-path, and a 404 page that breaks at depth; print the site's size as "
                    "GitHub Pages measures it (its tar, and that tar compressed) and warn near its limits. "
                    "Exits 1 on any problem.")
    add_site_arguments(check_parser)
    check_parser.add_argument("--no-build", action="store_true", help="check output/ as it is, without building")

    deploy_parser = subparsers.add_parser(
        "deploy", help="build, check, commit output/ to the gh-pages branch and push it",
        description="Build and check the site, then commit output/ as one new commit on a branch (keeping its "
                    "history) without touching the working tree, the index or the current branch, and push it.")
    add_site_arguments(deploy_parser)
    deploy_parser.add_argument("--remote", default="origin", help="remote to push to (default: origin)")
    deploy_parser.add_argument("--branch", default="gh-pages", help="branch holding the site (default: gh-pages)")
    deploy_parser.add_argument("--message", "-m", metavar="M", help="commit message (default: names the source commit)")
    return {"check": run_check, "deploy": run_deploy}


def _build_and_check(args: argparse.Namespace, build_first: bool) -> bool:
    """Build (unless told not to) and check `args.output`, printing what was found; True if all is well."""
    from .cli import build_options, run_build_reporting

    if build_first and run_build_reporting(build_options(args)) is None:
        return False
    config, errors = load_config(args.content, args.base_url)
    if config is None:
        print(BuildError(errors).report(), file=sys.stderr)
        return False
    report = check_site(args.output, config.base_url, config.publish.cname)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for finding in report.findings:
        print(f"problem: {finding}", file=sys.stderr)
    print(f"{report.summary()} (as served at {config.base_url})")
    if report.artifact is not None:
        print(f"Size: {report.artifact.describe()}")
    return not report.findings


def run_check(args: argparse.Namespace) -> int:
    return 0 if _build_and_check(args, build_first=not args.no_build) else 1


def run_deploy(args: argparse.Namespace) -> int:
    repo_text = git(Path.cwd(), "rev-parse", "--show-toplevel", check=False)
    if not repo_text:
        print("error: deploy works inside a git repository (hint: run it from your clone of the digest)", file=sys.stderr)
        return 1
    repo = Path(repo_text)
    if not _build_and_check(args, build_first=True):
        print(f"Refusing to deploy: fix the problems above first. `{args.branch}` and `{args.remote}` are unchanged.",
              file=sys.stderr)
        return 1
    try:
        result = deploy_site(repo, args.output, args.remote, args.branch, args.message or default_message(repo))
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if result.changed:
        print(f"Deployed {result.commit[:12]} to `{args.branch}` on `{args.remote}`.")
    else:
        print(f"`{args.branch}` already holds this site ({result.commit[:12]}); pushed it to `{args.remote}`.")
    return 0
