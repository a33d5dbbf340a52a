"""Streaming writer of the office-style ledgers (台账) handed to the district.

Backend chosen by measurement (bench/bench_ledger.py, 200,000 hazard rows x 26 columns, same cell
styles): XlsxWriter ``constant_memory`` took 126 s against 478 s for openpyxl's write-only mode
(with lxml), both at about 37 MiB peak RSS, so streaming exports use XlsxWriter. Rows are written one
at a time and flushed to disk; only the first rows are kept in memory (to fit the auto widths).

Output goes to a partial file in the target folder (``.~<name>~<pid>-<host>-<rand>.part``) and is
renamed at the end, so the target path never holds a half-written ledger; a cancel or an error
removes the partial file and raises (:class:`ExportCancelled` for a cancel). XlsxWriter's row files
and the photo thumbnails go to a private scratch folder: in ``scratch_dir`` (services give the data
folder's own temp area) or else beside the target under a partial name — never the shared system
temp folder. What a killed process leaves is recognised by those names and removed at the next
start (``services/housekeeping.py``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import xlsxwriter
from PIL import Image, ImageOps
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from anquan_desk.io.ledger._common import (
    Row,
    RowGetter,
    create_file,
    display_width,
    make_scratch_dir,
    publish,
    remove_quietly,
    remove_tree_quietly,
    temp_path_for,
    to_date,
    to_number,
)
from anquan_desk.io.ledger.columns import Column, deidentify
from anquan_desk.io.ledger.errors import ExportCancelled

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
HEADER_FILL = "#D9E1F2"
FOOTER = "&C第 &P 页 共 &N 页"
DATE_FORMAT = "yyyy-mm-dd"
PAPER_A4 = 9
PAPER_A3 = 8
CHECK_EVERY = 100  # rows between progress reports / cancel checks
WIDTH_SAMPLE = 200  # rows looked at for auto widths
MAX_AUTO_WIDTH = 24.0  # Chinese-character units
LINE_HEIGHT = 14.25  # points per text line in 宋体 11
MAX_LINES = 15
PHOTO_ROW_HEIGHT = 72.0  # points: a 96-pixel-high thumbnail
SIGN_ROW_HEIGHT = 36.0  # points: room for a handwritten signature
SEAL_ROW_HEIGHT = 96.0  # points (34 mm): room for a 42 mm round seal half over the text

TITLE_ROW = 0
INFO_ROW = 1
HEADER_ROW = 2


@dataclass(frozen=True)
class LedgerResult:
    path: Path
    rows_written: int
    columns: tuple[Column, ...]
    sheet_name: str
    header_rows: tuple[int, int]  # 1-based first and last header row, as Excel shows them
    seconds: float


def excel_width(units: float) -> float:
    """Excel column width (in '0' characters) for ``units`` Chinese characters in 宋体 11."""
    return round(units * 2 + 1, 2)


def sheet_name_for(title: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", title).strip("'") or "台账"
    return name[:31]


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of a workbook: title, columns, rows and what goes under the table.

    ``rows`` are Mappings keyed by :attr:`Column.key` or Sequences in the order of ``columns``.
    ``totals`` adds a bold 合计 row; ``signatures`` and ``seal`` go below the table (see
    :func:`write_ledger`). ``sheet_name`` defaults to the title made a valid sheet name.
    """

    title: str
    columns: Sequence[Column]
    rows: Iterable[Row]
    totals: Mapping[str, object] | None = None
    sheet_name: str | None = None
    paper_size: int = PAPER_A4
    signatures: Sequence[str] = ()
    seal: str = ""
    #: The audit chain's head when the ledger was made (``anquan-desk audit verify --anchor``):
    #: printed in every page's footer and kept as the workbook property 审计锚点.
    anchor: str = ""


@dataclass(frozen=True)
class SheetResult:
    sheet_name: str
    rows_written: int
    columns: tuple[Column, ...]
    header_rows: tuple[int, int]  # 1-based first and last header row, as Excel shows them


@dataclass(frozen=True)
class WorkbookResult:
    path: Path
    sheets: tuple[SheetResult, ...]
    seconds: float

    @property
    def rows_written(self) -> int:
        return sum(s.rows_written for s in self.sheets)


