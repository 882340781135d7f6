"""Citations and scholarly metadata of paper pages (issue 8), on the sample site and on small sites."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import json
from pathlib import Path

import bibtexparser
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from bibtexparser import middlewares
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from generator import citations, page_renderer
from generator.citations import Work, bibtex_entry, citation_keys, csl_item, ris_record, short_description
from generator.markdown import MarkdownRenderer
from generator.cache import BuildCache
from generator.fingerprint import Fingerprints
from generator.pipeline import BuildOptions, build, load_site, render_records
from generator.social import paper_citation
from generator.urls import Urls
from generator.views import make_paper_views
from generator.records import Paper
from tests.conftest import SAMPLE_CONTENT, BuiltSite
from tests.nu_checker import nu_errors

SITE_TOML = 'title = "Test digest"\nbase_url = "https://example.org/digest/"\n'


def latex_decoder() -> LatexNodes2Text:
    """pylatexenc, told the text-mode macros for the characters BibTeX cannot hold bare."""
    db = get_default_latex_context_db().filter_context(keep_categories=None)
    db.add_context_category("bibtex-specials", prepend=True, macros=[
        MacroTextSpec("textbraceleft", "{"), MacroTextSpec("textbraceright", "}"),
        MacroTextSpec("textasciicircum", "^"), MacroTextSpec("textasciitilde", "~"),
        MacroTextSpec("textbackslash", "\\"),
    ])
    return LatexNodes2Text(latex_context=db)


def parse_bibtex(text: str) -> list[dict[str, object]]:
    """Entries as bibtexparser reads them back: TeX decoded, authors split, outer braces removed."""
    decoder = latex_decoder()
    # Authors are split first, so a braced `{A and B}` stays one name; the decoding
    # middleware leaves lists alone, so each name is decoded here.
    library = bibtexparser.parse_string(text, append_middleware=[
        middlewares.SeparateCoAuthors(), middlewares.LatexDecodingMiddleware(decoder=decoder),
    ])
    assert not library.failed_blocks, [block.error for block in library.failed_blocks]
    entries = []
    for entry in library.entries:
        values: dict[str, object] = {"key": entry.key, "type": entry.entry_type}
        for name, field in entry.fields_dict.items():
            value = field.value
            values[name.lower()] = [decoder.latex_to_text(part) for part in value] if isinstance(value, list) else value
        entries.append(values)
    return entries


def write_site(root: Path, records: dict[str, str]) -> Path:
    content = root / "content"
    (content / "papers").mkdir(parents=True)
    (content / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for name, text in records.items():
        (content / "papers" / f"{name}.md").write_text(text, encoding="utf-8")
    return content


def record(paper_id: str, title: str, authors: list[str], abstract: str, tags: list[str] | None = None) -> str:
    return ("---\n"
            f"id: {json.dumps(paper_id)}\n"
            f"title: {json.dumps(title)}\n"
            f"authors: {json.dumps(authors)}\n"
            f"abstract: {json.dumps(abstract)}\n"
            "date: 2025-03-12\n"
            f"tags: {json.dumps(tags or ['testing'])}\n"
            "---\n")


class Page:
    """What a paper page declares about itself."""

    def __init__(self, path: Path) -> None:
        self.tree = lxml.html.parse(str(path)).getroot()

    def meta(self, name: str) -> list[str]:
        return [node.get("content") for node in self.tree.xpath("//head/meta[@name=$n]", n=name)]

    def property(self, name: str) -> list[str]:
        return [node.get("content") for node in self.tree.xpath("//head/meta[@property=$n]", n=name)]

    def json_ld(self) -> list[dict[str, object]]:
        return [json.loads(node.text) for node in self.tree.xpath('//script[@type="application/ld+json"]')]

    def bibtex(self) -> str:
        blocks = self.tree.xpath('//section[@class="paper-cite"]//pre')
        assert len(blocks) == 1
        return blocks[0].text_content()


@pytest.fixture(scope="module")
def expected() -> dict[str, tuple[Paper, str]]:
    """Each sample paper with its title's plain text, as the build renders it."""
    site = load_site(SAMPLE_CONTENT).site
    renderer = MarkdownRenderer()
    return {paper.slug: (paper, renderer.render_inline(paper.title).text) for paper in site.papers.values()}


