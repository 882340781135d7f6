"""Record text to HTML: fixtures for exact output, then the guarantees around them
(ids, limits, pathological input, untrusted text, valid MathML)."""

from __future__ import annotations

import json
import multiprocessing
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import jinja2
import lxml.html
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it.utils import read_fixture_file

from generator import markdown
from generator.markdown import MarkdownRenderer, RenderedText, RenderTimeout, highlight_stylesheet

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
VNU_JAR = Path(__file__).parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
RENDERER = MarkdownRenderer()


def fixture_cases(name: str) -> list[pytest.param]:
    """One case per fixture, named by its title's line so a failure points at the file."""
    return [
        pytest.param(source, expected, id=f"{name}:{line}: {title}")
        for line, title, source, expected in read_fixture_file(FIXTURES / name)
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    fixture_cases("block.md") + fixture_cases("links.md") + fixture_cases("math.md"),
)
def test_render_block_fixture(source: str, expected: str) -> None:
    assert RENDERER.render_block(source, id_prefix="p-").html.rstrip("\n") == expected.rstrip("\n")


@pytest.mark.parametrize(("source", "expected"), fixture_cases("inline.md"))
def test_render_inline_fixture(source: str, expected: str) -> None:
    assert RENDERER.render_inline(source).html == expected.rstrip("\n")


@pytest.mark.parametrize(("source", "expected"), fixture_cases("text.md"))
def test_plain_text_fixture(source: str, expected: str) -> None:
    assert RENDERER.render_block(source, id_prefix="p-").text == expected.rstrip("\n")


def test_title_text_keeps_tex_and_drops_markup() -> None:
    rendered = RENDERER.render_inline("Learning *sparse* `codes` with $\\alpha$-divergences")
    assert rendered.text == "Learning sparse codes with \\alpha-divergences"
    assert rendered.warnings == ()


def test_unconvertible_formula_adds_one_warning() -> None:
    rendered = RENDERER.render_block("Broken $\\frac{$ and fine $x$.", id_prefix="p-")
    assert rendered.warnings == ("formula `\\frac{` could not be converted to MathML; kept as source",)


def test_clean_text_has_no_warnings() -> None:
    assert RENDERER.render_block("Fine $x^2$ text.", id_prefix="p-").warnings == ()


def test_two_texts_on_one_page_have_distinct_ids() -> None:
    source = "A claim[^1] and a second[^2].\n\n[^1]: One.\n[^2]: Two.\n"
    page = "".join(
        RENDERER.render_block(source, id_prefix=prefix).html
        for prefix in ("abstract-2503.10000-", "notes-2503.10000-", "notes-2503.10001-")
    )
    ids = re.findall(r'\bid="([^"]*)"', page)
    assert len(ids) == 12
    assert len(set(ids)) == len(ids)
    # Every fragment link points at an id on the page.
    assert set(re.findall(r'href="#([^"]*)"', page)) <= set(ids)


def test_record_text_cannot_set_ids_or_names() -> None:
    source = '# Head {#x}\n\n[^a"id="x]: note\n\n<a name="x" id="x">a</a> [b](#x){#y}\n'
    html = RENDERER.render_block(source, id_prefix="p-").html
    assert re.findall(r'\s(?:id|name)="', html) == []


def test_id_prefix_with_whitespace_is_refused() -> None:
    with pytest.raises(ValueError, match="id prefix `a b` contains whitespace"):
        RENDERER.render_block("text", id_prefix="a b")


def test_input_over_the_limit_is_a_clear_error() -> None:
    renderer = MarkdownRenderer(max_input_chars=10)
    with pytest.raises(ValueError) as raised:
        renderer.render_block("x" * 11, id_prefix="p-")
    assert str(raised.value) == (
        "text is 11 characters long, over the limit of 10; shorten it or raise `max_input_chars`"
    )
    with pytest.raises(ValueError, match="over the limit of 10"):
        renderer.render_inline("y" * 11)
    assert renderer.render_block("x" * 10, id_prefix="p-").text == "x" * 10


