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


def registered_commands() -> list[Register]:
    registers: list[Register] = [register_import, register_bench, register_publish, register_email, register_tags,
                                 register_serve]
    return registers
