"""LaTeX in titles, names and BibTeX fields to Unicode text, math kept as TeX.

`Schr\\"odinger` becomes `Schrödinger` and `{\\it word}` becomes `word`, but
`$\\kappa$` and `\\(x\\)` stay as they are: the site renders math itself. The
conversion is pylatexenc's; this module only protects what it would lose
(`%` starts a LaTeX comment, `\\$` is a literal dollar in the source) and adds
the few macros real bibliographies use that pylatexenc does not know.
"""

from __future__ import annotations

import functools
import logging
import re

from pylatexenc import latex2text, latexwalker
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec
from pylatexenc.macrospec import MacroSpec

logger = logging.getLogger(__name__)

# Placeholders from the Private Use Area, which no source text should hold.
_PERCENT = "\ue000"
_DOLLAR = "\ue001"

_SUPERSCRIPTS = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _chemistry(text: str) -> str:
    """mhchem's `\\ch{^{8}Li^{+}}` and `\\ch{TiO2}` as `⁸Li⁺` and `TiO₂` (digits, + and - only)."""

    def superscript(match: re.Match[str]) -> str:
        body = match.group(1) or match.group(2)
        return body.translate(_SUPERSCRIPTS) if re.fullmatch(r"[0-9+-]+", body) else match.group(0)

    text = re.sub(r"\^(?:\{([^{}]*)\}|([0-9+-]))", superscript, text)
    # In a formula, digits after an element or a bracket are counts: subscripts.
    text = re.sub(r"(?<=[A-Za-z)\]])_?(\d+)", lambda m: m.group(1).translate(_SUBSCRIPTS), text)
    return text.replace("{", "").replace("}", "")


def _chemistry_repl(node: latexwalker.LatexMacroNode) -> str:
    argument = node.nodeargd.argnlist[0] if node.nodeargd and node.nodeargd.argnlist else None
    if argument is None:
        return ""
    source = argument.latex_verbatim()
    if source.startswith("{") and source.endswith("}"):
        source = source[1:-1]
    return _chemistry(source)


def _href_repl(node: latexwalker.LatexMacroNode, l2tobj: LatexNodes2Text) -> str:
    arguments = node.nodeargd.argnlist if node.nodeargd else []
    if len(arguments) < 2 or arguments[1] is None:
        return ""
    return str(l2tobj.nodelist_to_text([arguments[1]]))


@functools.cache
def _contexts() -> tuple[object, LatexNodes2Text]:
    # pylatexenc's parser does not know `\href` (its text spec does, and then
    # fails with an IndexError) nor mhchem's `\ch`.
    walker_db = latexwalker.get_default_latex_context_db()
    walker_db.add_context_category(
        "paper-digest", macros=[MacroSpec("href", "{{"), MacroSpec("ch", "{"), MacroSpec("ce", "{")], prepend=True
    )
    text_db = latex2text.get_default_latex_context_db()
    text_db.add_context_category(
        "paper-digest",
        macros=[
            MacroTextSpec("href", simplify_repl=_href_repl),
            MacroTextSpec("ch", simplify_repl=_chemistry_repl),
            MacroTextSpec("ce", simplify_repl=_chemistry_repl),
        ],
        prepend=True,
    )
    converter = LatexNodes2Text(latex_context=text_db, math_mode="verbatim", keep_comments=False, strict_latex_spaces=True)
    return walker_db, converter


def latex_to_unicode(text: str) -> str:
    """Text-mode LaTeX to Unicode, keeping `$...$`, `\\(...\\)` and `\\[...\\]` as TeX.

    Text without a backslash, brace, tilde, `--` or TeX quotes (``` `` ```, `''`)
    is returned unchanged. If
    pylatexenc cannot parse the text, it is returned unchanged too (and the
    reason logged): a title with a stray brace is better than no title.
    """
    if not re.search(r"[\\{}~]|--|''|``", text):
        return text
    protected = text.replace("\\$", _DOLLAR)
    protected = re.sub(r"(?<!\\)%", _PERCENT, protected)
    walker_db, converter = _contexts()
    try:
        nodes = latexwalker.LatexWalker(protected, latex_context=walker_db, tolerant_parsing=False).get_latex_nodes()[0]
        result = converter.nodelist_to_text(nodes)
    except (latexwalker.LatexWalkerError, IndexError, KeyError, ValueError) as exc:
        logger.debug("kept LaTeX as it is in %r: %s", text, exc)
        return text
    # `~` is a non-breaking space in LaTeX; in a title it is just a space.
    return str(result).replace("\u00a0", " ").replace(_PERCENT, "%").replace(_DOLLAR, "\\$")


# An accent macro with its letter (`\"o`, `\'{e}`, `{\"U}`, `\c{c}`, `\v S`) or a
# special letter (`\ss`, `\o`, `\L{}`), outside math.
_ACCENT = re.compile(
    r"\{?\\(?:[`'^\"~=.]\s*(?:\{\\?[A-Za-z]\}|\\?[A-Za-z])|[cvuHkrbd]\s*(?:\{\\?[A-Za-z]\}|\s[A-Za-z]))\}?"
    r"|\{?\\(?:ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?:\{\}|(?![A-Za-z]))\}?"
)
_MATH = re.compile(r"\$\$.*?\$\$|\$.*?\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)


def accents_to_unicode(text: str) -> str:
    """Only accents and special letters to Unicode (`Schr\\"odinger`), nothing else touched.

    For abstracts, where the rest of the LaTeX (`\\%`, `{\\it ...}`, math) is
    left to the site's Markdown and math rendering.
    """
    if "\\" not in text:
        return text
    pieces: list[str] = []
    position = 0
    for math in _MATH.finditer(text):
        pieces.append(_ACCENT.sub(_convert_accent, text[position: math.start()]))
        pieces.append(math.group(0))
        position = math.end()
    pieces.append(_ACCENT.sub(_convert_accent, text[position:]))
    return "".join(pieces)


def _convert_accent(match: re.Match[str]) -> str:
    source = match.group(0)
    # Keep braces balanced: `{\"o}` loses both, `\"{o}` keeps none, `{\"o` keeps its `{`.
    if source.startswith("{") and not source.endswith("}"):
        return "{" + latex_to_unicode(source[1:])
    if source.endswith("}") and source.count("{") < source.count("}"):
        return latex_to_unicode(source[:-1]) + "}"
    return latex_to_unicode(source)
