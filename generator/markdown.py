"""Record text (titles, abstracts, notes) to HTML and plain text.

Record text is untrusted: it comes from arXiv, importers and contributors. So raw
HTML is off, links pass an allow-list of schemes, ids come from the caller's
prefix and never from the text, and math is turned into MathML here, at build time,
so pages need no math JavaScript.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable, Sequence
from time import monotonic
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from .characters import without_forbidden
from .frozen import frozen
from .math import math_plugin, render_math

logger = logging.getLogger(__name__)

# markdown-it's own protection against deep nesting. CommonMark's preset uses 20;
# at 100, 50,000 `[` take several seconds instead of well under one.
MAX_NESTING = 20
# The page has its own h1 and h2, so a `#` in record text becomes an h3.
HEADING_SHIFT = 2
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
# What browsers strip from a URL before they read its scheme (tabs, newlines,
# controls, spaces), so `java\tscript:` counts as `javascript:`.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f-\x9f]")
_EXTERNAL = re.compile(r"(?:https?:)?//", re.IGNORECASE)
_HTTP = re.compile(r"https?://", re.IGNORECASE)
_CODE_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)
LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"

# Most abstracts and titles are plain prose: no character Markdown reads as markup,
# and no line that could open a block (list, heading, rule, code, quote). Such text
# becomes one escaped paragraph, as markdown-it would make it, without parsing it,
# which takes most of the markdown step away on large digests. `tests/test_markdown.py`
# checks on generated and real text that both ways give the same result.
_OTHER_WHITE_SPACE = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
"""Every character `\\s` matches but the space and the line break."""
_MARKUP = re.compile("[" + re.escape("`*_\\&$[]!<>#|~" + _OTHER_WHITE_SPACE) + "]")
"""Markup characters, and any white space but the space and the line break: one class, which
scans four times faster than the same set as a class and an alternative."""
_OPENS_A_BLOCK = re.compile(r"[-+=\d ]")
"""What opens a list, a heading underline or indented code at the start of a line."""
_INLINE_MARKUP = re.compile(r"[`*_\\&$]")
"""What the title syntax reads: code, emphasis, escapes, entities, math."""

RenderRule = Callable[[RendererHTML, Sequence[Token], int, OptionsDict, EnvType], str]


@frozen
class RenderedText:
    html: str
    """HTML produced by the build: safe to mark `|safe` in templates."""
    text: str
    """Plain text, math as its TeX source: for search, feeds, `<title>` and meta tags."""
    warnings: tuple[str, ...]
    """Problems worth telling the author about, e.g. a formula kept as source."""


class RenderTimeout(ValueError):
    """Rendering one text took longer than the renderer's `timeout_seconds`."""


class MarkdownRenderer:
    """Markdown with math for record text; build once, call many times (also after fork)."""

    def __init__(self, *, max_input_chars: int = 100_000, timeout_seconds: float = 5.0) -> None:
        self.max_input_chars = max_input_chars
        self.timeout_seconds = timeout_seconds
        self._block_md = _block_markdown()
        self._inline_md = _inline_markdown()

    def render_block(self, source: str, *, id_prefix: str, always_parse: bool = False) -> RenderedText:
        """Abstracts and notes: full Markdown + math.

        `id_prefix` (e.g. `notes-2503.10000-`) starts every id the text produces, so
        footnotes of several texts on one page never clash. `always_parse` takes plain
        prose through markdown-it too (how the tests check the shortcut).
        """
        if re.search(r"\s", id_prefix):
            raise ValueError(f"id prefix `{id_prefix}` contains whitespace, which no HTML id may hold")
        env = self._env(source, id_prefix=id_prefix)
        source = _clean(source)
        if is_plain_prose(source) and not always_parse:
            return RenderedText(html=f"<p>{escapeHtml(source)}</p>\n", text=" ".join(source.split()), warnings=())
        tokens = self._block_md.parse(source, env)
        # markdown-it silently drops whatever is nested deeper than maxNesting: the
        # container at the last level comes out empty.
        if any(
            token.nesting == 1 and token.level >= MAX_NESTING - 1 and after.nesting == -1
            for token, after in zip(tokens, tokens[1:])
        ):
            env["warnings"].append(
                f"blocks nested deeper than {MAX_NESTING} levels; the innermost content was dropped"
            )
        return self._finish(self._block_md, tokens, env)

    def render_inline(self, source: str, *, always_parse: bool = False) -> RenderedText:
        """Titles: inline Markdown only (emphasis, code, math), no block elements, no links,
        no paragraph wrapper. Display math is set inline, since a title is one line."""
        env = self._env(source, id_prefix="")
        source = " ".join(_clean(source).split())
        if is_plain_title(source) and not always_parse:
            return RenderedText(html=escapeHtml(source), text=source, warnings=())
        return self._finish(self._inline_md, self._inline_md.parseInline(source, env), env)

    def _env(self, source: str, *, id_prefix: str) -> EnvType:
        if len(source) > self.max_input_chars:
            raise ValueError(
                f"text is {len(source):,} characters long, over the limit of {self.max_input_chars:,};"
                " shorten it or raise `max_input_chars`"
            )
        deadline = monotonic() + self.timeout_seconds
        return {"id_prefix": id_prefix, "warnings": [], "deadline": deadline, "timeout": self.timeout_seconds}

    def _finish(self, md: MarkdownIt, tokens: list[Token], env: EnvType) -> RenderedText:
        rendered = md.renderer.render(tokens, md.options, env)
        _check_deadline(env)
        text = " ".join(_plain_text(tokens).split())
        return RenderedText(html=rendered, text=text, warnings=tuple(dict.fromkeys(env["warnings"])))


