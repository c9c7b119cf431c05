"""Uploaded files, for every domain: case attachments, chat images, session
materials, outside-course certificates.

One pipeline, so every door refuses and cleans the same way:
- at most 10 MB, read with a bound (never the whole stream first);
- the type comes from the content, never from the name or the browser's claim;
- images are decoded within a memory budget (the header is checked before
  any pixel is decoded, one decode at a time per process), shrunk to a
  sensible size and re-encoded, which drops EXIF (GPS, camera serials) and
  every other piece of metadata; a JPEG thumbnail is made for the page;
- PDFs are refused when encrypted or when they carry JavaScript or launch
  actions, and are re-written without their metadata (author, title, XMP);
  their text is extracted so the caller can check it for patient identifiers.

Files live under instance/uploads/ with random names; the original file name
is never kept (it often holds a patient's name). A file written inside a
transaction that rolls back is deleted again. Files are served only through
views that ask the policy first (`send`)."""
import io
import logging
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentoring.errors import ServiceError, ValidationFailed
from mentoring.extensions import db

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
ANY_TYPE = IMAGE_TYPES + (PDF,)

# Images: refuse what no camera makes, and never hold more than this many
# decoded bytes at once (a 322 KB PNG can claim 6,300 x 6,300 x 16 bits,
# 160 MB decoded). A JPEG is decoded at a reduced scale first, so a 48 MP
# phone photo fits; a PNG or WebP may have about 25 megapixels.
MAX_PIXELS = 50_000_000
MAX_DECODED_BYTES = 100 * 1024 * 1024
MAX_SIDE = 2560          # stored images: plenty for a wound, a rash or an ECG strip
THUMB_SIZE = (320, 320)
_DECODE = threading.BoundedSemaphore(1)

# PDFs: how much of the document is walked and read.
MAX_PDF_PAGES = 300
MAX_PDF_OBJECTS = 200_000
MAX_PDF_TEXT = 200_000

_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", PDF: ".pdf"}
_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_WRITTEN = "uploads_written"


class TooLarge(ServiceError):
    status = 413
    code = "too_large"


class UnsupportedType(ServiceError):
    status = 415
    code = "unsupported_media_type"


@dataclass
class CleanFile:
    """What survives the pipeline: the cleaned bytes, and for a PDF its text
    (not stored; for the caller's identifier check)."""
    content_type: str
    body: bytes
    thumb: bytes | None = None
    width: int | None = None
    height: int | None = None
    text: str = ""

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def _refuse(error_class, message: str):
    raise error_class(message, fields={"file": message})


def read_upload(stream, accept: tuple[str, ...] = ANY_TYPE) -> CleanFile:
    """Read, check and clean an upload (a werkzeug FileStorage or any file-like
    object). Raises with a message on the field "file"."""
    if stream is None:
        _refuse(ValidationFailed, _("Choose a file."))
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        _refuse(TooLarge, _("The file is larger than 10 MB. Send a smaller photo or PDF."))
    if not data:
        _refuse(ValidationFailed, _("The file is empty."))
    kind = sniff(data[:16])
    if kind is None or kind not in accept:
        _refuse(UnsupportedType, _("Only JPEG, PNG or WebP images and PDF files are accepted.")
                if PDF in accept else _("Only JPEG, PNG or WebP images are accepted."))
    return _clean_pdf(data) if kind == PDF else _clean_image(data, kind)


# --- images -----------------------------------------------------------------

def _bytes_per_pixel(mode: str) -> int:
    # Pillow keeps RGB in 4 bytes a pixel; 16-bit and float modes in 2 to 4.
    return {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "I;16": 2, "I;16B": 2, "I;16L": 2}.get(mode, 4)


