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


def registered_commands() -> list[Register]:
    registers: list[Register] = [register_import, register_bench]
    return registers
