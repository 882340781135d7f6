"""The sub-commands beyond `build`, each defined in the module of its stage."""

from __future__ import annotations

import argparse
from typing import Callable

Command = Callable[[argparse.Namespace], int]
Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], dict[str, Command]]


def register_import(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> dict[str, Command]:
    from .importers.cli import add_import_command, run_import

    add_import_command(subparsers)
    return {"import": run_import}


def register_bench(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> dict[str, Command]:
    from .bench import add_bench_command, run_bench

    add_bench_command(subparsers)
    return {"bench": run_bench}


def register_publish(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> dict[str, Command]:
    from .publish import register

    return register(subparsers)


def register_email(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> dict[str, Command]:
    from .newsletter import register

    return register(subparsers)


def register_tags(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> dict[str, Command]:
    from .tagtools import register

    return register(subparsers)


def register_serve(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> dict[str, Command]:
    from .serve import register

    return register(subparsers)


COMMANDS: dict[str, Register] = {
    "import": register_import, "bench": register_bench, "check": register_publish, "deploy": register_publish,
    "email": register_email, "tags": register_tags, "serve": register_serve,
}


def registered_commands(command: str | None = None) -> list[Register]:
    """What defines `command`: none for `build`, which the main parser defines; every
    command's when `command` is None or unknown, so `--help` and the error list them all."""
    if command == "build":
        return []
    if command in COMMANDS:
        return [COMMANDS[command]]
    return list(dict.fromkeys(COMMANDS.values()))
