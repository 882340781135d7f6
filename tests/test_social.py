"""Social cards: one PNG per paper, linked from its OpenGraph and Twitter tags, drawn once."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from generator import social
from generator.pipeline import BuildOptions, build
from tests.conftest import BuiltSite


def test_every_sample_paper_has_a_card_its_page_announces(sample_site: BuiltSite) -> None:
    pages = sorted((sample_site.output / "papers").glob("*/index.html"))
    assert len(pages) == 115
    for page in pages:
        card = page.parent / "card.png"
        with Image.open(card) as image:
            assert image.size == (1200, 630) and image.format == "PNG"
        html = page.read_text(encoding="utf-8")
        expected = f"{sample_site.base_url}papers/{page.parent.name}/card.png"
        assert f'<meta property="og:image" content="{expected}">' in html
        assert '<meta name="twitter:card" content="summary_large_image">' in html
        assert '<meta name="twitter:image"' in html


def test_cards_are_drawn_once_and_only_when_enabled(content_copy: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Cards may be drawn in worker processes: the spy notes each title in a file they all append to.
    log = tmp_path / "drawn.txt"
    real = social.card_png

    def spy(title: str, *rest: object) -> bytes:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(title + "\n")
        return real(title, *rest)  # type: ignore[arg-type]

    def drawn() -> list[str]:
        titles = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return titles

    monkeypatch.setattr(social, "card_png", spy)
    options = BuildOptions(content_copy, tmp_path / "out", cache_dir=tmp_path / "cache")
    build(options)
    assert len(drawn()) == 115
    build(options)
    assert drawn() == []

    record = content_copy / "papers" / "2405.17428.md"
    record.write_text(record.read_text(encoding="utf-8").replace('title: "NV-Embed:', 'title: "<script>x</script> NV-Embed:'),
                      encoding="utf-8")
    build(options)
    assert drawn() == ["<script>x</script> NV-Embed: Improved Techniques for Training LLMs as Generalist Embedding Models"]
    page = (tmp_path / "out" / "papers" / "2405.17428" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'og:image:alt" content="&lt;script&gt;x&lt;/script&gt; NV-Embed', page)

    config = content_copy / "site.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("cards = true", "cards = false"), encoding="utf-8")
    build(options)
    assert not list((tmp_path / "out").rglob("card.png"))
    assert "og:image" not in (tmp_path / "out" / "papers" / "2405.17428" / "index.html").read_text(encoding="utf-8")


def test_a_long_title_is_cut_with_an_ellipsis() -> None:
    data = social.card_png("word " * 200, ("A. Author",) * 9, "Digest")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1200, 630)
    from PIL import ImageDraw
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    lines = social._wrap(draw, "word " * 200, social._font(58, bold=True), 1056, 5)
    assert len(lines) == 5 and lines[-1].endswith("…")
