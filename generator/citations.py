"""Citations and machine-readable metadata of papers (issue 8).

One `Work` per paper holds what every format reads; from it come BibTeX, RIS
and CSL-JSON files, Google Scholar's `citation_*` meta tags, a schema.org
`ScholarlyArticle` for JSON-LD, and OpenGraph/Twitter card tags.

Record text is untrusted. Meta tags and JSON-LD are escaped by the templates
(autoescape and `tojson`); BibTeX gets its specials escaped here, so a title
can neither break out of its field nor run a TeX command; RIS values are kept
to one line, so a value can never start a tag of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Iterable

from .frozen import frozen
from .ids import slugify
from .json_text import compact_json
from .records import Paper
from .site import Site
from .urls import Urls
from .views import PaperView

logger = logging.getLogger(__name__)

BIBTEX_FILE = "cite.bib"
RIS_FILE = "cite.ris"
CSL_FILE = "cite.json"
BIBLIOGRAPHY_FILE = "bibliography.bib"

# Words skipped when a citation key takes the first word of the title.
KEY_STOP_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards", "toward", "is", "are"})
DESCRIPTION_CHARS = 200


@frozen
class Work:
    """What every citation format needs of one paper, plain text only."""

    key: str
    """The BibTeX key, unique in the site (`ouyang2024i2vedit`)."""
    paper_id: str
    title: str
    authors: tuple[str, ...]
    issued: dt.date
    """First publication (the record's `published`), else the digest day."""
    updated: dt.date | None
    abstract: str
    tags: tuple[str, ...]
    page_url: str
    """Absolute URL of the paper's page in the digest."""
    site_title: str
    arxiv_id: str | None = None
    doi: str | None = None
    venue: str | None = None
    journal_ref: str | None = None
    pdf_url: str | None = None

    @property
    def arxiv_url(self) -> str | None:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else None

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None


@frozen
class PreviewImage:
    """The picture link previews show (the paper's social card)."""

    url: str
    alt: str
    width: int
    height: int


class Citation:
    """What a paper page shows and declares about citing it: its `work`, BibTeX and file
    links, its meta tags and JSON-LD.

    The work and BibTeX are made from the paper's view and citation key when something
    first reads them (a page being rendered, citation files being written): a build
    after one edit renders a few pages and writes a few files, and needs no other
    paper's. The meta tags are made each time a template reads them, never stored:
    kept for every paper until the pages were rendered, they took more memory than the
    rest of the page plan (about 7 KB a paper).

    A citation equals, and pickles as, what it is made from: a page's fingerprint holds
    the view (by its digest), the key, the URLs, the site's title and the card, not the
    text made from them. The key is the BibTeX key, unique in the site (`ouyang2024i2vedit`).
    """

    __slots__ = ("view", "key", "urls", "site_title", "image", "_work", "_bibtex")

    def __init__(self, view: PaperView, key: str, urls: Urls, site_title: str, image: PreviewImage | None = None) -> None:
        self.view, self.key, self.urls, self.site_title, self.image = view, key, urls, site_title, image
        self._work: Work | None = None
        self._bibtex: str | None = None

    def _made_from(self) -> tuple[PaperView, str, Urls, str, PreviewImage | None]:
        return self.view, self.key, self.urls, self.site_title, self.image

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Citation) and self._made_from() == other._made_from()

    def __hash__(self) -> int:
        return hash(self._made_from())

    def __reduce__(self) -> tuple[type[Citation], tuple[Any, ...]]:
        return Citation, self._made_from()

    def __repr__(self) -> str:
        return f"Citation({self.view.id!r}, {self.key!r})"

    @property
    def work(self) -> Work:
        if self._work is None:
            self._work = make_work(self.view, self.key, self.urls, self.site_title)
        return self._work

    @property
    def bibtex(self) -> str:
        if self._bibtex is None:
            self._bibtex = bibtex_entry(self.work)
        return self._bibtex

    @property
    def bib_url(self) -> str:
        return self.urls.page(file_path(self.view.slug, BIBTEX_FILE))

    @property
    def ris_url(self) -> str:
        return self.urls.page(file_path(self.view.slug, RIS_FILE))

    @property
    def csl_url(self) -> str:
        return self.urls.page(file_path(self.view.slug, CSL_FILE))

    @property
    def scholar(self) -> tuple[tuple[str, str], ...]:
        """Google Scholar `<meta name content>` pairs, `citation_author` once per author."""
        return scholar_meta(self.work)

    @property
    def opengraph(self) -> tuple[tuple[str, str], ...]:
        """`<meta property content>` pairs."""
        tags = opengraph_meta(self.work, short_description(self.work.abstract))
        if self.image is None:
            return tags
        return tags + (("og:image", self.image.url), ("og:image:width", str(self.image.width)),
                       ("og:image:height", str(self.image.height)), ("og:image:alt", self.image.alt))

    @property
    def twitter(self) -> tuple[tuple[str, str], ...]:
        """`<meta name content>` pairs. X reads the title and description from the
        OpenGraph tags when its own are absent: repeating them would add half a
        kilobyte to every paper page."""
        if self.image is None:
            return (("twitter:card", "summary"),)
        return (("twitter:card", "summary_large_image"), ("twitter:image", self.image.url),
                ("twitter:image:alt", self.image.alt))

    @property
    def json_ld(self) -> dict[str, Any]:
        """A schema.org ScholarlyArticle, for `<script type="application/ld+json">{{ ...|tojson }}`."""
        return json_ld(self.work)


