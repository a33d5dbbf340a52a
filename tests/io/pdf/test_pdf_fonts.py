from __future__ import annotations

import subprocess

from anquan_desk.io.pdf.fonts import (
    BODY_CHAIN,
    HEI,
    SONG,
    SONG_EXT,
    TITLE_CHAIN,
    font_for_char,
    has_glyph,
    markup,
    register_fonts,
    split_runs,
)


def test_shipped_fonts_cover_rare_name_characters() -> None:
    register_fonts()
    for char in "堃喆昇玥祎珺镕赟":
        assert has_glyph(SONG, char), char
        assert has_glyph(HEI, char), char
    assert not has_glyph(SONG, "𠮷")
    assert has_glyph(SONG_EXT, "𠮷")
    assert font_for_char("𠮷", BODY_CHAIN) == SONG_EXT
    assert font_for_char("𠮷", TITLE_CHAIN) == SONG_EXT
    assert font_for_char("A", BODY_CHAIN) == SONG
    assert font_for_char("〔", TITLE_CHAIN) == HEI


def test_split_runs_switches_font_only_where_needed() -> None:
    register_fonts()
    assert split_runs("𠮷野家 王昇") == [(SONG_EXT, "𠮷"), (SONG, "野家 王昇")]
    assert "".join(run for _font, run in split_runs("张堃 李喆 𠮷野家")) == "张堃 李喆 𠮷野家"


def test_markup_escapes_and_wraps_fallback_runs() -> None:
    register_fonts()
    assert markup("A&B<𠮷>\n第2行") == f'A&amp;B&lt;<font name="{SONG_EXT}">𠮷</font>&gt;<br/>第2行'


def test_character_missing_from_shipped_fonts_uses_a_system_truetype_font() -> None:
    register_fonts()
    char = "⅋"  # U+214B: in DejaVu Sans (fonts-dejavu-core), in none of the shipped CJK fonts
    assert not any(has_glyph(name, char) for name in BODY_CHAIN)
    listed = subprocess.run(["fc-list", ":charset=214b", "file"], capture_output=True, text=True, check=True).stdout
    system_ttf = [line for line in listed.splitlines() if line.split(":")[0].strip().lower().endswith(".ttf")]
    font = font_for_char(char)
    if system_ttf:
        assert font.startswith("Sys_")
        assert has_glyph(font, char)
    else:  # no system font has it either: drawn with the body font (prints as a box)
        assert font == SONG
