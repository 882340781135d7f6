"""`python build.py serve`: the preview server on the command line. This module prints."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import webbrowser
from pathlib import Path
from typing import Any, Callable

from .changes import Change
from .handler import is_wildcard
from .server import DEFAULT_HOST, DEFAULT_PORT, BuildOutcome, PreviewServer, ServeOptions

DEFAULT_SERVE_OUTPUT = Path(".cache") / "serve-output"
DEFAULT_SERVE_CACHE = Path(".cache") / "serve"

Command = Callable[[argparse.Namespace], int]


def register(subparsers: Any) -> dict[str, Command]:
    parser = subparsers.add_parser(
        "serve", help="build, serve and rebuild on every change, with live reload in the browser",
        description="Build the site into a preview folder, serve it on this machine, and rebuild what changed "
                    "whenever a record, a day introduction, site.toml or the theme changes. Pages reload by "
                    "themselves; a failing build is shown in the terminal and over the page.")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="folder with site.toml and papers/ (default: content)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default: {DEFAULT_HOST}; 0.0.0.0 exposes the preview to the network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--open", action="store_true", help="open the site in the web browser")
    parser.add_argument("--output", type=Path, default=DEFAULT_SERVE_OUTPUT, metavar="DIR",
                        help=f"the preview's own build folder, never output/ (default: {DEFAULT_SERVE_OUTPUT})")
    parser.add_argument("--cache", type=Path, default=DEFAULT_SERVE_CACHE, metavar="DIR",
                        help=f"the preview's build cache (default: {DEFAULT_SERVE_CACHE})")
    return {"serve": run_serve}


def describe_changes(changes: tuple[Change, ...]) -> str:
    if len(changes) == 1:
        return f"{changes[0].kind.value} `{changes[0].path}` changed"
    return f"{len(changes)} files changed"


def print_outcome(outcome: BuildOutcome) -> None:
    if not outcome.ok:
        print(outcome.details, file=sys.stderr)
        print("The site was not rebuilt; the last good build is still served.", file=sys.stderr, flush=True)
        return
    assert outcome.report is not None
    for warning in outcome.report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not outcome.changes:
        print(outcome.report.summary(), flush=True)
        return
    result = (f"{len(outcome.report.written)} files written, {len(outcome.report.removed)} removed"
              if outcome.changed_files else "no file changed")
    count = len(outcome.quick_pages)
    shown = (f"{count} page{'' if count == 1 else 's'} shown in {outcome.quick_seconds:.2f} s, "
             if outcome.quick_seconds is not None else "")
    print(f"{describe_changes(outcome.changes)}: {shown}rebuilt in {outcome.seconds:.2f} s, {result}", flush=True)


def wildcard_warning(host: str) -> str | None:
    if not is_wildcard(host):
        return None
    return (f"warning: listening on `{host or '*'}` makes the preview reachable from other machines on the network; "
            "use 127.0.0.1 unless you mean that")


def run_serve(args: argparse.Namespace) -> int:
    if args.port < 0 or args.port > 65535:
        print(f"error: --port must be between 0 and 65535, got {args.port}", file=sys.stderr)
        return 2
    if args.output.absolute() == Path("output").absolute():
        print("error: the preview builds into its own folder, with the reload client in every page; "
              "pick another `--output` than output/", file=sys.stderr)
        return 2
    warning = wildcard_warning(args.host)
    if warning:
        print(warning, file=sys.stderr)
    server = PreviewServer(ServeOptions(args.content, args.output, args.cache, args.host, args.port), print_outcome)
    try:
        try:
            server.start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                print(f"error: port {args.port} on {args.host} is in use; pick another with `--port`, "
                      "or `--port 0` for any free one", file=sys.stderr)
            else:
                print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"Serving {server.url} (Ctrl+C to stop)", flush=True)
        if args.open:
            webbrowser.open(server.url)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl+C while closing would print a traceback from the middle of the clean-up.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            finished = server.stop()
        finally:
            signal.signal(signal.SIGINT, previous)
    if not finished:
        print("A rebuild was still running; the preview folder is brought up to date on the next start.",
              file=sys.stderr)
    print("Stopped.", flush=True)
    return 0