# --- works and keys -------------------------------------------------------------------------------


def make_work(view: PaperView, key: str, urls: Urls, site_title: str) -> Work:
    return Work(
        key=key, paper_id=view.id, title=view.title_text, authors=tuple(link.label for link in view.authors),
        issued=view.published or view.day, updated=view.updated, abstract=view.abstract_text,
        tags=tuple(link.label for link in view.tags), page_url=urls.absolute(view.url),
        site_title=site_title, arxiv_id=view.arxiv_id, doi=view.doi, venue=view.venue,
        journal_ref=view.journal_ref, pdf_url=next((link.url for link in view.links if link.kind == "pdf"), None),
    )


def family_name(name: str) -> str:
    """The last word of a name as written (`Wenqi Ouyang` -> `Ouyang`); a `Last, First` name's part before the comma."""
    if "," in name:
        return name.split(",", 1)[0].strip()
    parts = name.split()
    return parts[-1] if parts else ""


def given_names(name: str) -> str:
    if "," in name:
        return name.split(",", 1)[1].strip()
    return " ".join(name.split()[:-1])


def base_key(paper: Paper) -> str:
    """First author's family name, year, first word of the title that is not a stop word, in ASCII."""
    author = slugify(family_name(paper.authors[0])).replace("-", "") if paper.authors else ""
    year = (paper.published or paper.day).year
    words = [w for w in slugify(paper.title).split("-") if w]
    word = next((w for w in words if w not in KEY_STOP_WORDS), words[0] if words else "")
    return f"{author or 'anon'}{year}{word}"


