"""Fonts for the printed documents, with per-character fallback so no name prints as a box.

Shipped in ``resources/fonts`` (TrueType outlines; reportlab reads neither CFF nor collections):

* ``AnquanSong`` — AR PL UMing CN (Arphic Public License): Song/Ming style body text (宋体 role).
* ``AnquanHei`` — WenQuanYi Micro Hei (Apache 2.0): titles (黑体 role).
* ``AnquanSongExt`` — Noto Serif CJK SC subset (SIL OFL 1.1): the ~8,700 ideographs UMing lacks,
  including CJK Ext-B such as 𠮷 (U+20BB7).

Text is split into runs by glyph availability along a chain (body: Song → SongExt → Hei; title:
Hei → Song → SongExt). A character none of them has is looked up with ``fc-list`` among the
system's TrueType fonts (the only part that can differ between machines).

reportlab writes ToUnicode entries as ``<%04X>`` of the code point, which is wrong for characters
outside the BMP (𠮷 would extract as U+20BB); ``_patch_to_unicode`` writes UTF-16BE surrogate pairs
instead so copied or extracted text is right. BMP output is unchanged byte for byte.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from anquan_desk.resources import resource_path

log = logging.getLogger("anquan_desk.io")

SONG = "AnquanSong"
HEI = "AnquanHei"
SONG_EXT = "AnquanSongExt"

_SHIPPED = {
    SONG: "uming-cn.ttf",
    HEI: "wqy-microhei.ttf",
    SONG_EXT: "noto-serif-sc-extra.ttf",
}

BODY_CHAIN: tuple[str, ...] = (SONG, SONG_EXT, HEI)
TITLE_CHAIN: tuple[str, ...] = (HEI, SONG, SONG_EXT)

# Characters that never need a glyph (line breaks are handled by the layout).
_NO_GLYPH = {"\n", "\r", "\t"}


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's makeToUnicodeCMap, but with UTF-16BE (surrogate pairs) destination strings."""

    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1),
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *[f"<{i:02X}> <{utf16(v)}>" for i, v in enumerate(subset)],
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def _patch_to_unicode() -> None:
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@cache
def register_fonts() -> tuple[str, ...]:
    """Register the shipped fonts with reportlab once per process; returns their names."""
    _patch_to_unicode()
    for name, filename in _SHIPPED.items():
        path = resource_path("fonts", filename)
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return tuple(_SHIPPED)


def has_glyph(font_name: str, char: str) -> bool:
    """Whether the registered TrueType font maps ``char`` to a glyph."""
    font = pdfmetrics.getFont(font_name)
    face = getattr(font, "face", None)
    if face is None:
        return False
    return ord(char) in face.charToGlyph


def _plain_style_first(path: str) -> tuple[bool, str]:
    name = path.rsplit("/", 1)[-1].lower()
    return any(w in name for w in ("bold", "italic", "oblique", "light", "math")), path


@cache
def _system_font_for(code: int) -> str | None:
    """Register and name a system TrueType font that has ``chr(code)``, or None."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, f":charset={code:x}", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    paths = sorted((line.split(":", 1)[0].strip() for line in out.splitlines()), key=_plain_style_first)
    for path in paths:
        if not path.lower().endswith(".ttf"):
            continue
        name = "Sys_" + path.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace(" ", "_")
        try:
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, path))
        except (TTFError, OSError) as exc:
            log.debug("system font %s unusable: %s", path, exc)
            continue
        if has_glyph(name, chr(code)):
            log.info("character U+%04X drawn with system font %s", code, path)
            return name
    return None


_CHOICE: dict[tuple[tuple[str, ...], str], str] = {}


def font_for_char(char: str, chain: Sequence[str] = BODY_CHAIN) -> str:
    """The first font of ``chain`` (then a system font) with a glyph for ``char``."""
    key = (tuple(chain), char)
    found = _CHOICE.get(key)
    if found is None:
        found = _CHOICE[key] = _choose_font(char, key[0])
    return found


def _choose_font(char: str, chain: tuple[str, ...]) -> str:
    if char in _NO_GLYPH:
        return chain[0]
    for name in chain:
        if has_glyph(name, char):
            return name
    system = _system_font_for(ord(char))
    if system is not None:
        return system
    log.warning("no font has a glyph for U+%04X; it will print as a box", ord(char))
    return chain[0]


def split_runs(text: str, chain: Sequence[str] = BODY_CHAIN) -> list[tuple[str, str]]:
    """``text`` cut into (font name, run) pieces, each drawable with its font."""
    runs: list[tuple[str, str]] = []
    for char in text:
        font = font_for_char(char, chain)
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def markup(text: str, chain: Sequence[str] = BODY_CHAIN) -> str:
    """Paragraph markup for plain ``text``: escaped, fallback runs wrapped in ``<font name=…>``.

    Runs in the paragraph's own font (``chain[0]``) are left bare so the paragraph style applies.
    Line breaks become ``<br/>``.
    """
    parts: list[str] = []
    for font, run in split_runs(text, chain):
        body = escape(run).replace("\r\n", "\n").replace("\n", "<br/>")
        parts.append(body if font == chain[0] else f'<font name="{font}">{body}</font>')
    return "".join(parts)


def string_width(text: str, size: float, chain: Sequence[str] = BODY_CHAIN) -> float:
    return float(sum(pdfmetrics.stringWidth(run, font, size) for font, run in split_runs(text, chain)))
