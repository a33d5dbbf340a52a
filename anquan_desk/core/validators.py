"""Checks and clean-ups for what people type into district spreadsheets.

* ``credit_code_error``: the 统一社会信用代码 of GB 32100-2015 (18 characters, check character).
* ``normalize_text``: full-width ASCII, ideographic spaces, zero-width characters, stray spaces.
* ``normalize_phone`` / ``phone_error``: mobile and landline numbers, also when Excel stored them as
  floats (``13812345678.0``) or someone typed them with full-width digits.

Every message is Chinese and meant to be shown to the user as it is.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CREDIT_CODE_CHARSET",
    "CREDIT_CODE_WEIGHTS",
    "PhoneError",
    "credit_code_check_char",
    "credit_code_error",
    "match_key",
    "normalize_credit_code",
    "normalize_phone",
    "normalize_text",
    "phone_error",
]

# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------------------

#: The 31 characters a code may use: digits and capital letters without I, O, S, V, Z.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weight of positions 1–17 (3^(i-1) mod 31), GB 32100-2015 §5.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_CHAR_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}

# 登记管理部门代码 → (name, allowed 机构类别代码), GB 32100-2015 附录A.
_AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "1234569"),
    "4": ("文化", "19"),
    "5": ("民政", "1239"),
    "6": ("旅游", "129"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("工商（市场监管）", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业", "1239"),
    "Y": ("其他", "1"),
}


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code.

    check = 31 - (Σ value(i) × weight(i) mod 31), and 31 becomes 0 (GB 32100-2015 §5.2).
    Raises ``ValueError`` if ``first17`` is not 17 valid characters.
    """
    if len(first17) != 17 or any(ch not in _CHAR_VALUE for ch in first17):
        raise ValueError(f"需要17位有效字符：{first17!r}")
    total = sum(_CHAR_VALUE[ch] * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    check = 31 - total % 31
    return CREDIT_CODE_CHARSET[0 if check == 31 else check]


def normalize_credit_code(value: str) -> str:
    """Upper-case, half-width, without spaces or dashes: what the user most likely meant."""
    text = normalize_text(value).upper()
    return re.sub(r"[\s\-_]", "", text)


def credit_code_error(code: str) -> str | None:
    """A Chinese message saying what is wrong with a 统一社会信用代码, or None if it is valid.

    The code is checked as given (call ``normalize_credit_code`` first to forgive full-width
    characters, spaces and lower case). Checked: length 18; charset; check character; the
    登记管理部门代码 (position 1) and 机构类别代码 (position 2); the 6-digit 登记管理机关行政区划码
    (positions 3–8).
    """
    shown = f"统一社会信用代码“{code}”"
    if len(code) != 18:
        return f"{shown}应为18位，实为{len(code)}位"
    for pos, ch in enumerate(code, start=1):
        if ch not in _CHAR_VALUE:
            if ch in "IOSVZ":
                hint = "（代码中不使用字母 I、O、S、V、Z）"
            elif ch.isalpha() and ch.islower():
                hint = "（字母应为大写）"
            else:
                hint = ""
            return f"{shown}第{pos}位“{ch}”不是有效字符{hint}"
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return f"{shown}校验位错误（应为 {expected}）"
    authority = _AUTHORITIES.get(code[0])
    if authority is None:
        return f"{shown}第1位登记管理部门代码“{code[0]}”无效"
    name, kinds = authority
    if code[1] not in kinds:
        return f"{shown}第2位机构类别代码“{code[1]}”不属于登记管理部门“{name}”"
    if not code[2:8].isdigit():
        return f"{shown}第3～8位应为行政区划代码（6位数字），实为“{code[2:8]}”"
    return None


# --- text ----------------------------------------------------------------------------------

# Full-width forms of the punctuation Chinese text normally uses: kept as they are.
_KEEP_FULL_WIDTH = frozenset("！（），：；？")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_WHITESPACE = re.compile(r"\s+")
_HAS_CJK = re.compile(rf"[{_CJK}]")
# One translation table does the per-character work (this runs on every cell of an import).
_TEXT_TABLE: dict[int, int | None] = {
    code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if chr(code) not in _KEEP_FULL_WIDTH
}
_TEXT_TABLE.update({0x3000: 0x20, 0x00A0: 0x20})
_TEXT_TABLE.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")))


def normalize_text(value: str) -> str:
    """Clean one cell of text the way a person reading it would.

    Full-width letters, digits and ASCII symbols become half-width (“ＸＸ饭店１号” → “XX饭店1号”),
    while the Chinese punctuation （）：；，！？ stays full-width; ideographic and non-breaking
    spaces become plain spaces; zero-width characters disappear; line breaks inside a cell and
    runs of spaces collapse to one space; spaces *between two Chinese characters* (used to pad
    two-character names, “张　三”) are removed; the ends are stripped. In text with Chinese
    characters, ASCII brackets become the full-width ones registered names use
    (“XX饭店(东门店)” → “XX饭店（东门店）”), so both spellings end up the same.
    """
    text = _WHITESPACE.sub(" ", value.translate(_TEXT_TABLE)).strip()
    if " " in text:
        text = _SPACE_BETWEEN_CJK.sub("", text)
    if ("(" in text or ")" in text) and _HAS_CJK.search(text):
        text = text.replace("(", "（").replace(")", "）")
    return text


_PAREN_FOLD = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")"})
_KEY_DROP = re.compile(r"[\s,，.。、:：;；'\"“”‘’·\-—_]")


