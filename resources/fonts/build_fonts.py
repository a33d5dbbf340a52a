"""Rebuild the shipped PDF fonts from the Debian font packages (developer tool, not run by the program).

Needs fontTools (``pip install fonttools``) and the Debian packages fonts-arphic-uming,
fonts-wqy-microhei and fonts-noto-cjk. reportlab reads only TrueType (glyf) outlines and no
collections, so each face is extracted from its .ttc, bitmap strikes and hinting are dropped, and
the Ext-B fallback is converted from CFF to quadratic TrueType outlines.

    .venv/bin/python resources/fonts/build_fonts.py
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

HERE = Path(__file__).resolve().parent
UMING = "/usr/share/fonts/truetype/arphic/uming.ttc"
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
NOTO_SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
NOTO_SERIF_SC_INDEX = 2

CJK_RANGES = [
    (0x3400, 0x4DBF),  # Ext A
    (0x4E00, 0x9FFF),  # Unified
    (0xF900, 0xFAFF),  # Compatibility
    (0x20000, 0x3134F),  # Ext B .. G
]


def _options() -> subset.Options:
    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.notdef_outline = True
    opts.drop_tables += ["EBDT", "EBLC", "EBSC", "BDF ", "FFTM", "VORG", "vhea", "vmtx"]
    return opts


def extract_face(src: str, index: int, dest: Path) -> set[int]:
    """One face of a collection as a stand-alone TTF holding every mapped character."""
    font = TTFont(src, fontNumber=index)
    cmap = set(font.getBestCmap())
    sub = subset.Subsetter(_options())
    sub.populate(unicodes=cmap)
    sub.subset(font)
    font.save(dest)
    return cmap


def cff_to_glyf(font: TTFont) -> None:
    """Replace CFF outlines by quadratic TrueType outlines (max error 1 unit)."""
    glyph_set = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def build_fallback(covered: set[int], dest: Path) -> None:
    """CJK ideographs (Ext B and the rest) the main Song font lacks, from Noto Serif CJK SC."""
    font = TTFont(NOTO_SERIF, fontNumber=NOTO_SERIF_SC_INDEX)
    cmap = font.getBestCmap()
    wanted = {cp for cp in cmap if any(lo <= cp <= hi for lo, hi in CJK_RANGES) and cp not in covered}
    opts = _options()
    opts.layout_features = []
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=wanted)
    sub.subset(font)
    cff_to_glyf(font)
    font.save(dest)
    print(f"fallback: {len(wanted)} characters")


def main() -> None:
    song = extract_face(UMING, 0, HERE / "uming-cn.ttf")
    hei = extract_face(WQY, 0, HERE / "wqy-microhei.ttf")
    build_fallback(song, HERE / "noto-serif-sc-extra.ttf")
    print(f"song {len(song)} / hei {len(hei)} characters")


if __name__ == "__main__":
    main()