def is_plain_prose(source: str) -> bool:
    """True when markdown-it would make `source` one paragraph of its text, escaped: no markup,
    no line opening a block, no blank line, no trailing space (a hard break) or line break."""
    if not source or _MARKUP.search(source):
        return False
    # Without markup, the only white space is spaces and line breaks: plain string searches
    # find the rest.
    return not (source.endswith((" ", "\n")) or "\n\n" in source or " \n" in source
                or any(_OPENS_A_BLOCK.match(line) for line in source.split("\n")))


def is_plain_title(source: str) -> bool:
    """True when markdown-it would make `source` (one line) its text, escaped."""
    return not _INLINE_MARKUP.search(source)


def _clean(source: str) -> str:
    return without_forbidden(source)


class _RecordMarkdown(MarkdownIt):
    """markdown-it with an allow-list of link schemes instead of its deny-list."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        return is_allowed_url(url)


def is_allowed_url(url: str) -> bool:
    """http, https, mailto, or a relative or fragment link, however the scheme is spelled.

    `&#106;avascript:`, `JaVaScRiPt:`, `java%0Ascript:` and a leading control character
    all reduce to `javascript:` here and are refused.
    """
    probe = _IGNORED_IN_SCHEME.sub("", unquote(html.unescape(url))).lower()
    scheme = _SCHEME.match(probe)
    return scheme is None or scheme.group(1) in ALLOWED_SCHEMES


def _block_markdown() -> MarkdownIt:
    md = _RecordMarkdown("commonmark", {"html": False, "xhtmlOut": False, "maxNesting": MAX_NESTING})
    md.enable(["table", "strikethrough"]).disable(["html_block", "html_inline"])
    md.use(footnote_plugin)
    md.use(math_plugin)
    md.core.ruler.at("inline", _inline_with_deadline)
    md.core.ruler.after("block", "shift_headings", _shift_headings)
    md.core.ruler.after("block", "alignment_classes", _alignment_classes)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("fence", _render_code)
    md.add_render_rule("code_block", _render_code)
    md.add_render_rule("math_inline", _math_renderer(display=False))
    md.add_render_rule("math_display", _math_renderer(display=True))
    md.add_render_rule("math_block", _math_renderer(display=True, suffix="\n"))
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_open", _render_footnote_open)
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    return md


def _inline_markdown() -> MarkdownIt:
    md = _RecordMarkdown("zero", {"maxNesting": MAX_NESTING})
    md.enable(["backticks", "emphasis", "escape", "entity"])
    md.use(math_plugin)
    md.core.ruler.at("inline", _inline_with_deadline)
    md.add_render_rule("math_inline", _math_renderer(display=False))
    md.add_render_rule("math_display", _math_renderer(display=False))
    return md


def _check_deadline(env: EnvType) -> None:
    # markdown-it cannot be interrupted, so the deadline is checked between
    # paragraphs, code blocks and formulas; one slow paragraph still runs to its end
    # (at most about 1.5 s for 100,000 characters of cmark's pathological cases).
    if monotonic() > env["deadline"]:
        raise RenderTimeout(
            f"rendering took longer than {env['timeout']} s; the text is probably pathological"
            " (thousands of nested brackets, quotes or lists)"
        )


def _inline_with_deadline(state: StateCore) -> None:
    """markdown-it's core `inline` rule, checking the deadline before each paragraph."""
    for token in state.tokens:
        if token.type == "inline":
            _check_deadline(state.env)
            token.children = token.children or []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_SHIFT, 6)}"


