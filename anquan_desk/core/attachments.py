"""Photos and signatures, stored once by content (sha256) in the data folder.

Phones and WeChat exports deliver photos of 3–12 MB, sideways with an EXIF orientation tag.
A photo is turned upright, reduced to at most ``MAX_EDGE`` pixels on its long edge (plenty for
an A4 appendix at print resolution) and stored as JPEG; the processing is deterministic, so the
same file added twice is stored once. A small thumbnail is kept in the database for lists.

Any file a user hands us is checked before it is decoded (:func:`prepare_photo`): its size, what
it really is (its first bytes, whatever its name says), the image's dimensions from its header,
its frame count. A JPEG is decoded already reduced (libjpeg's DCT scaling), other formats have a
lower pixel limit because they are decoded at full size, so memory stays bounded whatever the
file. Every refusal is a :class:`~anquan_desk.core.errors.FileInputError` naming the file.

The store builds paths only from a validated sha256 (64 lowercase hex digits) and a known mime
type: a tampered database cannot make it read or write outside its folder. What it creates is
readable by its user only (folders 0700, files 0600).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import stat
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from anquan_desk.core.errors import DatabaseError, FileInputError, Location
from anquan_desk.core.models import Attachment, AttachmentBlob, AttachmentLink

MAX_EDGE = 2000
THUMB_EDGE = 240
JPEG_QUALITY = 85
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".heic", ".tif", ".tiff"}

#: Limits checked before a photo is decoded. A phone photo is 3–12 MB; a 200-megapixel JPEG ~60 MB.
MAX_PHOTO_BYTES = 80 * 1024 * 1024
#: JPEG is decoded reduced (1/2, 1/4 or 1/8 of its size), so it may have many pixels.
MAX_JPEG_PIXELS = 80_000_000
#: Other formats (PNG, WebP, BMP, TIFF) are decoded at full size: 40 million pixels at most, and no
#: more than ``MAX_DECODE_BYTES`` for decoding and reducing, so 36 million for RGB, 20 million for
#: RGBA (copied once more while it is reduced).
MAX_FULL_PIXELS = 40_000_000
MAX_DECODE_BYTES = 180 * 1024 * 1024
#: Bytes per pixel that decoding and reducing a picture of each mode need: Pillow keeps RGB, RGBA,
#: LA, CMYK, I and F in 4 bytes a pixel, "1", L and P in one; reducing adds about one more.
_BYTES_PER_PIXEL = {
    "1": 2, "L": 2, "P": 5, "PA": 9, "LA": 9, "RGB": 5, "RGBA": 9, "RGBX": 5, "CMYK": 5, "YCbCr": 5,
    "I;16": 3, "I;16L": 3, "I;16B": 3, "I;16N": 3, "I": 5, "F": 5, "LAB": 5, "HSV": 5,
}
#: Pillow's own decoder for each format we read (anything else is refused before decoding).
_DECODERS: dict[str, tuple[str, ...]] = {
    "JPEG": ("JPEG", "MPO"),
    "PNG": ("PNG",),
    "WEBP": ("WEBP",),
    "BMP": ("BMP",),
    "TIFF": ("TIFF",),
}

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
#: An issued document's PDF is kept in the store too (see ``services.documents``: a reprint is that file).
PDF_MIME = "application/pdf"
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", PDF_MIME: ".pdf"}


class AttachmentRecordError(DatabaseError):
    """An attachment record names a file the store will not touch (a damaged or tampered database)."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    data: bytes
    mime: str
    width: int | None
    height: int | None
    thumbnail: bytes | None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


