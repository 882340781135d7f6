"""A deterministic corpus of N papers for the benchmark, varied from the sample records.

Titles, abstracts, authors and tags are recombined from the sample digest, and
days are spread at about 15 papers a day, so pages, tags, authors and days grow
as they do in a real digest. The same N always gives the same papers.
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
LAST_DAY = dt.date(2025, 3, 12)
FIRST_NAMES = ("Wei", "Maria", "Ahmed", "Yuki", "Olga", "Chen", "Priya", "Lucas", "Fatima", "Jonas", "Aisha", "Mateo",
               "Sofia", "Hiro", "Elena", "Kwame", "Ines", "Dmitri", "Zhang", "Amara", "Noah", "Lea", "Ravi", "Mei")
LAST_NAMES = ("Li", "García", "Müller", "Tanaka", "Ivanova", "Okafor", "Sharma", "Silva", "Haddad", "Nowak", "Kim",
              "Rossi", "Nguyen", "Andersen", "Lefèvre", "Kowalski", "Cohen", "Yilmaz", "Park", "Schmidt", "Zhou")


def generate_corpus(count: int, sample_content: Path, seed: int = 2025) -> Iterator[dict[str, object]]:
    """`count` paper records in the JSON-lines importer's schema, newest day first."""
    papers, _errors = load_records(sample_content)
    if not papers:
        raise ValueError(f"no sample records in `{sample_content}` to vary")
    rng = random.Random(seed)
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
        abstract = " ".join(rng.sample(sentences, rng.randint(4, 8)))
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
