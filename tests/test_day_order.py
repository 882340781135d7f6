"""Digest days with a voice (issue 8): the curator's order of a day's papers in `content/digests/<day>.md`."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from generator.errors import BuildError
from generator.pipeline import BuildOptions, build, load_site


def card_ids(path: Path) -> list[str]:
    tree = lxml.html.parse(str(path)).getroot()
    return tree.xpath('//main//*[contains(concat(" ", @class, " "), " paper-card ")]/@data-paper-id')


def write_digest(content: Path, day: str, text: str) -> Path:
    folder = content / "digests"
    folder.mkdir(exist_ok=True)
    path = folder / f"{day}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_curator_order_leads_the_day_and_the_rest_follow_day_order(content_copy: Path, tmp_path: Path) -> None:
    site = load_site(content_copy).site
    day = max(site.days, key=lambda d: len(d.papers))
    default = [paper.id for paper in day.papers]
    chosen = [default[-1], default[-3]]
    expected = chosen + [i for i in default if i not in chosen]
    write_digest(content_copy, day.key, f"---\norder: {json.dumps(chosen)}\n---\nToday: **two** picks first.\n")
    latest = site.days[0]
    latest_order = [p.id for p in reversed(latest.papers)]
    write_digest(content_copy, latest.key, f"---\norder: {json.dumps(latest_order)}\n---\n")

    assert [p.id for p in next(d for d in load_site(content_copy).site.days if d.key == day.key).papers] == expected
    output = tmp_path / "out"
    build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=None))
    day_page = output / "digest" / day.key / "index.html"
    assert card_ids(day_page) == expected
    assert card_ids(output / "index.html") == latest_order
    text = day_page.read_text(encoding="utf-8")
    assert "<strong>two</strong> picks first" in text and "order:" not in text


@pytest.mark.parametrize(("front", "message"), [
    ('order: ["no-such-paper"]', "{path}:2: order: unknown paper id `no-such-paper`\n    hint: the papers of {day} are {ids}"),
    ('order:\n  - "{first}"\n  - "{first}"', "{path}:4: order: `{first}` is listed twice"),
    ('order: ["{other}"]', "{path}:2: order: `{other}` is a paper of {other_day}, not of {day}"
     "\n    hint: move it to that day's digest file, or change the paper's `date`"),
    ("order: 3", "{path}:2: order: expected a list of paper ids, got a number `3`"
     '\n    hint: quote each id: `order: ["2503.10002", "2503.10000"]`'),
    ('ordre: ["{first}"]', "{path}:2: ordre: unknown field `ordre`\n    hint: did you mean `order`?"),
])
def test_bad_orders_are_content_errors_naming_the_file(content_copy: Path, front: str, message: str) -> None:
    site = load_site(content_copy).site
    day, other = site.days[0], site.days[1]
    values = {"first": day.papers[0].id, "other": other.papers[0].id, "other_day": other.key, "day": day.key,
              "ids": ", ".join(f"`{paper.id}`" for paper in day.papers)}
    path = write_digest(content_copy, day.key, "---\n" + front.format(**values) + "\n---\nIntro.\n")
    with pytest.raises(BuildError) as caught:
        load_site(content_copy)
    assert [str(error) for error in caught.value.errors] == [message.format(path=path, **values)]


def test_an_order_for_a_day_without_papers_is_an_error(content_copy: Path) -> None:
    path = write_digest(content_copy, "2001-01-01", '---\norder: ["2405.16537"]\n---\n')
    with pytest.raises(BuildError) as caught:
        load_site(content_copy)
    assert [str(e) for e in caught.value.errors] == [f"{path}:2: order: `2405.16537` is not a paper of 2001-01-01: no paper has that date"]
