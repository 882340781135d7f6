#!/usr/bin/env python3
"""Entry point: `python build.py --help` lists the commands."""

from generator.cli import run

if __name__ == "__main__":
    run()