def _clean_image(data: bytes, kind: str) -> CleanFile:
    bad = _("This image could not be read. Send a JPEG, PNG or WebP photo.")
    huge = _("This image is too large in pixels. Send a photo of at most %(n)d megapixels.",
             n=MAX_DECODED_BYTES // 4 // 1_000_000)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))  # reads the header only
        width, height = image.size
        if width * height > MAX_PIXELS:
            _refuse(ValidationFailed, huge)
        if kind == "image/jpeg":
            # libjpeg can decode at 1/2, 1/4 or 1/8 scale: a big photo never
            # needs its full resolution in memory to be stored at MAX_SIDE.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        decoded = image.size[0] * image.size[1] * _bytes_per_pixel(image.mode)
        if decoded > MAX_DECODED_BYTES:
            _refuse(ValidationFailed, huge)
        with _DECODE:  # one decode at a time per process: memory stays bounded
            return _reencode(image, kind)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        _refuse(ValidationFailed, bad)


def _reencode(image: Image.Image, kind: str) -> CleanFile:
    image.load()
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for
    image.info = {}  # nothing from the original travels on: no EXIF, XMP, comments
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = image.convert("L")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    if kind == "image/jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"quality": 88} if kind in ("image/jpeg", "image/webp") else {"optimize": True}
    image.save(out, _PIL_FORMAT[kind], **options)
    small = image.convert("RGB")
    small.thumbnail(THUMB_SIZE)
    thumb = io.BytesIO()
    small.save(thumb, "JPEG", quality=80)
    return CleanFile(kind, out.getvalue(), thumb.getvalue(), image.width, image.height)


# --- PDF --------------------------------------------------------------------

def _clean_pdf(data: bytes) -> CleanFile:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    bad = _("This PDF could not be read. Save it again as a PDF and send it.")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _refuse(ValidationFailed, _("This PDF is protected by a password. Send it without protection."))
        if len(reader.pages) > MAX_PDF_PAGES:
            _refuse(ValidationFailed, _("This PDF has more than %(n)d pages. Send a shorter one.",
                                        n=MAX_PDF_PAGES))
        if _active_content(reader):
            _refuse(ValidationFailed, _("This PDF contains scripts or actions. Print it to a new PDF "
                                        "(or scan it) and send that."))
        text = _text(reader)
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None  # the Info dictionary: author, title, software, dates
        root = writer.root_object
        if "/Metadata" in root:  # XMP
            del root["/Metadata"]
        out = io.BytesIO()
        writer.write(out)
    except ServiceError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            OSError, ZeroDivisionError, AssertionError):
        _refuse(ValidationFailed, bad)
    return CleanFile(PDF, out.getvalue(), text=text)


_ACTIVE = {"/JS", "/JavaScript", "/Launch", "/RichMedia"}


def _active_content(reader) -> bool:
    """Does anything reachable from the document's root hold JavaScript or
    a launch action? Walks the object graph once, with a bound."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject
    seen: set = set()
    stack = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return True  # too large to check: treat as unsafe
        if isinstance(obj, DictionaryObject):
            if _ACTIVE & set(obj.keys()) or obj.get("/S") in _ACTIVE:
                return True
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, NameObject) and obj in ("/JavaScript", "/Launch"):
            return True
    return False


def _text(reader) -> str:
    parts, size = [], 0
    for page in reader.pages:
        chunk = page.extract_text() or ""
        parts.append(chunk)
        size += len(chunk)
        if size >= MAX_PDF_TEXT:
            break
    return "\n".join(parts)[:MAX_PDF_TEXT]


# --- storing and serving ----------------------------------------------------

def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(name: str) -> Path:
    return upload_dir() / name


def store(clean: CleanFile, prefix: str = "") -> tuple[str, str | None]:
    """Write the file (and its thumbnail) under random names; returns
    (stored name, thumbnail name or None). Removed again on rollback."""
    name = prefix + secrets.token_hex(16) + _EXT[clean.content_type]
    _write(name, clean.body)
    thumb_name = None
    if clean.thumb is not None:
        thumb_name = prefix + secrets.token_hex(16) + ".jpg"
        _write(thumb_name, clean.thumb)
    return name, thumb_name


def _write(name: str, body: bytes) -> None:
    path_of(name).write_bytes(body)
    db.session.info.setdefault(_WRITTEN, []).append(name)


@event.listens_for(Session, "after_commit")
def _keep_files(session):
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_files(session, previous_transaction):
    """A rolled-back upload leaves no file behind. (The soft event: it fires
    for the session's own rollback even when the connection's transaction
    belongs to someone else, as in the tests.)"""
    if previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction may still commit its files
    for name in session.info.pop(_WRITTEN, []):
        try:
            path_of(name).unlink(missing_ok=True)
        except (OSError, RuntimeError):
            pass


def send(name: str, content_type: str, download_name: str | None = None, *, private: bool = True):
    """Serve a stored file (after the caller asked the policy). PDFs download
    rather than open inline; nothing private is kept in shared caches."""
    path = path_of(name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, download_name=download_name,
                         as_attachment=content_type == PDF, max_age=0 if private else 3600)
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
