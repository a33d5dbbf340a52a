"""Column definitions of the ledgers (台账) handed to the district, and the 脱敏 rules.

Column sets follow the synthesis in DOMAIN.md §4.4 (no national standard exists); the 五落实 group
of the 重大隐患 ledger is 责任、措施、资金、时限、预案 (DOMAIN.md §4.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

ColumnKind = Literal["text", "date", "int", "float", "percent", "photo"]
Align = Literal["left", "center", "right"]

#: A masker turns a cell value into its de-identified form.
Masker = Callable[[object], object]


@dataclass(frozen=True)
class Column:
    """One ledger column.

    A ``photo`` column takes a file path (or a list of paths) and shows the first photo in the
    cell. ``width`` is in Chinese-character units (one 汉字 in 宋体 11); ``None`` means "fit the header
    and the first rows". ``personal`` marks personal data: in the 脱敏 variant a personal column
    without ``mask`` is dropped, one with ``mask`` is kept and masked. ``group`` puts the header
    under a merged group header (two header rows), e.g. 五落实 or 发现隐患.
    """

    key: str
    header: str
    kind: ColumnKind = "text"
    width: float | None = None
    wrap: bool = False
    personal: bool = False
    group: str | None = None
    mask: Masker | None = field(default=None, repr=False, compare=False)

    @property
    def align(self) -> Align:
        if self.kind in ("date", "int"):
            return "center"
        if self.kind in ("float", "percent"):
            return "right"
        return "left"


# ---------------------------------------------------------------------------------------------
# Masking (脱敏)

# Mobile numbers, optionally with +86/0086 and separators: 138 1234 5678, +86-138-1234-5678.
_PHONE_IN_TEXT = re.compile(r"(?<!\d)((?:(?:\+|00)86[-\s]?)?1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?!\d)")
# Landlines with their area code: 0571-87654321, (0571)8765 4321, 010 8765-4321.
_LANDLINE_IN_TEXT = re.compile(
    r"(?<!\d)[(（]?(0\d{2,3})[)）]?[-—－\s]?(\d{3,4})[-\s]?(\d{4})(?!\d)"
)
# A local number without area code only where the text says it is one: 电话：8765 4321.
_LOCAL_AFTER_KEYWORD = re.compile(
    r"((?:联系电话|电话号码|电话|手机号码|手机号|手机|座机|联系方式|tel|phone)\s*[:：]?\s*)"
    r"(\d{3,4})[-\s]?(\d{4})(?!\d)",
    re.IGNORECASE,
)
# 居民身份证号码: 18 characters (6-digit region, birth date, 3 digits, check digit or X) or the old
# 15-digit form (2-digit year); single spaces or hyphens between the parts are accepted.
_DATE8 = r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_DATE6 = r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID18_IN_TEXT = re.compile(rf"(?<![0-9])([1-8]\d{{5}})[-\s]?({_DATE8})[-\s]?(\d{{3}}[0-9Xx])(?![0-9Xx])")
_ID15_IN_TEXT = re.compile(rf"(?<![0-9])([1-8]\d{{5}})[-\s]?({_DATE6})[-\s]?(\d{{3}})(?![0-9])")


def mask_phone(value: object) -> object:
    """``13812345678`` → ``138****5678``; landlines keep the area code and the last 4 digits."""
    if value is None:
        return None
    return scrub_phone_numbers(str(value))


def scrub_phone_numbers(text: object) -> object:
    """Mask every mobile (11 digits) or landline number found inside free text."""
    if not isinstance(text, str):
        return text
    text = _PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE_IN_TEXT.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    return _LOCAL_AFTER_KEYWORD.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def _mask_id(match: re.Match[str]) -> str:
    whole = "".join(match.groups())
    return whole[:3] + "*" * (len(whole) - 5) + whole[-2:]


def scrub_id_numbers(text: object) -> object:
    """Mask every 居民身份证号码 (18-character or old 15-digit) inside free text:
    ``11010519491231002X`` → ``110*************2X`` (the first 3 and last 2 characters stay)."""
    if not isinstance(text, str):
        return text
    text = _ID18_IN_TEXT.sub(_mask_id, text)
    return _ID15_IN_TEXT.sub(_mask_id, text)


_FOUR_DIGITS = re.compile(r"\d{4}")


def scrub_free_text(text: object) -> object:
    """The 脱敏 of a free-text cell: ID-card numbers, then mobile and landline numbers masked.
    (Known personal names are masked by the ledger builders, which know them: :class:`NameScrubber`.)"""
    if not isinstance(text, str) or _FOUR_DIGITS.search(text) is None:
        return text  # every number masked here has four digits in a row
    return scrub_phone_numbers(scrub_id_numbers(text))


_BRACKETED = re.compile(r"[(（][^)）]*[)）]")
_NAME_SPLIT = re.compile(r"[、，,;；/\\|\s()（）\[\]【】:：]+")
_NOT_A_NAME = re.compile(r"[0-9０-９@#]")


def person_names(values: Iterable[object]) -> set[str]:
    """The personal names inside name fields (``张三、李四``, ``王五（店长）``): parts of 2–8
    characters without digits, bracketed remarks left out."""
    names: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not value:
            continue
        for part in _NAME_SPLIT.split(_BRACKETED.sub(" ", value)):
            part = part.strip()
            if 2 <= len(part) <= 8 and not _NOT_A_NAME.search(part):
                names.add(part)
    return names


class NameScrubber:
    """Masks every one of a (possibly large) set of known names wherever it occurs in free text.

    The names are compiled into one regular expression shaped like a trie (``张(?:三|伟明)|李四``),
    so a cell is scanned once however many names are known; longer names win over their prefixes.
    """

    def __init__(self, names: Iterable[str]) -> None:
        wanted = sorted(person_names(names))
        self.names = frozenset(wanted)
        self.masked = {n: str(mask_person_name(n)) for n in wanted}
        self.pattern = re.compile(_trie_pattern(wanted)) if wanted else None

    def __call__(self, value: object) -> object:
        if self.pattern is None or not isinstance(value, str) or not value:
            return value
        masked = self.masked
        return self.pattern.sub(lambda m: masked[m.group(0)], value)


def _trie_pattern(words: Sequence[str]) -> str:
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict[str, Any]]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A name ends here too: the longer names are tried first (greedy), then this one.
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def mask_person_name(value: object) -> object:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``; several names (、，, separated) each masked."""
    if value is None:
        return None
    parts = re.split(r"([、，,;；/\s]+)", str(value))
    out = []
    for part in parts:
        if not part or re.fullmatch(r"[、，,;；/\s]+", part):
            out.append(part)
        else:
            out.append(part[0] + "*" * max(1, len(part) - 1))
    return "".join(out)