def test_slow_render_stops_with_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(range(0, 1000, 10))  # every look at the clock is ten seconds later
    monkeypatch.setattr(markdown, "monotonic", lambda: next(ticks))
    with pytest.raises(RenderTimeout, match="longer than 5.0 s") as raised:
        MarkdownRenderer().render_block("one\n\ntwo", id_prefix="p-")
    assert isinstance(raised.value, ValueError)  # callers report it like any content error


def test_excess_nesting_is_reported() -> None:
    rendered = RENDERER.render_block("> " * 30 + "deep", id_prefix="p-")
    assert rendered.warnings == ("blocks nested deeper than 20 levels; the innermost content was dropped",)
    assert "deep" not in rendered.html


def test_nesting_within_the_limit_is_kept_without_warning() -> None:
    rendered = RENDERER.render_block("> " * 18 + "deep", id_prefix="p-")
    assert rendered.warnings == ()
    assert "<p>deep</p>" in rendered.html


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.org/a", True),
        ("HTTP://EXAMPLE.ORG", True),
        ("mailto:someone@example.org", True),
        ("../relative/page.html", True),
        ("#fragment", True),
        ("?query=1", True),
        ("/path:with:colons", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("&#106;avascript:alert(1)", False),
        ("java%0Ascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("vbscript:msgbox(1)", False),
        ("data:text/html,<script>", False),
        ("data:image/png;base64,AA", False),
        ("file:///etc/passwd", False),
        ("tel:123", False),
    ],
)
def test_link_scheme_allow_list(url: str, allowed: bool) -> None:
    assert markdown.is_allowed_url(url) is allowed


@pytest.mark.parametrize(
    "language",
    ['"><script>alert(1)</script>', "../../etc/passwd", 'python" onload="x', "x" * 5000, "&quot;&lt;", "{{ x }}"],
)
def test_hostile_fence_language_falls_back_to_plain_text(language: str) -> None:
    html = RENDERER.render_block(f"~~~{language}\nx < y\n~~~\n", id_prefix="p-").html
    assert html == '<div class="highlight"><pre><span></span><code>x &lt; y\n</code></pre></div>\n'


def test_control_characters_are_dropped() -> None:
    rendered = RENDERER.render_block("a\x00b\x01c\x7fd\ufffee [x](\x01javascript:alert(1))", id_prefix="p-")
    assert rendered.html == "<p>abcde [x](javascript:alert(1))</p>\n"


def test_template_syntax_is_not_evaluated_when_marked_safe() -> None:
    rendered = RENDERER.render_block("{{ 7*7 }} {% if true %}yes{% endif %}", id_prefix="p-")
    template = jinja2.Environment(autoescape=True).from_string("<main>{{ body|safe }}</main>")
    page = template.render(body=rendered.html)
    assert page == "<main><p>{{ 7*7 }} {% if true %}yes{% endif %}</p>\n</main>"


def _render_in_child(queue: multiprocessing.Queue[RenderedText]) -> None:
    queue.put(RENDERER.render_block("In a *worker* with $x^2$.", id_prefix="p-"))


def test_renderer_works_in_a_forked_worker() -> None:
    expected = RENDERER.render_block("In a *worker* with $x^2$.", id_prefix="p-")
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[RenderedText] = context.Queue()
    worker = context.Process(target=_render_in_child, args=(queue,))
    worker.start()
    assert queue.get(timeout=20) == expected
    worker.join(timeout=20)
    assert worker.exitcode == 0


def test_highlight_stylesheet_is_scoped_with_a_dark_variant() -> None:
    lines = highlight_stylesheet().splitlines()
    media = lines.index("@media (prefers-color-scheme: dark) {")
    assert lines[-1] == "}"
    # Every rule, light or dark, sits under `.highlight`: no bare `pre` or `td.linenos`.
    assert all(line.startswith(".highlight") for line in lines[:media] + lines[media + 1 : -1])
    assert lines.index(".highlight { background: #f8f8f8; }") < media
    assert lines.index(".highlight { background: #0d1117; color: #E6EDF3 }") > media


