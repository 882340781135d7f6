"""TeX math in record text: found by markdown-it rules, turned into MathML at build time.

Delimiters follow pandoc: `$...$` and `\\(...\\)` inline, `$$...$$` and `\\[...\\]` display.
An opening `$` must be followed by a non-space, a closing `$` preceded by a non-space
and not followed by a digit, so `US$5` and `$5 and $10` stay text.

latex2mathml does the conversion, but its string output is not safe to embed: it
unescapes its own serialisation, so `\\text{<script>}` comes out as a live tag, and it
passes `\\href{javascript:...}` and `\\style{...}` through as attributes. We therefore
take its element tree and write the markup ourselves through an allow-list of MathML
elements and attribute values that the Nu HTML checker accepts.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from latex2mathml.converter import convert_to_element
from markdown_it import MarkdownIt

from .characters import FORBIDDEN_CHARACTERS

if TYPE_CHECKING:
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_inline import StateInline

logger = logging.getLogger(__name__)

# The first unescaped `$` closes `$...$`; a backslash always takes the next character
# with it, which also makes `\)` and `\]` single matches.
_ESCAPE_OR_DOLLAR = re.compile(r"\\.|\$", re.DOTALL)
_DIGITS = "0123456789"

# Token elements hold text; the others hold elements only.
_TOKEN_ELEMENTS = frozenset({"mi", "mn", "mo", "mtext", "ms"})
_ELEMENTS = _TOKEN_ELEMENTS | {
    "mrow", "mfrac", "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts",
    "mprescripts", "none", "mtable", "mtr", "mtd", "mspace", "menclose",
}  # fmt: skip
# Script and fraction elements need an exact number of children, or the checker
# rejects them. latex2mathml writes an empty <munderover> for a `\limits` with no
# scripts (`\sum\limits`): empty ones are dropped, any other mismatch is an error.
_ARITY = {
    "mfrac": 2, "mroot": 2, "msub": 2, "msup": 2, "munder": 2, "mover": 2, "msubsup": 3, "munderover": 3,
}  # fmt: skip

_LENGTH = (
    r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:em|ex|px|in|cm|mm|pt|pc|%)?"
    r"|(?:negative)?(?:very){0,2}(?:thin|medium|thick)mathspace"
)
_BOOLEAN = re.compile(r"true|false")
# mathcolor and mathbackground are left out on purpose: a `\color{black}` formula
# disappears on the dark theme.
_ATTRIBUTES: dict[str, re.Pattern[str]] = {
    "mathvariant": re.compile(
        r"normal|bold|italic|bold-italic|double-struck|bold-fraktur|script|bold-script|fraktur"
        r"|sans-serif|bold-sans-serif|sans-serif-italic|sans-serif-bold-italic|monospace"
    ),
    "accent": _BOOLEAN, "accentunder": _BOOLEAN, "displaystyle": _BOOLEAN, "fence": _BOOLEAN,
    "largeop": _BOOLEAN, "movablelimits": _BOOLEAN, "separator": _BOOLEAN, "stretchy": _BOOLEAN,
    "symmetric": _BOOLEAN,
    "form": re.compile(r"prefix|infix|postfix"),
    "scriptlevel": re.compile(r"[+-]?\d{1,2}"),
    "linebreak": re.compile(r"auto|newline|nobreak|goodbreak|badbreak"),
    "notation": re.compile(r"[a-z]+(?: [a-z]+)*"),
    "columnalign": re.compile(r"(?:left|center|right)(?: (?:left|center|right))*"),
    "rowalign": re.compile(r"(?:top|bottom|center|baseline|axis)(?: (?:top|bottom|center|baseline|axis))*"),
    "columnlines": re.compile(r"(?:none|solid|dashed)(?: (?:none|solid|dashed))*"),
    "rowlines": re.compile(r"(?:none|solid|dashed)(?: (?:none|solid|dashed))*"),
    "frame": re.compile(r"none|solid|dashed"),
    "columnspacing": re.compile(rf"(?:{_LENGTH})(?: (?:{_LENGTH}))*"),
    "rowspacing": re.compile(rf"(?:{_LENGTH})(?: (?:{_LENGTH}))*"),
    "linethickness": re.compile(rf"{_LENGTH}|thin|medium|thick"),
    "mathsize": re.compile(rf"{_LENGTH}|small|normal|big"),
    "maxsize": re.compile(rf"{_LENGTH}|infinity"),
    **{
        name: re.compile(_LENGTH)
        for name in ("width", "height", "depth", "lspace", "rspace", "voffset", "minsize")
    },
}  # fmt: skip

# latex2mathml writes symbols as character references inside element text.
_CHARACTER_REFERENCE = re.compile(r"&#x([0-9A-Fa-f]{1,6});")


class _Unsupported(Exception):
    """latex2mathml produced markup outside the allow-list."""


def math_plugin(md: MarkdownIt) -> None:
    """Add the math rules to `md`: tokens `math_inline`, `math_display` (display math
    inside a paragraph) and `math_block` (display math on lines of its own)."""
    md.inline.ruler.before("escape", "math_inline", math_inline_rule)
    md.block.ruler.before("fence", "math_block", math_block_rule)


def math_inline_rule(state: StateInline, silent: bool) -> bool:
    """`$...$`, `$$...$$`, `\\(...\\)` or `\\[...\\]` inside a paragraph; runs before
    markdown-it's `escape` rule, which would otherwise turn `\\(` into `(`."""
    src, start, end = state.src, state.pos, state.posMax
    if src[start] == "$":
        if src.startswith("$$", start, end):
            return _push_delimited(state, silent, "$$", "$$", "math_display")
        return _push_dollar(state, silent)
    if src.startswith("\\(", start, end):
        return _push_delimited(state, silent, "\\(", "\\)", "math_inline")
    if src.startswith("\\[", start, end):
        return _push_delimited(state, silent, "\\[", "\\]", "math_display")
    return False