def match_key(value: str) -> str:
    """A key for spotting the same name or address written slightly differently.

    Normalised text with all spaces and light punctuation removed, brackets folded and letters
    lower-cased: “XX饭店（东门店）” and “ＸＸ饭店 (东门店)” give the same key.
    """
    text = unicodedata.normalize("NFKC", normalize_text(value)).translate(_PAREN_FOLD)
    return _KEY_DROP.sub("", text).lower()


# --- phone numbers ---------------------------------------------------------------------------


class PhoneError(ValueError):
    """A phone number that cannot be understood; ``str(err)`` is the Chinese message."""


_PHONE_SEPARATORS = re.compile(r"[/、，,;；|]|\s{2,}")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x)\s*(\d{1,6})$", re.IGNORECASE)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_SERVICE = re.compile(r"[48]00\d{7}")


def _phone_text(value: str | int | float) -> str:
    if isinstance(value, bool):
        raise PhoneError(f"联系电话“{value}”不是电话号码")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        raise PhoneError(f"联系电话“{value}”不是电话号码")
    text = normalize_text(value).replace("（", "(").replace("）", ")")
    # A number Excel turned into text of a float: "13812345678.0".
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text


def _one_phone(raw: str) -> str:
    text = raw.strip()
    ext = ""
    match = _EXTENSION.search(text)
    if match:
        ext = match.group(1)
        text = text[: match.start()]
    # Area code in brackets: (0571)87654321.
    text = re.sub(r"^\((0\d{2,3})\)", r"\1-", text)
    if re.search(r"[^\d\s\-+.]", text):
        raise PhoneError(f"联系电话“{raw}”含有非数字字符")
    parts = [p for p in re.split(r"[\s\-.]+", text) if p]
    digits = "".join(parts)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("86"):
            raise PhoneError(f"联系电话“{raw}”不是国内号码")
        digits = digits[2:]
    elif len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if "+" in digits:
        raise PhoneError(f"联系电话“{raw}”格式不正确")
    if digits.startswith("1"):
        if not _MOBILE.fullmatch(digits):
            return _mobile_problem(raw, digits)
        if ext:
            raise PhoneError(f"联系电话“{raw}”：手机号码不能带分机号")
        return digits
    if _SERVICE.fullmatch(digits):
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if digits.startswith("0"):
        # Area codes: 010 and 020–029 have three digits, all others four (including the 0).
        area_len = 3 if digits[1] in "12" else 4
        # When the user separated the area code, trust their split (it may be 3 or 4 digits).
        if len(parts) >= 2 and parts[0].startswith("0") and 3 <= len(parts[0]) <= 4:
            area_len = len(parts[0])
            if len(parts) == 3 and not ext and 1 <= len(parts[2]) <= 6 and len(parts[1]) >= 7:
                ext = parts[2]
                digits = parts[0] + parts[1]
        area, local = digits[:area_len], digits[area_len:]
        if not 7 <= len(local) <= 8 or local[0] in "01":
            raise PhoneError(f"联系电话“{raw}”：固定电话号码（区号后）应为7～8位，且不以0或1开头")
        return f"{area}-{local}" + (f"-{ext}" if ext else "")
    if 7 <= len(digits) <= 8:
        raise PhoneError(f"联系电话“{raw}”缺少区号（固定电话应写成“0571-87654321”的形式）")
    raise PhoneError(f"联系电话“{raw}”位数不对（手机号码11位，固定电话为区号加7～8位号码）")


def _mobile_problem(raw: str, digits: str) -> str:
    if len(digits) != 11:
        raise PhoneError(f"联系电话“{raw}”：手机号码应为11位，实为{len(digits)}位")
    raise PhoneError(f"联系电话“{raw}”：手机号码第2位应为3～9")


def normalize_phone(value: str | int | float) -> str:
    """The canonical form of one or more phone numbers in a cell.

    Mobile: ``13812345678``. Landline: ``0571-87654321`` or ``010-12345678-8001`` (extension).
    Service numbers: ``400-123-4567``. Several numbers separated by ``/ 、 , ;`` become
    ``"13812345678、0571-87654321"``. Spaces, dashes, full-width digits, ``+86`` and floats such as
    ``13812345678.0`` are forgiven, and so is a landline Excel stored as a number and so lost its
    leading 0 (57187654321 → ``0571-87654321``). An empty cell gives ``""``. Raises ``PhoneError``
    with a Chinese message for anything else.
    """
    text = _phone_text(value)
    if not text:
        return ""
    lost_zero = text[0] in "23456789" or text.startswith("10")  # no mobile number starts so
    if isinstance(value, int | float) and not isinstance(value, bool) and lost_zero:
        try:
            return _one_phone("0" + text)
        except PhoneError:
            pass
    numbers: list[str] = []
    for piece in _PHONE_SEPARATORS.split(text):
        if piece.strip():
            numbers.extend(_phone_piece(piece))
    return "、".join(dict.fromkeys(numbers))


def _phone_piece(piece: str) -> list[str]:
    try:
        return [_one_phone(piece)]
    except PhoneError:
        # Two numbers separated by a single space: "13812345678 0571-87654321".
        words = piece.split()
        if len(words) >= 2 and all(len(re.sub(r"\D", "", w)) >= 10 for w in words):
            try:
                return [_one_phone(w) for w in words]
            except PhoneError:
                pass
        raise


def phone_error(value: str | int | float) -> str | None:
    """The Chinese message for a bad phone number, or None if ``normalize_phone`` accepts it."""
    try:
        normalize_phone(value)
    except PhoneError as err:
        return str(err)
    return None