# cmark's pathological tests (test/pathological_tests.py), plus the ones that
# matter for the math delimiters. Each must finish well inside the bound; the
# bound only guards against a hang, it is not a performance test.
PATHOLOGICAL: dict[str, str] = {
    "nested strong emphasis": "*a **a " * 5000 + "b" + " a** a*" * 5000,
    "many emphasis closers with no openers": "a_ " * 30000,
    "many emphasis openers with no closers": "_a " * 30000,
    "many link closers with no openers": "a]" * 50000,
    "many link openers with no closers": "[a" * 50000,
    "mismatched openers and closers": "*a_ " * 25000,
    "openers and closers multiple of 3": "a**b" + "c* " * 30000,
    "link openers and emphasis closers": "[ a_" * 25000,
    "pattern [ (]( repeated": "[ (](" * 20000,
    "nested brackets": "[" * 49999 + "a" + "]" * 49999,
    "nested block quotes": "> " * 49999 + "a",
    "deeply nested lists": "".join("  " * i + "* a\n" for i in range(300)),
    "backtick runs": "".join("e" + "`" * i for i in range(1, 440)),
    "unclosed links A": "[a](<b" * 16000,
    "unclosed links B": "[a](b" * 20000,
    "unclosed emphasis run": "*" * 50000 + "a",
    "unclosed underscore run": "_" * 50000 + "a",
    "unclosed inline footnotes": "^[" * 50000,
    "many dollar openers": "$a " * 30000,
    "many backslash-paren openers": "\\(a " * 25000,
    "many backslash-bracket openers": "\\[" * 50000,
    "escaped dollars after an opener": "$a" + "\\$" * 49000,
    "display openers on every line": "$$a\n" * 25000,
    "display openers in every list item": "- $$a\n" * 16000,
    "deeply nested braces in a formula": "$" + "{" * 40000 + "x" + "}" * 40000 + "$",
}


@pytest.mark.parametrize("source", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_input_finishes(source: str) -> None:
    assert len(source) <= 100_000
    results: list[RenderedText] = []
    worker = threading.Thread(target=lambda: results.append(RENDERER.render_block(source, id_prefix="p-")))
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "rendering did not finish within 20 s"
    assert results and results[0].html


# Text mixing Markdown, math delimiters and hostile fragments, so generated
# cases reach links, images, code and math rather than only plain paragraphs.
HOSTILE_PIECES = [
    "[", "]", "(", ")", "<", ">", "!", "*", "_", "`", "```", "~~", "$", "$$", "\\(", "\\)", "\\[", "\\]",
    "\\", "&", "#", "&#106;", "&#x09;", "%6A", ":", '"', "'", "=", "\n", "\n\n", "    ", "- ", "> ",
    "| a |\n|---|\n", "[^1]", "[^1]: ", "^[", "javascript:", "JaVaScRiPt:", "vbscript:", "data:text/html,",
    "file:", "http://x/", "<script>", "onerror=alert(1)", " onload=", "<img src=x ", "\\text{<script>}",
    "\\href{javascript:x}{y}", "\\frac{", "{{ 7*7 }}", "\x00", "\x01", "\u2028",
]  # fmt: skip
hostile_piece = st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=5))
hostile_text = st.lists(hostile_piece, max_size=40).map("".join)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster"}


def assert_safe_html(html: str) -> None:
    """Parses as HTML; no scripts, no event handlers, no script URLs."""
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in fragment.iter():
        assert element.tag not in ("script", "iframe", "object", "embed", "style"), html
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), html
            if name.lower() in URL_ATTRIBUTES:
                # What a browser sees: whitespace and control characters removed.
                probe = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not re.match(r"(javascript|vbscript|data|file):", probe), html
    assert "<script" not in html.lower()


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_untrusted_block_text_gives_safe_html(source: str) -> None:
    assert_safe_html(RENDERER.render_block(source, id_prefix="p-").html)


