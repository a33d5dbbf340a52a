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
   煤矿 and 森林火灾 is not also 消防. "三合一"/"多合一" name both 九小场所 and 消防; "道路及水上
   交通" names both 道路交通 and 水上交通. A bare 矿山 (coal or not?) and 交通运输 (road, rail,
   water, air?) are deliberately not mapped.
7. **Key periods** (``PERIOD_TERMS``) are reported from body sentences that also ask for a check
   (检查, 排查, 督查, 督导, 暗访, 巡查, 整治, 专项, 防控, 严防, 值守, 隐患, 执法, 督办). 十一 counts
   as 国庆 only inside a list (after 、or a quote mark), never in 刑法修正案(十一) or a heading.
8. **Duties**: each body clause (cut also at ；) containing a frequency (每日/每天, 每周, 每旬,
   每月, 每季度/每季, 每半年, 每年/每年度) is a recurring duty; a clause with two frequencies
   gives two duties.
9. **Title / year / issuer.** The title is the first block of short lines (a 关于印发《X》的通知
   title gives X). The year is the first 4-digit year in the title, else the year of the
   signature date or 发布日期. The issuer comes from a 信息来源/发布机构/发文机关 label, else from
   a signature line (…人民政府, …委员会, …局 …) directly followed by a date; otherwise ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FREQUENCY_ORDER",
    "PERIOD_ORDER",
    "SECTORS",
    "Duty",
    "PlanSummary",
    "SectorFinding",
    "parse_plan",
    "sectors_in",
]

# Canonical sector names, in the order they are reported.
SECTORS: tuple[str, ...] = (
    "消防", "燃气", "自建房", "九小场所", "危险化学品", "道路交通", "建筑施工", "特种设备",
    "非煤矿山", "煤矿", "烟花爆竹", "工贸", "森林防火", "水上交通", "人员密集场所", "电动自行车",
    "民爆物品", "油气管道", "文化旅游", "自然灾害",
)

# (regex, sectors it names). Plain words are escaped; a few need context (look-behind).
SECTOR_TERMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("消防", ("消防",)),
    ("火灾隐患|火灾风险|电气火灾|消火栓|小火亡人", ("消防",)),
    ("三合一|多合[一-]", ("九小场所", "消防")),
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
    ("人员密集|公众聚集场所|人群聚集", ("人员密集场所",)),
    ("电动自行车|电动车|电瓶车", ("电动自行车",)),
    ("民爆|民用爆炸物品", ("民爆物品",)),
    ("油气管道|油气管线|油气长输管道|油气长输管线|长输管道|输油管道|输气管道", ("油气管道",)),
    ("文化旅游|文旅|旅游|景区|剧本娱乐", ("文化旅游",)),
    ("自然灾害|地质灾害|气象灾害|防汛|防灾减灾|防震减灾", ("自然灾害",)),
)

PERIOD_ORDER: tuple[str, ...] = (
    "元旦", "春节", "清明", "五一", "端午", "中秋", "国庆", "全国两会", "汛期", "冬春", "秋冬",
    "岁末年初", "重大活动",
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
    ("汛期", "汛期"),
    ("冬春", "冬春"),
    ("秋冬", "秋冬"),
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
    "查处|防范|防控|管控|整改|执法|抓好|深化|完善|规范|严格|建立|健全|建设|淘汰|消除|严防|紧盯|"
    "聚焦|提升|攻坚|打非|清理|取缔|管理"
)
_CHECK_WORDS = re.compile("检查|排查|督查|督导|暗访|巡查|整治|专项|防控|严防|值守|隐患|执法|督办")

_TOP_HEADING = re.compile(f"^[{_CN_DIGIT}]+[、．.]")
_SUB_HEADING = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|第[一二三四五六七八九十]+[章节条部分])")
_BACKGROUND = re.compile("指导思想|工作目标|总体目标|主要目标|基本原则|编制依据|背景")

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

