"""Validators for 统一社会信用代码, free text and phone numbers."""

from __future__ import annotations

import pytest

from anquan_desk.core.validators import (
    CREDIT_CODE_CHARSET,
    CREDIT_CODE_WEIGHTS,
    PhoneError,
    credit_code_check_char,
    credit_code_error,
    match_key,
    normalize_credit_code,
    normalize_phone,
    normalize_text,
    phone_error,
)

# Published codes of well-known companies (from their business licences / 国家企业信用信息公示系统)
# and the example of GB 32100-2015 itself.
PUBLIC_CODES = [
    "91350100M000100Y43",  # GB 32100-2015 example
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91440300708461136T",  # 华为技术有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
]


def _check_by_hand(first17: str) -> str:
    """The standard's algorithm written out independently: Σ(value × 3^i mod 31) …"""
    total = 0
    for i, ch in enumerate(first17):
        total += CREDIT_CODE_CHARSET.index(ch) * pow(3, i, 31)
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def test_weights_are_powers_of_three_mod_31() -> None:
    assert [pow(3, i, 31) for i in range(17)] == list(CREDIT_CODE_WEIGHTS)
    assert len(CREDIT_CODE_CHARSET) == 31
    assert not set("IOSVZ") & set(CREDIT_CODE_CHARSET)


@pytest.mark.parametrize("code", PUBLIC_CODES)
def test_public_codes_pass(code: str) -> None:
    assert credit_code_error(code) is None
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    "first17",
    ["92330110MA2B3C4D5", "93330109MA28F0K1L", "52330100MJ8765432", "12330000002482061", "Y1330100000000000"],
)
def test_computed_codes_pass(first17: str) -> None:
    code = first17 + _check_by_hand(first17)
    assert credit_code_check_char(first17) == code[17]
    assert credit_code_error(code) is None


def test_check_character_31_becomes_zero() -> None:
    # Find a prefix whose weighted sum is a multiple of 31 by adjusting the 17th character.
    base = "9133011057123456"
    for ch in CREDIT_CODE_CHARSET:
        if _check_by_hand(base + ch) == "0":
            assert credit_code_check_char(base + ch) == "0"
            assert credit_code_error(base + ch + "0") is None
            break
    else:  # pragma: no cover - the 31 choices of the 17th character cover every residue
        pytest.fail("no prefix with check character 0")


def test_example_message() -> None:
    assert credit_code_error("91350100M000100Y44") == "统一社会信用代码“91350100M000100Y44”校验位错误（应为 3）"


@pytest.mark.parametrize("code", PUBLIC_CODES)
def test_every_single_character_corruption_is_caught(code: str) -> None:
    for pos in range(18):
        for ch in CREDIT_CODE_CHARSET:
            if ch == code[pos]:
                continue
            bad = code[:pos] + ch + code[pos + 1 :]
            assert credit_code_error(bad) is not None, bad


def test_swapped_neighbours_are_caught() -> None:
    code = "91350100M000100Y43"
    for pos in range(17):
        if code[pos] != code[pos + 1]:
            bad = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
            assert credit_code_error(bad) is not None, bad


def test_length_charset_authority_and_type_messages() -> None:
    assert credit_code_error("91350100M000100Y4") == "统一社会信用代码“91350100M000100Y4”应为18位，实为17位"
    assert credit_code_error("91350100M000100I43") == (
        "统一社会信用代码“91350100M000100I43”第16位“I”不是有效字符（代码中不使用字母 I、O、S、V、Z）"
    )
    assert credit_code_error("91350100m000100Y43") == (
        "统一社会信用代码“91350100m000100Y43”第9位“m”不是有效字符（字母应为大写）"
    )
    # Valid check character but an unknown 登记管理部门代码 "B".
    first17 = "B1350100M000100Y4"
    code = first17 + credit_code_check_char(first17)
    assert credit_code_error(code) == f"统一社会信用代码“{code}”第1位登记管理部门代码“B”无效"
    # 工商 (9) knows 机构类别 1, 2, 3 only.
    first17 = "95350100M000100Y4"
    code = first17 + credit_code_check_char(first17)
    assert credit_code_error(code) == f"统一社会信用代码“{code}”第2位机构类别代码“5”不属于登记管理部门“工商（市场监管）”"
    first17 = "913501A0M000100Y4"
    code = first17 + credit_code_check_char(first17)
    assert credit_code_error(code) == f"统一社会信用代码“{code}”第3～8位应为行政区划代码（6位数字），实为“3501A0”"