class AttachmentStore:
    """Content-addressed files under ``root/ab/abcdef….ext``, private to their user."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, mime: str) -> Path:
        """Where the file with this sha256 and mime type lives. Raises
        :class:`AttachmentRecordError` for anything but 64 lowercase hex digits and a known mime."""
        return self._location(sha256, mime)

    def _location(self, sha256: str, mime: str) -> Path:
        if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
            raise AttachmentRecordError(
                f"附件记录已损坏：文件标识 {_shown(sha256)} 不是有效的 SHA-256 值，"
                "为安全起见不读写该文件。请联系管理员检查数据库。"
            )
        ext = _EXTENSIONS.get(mime) if isinstance(mime, str) else None
        if ext is None:
            raise AttachmentRecordError(
                f"附件记录已损坏：文件类型 {_shown(mime)} 未知（附件 {sha256}），为安全起见不读写该文件。"
            )
        return self.root / sha256[:2] / f"{sha256}{ext}"

    @staticmethod
    def _tighten(path: Path) -> None:
        """Take group and others' access away (what an older version left 0755/0644)."""
        if os.name == "posix":
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                os.chmod(path, mode & 0o700)

    def _private_dir(self, folder: Path) -> None:
        """Create ``folder`` (the store's root or one of its subfolders) 0700; tighten an old one."""
        folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        self._tighten(folder)

    def put_in(self, session: Session, stored: StoredFile) -> None:
        """Store the file for the unit of work of ``session`` (here: in the folder, at once)."""
        del session
        self.put(stored)

    def put(self, stored: StoredFile) -> Path:
        """Write the file once (0600, in 0700 folders); returns its path."""
        path = self._location(stored.sha256, stored.mime)
        self._private_dir(self.root)
        self._private_dir(path.parent)
        if path.exists():
            self._tighten(path)
        else:
            tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
            tmp.unlink(missing_ok=True)  # a piece left by a crash
            flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
            fd = os.open(tmp, flags, FILE_MODE)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(stored.data)
                os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        return path

    def read(self, attachment: Attachment) -> bytes:
        return self.path_for(attachment.sha256, attachment.mime).read_bytes()


class ServerAttachmentStore(AttachmentStore):
    """Attachments of a database on the township's server: every laptop must read every photo.

    The files live in the database itself, in ``attachment_blobs`` (sha256 → bytes), written in
    the same transaction as the record that uses them: a photo is saved with its hazard or not at
    all, every laptop reads it through the connection it already has, and the server's backup
    (``pg_dump``) holds them. ``root`` is a private local cache: a file read once is kept there
    (checked against its sha256 when fetched), so the ledger's photo export and a reprint work from
    local files.
    """

    def __init__(self, root: Path, engine: Engine) -> None:
        super().__init__(root)
        self.engine = engine

    def put_in(self, session: Session, stored: StoredFile) -> None:
        self._location(stored.sha256, stored.mime)  # refuses a bad hash or type before anything is written
        statement = pg_insert(AttachmentBlob).values(sha256=stored.sha256, data=stored.data)
        session.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))
        self.put(stored)

    def path_for(self, sha256: str, mime: str) -> Path:
        path = self._location(sha256, mime)
        if not path.exists():
            with self.engine.connect() as conn:
                data = conn.execute(select(AttachmentBlob.data).where(AttachmentBlob.sha256 == sha256)).scalar()
            if data is None:
                raise AttachmentRecordError(f"服务器数据库中没有附件 {sha256} 的文件内容。请联系管理员检查数据库。")
            if hashlib.sha256(data).hexdigest() != sha256:
                raise AttachmentRecordError(
                    f"服务器数据库中附件 {sha256} 的文件内容与其 SHA-256 不符（被改动），为安全起见不使用该文件。"
                )
            self.put(StoredFile(sha256, data, mime, None, None, None))
        return path


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE))
    buf = io.BytesIO()
    thumb.convert("RGB").save(buf, "JPEG", quality=80)
    return buf.getvalue()


# --- what a file really is ---------------------------------------------------------------------------

_ISO_BRANDS_HEIC = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"mif2")
_ISO_BRANDS_AVIF = (b"avif", b"avis")