_ISSUER_LABEL = re.compile(r"(?:信息来源|发布机构|发文机关|发布单位|来源)\s*[:：]\s*([^\s:：|]+)")
_ISSUE_DATE_LABEL = re.compile(r"(?:发布日期|发文日期|成文日期|印发日期)\s*[:：]\s*(\d{4})")
_SIGNATURE_ORG = re.compile(
    r"(?:人民政府|办事处|委员会|安委会|安委办|办公室|管理局|局|指挥部|领导小组|党委|党工委)$"
)
_DATE_LINE = re.compile(f"^([\\d{_CN_DIGIT}]{{4}})年[\\d{_CN_DIGIT}]{{1,2}}月[\\d{_CN_DIGIT}]{{1,3}}日$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
_META_LINE = re.compile(r"^(?:发布日期|信息来源|来源|索引号|发文字号|文号|发布机构|浏览|字号)")


@dataclass(frozen=True)
class SectorFinding:
    sector: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Duty:
    frequency: str
    text: str


@dataclass(frozen=True)
class PlanSummary:
    title: str | None
    year: int | None
    issuer: str | None
    sectors: tuple[SectorFinding, ...] = ()
    periods: tuple[str, ...] = ()
    duties: tuple[Duty, ...] = ()

    @property
    def sector_names(self) -> tuple[str, ...]:
        return tuple(f.sector for f in self.sectors)

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
            if j >= len(raw) or _TOP_HEADING.match(raw[j]):
                break
            line += raw[j]
            i = j
        lines.append(line)
        i += 1
    return lines


def _title_block(lines: Sequence[str]) -> tuple[str | None, int]:
    """Return the title and the index of the first line after it."""
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
    if not parts:
        return None, i
    title = "".join(parts)
    notice = re.search(r"关于印发《(.+)》的通知", title)
    if notice:
        title = notice.group(1)
    return title, i


def _issuer_and_date_year(lines: Sequence[str]) -> tuple[str | None, int | None]:
    issuer: str | None = None
    year: int | None = None
    for line in lines[:15]:
        m = _ISSUER_LABEL.search(line)
        if m and issuer is None:
            issuer = m.group(1)
        d = _ISSUE_DATE_LABEL.search(line)
        if d and year is None:
            year = int(d.group(1))
    if issuer is not None and year is not None:
        return issuer, year
    non_empty = [line.replace(" ", "") for line in lines if line]
    for k, line in enumerate(non_empty[:-1]):
        date_match = _DATE_LINE.match(non_empty[k + 1])
        if date_match and 4 <= len(line) <= 30 and _SIGNATURE_ORG.search(line):
            if issuer is None:
                issuer = line
            if year is None:
                digits = date_match.group(1).translate(str.maketrans("〇零一二三四五六七八九", "00123456789"))
                if digits.isdigit():
                    year = int(digits)
            break
    return issuer, year


def _body_lines(lines: Sequence[str], after_title: int) -> list[tuple[str, bool]]:
    """Return body lines, each with whether it is a numbered heading."""
    has_top = any(_TOP_HEADING.match(line) for line in lines[after_title:])
    body: list[tuple[str, bool]] = []
    in_body = not has_top
    for line in lines[after_title:]:
        if not line:
            continue
        if _TOP_HEADING.match(line) and len(line) <= 40:
            in_body = not _BACKGROUND.search(line)
            if in_body:
                body.append((line, True))
            continue
        if not in_body:
            continue
        is_heading = bool(_SUB_HEADING.match(line)) and len(line) <= 30 and not line.endswith("。")
        body.append((line, is_heading))
    return body


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
_PERIOD_RES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((n, re.compile(p)) for n, p in PERIOD_TERMS)
_FREQ_RES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((n, re.compile(p)) for n, p in _FREQUENCY_TERMS)


def sectors_in(text: str) -> set[str]:
    """Canonical sectors named by the words of ``text`` (no task or context rules applied)."""
    matches: list[tuple[int, int, tuple[str, ...]]] = []
    for regex, sectors in _SECTOR_RES:
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


# --------------------------------------------------------------------------- main entry


def parse_plan(text: str) -> PlanSummary:
    """Analyse the text of a work plan; see the module docstring for the rules."""
    lines = _normalise_lines(text)
    title, after_title = _title_block(lines)
    issuer, date_year = _issuer_and_date_year(lines)
    year: int | None = None
    if title:
        m = _YEAR.search(title)
        if m:
            year = int(m.group(1))
    if year is None:
        year = date_year

    body = _body_lines(lines, after_title)
    evidence: dict[str, list[str]] = {}
    periods: set[str] = set()
    duties: list[Duty] = []
    seen_duties: set[tuple[str, str]] = set()
    for sentence, is_heading in _sentences(body):
        clean = _strip_context(sentence)
        if is_heading or _TASK_VERBS.search(clean):
            for sector in sectors_in(clean):
                bucket = evidence.setdefault(sector, [])
                if sentence not in bucket:
                    bucket.append(sentence)
        if _CHECK_WORDS.search(clean):
            for name, regex in _PERIOD_RES:
                if regex.search(clean):
                    periods.add(name)
        for name, regex in _FREQ_RES:
            if regex.search(clean):
                key = (name, sentence)
                if key not in seen_duties:
                    seen_duties.add(key)
                    duties.append(Duty(frequency=name, text=sentence))

    sectors = tuple(SectorFinding(s, tuple(evidence[s])) for s in SECTORS if s in evidence)
    return PlanSummary(
        title=title,
        year=year,
        issuer=issuer,
        sectors=sectors,
        periods=tuple(p for p in PERIOD_ORDER if p in periods),
        duties=tuple(duties),
    )
