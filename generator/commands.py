"""The sub-commands beyond `build`, each defined in the module of its stage."""

from __future__ import annotations

import argparse
from typing import Callable

Command = Callable[[argparse.Namespace], int]
Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], dict[str, Command]]


def registered_commands() -> list[Register]:
    registers: list[Register] = []
    return registers
