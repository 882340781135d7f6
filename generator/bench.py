"""Benchmark (filled below)."""
from __future__ import annotations
import argparse
def add_bench_command(subparsers) -> None:  # type: ignore[no-untyped-def]
    subparsers.add_parser("bench", help="measure build speed on a generated corpus")
def run_bench(args: argparse.Namespace) -> int:
    return 1
