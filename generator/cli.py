"""Command line: `python build.py COMMAND`. The library logs; this module prints."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Callable

from .errors import BuildError
from .options import STOPPING_ERRORS, BuildOptions, BuildReport
from .parallel import leave_objects_to_exit
from .stamps import check_up_to_date

DEFAULT_CONTENT = Path("content")
DEFAULT_OUTPUT = Path("output")
DEFAULT_CACHE = Path(".cache")

Command = Callable[[argparse.Namespace], int]


def print_progress(step: str, done: int, total: int) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r  {step}: {done}/{total}")
        sys.stderr.flush()
        if done >= total:
            sys.stderr.write("\n")


def add_site_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT, metavar="DIR",
                        help="folder with site.toml and papers/ (default: content)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="DIR",
                        help="folder the site is written to (default: output)")
    parser.add_argument("--base-url", metavar="URL",
                        help="override site.toml's base_url, e.g. https://user.github.io/digest/")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, metavar="DIR",
                        help="build cache folder, outside output/ (default: .cache)")
    parser.add_argument("--no-cache", action="store_true", help="build from scratch and keep no cache")


def build_options(args: argparse.Namespace, **extra: object) -> BuildOptions:
    return BuildOptions(
        content_dir=args.content, output_dir=args.output, base_url=args.base_url,
        cache_dir=None if args.no_cache else args.cache, progress=print_progress, **extra,  # type: ignore[arg-type]
    )


def run_build_reporting(options: BuildOptions) -> BuildReport | None:
    """Build, printing warnings and the summary, or every error; None when the build failed."""
    try:
        report = build_unless_up_to_date(options)
    except BuildError as exc:
        print(exc.report(), file=sys.stderr)
        print(f"The build stopped; `{options.output_dir}` is unchanged.", file=sys.stderr)
        return None
    except STOPPING_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"The build stopped; `{options.output_dir}` is unchanged.", file=sys.stderr)
        return None
    except OSError as exc:  # a full disk, a read-only folder: the writer's staging is already gone
        print(f"error: cannot write the site: {exc}", file=sys.stderr)
        print(f"The build stopped; `{options.output_dir}` is unchanged.", file=sys.stderr)
        return None
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(report.summary())
    return report


def build_unless_up_to_date(options: BuildOptions) -> BuildReport:
    """What `build.py build` runs: the up-to-date check, then, when something changed, the build."""
    check = check_up_to_date(options)
    if check.report is not None:
        return check.report
    # Imported only when there is something to build: the stages' imports take longer
    # than finding a site of 10,000 papers up to date.
    from .pipeline import build

    return build(options, check)


def command_build(args: argparse.Namespace) -> int:
    return 0 if run_build_reporting(build_options(args)) else 1


def make_parser(command: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    """The parser of every command, or of `command` alone when it names one: each other
    command imports its own module to define its arguments, which a build need not wait for."""
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build a research paper digest: paper records in content/ become a static site in output/.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each build step and its time")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    handlers: dict[str, Command] = {}

    build_parser = commands.add_parser("build", help="build the site into output/",
                                       description="Build the site. Exits 1 and lists every content error when a record is invalid; "
                                                   "output/ is then left exactly as it was.")
    add_site_arguments(build_parser)
    handlers["build"] = command_build

    from .commands import registered_commands

    for register in registered_commands(command):
        handlers.update(register(commands))
    return parser, handlers


def command_named(argv: list[str]) -> str | None:
    """The command `argv` names: its first word that is not an option (the options before
    a command take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def run() -> None:
    """Entry point of `build.py` and of the installed `paper-digest` script."""
    code = main()
    leave_objects_to_exit()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, handlers = make_parser(command_named(argv))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(name)s: %(message)s")
    stop_on_sigterm()
    try:
        return handlers[args.command](args)
    except Terminated:
        print("\nterminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, like Ctrl+C."""


def stop_on_sigterm() -> None:
    """Make SIGTERM unwind the build like Ctrl+C does.

    Its default action ends the process at once, leaving the writer's staging
    folder behind (issue 11); as an exception, every `with` block cleans up.
    A forked render worker still dies at once, as its parent expects.
    """
    main_pid = os.getpid()

    def handler(signum: int, frame: object) -> None:
        if os.getpid() != main_pid:
            os._exit(128 + signum)
        raise Terminated

    signal.signal(signal.SIGTERM, handler)
