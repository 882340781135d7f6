"""site.toml: a typed config validated at load, every error reported at once with a hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import SiteConfig, load_config

MINIMAL = 'title = "Digest"\nbase_url = "https://user.github.io/digest/"\n'


def load(tmp_path: Path, text: str, base_url: str | None = None) -> tuple[SiteConfig | None, list[str]]:
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    config, errors = load_config(tmp_path, base_url)
    prefix = f"{tmp_path / 'site.toml'}"
    return config, [str(error).removeprefix(prefix) for error in errors]


def test_sample_config_loads() -> None:
    config, errors = load_config(Path(__file__).parent.parent / "content")
    assert errors == []
    assert config is not None
    assert (config.title, config.base_path, config.papers_per_page) == ("Daily Papers Digest", "/digest/", 50)


def test_minimal_config_gets_documented_defaults(tmp_path: Path) -> None:
    config, errors = load(tmp_path, MINIMAL)
    assert errors == []
    assert config is not None
    assert (config.language, config.theme, config.day_order, config.papers_per_page, config.feeds.items) == (
        "en", "default", "upvotes", 50, 50)
    assert (config.base_path, config.origin) == ("/digest/", "https://user.github.io")


def test_base_url_gets_a_trailing_slash_and_can_be_overridden(tmp_path: Path) -> None:
    config, _ = load(tmp_path, 'title = "T"\nbase_url = "https://example.org/sub"\n')
    assert config is not None and config.base_url == "https://example.org/sub/"
    config, _ = load(tmp_path, MINIMAL, base_url="http://127.0.0.1:8000/other")
    assert config is not None and (config.base_url, config.base_path) == ("http://127.0.0.1:8000/other/", "/other/")


@pytest.mark.parametrize(("extra", "expected"), [
    ('titel = "x"\n', ": titel: unknown key `titel`\n    hint: did you mean `title`?"),
    ('paper_per_page = 3\n', ": paper_per_page: unknown key `paper_per_page`\n    hint: did you mean `papers_per_page`?"),
    ('[feeds]\nitem = 3\n', ": feeds.item: unknown key `item`\n    hint: did you mean `items`?"),
    ('[feed]\nitems = 3\n', ": feed: unknown key `feed`\n    hint: did you mean `feeds`?"),
    ('zzz = 1\n', ": zzz: unknown key `zzz`\n    hint: known keys: base_url, curator, day_order, description, feeds, "
                  "language, limits, nav, papers_per_page, publish, search, social, tags, theme, title"),
])
def test_unknown_key_is_rejected_with_a_hint(tmp_path: Path, extra: str, expected: str) -> None:
    config, errors = load(tmp_path, MINIMAL + extra)
    assert config is None
    assert errors == [expected]


@pytest.mark.parametrize(("extra", "expected"), [
    ('papers_per_page = "10"\n', ": papers_per_page: expected a whole number, got a string `'10'`"),
    ('papers_per_page = true\n', ": papers_per_page: expected a whole number, got a boolean `true`"),
    ('papers_per_page = 2.5\n', ": papers_per_page: expected a whole number, got a number `2.5`"),
    ('language = 3\n', ": language: expected a string, got a number `3`"),
    ('nav = "archive"\n', ": nav: expected a list, got a string `'archive'`"),
    ('feeds = 3\n', ": feeds: expected a table, got a number `3`"),
    ('[tags.aliases]\nvlm = 3\n', ": tags.aliases: expected a table of strings, got a table"),
    ('[[nav]]\nlabel = "Home"\n', ": nav[0].url: is required"),
    ('papers_per_page = 0\n', ": papers_per_page: expected a number of at least 1, got 0"),
    ('day_order = "random"\n', ": day_order: expected one of upvotes, title, file, got `random`"),
    ('language = "english language"\n', ": language: expected a language tag such as `en` or `en-GB`, got `english language`"),
    ('theme = "../../etc"\n', ": theme: expected a folder name under `themes/`, got `../../etc`"),
    ('[[nav]]\nlabel = "x"\nurl = "javascript:alert(1)"\n',
     ": nav[0].url: expected a site path such as `/archive/` or an http(s) URL, got `javascript:alert(1)`"),
])
def test_wrong_types_and_values_name_the_key_and_what_was_expected(tmp_path: Path, extra: str, expected: str) -> None:
    config, errors = load(tmp_path, MINIMAL + extra)
    assert config is None
    assert errors == [expected]


@pytest.mark.parametrize(("text", "expected"), [
    ('base_url = "https://e.org/"\n', [": title: is required"]),
    ('title = "T"\n', [": base_url: is required"]),
    ('description = "only this"\n', [": title: is required", ": base_url: is required"]),
    ('title = "  "\nbase_url = "https://e.org/"\n', [": title: must not be empty"]),
])
def test_missing_title_or_base_url(tmp_path: Path, text: str, expected: list[str]) -> None:
    config, errors = load(tmp_path, text)
    assert config is None
    assert errors == expected


@pytest.mark.parametrize("base_url", ["example.org/digest/", "ftp://example.org/", "/digest/", "https://", "file:///tmp/site/"])
def test_bad_base_url(tmp_path: Path, base_url: str) -> None:
    config, errors = load(tmp_path, f'title = "T"\nbase_url = "{base_url}"\n')
    assert config is None
    assert errors == [f": base_url: expected an absolute http(s) URL, got `{base_url}`"
                      "\n    hint: for example `https://user.github.io/digest/`"]


def test_base_url_with_query_is_rejected(tmp_path: Path) -> None:
    _, errors = load(tmp_path, 'title = "T"\nbase_url = "https://e.org/d/?x=1"\n')
    assert errors == [": base_url: must not carry a query or fragment: `https://e.org/d/?x=1`"]


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    text = ('titel = "Digest"\nbase_url = "example.org"\npapers_per_page = "ten"\nday_order = "random"\n'
            '[feeds]\nitems = 0\nnewsletter = "x"\n[[nav]]\nlabel = "About"\n')
    config, errors = load(tmp_path, text)
    assert config is None
    assert sorted(errors) == sorted([
        ": titel: unknown key `titel`\n    hint: did you mean `title`?",
        ": title: is required",
        ": base_url: expected an absolute http(s) URL, got `example.org`\n    hint: for example `https://user.github.io/digest/`",
        ": papers_per_page: expected a whole number, got a string `'ten'`",
        ": day_order: expected one of upvotes, title, file, got `random`",
        ": feeds.items: expected a number of at least 1, got 0",
        ": feeds.newsletter: unknown key `newsletter`\n    hint: did you mean `newsletter_url`?",
        ": nav[0].url: is required",
    ])


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    config, errors = load(tmp_path, MINIMAL + 'description = "unterminated\n')
    assert config is None
    assert errors == [":3: invalid TOML: Illegal character '\\n' (at line 3, column 28)"]


def test_missing_config_file_is_an_error_with_a_hint(tmp_path: Path) -> None:
    config, errors = load_config(tmp_path)
    assert config is None
    assert [str(e) for e in errors] == [f"{tmp_path / 'site.toml'}: the site configuration is missing"
                                        "\n    hint: create `site.toml` with at least `title` and `base_url`"]


@pytest.mark.parametrize("encode", [
    lambda text: b"\xef\xbb\xbf" + text.encode(),
    lambda text: text.replace("\n", "\r\n").encode(),
    lambda text: text.replace("\n", "\r").encode(),
], ids=["bom", "crlf", "cr"])
def test_bom_and_line_ends_are_accepted(tmp_path: Path, encode) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "site.toml").write_bytes(encode(MINIMAL + 'description = "d"\n'))
    config, errors = load_config(tmp_path)
    assert errors == []
    assert config is not None and (config.title, config.description) == ("Digest", "d")


def test_latin1_config_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_bytes((MINIMAL + 'curator = "José"\n').encode("latin-1"))
    config, errors = load_config(tmp_path)
    assert config is None
    assert len(errors) == 1 and errors[0].path == str(tmp_path / "site.toml")
    assert errors[0].message.startswith("not UTF-8 text")