def test_every_sample_paper_page_declares_itself_to_scholars(sample_site: BuiltSite, expected: dict[str, tuple[Paper, str]]) -> None:
    for slug, (paper, title) in expected.items():
        page = Page(sample_site.output / "papers" / slug / "index.html")
        authors = list(dict.fromkeys(paper.authors))
        assert page.meta("citation_title") == [title], slug
        assert page.meta("citation_author") == authors, slug
        assert page.meta("citation_publication_date") == [(paper.published or paper.day).strftime("%Y/%m/%d")]
        if paper.id[0].isdigit():
            assert page.meta("citation_arxiv_id") == [paper.id]
            assert page.meta("citation_pdf_url") == [f"https://arxiv.org/pdf/{paper.id}"]
        assert page.property("og:title") == [title]
        assert page.property("og:url") == [f"{sample_site.base_url}papers/{slug}/"]
        # The sample turns social cards on, so previews use the large image card. X takes
        # the title and description from the OpenGraph tags: they are not repeated.
        assert page.meta("twitter:card") == ["summary_large_image"]
        assert page.meta("twitter:title") == [] and page.meta("twitter:description") == []
        assert page.property("og:description") or not paper.abstract.strip()

        (data,) = page.json_ld()
        assert data["@context"] == "https://schema.org" and data["@type"] == "ScholarlyArticle"
        assert data["name"] == title
        assert [author["name"] for author in data["author"]] == authors
        assert data["datePublished"] == (paper.published or paper.day).isoformat()
        assert data["keywords"] == list(paper.tags)
        if paper.id[0].isdigit():
            assert {"@type": "PropertyValue", "propertyID": "arXiv", "value": paper.id} in data["identifier"]
            assert f"https://arxiv.org/abs/{paper.id}" in data["sameAs"]


def test_every_sample_bibtex_block_reads_back(sample_site: BuiltSite, expected: dict[str, tuple[Paper, str]]) -> None:
    keys = set()
    for slug, (paper, title) in expected.items():
        paper_dir = sample_site.output / "papers" / slug
        block = Page(paper_dir / "index.html").bibtex()
        assert block == (paper_dir / "cite.bib").read_text(encoding="utf-8")
        (entry,) = parse_bibtex(block)
        assert entry["title"] == title, slug
        assert entry.get("author", []) == list(dict.fromkeys(paper.authors)), slug
        if paper.id[0].isdigit():
            assert entry["eprint"] == paper.id and entry["archiveprefix"] == "arXiv"
        keys.add(entry["key"])
        assert (paper_dir / "cite.ris").read_text(encoding="utf-8").startswith("TY  - ")
        (item,) = json.loads((paper_dir / "cite.json").read_text(encoding="utf-8"))
        assert item["id"] == entry["key"] and item["title"] == title
    assert len(keys) == len(expected), "citation keys are unique"


def test_bibliographies_of_site_tags_and_days(sample_site: BuiltSite, expected: dict[str, tuple[Paper, str]]) -> None:
    site = load_site(SAMPLE_CONTENT).site
    entries = parse_bibtex((sample_site.output / "bibliography.bib").read_text(encoding="utf-8"))
    assert sorted(e["eprint"] if "eprint" in e else e["url"] for e in entries) == sorted(
        p.id if p.id[0].isdigit() else f"{sample_site.base_url}papers/{p.slug}/" for p in site.papers.values())
    for tag in site.tags:
        tag_entries = parse_bibtex((sample_site.output / "tags" / tag.slug / "bibliography.bib").read_text(encoding="utf-8"))
        assert [e["title"] for e in tag_entries] == [expected[p.slug][1] for p in tag.papers]
    for day in site.days:
        day_entries = parse_bibtex((sample_site.output / "digest" / day.key / "bibliography.bib").read_text(encoding="utf-8"))
        assert [e["title"] for e in day_entries] == [expected[p.slug][1] for p in day.papers]


