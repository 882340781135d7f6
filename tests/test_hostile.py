"""Hostile record text (issue 11): nothing injected into any page, feed, JSON-LD or search data.

`tests/hostile/content/` is a site whose every record carries payloads that set
`window.__pwned` if they ever run. It must build; the tests below read every
output file as raw bytes (and again through a parser and in Chromium) and find
no script, event handler or dangerous URL that came from record text.
`tests/hostile/invalid/<case>/` holds records that must be refused: each has
the exact report it must give in `expected.txt`, and leaves `output/` as it was.
"""

from __future__ import annotations

import html
import html.parser
import json
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import jinja2
import lxml.html
import pytest
from lxml import etree

from generator.errors import BuildError
from generator.pipeline import BuildOptions, build
from generator.themes import ThemeError
from generator.write import STAGING_PREFIX
from tests.conftest import BuiltSite, StaticServer, build_served
from tests.nu_checker import nu_errors

HOSTILE = Path(__file__).parent / "hostile"
CONTENT = HOSTILE / "content"
INVALID = HOSTILE / "invalid"
THEMES = Path(__file__).parent.parent / "themes"
FLAG = "__pwned"
"""Every payload sets `window.__pwned`; the word marks where payloads land."""

# Files editors and systems leave beside records; the build must not read them.
EDITOR_FILES = {
    "._hostile-markup.md": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ",
    "hostile-markup.md~": b"---\nid: [unclosed\n",
    ".hostile-markup.md.swp": b"b0VIM 9.0\x00\x00\x10\x00",
    "4913": b"",
}

# Attributes whose value the browser loads or navigates to.
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "cite", "background", "xlink:href",
                  "ping", "manifest", "longdesc", "lowsrc", "dynsrc", "codebase", "archive", "profile", "icon"}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
# Elements record text could use to run or embed something; the theme uses none.
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style"}
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}

# The raw-bytes view: a start tag and its attributes, as an HTML tokenizer reads them.
START_TAG = re.compile(r"<([A-Za-z][^\s/>]*)((?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?|\s*/)*)\s*>")
ATTRIBUTE = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")


# --- the hostile site ----------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BuiltSite, StaticServer]]:
    """The hostile site, with editor litter beside its records, built under `/digest/` and served."""
    root = tmp_path_factory.mktemp("hostile")
    content = root / "content"
    shutil.copytree(CONTENT, content)
    for name, data in EDITOR_FILES.items():
        (content / "papers" / name).write_bytes(data)
    # An Emacs lock file is a dangling link.
    (content / "papers" / ".#hostile-markup.md").symlink_to("user@host.4242:1700000000")
    site, server = build_served(content, root / "served")
    yield site, server
    server.stop()


@pytest.fixture(scope="module")
def site(hostile_site: tuple[BuiltSite, StaticServer]) -> BuiltSite:
    return hostile_site[0]


def output_files(site: BuiltSite, *suffixes: str) -> list[Path]:
    return sorted(p for p in site.output.rglob("*") if p.is_file() and (not suffixes or p.suffix in suffixes))


def base_path(site: BuiltSite) -> str:
    return "/" + site.base_url.split("/", 3)[3]


# --- checks on HTML, used for pages and for the HTML inside feeds and JSON --------------


def url_scheme(url: str) -> str | None:
    """The scheme a browser reads: controls and spaces around it and tabs/newlines in it are ignored."""
    probe = re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                                               "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", probe)
    return match.group(1) if match else None


def bad_url(url: str) -> bool:
    scheme = url_scheme(url)
    return scheme is not None and scheme not in ALLOWED_SCHEMES


def theme_script(attributes: dict[str, str | None], base: str) -> bool:
    """A script element the theme writes: its own files under the base path, or a JSON data block."""
    src = attributes.get("src")
    if src is not None:
        return src.startswith(base) and not src.startswith("//") and src.endswith(".js") and FLAG not in src
    return (attributes.get("type") or "").lower() in DATA_SCRIPT_TYPES


