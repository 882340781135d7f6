"""Each source kind on real data (tests/fixtures/import/, see SOURCES.md there):
what lands in the record files, and how bad entries are reported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from generator.importers import ImportOptions, ImportReport, import_records, read_entries
from generator.importers.arxiv import parse_feed, repair_mojibake
from generator.importers.base import Problem, links_from_text, paragraphs
from generator.importers.latex_text import accents_to_unicode, latex_to_unicode
from generator.records import load_records

FIXTURES = Path(__file__).parent / "fixtures" / "import"


def run(kind: str, names: list[str], content: Path, **options: object) -> ImportReport:
    inputs = [str(FIXTURES / name) if (FIXTURES / name).exists() else name for name in names]
    return import_records(kind, inputs, ImportOptions(content_dir=content, today=dt.date(2026, 1, 2), **options))  # type: ignore[arg-type]


def front(content: Path, slug: str) -> dict[str, object]:
    text = (content / "papers" / f"{slug}.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


def assert_loader_accepts(content: Path, count: int) -> None:
    papers, errors = load_records(content)
    assert [str(error) for error in errors] == []
    assert len(papers) == count


# --- hf ---------------------------------------------------------------------


def test_hf_three_api_shapes(tmp_path: Path) -> None:
    report = run("hf", ["hf_daily_papers_2024-05-28_first6.json", "hf_daily_papers_2025-07-16.json", "hf_daily_papers_2026-07-15.json"], tmp_path)
    assert report.problems == []
    assert len(report.with_status("created")) == 14
    assert_loader_accepts(tmp_path, 14)

    # 2024 shape: the digest day is the item's publishedAt; hard-wrapped title joined; Unicode name intact.
    intro = front(tmp_path, "2405.17247")
    assert intro["title"] == "An Introduction to Vision-Language Modeling"
    assert "Oscar Mañas" in intro["authors"]
    assert intro["date"] == dt.date(2024, 5, 28)
    assert intro["published"] == dt.date(2024, 5, 27)
    assert intro["upvotes"] == 33
    assert intro["links"] == {"arxiv": "https://arxiv.org/abs/2405.17247", "pdf": "https://arxiv.org/pdf/2405.17247"}
    embed = front(tmp_path, "2405.17428")
    assert embed["title"] == "NV-Embed: Improved Techniques for Training LLMs as Generalist Embedding Models"
    assert "the last <EOS> token embedding" in embed["abstract"]
    assert "\n" not in embed["abstract"]

    # 2025 shape: submittedOnDailyAt is the day (the item's publishedAt is the paper's own date).
    vlv = front(tmp_path, "2507.07104")
    assert vlv["date"] == dt.date(2025, 7, 16)
    assert vlv["published"] == dt.date(2025, 7, 9)
    assert vlv["title"] == "Vision-Language-Vision Auto-Encoder: Scalable Knowledge Distillation from Diffusion Models"
    assert vlv["links"]["code"] == "https://github.com/Tiezheng11/Vision-Language-Vision"
    assert vlv["links"]["project"] == "https://lambert-x.github.io/Vision-Language-Vision/"
    assert vlv["abstract"].endswith("under $1,000 USD.")
    assert vlv["tags"] == []  # ai_keywords are not tags unless asked

    # 2026 shape: no ai_* keys, no githubRepo.
    reward = front(tmp_path, "2607.11886")
    assert reward["date"] == dt.date(2026, 7, 15)
    assert set(reward["links"]) == {"arxiv", "pdf", "project"}


def test_hf_paragraph_break_kept(tmp_path: Path) -> None:
    run("hf", ["hf_daily_papers_2024-05-28_first6.json"], tmp_path)
    arithmetic = front(tmp_path, "2405.17399")["abstract"]
    assert isinstance(arithmetic, str)
    _, second = arithmetic.split("\n\n")
    assert second.startswith("With positions resolved, we can study the logical extrapolation")


def test_hf_keywords_as_tags(tmp_path: Path) -> None:
    run("hf", ["hf_daily_papers_2025-07-16.json"], tmp_path, keywords_as_tags=True, tags=("daily",))
    tags = front(tmp_path, "2507.07104")["tags"]
    assert isinstance(tags, list)
    assert tags[-1] == "daily"
    assert tags[:2] == ["vision-language-models", "vlv-auto-encoder"]
    assert all(tag == tag.lower() and " " not in tag for tag in tags)


def test_hf_python_repr_file_is_rejected_with_a_clear_message(tmp_path: Path) -> None:
    report = run("hf", ["hf_daily_papers_2025-01-10_wrapped_python_repr.json"], tmp_path)
    assert report.outcomes == []
    [problem] = report.problems
    assert problem.origin.endswith("hf_daily_papers_2025-01-10_wrapped_python_repr.json")
    assert problem.message == "not the Daily Papers API shape: an object with keys `status`, `date`, `count`, `data`"
    assert problem.hint is not None and "Python `repr()`" in problem.hint
    assert not (tmp_path / "papers").exists()


def test_hf_html_entities_are_decoded(tmp_path: Path) -> None:
    answer = [{"paper": {"id": "2501.00001", "title": "Q&amp;A for A &lt; B", "summary": "Fast &amp; cheap.",
                         "authors": [{"name": "Ana &#39;Ann&#39; Lee"}], "publishedAt": "2025-01-01T10:00:00.000Z"},
               "publishedAt": "2025-01-02T03:00:00.000Z"}]  # fmt: skip
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    run("hf", [str(path)], tmp_path / "content")
    record = front(tmp_path / "content", "2501.00001")
    assert record["title"] == "Q&A for A < B"
    assert record["abstract"] == "Fast & cheap."
    assert record["authors"] == ["Ana 'Ann' Lee"]
    assert record["date"] == dt.date(2025, 1, 2)


def test_hf_item_without_paper_id_is_reported_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "answer.json"
    path.write_text(json.dumps([{"paper": {"title": "No id"}}, {"title": "no paper"}]), encoding="utf-8")
    entries, problems = read_entries("hf", [str(path)], ImportOptions())
    assert entries == []
    assert [str(problem).split(" (hint")[0] for problem in problems] == [
        f"{path}: item 1: the paper has no `id`; skipped",
        f"{path}: item 2: not a Daily Papers item (an object with keys `title`); skipped",
    ]


# --- arxiv (files) ----------------------------------------------------------


def test_arxiv_2016_format(tmp_path: Path) -> None:
    report = run("arxiv", ["arxiv_api_2016_search_au_del_maestro.xml"], tmp_path, day=dt.date(2025, 3, 12))
    assert report.problems == []
    assert_loader_accepts(tmp_path, 10)
    old_style = front(tmp_path, "cond-mat-0412498")
    assert old_style["id"] == "cond-mat/0412498"
    assert old_style["version"] == 1
    assert old_style["date"] == dt.date(2025, 3, 12)
    assert old_style["doi"] == "10.1103/PhysRevB.71.184511"
    assert old_style["journal_ref"] == "Physical Review B 71, 184511 (2005)"
    assert old_style["tags"] == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert old_style["links"] == {
        "arxiv": "https://arxiv.org/abs/cond-mat/0412498",
        "pdf": "https://arxiv.org/pdf/cond-mat/0412498",
        "doi": "https://doi.org/10.1103/PhysRevB.71.184511",
    }
    revised = front(tmp_path, "1303.6954")
    assert (revised["version"], revised["published"], revised["updated"]) == (2, dt.date(2013, 3, 27), dt.date(2013, 9, 3))
    assert revised["comments"] == "Added a figure and extended discussion"
    first = front(tmp_path, "1201.4869")
    assert "updated" not in first  # one version: updated is published
    assert first["abstract"].startswith("As helium-4 is cooled below 2.17 K it undergoes a phase transition to a fundamentally new")
    assert "\n" not in first["abstract"]
    renyi = front(tmp_path, "1412.6529")["abstract"]
    assert isinstance(renyi, str) and renyi.startswith("We consider the Rényi entanglement entropy")


def test_arxiv_2026_format_mojibake_is_repaired(tmp_path: Path) -> None:
    run("arxiv", ["arxiv_api_2026_search_all_testing_start10.xml"], tmp_path)
    testing = front(tmp_path, "2403.16981")
    assert "type-I error at most $α$ and type-II error at most $β$" in testing["abstract"]
    assert "prior distribution $(π, 1-π)$" in testing["abstract"]
    assert "all $δ\\le π/4$" in testing["abstract"]
    assert testing["tags"] == ["math.st", "cs.it", "stat.ml"]
    assert testing["date"] == dt.date(2026, 1, 2)  # no digest day in the source, no --date: today
    assert front(tmp_path, "2202.06271")["authors"][0] == "Katharina Götz"


def test_repair_mojibake_leaves_real_latin1_alone() -> None:
    assert repair_mojibake("GÃ¶tz and Götz, café, Ã©") == "Götz and Götz, café, é"
    assert repair_mojibake("plain ASCII") == "plain ASCII"


def test_arxiv_old_style_id_with_affiliations(tmp_path: Path) -> None:
    run("arxiv", ["arxiv_api_2026_id_astro-ph_0601001.xml"], tmp_path, tags=("exoplanets",))
    record = front(tmp_path, "astro-ph-0601001")
    assert record["id"] == "astro-ph/0601001"
    assert record["authors"] == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"]
    assert record["journal_ref"] == "ActaAstron.56:1-50,2006"
    assert record["tags"] == ["astro-ph", "exoplanets"]
    assert "Gould & Morgan (2003)" in record["abstract"]
    assert "V_max<17.5" in record["abstract"]


def test_arxiv_error_entry_is_reported_not_imported(tmp_path: Path) -> None:
    report = run("arxiv", ["arxiv_api_2026_error_400_id_abc.xml", "arxiv_api_2026_empty_id_0000.0000.xml"], tmp_path)
    assert report.outcomes == []
    assert [problem.message for problem in report.problems] == ["the arXiv API reported an error: incorrect id format for abc"]
    assert report.problems[0].origin.endswith("arxiv_api_2026_error_400_id_abc.xml: entry 1")


def test_arxiv_entry_without_id_is_skipped_with_its_position() -> None:
    feed = (FIXTURES / "arxiv_api_2026_id_astro-ph_0601001.xml").read_bytes()
    feed = feed.replace(b"<id>http://arxiv.org/abs/astro-ph/0601001v1</id>", b"")
    [problem] = list(parse_feed(feed, "answer.xml"))
    assert str(problem) == "answer.xml: entry 1: the entry has no `<id>`; skipped"


def test_arxiv_category_mapping_from_content(tmp_path: Path) -> None:
    (tmp_path / "categories.toml").write_text('"cond-mat.str-el" = "strongly-correlated"\n"cond-mat.stat-mech" = ""\n', encoding="utf-8")
    run("arxiv", ["arxiv_api_2016_search_au_del_maestro.xml"], tmp_path)
    assert front(tmp_path, "cond-mat-0412498")["tags"] == ["strongly-correlated"]


def test_arxiv_not_a_feed(tmp_path: Path) -> None:
    [problem] = list(parse_feed(b"<html><body>busy</body></html>", "answer.xml"))
    assert problem.message == "not an arXiv API answer: the root element is `html`, not an Atom `feed`"
    [problem] = list(parse_feed(b'<!DOCTYPE x [<!ENTITY a "b">]><feed/>', "answer.xml"))
    assert "DOCTYPE" in problem.message


# --- bibtex -------------------------------------------------------------------


def test_bibtex_biblatex_eprints(tmp_path: Path) -> None:
    report = run("bibtex", ["bibtex_bibliotex_bnmr_ubc_preprints.bib"], tmp_path)
    assert report.problems == []
    assert len(report.outcomes) == 17
    assert_loader_accepts(tmp_path, 17)
    record = front(tmp_path, "1709.06674")
    assert record["title"] == "Microscopic Dynamics of Li⁺ in Rutile TiO₂ Revealed by ⁸Li β-detected NMR"
    assert record["authors"][:2] == ["Ryan M. L. McFadden", "Terry J. Buck"]
    assert record["links"] == {"arxiv": "https://arxiv.org/abs/1709.06674", "pdf": "https://arxiv.org/pdf/1709.06674"}
    assert record["tags"] == ["cond-mat.mtrl-sci"]  # eprintclass, mapped like an arXiv category
    assert "published" not in record  # `%year` is commented out: no date at all
    assert front(tmp_path, "1906.07878")["comments"] == "submitted to Phys. Rev. B"


def test_bibtex_math_stays_math_and_accents_become_unicode(tmp_path: Path) -> None:
    report = run("bibtex", ["bibtex_bibliotex_superconductivity_type-crossover-examples.bib"], tmp_path)
    assert report.problems == []
    assert_loader_accepts(tmp_path, 10)
    kappa = front(tmp_path, "magnetization-of-low-kappa-superconductors-i-the-phase-transition-at-h-c-1989")
    assert kappa["title"] == "Magnetization of low-$\\kappa$ superconductors I the phase transition at $H_{c1}$"
    assert kappa["journal_ref"] == "Physica C 161, 272–286 (1989)"
    assert kappa["doi"] == "10.1016/0921-4534(89)90337-7"
    assert kappa["links"]["doi"] == "https://doi.org/10.1016/0921-4534(89)90337-7"
    assert "low-κ superconductors" in kappa["abstract"]  # raw Unicode kept
    assert "“normal” type-II" in kappa["abstract"]  # ``...'' quotes
    sporna = front(tmp_path, "anisotropy-of-the-superconductive-to-normal-transition-in-tantalum-nitro-1979")
    assert sporna["authors"] == ["J. F. Sporna", "E. Seidl", "H. W. Weber"]  # "Last, First" turned round
    assert sporna["published"] == dt.date(1979, 12, 1)
    assert "On the low-$\\kappa$ side" in sporna["abstract"]
    hc1 = front(tmp_path, "phase-transition-at-h-c1-for-superconducting-nb-and-v-1974")
    assert hc1["title"] == "Phase transition at ${H}_{c1}$ for superconducting Nb and V"
    assert hc1["links"]["url"] == "https://link.aps.org/doi/10.1103/PhysRevB.10.1874"
    musr = front(tmp_path, "cond-mat-0305595")
    assert musr["title"] == "Transition from Type-I to Type-II Superconducting Behaviour with Temperature observed by μSR and SANS"


def test_bibtex_entry_without_title_and_broken_entry(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{notitle, author = {Ann Lee}, year = {2020}}\n"
        "@misc{good, title = {Schr{\\\"o}dinger's {Cat}}, author = {Lee, Ann and others}, keywords = {Quantum Physics; cats},\n"
        "  doi = {https://doi.org/10.1/ABC}, year = 2021}\n"
        "@article{broken, title = {Missing brace}\n"
        "@misc{good, title = {Duplicate key}}\n",
        encoding="utf-8",
    )
    report = run("bibtex", [str(bib)], tmp_path / "content")
    assert [str(problem).split(" (hint")[0] for problem in report.problems] == [
        f"{bib}:1 entry `notitle`: the entry has no title; skipped",
        f"{bib}:4: cannot parse this entry: Unexpected block start: `@misc`. Was still looking for field-value closing `,` or `}}`; skipped",
        f"{bib}:5: a second entry with the key `good`; skipped",
    ]
    record = front(tmp_path / "content", "schrodinger-s-cat-2021")
    assert record["title"] == "Schrödinger's Cat"
    assert record["authors"] == ["Ann Lee"]
    assert record["tags"] == ["quantum-physics", "cats"]
    assert record["doi"] == "10.1/ABC"


def test_bibtex_strict_writes_nothing(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{a, title = {Fine}}\n@misc{b, author = {No Title}}\n", encoding="utf-8")
    report = run("bibtex", [str(bib)], tmp_path / "content", strict=True)
    assert report.aborted
    assert report.outcomes == []
    assert len(report.problems) == 1
    assert not (tmp_path / "content").exists()


# --- arxiv-oai ----------------------------------------------------------------


def test_arxiv_oai_snapshot(tmp_path: Path) -> None:
    report = run("arxiv-oai", ["arxiv_oai_snapshot_kaggle_lines101-115.jsonl"], tmp_path)
    assert report.problems == []
    assert_loader_accepts(tmp_path, 15)
    nanotubes = front(tmp_path, "0704.0113")
    # authors_parsed wins over the string, which carries an affiliation in brackets.
    assert nanotubes["authors"][0] == "Xiaolin Li"
    assert nanotubes["authors"][-1] == "Hongjie Dai"
    assert nanotubes["title"] == "Langmuir blodgett assembly of densely aligned single walled carbon nanotubes from bulk materials"
    recipe = front(tmp_path, "0704.0112")
    assert recipe["version"] == 3
    assert recipe["authors"] == ["Robert P. C. de Marrais"]
    assert recipe["title"].startswith("Placeholder Substructures III: A Bit-String-Driven ”Recipe Theory” for")
    string_theory = front(tmp_path, "0704.0101")
    assert string_theory["journal_ref"] == "Lect.NotesPhys.737:59-118,2008"
    assert string_theory["published"] == dt.date(2007, 4, 1)
    assert string_theory["tags"] == ["hep-th"]
    assert "doi" not in string_theory  # null in the snapshot
    spins = front(tmp_path, "0704.0114")["abstract"]
    assert isinstance(spins, str) and "\n\nThis model undergoes a quantum phase transition" in spins


def test_arxiv_oai_filters_stream(tmp_path: Path) -> None:
    options = ImportOptions(categories=("math",), since=dt.date(2007, 6, 1), limit=2)
    entries, problems = read_entries("arxiv-oai", [str(FIXTURES / "arxiv_oai_snapshot_kaggle_lines101-115.jsonl")], options)
    assert problems == []
    assert [entry.arxiv_id for entry in entries] == ["0704.0105", "0704.0110"]
    options = ImportOptions(categories=("cond-mat.str-el",))
    entries, _ = read_entries("arxiv-oai", [str(FIXTURES / "arxiv_oai_snapshot_kaggle_lines101-115.jsonl")], options)
    assert [entry.arxiv_id for entry in entries] == ["0704.0114"]


def test_arxiv_oai_latex_names_and_bad_lines(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot.jsonl"
    good = {"id": "0704.0001", "title": "Schr\\\"odinger operators", "abstract": "  Text.\n", "categories": "math-ph",
            "authors": "J. M\\\"uller and P. Erd\\H{o}s", "authors_parsed": None, "versions": [], "update_date": "2008-01-01"}  # fmt: skip
    snapshot.write_text(json.dumps(good) + "\n{not json\n\n[1]\n", encoding="utf-8")
    entries, problems = read_entries("arxiv-oai", [str(snapshot)], ImportOptions())
    assert entries[0].title == "Schrödinger operators"
    assert entries[0].authors == ["J. Müller", "P. Erdős"]
    assert [str(problem) for problem in problems] == [
        f"{snapshot}:2: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        f"{snapshot}:4: expected a JSON object on the line",
    ]


# --- seed ---------------------------------------------------------------------


def test_seed_page(tmp_path: Path) -> None:
    report = run("seed", ["seed_000_e47c6733711ba83b.txt"], tmp_path)
    assert report.problems == []
    assert len(report.with_status("created")) == 101
    assert_loader_accepts(tmp_path, 101)
    summit = front(tmp_path, "summit-source-free-adaptation-of-uni-modal-models-to-multi-modal-targets")
    assert summit["title"] == "SUMMIT: Source-Free Adaptation of Uni-Modal Models to Multi-Modal Targets"
    assert summit["date"] == dt.date(2025, 3, 12)
    assert summit["authors"] == []
    assert summit["links"] == {"code": "https://github.com/csimo005/SUMMIT"}
    gender = front(tmp_path, "genderbias-vl-benchmarking-gender-bias-in-vision-language-models-via-cou")
    assert gender["title"].startswith("GenderBias-VL: ")
    assert gender["links"] == {"project": "https://genderbiasvl.github.io/"}
    owl = front(tmp_path, "mplug-owl-modularization-empowers-large-language-models-with-multimodali")
    assert owl["links"] == {"code": "https://github.com/X-PLUG/mPLUG-Owl", "demo": "https://www.modelscope.cn/studios/damo/mPLUG-Owl"}


def test_seed_year_and_missing_abstract(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("New\n\nSubscribe\n\nJan 5\n\nFirst title\n\nFirst abstract.\n\nFeb 30\n\nDec 31\n\nLonely title\n", encoding="utf-8")
    entries, problems = read_entries("seed", [str(page)], ImportOptions(year=2024))
    assert [(entry.title, entry.day) for entry in entries] == [("First title", dt.date(2024, 1, 5))]
    # `Feb 30` is no day, so it is read as a title; `Dec 31` then leaves it without an abstract.
    assert [str(problem) for problem in problems] == [
        f"{page}:11: `Feb 30` has no abstract line; skipped",
        f"{page}:15: `Lonely title` has no abstract line; skipped",
    ]


# --- jsonl --------------------------------------------------------------------


def test_jsonl_fields_and_positions(tmp_path: Path) -> None:
    lines = [
        {"id": "arXiv:2503.10000v3", "title": "A  paper\n about  things", "authors": ["Zoë Ångström"], "abstract": "One\nline.\n\nTwo.",
         "date": "2025-03-12", "tags": ["No", "on"], "links": {"code": "https://github.com/a/b"}, "upvotes": 4, "notes": "My *notes*."},
        {"title": "No id here", "doi": "10.5555/x", "journal_ref": "J. 1 (2020)"},
        {"id": "2503.10001", "title": "Bad date", "date": "2025-3-12"},
        {"id": "2503.10002", "titel": "Typo"},
        {"id": "2503.10003", "title": "Bad link", "links": {"code": "javascript:alert(1)"}},
        {"id": "../etc/passwd", "title": "Hostile id"},
        {"id": "2503.10004", "title": "Wrong type", "upvotes": True},
    ]  # fmt: skip
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n{broken\n", encoding="utf-8")
    report = run("jsonl", [str(path)], tmp_path / "content", day=dt.date(2025, 1, 1))
    # Entries that cannot be read come first, then those that cannot become records.
    assert [str(problem) for problem in report.problems] == [
        f"{path}:3 `2503.10001`: `date`: expected a date YYYY-MM-DD, got `2025-3-12`",
        f"{path}:4 `2503.10002`: unknown field `titel`; did you mean `title`?",
        f"{path}:7 `2503.10004`: `upvotes`: expected a whole number of at least 0, got `true`",
        f"{path}:8: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        f"{path}:5 `2503.10003`: link `code` is not an http(s) URL: `javascript:alert(1)`",
        f"{path}:6 `../etc/passwd`: id: `../etc/passwd` is neither an arXiv id (`2503.10000`, `hep-th/9901001`) "
        "nor a slug of lower-case letters, digits and single hyphens",
    ]
    content = tmp_path / "content"
    record_text = (content / "papers" / "2503.10000.md").read_text(encoding="utf-8")
    assert record_text.endswith("---\nMy *notes*.\n")
    record = front(content, "2503.10000")
    assert record["id"] == "2503.10000" and record["version"] == 3
    assert record["title"] == "A paper about things"
    assert record["authors"] == ["Zoë Ångström"]
    assert record["abstract"] == "One line.\n\nTwo."
    assert record["tags"] == ["no", "on"]  # quoted, so YAML keeps them as text
    no_id = front(content, "no-id-here")
    assert (no_id["doi"], no_id["journal_ref"], no_id["date"]) == ("10.5555/x", "J. 1 (2020)", dt.date(2025, 1, 1))
    assert_loader_accepts(content, 2)


# --- shared text helpers -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one\ntwo\n\nthree", "one two\n\nthree"),
        ("  first\nwrapped\n  second para", "first wrapped second para"),
        ("a\r\nb\t c\x0b", "a b c"),
    ],
)
def test_paragraphs(text: str, expected: str) -> None:
    assert paragraphs(text) == expected


def test_arxiv_indented_line_starts_a_paragraph() -> None:
    assert paragraphs("  first\nwrapped\n  second", indent_starts_paragraph=True) == "first wrapped\n\nsecond"


def test_links_from_text() -> None:
    text = "Code: https://github.com/a/b. Demo at (https://demo.example.org/x). See https://x.org/a_(b)!"
    assert links_from_text(text) == {"code": "https://github.com/a/b", "demo": "https://demo.example.org/x", "project": "https://x.org/a_(b)"}


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ('Schr\\"odinger and G\\\'{e}rard', "Schrödinger and Gérard"),
        ("low-{$\\kappa$} and \\(x^2\\)", "low-$\\kappa$ and \\(x^2\\)"),
        ("100\\% of 5% and \\$5", "100% of 5% and \\$5"),
        ("\\ch{^{8}Li^{+}} in \\ch{TiO2}", "⁸Li⁺ in TiO₂"),
        ("\\href{https://x.org}{site} and {\\it word}", "site and word"),
        ("3--5 days", "3–5 days"),
        ("unbalanced { brace", "unbalanced { brace"),
        ("no latex at all", "no latex at all"),
    ],
)
def test_latex_to_unicode(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


def test_accents_only_in_abstracts() -> None:
    assert accents_to_unicode('R\\\'enyi, {\\"U}ber, $\\"o$, 99\\% {\\it x}') == 'Rényi, Über, $\\"o$, 99\\% {\\it x}'


def test_problem_str() -> None:
    assert str(Problem("a.bib:3", "bad", "fix it")) == "a.bib:3: bad (hint: fix it)"