@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_untrusted_title_gives_safe_html(source: str) -> None:
    rendered = RENDERER.render_inline(source)
    assert_safe_html(rendered.html)
    assert "<p>" not in rendered.html


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_unicode_gives_safe_html(source: str) -> None:
    assert_safe_html(RENDERER.render_block(source, id_prefix="p-").html)


# Formulas from real abstracts and the corners of latex2mathml, checked by the
# Nu HTML checker together with every block fixture.
FORMULAS = [
    r"\mathcal{O}(n^2)", r"\alpha", r"{H}_{c1}", r"10^{-3}", r"\textbf{x} + 1", r"\mathbb{R}^d",
    r"\mathbb{E}_{x\sim p}[f(x)]", r"\begin{aligned}a&=b\\c&=d\end{aligned}", r"\operatorname{sgn}(x)",
    r"\sqrt[3]{x}", r"\binom{n}{k}", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}",
    r"\begin{cases}a&b\\c&d\end{cases}",
    r"\begin{array}{c|l}a&b\\\hline c&d\end{array}", r"\sum_{i=1}^n x_i", r"\lim_{x\to0}", r"\int_0^1 f",
    r"\left( x \right)", r"\underbrace{x}_{a}", r"\overset{a}{b}", r"\mathop{x}", r"\mathbin{x}", r"\not=",
    r"\rule{1em}{2em}", r"\hspace{foo}", r"\color{red}{x}", r"\fbox{x}", r"\cancel{x}", r"\sideset{_1}{}\sum",
    r"\xrightarrow{a}", r"\operatorname*{arg\,max}_x", r"\left.\frac{a}{b}\right|_{x=0}", r"\text{&#x0;}",
    r"\newcommand{\R}{\mathbb{R}}\R^n", r"\sum\limits", r"\overbracket\limits", r"\tfrac12", r"\displaystyle x", r"\tiny x", r"\boldsymbol{\theta}",
]  # fmt: skip


def fixture_documents() -> Iterator[str]:
    names = ("block.md", "links.md", "math.md")
    sources = [case[2] for name in names for case in read_fixture_file(FIXTURES / name)]
    sources += [f"Inline ${formula}$ and\n\n$$\n{formula}\n$$\n" for formula in FORMULAS]
    for number, source in enumerate(sources):
        yield RENDERER.render_block(source, id_prefix=f"case{number}-").html
    for _, _, source, _ in read_fixture_file(FIXTURES / "inline.md"):
        yield f"<h1>{RENDERER.render_inline(source).html}</h1>"


@pytest.mark.skipif(shutil.which("java") is None or not VNU_JAR.exists(), reason="needs java and vnu.jar")
def test_output_passes_the_nu_html_checker(tmp_path: Path) -> None:
    body = "".join(f"<section>\n{html}</section>\n" for html in fixture_documents())
    document = tmp_path / "page.html"
    document.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Check</title></head>\n'
        f"<body>\n{body}</body>\n</html>\n",
        encoding="utf-8",
    )
    checker = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", str(document)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(checker.stderr or checker.stdout)["messages"]
    lines = document.read_text(encoding="utf-8").splitlines()
    problems = [f"line {m['lastLine']}: {m['message']}\n  {lines[m['lastLine'] - 1][:200]}" for m in messages]
    assert problems == []



# Plain prose skips markdown-it (see `is_plain_prose`): the result must be exactly
# what markdown-it makes of the same text. Words are drawn from letters, digits and
# every punctuation character Markdown knows, joined by spaces, line breaks and blank
# lines, so both sides of the test for plain text come up often.
plain_words = st.text(alphabet=st.sampled_from(list("abcXYZé19.,;:()?'\"%/+=-@^{}")), min_size=1, max_size=6)
markup_words = st.text(alphabet=st.sampled_from(list("a1.*_`~[]!<>#|&$\\\t\u00a0")), min_size=1, max_size=3)
gaps = st.sampled_from([" ", " ", " ", " ", " ", " ", " ", " ", "\n", "\n", "\n\n", "  \n", "\n   "])
prose = st.one_of(
    st.lists(st.tuples(plain_words, gaps), max_size=12),
    st.lists(st.tuples(st.one_of(plain_words, plain_words, markup_words), gaps), max_size=6),
).map(lambda pairs: "".join(word + gap for word, gap in pairs).strip(" "))