class _PageParser(html.parser.HTMLParser):
    """The parsed view: start tags with decoded attributes, text, script bodies and comments."""

    def __init__(self, base: str, scripts_allowed: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.scripts_allowed = scripts_allowed
        self.problems: list[str] = []
        self.ids: list[str] = []
        self.flags_inert = 0
        """Payload marks found in text and attribute values, where they are inert."""
        self.script: list[str] | None = None
        self.script_type = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has the event handler attribute `{name}`")
            if FLAG in name:
                self.problems.append(f"<{tag}> has an attribute named from record text: `{name}`")
            if value is None:
                continue
            self.flags_inert += value.count(FLAG)
            if name in URL_ATTRIBUTES and bad_url(value):
                self.problems.append(f"<{tag} {name}> holds a dangerous URL: `{value}`")
            if name == "srcset" and any(bad_url(part.strip().split(" ")[0]) for part in value.split(",")):
                self.problems.append(f"<{tag} srcset> holds a dangerous URL: `{value}`")
            if name == "id":
                self.ids.append(value)
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"the element <{tag}> is in the page")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("a <meta http-equiv=refresh> is in the page")
        if tag == "script":
            if not self.scripts_allowed or not theme_script(attributes, self.base):
                self.problems.append(f"a script element that is not the theme's: {attrs}")
            self.script, self.script_type = [], (attributes.get("type") or "").lower()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag != "script" or self.script is None:
            return
        body = "".join(self.script)
        if self.script_type in DATA_SCRIPT_TYPES:
            # Record text in a JSON data block is data, as long as it stays inside the block:
            # `|tojson` escapes `<`, so `</script>` and `<!--` in record text cannot end it.
            if "<" in body:
                self.problems.append(f"a `<` inside a JSON script block: {body[:200]!r}")
            try:
                json.loads(body)
                self.flags_inert += body.count(FLAG)
            except ValueError as exc:
                self.problems.append(f"a JSON script block that does not parse ({exc}): {body[:200]!r}")
        elif body.strip():
            self.problems.append(f"an inline script: {body[:200]!r}")
        self.script = None

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script.append(data)
        else:
            self.flags_inert += data.count(FLAG)

    def handle_comment(self, data: str) -> None:
        if FLAG in data:
            self.problems.append(f"record text made a comment: <!--{data[:80]}-->")


def raw_problems(text: str, base: str, scripts_allowed: bool) -> list[str]:
    """The raw-bytes view: every `<letter` starts a well-formed tag without handlers or foreign scripts."""
    problems: list[str] = []
    for start in (m.start() for m in re.finditer(r"<[A-Za-z]", text)):
        tag = START_TAG.match(text, start)
        if tag is None:
            problems.append(f"cannot read the tag at {text[start:start + 80]!r}")
            continue
        name = tag.group(1).lower()
        attributes: dict[str, str | None] = {}
        for attribute in ATTRIBUTE.finditer(tag.group(2)):
            key, value = attribute.group(1).lower(), attribute.group(2)
            attributes[key] = html.unescape(value.strip("\"'")) if value is not None else None
            if re.fullmatch(r"on\w+", key):
                problems.append(f"raw: <{name}> has the event handler attribute `{key}`")
        if name == "script" and not (scripts_allowed and theme_script(attributes, base)):
            problems.append(f"raw: a script tag that is not the theme's: {tag.group(0)[:200]}")
    return problems


def html_problems(text: str, base: str, *, scripts_allowed: bool = True) -> tuple[list[str], list[str]]:
    """(problems, ids) of an HTML page or fragment, from both the raw and the parsed view."""
    parser = _PageParser(base, scripts_allowed)
    parser.feed(text)
    parser.close()
    problems = raw_problems(text, base, scripts_allowed) + parser.problems
    # Every payload must have landed as inert text or an attribute value.
    if text.count(FLAG) != parser.flags_inert:
        problems.append(f"{text.count(FLAG)} payload marks in the bytes, {parser.flags_inert} of them inert")
    return problems, parser.ids


# --- feeds and JSON ---------------------------------------------------------------------

JSON_URL_KEYS = {"url", "href", "external_url", "feed_url", "home_page_url", "image", "banner_image", "icon",
                 "favicon", "avatar", "URL", "sameAs", "@id"}


def carries_html(element: etree._Element) -> bool:
    """Feed elements whose text is HTML: an RSS item's description and `content:encoded`,
    Atom's content and summary of type `html`. Titles and the channel's description are text."""
    name = etree.QName(element).localname
    parent = element.getparent()
    if name == "description":
        return parent is not None and etree.QName(parent).localname == "item"
    if name == "encoded":
        return True
    return element.get("type") == "html"