def write_ledger(
    path: Path | str,
    *,
    title: str,
    unit: str,
    made_by: str,
    made_on: dt.date,
    columns: Sequence[Column],
    rows: Iterable[Row],
    progress: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    totals: Mapping[str, object] | None = None,
    deidentified: bool = False,
    sheet_name: str | None = None,
    paper_size: int = PAPER_A4,
    scratch_dir: Path | None = None,
    private: bool = False,
    signatures: Sequence[str] = (),
    seal: str = "",
) -> LedgerResult:
    """Write one ledger sheet to ``path`` and return what was written.

    ``rows`` are Mappings keyed by :attr:`Column.key` or Sequences in the order of ``columns``.
    With ``deidentified`` the 脱敏 variant is written (see :func:`deidentify`); Sequence rows still
    follow the full ``columns``. ``totals`` adds a bold 合计 row (keys as in ``columns``).
    ``progress`` gets the number of rows written so far; ``cancel`` returning True stops the export.
    Printing: landscape, one page wide, header rows repeated; ``paper_size`` is Excel's code
    (9 = A4, 8 = A3 — wide ledgers such as the 26-column hazard ledger read better on A3).
    ``scratch_dir`` is where the private scratch folder is made (else beside ``path``); with
    ``private`` the file is created readable by its user only (0600).
    ``signatures`` (e.g. ``单位负责人（签字）：``, ``审核人：``, ``制表人：``) are written below the
    table, spread over the width with room to sign; ``seal`` (e.g. ``（单位盖章）``) goes under them
    on the right in a row tall enough for the stamp — what 16号令 第十四条 asks of the statistics.
    """
    spec = SheetSpec(title=title, columns=columns, rows=rows, totals=totals, sheet_name=sheet_name,
                     paper_size=paper_size, signatures=signatures, seal=seal)
    result = write_workbook(
        path, [spec], unit=unit, made_by=made_by, made_on=made_on, progress=progress, cancel=cancel,
        deidentified=deidentified, scratch_dir=scratch_dir, private=private,
    )
    only = result.sheets[0]
    return LedgerResult(
        path=result.path,
        rows_written=only.rows_written,
        columns=only.columns,
        sheet_name=only.sheet_name,
        header_rows=only.header_rows,
        seconds=result.seconds,
    )


def write_workbook(
    path: Path | str,
    sheets: Sequence[SheetSpec],
    *,
    unit: str,
    made_by: str,
    made_on: dt.date,
    progress: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    deidentified: bool = False,
    scratch_dir: Path | None = None,
    private: bool = False,
) -> WorkbookResult:
    """Write several ledger sheets, one after the other, into one workbook at ``path``.

    Each sheet is laid out as :func:`write_ledger` lays out its one sheet (title, info line,
    header, rows, 合计, signatures and seal). ``progress`` gets the rows written so far over all
    sheets; a cancel or an error leaves nothing at ``path``. Sheet names must differ.
    """
    started = time.perf_counter()
    target = Path(path)
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    names = [spec.sheet_name or sheet_name_for(spec.title) for spec in sheets]
    if len({n.casefold() for n in names}) != len(names):
        raise ValueError(f"sheet names must differ: {names}")
    temp = temp_path_for(target)
    scratch = make_scratch_dir(scratch_dir, target)
    results: list[SheetResult] = []
    try:
        create_file(temp, private=private)
        workbook = xlsxwriter.Workbook(
            str(temp),
            {
                "constant_memory": True,
                "tmpdir": str(scratch),
                "default_format_properties": {"font_name": BODY_FONT, "font_size": 11},
            },
        )
        try:
            for spec, name in zip(sheets, names, strict=True):
                done = sum(r.rows_written for r in results)

                def report(n: int, base: int = done) -> None:
                    if progress is not None:
                        progress(base + n)

                results.append(_write_sheet(
                    workbook, spec, name, unit, made_by, made_on, report, cancel, target, deidentified, scratch
                ))
            workbook.close()
        except BaseException:
            _discard(workbook)
            raise
        publish(temp, target)
    except BaseException:
        remove_quietly(temp)
        raise
    finally:
        remove_tree_quietly(scratch)
    if progress is not None:
        progress(sum(r.rows_written for r in results))
    return WorkbookResult(path=target, sheets=tuple(results), seconds=time.perf_counter() - started)