def _push_dollar(state: StateInline, silent: bool) -> bool:
    src, start, end = state.src, state.pos, state.posMax
    if start + 1 >= end or src[start + 1].isspace():
        return False
    close = _find_closer(state, "$", start + 1)
    if close < 0 and src[start + 1] not in _DIGITS:
        # `$x` with no `$` after it in the paragraph is a formula missing its end (issue 8);
        # `$5` and `US$5` are money and stay text without a word.
        following = src[start + 1 : start + 21].split("\n")[0]
        state.env["warnings"].append(
            f"unclosed `$` before `{following}`; kept as text (close the formula, or write `\\$` for a dollar sign)"
        )
        return False
    if close < 0 or src[close - 1].isspace() or (close + 1 < end and src[close + 1] in _DIGITS):
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content, token.markup = src[start + 1 : close], "$"
    state.pos = close + 1
    return True


def _push_delimited(state: StateInline, silent: bool, opener: str, closer: str, kind: str) -> bool:
    content_start = state.pos + len(opener)
    close = _find_closer(state, closer, content_start)
    if close < 0 or not state.src[content_start:close].strip():
        return False
    if not silent:
        token = state.push(kind, "math", 0)
        token.content, token.markup = state.src[content_start:close], opener
    state.pos = close + len(closer)
    return True


def _find_closer(state: StateInline, closer: str, start: int) -> int:
    """Position of the first unescaped `closer` in `state.src[start:posMax]`, or -1.

    A failed search is remembered for the paragraph: without it, 25,000 `\\(` with
    no `\\)` would each scan to the end of the text (quadratic time).
    """
    src, end = state.src, state.posMax
    misses: dict[str, tuple[str, int, int]] = state.env.setdefault("math_misses", {})
    miss = misses.get(closer)
    if miss is not None and miss[0] is src and miss[1] <= start and end <= miss[2]:
        return -1
    for match in _ESCAPE_OR_DOLLAR.finditer(src, start, end):
        found = match.group()
        if found == closer or (closer == "$$" and found == "$" and src.startswith("$$", match.start(), end)):
            return match.start()
    misses[closer] = (src, start, end)
    return -1