def xml_problems(data: bytes, base: str) -> list[str]:
    problems = [f"raw: `<script` in XML at byte {m.start()}" for m in re.finditer(rb"<script", data, re.I)]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(data, parser)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        if name == "script":
            problems.append("a script element in XML")
        for key, value in element.attrib.items():
            local = etree.QName(key).localname
            if local.startswith("on"):
                problems.append(f"<{name}> has the attribute `{local}`")
            if local in URL_ATTRIBUTES and bad_url(value):
                problems.append(f"<{name} {local}> holds a dangerous URL: `{value}`")
        if name == "link" and element.text and bad_url(element.text.strip()):
            problems.append(f"<link> holds a dangerous URL: `{element.text}`")
        if carries_html(element) and element.text and "<" in element.text:
            found, _ = html_problems(element.text, base, scripts_allowed=False)
            problems += [f"in <{name}>: {problem}" for problem in found]
    return problems


def json_problems(value: object, base: str, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [problem for k, v in value.items() for problem in json_problems(v, base, str(k))]
    if isinstance(value, list):
        return [problem for item in value for problem in json_problems(item, base, key)]
    if not isinstance(value, str):
        return []
    if key in JSON_URL_KEYS and bad_url(value):
        return [f"`{key}` holds a dangerous URL: `{value}`"]
    if key.endswith("_html"):
        return [f"in `{key}`: {problem}" for problem in html_problems(value, base, scripts_allowed=False)[0]]
    return []


def json_strings(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)
    elif isinstance(value, str):
        yield value


# --- the site builds, and nothing in it is markup from records ---------------------------


def test_hostile_site_builds_every_record(site: BuiltSite) -> None:
    records = sorted(p.stem for p in CONTENT.joinpath("papers").glob("*.md"))
    pages = sorted(p.parent.name for p in (site.output / "papers").glob("*/index.html"))
    assert site.report.papers == len(records) == len(pages)
    # The payloads did reach the output (as text), so the checks below are not vacuous.
    assert sum(path.read_bytes().count(FLAG.encode()) for path in output_files(site)) > 100


def test_editor_and_system_files_are_ignored(site: BuiltSite) -> None:
    # The fixture put a binary `._x.md`, a broken `x.md~`, a `.swp`, vim's `4913` and an
    # Emacs lock link beside the records; the build read none of them.
    assert [w for w in site.report.warnings if any(name in w for name in [*EDITOR_FILES, ".#"])] == []
    assert not any(name in path.as_posix() for path in output_files(site) for name in ("._", ".#", "~", ".swp", "4913"))


def test_no_page_has_script_handler_or_dangerous_url_from_records(site: BuiltSite) -> None:
    problems = []
    pages = output_files(site, ".html")
    assert len(pages) > 40
    for path in pages:
        found, _ = html_problems(path.read_text(encoding="utf-8"), base_path(site))
        problems += [f"{path.relative_to(site.output)}: {problem}" for problem in found]
    assert problems == []


def test_ids_are_unique_on_every_page_and_footnotes_are_prefixed(site: BuiltSite) -> None:
    duplicates = {}
    for path in output_files(site, ".html"):
        _, ids = html_problems(path.read_text(encoding="utf-8"), base_path(site))
        repeated = [name for name, count in Counter(ids).items() if count > 1]
        if repeated:
            duplicates[str(path.relative_to(site.output))] = repeated
    assert duplicates == {}
    # The abstract and the notes of one paper both number their notes from 1.
    paper = (site.output / "papers" / "hostile-footnotes-a" / "index.html").read_text(encoding="utf-8")
    for note in ("abstract-fn1", "abstract-fn2", "abstract-fnref2", "notes-fn1", "notes-fnref1", "notes-fnref1-1"):
        assert f'id="p-hostile-footnotes-a-{note}"' in paper
    # A footnote label or a heading attribute in record text never becomes an id.
    assert 'id="main"' in paper and paper.count('id="main"') == 1


def test_record_text_is_shown_as_text(site: BuiltSite) -> None:
    page = (site.output / "papers" / "hostile-markup" / "index.html").read_text(encoding="utf-8")
    assert ('<h1 class="paper-title">&lt;script&gt;window.__pwned=1&lt;/script&gt; Markup '
            "&lt;img src=x onerror=window.__pwned=1&gt; in <em>every</em> field</h1>") in page
    assert "<dd>&lt;iframe src=&#34;javascript:window.__pwned=1&#34;&gt;&lt;/iframe&gt;</dd>" in page
    # A DOI may hold `"` and `>`: it is percent-encoded in the link.
    assert 'href="https://doi.org/10.1000/%22%3E%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E"' in page


def test_record_text_is_never_template_source(site: BuiltSite) -> None:
    page = (site.output / "papers" / "hostile-template" / "index.html").read_text(encoding="utf-8")
    assert '<h1 class="paper-title">{{ 7*7 }} and {% raw %}{% endraw %} in a title</h1>' in page
    assert "{% include &quot;base.html&quot; %}" in page and "{% include &#39;base.html&#39; %}" in page
    assert "{{ paper.id }}" in page and "{# a comment #}" in page
    assert page.count("<!doctype html>") == 1 and ">49<" not in page and " 49 " not in page


def test_dangerous_markdown_links_are_text(site: BuiltSite) -> None:
    page = (site.output / "papers" / "hostile-links" / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert "https://example.org/ok" in hrefs and "mailto:eve@example.org" in hrefs
    assert not [href for href in hrefs if bad_url(html.unescape(href))]
    assert "[plain](javascript:window.__pwned=1)" in page  # kept as the text it is


def test_code_fence_info_strings_never_reach_attributes(site: BuiltSite) -> None:
    page = lxml.html.parse(str(site.output / "papers" / "hostile-code" / "index.html"))
    prose = [lxml.html.tostring(div, encoding="unicode") for div in page.xpath("//article[@class='paper']/section/div[@class='prose']")]
    assert len(prose) == 2 and 'print("info string that closes the attribute")' in prose[0]
    assert not [text for text in prose if "onload" in text or "no-such-language" in text or "python" in text]
    assert sum(text.count('<div class="highlight">') for text in prose) == 5


def test_control_characters_in_notes_are_dropped(site: BuiltSite) -> None:
    data = (site.output / "papers" / "hostile-controls" / "index.html").read_bytes()
    assert b"Bell , escape [31mred[0m" in data
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]", data)


def test_tags_equal_after_nfc_and_casefold_are_one_tag(site: BuiltSite) -> None:
    tags = sorted(p.name for p in (site.output / "tags").iterdir() if p.is_dir())
    assert "cafe" in tags and "llm" in tags
    cafe = (site.output / "tags" / "cafe" / "index.html").read_text(encoding="utf-8")
    # Café in NFC (and CAFÉ) and in NFD: one tag page with all three papers, named in NFC.
    assert cafe.count('class="paper-card"') == 3
    assert unicodedata.normalize("NFD", "Café") not in cafe
    # Old-style arXiv ids live under their documented slugs.
    assert (site.output / "papers" / "hep-th-9901001" / "index.html").is_file()
    assert (site.output / "papers" / "math.gt-0309136" / "index.html").is_file()


def test_json_ld_cannot_be_broken_out_of(site: BuiltSite) -> None:
    page = (site.output / "papers" / "hostile-script-data" / "index.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    if not blocks:
        pytest.skip("the theme writes no JSON-LD")
    assert len(blocks) == 1 and "<" not in blocks[0]
    strings = list(json_strings(json.loads(blocks[0])))
    assert any("</script><script>window.__pwned=1</script> <!--" in text for text in strings)


def test_feeds_and_other_xml_are_well_formed_and_inert(site: BuiltSite) -> None:
    files = output_files(site, ".xml", ".opml")
    problems = []
    texts: list[str] = []
    for path in files:
        data = path.read_bytes()
        problems += [f"{path.relative_to(site.output)}: {problem}" for problem in xml_problems(data, base_path(site))]
        texts += [text for text in etree.fromstring(data).itertext()]
    assert problems == []
    feeds = [path for path in files if path.name != "sitemap.xml"]
    if feeds:
        # A title with `]]>` and `</script>` survives whole, as text.
        assert any("Breaking out: </script><script>window.__pwned=1</script> <!-- ]]>" in text for text in texts)


def test_json_files_hold_text_and_safe_urls(site: BuiltSite) -> None:
    problems = []
    strings: list[str] = []
    files = output_files(site, ".json")
    assert any(path.parent.name == "docs" for path in files)
    for path in files:
        value = json.loads(path.read_bytes())
        problems += [f"{path.relative_to(site.output)}: {problem}" for problem in json_problems(value, base_path(site))]
        strings += list(json_strings(value))
    assert problems == []
    # Search data is plain text: the browser puts it in text nodes, so it stays verbatim.
    assert "<script>window.__pwned=1</script> Markup <img src=x onerror=window.__pwned=1> in every field" in strings


def test_hostile_pages_pass_the_nu_html_checker(site: BuiltSite) -> None:
    assert nu_errors(output_files(site, ".html")) == []


# --- templates -------------------------------------------------------------------------

SAFE_FILTER = re.compile(r"([\w.\[\]'\"]+)\s*\|\s*safe\b")


def template_files() -> list[Path]:
    return sorted(p for p in THEMES.glob("*/templates/**/*") if p.is_file())


def test_safe_is_applied_only_to_html_the_build_produced() -> None:
    from generator import plan, views

    produced = {name for module in (plan, views) for cls in vars(module).values()
                if isinstance(cls, type) and hasattr(cls, "__dataclass_fields__")
                for name in cls.__dataclass_fields__ if name.endswith("_html")}
    assert {"title_html", "abstract_html", "notes_html"} <= produced
    misuse = []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        for match in SAFE_FILTER.finditer(text):
            field = match.group(1).rsplit(".", 1)[-1]
            if field not in produced:
                misuse.append(f"{path.relative_to(THEMES)}: `{match.group(0)}`")
        misuse += [f"{path.relative_to(THEMES)}: `{m.group(0)}`" for m in re.finditer(r"\)\s*\|\s*safe\b|\|\s*safe\s*\(", text)]
        misuse += [f"{path.relative_to(THEMES)}: `xmlattr`" for _ in re.finditer(r"\bxmlattr\b", text)]
        if path.suffix != ".txt" and re.search(r"autoescape\s+false", text):
            misuse.append(f"{path.relative_to(THEMES)}: autoescaping turned off")
    assert misuse == []
    # Record fields never carry HTML: none of them is named like one.
    from generator.records import Paper

    assert not [name for name in Paper.__dataclass_fields__ if name.endswith("_html")]


def test_script_data_in_templates_goes_through_tojson() -> None:
    problems = []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        for body in re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.S):
            for expression in re.findall(r"\{\{(.*?)\}\}", body, re.S):
                if not re.search(r"\|\s*tojson\s*$", expression.strip()):
                    problems.append(f"{path.relative_to(THEMES)}: `{{{{{expression}}}}}` inside <script>")
    assert problems == []


def test_every_jinja_environment_escapes_whatever_the_template_name() -> None:
    from generator.render import make_environment
    from generator.themes import theme_dirs

    env = make_environment(theme_dirs("default", CONTENT.parent))
    assert env.autoescape is True
    names = ("page.html", "feed.xml", "card.j2", "plain")
    overlay = env.overlay(loader=jinja2.DictLoader({name: "{{ v }}" for name in names}))
    for name in names:
        assert overlay.get_template(name).render(v="<script>") == "&lt;script&gt;", name
    sources = [p for p in Path(__file__).parent.parent.joinpath("generator").rglob("*.py")]
    calls = [(path, match) for path in sources for match in re.finditer(r"jinja2\.Environment\((.*?)\n\s*\)", path.read_text(), re.S)]
    assert calls and all("autoescape=True" in match.group(1) for _, match in calls)


def test_pygments_is_past_its_known_redos() -> None:
    from importlib.metadata import version

    # CVE-2022-40896: exponential backtracking in several lexers, fixed in Pygments 2.15.0.
    assert tuple(int(part) for part in version("pygments").split(".")[:2]) >= (2, 15)


# --- symlinks ---------------------------------------------------------------------------


def small_content(folder: Path) -> Path:
    """A valid one-paper content folder."""
    (folder / "papers").mkdir(parents=True)
    shutil.copy(INVALID / "site.toml", folder / "site.toml")
    shutil.copy(CONTENT / "papers" / "hep-th-9901001.md", folder / "papers")
    return folder


def test_record_link_leaving_the_content_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    content = small_content(tmp_path / "content")
    secret = tmp_path / "secret.md"
    secret.write_text((CONTENT / "papers" / "hostile-template.md").read_text())
    (content / "papers" / "hostile-template.md").symlink_to(secret)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(content_dir=content, output_dir=tmp_path / "output"))
    assert [str(e) for e in caught.value.errors] == [
        f"{content}/papers/hostile-template.md: the link points outside the content folder, to `{secret}`"
        "\n    hint: copy the file into the content folder instead of linking it"]
    assert not (tmp_path / "output").exists()