def _write_sheet(
    workbook: Any,
    spec: SheetSpec,
    name: str,
    unit: str,
    made_by: str,
    made_on: dt.date,
    progress: Callable[[int], None],
    cancel: Callable[[], bool] | None,
    target: Path,
    deidentified: bool,
    scratch: Path,
) -> SheetResult:
    all_columns = tuple(spec.columns)
    if not all_columns:
        raise ValueError("a ledger needs at least one column")
    if deidentified:
        kept = deidentify(all_columns)
        kept_keys = {c.key for c in kept}
        indexes = [i for i, c in enumerate(all_columns) if c.key in kept_keys]
        out_columns = tuple(kept)
    else:
        indexes = list(range(len(all_columns)))
        # A column's mask belongs to the 脱敏 variant; the full ledger shows data as recorded.
        out_columns = tuple(replace(c, mask=None) if c.mask is not None else c for c in all_columns)
    getter = RowGetter(tuple(c.key for c in out_columns), tuple(indexes))
    iterator = iter(spec.rows)
    head = list(itertools.islice(iterator, WIDTH_SAMPLE))
    widths = _fit_widths(out_columns, (getter(r) for r in head))
    sheet = workbook.add_worksheet(name)
    layout = _Layout(workbook, sheet, out_columns, widths, scratch)
    header_last = layout.write_top(spec.title, unit, made_by, made_on, spec.paper_size)
    if spec.anchor:
        sheet.set_footer(f"&L审计锚点：{spec.anchor}{FOOTER}")
        workbook.set_custom_property("审计锚点", spec.anchor)
    written = layout.write_rows(
        itertools.chain(head, iterator), getter, header_last + 1, progress, cancel, target
    )
    last_row = header_last + written
    if spec.totals is not None:
        last_row += 1
        layout.write_totals(last_row, spec.totals)
    if spec.signatures or spec.seal:
        layout.write_signatures(last_row + 2, spec.signatures, spec.seal)
    return SheetResult(
        sheet_name=name,
        rows_written=written,
        columns=out_columns,
        header_rows=(HEADER_ROW + 1, header_last + 1),
    )


def _discard(workbook: Any) -> None:
    """Close the constant_memory row files of an abandoned workbook so its scratch dir can go."""
    for sheet in workbook.worksheets():
        close = getattr(sheet, "_opt_close", None)
        if close is not None and getattr(sheet, "row_data_fh", None) is not None:
            close()


def _fit_widths(columns: Sequence[Column], sample: Iterable[list[object]]) -> list[float]:
    """Widths in Chinese-character units: the column's own, or fitted to header and sample rows."""
    widest = [0.0] * len(columns)
    for values in sample:
        for i, value in enumerate(values):
            if value is not None and columns[i].width is None:
                text = value.isoformat() if isinstance(value, dt.date) else str(value)
                longest = max((display_width(line) for line in text.split("\n")), default=0.0)
                widest[i] = max(widest[i], longest)
    widths = []
    for column, seen in zip(columns, widest, strict=True):
        if column.width is not None:
            widths.append(float(column.width))
            continue
        header = display_width(column.header)
        # Long headers wrap onto two lines rather than widening the column.
        header_need = header if header <= 6 else math.ceil(header / 2)
        width = max(header_need, seen + 0.5, 2.0)
        widths.append(min(width, MAX_AUTO_WIDTH))
    return widths


def _lines(text: str, width_units: float) -> int:
    usable = max(width_units - 0.3, 1.0)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


