"""Every legal citation of the checklist library is checked against the statute texts.

The statute texts are in ``tests/data/laws`` (copies of the official texts; Chinese statutes are not
subject to copyright, 著作权法第五条). Each 依据 (``basis``), 法律后果 (``consequence``) and 参照
(``references``) citation of a statute is parsed down to 条/款/项 and must exist in that text; for a
curated table of items the cited article must also contain the words of the duty the item claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from anquan_desk.core.checklists import ChecklistLibrary, ItemDef
from anquan_desk.core.checklists.library import BASIS_KINDS, BASIS_LAW

LAWS_DIR = Path(__file__).resolve().parents[1] / "data" / "laws"

_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(text: str) -> int:
    """``"一百零五"`` -> 105, ``"十六"`` -> 16, ``"二十"`` -> 20."""
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += current * 100
            current = 0
        else:
            raise ValueError(text)
    return total + current


# ------------------------------------------------------------------------------------- statute texts


@dataclass(frozen=True)
class Article:
    number: int
    paragraphs: tuple[tuple[str, tuple[str, ...]], ...]  # (款 text, its 项 texts)

    @property
    def text(self) -> str:
        return "".join(p + "".join(items) for p, items in self.paragraphs)


_ARTICLE_RE = re.compile(r"^第([一二三四五六七八九十百零]+)条\s*(.*)$")
_ITEM_LINE_RE = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]")


def parse_statute(path: Path) -> tuple[str, dict[int, Article]]:
    """Title and articles of a statute file (``# title``, one paragraph or 项 a line)."""
    title = ""
    raw: dict[int, list[tuple[str, list[str]]]] = {}
    current: list[tuple[str, list[str]]] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        if not line or line.startswith(("#", "<!--")):
            continue
        m = _ARTICLE_RE.match(line)
        if m:
            current = raw.setdefault(cn_number(m.group(1)), [])
            current.append((m.group(2), []))
        elif current is not None:
            if _ITEM_LINE_RE.match(line):
                current[-1][1].append(line)
            else:
                current.append((line, []))
    articles = {n: Article(n, tuple((p, tuple(items)) for p, items in paras)) for n, paras in raw.items()}
    return title, articles


@cache
def statutes() -> dict[str, dict[int, Article]]:
    result = {}
    for path in sorted(LAWS_DIR.glob("*.md")):
        title, articles = parse_statute(path)
        result[title] = articles
    return result


# ------------------------------------------------------------------------------------------ citations


@dataclass(frozen=True)
class Citation:
    law: str
    article: int
    paragraph: int | None = None  # 款
    item: int | None = None  # 项

    def __str__(self) -> str:
        return (f"《{self.law}》第{self.article}条" + (f"第{self.paragraph}款" if self.paragraph else "")
                + (f"第（{self.item}）项" if self.item else ""))


_CN = "[一二三四五六七八九十百零]+"
_PIECE_RE = re.compile(rf"(?:第(?P<art>{_CN})条)?(?:第(?P<para>{_CN})款)?(?:第（(?P<item>{_CN})）项)?")
_TITLE_RE = re.compile(r"《([^》]+)》((?:（[^）]*）)?)")


def is_statute_title(title: str) -> bool:
    """Laws and State Council regulations (…法, …条例); rules and standards are cited by number."""
    return title.endswith(("法", "条例"))


def parse_citations(text: str) -> list[Citation]:
    """All 条/款/项 citations of statutes in ``text``.

    ``《X》第十六条第一款第（一）项、第（六）项、第二十八条`` gives 16(1)(1), 16(1)(6), 28: a piece without
    an article continues the previous article (and 款).
    """
    result: list[Citation] = []
    for m in _TITLE_RE.finditer(text):
        title = m.group(1)
        if not is_statute_title(title):
            continue
        rest = text[m.end():]
        article: int | None = None
        paragraph: int | None = None
        pos = 0
        while True:
            piece = _PIECE_RE.match(rest, pos)
            assert piece is not None
            if piece.end() == pos:
                break
            if piece.group("art"):
                article, paragraph = cn_number(piece.group("art")), None
            if piece.group("para"):
                paragraph = cn_number(piece.group("para"))
            item = cn_number(piece.group("item")) if piece.group("item") else None
            assert article is not None, f"“{text}”：{title} 后的条款没有写明第几条"
            if piece.group("art") or piece.group("para") or item:
                result.append(Citation(title, article, paragraph, item))
            pos = piece.end()
            if rest[pos:pos + 1] == "、":
                pos += 1
            else:
                break
        assert article is not None or rest[:1] != "第", text
    return result


def test_parse_citations() -> None:
    cites = parse_citations("《中华人民共和国消防法》第十六条第一款第（一）项、第（六）项、第二十八条；"
                            "《城镇燃气管理条例》第五十条第一款第（三）项、第二款")
    assert [str(c) for c in cites] == [
        "《中华人民共和国消防法》第16条第1款第（1）项", "《中华人民共和国消防法》第16条第1款第（6）项",
        "《中华人民共和国消防法》第28条", "《城镇燃气管理条例》第50条第1款第（3）项",
        "《城镇燃气管理条例》第50条第2款",
    ]
    assert cn_number("一百零五") == 105 and cn_number("十") == 10 and cn_number("二十八") == 28
    # Rules and standards are not statutes: not parsed here.
    assert parse_citations("《机关、团体、企业、事业单位消防安全管理规定》（公安部令第61号）第二十五条") == []


def test_statute_texts_parse() -> None:
    laws = statutes()
    assert set(laws) >= {"中华人民共和国消防法", "中华人民共和国安全生产法", "城镇燃气管理条例",
                         "中华人民共和国城乡规划法", "建设工程质量管理条例", "中华人民共和国建筑法",
                         "互联网上网服务营业场所管理条例"}
    fire = laws["中华人民共和国消防法"]
    assert len(fire[16].paragraphs) == 2 and len(fire[16].paragraphs[0][1]) == 7
    assert len(laws["城镇燃气管理条例"][28].paragraphs[0][1]) == 7  # half-width (一) in this file
    assert len(laws["中华人民共和国安全生产法"][99].paragraphs[0][1]) == 8


def resolve(c: Citation) -> str:
    """The text of the cited article / 款 / 项; fails when it does not exist."""
    laws = statutes()
    assert c.law in laws, f"{c}：法规文本不在 tests/data/laws 中"
    article = laws[c.law].get(c.article)
    assert article is not None, f"{c}：该条不存在"
    paras = article.paragraphs
    if c.paragraph is not None:
        assert c.paragraph <= len(paras), f"{c}：该条只有{len(paras)}款"
        para_text, items = paras[c.paragraph - 1]
    else:
        if c.item is None:
            return article.text
        assert len(paras) == 1, f"{c}：该条有{len(paras)}款，引用项时须写明第几款"
        para_text, items = paras[0]
    if c.item is None:
        return para_text + "".join(items)
    assert c.item <= len(items), f"{c}：该款只有{len(items)}项"
    return items[c.item - 1]


@pytest.mark.parametrize("bad", [
    Citation("中华人民共和国消防法", 16, 3),  # 第十六条 has two 款
    Citation("中华人民共和国消防法", 75),  # no such article
    Citation("城镇燃气管理条例", 28, None, 8),  # 第二十八条 has seven 项
    Citation("城镇燃气管理条例", 49, None, 5),  # 第四十九条 has two 款: the 款 must be named
    Citation("中华人民共和国民法典", 279),  # text not shipped
])
def test_resolve_rejects_what_does_not_exist(bad: Citation) -> None:
    with pytest.raises(AssertionError):
        resolve(bad)


def citations_of(item: ItemDef, *fields: str) -> list[Citation]:
    return [c for f in fields for c in parse_citations(getattr(item, f))]


# ---------------------------------------------------------------------------------- the whole library


def test_every_citation_exists_down_to_paragraph_and_item(library: ChecklistLibrary) -> None:
    checked = 0
    for it in library.items:
        for c in citations_of(it, "basis", "consequence", "references", "major_conditions"):
            resolve(c)
            checked += 1
    assert checked > 300


def test_statutes_are_cited_to_the_article(library: ChecklistLibrary) -> None:
    for it in library.items:
        for field in ("basis", "consequence"):
            for m in _TITLE_RE.finditer(getattr(it, field)):
                if is_statute_title(m.group(1)):
                    tail = getattr(it, field)[m.end():]
                    assert re.match(rf"第{_CN}条", tail), f"{it.code} {field}：《{m.group(1)}》未写明条款"


def test_every_legal_duty_item_carries_its_consequence(library: ChecklistLibrary) -> None:
    for it in library.items:
        assert it.basis_kind in BASIS_KINDS
        if it.basis_kind == BASIS_LAW:
            assert parse_citations(it.basis), f"{it.code}：依据未引用法律、行政法规条款"
            cites = parse_citations(it.consequence)
            assert cites, f"{it.code}：缺少法律后果条款"
            for c in cites:
                text = resolve(c)
                art = statutes()[c.law][c.article].text
                assert re.search("罚款|责令|拘留|处罚|取缔", text + art), f"{it.code}：{c} 不是罚则条款"
        else:
            assert it.consequence == "", it.code
            assert it.references, f"{it.code}：{it.basis_kind}条目须写明参照的标准、文件或规定"


_POLICY_NUMBER_RE = re.compile(r"〔\d{4}〕\d+号|明电")


def test_no_policy_notice_is_a_legal_basis(library: ChecklistLibrary) -> None:
    """An order cites laws, regulations and rules only: no 国办发明电〔2022〕10号, 建村〔2023〕18号 …"""
    for it in library.items:
        for field in ("basis", "consequence"):
            assert not _POLICY_NUMBER_RE.search(getattr(it, field)), f"{it.code} {field}：{getattr(it, field)}"
    policy = [it for it in library.items if "国办发明电" in it.references]
    assert len(policy) >= 10  # the 自建房 items keep the notice as a reference


def test_handover_departments_are_declared(library: ChecklistLibrary) -> None:
    assert "消防救援机构" in library.departments
    for it in library.items:
        assert it.handover_to in ("", *library.departments), it.code
    outside = {it.handover_to for it in library.items if it.outside_township}
    assert outside >= {"消防救援机构", "住房城乡建设主管部门", "燃气管理部门", "市场监督管理部门",
                       "城乡规划主管部门", "公安机关"}
    # The township itself handles 乡、村庄规划区 building without a permit (城乡规划法第六十五条: 乡、镇人民政府).
    assert library.template("HOUSE-RES").item("HOUSE-RES-05").handover_to == ""


# ----------------------------------------------------------------------- curated: the duty is in the text

# item code -> (field, words each cited article / 款 / 项 of that field must contain — any of them per group)
DUTY_WORDS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "GAS-LPG-01": [("basis", ("可燃气体报警装置",)), ("consequence", ("可燃气体报警装置",))],
    "GAS-PIPE-01": [("basis", ("可燃气体报警装置",)), ("consequence", ("可燃气体报警装置",))],
    "GAS-LPG-03": [("basis", ("燃气用户",)), ("basis", ("气瓶",))],
    "GAS-PIPE-11": [("basis", ("单位燃气用户", "事故隐患"))],
    "GAS-LPG-17": [("basis", ("转供燃气",)), ("consequence", ("转供燃气",))],
    "GAS-PIPE-12": [("basis", ("转供燃气",)), ("consequence", ("转供燃气",))],
    "GAS-LPG-18": [("basis", ("定期进行安全检查",)), ("consequence", ("定期进行安全检查",))],
    "GAS-LPG-05": [("basis", ("不具备安全条件的场所",)), ("consequence", ("不具备安全条件的场所",))],
    "GAS-PIPE-03": [("basis", ("擅自安装、改装、拆除",)), ("consequence", ("擅自安装、改装、拆除",))],
    "GAS-LPG-20": [("basis", ("应急救援预案",)), ("consequence", ("应急救援预案",))],
    "FIRE-CROWD-05": [("basis", ("公众聚集场所",)), ("consequence", ("公众聚集场所未经消防救援机构许可",))],
    "FIRE-CROWD-06": [("basis", ("预案", "演练"))],
    "NINE-WORKSHOP-01": [("basis", ("居住场所",)), ("consequence", ("居住场所",))],
    "NINE-NETBAR-03": [("basis", ("吸烟",)), ("consequence", ("吸烟",))],
    "NINE-COMMON-09": [("basis", ("线路",)), ("consequence", ("线路",))],
    "NINE-CLINIC-04": [("basis", ("线路",)), ("consequence", ("线路",))],
    "NINE-HOTEL-03": [("basis", ("线路",)), ("consequence", ("线路",))],
    "NINE-NETBAR-02": [("basis", ("线路",)), ("consequence", ("线路",))],
    "NINE-SPA-02": [("basis", ("线路",)), ("consequence", ("线路",))],
    "NINE-COMMON-16": [("basis", ("消防车通道",)), ("consequence", ("消防车通道",))],
    "NINE-COMMON-17": [("basis", ("消防设施",)), ("consequence", ("消防设施",))],
    "NINE-COMMON-06": [("basis", ("疏散通道",)), ("consequence", ("疏散通道",))],
    "HOUSE-BIZ-05": [("basis", ("承重结构",)), ("consequence", ("承重结构",))],
    "HOUSE-BIZ-06": [("basis", ("乡村建设规划许可证",)), ("consequence", ("乡、村庄规划区",))],
    "HOUSE-BIZ-07": [("basis", ("乡村建设规划许可证",)), ("consequence", ("乡、村庄规划区",))],
    "HOUSE-BIZ-12": [("consequence", ("乡、村庄规划区",))],
    "HOUSE-RES-05": [("basis", ("乡村建设规划许可证",)), ("consequence", ("乡、村庄规划区",))],
    "HOUSE-BIZ-13": [("basis", ("建设工程规划许可证",)), ("consequence", ("建设工程规划许可证",))],
    "HOUSE-RES-09": [("basis", ("建设工程规划许可证",)), ("consequence", ("建设工程规划许可证",))],
    "HOUSE-BIZ-08": [("basis", ("安全生产管理协议",)), ("consequence", ("安全生产管理协议",))],
}