def test_linked_papers_folder_leaving_the_content_folder_is_an_error(tmp_path: Path) -> None:
    content = small_content(tmp_path / "content")
    shutil.move(content / "papers", tmp_path / "elsewhere")
    (content / "papers").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(content_dir=content, output_dir=tmp_path / "output"))
    assert [(e.path, e.message) for e in caught.value.errors] == [
        (f"{content}/papers", f"the link points outside the content folder, to `{tmp_path / 'elsewhere'}`")]


def test_linked_digest_intro_leaving_the_content_folder_is_an_error(tmp_path: Path) -> None:
    content = small_content(tmp_path / "content")
    (content / "digests").mkdir()
    (tmp_path / "intro.md").write_text("A private note.\n")
    (content / "digests" / "2025-03-11.md").symlink_to(tmp_path / "intro.md")
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(content_dir=content, output_dir=tmp_path / "output"))
    assert [e.path for e in caught.value.errors] == [f"{content}/digests/2025-03-11.md"]


def test_link_inside_the_content_folder_is_followed(tmp_path: Path) -> None:
    content = small_content(tmp_path / "content")
    (content / "drafts").mkdir()
    shutil.move(content / "papers" / "hep-th-9901001.md", content / "drafts" / "hep-th-9901001.md")
    (content / "papers" / "hep-th-9901001.md").symlink_to(content / "drafts" / "hep-th-9901001.md")
    report = build(BuildOptions(content_dir=content, output_dir=tmp_path / "output"))
    assert report.papers == 1