def describe_content(head: bytes) -> str | None:
    """What the first bytes of a file say it is, in Chinese ("JPEG 图片", "PDF 文件" …); None if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG 图片"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG 图片"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF 图片"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP 图片"
    if head.startswith(b"BM") and len(head) >= 26:
        return "BMP 图片"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF 图片"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _ISO_BRANDS_HEIC:
            return "HEIC 照片（苹果手机格式）"
        if brand in _ISO_BRANDS_AVIF:
            return "AVIF 图片"
        if brand.startswith(b"qt"):
            return "QuickTime 视频"
        return "MP4 视频"
    if b"%PDF-" in head[:1024]:
        return "PDF 文件"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "ZIP 压缩包（或 .docx/.xlsx 等 Office 文档）"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "旧版 Office 文档（.doc/.xls）"
    if head.startswith(b"Rar!\x1a\x07"):
        return "RAR 压缩包"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z 压缩包"
    if head.startswith(b"\x1f\x8b"):
        return "gzip 压缩文件"
    if head.startswith(b"MZ") and b"\x00" in head[:64]:
        return "Windows 程序"
    if head.startswith(b"\x7fELF"):
        return "程序文件"
    if head.startswith(b"SQLite format 3\x00"):
        return "SQLite 数据库"
    if head.startswith(b"{\\rtf"):
        return "RTF 文档"
    return None


def _photo_format(head: bytes) -> str | None:
    """The format name of an image we read (a key of ``_DECODERS``), or None."""
    kind = describe_content(head)
    return {
        "JPEG 图片": "JPEG", "PNG 图片": "PNG", "WebP 图片": "WEBP", "BMP 图片": "BMP", "TIFF 图片": "TIFF",
    }.get(kind or "")


# --- photos --------------------------------------------------------------------------------------------

#: EXIF orientation → the transpose that turns the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _os_reason(exc: OSError) -> str:
    """Why a file could not be read, in Chinese (the system's own text is often English)."""
    if isinstance(exc, FileNotFoundError):
        return "文件不存在"
    if isinstance(exc, PermissionError):
        return "没有读取该文件的权限"
    if isinstance(exc, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    if isinstance(exc, NotADirectoryError):
        return "这不是文件夹"
    return f"系统错误：{exc.strerror or exc}"


def _refusal_for(path: Path, head: bytes) -> str:
    """Why a file that is not an image we read is refused (Chinese)."""
    kind = describe_content(head)
    suffix = path.suffix or "（无扩展名）"
    if kind is not None and kind.startswith("HEIC"):
        return (
            "这是苹果手机的 HEIC 格式照片，本程序不能读取。请在手机上用微信发送或在相册中导出为 JPEG，"
            "或在“设置 > 相机 > 格式”中选择“兼容性最佳”后重新拍摄，然后再添加。"
        )
    if kind == "AVIF 图片":
        return "这是 AVIF 格式图片，本程序不能读取；请另存为 JPEG 后再添加。"
    if kind == "GIF 图片":
        return "这是 GIF 图片（常为动图），不能作为检查照片；请添加 JPEG 或 PNG 照片。"
    if kind is not None:
        return f"这不是照片，而是{kind}（扩展名为 {suffix}），未添加。请选择 JPEG 或 PNG 照片。"
    return "无法识别的图片文件（支持 JPEG、PNG 照片），未添加。"


def _header_size(fh: io.BufferedReader, fmt: str) -> tuple[int, int] | None:
    """Width and height as a PNG's IHDR or a JPEG's frame header states them (None: not found), read
    before Pillow opens the file: Pillow itself warns, or refuses, on what it takes for a bomb."""
    fh.seek(0)
    if fmt == "PNG":
        head = fh.read(24)
        if len(head) == 24 and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return int(width), int(height)
        return None
    if fmt != "JPEG":
        return None
    fh.seek(2)
    for _segment in range(1000):  # markers up to the frame header; EXIF and the like are skipped
        marker = fh.read(2)
        while len(marker) == 2 and marker[0] == 0xFF and marker[1] == 0xFF:  # fill bytes
            marker = marker[1:] + fh.read(1)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        kind = marker[1]
        if kind in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            continue
        length_bytes = fh.read(2)
        if len(length_bytes) < 2:
            return None
        (length,) = struct.unpack(">H", length_bytes)
        if kind in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            frame = fh.read(5)
            if len(frame) < 5:
                return None
            height, width = struct.unpack(">HH", frame[1:5])
            return int(width), int(height)
        if kind in (0xD9, 0xDA) or length < 2:  # end of image, start of scan: no frame header before
            return None
        fh.seek(length - 2, io.SEEK_CUR)
    return None


def _pixel_limit(fmt: str, mode: str | None = None, transparent: bool = False) -> int:
    """How many pixels a picture of this format (and mode, once known) may have."""
    if fmt == "JPEG":
        return MAX_JPEG_PIXELS
    if mode is None:
        return MAX_FULL_PIXELS
    per_pixel = _BYTES_PER_PIXEL["PA"] if mode == "P" and transparent else _BYTES_PER_PIXEL.get(mode, 8)
    by_memory = MAX_DECODE_BYTES // per_pixel // 1_000_000 * 1_000_000
    return min(MAX_FULL_PIXELS, by_memory)


def _too_large(fmt: str, width: int, height: int, limit: int) -> str | None:
    if width * height <= limit:
        return None
    kind = "JPEG 照片" if fmt == "JPEG" else "此类图片"
    return (
        f"图片尺寸过大（{width}×{height} 像素，约 {width * height // 10_000} 万像素；"
        f"{kind}上限 {limit // 10_000} 万像素），未添加。请用手机相册或画图软件缩小后再添加。"
    )


def _open_checked(path: Path, fh: io.BufferedReader, fmt: str) -> Image.Image:
    """Open (header only) and check dimensions and frames; nothing is decoded yet."""
    where = Location(file=str(path))
    size = _header_size(fh, fmt)
    limit = _pixel_limit(fmt)
    if size is not None:
        refusal = _too_large(fmt, *size, limit)
        if refusal is not None:
            raise FileInputError(refusal, where)
    fh.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns (and above twice its limit refuses) for huge images: ours is lower.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fh, formats=_DECODERS[fmt])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise FileInputError(
            f"图片尺寸过大（超过 {limit // 10_000} 万像素），未添加。请用手机相册或画图软件缩小后再添加。", where
        ) from exc
    except Exception as exc:  # Pillow's plugins raise assorted errors on a damaged header
        raise FileInputError("图片文件已损坏，无法识别，未添加。", where) from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise FileInputError("图片文件已损坏（宽度或高度为 0），未添加。", where)
    transparent = "transparency" in image.info
    refusal = _too_large(fmt, width, height, _pixel_limit(fmt, image.mode, transparent))
    if refusal is not None:
        image.close()
        raise FileInputError(refusal, where)
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and image.format != "MPO":  # MPO: a phone's JPEG with a preview; the first is the photo
        image.close()
        raise FileInputError(f"这是动图或多帧图片（共 {frames} 帧），请另存为单张 JPEG 照片后再添加。", where)
    return image


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # a damaged EXIF block: keep the picture as it is
        return 1
    return value if isinstance(value, int) else 1


def _eight_bit(image: Image.Image) -> Image.Image:
    """RGB or L, 8 bits per channel; transparency laid on white."""
    mode = image.mode
    if mode in ("RGB", "L"):
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit samples (PNG, TIFF) keep their high byte; 32-bit ones are taken as 16-bit when above 255.
        wide = image if mode == "I" else image.convert("I")
        _low, high = wide.getextrema()
        scale = 1 / 256 if mode != "I" or (isinstance(high, int) and high > 255) else 1
        return wide.point(lambda v: v * scale).convert("L")
    if mode in ("F", "1"):
        return image.convert("L")
    if mode in ("RGBA", "LA", "La", "RGBa", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _reduced_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size a picture is reduced to: at most ``MAX_EDGE`` on its long edge, same proportions."""
    width, height = size
    scale = min(1.0, MAX_EDGE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _reduced(image: Image.Image) -> Image.Image:
    """At most ``MAX_EDGE`` on the long edge (LANCZOS), in a mode that can be resampled."""
    if image.mode in ("P", "PA"):  # palette pictures are reduced in colour, not by the nearest pixel
        transparent = image.mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    elif image.mode == "1":
        image = image.convert("L")
    if max(image.size) > MAX_EDGE:
        # A large picture is first box-reduced by a whole factor (small intermediate), then resampled.
        gap = 2.0 if image.width * image.height <= 16_000_000 else 1.0
        try:
            image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS, reducing_gap=gap)
        except ValueError:  # a mode Pillow cannot resample (LAB, HSV …)
            image = image.convert("RGB")
            image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS, reducing_gap=gap)
    return image


def prepare_photo(path: Path) -> StoredFile:
    """Read, turn upright, reduce and encode a photo; refuse (FileInputError naming the file) what
    is not a photo we read, too large, animated or damaged — before decoding it where possible."""
    where = Location(file=str(path))
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise FileInputError("这不是一个文件，未添加。", where)
        with path.open("rb") as fh:
            head = fh.read(1024)
            if size == 0:
                raise FileInputError("文件是空的（0 字节），不是照片，未添加。", where)
            if size > MAX_PHOTO_BYTES:
                raise FileInputError(
                    f"照片文件过大（{size / 1024 / 1024:.0f} MB，上限 {MAX_PHOTO_BYTES // 1024 // 1024} MB），未添加。",
                    where,
                )
            fmt = _photo_format(head)
            if fmt is None:
                raise FileInputError(_refusal_for(path, head), where)
            with _open_checked(path, fh, fmt) as opened:
                orientation = _orientation(opened)
                if fmt == "JPEG":  # decoded at 1/2, 1/4 or 1/8 where that still covers the reduced size
                    opened.draft(None, _reduced_size(opened.size))
                try:
                    opened.load()
                except Exception as exc:  # truncated or corrupt data: Pillow raises OSError, SyntaxError …
                    raise FileInputError("图片文件已损坏或不完整（可能没有传完），未添加。", where) from exc
                try:
                    image = _eight_bit(_reduced(opened))
                    if orientation in _UPRIGHT:
                        image = image.transpose(_UPRIGHT[orientation])
                    buf = io.BytesIO()
                    image.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
                    width, height, thumb = image.width, image.height, _thumbnail(image)
                except Exception as exc:  # an odd mode or layout Pillow cannot convert: refused, not a crash
                    log.warning("photo %s could not be converted", path, exc_info=True)
                    raise FileInputError("图片的颜色格式无法处理，未添加。请另存为 JPEG 后再添加。", where) from exc
    except FileNotFoundError as exc:
        raise FileInputError("文件不存在，未添加。", where) from exc
    except OSError as exc:
        raise FileInputError(f"无法读取文件（{_os_reason(exc)}），未添加。", where) from exc
    data = buf.getvalue()
    return StoredFile(hashlib.sha256(data).hexdigest(), data, "image/jpeg", width, height, thumb)


def prepare_png(data: bytes) -> StoredFile:
    """A PNG made by the program itself (a signature): stored as it is."""
    with Image.open(io.BytesIO(data), formats=("PNG",)) as image:
        width, height = image.size
        thumb = _thumbnail(image.convert("RGBA").convert("RGB"))
    return StoredFile(hashlib.sha256(data).hexdigest(), data, "image/png", width, height, thumb)


def photos_in_folder(folder: Path) -> list[Path]:
    """The photos in a folder (a phone or WeChat export), in name order."""
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
    except OSError as exc:
        raise FileInputError(f"无法打开文件夹（{_os_reason(exc)}）。", Location(file=str(folder))) from exc


def save_attachment(
    session: Session, store: AttachmentStore, stored: StoredFile, original_name: str
) -> Attachment:
    """Write the file (once) and its database row (once)."""
    store.put_in(session, stored)
    existing = session.scalar(select(Attachment).where(Attachment.sha256 == stored.sha256))
    if existing is not None:
        return existing
    attachment = Attachment(
        sha256=stored.sha256,
        mime=stored.mime,
        size=len(stored.data),
        width=stored.width,
        height=stored.height,
        original_name=original_name,
        thumbnail=stored.thumbnail,
    )
    session.add(attachment)
    session.flush()
    return attachment


def link_attachment(
    session: Session,
    attachment: Attachment,
    owner_type: str,
    owner_id: str,
    role: str = "photo",
    caption: str = "",
) -> AttachmentLink:
    existing = session.scalar(
        select(AttachmentLink).where(
            AttachmentLink.attachment_id == attachment.id,
            AttachmentLink.owner_type == owner_type,
            AttachmentLink.owner_id == owner_id,
            AttachmentLink.role == role,
        )
    )
    if existing is not None:
        return existing
    link = AttachmentLink(
        attachment_id=attachment.id, owner_type=owner_type, owner_id=owner_id, role=role, caption=caption
    )
    session.add(link)
    session.flush()
    return link


def attachments_of(
    session: Session, owner_type: str, owner_id: str, role: str | None = None
) -> list[AttachmentLink]:
    stmt = select(AttachmentLink).where(
        AttachmentLink.owner_type == owner_type, AttachmentLink.owner_id == owner_id
    )
    if role is not None:
        stmt = stmt.where(AttachmentLink.role == role)
    return list(session.scalars(stmt.order_by(AttachmentLink.created_at)))