class _Layout:
    """Formats and positions of one ledger sheet."""

    def __init__(
        self, workbook: Any, sheet: Worksheet, columns: Sequence[Column], widths: list[float], scratch: Path
    ):
        self.workbook = workbook
        self.scratch = scratch
        self.photo_count = 0
        self.sheet = sheet
        self.columns = columns
        self.widths = widths
        self.last_col = len(columns) - 1
        base = {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"}
        self.title_fmt = workbook.add_format(
            {"font_name": TITLE_FONT, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"}
        )
        self.info_fmts = {
            align: workbook.add_format({**base, "align": align}) for align in ("left", "center", "right")
        }
        self.seal_fmt = workbook.add_format({**base, "align": "center", "valign": "vcenter", "text_wrap": True})
        self.header_fmt = workbook.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "border": 1, "bg_color": HEADER_FILL}
        )
        self.photo_note_fmt = workbook.add_format(
            {**base, "border": 1, "valign": "bottom", "align": "right", "font_size": 8}
        )
        self.cell_fmts: list[Format] = []
        self.total_fmts: list[Format] = []
        for column in columns:
            props: dict[str, Any] = {**base, "border": 1, "align": column.align}
            if column.wrap:
                props["text_wrap"] = True
            if column.kind == "date":
                props["num_format"] = DATE_FORMAT
            elif column.kind == "percent":
                props["num_format"] = "0.0%"
            elif column.kind == "float":
                props["num_format"] = "0.00"
            self.cell_fmts.append(workbook.add_format(props))
            self.total_fmts.append(workbook.add_format({**props, "bold": True}))
        self.wrap_cols = [i for i, c in enumerate(columns) if c.wrap]
        self.photo_cols = [i for i, c in enumerate(columns) if c.kind == "photo"]

    # -- top: title, info line, header -------------------------------------------------------
    def write_top(self, title: str, unit: str, made_by: str, made_on: dt.date, paper_size: int) -> int:
        """Write title, info line and header; set widths and print setup; return last header row."""
        sheet, last = self.sheet, self.last_col
        for i, width in enumerate(self.widths):
            sheet.set_column(i, i, excel_width(width))
        sheet.set_default_row(18)
        sheet.set_row(TITLE_ROW, 32)
        if last > 0:
            sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, self.title_fmt)
        else:
            sheet.write_string(TITLE_ROW, 0, title, self.title_fmt)
        self._write_info(unit, made_by, made_on)
        header_last = self._write_header()
        sheet.freeze_panes(header_last + 1, 0)
        sheet.repeat_rows(HEADER_ROW, header_last)
        sheet.set_landscape()
        sheet.set_paper(paper_size)
        sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
        sheet.center_horizontally()
        sheet.set_footer(FOOTER)
        return header_last

    def _write_info(self, unit: str, made_by: str, made_on: dt.date) -> None:
        texts = [
            f"填报单位：{unit}",
            f"制表人：{made_by}",
            f"填报日期：{made_on.year}年{made_on.month}月{made_on.day}日",
        ]
        sheet, last = self.sheet, self.last_col
        sheet.set_row(INFO_ROW, 22)
        if last < 2:
            sheet.write_string(INFO_ROW, 0, "    ".join(texts), self.info_fmts["left"])
            return
        # Three blocks: left third, middle third, right third.
        cuts = [0, (last + 1) // 3, 2 * (last + 1) // 3, last + 1]
        for (first, stop), text, align in zip(
            itertools.pairwise(cuts), texts, ("left", "center", "right"), strict=True
        ):
            if stop - 1 > first:
                sheet.merge_range(INFO_ROW, first, INFO_ROW, stop - 1, text, self.info_fmts[align])
            else:
                sheet.write_string(INFO_ROW, first, text, self.info_fmts[align])

    def _blocks(self, r: int, texts: Sequence[str], fmt: dict[str, Format]) -> None:
        """``texts`` side by side in equal blocks across the sheet (left, centre …, right)."""
        sheet, last = self.sheet, self.last_col
        n = len(texts)
        if last + 1 < n:
            sheet.write_string(r, 0, "    ".join(texts), fmt["left"])
            return
        cuts = [i * (last + 1) // n for i in range(n + 1)]
        aligns = ["left"] + ["center"] * (n - 2) + ["right"] if n > 1 else ["left"]
        for (first, stop), text, align in zip(itertools.pairwise(cuts), texts, aligns, strict=True):
            if stop - 1 > first:
                sheet.merge_range(r, first, r, stop - 1, text, fmt[align])
            else:
                sheet.write_string(r, first, text, fmt[align])

    def write_signatures(self, r: int, signatures: Sequence[str], seal: str) -> None:
        """The signature row (room to sign by hand) and the seal's place under it on the right."""
        if signatures:
            self.sheet.set_row(r, SIGN_ROW_HEIGHT)
            self._blocks(r, signatures, self.info_fmts)
            r += 1
        if seal:
            self.sheet.set_row(r, SEAL_ROW_HEIGHT)
            third = max(0, self.last_col + 1 - max(1, (self.last_col + 1) // 3))
            if self.last_col > third:
                self.sheet.merge_range(r, third, r, self.last_col, seal, self.seal_fmt)
            else:
                self.sheet.write_string(r, self.last_col, seal, self.seal_fmt)

    def _write_header(self) -> int:
        sheet, columns = self.sheet, self.columns
        grouped = any(c.group for c in columns)
        lines = max(_lines(c.header, w) for c, w in zip(columns, self.widths, strict=True))
        if not grouped:
            sheet.set_row(HEADER_ROW, max(1, lines) * LINE_HEIGHT + 8)
            for i, column in enumerate(columns):
                sheet.write_string(HEADER_ROW, i, column.header, self.header_fmt)
            return HEADER_ROW
        low = HEADER_ROW + 1
        sheet.set_row(HEADER_ROW, LINE_HEIGHT + 8)
        sheet.set_row(low, max(1, lines) * LINE_HEIGHT + 8)
        # constant_memory flushes a row as soon as a later row is written, so the two header rows
        # are written strictly in order: the upper row (group titles, single headers) first; the
        # vertical merges are declared when moving on to the lower row.
        spans: list[tuple[int, int, str]] = []  # first column, last column, group title
        singles: list[int] = []
        i = 0
        while i < len(columns):
            group = columns[i].group
            end = i
            if group is not None:
                while end + 1 < len(columns) and columns[end + 1].group == group:
                    end += 1
                spans.append((i, end, group))
            else:
                singles.append(i)
            i = end + 1
        for first, end, group in spans:
            if end > first:
                sheet.merge_range(HEADER_ROW, first, HEADER_ROW, end, group, self.header_fmt)
            else:
                sheet.write_string(HEADER_ROW, first, group, self.header_fmt)
        for i in singles:
            sheet.write_string(HEADER_ROW, i, columns[i].header, self.header_fmt)
        for i in range(len(columns)):
            if i in singles:
                sheet.write_blank(low, i, None, self.header_fmt)
            else:
                sheet.write_string(low, i, columns[i].header, self.header_fmt)
        for i in singles:
            # merge_range() cannot reach back to the flushed upper row in constant_memory mode, so
            # the vertical merges are declared directly (XlsxWriter writes ``merge`` at close;
            # tests read the merges back).
            sheet.merge.append([HEADER_ROW, i, low, i])
        return low

    # -- data ---------------------------------------------------------------------------------
    def write_rows(
        self,
        rows: Iterable[Row],
        getter: RowGetter,
        first_row: int,
        progress: Callable[[int], None] | None,
        cancel: Callable[[], bool] | None,
        target: Path,
    ) -> int:
        sheet = self.sheet
        writers = [self._cell_writer(i) for i in range(len(self.columns))]
        masks = [(i, c.mask) for i, c in enumerate(self.columns) if c.mask is not None]
        wrap_cols = [(i, self.widths[i]) for i in self.wrap_cols]
        row_info: dict[int, object] = getattr(sheet, "row_info", {})
        row_sizes: dict[int, object] | None = None if self.photo_cols else getattr(sheet, "row_sizes", None)
        r = first_row
        count = 0
        for row in rows:
            if count % CHECK_EVERY == 0 and count:
                if cancel is not None and cancel():
                    raise ExportCancelled(target, count)
                if progress is not None:
                    progress(count)
            values = getter(row)
            for i, mask in masks:
                values[i] = mask(values[i])
            lines = 1
            for i, width in wrap_cols:
                value = values[i]
                if isinstance(value, str) and (len(value) > width or "\n" in value):
                    lines = max(lines, _lines(value, width))
            height = min(lines, MAX_LINES) * LINE_HEIGHT + 4 if lines > 1 else 0.0
            if self.photo_cols and any(values[i] for i in self.photo_cols):
                height = max(height, PHOTO_ROW_HEIGHT)
            if height:
                sheet.set_row(r, height)
            for write, value in zip(writers, values, strict=True):
                write(r, value)
            # Row r-1 is on disk now; drop what XlsxWriter still keeps about it (its height) so
            # memory stays flat however many rows have an explicit height. Sizes are kept when
            # there are photos: their anchors are computed from all row heights at close.
            row_info.pop(r - 1, None)
            if row_sizes is not None:
                row_sizes.pop(r - 1, None)
            r += 1
            count += 1
        if cancel is not None and cancel():
            raise ExportCancelled(target, count)
        return count

    def _cell_writer(self, i: int, formats: list[Format] | None = None) -> Callable[[int, object], None]:
        sheet = self.sheet
        fmt = (formats or self.cell_fmts)[i]
        kind = self.columns[i].kind

        def write_text(r: int, value: object) -> None:
            if value is None or value == "":
                sheet.write_blank(r, i, None, fmt)
            elif isinstance(value, dt.date):
                sheet.write_string(r, i, value.isoformat(), fmt)
            else:
                sheet.write_string(r, i, str(value), fmt)

        def write_date(r: int, value: object) -> None:
            day = to_date(value)
            if day is not None:
                sheet.write_datetime(r, i, dt.datetime(day.year, day.month, day.day), fmt)
            else:
                write_text(r, value)

        def write_number(r: int, value: object) -> None:
            number = to_number(value)
            if number is not None:
                sheet.write_number(r, i, number, fmt)
            else:
                write_text(r, value)

        if kind == "photo":
            return self._photo_writer(i, fmt)
        return write_date if kind == "date" else write_text if kind == "text" else write_number

    def _photo_writer(self, i: int, fmt: Format) -> Callable[[int, object], None]:
        """Show the first photo of the cell as a thumbnail; the thumbnail file lives in the scratch
        folder until the workbook is closed (XlsxWriter reads images at close)."""
        sheet = self.sheet
        box_w = int(excel_width(self.widths[i]) * 7 + 5) - 6  # pixels, 7 px per character
        box_h = int(PHOTO_ROW_HEIGHT * 4 / 3) - 6

        def write_photo(r: int, value: object) -> None:
            paths: list[object]
            if isinstance(value, str | Path):
                paths = [value] if str(value) else []
            elif isinstance(value, Sequence):
                paths = list(value)
            else:
                paths = []
            sheet.write_blank(r, i, None, fmt)
            if not paths:
                return
            source = Path(str(paths[0]))
            thumb = self.scratch / f"photo{self.sheet.index}-{self.photo_count}.jpg"
            self.photo_count += 1
            try:
                with Image.open(source) as original:
                    img = ImageOps.exif_transpose(original)
                    img.thumbnail((box_w, box_h))
                    img.convert("RGB").save(thumb, "JPEG", quality=80)
                    size = img.size
            except (OSError, ValueError, Image.DecompressionBombError):
                sheet.write_string(r, i, f"照片无法读取：{source.name}", fmt)
                return
            x_offset = max(3, (box_w - size[0]) // 2 + 3)
            sheet.insert_image(r, i, str(thumb), {"x_offset": x_offset, "y_offset": 3, "object_position": 1})
            if len(paths) > 1:
                sheet.write_string(r, i, f"共{len(paths)}张", self.photo_note_fmt)

        return write_photo

    def write_totals(self, r: int, totals: Mapping[str, object]) -> None:
        values: list[object] = [totals.get(c.key) for c in self.columns]
        if values[0] is None:
            values[0] = "合计"
            label_fmt = self.total_fmts[0]
            self.sheet.write_string(r, 0, "合计", label_fmt)
            start = 1
        else:
            start = 0
        for i in range(start, len(self.columns)):
            self._cell_writer(i, self.total_fmts)(r, values[i])
