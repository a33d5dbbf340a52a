"""Photos and signatures, stored once by content (sha256) in the data folder.

Phones and WeChat exports deliver photos of 3–12 MB, sideways with an EXIF orientation tag.
A photo is turned upright, reduced to at most ``MAX_EDGE`` pixels on its long edge (plenty for
an A4 appendix at print resolution) and stored as JPEG; the processing is deterministic, so the
same file added twice is stored once. A small thumbnail is kept in the database for lists.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from anquan_desk.core.errors import FileInputError, Location
from anquan_desk.core.models import Attachment, AttachmentLink

MAX_EDGE = 2000
THUMB_EDGE = 240
JPEG_QUALITY = 85
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".heic", ".tif", ".tiff"}


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    data: bytes
    mime: str
    width: int | None
    height: int | None
    thumbnail: bytes | None


class AttachmentStore:
    """Content-addressed files under ``root/ab/abcdef….ext``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, mime: str) -> Path:
        ext = ".png" if mime == "image/png" else ".jpg"
        return self.root / sha256[:2] / f"{sha256}{ext}"

    def put(self, stored: StoredFile) -> Path:
        path = self.path_for(stored.sha256, stored.mime)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(stored.data)
            os.replace(tmp, path)
        return path

    def read(self, attachment: Attachment) -> bytes:
        return self.path_for(attachment.sha256, attachment.mime).read_bytes()


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE))
    buf = io.BytesIO()
    thumb.convert("RGB").save(buf, "JPEG", quality=80)
    return buf.getvalue()


def prepare_photo(path: Path) -> StoredFile:
    """Read, turn upright, reduce and encode a photo; refuse what is not an image."""
    try:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise FileInputError("无法识别的图片文件，未添加。", Location(file=str(path))) from exc
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if max(image.size) > MAX_EDGE:
        image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
    data = buf.getvalue()
    return StoredFile(
        hashlib.sha256(data).hexdigest(), data, "image/jpeg", image.width, image.height, _thumbnail(image)
    )


def prepare_png(data: bytes) -> StoredFile:
    """A PNG made by the program itself (a signature): stored as it is."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        thumb = _thumbnail(image.convert("RGBA").convert("RGB"))
    return StoredFile(hashlib.sha256(data).hexdigest(), data, "image/png", width, height, thumb)


def photos_in_folder(folder: Path) -> list[Path]:
    """The photos in a folder (a phone or WeChat export), in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)


def save_attachment(
    session: Session, store: AttachmentStore, stored: StoredFile, original_name: str
) -> Attachment:
    """Write the file (once) and its database row (once)."""
    store.put(stored)
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
