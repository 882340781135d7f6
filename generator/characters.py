"""Characters HTML forbids in text and XML 1.0 cannot carry: controls other than tab,
newline and carriage return; surrogates; noncharacters. Records holding one are
rejected (`records.py`); text made from them (math, feeds) drops them.

Also `fold`: the one notion of "the same name whatever its case or Unicode form",
for tags, authors and output paths.
"""

from __future__ import annotations

import re
import unicodedata

FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000))
    + "]"
)
# FORBIDDEN_CHARACTERS lists every plane's noncharacters, which makes it ten times slower
# than a plain class; this one (any astral character counts) rules out most text first.
_MAYBE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                              "\U00010000-\U0010ffff]")


def first_forbidden(text: str) -> re.Match[str] | None:
    """The first forbidden character of `text`, if any."""
    if text.isprintable():  # four times faster than a search; every forbidden character is unprintable
        return None
    return FORBIDDEN_CHARACTERS.search(text) if _MAYBE_FORBIDDEN.search(text) else None


def without_forbidden(text: str) -> str:
    if text.isprintable():
        return text
    return FORBIDDEN_CHARACTERS.sub("", text) if _MAYBE_FORBIDDEN.search(text) else text


def fold(text: str) -> str:
    """Two spellings that fold alike are one tag or author (`LLM`, `llm`), or one file on macOS and Windows."""
    return unicodedata.normalize("NFC", text).casefold()
