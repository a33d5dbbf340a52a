"""核验 of any file a user hands us: a damaged or cut-off copy of an issued PDF is 被改动 (naming the
document where its start proves which), what is not a PDF gets a Chinese message naming the file,
and nothing a PDF library prints reaches the console."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import desk_for, doc_setup
from helpers.corpus import files as corpus

from anquan_desk.core.db import Database, open_database
from anquan_desk.core.errors import FileInputError, UserInputError
from anquan_desk.services import documents as docs
from anquan_desk.services.documents import VerifyResult


@pytest.fixture
def issued(db: Database, tmp_path: Path) -> dict[str, docs.DocumentPdf]:
    """A finished check with its notice and its 现场检查记录 issued (same place, same hazards)."""
    ids = doc_setup.finished_check(db, tmp_path)
    desk = desk_for(db, "zhang")
    return {
        "notice": docs.obtain_document(desk, "notice", ids["inspection"], served_on=doc_setup.CHECK_DAY),
        "record": docs.obtain_document(desk, "record", ids["inspection"]),
    }


def _verify(db: Database, path: Path) -> VerifyResult:
    return docs.verify_pdf_file(desk_for(db), path)


def _file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_the_original_passes(db: Database, issued: dict[str, docs.DocumentPdf], tmp_path: Path) -> None:
    notice = issued["notice"]
    result = _verify(db, _file(tmp_path, "原件.pdf", notice.pdf))
    assert (result.ok, result.kind, result.number) == (True, "ok", notice.document.number)


CUTS: dict[str, Callable[[int], int]] = {
    "10 bytes": lambda n: n - 10,  # %%EOF gone: pypdf no longer reads it, the metadata's code is there
    "200 bytes": lambda n: n - 200,  # the xref gone
    "7000 bytes": lambda n: n - 7000,  # the pages' content and the metadata gone
    "half": lambda n: n // 2,  # only images and fonts left
    "nine tenths": lambda n: n // 10,  # only the title font's character map left
}


@pytest.mark.parametrize("keep", CUTS.values(), ids=CUTS.keys())
def test_a_cut_off_copy_is_changed_and_names_its_document(
    db: Database,
    issued: dict[str, docs.DocumentPdf],
    tmp_path: Path,
    keep: Callable[[int], int],
    capfd: pytest.CaptureFixture[str],
) -> None:
    for which in ("notice", "record"):
        original = issued[which]
        data = original.pdf[: keep(len(original.pdf))]
        result = _verify(db, _file(tmp_path, f"{which}.pdf", data))
        assert (result.ok, result.kind) == (False, "tampered"), result.message
        assert result.number == original.document.number, result.message
        assert f"文书 {original.document.number} 的内容被改动" in result.message
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""  # pypdf's "EOF marker not found" stays quiet


def test_other_damage_is_changed(db: Database, issued: dict[str, docs.DocumentPdf], tmp_path: Path) -> None:
    notice = issued["notice"]
    flipped = bytearray(notice.pdf)
    flipped[flipped.index(b"/Producer") + 8] ^= 1
    broken_xref = bytearray(notice.pdf)
    at = broken_xref.rindex(b"xref")
    broken_xref[at : at + 200] = b"0" * 200
    zeroed_middle = bytearray(notice.pdf)
    middle = len(zeroed_middle) // 2
    zeroed_middle[middle : middle + 3000] = bytes(3000)
    appended = notice.pdf + b"\n% one more line\n"
    damaged = {"flipped": flipped, "xref": broken_xref, "zeroed": zeroed_middle, "appended": appended}
    for name, data in damaged.items():
        result = _verify(db, _file(tmp_path, f"{name}.pdf", bytes(data)))
        assert (result.kind, result.number) == ("tampered", notice.document.number), (name, result.message)


def test_an_encrypted_copy_is_not_an_original(
    db: Database, issued: dict[str, docs.DocumentPdf], tmp_path: Path
) -> None:
    locked = _file(tmp_path, "加密.pdf", corpus.encrypted(issued["notice"].pdf, "secret"))
    result = _verify(db, locked)
    assert (result.ok, result.kind) == (False, "encrypted")
    assert "从不加密" in result.message and "被改动" in result.message
    # An empty user password opens it: the footer's code is read and it is a changed copy.
    opened = _file(tmp_path, "限制编辑.pdf", corpus.encrypted(issued["notice"].pdf, ""))
    result = _verify(db, opened)
    assert (result.kind, result.number) == ("tampered", issued["notice"].document.number)


def test_a_cut_off_copy_from_another_database_is_changed_but_unnamed(
    issued: dict[str, docs.DocumentPdf], tmp_path: Path
) -> None:
    other = open_database(tmp_path / "other" / "anquan.db")
    try:
        doc_setup.township(other)
        pdf = issued["notice"].pdf
        result = _verify(other, _file(tmp_path, "半份.pdf", pdf[: len(pdf) // 2]))
        assert (result.ok, result.kind, result.number) == (False, "tampered", "")
        assert "内容被改动" in result.message and "无法确认是哪一份" in result.message
        foreign = _verify(other, _file(tmp_path, "完整.pdf", pdf))
        assert foreign.kind == "foreign" and "不是本系统签发的文书" in foreign.message
    finally:
        other.dispose()


def test_files_that_are_not_pdfs_are_refused_naming_the_file(db: Database, tmp_path: Path) -> None:
    photo = _file(tmp_path, "照片.jpg", corpus.jpeg_bytes((400, 300)))
    with pytest.raises(FileInputError) as info:
        _verify(db, photo)
    assert str(photo) in str(info.value) and "这不是 PDF 文件，而是JPEG 图片" in str(info.value)
    with pytest.raises(FileInputError, match="文件是空的"):
        _verify(db, _file(tmp_path, "空.pdf", b""))
    with pytest.raises(FileInputError, match="文件夹"):
        _verify(db, tmp_path)
    with pytest.raises(UserInputError, match=r"无法读取文件.*文件不存在"):
        _verify(db, tmp_path / "没有.pdf")
    # Bytes handed over directly (no file): not a PDF, not ours.
    with db.reader() as session:
        assert docs.verify_pdf(session, b"not a pdf at all").kind == "foreign"


def test_a_foreign_pdf_with_a_made_up_code(
    db: Database, issued: dict[str, docs.DocumentPdf], tmp_path: Path
) -> None:
    fake = _file(tmp_path, "别处.pdf", corpus.pdf_of_lines([["安全隐患整改通知书", "核验码：ABCDEFGH"]]))
    result = _verify(db, fake)
    assert (result.kind, result.message) == ("foreign", "不是本系统签发的文书：在本数据库中找不到与该文件对应的文书。")


def test_a_huge_file_is_hashed_in_pieces(
    db: Database, issued: dict[str, docs.DocumentPdf], tmp_path: Path
) -> None:
    huge = _file(tmp_path, "大.pdf", b"%PDF-1.4\n")
    with huge.open("r+b") as fh:
        fh.truncate(docs.MAX_VERIFY_BYTES + 1024 * 1024)
    tracemalloc.start()
    try:
        result = _verify(db, huge)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.kind == "foreign" and "MB" in result.message
    assert peak < 16 * 1024 * 1024
    # Our notice padded past the limit still shows its code (read from its document information).
    padded = _file(tmp_path, "补长.pdf", issued["notice"].pdf)
    with padded.open("r+b") as fh:
        fh.truncate(docs.MAX_VERIFY_BYTES + 1024 * 1024)
    result = _verify(db, padded)
    assert (result.kind, result.number) == ("tampered", issued["notice"].document.number)


def test_doc_verify_of_a_photo_prints_only_chinese(db: Database, tmp_path: Path) -> None:
    """Issue 18: ``doc verify 照片.jpg`` printed English pypdf noise before the Chinese message."""
    doc_setup.township(db)
    db_path = db.url
    db.dispose()
    photo = _file(tmp_path, "照片.jpg", corpus.jpeg_bytes((400, 300)))
    cut = _file(tmp_path, "截断.pdf", corpus.pdf_of_lines([["安全隐患整改通知书"]])[:-300])
    for path, code, stream in ((photo, 1, "stderr"), (cut, 1, "stdout")):
        done = subprocess.run(
            [sys.executable, "-m", "anquan_desk", "doc", "verify", str(path), "--db", db_path],
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == code
        output = done.stdout + done.stderr
        assert str(path) in getattr(done, stream)
        for noise in ("Traceback", "EOF marker", "startxref", "pypdf", "Warning", "WARNING"):
            assert noise not in output, output
        assert output.strip().splitlines() == [getattr(done, stream).strip()]
