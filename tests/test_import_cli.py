"""`python build.py import ...`: arguments, output, exit status."""

from __future__ import annotations

import argparse
import io
import socket
from pathlib import Path

import pytest

from generator.importers.cli import add_import_command

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def main(argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="build.py")
    add_import_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out = io.StringIO()
    status = args.handler(args, out)
    return status, out.getvalue()


def test_import_then_dry_run_of_a_change(tmp_path: Path) -> None:
    content = tmp_path / "content"
    status, out = main(["import", "hf", str(FIXTURES / "hf_daily_papers_2026-07-15.json"), "--content", str(content), "--tag", "Weekly Pick"])
    assert status == 0
    assert out.splitlines() == [
        f"created         {content / 'papers' / '2607.11886.md'}",
        f"created         {content / 'papers' / '2607.11111.md'}",
        "2 created, 0 updated, 0 unchanged, 0 skipped, 0 conflicts",
    ]
    assert 'tags: ["weekly-pick"]' in (content / "papers" / "2607.11886.md").read_text(encoding="utf-8")

    changed = tmp_path / "changed.json"
    changed.write_text((FIXTURES / "hf_daily_papers_2026-07-15.json").read_text(encoding="utf-8").replace('"upvotes": 24', '"upvotes": 30'), encoding="utf-8")
    before = (content / "papers" / "2607.11886.md").read_bytes()
    status, out = main(["import", "hf", str(changed), "--content", str(content), "--dry-run", "--list-unchanged"])
    assert status == 0
    assert out.splitlines() == [
        f"would update    {content / 'papers' / '2607.11886.md'}",
        "    upvotes: 24 -> 30",
        f"unchanged       {content / 'papers' / '2607.11111.md'}",
        "dry run, nothing written: 0 created, 1 updated, 1 unchanged, 0 skipped, 0 conflicts",
    ]
    assert (content / "papers" / "2607.11886.md").read_bytes() == before


def test_skipped_entries_make_the_status_1(tmp_path: Path) -> None:
    status, out = main(["import", "hf", str(FIXTURES / "hf_daily_papers_2025-01-10_wrapped_python_repr.json"), "--content", str(tmp_path)])
    assert status == 1
    assert out.splitlines()[0].startswith("skipped         ")
    assert out.splitlines()[-1] == "0 created, 0 updated, 0 unchanged, 1 skipped, 0 conflicts"


def test_strict(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "2501.00001", "title": "Fine"}\nnot json\n', encoding="utf-8")
    status, out = main(["import", "jsonl", str(bad), "--content", str(tmp_path / "content"), "--strict"])
    assert status == 1
    assert out.splitlines() == [
        f"skipped         {bad}:2: invalid JSON: Expecting value at column 1",
        "--strict: 1 bad entry; nothing was written",
    ]
    assert not (tmp_path / "content").exists()


def test_conflicts_are_listed(tmp_path: Path) -> None:
    content = tmp_path / "content"
    main(["import", "hf", str(FIXTURES / "hf_daily_papers_2026-07-15.json"), "--content", str(content)])
    record = content / "papers" / "2607.11886.md"
    record.write_text(record.read_text(encoding="utf-8").replace("upvotes: 24", "upvotes: 1"), encoding="utf-8")
    changed = tmp_path / "changed.json"
    changed.write_text((FIXTURES / "hf_daily_papers_2026-07-15.json").read_text(encoding="utf-8").replace('"upvotes": 24', '"upvotes": 30'), encoding="utf-8")
    status, out = main(["import", "hf", str(changed), "--content", str(content)])
    assert status == 0
    assert f"conflict        {record}: upvotes: kept your 1; the source now says 30" in out.splitlines()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "arxiv", "x.xml", "--year", "2024"], "--year does not apply to `arxiv` (only to seed)"),
        (["import", "seed", "page.txt", "--limit", "3"], "--limit does not apply to `seed` (only to arxiv-oai)"),
        (["import", "arxiv"], "give at least one INPUT or --query"),
        (["import", "bibtex"], "give at least one INPUT"),
        (["import", "jsonl", "x", "--date", "2025-13-01"], "argument --date: expected a date YYYY-MM-DD, got `2025-13-01`"),
        (["import", "pdf", "x"], "argument SOURCE_KIND: invalid choice: 'pdf'"),
    ],
)
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_help_lists_the_source_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    help_text = capsys.readouterr().out
    for kind in ("arxiv", "hf", "bibtex", "arxiv-oai", "jsonl", "seed"):
        assert f"\n  {kind} " in help_text


def test_offline_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    status, _ = main(["import", "arxiv", "2503.10000", "--content", str(tmp_path), "--api-url", f"http://127.0.0.1:{port}/q", "--delay", "0"])
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach `http://127.0.0.1:")
    assert err.count("\n") == 1
