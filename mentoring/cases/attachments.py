"""Attachments: images (JPEG, PNG, WebP) and PDF up to 10 MB.

The type is read from the content, never from the name or the browser's
claim. Images are decoded and re-encoded with Pillow, which drops EXIF (GPS,
camera serials) and other metadata; a JPEG thumbnail is made for the page.
Files live under instance/uploads/cases/ with random names and are served
only through a view that asks the policy first."""
import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentoring import clock
from mentoring.cases.models import Case, CaseAttachment
from mentoring.cases.services import log_event
from mentoring.errors import Conflict, ServiceError, ValidationFailed
from mentoring.extensions import db

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMB_SIZE = (320, 320)
_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}
_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_WRITTEN = "case_files_written"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class UnsupportedType(ServiceError):
    status = 415
    code = "unsupported_media_type"


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads" / "cases"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path:
    return upload_dir() / name


def add_attachment(case: Case, user, stream) -> CaseAttachment:
    """stream: a file-like object (werkzeug FileStorage works)."""
    if case.status == "closed":
        raise Conflict(_("This case is closed; attachments are no longer accepted."))
    if stream is None:
        raise ValidationFailed(_("Choose a file."), fields={"file": _("Choose a file.")})
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        message = _("The file is larger than 10 MB. Send a smaller photo or PDF.")
        raise TooLarge(message, fields={"file": message})
    if not data:
        raise ValidationFailed(_("The file is empty."), fields={"file": _("The file is empty.")})
    kind = sniff(data[:16])
    if kind is None:
        message = _("Only JPEG, PNG or WebP images and PDF files are accepted.")
        raise UnsupportedType(message, fields={"file": message})
    width = height = None
    thumb = None
    if kind == "application/pdf":
        body = data
    else:
        body, thumb, width, height = _clean_image(data, kind)
    name = secrets.token_hex(16) + _EXT[kind]
    _write(name, body)
    thumb_name = None
    if thumb is not None:
        thumb_name = secrets.token_hex(16) + ".jpg"
        _write(thumb_name, thumb)
    attachment = CaseAttachment(case_id=case.id, uploaded_by_id=user.id, content_type=kind,
                                stored_name=name, thumb_name=thumb_name, size=len(body),
                                width=width, height=height, created_at=clock.now())
    db.session.add(attachment)
    db.session.flush()
    log_event(case, user, "attached", attachment_id=attachment.id, content_type=kind)
    db.session.flush()
    return attachment


def _clean_image(data: bytes, kind: str) -> tuple[bytes, bytes, int, int]:
    bad = _("This image could not be read. Send a JPEG, PNG or WebP photo.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ValidationFailed(bad, fields={"file": bad})
        image.load()
        image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(bad, fields={"file": bad}) from None
    image.info = {}  # nothing from the original travels on: no EXIF, XMP, comments
    if kind == "image/jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"quality": 88} if kind in ("image/jpeg", "image/webp") else {"optimize": True}
    image.save(out, _PIL_FORMAT[kind], **options)
    small = image.convert("RGB")
    small.thumbnail(THUMB_SIZE)
    thumb = io.BytesIO()
    small.save(thumb, "JPEG", quality=80)
    return out.getvalue(), thumb.getvalue(), image.width, image.height


def _write(name: str, body: bytes) -> None:
    path_of(name).write_bytes(body)
    db.session.info.setdefault(_WRITTEN, []).append(name)


@event.listens_for(Session, "after_commit")
def _keep_files(session):
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _drop_files(session):
    """A rolled-back upload leaves no file behind."""
    for name in session.info.pop(_WRITTEN, []):
        try:
            path_of(name).unlink(missing_ok=True)
        except (OSError, RuntimeError):
            pass