@pytest.mark.parametrize("code", sorted(DUTY_WORDS))
def test_cited_article_states_the_duty(library: ChecklistLibrary, code: str) -> None:
    item = next(it for it in library.items if it.code == code)
    for field, words in DUTY_WORDS[code]:
        cites = parse_citations(getattr(item, field))
        assert cites, f"{code} {field} 没有法条引用"
        texts = [resolve(c) for c in cites]
        assert any(any(w in t for w in words) for t in texts), f"{code} {field}：所引条文不含“{'/'.join(words)}”"


def test_cut_off_valve_items_cite_no_statute_lacking_the_duty(library: ChecklistLibrary) -> None:
    """No statute in the library requires a 切断阀: such items are a local rule, not a cited law."""
    valve = [it for it in library.items if "切断阀" in it.content or "切断装置" in it.hazard_text]
    assert {it.code for it in valve} >= {"GAS-LPG-02", "GAS-PIPE-02"}
    for it in valve:
        for c in citations_of(it, "basis", "consequence"):
            assert "切断" in resolve(c), f"{it.code}：{c} 未规定切断装置"
        assert it.basis_kind != BASIS_LAW and it.consequence == ""


def test_penalty_only_articles_are_not_the_basis(library: ChecklistLibrary) -> None:
    """The 依据 names the duty; the penalty article goes to 法律后果 (消防法第六十六条 …)."""
    penalty = {("中华人民共和国消防法", 66), ("中华人民共和国消防法", 60), ("中华人民共和国消防法", 68),
               ("中华人民共和国安全生产法", 99), ("城镇燃气管理条例", 49), ("中华人民共和国城乡规划法", 65),
               ("中华人民共和国城乡规划法", 64), ("建设工程质量管理条例", 69)}
    for it in library.items:
        for c in parse_citations(it.basis):
            assert (c.law, c.article) not in penalty, f"{it.code}：依据引用了罚则 {c}"