def mask_credit_code(value: object) -> object:
    """Mask the 统一社会信用代码 of an individual business (个体工商户, code starting ``92``).

    A 个体工商户's code identifies a natural person's business; companies' codes are public
    registry data and stay as they are.
    """
    if value is None:
        return None
    code = str(value).strip()
    if len(code) == 18 and code.startswith("92"):
        return code[:6] + "*" * 8 + code[-4:]
    return code


def deidentify(columns: Iterable[Column]) -> tuple[Column, ...]:
    """The 脱敏 variant of ``columns``.

    Personal columns without a masker (names, phone numbers, photos) are dropped; personal columns
    with a masker are kept and masked; every other text column has ID-card, mobile and landline
    numbers in its free text masked (:func:`scrub_free_text`).
    """
    out: list[Column] = []
    for column in columns:
        if column.personal:
            if column.mask is not None:
                out.append(column)
            continue
        if column.kind == "text":
            out.append(replace(column, mask=scrub_free_text))
        else:
            out.append(column)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Shared columns

SEQ = Column("seq", "序号", "int", 3)
#: 现场照片: add to any ledger (``(*HAZARD_COLUMNS, PHOTO_COLUMN)``); photos may show people, so
#: the 脱敏 variant drops them.
PHOTO_COLUMN = Column("photos", "现场照片", "photo", 8, personal=True)
HAZARD_NO = Column("hazard_no", "隐患编号", width=8)
GRID = Column("grid", "村(社区)/网格", width=8, wrap=True)
SECTOR = Column("sector", "行业领域", width=5)
PLACE_TYPE = Column("place_type", "场所类别", width=6, wrap=True)
PLACE_NAME = Column("place_name", "单位名称", width=10, wrap=True)
ADDRESS = Column("address", "地址", width=10, wrap=True)
OWNER = Column("owner", "负责人", width=4, personal=True)
PHONE = Column("phone", "联系电话", width=7, personal=True)
INSPECTED_ON = Column("inspected_on", "检查日期", "date", 6)
METHOD = Column("method", "检查方式", width=5, wrap=True)
INSPECTORS = Column("inspectors", "检查人员", width=6, wrap=True, personal=True)
DESCRIPTION = Column("description", "隐患描述", width=16, wrap=True)
NOTICE_NO = Column("notice_no", "文书编号", width=9, wrap=True)
REMARKS = Column("remarks", "备注", width=6, wrap=True)