@settings(max_examples=1500, deadline=None)
@given(prose)
def test_plain_prose_renders_as_markdown_it_renders_it(source: str) -> None:
    assert RENDERER.render_block(source, id_prefix="p-") == RENDERER.render_block(source, id_prefix="p-", always_parse=True)
    assert RENDERER.render_inline(source) == RENDERER.render_inline(source, always_parse=True)


def test_real_abstracts_and_titles_render_as_markdown_it_renders_them() -> None:
    """The sample records and raw arXiv text (line breaks, LaTeX): all agree with markdown-it."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    from generator.pipeline import load_site  # noqa: PLC0415

    texts = [(paper.title, paper.abstract) for paper in load_site(Path("content")).site.papers.values()]
    real = Path(__file__).parent / "fixtures" / "import"
    for line in (real / "arxiv_oai_snapshot_kaggle_lines101-115.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        texts.append((entry["title"], entry["abstract"]))
    atom = "{http://www.w3.org/2005/Atom}"
    for path in real.glob("arxiv_api_*.xml"):
        for entry in ET.fromstring(path.read_bytes()).iter(f"{atom}entry"):
            texts.append((entry.findtext(f"{atom}title", ""), entry.findtext(f"{atom}summary", "")))
    plain = 0
    for title, abstract in texts:
        plain += markdown.is_plain_prose(abstract)
        assert RENDERER.render_block(abstract, id_prefix="p-") == RENDERER.render_block(
            abstract, id_prefix="p-", always_parse=True)
        assert RENDERER.render_inline(title) == RENDERER.render_inline(title, always_parse=True)
    assert plain > len(texts) / 2, f"only {plain} of {len(texts)} real abstracts took the plain path"


# What plain prose is, as two patterns: `is_plain_prose` finds the same faster.
MARKUP_PATTERN = re.compile(r"[`*_\\&$\[\]!<>#|~]|[^\S \n]")
BLOCK_PATTERN = re.compile(r"^[-+=\d ]|\s$|\n\n", re.MULTILINE)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b1", "٣x", "²", "-", "+", "=", "*", "#", ""]),
                          st.sampled_from([" ", " ", "\n", "\n", " \n", "\n ", "\n\n", "\t", "\u00a0", "\u2028", ""])),
                max_size=6).map(lambda pairs: "".join(word + gap for word, gap in pairs)))
@example("a \nb")
@example("a\n\nb")
@example("a\n")
@example("a ")
@example("a\n-b")
@example("a\n٣b")
@example("a\n²b")
@example(" a")
@example("a\n b")
@example("a\u2028b")
@example("a\n=")
def test_plain_prose_is_what_two_patterns_say(source: str) -> None:
    assert markdown.is_plain_prose(source) == (bool(source) and not MARKUP_PATTERN.search(source)
                                               and not BLOCK_PATTERN.search(source))


def test_the_other_white_space_is_every_character_white_space_matches_but_two() -> None:
    every = {chr(code) for code in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(code))}
    assert set(markdown._OTHER_WHITE_SPACE) == every - {" ", "\n"}


@pytest.mark.parametrize("source", [
    "A model.", "Two lines\nof prose.", "Quotes \"and\" apostrophes' and 50% / 3 = x + y - z (a; b: c)?",
])
def test_prose_is_plain(source: str) -> None:
    assert markdown.is_plain_prose(source)


@pytest.mark.parametrize("source", [
    "", "*a*", "a_b", "`x`", "$x$", "a\\b", "a &amp; b", "<b>", "[a](b)", "# h", "> q", "a | b", "~~s~~",
    "- item", "+ item", "1. item", "3D shapes", " indented", "a  \nb", "a\n\nb", "a\n===", "a\n---", "a\tb",
    "a\u00a0b", "trailing ",
])
def test_markup_is_not_plain(source: str) -> None:
    assert not markdown.is_plain_prose(source)
