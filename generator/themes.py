"""Theme lookup: the chain of theme folders a site's templates and static files come from.

Kept apart from rendering so that the up-to-date check (`stamps.py`) can stamp the
theme files without importing Jinja2 and the rest of the build.
"""

from __future__ import annotations

from pathlib import Path

THEMES_DIR = Path(__file__).resolve().parent.parent / "themes"
DEFAULT_THEME = "default"


class ThemeError(Exception):
    """A theme that cannot be used, or a template that fails; names the file and line."""


def theme_dirs(theme: str, project_dir: Path) -> list[Path]:
    """The theme chain, most specific first: a project's own theme, then `default`."""
    chain: list[Path] = []
    for name in dict.fromkeys([theme, DEFAULT_THEME]):
        for root in (project_dir / "themes", THEMES_DIR):
            candidate = root / name
            if candidate.is_dir() and candidate.resolve() not in [c.resolve() for c in chain]:
                chain.append(candidate)
                break
        else:
            if name != DEFAULT_THEME:
                raise ThemeError(f"theme `{name}` not found in `{project_dir / 'themes'}` or `{THEMES_DIR}`")
    # The built-in theme is always the last fallback, so an override needs only the files it changes.
    builtin = THEMES_DIR / DEFAULT_THEME
    if builtin.resolve() not in [c.resolve() for c in chain]:
        chain.append(builtin)
    for root in chain:
        check_theme_links(root)
    return chain


def check_theme_links(root: Path) -> None:
    """Refuse a template or static file linking out of its theme (issue 11).

    Jinja2 follows a linked template file, and static files are copied into the
    site: a theme from elsewhere linking `~/.ssh/id_rsa` would publish it.
    """
    theme = root.resolve()
    for folder in (root / "templates", root / "static"):
        for path in [folder, *sorted(folder.rglob("*"))]:
            if path.is_symlink() and not path.resolve().is_relative_to(theme):
                raise ThemeError(f"`{path}` links outside its theme, to `{path.resolve()}`; copy it into the theme instead")