@pytest.mark.parametrize("folder", ["static", "templates"])
def test_theme_file_linking_outside_the_theme_is_refused(tmp_path: Path, folder: str) -> None:
    content = small_content(tmp_path / "content")
    (content / "site.toml").write_text((content / "site.toml").read_text() + 'theme = "linked"\n')
    theme = tmp_path / "themes" / "linked" / folder
    theme.mkdir(parents=True)
    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN PRIVATE KEY-----\n")
    name = "style.css" if folder == "static" else "paper.html"
    (theme / name).symlink_to(secret)
    with pytest.raises(ThemeError, match=re.escape(f"`{theme / name}` links outside its theme, to `{secret}`")):
        build(BuildOptions(content_dir=content, output_dir=tmp_path / "output"))
    assert not (tmp_path / "output").exists()


# --- encodings --------------------------------------------------------------------------


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("variant", ["bom", "crlf", "cr", "bom-crlf"])
def test_bom_and_line_ends_give_a_byte_identical_hostile_site(tmp_path: Path, site: BuiltSite, variant: str) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    for path in (content / "papers").glob("*.md"):
        data = path.read_bytes()
        if "crlf" in variant:
            data = data.replace(b"\n", b"\r\n")
        elif variant == "cr":
            data = data.replace(b"\n", b"\r")
        if "bom" in variant:
            data = b"\xef\xbb\xbf" + data
        path.write_bytes(data)
    build(BuildOptions(content_dir=content, output_dir=tmp_path / "output", base_url=site.base_url))
    assert tree(tmp_path / "output") == tree(site.output)