def test_fixed_items_of_issue_14(library: ChecklistLibrary) -> None:
    item = {it.code: it for it in library.items}
    crowd5 = item["FIRE-CROWD-05"]
    assert crowd5.deadline_days == 0 and "立即停止" in crowd5.requirement
    assert "5个工作日" not in crowd5.requirement and crowd5.handover_to == "消防救援机构"
    for code in ("NINE-HOTEL-02", "NINE-KTV-01", "NINE-NETBAR-01"):  # 每2小时巡查: advice for 九小场所
        assert item[code].basis_kind == "建议" and "建议" in item[code].content, code
        assert "第二十五条" in item[code].references
    assert item["NINE-SCHOOL-01"].basis_kind == "标准" and "第十六条" not in item["NINE-SCHOOL-01"].basis
    assert item["GAS-LPG-01"].consequence.endswith("第九十九条第（八）项")
    assert item["GAS-PIPE-01"].consequence.endswith("第九十九条第（八）项")
    assert "第十八条" not in item["GAS-LPG-03"].basis and "第十七条" not in item["GAS-PIPE-11"].basis
    assert "第三十六条" not in item["GAS-LPG-02"].basis + item["GAS-PIPE-02"].basis
    assert "第四十二条" not in item["NINE-WORKSHOP-01"].basis


def test_missing_items_were_added(library: ChecklistLibrary) -> None:
    def has(template: str, *words: str) -> ItemDef:
        found = [it for it in library.template(template).items if all(w in it.content for w in words)]
        assert found, f"{template} 缺少条目：{'、'.join(words)}"
        it = found[0]
        assert it.hazard_text and it.requirement and (it.basis or it.references)
        return it

    has("NINE-COMMON", "消防车通道")
    has("NINE-COMMON", "常闭式防火门")
    has("NINE-FOOD", "厨房", "防火分隔")
    for t in ("GAS-LPG", "GAS-PIPE"):
        assert "第二十八条第（七）项" in has(t, "转供").basis
        assert has(t, "燃气经营者", "入户安全检查").handover_to == "燃气管理部门"
        has(t, "厨房", "灭火器")
        has(t, "应急处置")
        has(t, "报警器安装位置", "测试")
    for t in ("HOUSE-BIZ", "HOUSE-RES"):
        has(t, "层数", "结构类型", "建成年代", "设计和施工")
        has(t, "3层及以上")
        has(t, "群租")
        assert has(t, "城市、镇规划区").consequence.endswith("第六十四条")
        assert has(t, "乡、村庄规划区").consequence.endswith("第六十五条")
