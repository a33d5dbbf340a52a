"""Find the title, year, issuer, sectors, key periods and recurring duties in a work plan's text.

The input is plain text (see :func:`anquan_desk.io.plan_text.read_plan_text`); everything here is
pure string work with no I/O.

Rules (what counts, what does not)
==================================

1. **Text clean-up.** ``[bookmark: …]`` residue from converters and page-number lines (``- 3 -``,
   ``第3页``, ``3/12``) are dropped; a long line (30+ characters) that ends in the middle of a
   sentence is joined with the next non-empty line (line, page and column breaks in text from PDF
   or web pages).
2. **Body only.** Everything before the first top-level heading (``一、…``) is preamble — the
   cover letter of a 印发通知, the opening paragraph, the publication metadata — and is ignored
   for sectors, periods and duties. Top-level sections whose heading is background rather than
   work (指导思想, 工作目标, 总体目标, 主要目标, 基本原则, 编制依据, 背景) are ignored too. A text
   with no top-level heading at all is body from the line after its title.
3. **Sentences.** The body is cut at 。！？；; and line breaks; each piece is one sentence and
   is the evidence quoted for what it names.
4. **What is not a mention.** Before matching, a sentence is stripped of:
   - titles of documents, laws and other agencies' plans: ``《…》``, ``〈…〉``, ``<…>``;
   - lists of responsible departments: ``〔…〕`` / ``【…】`` and any parenthesis naming
     departments (containing 负责, 牵头, 责任单位, 分工, 部门, 局, 大队, 委员会, 乡街);
   - names of campaigns and commemorative days in quotes (“安全生产月”, “全国消防宣传月”,
     “全国交通安全日”, “安康杯”竞赛 …: a quoted name ending in 月/日/周/杯/竞赛);
   - organisations whose name contains a sector word: fire-rescue units (消防救援大队/支队/站/
     队伍, 乡镇消防队, 微型消防站 …) and command groups (与…领导小组/指挥部);
   - framing clauses that only give context: 结合…实际, 汲取…教训, 根据…精神/要求/部署.
5. **Task sentences only.** A sector is reported from a sentence only if the sentence (after
   step 4) contains a task verb (排查, 整治, 检查, 治理, 监管, 专项, 加强, 强化, 开展, 推进,
   落实, 打击, 查处, 防范, 管控, 整改, 执法, 完善, 规范, 建立 …) or is a numbered heading line
   inside the body (``（三）燃气安全``: numbered, at most 30 characters, no closing 。). A numbered
   line that states a fact ("4.本镇共有餐饮店120家，其中使用瓶装液化气的80家。") is not a task.
6. **Sector words.** Each canonical sector has a list of wordings (see ``SECTOR_TERMS``); the
   matches in a sentence are taken leftmost-longest without overlap, so 非煤矿山 is not also
   煤矿 and 森林火灾 is not also 消防. "三合一"/"多合一" (living, storage and work in one building)
   are 消防, not 九小场所; "道路及水上交通" names both 道路交通 and 水上交通. A bare 矿山 (coal or
   not?) and 交通运输 (road, rail, water, air?) are deliberately not mapped. 人员密集场所 and
   电动自行车 are place types and campaigns, not sectors: they are reported apart as ``focus``
   (``FOCUS``) under the same task rules. A table row (cells split by tabs or ``|``) in a section
   whose heading names a task (``一、专项整治安排表``) is a task line.
7. **Key periods** (``PERIOD_TERMS``) are reported from body sentences that also ask for a check
   (检查, 排查, 督查, 督导, 暗访, 巡查, 整治, 专项, 防控, 严防, 值守, 隐患, 执法, 督办, 防范, 应对)
   or call the time a 关键期/易发期/多发期. 十一 counts as 国庆 only inside a list (after 、or a quote
   mark), never in 刑法修正案(十一) or a heading. Weather periods: 汛期 (also 防汛, 主汛, 汛前), 高温
   (weather — not 高温熔融金属 or 高温作业), 台风, 雨雪冰冻 (also 低温、雨雪、冰冻, 寒潮).
   **Weather windows**: where a sentence gives a weather period its dates (``汛期（6月至9月）``,
   ``每年5月1日至9月30日为汛期``, ``6—9月高温期间``, ``12月至次年2月雨雪冰冻``) they are kept as
   that period's window (``PeriodDates``; the first found wins, a range goes to the nearest weather
   period named before it, else just after it). Without dates the calendar's default window holds.
8. **Duties**: each body clause (cut also at ；) containing a frequency (每日/每天, 每周, 每旬,
   每月, 每季度/每季, 每半年, 每年/每年度) is a recurring duty; a clause with two frequencies
   gives two duties.
9. **Title / year / issuer** come from the parts of a 公文 before the first ``一、`` heading:
   the 版头 (``XX市人民政府文件``, or an organisation line directly above the 发文字号 or the
   ``关于…`` line), the 发文字号 (``X政发〔2020〕1号``, on its own line or in a 发文字号/文号/
   文件编号 field of the publication metadata), the 标题 (up to three short lines ending in
   通知/意见/方案/要点/计划/规划/办法 … with an optional ``(2024-2026年)``), the 主送 and the
   落款 (an organisation line followed by a date, or both on one line; dates in Chinese numerals or
   with 年/月 lost in conversion count). A 版头 is never the title.
   - Title: a 关于印发/转发…的通知 gives the plan it sends (the 《X》 in its title, else the 《X》 of
     the 现将《X》印发 sentence, else the next 标题); any other 标题 is the title. Without one, the
     first block of short lines.
   - Year: the first year in the title (``2024-2026年`` gives 2024; a plan for 2024 may be issued in
     2023), else the 发文字号's year, else the 落款 date's, else a 成文/发布日期 field's.
   - Issuer: the 落款, else the 版头, else the 发文机关 that starts the 标题 (``XX人民政府关于…``),
     else a 发文机关/发布机构/信息来源 field (the web publisher, least reliable); otherwise ``None``.
10. **The title is the plan's subject**: sectors, focus and key periods it names count with the
   title as evidence (a 城镇燃气安全专项整治方案 is about 燃气 even where only its 指导思想 is read).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FOCUS",
    "FREQUENCY_ORDER",
    "PERIOD_ORDER",
    "SECTORS",
    "WEATHER_PERIODS",
    "Duty",
    "PeriodDates",
    "PlanSummary",
    "SectorFinding",
    "focus_in",
    "parse_plan",
    "sectors_in",
]

_FOCUS_TERMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("人员密集|公众聚集场所|人群聚集", ("人员密集场所",)),
    ("电动自行车|电动车|电瓶车", ("电动自行车",)),
)

# Canonical sector names, in the order they are reported.
SECTORS: tuple[str, ...] = (
    "消防", "燃气", "自建房", "九小场所", "危险化学品", "道路交通", "建筑施工", "特种设备",
    "非煤矿山", "煤矿", "烟花爆竹", "工贸", "森林防火", "水上交通", "民爆物品", "油气管道", "文化旅游",
    "自然灾害",
)

# Place types and campaigns the plan singles out. They cut across sectors (a 人员密集场所 is checked
# for 消防, 燃气 …; 电动自行车 is a 消防 and 道路交通 campaign), so they are reported apart.
FOCUS: tuple[str, ...] = ("人员密集场所", "电动自行车")

# (regex, sectors it names). Plain words are escaped; a few need context (look-behind).
SECTOR_TERMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("消防", ("消防",)),
    ("火灾隐患|火灾风险|电气火灾|消火栓|小火亡人", ("消防",)),
    ("三合一|多合[一-]", ("消防",)),
    ("九小", ("九小场所",)),
    ("燃气|液化石油气|液化气", ("燃气",)),
    ("自建房|农村房屋", ("自建房",)),
    ("危险化学品|危化|化工企业|化工园区|精细化工|小化工", ("危险化学品",)),
    ("道路及水上交通|道路和水上交通", ("道路交通", "水上交通")),
    ("道路交通|道路运输|道路客运|两客一危|三超一疲劳|农村道路|校车|交通安全|交通事故", ("道路交通",)),
    ("建筑施工|施工安全|房屋市政工程|危大工程|隧道施工|建设工程施工", ("建筑施工",)),
    ("特种设备|电梯|起重机械|压力容器|压力管道|锅炉|气瓶|游乐设施|(?<=[、，])场车", ("特种设备",)),
    ("非煤矿山|金属非金属矿山|尾矿库", ("非煤矿山",)),
    ("煤矿", ("煤矿",)),
    ("烟花爆竹", ("烟花爆竹",)),
    ("工贸|工商贸|粉尘涉爆|涉氨制冷|有限空间|金属冶炼|冶金", ("工贸",)),
    ("森林防火|森林防灭火|森林火灾|森林火险|森林火源|野外用火|林区防火", ("森林防火",)),
    ("水上交通|船舶|船只|渡运|自备船|渡口", ("水上交通",)),
    ("民爆|民用爆炸物品", ("民爆物品",)),
    ("油气管道|油气管线|油气长输管道|油气长输管线|长输管道|输油管道|输气管道", ("油气管道",)),
    ("文化旅游|文旅|旅游|景区|剧本娱乐", ("文化旅游",)),
    ("自然灾害|地质灾害|气象灾害|防汛|防灾减灾|防震减灾", ("自然灾害",)),
)

PERIOD_ORDER: tuple[str, ...] = (
    "元旦", "春节", "清明", "五一", "端午", "中秋", "国庆", "全国两会", "汛期", "高温", "台风", "冬春",
    "秋冬", "雨雪冰冻", "岁末年初", "重大活动",
)

_CN_DIGIT = "〇零一二三四五六七八九十"
PERIOD_TERMS: tuple[tuple[str, str], ...] = (
    ("元旦", "元旦"),
    ("春节", "春节|除夕"),
    ("清明", "清明"),
    ("五一", f"(?<![{_CN_DIGIT}\\d])五一(?![{_CN_DIGIT}\\d])|劳动节"),
    ("端午", "端午"),
    ("中秋", "中秋"),
    ("国庆", "国庆|(?<=[、“\"‘])十一(?=[、，,”\"’等])|十一(?:假期|黄金周|期间)"),
    ("全国两会", "两会"),
    ("汛期", "汛期|防汛|主汛|汛前|度汛"),
    # 高温 as weather, not 高温熔融金属 or 高温作业 (a process hazard).
    ("高温", "高温(?=天气|季节|时段|期间|时期|酷暑|炎热|汛期|雨季|[、，,和及与])|持续高温|夏季高温|防暑降温"),
    ("台风", "台风|防台"),
    ("冬春", "冬春"),
    ("秋冬", "秋冬"),
    ("雨雪冰冻", "雨雪[、，,]?冰冻|冰冻雨雪|冰冻灾害|冰冻天气|冰雪(?:灾害|天气)|寒潮|低温雨雪"),
    ("岁末年初", "岁末年初|年末岁初"),
    ("重大活动", "重大活动|重要会议"),
)

FREQUENCY_ORDER: tuple[str, ...] = ("每日", "每周", "每旬", "每月", "每季度", "每半年", "每年")
_FREQUENCY_TERMS: tuple[tuple[str, str], ...] = (
    ("每日", "每日|每天"),
    ("每周", "每周"),
    ("每旬", "每旬"),
    ("每月", "每月|每个月"),
    ("每季度", "每(?:个)?季度?"),
    ("每半年", "每半年"),
    ("每年", "每年"),
)

_TASK_VERBS = re.compile(
    "排查|整治|检查|治理|监管|监督|专项|加强|强化|开展|推进|推行|推动|落实|督促|督导|打击|严查|"
    "查处|防范|防控|管控|整改|执法|抓好|深化|完善|规范|严格|建立|健全|淘汰|消除|严防|紧盯|"
    "聚焦|提升|攻坚|打非|清理|取缔|管理|严禁"
)
_CHECK_WORDS = re.compile(
    "检查|排查|督查|督导|暗访|巡查|整治|专项|防控|严防|值守|隐患|执法|督办|防范|应对|"
    "关键期|关键时期|重点时段|敏感时段|易发期|多发期|高发期"
)

_TOP_HEADING = re.compile(f"^[{_CN_DIGIT}]+[、．.]")
_SUB_HEADING = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|第[一二三四五六七八九十]+[章节条部分])")
_BACKGROUND = re.compile("指导思想|工作目标|总体目标|主要目标|基本原则|编制依据|背景|现状|面临的形势|形势与挑战")

_SENTENCE_END = re.compile(r"[。！？!?；;：:]$")
_SENTENCE_SPLIT = re.compile(r"[。！？!?；;\n]")

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_STRIP_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"《[^》]*》|〈[^〉]*〉|<[^<>]*>"),
    re.compile(r"[“\"‘][^”\"’]{1,20}(?:月|日|周|杯|竞赛)[”\"’](?:竞赛|活动)?"),
    re.compile(r"[\u4e00-\u9fff]{0,6}消防(?:救援|援)?(?:大队|支队|总队|队伍|站|队|机构|力量)"),
    re.compile(r"与[^，,。；]{0,40}?(?:领导小组|指挥部)"),
    re.compile(r"结合[^，,。；]{0,40}?实际"),
    re.compile(r"汲取[^，,。；]{0,40}?教训"),
    re.compile(r"根据[^，,。；]{0,60}?(?:精神|要求|部署)"),
)
_PAREN = re.compile(r"[（(][^（）()]*[）)]")
_DEPT_WORDS = re.compile("负责|牵头|责任单位|分工|部门|局|大队|委员会|乡街|团区委|团县委")

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})\s*$"
)

# --- 公文 structure (see rule 9) -------------------------------------------------------------
_CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_ORG_SUFFIX = (
    "人民政府|政府|办事处|委员会|安委会|安委办|办公室|办公厅|管理局|局|指挥部|领导小组|党委|党工委|管委会"
)
_ORG_LINE = re.compile(f"^[\u4e00-\u9fff（）()·]{{2,40}}(?:{_ORG_SUFFIX})$")
_MASTHEAD = re.compile(r"^([\u4e00-\u9fff（）()·]{2,40}?)文件$")
_DOC_NUMBER_LINE = re.compile(
    r"^[\u4e00-\u9fff]{1,12}[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]?\s*第?\s*\d{1,4}\s*号$"
)
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【(（]\s*((?:19|20)\d{2})")
_DATE = f"([\\d{_CN_DIGIT}]{{4}})年?[\\d{_CN_DIGIT}]{{1,2}}月?[\\d{_CN_DIGIT}]{{1,3}}日"
_DATE_LINE = re.compile(f"^{_DATE}$")
_ORG_AND_DATE_LINE = re.compile(f"^(\\S{{4,40}}?)\\s+{_DATE}$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:[-—–－~至]\s*(?:19|20)?\d{2}\s*)?年")
_META_LABELS = (
    "标\\s*题|名\\s*称|索\\s*引\\s*号|发文字号|文件编号|发布文号|文\\s*号|发文机关|发布机构|发布单位|信息来源|"
    "来\\s*源|成文日期|发文日期|印发日期|发布日期|发文时间|发布时间|公开日期|公开方式|公开范围|公开时限|主题分类|"
    "内容分类|组配分类|信息分类|责任处室|关键词|概\\s*述|有效性|生效日期|浏览|字号"
)
_META_LINE = re.compile(f"^(?:{_META_LABELS})")
_META_FIELD = re.compile(f"({_META_LABELS})\\s*[:：]?\\s*")
_ISSUER_LABELS = ("发文机关", "发布机构", "发布单位", "信息来源", "来源")
_DATE_LABELS = ("成文日期", "发文日期", "印发日期", "发布日期", "发文时间", "发布时间")
_NUMBER_LABELS = ("发文字号", "文件编号", "发布文号", "文号")
_TITLE_END = re.compile(
    "(?:工作要点|要点|方案|计划|规划|意见|办法|细则|安排|通知|通报|决定)(?:[（(][^（）()]{2,20}[）)])?$"
)
_NOTICE = re.compile("^(.*?)关于.+的?(?:通知|通报|意见|决定|函)$")
_ISSUING = re.compile("印发|转发|颁发|下发")
_BOOK_TITLE = re.compile("《([^《》]+)》")
_TITLE_STOP = re.compile(r"[：:。，,；;！？!?]$")


@dataclass(frozen=True)
class SectorFinding:
    sector: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Duty:
    frequency: str
    text: str


@dataclass(frozen=True)
class PeriodDates:
    """A period's window as the plan states it: (month, day) of start and end, ``end`` before
    ``start`` meaning the next year (``12月至次年2月``); ``evidence`` is the sentence."""

    period: str
    start: tuple[int, int]
    end: tuple[int, int]
    evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "start": list(self.start), "end": list(self.end), "evidence": self.evidence}

    @classmethod
    def from_dict(cls, data: Any) -> PeriodDates:
        start, end = data["start"], data["end"]
        return cls(str(data["period"]), (int(start[0]), int(start[1])), (int(end[0]), int(end[1])),
                   str(data.get("evidence", "")))


@dataclass(frozen=True)
class PlanSummary:
    title: str | None
    year: int | None
    issuer: str | None
    sectors: tuple[SectorFinding, ...] = ()
    periods: tuple[str, ...] = ()
    duties: tuple[Duty, ...] = ()
    focus: tuple[SectorFinding, ...] = ()  # place types and campaigns (FOCUS), not sectors
    windows: tuple[PeriodDates, ...] = ()  # weather periods' dates as the plan gives them

    @property
    def sector_names(self) -> tuple[str, ...]:
        return tuple(f.sector for f in self.sectors)

    @property
    def focus_names(self) -> tuple[str, ...]:
        return tuple(f.sector for f in self.focus)

    def evidence_for(self, sector: str) -> tuple[str, ...]:
        for finding in self.sectors:
            if finding.sector == sector:
                return finding.evidence
        return ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "year": self.year,
            "issuer": self.issuer,
            "sectors": [{"sector": f.sector, "evidence": list(f.evidence)} for f in self.sectors],
            "periods": list(self.periods),
            "duties": [{"frequency": d.frequency, "text": d.text} for d in self.duties],
            "focus": [{"focus": f.sector, "evidence": list(f.evidence)} for f in self.focus],
            "windows": [w.to_dict() for w in self.windows],
        }


# --------------------------------------------------------------------------- text preparation


def _normalise_lines(text: str) -> list[str]:
    text = _BOOKMARK.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u3000", " ").replace("\xa0", " ")
    raw = [line.strip() for line in text.split("\n") if not _PAGE_NUMBER.match(line)]
    lines: list[str] = []
    i = 0
    while i < len(raw):
        line = raw[i]
        # Join a long line cut mid-sentence with the next non-empty line.
        while len(line) >= 30 and not _META_LINE.match(line) and not _SENTENCE_END.search(line):
            j = i + 1
            while j < len(raw) and not raw[j]:
                j += 1
            if j >= len(raw) or _TOP_HEADING.match(raw[j]) or _META_LINE.match(raw[j]) or _NOTICE.match(line):
                break
            line += raw[j]
            i = j
        lines.append(line)
        i += 1
    return lines


@dataclass(frozen=True)
class _Header:
    title: str | None
    year: int | None
    issuer: str | None
    notice_title: str | None  # the 标题 of the cover notice (or the plan's own title)
    after_title: int  # index of the first line after the plan's title


def _compact(line: str) -> str:
    return line.replace(" ", "")


def _meta_fields(line: str) -> dict[str, str]:
    """``label: value`` pairs of a publication-metadata line (labels without inner spaces)."""
    marks = list(_META_FIELD.finditer(line))
    fields: dict[str, str] = {}
    for k, m in enumerate(marks):
        stop = marks[k + 1].start() if k + 1 < len(marks) else len(line)
        fields.setdefault(_compact(m.group(1)), line[m.end():stop].strip())
    return fields


def _year_of_date(text: str) -> int | None:
    digits = text.translate(_CN_YEAR_DIGITS)
    return int(digits) if digits.isdigit() else None


def _head_end(lines: Sequence[str]) -> int:
    """Index of the first top-level heading (``一、``), or the number of lines."""
    for i, line in enumerate(lines):
        if _TOP_HEADING.match(line) and len(line) <= 40:
            return i
    return len(lines)


def _is_title_part(line: str) -> bool:
    return bool(line) and len(line) <= 60 and not _TITLE_STOP.search(line) and not (
        _META_LINE.match(line) or _DATE_LINE.match(line) or _DOC_NUMBER_LINE.match(line)
        or _MASTHEAD.match(line) or _TOP_HEADING.match(line) or _SUB_HEADING.match(line)
    )


def _title_at(lines: Sequence[str], i: int) -> tuple[str, int] | None:
    """A 标题 starting at line ``i`` (up to three parts, blank lines between allowed) and the index after it."""
    parts: list[str] = []
    j = i
    while j < len(lines) and len(parts) < 3:
        line = _compact(lines[j])
        if not line:
            j += 1
            continue
        if not _is_title_part(line):
            return None
        parts.append(line)
        j += 1
        joined = "".join(parts)
        if _TITLE_END.search(joined) and len(joined) <= 80:
            return joined, j
    return None


def _next_text(lines: Sequence[str], i: int) -> str:
    for line in lines[i:]:
        if line.strip():
            return _compact(line)
    return ""


def _title_candidates(lines: Sequence[str], head_end: int) -> list[tuple[int, str, int]]:
    """Every 标题 in the head zone: (first line, text, index after). A 标题 may start with its
    发文机关 on a line of its own (``某市人民政府`` / ``关于…的通知``)."""
    out: list[tuple[int, str, int]] = []
    i = 0
    while i < head_end:
        if not lines[i].strip():
            i += 1
            continue
        found = _title_at(lines, i)
        if found is not None and found[1] <= head_end:
            out.append((i, found[0], found[1]))
            i = found[1]
            continue
        i += 1
    return out


def _plan_title(
    lines: Sequence[str], candidates: Sequence[tuple[int, str, int]]
) -> tuple[str | None, str | None, int]:
    """(plan title, notice title, index after the plan title)."""
    if not candidates:
        return None, None, 0
    _start, first, after = candidates[0]
    if not _NOTICE.match(first) or not _ISSUING.search(first):
        return first, first, after
    book = _BOOK_TITLE.search(first)
    if book:
        return book.group(1), first, after
    # 关于印发X的通知 without 《》: the cover letter names the plan as 现将《X》印发给你们.
    for line in lines[after:after + 8]:
        if _ISSUING.search(line):
            named = _BOOK_TITLE.search(line)
            if named:
                return _compact(named.group(1)), first, after
    for _start, text, end in candidates[1:]:
        if not text.startswith("关于"):
            return text, first, end
    m = re.search("(?:印发|转发|颁发|下发)(.+?)的?通知$", first)
    return (m.group(1) if m else first), first, after


def _signature(lines: Sequence[str]) -> tuple[str | None, int | None]:
    """The 落款: an organisation line directly followed by a date line (or both on one line)."""
    non_empty = [line.strip() for line in lines if line.strip()]
    for k, line in enumerate(non_empty):
        same = _ORG_AND_DATE_LINE.match(line)
        if same and _ORG_LINE.match(_compact(same.group(1))):
            return _compact(same.group(1)), _year_of_date(same.group(2))
        if k + 1 < len(non_empty):
            org = _compact(line)
            date_match = _DATE_LINE.match(_compact(non_empty[k + 1]))
            if date_match and 4 <= len(org) <= 40 and _ORG_LINE.match(org):
                return org, _year_of_date(date_match.group(1))
    return None, None


def _masthead(lines: Sequence[str], head_end: int) -> str | None:
    """The 版头: ``XX人民政府文件``, or an organisation line directly above a 发文字号 or a
    ``关于…`` title."""
    for i, raw in enumerate(lines[:head_end]):
        line = _compact(raw)
        m = _MASTHEAD.match(line)
        if m:
            return m.group(1)
        following = _next_text(lines, i + 1)
        if _ORG_LINE.match(line) and (following.startswith("关于") or _DOC_NUMBER_LINE.match(following)):
            return line
    return None


def _read_header(lines: Sequence[str]) -> _Header:
    head_end = _head_end(lines)
    fields: dict[str, str] = {}
    number_year: int | None = None
    for raw in lines[:head_end]:
        line = raw.strip()
        if _META_LINE.match(line):
            for key, value in _meta_fields(line).items():
                fields.setdefault(key, value)
        elif number_year is None and (number := _DOC_NUMBER_LINE.match(_compact(line))):
            number_year = int(number.group(1))
    for key in _NUMBER_LABELS:
        m = _DOC_NUMBER.search(fields.get(key, ""))
        if number_year is None and m:
            number_year = int(m.group(1))

    candidates = _title_candidates(lines, head_end)
    title, notice, after = _plan_title(lines, candidates)
    signer, signed_year = _signature(lines)

    year: int | None = None
    for text in (title, notice):
        m = _YEAR.search(text or "")
        if m and year is None:
            year = int(m.group(1))
    label_year = next(
        (int(m.group(1)) for key in _DATE_LABELS if (m := re.match(r"\s*((?:19|20)\d{2})", fields.get(key, "")))),
        None,
    )
    year = next((y for y in (year, number_year, signed_year, label_year) if y is not None), None)

    prefix = _NOTICE.match(notice or "")
    from_title = prefix.group(1) if prefix and _ORG_LINE.match(prefix.group(1)) else None
    labelled = next((fields[key].split()[0] for key in _ISSUER_LABELS if fields.get(key, "").split()), None)
    issuer = signer or _masthead(lines, head_end) or from_title or labelled
    if title is None:
        title, after = _first_block(lines)
    return _Header(title, year, issuer, notice, after)


def _first_block(lines: Sequence[str]) -> tuple[str | None, int]:
    """Fallback title: the first block of short lines."""
    i = 0
    while i < len(lines) and not lines[i]:
        i += 1
    parts: list[str] = []
    while i < len(lines) and lines[i] and len(parts) < 3:
        line = lines[i]
        if len(line) > 40 or _META_LINE.match(line) or line.endswith(("：", ":", "。")):
            break
        if parts and (_TOP_HEADING.match(line) or _SUB_HEADING.match(line)):
            break
        parts.append(line)
        i += 1
    return ("".join(parts) if parts else None), i


def _body_lines(lines: Sequence[str], after_title: int) -> list[tuple[str, bool]]:
    """Return body lines, each with whether it is a numbered heading."""
    has_top = any(_TOP_HEADING.match(line) for line in lines[after_title:])
    body: list[tuple[str, bool]] = []
    in_body = not has_top
    task_section = False
    for line in lines[after_title:]:
        if not line:
            continue
        if _TOP_HEADING.match(line) and len(line) <= 40:
            in_body = not _BACKGROUND.search(line)
            task_section = bool(_TASK_VERBS.search(line))
            if in_body:
                body.append((line, True))
            continue
        if not in_body:
            continue
        is_heading = bool(_SUB_HEADING.match(line)) and len(line) <= 30 and not line.endswith("。")
        is_task_row = task_section and bool(_TABLE_ROW.search(line))
        body.append((line, is_heading or is_task_row))
    return body


_TABLE_ROW = re.compile(r"\t|\s\|\s|\|$")
_DEPT_BRACKETS = re.compile(r"〔[^〕]*〕|【[^】]*】")


def _drop_department_lists(line: str) -> str:
    line = _DEPT_BRACKETS.sub("", line)
    for _ in range(3):
        line = _PAREN.sub(lambda m: "" if _DEPT_WORDS.search(m.group(0)) else m.group(0).replace("(", "⁽"), line)
    return line.replace("⁽", "(")


def _sentences(body: Iterable[tuple[str, bool]]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for line, is_heading in body:
        for k, piece in enumerate(_SENTENCE_SPLIT.split(_drop_department_lists(line))):
            piece = piece.strip()
            if piece:
                out.append((piece, is_heading and k == 0))
    return out


def _strip_context(sentence: str) -> str:
    s = _drop_department_lists(sentence)
    for pattern in _STRIP_PATTERNS:
        s = pattern.sub("", s)
    return s


_SECTOR_RES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), sectors) for pattern, sectors in SECTOR_TERMS
)
_FOCUS_RES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), names) for pattern, names in _FOCUS_TERMS
)
_PERIOD_RES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((n, re.compile(p)) for n, p in PERIOD_TERMS)
_FREQ_RES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((n, re.compile(p)) for n, p in _FREQUENCY_TERMS)


def sectors_in(text: str) -> set[str]:
    """Canonical sectors named by the words of ``text`` (no task or context rules applied)."""
    return _terms_in(text, _SECTOR_RES)


def focus_in(text: str) -> set[str]:
    """Place types and campaigns (``FOCUS``) named by the words of ``text``."""
    return _terms_in(text, _FOCUS_RES)


def _terms_in(text: str, terms: Sequence[tuple[re.Pattern[str], tuple[str, ...]]]) -> set[str]:
    matches: list[tuple[int, int, tuple[str, ...]]] = []
    for regex, sectors in terms:
        for m in regex.finditer(text):
            if m.end() > m.start():
                matches.append((m.start(), m.end(), sectors))
    matches.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    found: set[str] = set()
    end = -1
    for start, stop, sectors in matches:
        if start >= end:
            found.update(sectors)
            end = stop
    return found


# --------------------------------------------------------------------------- weather windows

#: Periods whose dates depend on the region and the year's weather: a plan may give them.
WEATHER_PERIODS: tuple[str, ...] = ("汛期", "高温", "台风", "雨雪冰冻")
_WEATHER_RES = tuple((n, r) for n, r in _PERIOD_RES if n in WEATHER_PERIODS)
_CN_NUMBER = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_NUM = r"(?:[0-3]?\d|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_RANGE_SEP = r"\s*(?:至|到|—+|－|-|~|～|–)\s*"
_DATE_RANGE = re.compile(
    rf"(?<![年\d{_CN_DIGIT}])(?:每年)?(?P<m1>{_NUM})(?:月(?:(?P<d1>{_NUM})日)?(?:起)?)?{_RANGE_SEP}"
    rf"(?P<next>次年|翌年|来年|第二年)?(?P<m2>{_NUM})月(?:(?P<d2>{_NUM})日|(?P<mid>中旬|上旬))?"
)
_MONTH_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}
#: How far (characters) a date range may stand from the period it belongs to.
_NEAR = 24


def _cn_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_NUMBER.get(tens, 1) if tens else 1) * 10 + (_CN_NUMBER.get(units, 0) if units else 0)
    return _CN_NUMBER.get(text, 0)


def _range_of(m: re.Match[str]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    m1, m2 = _cn_int(m["m1"]), _cn_int(m["m2"])
    d1 = _cn_int(m["d1"]) if m["d1"] else 1
    if m["d2"]:
        d2 = _cn_int(m["d2"])
    elif m["mid"] == "上旬":
        d2 = 10
    elif m["mid"] == "中旬":
        d2 = 20
    else:
        d2 = _MONTH_DAYS.get(m2, 31)  # the end of the month (29 February: clamped by the calendar)
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12 and 1 <= d1 <= 31 and 1 <= d2 <= 31):
        return None
    if (m1, d1) == (m2, d2):
        return None
    return (m1, d1), (m2, d2)


def weather_windows(sentence: str) -> list[PeriodDates]:
    """The weather periods of ``sentence`` that it gives dates (see rule 7)."""
    terms = sorted(
        (m.start(), m.end(), name) for name, regex in _WEATHER_RES for m in regex.finditer(sentence)
    )
    if not terms:
        return []
    found: dict[str, PeriodDates] = {}
    for m in _DATE_RANGE.finditer(sentence):
        days = _range_of(m)
        if days is None:
            continue
        before = [t for t in terms if t[1] <= m.start() and m.start() - t[1] <= _NEAR]
        after = [t for t in terms if t[0] >= m.end() and t[0] - m.end() <= _NEAR // 2]
        chosen = before[-1] if before else (after[0] if after else None)
        if chosen is not None and chosen[2] not in found:
            found[chosen[2]] = PeriodDates(chosen[2], days[0], days[1], sentence)
    return list(found.values())


# --------------------------------------------------------------------------- main entry


def _findings(evidence: dict[str, list[str]], order: Sequence[str]) -> tuple[SectorFinding, ...]:
    return tuple(SectorFinding(s, tuple(evidence[s])) for s in order if s in evidence)


_CLAUSE_SPLIT = re.compile(r"[，,]")


def _duties_of(sentence: str, clean: str) -> list[Duty]:
    """The duties of one clause: the whole clause for one frequency; with several, each frequency
    gets the comma-separated parts that carry it, and frequencies sharing the same parts are one
    duty (``每季度、每年``) — a sentence is never listed twice."""
    names = [name for name, regex in _FREQ_RES if regex.search(clean)]
    if len(names) <= 1:
        return [Duty(frequency=name, text=sentence) for name in names]
    parts = _CLAUSE_SPLIT.split(sentence)
    texts: dict[str, list[str]] = {}
    for name in names:
        regex = dict(_FREQ_RES)[name]
        mine = [p.strip() for p in parts if regex.search(_strip_context(p))]
        text = "，".join(mine) if mine else sentence
        texts.setdefault(text, []).append(name)
    return [Duty(frequency="、".join(group), text=text) for text, group in texts.items()]


def parse_plan(text: str) -> PlanSummary:
    """Analyse the text of a work plan; see the module docstring for the rules."""
    lines = _normalise_lines(text)
    header = _read_header(lines)

    evidence: dict[str, list[str]] = {}
    focus: dict[str, list[str]] = {}
    periods: set[str] = set()
    duties: list[Duty] = []
    seen_duties: set[tuple[str, str]] = set()
    windows: dict[str, PeriodDates] = {}
    # The title is the plan's subject: what it names counts without a task verb (rule 10).
    titles = [t for t in dict.fromkeys((header.title, header.notice_title)) if t]
    for title in titles:
        clean = _strip_context(title)
        for sector in sectors_in(clean):
            evidence.setdefault(sector, []).append(title)
        for name in _terms_in(clean, _FOCUS_RES):
            focus.setdefault(name, []).append(title)
        periods.update(name for name, regex in _PERIOD_RES if regex.search(clean))
    for sentence, is_heading in _sentences(_body_lines(lines, header.after_title)):
        clean = _strip_context(sentence)
        for window in weather_windows(sentence):
            windows.setdefault(window.period, window)
        if is_heading or _TASK_VERBS.search(clean):
            for bucket_map, found in ((evidence, sectors_in(clean)), (focus, _terms_in(clean, _FOCUS_RES))):
                for name in found:
                    bucket = bucket_map.setdefault(name, [])
                    if sentence not in bucket:
                        bucket.append(sentence)
        if _CHECK_WORDS.search(clean):
            periods.update(name for name, regex in _PERIOD_RES if regex.search(clean))
        for duty in _duties_of(sentence, clean):
            key = (duty.frequency, duty.text)
            if key not in seen_duties:
                seen_duties.add(key)
                duties.append(duty)

    return PlanSummary(
        title=header.title,
        year=header.year,
        issuer=header.issuer,
        sectors=_findings(evidence, SECTORS),
        periods=tuple(p for p in PERIOD_ORDER if p in periods),
        duties=tuple(duties),
        focus=_findings(focus, FOCUS),
        windows=tuple(windows[p] for p in WEATHER_PERIODS if p in windows and p in periods),
    )