def test_normalize_credit_code() -> None:
    assert normalize_credit_code(" ９１３５０１００ｍ０００１００ｙ４３ ") == "91350100M000100Y43"
    assert normalize_credit_code("9135-0100-M000-100Y43") == "91350100M000100Y43"


def test_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        credit_code_check_char("9135")
    with pytest.raises(ValueError):
        credit_code_check_char("91350100M000100O4")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("ＸＸ饭店", "XX饭店"),
        ("  红光路\u3000１２号 ", "红光路 12号"),
        ("张　三", "张三"),
        ("王  小  明", "王小明"),
        ("XX饭店（东门店）", "XX饭店（东门店）"),
        ("XX饭店(东门店)", "XX饭店（东门店）"),
        ("3号楼 (B座)", "3号楼 （B座）"),
        ("ABC (Shanghai)", "ABC (Shanghai)"),
        ("好又多\u200b超市\ufeff", "好又多超市"),
        ("第一行\n第二行", "第一行第二行"),
        ("KTV  \t 娱乐", "KTV 娱乐"),
        ("Ａ－１栋，３层", "A-1栋，3层"),
        ("\u00a0abc\u00a0", "abc"),
        ("", ""),
    ],
)
def test_normalize_text(raw: str, clean: str) -> None:
    assert normalize_text(raw) == clean


def test_match_key_folds_variants() -> None:
    assert match_key("ＸＸ饭店 (东门店)") == match_key("xx饭店（东门店）") == "xx饭店(东门店)"
    assert match_key("红光路 12 号") == match_key("红光路１２号")
    assert match_key("XX饭店") != match_key("XX饭馆")


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("13812345678", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("13812345678.0", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0571-87654321", "0571-87654321"),
        ("0571 87654321", "0571-87654321"),
        ("057187654321", "0571-87654321"),
        ("（0571）87654321", "0571-87654321"),
        ("(0571)8765432", "0571-8765432"),
        ("010-62345678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("021-6543210", "021-6543210"),
        ("0571-87654321-8001", "0571-87654321-8001"),
        ("0571-87654321转8001", "0571-87654321-8001"),
        ("400-123-4567", "400-123-4567"),
        ("13812345678/0571-87654321", "13812345678、0571-87654321"),
        ("13812345678、13987654321", "13812345678、13987654321"),
        ("13812345678 13987654321", "13812345678、13987654321"),
        ("13812345678,13812345678", "13812345678"),
        (57187654321, "0571-87654321"),  # a number: Excel dropped the leading 0
        (1062345678.0, "010-62345678"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_normalize_phone(raw: str | int | float, phone: str) -> None:
    assert normalize_phone(raw) == phone
    assert phone_error(raw) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1381234567", "联系电话“1381234567”：手机号码应为11位，实为10位"),
        ("138123456789", "联系电话“138123456789”：手机号码应为11位，实为12位"),
        ("12812345678", "联系电话“12812345678”：手机号码第2位应为3～9"),
        ("8765432", "联系电话“8765432”缺少区号（固定电话应写成“0571-87654321”的形式）"),
        ("0571-123", "联系电话“0571-123”：固定电话号码（区号后）应为7～8位，且不以0或1开头"),
        ("无", "联系电话“无”含有非数字字符"),
        ("12345", "联系电话“12345”：手机号码应为11位，实为5位"),
        ("987654", "联系电话“987654”位数不对（手机号码11位，固定电话为区号加7～8位号码）"),
        ("+1 555 1234567", "联系电话“+1 555 1234567”不是国内号码"),
        (1.5, "联系电话“1.5”不是电话号码"),
        ("57187654321", "联系电话“57187654321”位数不对（手机号码11位，固定电话为区号加7～8位号码）"),
        (5718765, "联系电话“5718765”缺少区号（固定电话应写成“0571-87654321”的形式）"),
        ("13812345678转12", "联系电话“13812345678转12”：手机号码不能带分机号"),
    ],
)
def test_phone_errors(raw: str | float, message: str) -> None:
    assert phone_error(raw) == message
    with pytest.raises(PhoneError, match="联系电话"):
        normalize_phone(raw)