# --- invalid records: refused, exactly reported, output/ untouched -------------------------

INVALID_CASES = sorted(p.name for p in INVALID.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def previous_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built from a valid record: what `output/` holds before a failing build."""
    root = tmp_path_factory.mktemp("previous")
    output = root / "output"
    build(BuildOptions(content_dir=small_content(root / "content"), output_dir=output))
    return output


def test_every_invalid_case_has_its_expected_report() -> None:
    assert len(INVALID_CASES) >= 25
    assert [case for case in INVALID_CASES if not (INVALID / case / "expected.txt").is_file()] == []


@pytest.mark.parametrize("case", INVALID_CASES)
def test_invalid_case_is_refused_and_leaves_output_unchanged(tmp_path: Path, previous_output: Path, case: str) -> None:
    content = tmp_path / "content"
    shutil.copytree(INVALID / case, content, ignore=shutil.ignore_patterns("expected.txt"))
    if not (content / "site.toml").exists():
        shutil.copy(INVALID / "site.toml", content / "site.toml")
    output = tmp_path / "output"
    shutil.copytree(previous_output, output)
    before = tree(output)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(content_dir=content, output_dir=output))
    report = caught.value.report().replace(str(content), "content")
    assert report + "\n" == (INVALID / case / "expected.txt").read_text(encoding="utf-8")
    for error in caught.value.errors:
        assert Path(error.path).is_file() and error.line is not None  # the file and its line
    assert tree(output) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(STAGING_PREFIX)] == []


def test_cli_reports_an_invalid_case_and_exits_1(tmp_path: Path, previous_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.cli import make_parser

    content = tmp_path / "content"
    shutil.copytree(INVALID / "link-javascript", content, ignore=shutil.ignore_patterns("expected.txt"))
    shutil.copy(INVALID / "site.toml", content / "site.toml")
    output = tmp_path / "output"
    shutil.copytree(previous_output, output)
    before = tree(output)
    parser, handlers = make_parser()
    assert handlers["build"](parser.parse_args(["build", "--content", str(content), "--output", str(output), "--no-cache"])) == 1
    err = capsys.readouterr().err
    assert f"error: {content}/papers/2503.10000.md:9: links.code: expected an http(s) URL, got `javascript:window.__pwned=1`" in err
    assert f"`{output}` is unchanged" in err
    assert tree(output) == before


# --- Chromium: nothing runs ---------------------------------------------------------------


PAYLOAD_CHECK = """() => {
  const bad = [];
  for (const node of document.querySelectorAll('*')) {
    for (const attribute of node.attributes) {
      if (/^on/i.test(attribute.name)) bad.push(node.tagName + ' ' + attribute.name);
    }
    for (const name of ['href', 'src', 'action', 'formaction', 'data']) {
      const value = node.getAttribute(name);
      if (value === null) continue;
      const protocol = new URL(value, document.baseURI).protocol;
      if (!['http:', 'https:', 'mailto:'].includes(protocol)) bad.push(node.tagName + ' ' + name + '=' + value);
    }
  }
  return {pwned: window.__pwned, bad};
}"""


@pytest.mark.browser
def test_no_payload_runs_in_chromium(hostile_site: tuple[BuiltSite, StaticServer], page: object) -> None:
    site, _server = hostile_site
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
    # The flag works: the same payload in a page of our own does set it.
    page.set_content("<img src=x onerror=window.__pwned=1>")  # type: ignore[attr-defined]
    page.wait_for_function("window.__pwned === 1")  # type: ignore[attr-defined]

    pages = output_files(site, ".html")
    found = {}
    for path in pages:
        url = site.base_url + path.relative_to(site.output).as_posix().removesuffix("index.html")
        page.goto(url, wait_until="load")  # type: ignore[attr-defined]
        result = page.evaluate(PAYLOAD_CHECK)  # type: ignore[attr-defined]
        if result["pwned"] is not None or result["bad"]:
            found[url] = result
    assert found == {}

    # Search: a hostile query typed and read from the URL, and results full of hostile titles.
    page.goto(site.base_url + "search/?q=%3Csvg%20onload%3Dwindow.__pwned%3D1%3E")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelector('#search-status').textContent !== ''")  # type: ignore[attr-defined]
    search = page.locator("#search-q")  # type: ignore[attr-defined]
    search.fill("<img src=x onerror=window.__pwned=1>")
    page.wait_for_function("document.querySelector('#search-status').textContent.includes('<img')")  # type: ignore[attr-defined]
    search.fill("markup")
    page.wait_for_function("[...document.querySelectorAll('#search-results .search-result-title')]"  # type: ignore[attr-defined]
                           ".some((a) => a.textContent.includes('<img src=x onerror=window.__pwned=1>'))")
    assert page.locator("#search-results mark").count() > 0  # type: ignore[attr-defined]
    assert page.evaluate(PAYLOAD_CHECK) == {"pwned": None, "bad": []}  # type: ignore[attr-defined]
    # The header box's suggestions on another page.
    page.goto(site.base_url)  # type: ignore[attr-defined]
    page.locator("#site-search-q").fill("markup")  # type: ignore[attr-defined]
    page.wait_for_function("document.querySelectorAll('.site-search-suggestions li').length > 0")  # type: ignore[attr-defined]
    assert page.evaluate(PAYLOAD_CHECK) == {"pwned": None, "bad": []}  # type: ignore[attr-defined]
    assert dialogs == [] and page.page_errors == []  # type: ignore[attr-defined]