HAZARD_COLUMNS: tuple[Column, ...] = (
    SEQ,
    HAZARD_NO,
    GRID,
    SECTOR,
    PLACE_TYPE,
    PLACE_NAME,
    ADDRESS,
    OWNER,
    PHONE,
    INSPECTED_ON,
    METHOD,
    INSPECTORS,
    DESCRIPTION,
    Column("location", "隐患部位", width=7, wrap=True),
    Column("category", "隐患类别", width=5, wrap=True),
    Column("level", "隐患等级", width=4),
    Column("basis", "判定依据", width=12, wrap=True),
    Column("measures", "整改措施/要求", width=12, wrap=True),
    Column("deadline", "整改期限", "date", 6),
    Column("rectify_person", "整改责任人", width=5, personal=True),
    NOTICE_NO,
    # What was done (the 复查 notes), not the status: the status is 整改状态.
    Column("rectification", "整改情况", width=12, wrap=True),
    Column("reviewed_on", "复查日期", "date", 6),
    Column("reviewer", "复查人", width=4, personal=True),
    Column("review_result", "复查结论", width=5, wrap=True),
    Column("state", "整改状态", width=7, wrap=True),
    Column("closed_on", "销号日期", "date", 6),
    REMARKS,
)
"""隐患排查治理台账: one row per hazard. 整改状态 marks 逾期整改 (closed after the deadline) and
逾期未改 (open past it)."""

INSPECTION_COLUMNS: tuple[Column, ...] = (
    SEQ,
    Column("inspection_no", "检查编号", width=8),
    INSPECTED_ON,
    GRID,
    SECTOR,
    PLACE_TYPE,
    PLACE_NAME,
    ADDRESS,
    OWNER,
    PHONE,
    METHOD,
    INSPECTORS,
    Column("content", "检查内容", width=16, wrap=True),
    Column("hazards_found", "发现隐患数", "int", 4),
    Column("major_found", "其中重大隐患", "int", 4, wrap=True),
    # 自建房 only: the checklist's 初判 and the 安全鉴定 grade (A–D) known for the house.
    Column("house_class", "自建房初判类别", width=7, wrap=True),
    Column("house_grade", "鉴定等级", width=6, wrap=True),
    NOTICE_NO,
    # 安全生产法 第六十八条: the head of the unit signs; a refusal is recorded.
    Column("signed_by", "被检查单位签字人", width=5, wrap=True, personal=True),
    Column("refused_sign", "拒绝签字情况", width=6, wrap=True),
    REMARKS,
)
"""检查记录台账: one row per inspection."""

PLACE_COLUMNS: tuple[Column, ...] = (
    SEQ,
    Column("place_no", "场所编号", width=7),
    GRID,
    SECTOR,
    PLACE_TYPE,
    PLACE_NAME,
    Column("credit_code", "统一社会信用代码", width=10, personal=True, mask=mask_credit_code),
    ADDRESS,
    OWNER,
    PHONE,
    Column("floor_area", "建筑面积(㎡)", "float", 5, wrap=True),
    Column("self_built", "是否经营性自建房", width=5, wrap=True),
    Column("grid_member", "包保网格员", width=5, personal=True),
    Column("last_inspected_on", "最近检查日期", "date", 6, wrap=True),
    Column("inspections_count", "检查次数", "int", 4),
    Column("open_hazards", "未整改隐患数", "int", 4, wrap=True),
    REMARKS,
)
"""场所基础台账: one row per place, with the last inspection and open hazards."""

MAJOR_COLUMNS: tuple[Column, ...] = (
    SEQ,
    HAZARD_NO,
    GRID,
    SECTOR,
    PLACE_NAME,
    ADDRESS,
    Column("description", "重大隐患描述", width=14, wrap=True),
    Column("basis", "判定依据", width=12, wrap=True),
    Column("location", "隐患部位", width=7, wrap=True),
    Column("found_on", "发现日期", "date", 6),
    Column("listed_on", "挂牌日期", "date", 6),
    Column("supervision_no", "督办文号", width=9, wrap=True),
    Column("supervising_unit", "督办单位", width=7, wrap=True),
    # 16号令 第十五条第二款
    Column("treatment_plan", "治理方案", width=14, wrap=True),
    # 五落实: 责任、措施、资金、时限、预案 (DOMAIN.md §4.3)
    Column("responsible_unit", "责任单位", width=7, wrap=True, group="五落实"),
    Column("responsible_person", "责任人", width=4, personal=True, group="五落实"),
    Column("measures", "整改措施", width=12, wrap=True, group="五落实"),
    Column("funds", "资金(万元)", "float", 5, wrap=True, group="五落实"),
    Column("deadline", "整改时限", "date", 6, group="五落实"),
    Column("contingency_plan", "应急预案", width=7, wrap=True, group="五落实"),
    Column("progress", "整改进展", width=9, wrap=True),
    Column("accepted_on", "验收日期", "date", 6, group="验收"),
    Column("acceptance", "验收意见", width=10, wrap=True, group="验收"),
    Column("supervision_status", "挂牌督办状态", width=5, wrap=True),
    Column("delisted_on", "摘牌销号日期", "date", 6, wrap=True),
    REMARKS,
)
"""重大隐患挂牌督办台账: only hazards listed for supervision (挂牌督办)."""

