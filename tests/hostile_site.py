"""A small content folder of hostile records, for the feed and email tests.

Values are written as JSON strings, which YAML reads as double-quoted scalars.
The loader refuses control characters in front matter, so they come in through
the notes (the Markdown body), which feeds and email carry too.
"""

from __future__ import annotations

import json
from pathlib import Path

BASE_URL = "https://hostile.example.org/digest/"
SCRIPT_TITLE = "<script>alert(1)</script> Fast & ]]> Loud $\\alpha < \\beta$"
BAD_AUTHOR = "Ann O'Brien & <b>Bold</b>"

NOTES = {"hostile-one": "Notes with a \x07bell, an \x1bescape and a \x0bvertical tab, <script>alert('notes')</script> and ]]>.\n"}

RECORDS: dict[str, dict[str, object]] = {
    "hostile-one": {
        "id": "hostile-one",
        "title": SCRIPT_TITLE,
        "authors": [BAD_AUTHOR, "Bob ]]> Smith"],
        "abstract": ("An ampersand & a ]]> sequence, <script>alert('abs')</script>, "
                     "math $\\frac{a}{b} < c$, a [relative link](../hostile-two/), a [root link](/elsewhere/) "
                     "and a footnote[^1].\n\n[^1]: A note with $x^2$."),
        "date": "2025-01-02",
        "updated": "2025-01-05",
        "version": 2,
        "tags": ["c&d", "<i>x</i>"],
        "links": {"code": "https://example.org/code?a=1&b=2"},
    },
    "hostile-two": {
        "id": "hostile-two",
        "title": "Plain & simple: \\(E = mc^2\\)",
        "authors": [],
        "abstract": "",
        "date": "2025-01-02",
        "tags": [],
    },
    "2501.00001": {
        "id": "2501.00001",
        "title": "$\\mathcal{O}(n)$ sorting for \"quoted\" people",
        "authors": ["Zoë Ünicode"],
        "abstract": "We sort in $\\mathcal{O}(n)$ time when $n < 10$.",
        "date": "2025-01-01",
        "tags": ["c&d"],
    },
}


def write_hostile_content(folder: Path) -> Path:
    """Write `site.toml` and the records into `folder/content`; returns that folder."""
    content = folder / "content"
    (content / "papers").mkdir(parents=True)
    (content / "site.toml").write_text(
        'title = "Hostile & <Digest>"\n'
        f'base_url = "{BASE_URL}"\n'
        'description = "Records that try to break things."\n'
        'curator = "Curator ]]> & co"\n',
        encoding="utf-8",
    )
    for name, fields in RECORDS.items():
        front = "\n".join(f"{key}: {json.dumps(value)}" for key, value in fields.items())
        (content / "papers" / f"{name}.md").write_text(f"---\n{front}\n---\n{NOTES.get(name, '')}", encoding="utf-8")
    return content
