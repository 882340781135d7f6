"""A deterministic corpus of N papers for the benchmark, varied from the sample records.

Titles, abstracts, authors and tags are recombined from the sample digest, and
days are spread at about 15 papers a day, so pages, tags, authors and days grow
as they do in a real digest. The same N always gives the same papers.

Recombined sentences alone would keep the sample's vocabulary, about 4,000
terms, however many papers there are; real abstracts keep bringing new words
(method, model and dataset names, rare technical terms). The sample's own
vocabulary grows as papers^0.6 (Heaps' law: 2,088 terms in 40 of its papers,
3,983 in 115), which points to about 58,000 terms at 10,000 papers and 230,000
at 100,000. So each generated paper also takes words from a long-tailed lexicon
of made-up words (see `CoinedWords`), about as many as that growth asks for:
popular ones recur across papers, as well-known model names do, and the rarest
are one paper's own. What depends on the vocabulary (related papers' candidates,
the search index's terms) then grows as it would on real papers.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path
from typing import Iterator

from .records import load_records

PAPERS_PER_DAY = 15
COINED_PER_ABSTRACT = 10
"""Words of each abstract replaced by coined words."""
TITLE_NAME_SHARE = 0.5
"""Share of titles that start with a coined name, as in `Zorvex: ...`."""
LAST_DAY = dt.date(2025, 3, 12)
FIRST_NAMES = ("Wei", "Maria", "Ahmed", "Yuki", "Olga", "Chen", "Priya", "Lucas", "Fatima", "Jonas", "Aisha", "Mateo",
               "Sofia", "Hiro", "Elena", "Kwame", "Ines", "Dmitri", "Zhang", "Amara", "Noah", "Lea", "Ravi", "Mei")
LAST_NAMES = ("Li", "García", "Müller", "Tanaka", "Ivanova", "Okafor", "Sharma", "Silva", "Haddad", "Nowak", "Kim",
              "Rossi", "Nguyen", "Andersen", "Lefèvre", "Kowalski", "Cohen", "Yilmaz", "Park", "Schmidt", "Zhou")


class CoinedWords:
    """Made-up words drawn with Zipf-Mandelbrot frequencies, p(rank) ~ (rank + OFFSET)^-EXPONENT.

    With `COINED_PER_ABSTRACT` words an abstract and a name in half the titles,
    the corpus holds about 12,000 terms at 1,000 papers, 51,000 at 10,000 and
    248,000 at 100,000: close to the growth measured on the sample.
    """

    EXPONENT = 1.3
    OFFSET = 800
    SIZE = 4_000_000
    # Every syllable holds a j, k, q, x or z, so no word made of them is an English stop word.
    SYLLABLES = ("zor", "vex", "kri", "quo", "zan", "dax", "plix", "tuk", "mez", "jor", "brix", "kel", "zu", "xi",
                 "ok", "trax", "ja", "ko", "zel", "qua", "xan", "jin", "kav", "oz", "ruk", "ix", "zim", "jet", "kas",
                 "nox", "vaz", "kyl")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        exponent = 1 - self.EXPONENT
        self._head = self.OFFSET ** exponent
        self._span = self._head - (self.SIZE + self.OFFSET) ** exponent

    def rank(self) -> int:
        """A rank drawn from the distribution, by inverting its continuous approximation."""
        u = self.rng.random()
        return min(self.SIZE - 1, int((self._head - u * self._span) ** (1 / (1 - self.EXPONENT)) - self.OFFSET))

    def word(self, rank: int | None = None) -> str:
        """The word of `rank` (drawn when not given): the rank's digits in base len(SYLLABLES),
        two syllables or more."""
        number = (self.rank() if rank is None else rank) + len(self.SYLLABLES)
        parts = []
        while number:
            number, digit = divmod(number, len(self.SYLLABLES))
            parts.append(self.SYLLABLES[digit])
        return "".join(parts)


def coin_words(text: str, count: int, coined: CoinedWords, rng: random.Random) -> str:
    """`text` with `count` of its words of five letters or more replaced by coined words."""
    tokens = text.split(" ")
    places = [i for i, token in enumerate(tokens) if len(token) >= 5 and token.isalpha()]
    for i in rng.sample(places, min(count, len(places))):
        tokens[i] = coined.word()
    return " ".join(tokens)


def generate_corpus(count: int, sample_content: Path, seed: int = 2025) -> Iterator[dict[str, object]]:
    """`count` paper records in the JSON-lines importer's schema, newest day first."""
    papers, _errors = load_records(sample_content)
    if not papers:
        raise ValueError(f"no sample records in `{sample_content}` to vary")
    rng = random.Random(seed)
    coined = CoinedWords(random.Random(seed + 1))
    papers.sort(key=lambda p: p.id)
    sentences = [s for p in papers for s in re.split(r"(?<=[.!?])\s+", " ".join(p.abstract.split())) if len(s) > 30]
    title_words = [w for p in papers for w in p.title.split() if w.isalpha() or "-" in w]
    vocabulary = sorted({tag for p in papers for tag in p.tags})
    authors_pool = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    authors_pool += sorted({a for p in papers for a in p.authors})
    for number in range(count):
        base = papers[number % len(papers)]
        day = LAST_DAY - dt.timedelta(days=number // PAPERS_PER_DAY)
        words = base.title.split()
        cut = rng.randrange(1, max(2, len(words)))
        title = " ".join(words[:cut] + rng.sample(title_words, 3) + words[cut:])
        if rng.random() < TITLE_NAME_SHARE:
            title = f"{coined.word().capitalize()}: {title}"
        abstract = coin_words(" ".join(rng.sample(sentences, rng.randint(4, 8))), COINED_PER_ABSTRACT, coined, rng)
        tags = sorted(set(base.tags) | set(rng.sample(vocabulary, rng.randint(0, 1))))[:4]
        yymm = f"{day.year % 100:02d}{day.month:02d}"
        record: dict[str, object] = {
            "id": f"{yymm}.{number % 100000:05d}",
            "title": title,
            "authors": rng.sample(authors_pool, rng.randint(1, 8)),
            "abstract": abstract,
            "date": day.isoformat(),
            "tags": tags,
        }
        if rng.random() < 0.4:
            record["links"] = {"code": f"https://github.com/example/project-{number}"}
        if rng.random() < 0.5:
            record["upvotes"] = rng.randint(0, 200)
        yield record


def write_corpus(count: int, sample_content: Path, target: Path) -> Path:
    with target.open("w", encoding="utf-8") as handle:
        for record in generate_corpus(count, sample_content):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return target