OVERDUE_COLUMNS: tuple[Column, ...] = (
    SEQ,
    HAZARD_NO,
    GRID,
    SECTOR,
    PLACE_NAME,
    ADDRESS,
    OWNER,
    PHONE,
    DESCRIPTION,
    Column("level", "隐患等级", width=4),
    Column("deadline", "整改期限", "date", 6),
    Column("overdue_days", "超期天数", "int", 4),
    Column("rectify_person", "整改责任人", width=5, personal=True),
    NOTICE_NO,
    Column("status", "当前状态", width=6, wrap=True),
    REMARKS,
)
"""超期隐患清单."""

_STATS_FIGURES: tuple[Column, ...] = (
    Column("places_inspected", "检查场所数", "int", 5),
    Column("inspections", "检查次数", "int", 5),
    Column("hazards_general", "一般", "int", 4, group="发现隐患"),
    Column("hazards_major", "重大", "int", 4, group="发现隐患"),
    Column("hazards_total", "合计", "int", 4, group="发现隐患"),
    Column("rectified", "已整改", "int", 5),
    Column("rectification_rate", "整改率", "percent", 5),
    Column("overdue", "超期未整改", "int", 5),
    Column("major_open", "重大隐患未销号", "int", 5, wrap=True),
    Column("supervised", "挂牌督办数", "int", 5, wrap=True, group="挂牌督办"),
    Column("supervised_open", "未摘牌", "int", 4, group="挂牌督办"),
    Column("funds", "整改资金(万元)", "float", 6, wrap=True),
)

STATS_BY_GRID_COLUMNS: tuple[Column, ...] = (
    SEQ,
    Column("grid", "村(社区)/网格", width=12, wrap=True),
    *_STATS_FIGURES,
    REMARKS,
)
"""季度统计 by village/grid (16号令 第十四条: quarterly statistics, signed by the head)."""

STATS_BY_SECTOR_COLUMNS: tuple[Column, ...] = (
    SEQ,
    Column("sector", "行业领域", width=10, wrap=True),
    *_STATS_FIGURES,
    REMARKS,
)
"""季度统计 by sector."""

_STATS_SUMMED = (
    "places_inspected",
    "inspections",
    "hazards_general",
    "hazards_major",
    "hazards_total",
    "rectified",
    "overdue",
    "major_open",
    "supervised",
    "supervised_open",
)


def statistics_totals(rows: Iterable[Mapping[str, object]]) -> dict[str, object]:
    """The 合计 row of a quarterly statistics sheet; the rate is recomputed, not summed."""
    sums = dict.fromkeys(_STATS_SUMMED, 0)
    rows_list = list(rows)
    for row in rows_list:
        for key in _STATS_SUMMED:
            value = row.get(key)
            if isinstance(value, int | float):
                sums[key] += int(value)
    totals: dict[str, object] = dict(sums)
    totals["rectification_rate"] = (
        sums["rectified"] / sums["hazards_total"] if sums["hazards_total"] else None
    )
    funds = [v for row in rows_list if isinstance(v := row.get("funds"), int | float)]
    totals["funds"] = round(sum(funds), 4) if funds else None
    return totals


LEDGER_KINDS: Mapping[str, tuple[str, Sequence[Column]]] = {
    "hazards": ("隐患排查治理台账", HAZARD_COLUMNS),
    "inspections": ("检查记录台账", INSPECTION_COLUMNS),
    "places": ("场所基础台账", PLACE_COLUMNS),
    "major": ("重大隐患挂牌督办台账", MAJOR_COLUMNS),
    "overdue": ("超期隐患清单", OVERDUE_COLUMNS),
    "stats_by_grid": ("隐患排查治理季度统计表（按村/网格）", STATS_BY_GRID_COLUMNS),
    "stats_by_sector": ("隐患排查治理季度统计表（按行业领域）", STATS_BY_SECTOR_COLUMNS),
}
"""Ledger kind → (title suffix, e.g. ``XX镇`` + suffix, columns)."""