def math_block_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`$$` or `\\[` at the start of a line, closed at the end of the same or a later line."""
    if state.sCount[start_line] - state.blkIndent >= 4:  # an indented code block
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    first = state.src[begin : state.eMarks[start_line]].rstrip()
    opener = first[:2]
    if opener not in ("$$", "\\["):
        return False
    closer = "$$" if opener == "$$" else "\\]"
    lines, line = [first[2:]], start_line
    while not lines[-1].endswith(closer):
        if closer in lines[-1]:  # `$$a$$ more text` is inline math inside a paragraph
            return False
        line += 1
        # A blank line or the end of the enclosing list item ends the search, which
        # also keeps 10,000 one-line list items from each scanning all the others.
        if line >= end_line or state.isEmpty(line) or state.sCount[line] < state.blkIndent:
            return False
        lines.append(state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip())
    content = "\n".join(lines)[: -len(closer)]
    if not content.strip():
        return False
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block, token.content, token.markup = True, content, opener
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def render_math(tex: str, *, display: bool, warnings: list[str]) -> str:
    """MathML for one formula, or its source in `<code class="math-error">` plus a warning."""
    source = tex.strip()
    mathml = tex_to_mathml(source, display=display)
    if mathml is None:
        shown = source if len(source) <= 80 else source[:79] + "…"
        warnings.append(f"formula `{shown}` could not be converted to MathML; kept as source")
        return f'<code class="math-error">{html.escape(source)}</code>'
    return mathml


@functools.lru_cache(maxsize=4096)
def tex_to_mathml(tex: str, *, display: bool) -> str | None:
    """`<math>` markup for `tex` with its source as `alttext`, or None if it cannot be converted."""
    try:
        root = convert_to_element(tex, display="block" if display else "inline")
    # Malformed TeX raises anything from IndexError to RecursionError: all of them
    # mean "keep the source".
    except Exception as error:  # noqa: BLE001
        logger.debug("latex2mathml failed on %r: %r", tex, error)
        return None
    parts: list[str] = []
    try:
        for child in root:
            _write_element(child, parts)
    except (_Unsupported, RecursionError) as error:  # the tree can be as deep as latex2mathml's stack
        logger.debug("latex2mathml output for %r rejected: %r", tex, error)
        return None
    block = ' display="block"' if display else ""
    return f'<math{block} alttext="{html.escape(tex)}">{"".join(parts)}</math>'


def _write_element(element: Element, parts: list[str]) -> None:
    tag = element.tag
    if tag not in _ELEMENTS:
        raise _Unsupported(f"element <{tag}>")
    if any((child.tail or "").strip() for child in element):
        raise _Unsupported(f"text between the children of <{tag}>")
    children = [child for child in element if not _is_empty_script(child)]
    if tag in _ARITY and len(children) != _ARITY[tag]:
        raise _Unsupported(f"<{tag}> with {len(children)} children")
    text = _decode(element.text or "")
    attributes = "".join(
        f' {name}="{html.escape(value)}"'
        for name, value in element.attrib.items()
        if name in _ATTRIBUTES and _ATTRIBUTES[name].fullmatch(value)
    )
    if tag in _TOKEN_ELEMENTS and children:
        if text.strip():
            raise _Unsupported(f"<{tag}> with mixed content")
        # `\mathop{x}` and `\mathbin{x}` put elements inside <mo>, which MathML
        # forbids; an <mrow> takes none of the operator's attributes.
        tag, attributes = "mrow", ""
    elif tag not in _TOKEN_ELEMENTS and text.strip():
        raise _Unsupported(f"text inside <{tag}>")
    parts.append(f"<{tag}{attributes}>")
    if tag in _TOKEN_ELEMENTS:
        parts.append(html.escape(text, quote=False))
    for child in children:
        _write_element(child, parts)
    parts.append(f"</{tag}>")


def _is_empty_script(element: Element) -> bool:
    return element.tag in _ARITY and len(element) == 0 and not (element.text or "").strip()


def _decode(text: str) -> str:
    """Element text with latex2mathml's `&#x...;` references turned into characters."""

    def character(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        if code > 0x10FFFF or FORBIDDEN_CHARACTERS.match(chr(code)):
            return ""
        return chr(code)

    return FORBIDDEN_CHARACTERS.sub("", _CHARACTER_REFERENCE.sub(character, text))