def citation_keys(papers: Iterable[Paper], base_keys: dict[str, str] | None = None) -> dict[str, str]:
    """Paper id -> key. A clash adds `b`, `c`, … to the later papers (by day, then id), so a
    paper keeps its key when newer papers arrive. `base_keys` may give `base_key()` of some papers."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for paper in sorted(papers, key=lambda p: (p.day, p.id)):
        base = base_keys.get(paper.id) if base_keys else None
        base = base or base_key(paper)
        key, number = base, 1
        while key in taken:
            number += 1
            key = base + _suffix(number)
        taken.add(key)
        keys[paper.id] = key
    return keys


def _suffix(number: int) -> str:
    """2 -> `b`, 26 -> `z`, 27 -> `ba`: letters, so keys stay BibTeX-safe and readable."""
    letters = ""
    number -= 1
    while number:
        number, digit = divmod(number, 26)
        letters = chr(ord("a") + digit) + letters
    return letters


# --- BibTeX -------------------------------------------------------------------------------------

# `{\macro}` is BibTeX's "special character": one letter to its name splitting and sorting.
_BIBTEX_SPECIALS = {
    "\\": r"{\textbackslash}", "{": r"{\textbraceleft}", "}": r"{\textbraceright}",
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"{\textasciitilde}", "^": r"{\textasciicircum}",
}
_BIBTEX_SPECIAL = re.compile("[" + re.escape("".join(_BIBTEX_SPECIALS)) + "]")
# Verbatim fields (url, doi, eprint) keep `%`, `#`, `_` as they are; only what
# would end or nest the braced value is percent-encoded.
_AND_WORD = re.compile(r"\band\b", re.IGNORECASE)
_VERBATIM_UNSAFE = str.maketrans({"{": "%7B", "}": "%7D", "\\": "%5C"})


def bibtex_text(text: str) -> str:
    """Record text as a BibTeX field value: one line, every TeX special escaped.

    Braces become `{\\textbraceleft}`, not `\\{`: BibTeX counts `\\{` as an opening
    brace, so a lone one in a title would swallow the rest of the file.
    """
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_SPECIALS[m.group()], " ".join(text.split()))


def bibtex_verbatim(text: str) -> str:
    return "".join(text.split()).translate(_VERBATIM_UNSAFE)


def bibtex_name(name: str) -> str:
    # BibTeX splits the author list at the word `and`: a name holding it is braced whole.
    escaped = bibtex_text(name)
    return "{" + escaped + "}" if _AND_WORD.search(escaped) else escaped


def bibtex_entry(work: Work) -> str:
    if work.journal_ref:
        kind, container = "article", ("journal", work.journal_ref)
    elif work.venue:
        kind, container = "inproceedings", ("booktitle", work.venue)
    else:
        kind, container = "misc", None
    fields: list[tuple[str, str]] = [
        # Double braces keep the title's capitals (`BERT`) from being lowered by styles.
        ("title", "{" + bibtex_text(work.title) + "}"),
        ("author", " and ".join(bibtex_name(name) for name in work.authors)),
    ]
    if container:
        fields.append((container[0], bibtex_text(container[1])))
    fields.append(("year", str(work.issued.year)))
    if work.arxiv_id:
        fields += [("eprint", bibtex_verbatim(work.arxiv_id)), ("archivePrefix", "arXiv")]
    if work.doi:
        fields.append(("doi", bibtex_verbatim(work.doi)))
    fields.append(("url", bibtex_verbatim(work.arxiv_url or work.page_url)))
    lines = [f"@{kind}{{{work.key},"] + [f"  {name} = {{{value}}}," for name, value in fields if value] + ["}"]
    return "\n".join(lines) + "\n"


# --- RIS and CSL-JSON ---------------------------------------------------------------------------


def _ris_value(text: str) -> str:
    return " ".join(text.split())


def ris_record(work: Work) -> str:
    kind = "JOUR" if work.journal_ref else "CONF" if work.venue else "UNPB"
    lines = [("TY", kind), ("ID", work.key), ("TI", work.title)]
    lines += [("AU", f"{family_name(name)}, {given_names(name)}" if given_names(name) else name) for name in work.authors]
    lines += [("PY", str(work.issued.year)), ("DA", work.issued.strftime("%Y/%m/%d"))]
    if work.journal_ref:
        lines.append(("JO", work.journal_ref))
    elif work.venue:
        lines.append(("T2", work.venue))
    if work.abstract:
        lines.append(("AB", work.abstract))
    lines += [("KW", tag) for tag in work.tags]
    if work.doi:
        lines.append(("DO", work.doi))
    if work.arxiv_id:
        lines.append(("N1", f"arXiv:{work.arxiv_id}"))
    lines.append(("UR", work.arxiv_url or work.page_url))
    if work.pdf_url:
        lines.append(("L1", work.pdf_url))
    values = ((tag, _ris_value(value)) for tag, value in lines)
    return "".join(f"{tag}  - {value}\r\n" for tag, value in values if value) + "ER  - \r\n"


def csl_item(work: Work) -> dict[str, Any]:
    """A CSL-JSON item, as Zotero and citeproc processors read it."""
    kind = "article-journal" if work.journal_ref else "paper-conference" if work.venue else "article"
    item: dict[str, Any] = {
        "id": work.key,
        "type": kind,
        "title": work.title,
        "author": [{"family": family_name(name), "given": given_names(name)} if given_names(name) else {"literal": name}
                   for name in work.authors],
        "issued": {"date-parts": [[work.issued.year, work.issued.month, work.issued.day]]},
        "URL": work.arxiv_url or work.page_url,
    }
    if work.abstract:
        item["abstract"] = work.abstract
    if work.tags:
        item["keyword"] = ", ".join(work.tags)
    if work.journal_ref or work.venue:
        item["container-title"] = work.journal_ref or work.venue
    if work.doi:
        item["DOI"] = work.doi
    if work.arxiv_id:
        item["publisher"] = "arXiv"
        item["number"] = f"arXiv:{work.arxiv_id}"
    return item


def csl_json(work: Work) -> str:
    return compact_json([csl_item(work)]).decode("utf-8") + "\n"


# --- page metadata ------------------------------------------------------------------------------


def scholar_meta(work: Work) -> tuple[tuple[str, str], ...]:
    """Google Scholar's inclusion tags: `citation_title`, one `citation_author` per author, …"""
    tags: list[tuple[str, str]] = [("citation_title", work.title)]
    tags += [("citation_author", name) for name in work.authors]
    tags.append(("citation_publication_date", work.issued.strftime("%Y/%m/%d")))
    if work.journal_ref:
        tags.append(("citation_journal_title", work.journal_ref))
    if work.venue:
        tags.append(("citation_conference_title", work.venue))
    if work.arxiv_id:
        tags.append(("citation_arxiv_id", work.arxiv_id))
    if work.doi:
        tags.append(("citation_doi", work.doi))
    if work.pdf_url:
        tags.append(("citation_pdf_url", work.pdf_url))
    tags.append(("citation_abstract_html_url", work.page_url))
    return tuple(tags)


