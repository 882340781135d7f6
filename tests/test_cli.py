"""The command line's parser: every command listed, and only the named command's module loaded."""

from __future__ import annotations

import pytest

from generator.cli import command_named, main, make_parser

COMMANDS = ["build", "import", "bench", "check", "deploy", "email", "tags", "serve"]


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("    ")
              and not line.startswith("     ")]
    assert listed == COMMANDS


def test_an_unknown_command_is_refused_with_every_choice(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["-v", "publish"])
    assert exited.value.code == 2
    choices = ", ".join(f"'{name}'" for name in COMMANDS)
    assert f"invalid choice: 'publish' (choose from {choices})" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "command"), [
    (["build", "--content", "x"], "build"),
    (["-v", "tags", "--suggest"], "tags"),
    (["--verbose", "check", "--no-build"], "check"),
    (["--help"], None),
    ([], None),
])
def test_the_command_is_the_first_word_that_is_not_an_option(argv: list[str], command: str | None) -> None:
    assert command_named(argv) == command


@pytest.mark.parametrize(("command", "handled"), [
    ("build", {"build"}),
    ("tags", {"build", "tags"}),
    ("deploy", {"build", "check", "deploy"}),  # defined together, in publish.py
    (None, set(COMMANDS)),
    ("unknown", set(COMMANDS)),
])
def test_only_the_named_command_is_defined(command: str | None, handled: set[str]) -> None:
    _parser, handlers = make_parser(command)
    assert set(handlers) == handled


def test_a_named_command_parses_its_own_options() -> None:
    parser, handlers = make_parser("tags")
    args = parser.parse_args(["tags", "--suggest"])
    assert args.command == "tags" and args.suggest and "tags" in handlers