def test_cite_section_links_the_files_and_has_no_button_without_script(sample_site: BuiltSite) -> None:
    page = Page(sample_site.output / "papers" / "2405.16537" / "index.html")
    links = page.tree.xpath('//section[@class="paper-cite"]//a/@href')
    assert links == [f"/digest/papers/2405.16537/{name}" for name in ("cite.bib", "cite.ris", "cite.json")]
    # The copy button is made by app.js; without it the BibTeX is plain, selectable text.
    assert not page.tree.xpath('//section[@class="paper-cite"]//button')
    assert page.tree.xpath('//section[@class="paper-cite"]//pre/@data-copy-label') == ["Copy BibTeX"]


def work(**changes: object) -> Work:
    values: dict[str, object] = dict(
        key="doe2025test", paper_id="2503.10000", title="A title", authors=("Jane Doe",), issued=dt.date(2025, 3, 1),
        updated=None, abstract="An abstract.", tags=("testing",), page_url="https://example.org/digest/papers/2503.10000/",
        site_title="Test digest", arxiv_id="2503.10000")
    values.update(changes)
    return Work(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("title", [
    "Braces {unbalanced and } closing",
    "Specials: 50% & $x$ #1 under_score tilde~ caret^ back\\slash",
    "Lone } first then {",
    "TeX \\input{/etc/passwd} and \\def\\x{y}",
    "Unicode: Schrödinger’s «cats» — 日本語",
    "@misc{injected, title = {x}}",
])
def test_bibtex_escapes_record_text_and_reads_back(title: str) -> None:
    authors = ("José García", "Alice and Bob Lab", "O'Neil, Shaquille", "{Brace} Person")
    (entry,) = parse_bibtex(bibtex_entry(work(title=title, authors=authors)))
    assert entry["title"] == title
    assert entry["author"] == list(authors)
    assert entry["key"] == "doe2025test"


def test_citation_keys_are_stable_and_deduplicated() -> None:
    def paper(paper_id: str, title: str, day: int, authors: tuple[str, ...] = ("Jörg Müller",)) -> Paper:
        return Paper(id=paper_id, slug=paper_id, title=title, authors=authors, abstract="", day=dt.date(2025, 3, day),
                     tags=(), notes="", source=f"{paper_id}.md", content_hash="x")

    older = paper("2503.00001", "The Transformer", 1)
    newer = paper("2503.00002", "Transformer networks", 2)
    keys = citation_keys([newer, older])
    assert keys == {"2503.00001": "muller2025transformer", "2503.00002": "muller2025transformerb"}
    # A later paper with the same key never changes the keys already given.
    latest = paper("2503.00003", "Transformers, again", 3)
    assert citation_keys([latest, newer, older])["2503.00001"] == "muller2025transformer"
    assert citation_keys([paper("x-y", "On 3D", 1, authors=())]) == {"x-y": "anon20253d"}


def test_ris_and_csl_keep_each_value_on_its_line() -> None:
    hostile = work(title="Line one\nER  - \nTY  - JOUR", authors=("Jane Doe",), tags=("a\nb",))
    lines = ris_record(hostile).split("\r\n")
    assert lines[0] == "TY  - UNPB" and lines[-2] == "ER  - " and lines[-1] == ""
    assert sum(line.startswith("ER  -") for line in lines) == 1
    assert "TI  - Line one ER - TY - JOUR" in lines
    assert "AU  - Doe, Jane" in lines
    item = csl_item(hostile)
    assert item["author"] == [{"family": "Doe", "given": "Jane"}] and item["number"] == "arXiv:2503.10000"


HOSTILE_TITLE = '</script><script>alert("t")</script> & <b>bold</b>'
HOSTILE_AUTHOR = '"><img src=x onerror=alert(1)>'


def test_hostile_record_text_never_becomes_markup(tmp_path: Path) -> None:
    content = write_site(tmp_path, {
        "2503.10000": record("2503.10000", HOSTILE_TITLE, [HOSTILE_AUTHOR, "Jane Doe"], "An </script> abstract <!--"),
        "2503.10001": record("2503.10001", "Another paper", ["Jane Doe"], "An abstract about script tags and markup."),
    })
    output = tmp_path / "out"
    build(BuildOptions(content_dir=content, output_dir=output, cache_dir=None))
    html = (output / "papers" / "2503.10000" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    page = Page(output / "papers" / "2503.10000" / "index.html")
    (data,) = page.json_ld()
    title = MarkdownRenderer().render_inline(HOSTILE_TITLE).text
    assert data["name"] == title and data["author"][0]["name"] == HOSTILE_AUTHOR
    assert page.meta("citation_title") == [title]
    assert page.meta("citation_author") == [HOSTILE_AUTHOR, "Jane Doe"]
    (entry,) = parse_bibtex(page.bibtex())
    assert entry["title"] == title and entry["author"] == [HOSTILE_AUTHOR, "Jane Doe"]
    assert nu_errors([output / "papers" / "2503.10000" / "index.html"]) == []


MATH_ABSTRACT = (r"Sorting runs in $\mathcal{O}(n^2)$ time and the loss is $$\sum_i x_i$$ in all."
                 " The licence costs US$5 per seat, and an unclosed $x stays as it is.")


def test_math_record_renders_mathml_keeps_money_and_builds_with_one_warning(tmp_path: Path) -> None:
    content = write_site(tmp_path, {"2503.20000": record("2503.20000", "Fast sums", ["Jane Doe"], MATH_ABSTRACT)})
    output = tmp_path / "out"
    report = build(BuildOptions(content_dir=content, output_dir=output, cache_dir=None))
    page_path = output / "papers" / "2503.20000" / "index.html"
    page = Page(page_path)
    (abstract,) = page.tree.xpath('//section[@aria-labelledby="abstract-heading"]//div[@class="prose"]')
    formulas = abstract.xpath(".//math")
    assert [math.get("alttext") for math in formulas] == [r"\mathcal{O}(n^2)", r"\sum_i x_i"]
    assert formulas[1].get("display") == "block"
    text = abstract.text_content()
    assert "US$5 per seat" in text and "unclosed $x stays" in text
    assert nu_errors([page_path]) == []
    assert len(report.warnings) == 1, report.warnings
    (warning,) = report.warnings
    assert "2503.20000.md" in warning and "abstract" in warning and "unclosed `$`" in warning
    # Metadata carries the plain form of the math.
    (data,) = page.json_ld()
    assert r"\mathcal{O}(n^2)" in data["description"] and "<math" not in data["description"]


@pytest.mark.browser
def test_copy_button_copies_the_bibtex(sample_site: BuiltSite, page: object) -> None:
    origin = "/".join(sample_site.base_url.split("/")[:3])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)  # type: ignore[attr-defined]
    page.goto(sample_site.base_url + "papers/2405.16537/")  # type: ignore[attr-defined]
    button = page.get_by_role("button", name="Copy BibTeX")  # type: ignore[attr-defined]
    button.click()
    page.get_by_role("status").filter(has_text="Copied").wait_for()  # type: ignore[attr-defined]
    copied = page.evaluate("navigator.clipboard.readText()")  # type: ignore[attr-defined]
    assert copied == (sample_site.output / "papers" / "2405.16537" / "cite.bib").read_text(encoding="utf-8")
    assert page.page_errors == []  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \t\n\u00a0\u2003é"), max_size=2000), st.integers(min_value=1, max_value=300))
def test_a_short_description_is_the_whole_text_collapsed_then_cut_at_a_word(text: str, limit: int) -> None:
    collapsed = " ".join(text.split())
    expected = collapsed if len(collapsed) <= limit else collapsed[:limit].rsplit(" ", 1)[0] + "…"
    assert short_description(text, limit) == expected


def citation_files(output: Path) -> dict[str, bytes]:
    """Each paper's cite.bib, cite.ris and cite.json, and the bibliographies of the site, its tags and days."""
    paths = [*(output / "papers").glob("*/cite.*"), *output.glob("**/bibliography.bib")]
    return {path.relative_to(output).as_posix(): path.read_bytes() for path in sorted(paths)}


def new_record(paper_id: str, title: str, author: str, day: str, tags: list[str]) -> str:
    return (f'---\nid: "{paper_id}"\ntitle: "{title}"\nauthors: ["{author}"]\nabstract: "A short abstract."\n'
            f"date: {day}\ntags: {json.dumps(tags)}\n---\n")


def test_an_incremental_build_writes_the_citation_files_a_cold_build_writes(content_copy: Path, tmp_path: Path) -> None:
    options = BuildOptions(content_copy, tmp_path / "output", cache_dir=tmp_path / "cache")
    build(options)
    papers = content_copy / "papers"
    record = papers / "2405.16537.md"
    config = content_copy / "site.toml"
    edits = {
        # the record itself
        "a title": lambda: record.write_text(record.read_text(encoding="utf-8").replace("I2VEdit:", "I2VEdit 2:", 1),
                                             encoding="utf-8"),
        # a record read first spells the tag: every `video` paper's keywords change, not its record
        "a tag's spelling": lambda: (papers / "2401.00001.md").write_text(
            new_record("2401.00001", "Spelling a Tag", "Zed Nobody", "2024-01-10", ["Video"]), encoding="utf-8"),
        # an earlier paper takes the key `ouyang2024i2vedit`: 2405.16537's becomes `ouyang2024i2veditb`
        "a citation key": lambda: (papers / "2401.00002.md").write_text(
            new_record("2401.00002", "I2VEdit Again", "Ann Ouyang", "2024-01-11", []), encoding="utf-8"),
        # the config alone: the site's address, the URL a paper without an arXiv id is cited by
        "the site's address": lambda: config.write_text(config.read_text(encoding="utf-8").replace(
            "https://example.github.io/digest/", "https://papers.example.org/digest/"), encoding="utf-8"),
        # the config: an alias renames a tag everywhere
        "an alias": lambda: config.write_text(config.read_text(encoding="utf-8")
                                              + '\n[tags.aliases]\n"computer-vision" = "vision"\n', encoding="utf-8"),
    }
    before = citation_files(options.output_dir)
    for number, (name, edit) in enumerate(edits.items()):
        edit()
        build(options)
        made = citation_files(options.output_dir)
        cold = tmp_path / f"cold-{number}"
        build(BuildOptions(content_copy, cold, cache_dir=None))
        assert made == citation_files(cold), name
        for page in ("papers/2405.16537/index.html", "papers/a-survey-for-large-language-models-in-biomedicine/index.html"):
            # Its Cite section and meta tags: a page's fingerprint holds its citation by what makes it.
            assert (options.output_dir / page).read_bytes() == (cold / page).read_bytes(), (name, page)
        changed = {path for path in made if before.get(path) != made[path]}
        reached = "a-survey-for-large-language-models-in-biomedicine" if name == "the site's address" else "2405.16537"
        assert any(path.startswith(f"papers/{reached}/") for path in changed), name
        # BibTeX holds no tags: an alias leaves the bibliographies as they were.
        assert ("bibliography.bib" in changed) == (name != "an alias"), name
        before = made
    assert b"ouyang2024i2veditb" in before["papers/2405.16537/cite.bib"]
    assert b"KW  - Video" in before["papers/2405.16537/cite.ris"]
    assert b"ouyang2024i2veditb" in before["bibliography.bib"] and b"ouyang2024i2veditb" in before["tags/video/bibliography.bib"]


def test_an_edit_makes_the_citations_of_the_pages_it_renders_alone(content_copy: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Citations are made when a page or file reads them, and the bibliographies take the other
    papers' BibTeX from the last build: a site of 10,000 papers edits one."""
    options = BuildOptions(content_copy, tmp_path / "output", cache_dir=tmp_path / "cache")
    build(options)
    works: list[str] = []
    entries: list[str] = []
    rendered: list[str] = []
    make_work, bibtex_entry, render_page = citations.make_work, citations.bibtex_entry, page_renderer.render_page
    monkeypatch.setattr(citations, "make_work", lambda view, *rest: works.append(view.id) or make_work(view, *rest))
    monkeypatch.setattr(citations, "bibtex_entry", lambda work: entries.append(work.paper_id) or bibtex_entry(work))
    monkeypatch.setattr(page_renderer, "render_page", lambda env, page: rendered.append(
        page.context.paper.id if page.template == "paper.html" else page.path) or render_page(env, page))
    record = content_copy / "papers" / "2405.16537.md"
    record.write_text(record.read_text(encoding="utf-8") + "\nA note added after the first build.\n", encoding="utf-8")
    report = build(options)
    papers = {path.stem for path in (content_copy / "papers").glob("*.md")}
    pages = set(rendered) & papers  # the paper pages rendered again: the edited one and its neighbours
    assert "2405.16537" in pages and len(pages) < len(papers) // 4
    # Each rendered page read its own paper's citation, and nothing else made one.
    assert sorted(works) == sorted(pages) and sorted(entries) == sorted(pages)
    assert "papers/2405.16537/index.html" in report.written
    cold = tmp_path / "cold"
    build(BuildOptions(content_copy, cold, cache_dir=None))
    assert citation_files(options.output_dir) == citation_files(cold)


def test_a_citation_is_what_it_is_made_from() -> None:
    """Its equality and its pickle, which page fingerprints hash, are its view, key, URLs,
    site title and card; never the text it made when something read it."""
    loaded = load_site(SAMPLE_CONTENT)
    site, urls = loaded.site, Urls.for_config(loaded.config)
    views = make_paper_views(site.papers.values(), render_records(site, BuildCache(""), None), site, urls)
    view = views["2405.16537"]
    citation = paper_citation(loaded.config, urls, view, "ouyang2024i2vedit")
    fingerprints = Fingerprints("salt")
    before = fingerprints.of(citation)
    assert "ouyang2024i2vedit" in citation.bibtex and citation.work.title == view.title_text
    again = paper_citation(loaded.config, urls, view, "ouyang2024i2vedit")
    assert citation == again and hash(citation) == hash(again) and fingerprints.of(again) == fingerprints.of(citation) == before
    assert pickle.loads(pickle.dumps(citation)) == citation
    others = [
        paper_citation(loaded.config, urls, view, "ouyang2024i2veditb"),
        paper_citation(loaded.config, urls, views["2405.16822"], "ouyang2024i2vedit"),
        paper_citation(loaded.config, Urls("/elsewhere/", urls.origin), view, "ouyang2024i2vedit"),
        paper_citation(dataclasses.replace(loaded.config, title="Another digest"), urls, view, "ouyang2024i2vedit"),
        paper_citation(dataclasses.replace(loaded.config, social=dataclasses.replace(loaded.config.social, cards=not loaded.config.social.cards)),
                       urls, view, "ouyang2024i2vedit"),
    ]
    for number, other in enumerate(others):
        assert other != citation and fingerprints.of(other) != before, number