def short_description(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The text with its white space collapsed, cut at a word to `limit` characters and an ellipsis."""
    # Collapsing a prefix gives a prefix of the whole text collapsed: when it is already longer
    # than the limit, the rest of an abstract need not be split at all.
    head = " ".join(text[:4 * limit].split())
    if len(head) <= limit:
        head = " ".join(text.split())
        if len(head) <= limit:
            return head
    return head[:limit].rsplit(" ", 1)[0] + "…"


def opengraph_meta(work: Work, description: str) -> tuple[tuple[str, str], ...]:
    tags: list[tuple[str, str]] = [
        ("og:type", "article"), ("og:title", work.title), ("og:url", work.page_url),
        ("og:site_name", work.site_title),
    ]
    if description:
        tags.append(("og:description", description))
    tags.append(("article:published_time", work.issued.isoformat()))
    if work.updated:
        tags.append(("article:modified_time", work.updated.isoformat()))
    tags += [("article:tag", tag) for tag in work.tags]
    return tuple(tags)


def json_ld(work: Work) -> dict[str, Any]:
    """schema.org ScholarlyArticle. `headline` is cut to the 110 characters search engines show."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": short_description(work.title, 110),
        "name": work.title,
        "author": [{"@type": "Person", "name": name} for name in work.authors],
        "datePublished": work.issued.isoformat(),
        "url": work.page_url,
        "mainEntityOfPage": work.page_url,
    }
    if work.updated:
        data["dateModified"] = work.updated.isoformat()
    if work.abstract:  # the page's own description; the whole abstract is on the page itself
        data["description"] = short_description(work.abstract)
    if work.tags:
        data["keywords"] = list(work.tags)
    identifiers = []
    if work.arxiv_id:
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": work.arxiv_id})
    if work.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": work.doi})
    if identifiers:
        data["identifier"] = identifiers
    same_as = [url for url in (work.arxiv_url, work.doi_url) if url]
    if same_as:
        data["sameAs"] = same_as
    if work.journal_ref:
        data["isPartOf"] = {"@type": "Periodical", "name": work.journal_ref}
    if work.venue:
        data["publication"] = {"@type": "PublicationEvent", "name": work.venue}
    return data


def file_path(slug: str, name: str) -> str:
    return f"papers/{slug}/{name}"


def citation_file_paths(slug: str) -> tuple[str, ...]:
    return tuple(file_path(slug, name) for name in (BIBTEX_FILE, RIS_FILE, CSL_FILE))


def paper_citation_files(citation: Citation) -> dict[str, bytes]:
    """One paper's cite.bib, cite.ris and cite.json."""
    slug, work = citation.view.slug, citation.work
    return {
        file_path(slug, BIBTEX_FILE): citation.bibtex.encode(),
        file_path(slug, RIS_FILE): ris_record(work).encode(),
        file_path(slug, CSL_FILE): csl_json(work).encode(),
    }


def bibliography_papers(site: Site) -> dict[str, tuple[Paper, ...]]:
    """The papers of each bibliography file: the site's, each tag's and each digest day's."""
    files = {BIBLIOGRAPHY_FILE: tuple(site.papers.values())}
    for tag in site.tags:
        files[f"tags/{tag.slug}/{BIBLIOGRAPHY_FILE}"] = tuple(tag.papers)
    for day in site.days:
        files[f"digest/{day.key}/{BIBLIOGRAPHY_FILE}"] = tuple(day.papers)
    return files