def _alignment_classes(state: StateCore) -> None:
    """Table cell alignment as `class="align-right"` instead of markdown-it's `style`
    attribute, which a Content-Security-Policy without inline styles blocks."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            alignment = str(token.attrs.pop("style")).removeprefix("text-align:")
            token.attrSet("class", f"align-{alignment}")


def _render_link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if _EXTERNAL.match(str(token.attrGet("href") or "")):
        token.attrSet("rel", "noopener")
    return self.renderToken(tokens, idx, options, env)


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = escapeHtml(" ".join(_plain_text(token.children or []).split()))
    if not _HTTP.match(src):  # a relative or data: image from record text shows its alt text
        return alt
    title = token.attrGet("title")
    title_attribute = f' title="{escapeHtml(str(title))}"' if title else ""
    return f'<img src="{escapeHtml(src)}" alt="{alt}"{title_attribute} loading="lazy">'


def _render_code(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    _check_deadline(env)
    token = tokens[idx]
    info = unescapeAll(token.info).split() if token.info else []
    return highlight(token.content, _lexer(info[0] if info else ""), _CODE_FORMATTER)


@functools.lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer:
    """The Pygments lexer for an info string's language, plain text when unknown."""
    if language:
        try:
            return get_lexer_by_name(language)
        except ClassNotFound:
            logger.debug("no Pygments lexer for `%s`; highlighting as plain text", language)
    return TextLexer()


def _math_renderer(*, display: bool, suffix: str = "") -> RenderRule:
    def render(
        self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        _check_deadline(env)
        return render_math(tokens[idx].content, display=display, warnings=env["warnings"]) + suffix

    return render


def _footnote_ids(token: Token, env: EnvType) -> tuple[str, str]:
    """The note's id and the reference's id: `<prefix>fn1` and `<prefix>fnref1` (then
    `<prefix>fnref1-1` for a second reference). markdown-it numbers the notes, so the
    label written in the text (`[^label]`) never reaches an attribute."""
    number, sub_id = token.meta["id"] + 1, token.meta.get("subId", 0)
    prefix = env["id_prefix"]
    reference = f"{prefix}fnref{number}" + (f"-{sub_id}" if sub_id else "")
    return escapeHtml(f"{prefix}fn{number}"), escapeHtml(reference)


def _render_footnote_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    note, reference = _footnote_ids(tokens[idx], env)
    number = tokens[idx].meta["id"] + 1
    return f'<sup class="footnote-ref"><a href="#{note}" id="{reference}">[{number}]</a></sup>'


def _render_footnote_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<li id="{_footnote_ids(tokens[idx], env)[0]}" class="footnote-item">'


def _render_footnote_anchor(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # U+FE0E keeps iOS from drawing the arrow as an emoji.
    return f' <a href="#{_footnote_ids(tokens[idx], env)[1]}" class="footnote-backref">\u21a9\ufe0e</a>'


def _plain_text(tokens: Sequence[Token]) -> str:
    """Text of a token stream: link and image text kept, math as TeX, blocks as spaces."""
    parts: list[str] = []
    for token in tokens:
        if token.children is not None:
            parts.append(_plain_text(token.children))
        elif token.type in ("text", "code_inline", "fence", "code_block") or token.type.startswith("math_"):
            parts.append(token.content)
        elif token.block or token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def highlight_stylesheet() -> str:
    """Pygments CSS for code blocks, light by default and dark under
    `@media (prefers-color-scheme: dark)`, scoped to `.highlight`."""
    light = HtmlFormatter(style=LIGHT_STYLE, cssclass="highlight")
    dark = HtmlFormatter(style=DARK_STYLE, cssclass="highlight")
    # Dark rules must also undo light rules the dark style has no counterpart for,
    # or a light-only colour would stay on the dark background.
    reset = ",\n".join(f".highlight .{name}" for name in sorted(set(STANDARD_TYPES.values())) if name)
    return "\n".join(
        [
            *light.get_background_style_defs(".highlight"),
            *light.get_token_style_defs(".highlight"),
            "@media (prefers-color-scheme: dark) {",
            f"{reset} {{ color: inherit; background-color: transparent; font-weight: inherit;"
            " font-style: inherit; text-decoration: inherit; border: none }",
            *dark.get_background_style_defs(".highlight"),
            *dark.get_token_style_defs(".highlight"),
            "}",
            "",
        ]
    )
