"""Static assets: the theme's CSS and scripts under content-hashed names.

A hashed name (`static/style.3f2a9c1b.css`) lets browsers cache shared files
for good; pages stay small and a repeat visit downloads only the HTML.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .markdown import highlight_stylesheet
from .themes import ThemeError

LUNR_FILE = Path("node_modules") / "lunr" / "lunr.min.js"


@dataclass(frozen=True)
class StaticFile:
    path: str
    """Output path, `static/style.3f2a9c1b.css`."""
    data: bytes


def hashed_name(name: str, data: bytes) -> str:
    stem, dot, suffix = name.rpartition(".")
    digest = hashlib.blake2b(data, digest_size=4).hexdigest()
    return f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"


def find_static(chain: list[Path], name: str) -> Path | None:
    """The most specific theme's copy of `static/<name>`; links leaving the theme are refused."""
    for root in chain:
        candidate = root / "static" / name
        if candidate.is_file():
            if not candidate.resolve().is_relative_to(root.resolve()):
                raise ThemeError(f"`{candidate}` links outside its theme, to `{candidate.resolve()}`; copy the file instead")
            return candidate
    return None


def collect_assets(chain: list[Path], extra_css: str = "") -> dict[str, StaticFile]:
    """Logical name (`style.css`) -> hashed static file, for every theme asset."""
    names: set[str] = set()
    for root in chain:
        static = root / "static"
        if static.is_dir():
            names.update(p.relative_to(static).as_posix() for p in static.rglob("*") if p.is_file())
    assets: dict[str, StaticFile] = {}
    for name in sorted(names):
        path = find_static(chain, name)
        assert path is not None
        data = path.read_bytes()
        if name == "style.css":
            # One stylesheet per site: the theme's rules, then code highlighting (light and dark).
            data = data + b"\n" + highlight_stylesheet().encode() + extra_css.encode()
        assets[name] = StaticFile(f"static/{hashed_name(name, data)}", data)
    lunr = next((root / LUNR_FILE for root in reversed(chain) if (root / LUNR_FILE).is_file()), None)
    if lunr is None:
        raise ThemeError(f"lunr.js is not installed (expected `{chain[-1] / LUNR_FILE}`); "
                         "run `make site`, or `npm ci` in the theme folder")
    data = lunr.read_bytes()
    assets["lunr.min.js"] = StaticFile(f"static/{hashed_name('lunr.min.js', data)}", data)
    return assets
