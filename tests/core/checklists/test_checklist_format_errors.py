"""Malformed library files are refused with a Chinese message naming file, template, item and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anquan_desk.core.checklists import ChecklistFormatError, load_library
from anquan_desk.core.errors import AnquanError
from anquan_desk.resources import resources_dir


@pytest.fixture
def lib_dir(tmp_path: Path) -> Path:
    target = tmp_path / "checklists"
    shutil.copytree(resources_dir() / "checklists", target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def load_error(lib_dir: Path) -> ChecklistFormatError:
    with pytest.raises(ChecklistFormatError) as info:
        load_library(lib_dir)
    return info.value


def test_copy_of_shipped_library_loads(lib_dir: Path) -> None:
    assert len(load_library(lib_dir).items) >= 80


def test_missing_required_key(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "gas-lpg.toml",
         'hazard_text = "用气场所内液化石油气钢瓶超量存放（超过{lpg_max_kg}千克或{lpg_max_cylinders}瓶）"\n', "")
    err = load_error(lib_dir)
    assert (err.file, err.template, err.item, err.field) == (
        "templates/gas-lpg.toml", "GAS-LPG", "GAS-LPG-05", "hazard_text")
    assert str(err) == "清单文件“templates/gas-lpg.toml”，模板 GAS-LPG，条目 GAS-LPG-05，字段“hazard_text”：缺少必填字段"
    assert isinstance(err, AnquanError) and not isinstance(err, KeyError)


def test_unknown_placeholder(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "gas-lpg.toml", "不超过{lpg_max_kg}千克，且", "不超过{lpg_max_tons}吨，且")
    err = load_error(lib_dir)
    assert (err.template, err.item, err.field) == ("GAS-LPG", "GAS-LPG-05", "content")
    assert "lpg_max_tons" in str(err) and "未定义的参数" in str(err)


def test_duplicate_item_code_in_one_template(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "nine-food.toml", 'code = "NINE-FOOD-02"', 'code = "NINE-FOOD-01"')
    err = load_error(lib_dir)
    assert (err.file, err.item, err.field) == ("templates/nine-food.toml", "NINE-FOOD-01", "code")
    assert "重复" in str(err)


def test_duplicate_template_code_across_files(lib_dir: Path) -> None:
    shutil.copy(lib_dir / "templates" / "nine-food.toml", lib_dir / "templates" / "nine-food-copy.toml")
    err = load_error(lib_dir)
    assert err.template == "NINE-FOOD" and "重复" in str(err)


def test_bad_grade(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "house-res.toml", 'default_grade = "重大"', 'default_grade = "严重"')
    err = load_error(lib_dir)
    assert (err.file, err.item, err.field) == ("templates/house-res.toml", "HOUSE-RES-01", "default_grade")
    assert "“严重”无效" in str(err)


def test_negative_or_non_integer_deadline(lib_dir: Path) -> None:
    path = lib_dir / "templates" / "nine-shop.toml"
    edit(path, "deadline_days = 0", "deadline_days = -3")
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("NINE-SHOP-01", "deadline_days") and "负数" in str(err)
    edit(path, "deadline_days = -3", 'deadline_days = "三天"')
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("NINE-SHOP-01", "deadline_days") and "整数" in str(err)


def test_misspelt_key_is_refused(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "nine-spa.toml", "requirement = ", "requirment = ")
    err = load_error(lib_dir)
    assert err.item == "NINE-SPA-01" and "requirment" in str(err) and "未知字段" in str(err)


def test_item_code_must_carry_template_prefix(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "nine-spa.toml", 'code = "NINE-SPA-03"', 'code = "SPA-03"')
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("SPA-03", "code") and "NINE-SPA-01" in str(err)


def test_basis_without_statute_title(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "nine-spa.toml", 'basis = "《中华人民共和国消防法》第二十三条第一款"',
         'basis = "消防法"')
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("NINE-SPA-03", "basis")


def test_consequence_without_statute_title(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "nine-spa.toml", 'consequence = "《中华人民共和国消防法》第六十二条第（一）项"',
         'consequence = "消防法第六十二条"')
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("NINE-SPA-03", "consequence") and "法律后果" in str(err)


def test_law_item_needs_a_basis(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "nine-spa.toml", 'basis = "《中华人民共和国消防法》第二十三条第一款"\n', "")
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("NINE-SPA-03", "basis") and "缺少必填字段" in str(err)


def test_unknown_basis_kind(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "gas-lpg.toml", 'basis_kind = "地方规定"', 'basis_kind = "惯例"')
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("GAS-LPG-02", "basis_kind") and "政策文件" in str(err)


def test_non_law_item_needs_references_and_has_no_consequence(lib_dir: Path) -> None:
    path = lib_dir / "templates" / "gas-lpg.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('code = "GAS-LPG-02"')
    end = text.index("[[items]]", start)
    block = text[start:end]
    no_refs = "\n".join(line for line in block.split("\n") if not line.startswith("references = "))
    path.write_text(text[:start] + no_refs + text[end:], encoding="utf-8")
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("GAS-LPG-02", "references")
    with_consequence = block.replace('basis_kind = "地方规定"\n',
                                     'basis_kind = "地方规定"\nconsequence = "《城镇燃气管理条例》第四十九条"\n')
    path.write_text(text[:start] + with_consequence + text[end:], encoding="utf-8")
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("GAS-LPG-02", "consequence") and "没有法律后果" in str(err)


def test_handover_department_must_be_declared(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "nine-spa.toml", 'handover_to = "消防救援机构"', 'handover_to = "消防队"')
    err = load_error(lib_dir)
    assert (err.template, err.item, err.field) == ("NINE-SPA", "NINE-SPA-01", "handover_to")
    assert "departments" in str(err)


def test_library_without_departments_still_loads_items_without_handover(lib_dir: Path) -> None:
    """Older data (no ``departments``, no consequence/handover fields) still loads."""
    meta = lib_dir / "library.toml"
    text = meta.read_text(encoding="utf-8")
    start = text.index("departments = [")
    meta.write_text(text[:start] + text[text.index("]", start) + 1:], encoding="utf-8")
    for path in (lib_dir / "templates").glob("*.toml"):
        lines = path.read_text(encoding="utf-8").split("\n")
        path.write_text("\n".join(line for line in lines if not line.startswith("handover_to = ")),
                        encoding="utf-8")
    lib = load_library(lib_dir)
    assert lib.departments == () and not any(it.outside_township for it in lib.items)


def test_toml_syntax_error_names_line(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "fire-crowd.toml", 'version = 2', 'version = = 2')
    err = load_error(lib_dir)
    assert err.file == "templates/fire-crowd.toml"
    assert "TOML 格式错误" in str(err) and "行" in str(err)


def test_applies_refers_to_unknown_kind(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "nine-netbar.toml", 'nine_small_kinds = ["小网吧"]', 'nine_small_kinds = ["网吧"]')
    err = load_error(lib_dir)
    assert (err.template, err.field) == ("NINE-NETBAR", "applies.nine_small_kinds")


def test_common_kind_without_specific_template(lib_dir: Path) -> None:
    (lib_dir / "templates" / "nine-netbar.toml").unlink()
    err = load_error(lib_dir)
    assert err.file == "kinds.toml" and err.item == "小网吧" and "专用模板" in str(err)


def test_synonym_in_two_kinds(lib_dir: Path) -> None:
    edit(lib_dir / "kinds.toml", 'synonyms = ["网吧", "网咖"', 'synonyms = ["饭店", "网吧", "网咖"')
    err = load_error(lib_dir)
    assert err.file == "kinds.toml" and err.item == "类别 小网吧" and "饭店" in str(err)


def test_superseded_reference_must_exist(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "house-biz.toml", 'superseded_by = ["NINE-COMMON-13"]',
         'superseded_by = ["NINE-COMMON-99"]')
    err = load_error(lib_dir)
    assert (err.item, err.field) == ("HOUSE-BIZ-12", "superseded_by") and "NINE-COMMON-99" in str(err)


def test_parameter_errors(lib_dir: Path) -> None:
    path = lib_dir / "parameters.toml"
    edit(path, "value = 100\n", "value = -100\n")
    err = load_error(lib_dir)
    assert (err.file, err.item, err.field) == ("parameters.toml", "参数 lpg_max_kg", "value")
    edit(path, "value = -100\n", "value = 100\n")
    edit(path, 'name = "lpg_max_cylinders"', 'name = "lpg_max_kg"')
    err = load_error(lib_dir)
    assert err.item == "参数 lpg_max_kg" and "重复" in str(err)


def test_missing_files(lib_dir: Path, tmp_path: Path) -> None:
    (lib_dir / "parameters.toml").unlink()
    err = load_error(lib_dir)
    assert err.file == "parameters.toml" and "不存在" in str(err)
    with pytest.raises(ChecklistFormatError, match="目录不存在"):
        load_library(tmp_path / "nowhere")


def test_unknown_sector(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "gas-pipe.toml", 'sector = "燃气"', 'sector = "天然气"')
    err = load_error(lib_dir)
    assert (err.template, err.field) == ("GAS-PIPE", "sector")


def test_wrong_type_of_version(lib_dir: Path) -> None:
    edit(lib_dir / "templates" / "gas-pipe.toml", "version = 2", 'version = "2"')
    err = load_error(lib_dir)
    assert (err.template, err.field) == ("GAS-PIPE", "version") and "整数" in str(err)
