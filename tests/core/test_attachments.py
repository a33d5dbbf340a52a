"""Photos handed to the program and the attachment store: limits checked before decoding, every
refusal a Chinese FileInputError naming the file, formats converted, and a store that builds paths
only from valid sha256 values and keeps its files private."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.corpus import files as corpus
from PIL import Image
from sqlalchemy import text

from anquan_desk.core.attachments import (
    MAX_EDGE,
    AttachmentRecordError,
    AttachmentStore,
    describe_content,
    photos_in_folder,
    prepare_photo,
    save_attachment,
)
from anquan_desk.core.db import Database
from anquan_desk.core.errors import DatabaseError, FileInputError
from anquan_desk.core.models import Attachment

GOOD_SHA = "0123456789abcdef" * 4


def _stored(path: Path) -> Image.Image:
    """The JPEG prepare_photo made, decoded."""
    image = Image.open(io.BytesIO(prepare_photo(path).data))
    image.load()
    return image


def _refused(path: Path) -> str:
    with pytest.raises(FileInputError) as info:
        prepare_photo(path)
    assert info.value.location.file == str(path)
    message = str(info.value)
    assert str(path) in message
    return message


# --- the store's paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sha256",
    [
        "../" * 20 + "etc/passwd",
        "../../../../tmp/x" + "0" * 47,
        "ab/../../" + "0" * 55,
        GOOD_SHA.upper(),
        GOOD_SHA[:-1],
        GOOD_SHA + "0",
        GOOD_SHA[:-1] + "\n",
        "/" + GOOD_SHA[1:],
        "",
    ],
)
def test_a_sha256_that_is_not_64_lowercase_hex_is_refused(tmp_path: Path, sha256: str) -> None:
    store = AttachmentStore(tmp_path / "store")
    with pytest.raises(AttachmentRecordError, match="附件记录已损坏") as info:
        store.path_for(sha256, "image/jpeg")
    assert isinstance(info.value, DatabaseError)


def test_an_unknown_mime_type_is_refused_and_valid_records_map_inside_the_store(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path / "store")
    with pytest.raises(AttachmentRecordError, match="文件类型"):
        store.path_for(GOOD_SHA, "image/../../x")
    assert store.path_for(GOOD_SHA, "image/jpeg") == tmp_path / "store" / "01" / f"{GOOD_SHA}.jpg"
    assert store.path_for(GOOD_SHA, "image/png") == tmp_path / "store" / "01" / f"{GOOD_SHA}.png"


def test_a_tampered_record_is_neither_read_nor_written(db: Database, tmp_path: Path) -> None:
    """A database edited to point an attachment at ``../`` makes the store refuse, not follow it."""
    store = db.attachment_store()
    photo = corpus._write(tmp_path, "a.jpg", corpus.jpeg_bytes((320, 240)))
    secret = db.attachments_dir.parent / "secret.jpg"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_bytes(b"not for the store")
    with db.session("t") as session:
        attachment = save_attachment(session, store, prepare_photo(photo), "a.jpg")
        attachment_id = attachment.id
    with db.session("t") as session:
        session.execute(
            text("UPDATE attachments SET sha256 = :bad WHERE id = :id"),
            {"bad": "../secret", "id": attachment_id},
        )
    with db.reader() as session:
        tampered = session.get(Attachment, attachment_id)
        assert tampered is not None and tampered.sha256 == "../secret"
        with pytest.raises(AttachmentRecordError, match="不是有效的 SHA-256"):
            store.read(tampered)
    assert secret.read_bytes() == b"not for the store"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_files_and_folders_the_store_creates_are_private(tmp_path: Path) -> None:
    root = tmp_path / "anquan-attachments"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)  # left readable by an older version
    store = AttachmentStore(root)
    stored = prepare_photo(corpus._write(tmp_path, "a.jpg", corpus.jpeg_bytes((320, 240))))
    path = store.put(stored)
    assert path.read_bytes() == stored.data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert store.put(stored) == path  # stored once
    os.chmod(path, 0o644)  # a file an older version wrote
    store.put(stored)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no part file left behind


# --- photos: what is accepted, and how it is converted --------------------------------------------------


def test_a_photo_is_reduced_deterministically(tmp_path: Path) -> None:
    path = corpus._write(tmp_path, "a.jpg", corpus.jpeg_bytes((3000, 2250)))
    first, second = prepare_photo(path), prepare_photo(path)
    assert first.sha256 == second.sha256 and first.data == second.data
    assert (first.width, first.height) == (MAX_EDGE, 1500) and first.mime == "image/jpeg"
    assert first.thumbnail is not None and first.thumbnail.startswith(b"\xff\xd8")


def test_exif_orientation_turns_the_photo_upright(tmp_path: Path) -> None:
    path = corpus.photo_rotated_jpeg(tmp_path)  # 4000×3000, orientation 6 (the phone held upright)
    image = _stored(path)
    assert image.size == (1500, 2000)


def test_a_large_jpeg_is_decoded_reduced(tmp_path: Path) -> None:
    path = corpus._write(tmp_path, "big.jpg", corpus.jpeg_bytes((9000, 6700)))
    stored = prepare_photo(path)
    assert (stored.width, stored.height) == (2000, 1489)
    panorama = corpus._write(tmp_path, "pano.jpg", corpus.jpeg_bytes((24000, 2000)))
    assert _stored(panorama).size == (2000, 167)


def test_cmyk_jpeg_becomes_rgb_with_its_colours(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    Image.new("RGB", (400, 300), (200, 30, 30)).convert("CMYK").save(path, "JPEG", quality=95)
    image = _stored(path)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((200, 150))  # type: ignore[misc]
    assert red > 170 and green < 70 and blue < 70


def test_sixteen_bit_grey_keeps_its_tones(tmp_path: Path) -> None:
    path = tmp_path / "grey16.png"
    image = Image.new("I;16", (200, 100), 65535)
    image.paste(Image.new("I;16", (100, 100), 32768), (0, 0))  # half of 16-bit white
    assert image.getpixel((50, 50)) == 32768
    image.save(path, "PNG")
    stored = _stored(path)
    assert stored.mode == "L"
    assert abs(int(stored.getpixel((50, 50))) - 128) <= 3  # type: ignore[arg-type]
    assert int(stored.getpixel((150, 50))) >= 250  # type: ignore[arg-type]


def test_transparent_palette_and_rgba_pictures_are_laid_on_white(tmp_path: Path) -> None:
    rgba = tmp_path / "rgba.png"
    picture = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    picture.paste((10, 20, 200, 255), (0, 0, 100, 200))
    picture.save(rgba, "PNG")
    image = _stored(rgba)
    assert image.getpixel((250, 100)) == pytest.approx((255, 255, 255), abs=3)
    assert image.getpixel((50, 100)) == pytest.approx((10, 20, 200), abs=8)

    palette = corpus.photo_palette_png(tmp_path)  # 3000×2000, colour 0 transparent
    stored = prepare_photo(palette)
    assert (stored.width, stored.height) == (2000, 1333)


# --- photos: what is refused, before decoding ------------------------------------------------------------


def test_a_huge_picture_is_refused_from_its_header(tmp_path: Path) -> None:
    png = corpus._write(tmp_path, "big.png", corpus.bilevel_png(20000, 20000))
    assert "20000×20000" in _refused(png) and "图片尺寸过大" in _refused(png)
    jpeg = corpus._write(tmp_path, "big.jpg", corpus.jpeg_claiming(12000, 9000))
    message = _refused(jpeg)
    assert "12000×9000" in message and "上限 8000 万像素" in message


def test_the_frame_header_is_found_behind_a_large_exif_block(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010E] = "x" * 50_000  # ImageDescription: 50 KB of EXIF before the frame header
    data = corpus.jpeg_bytes((320, 240), exif=exif.tobytes())
    sof = data.index(b"\xff\xc0")
    assert sof > 40_000
    patched = data[: sof + 5] + (9000).to_bytes(2, "big") + (12000).to_bytes(2, "big") + data[sof + 9 :]
    path = corpus._write(tmp_path, "exif.jpg", patched)
    assert "12000×9000" in _refused(path)


def test_pictures_that_need_too_much_memory_are_refused_by_mode(tmp_path: Path) -> None:
    rgba = tmp_path / "rgba.png"
    Image.new("RGBA", (6000, 3500), (1, 2, 3, 4)).save(rgba, "PNG", compress_level=1)  # 2100 万像素
    assert "上限 2000 万像素" in _refused(rgba)


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        (corpus.photo_truncated_jpeg, "已损坏或不完整"),
        (corpus.photo_truncated_png, "已损坏或不完整"),
        (corpus.photo_random_bytes, "无法识别的图片文件"),
        (corpus.photo_pdf_named_jpg, "这不是照片，而是PDF 文件"),
        (corpus.photo_zip_named_jpg, "ZIP 压缩包"),
        (corpus.photo_heic, "HEIC"),
        (corpus.photo_animated_gif, "GIF"),
        (corpus.photo_animated_png, "共 3 帧"),
        (corpus.photo_multipage_tiff, "共 4 帧"),
        (corpus.photo_empty, "文件是空的"),
        (corpus.photo_oversized_file, "照片文件过大"),
        (corpus.photo_broken_header, "图片文件已损坏"),
    ],
)
def test_files_that_are_not_usable_photos_are_refused(
    tmp_path: Path, builder: Callable[[Path], Path], expected: str
) -> None:
    path = builder(tmp_path)
    assert expected in _refused(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "文件不存在" in _refused(tmp_path / "没有.jpg")
    folder = tmp_path / "照片.jpg"
    folder.mkdir()
    assert "不是一个文件" in _refused(folder)
    not_a_folder = corpus._write(tmp_path, "a.jpg", corpus.jpeg_bytes((64, 48)))
    with pytest.raises(FileInputError, match="无法打开文件夹（这不是文件夹）"):
        photos_in_folder(not_a_folder)


def test_describe_content_names_what_a_file_really_is() -> None:
    assert describe_content(b"%PDF-1.7\n") == "PDF 文件"
    assert describe_content(b"\xff\xd8\xff\xe0") == "JPEG 图片"
    assert describe_content(b"\x00\x00\x00\x18ftypheic") == "HEIC 照片（苹果手机格式）"
    assert describe_content(b"MZ\x90\x00\x03\x00") == "Windows 程序"
    assert describe_content(b"MZ town plan") is None
    assert describe_content(b"hello") is None
