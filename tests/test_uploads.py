"""The shared upload pipeline (mentoring.uploads): what it refuses, what it
strips, and that memory stays bounded whatever an image claims to be."""
import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import text
from pypdf import PdfReader

from mentoring import uploads
from mentoring.errors import ServiceError
from mentoring.extensions import db
from tests.factories import gen_pdf


def _png(width: int, height: int, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    """A PNG whose header claims width x height; the pixel data is one
    compressed row of zeros repeated (a few hundred KB for a huge image)."""
    channels = {0: 1, 2: 3, 6: 4}[colour_type]
    row = b"\x00" + b"\x00" * (width * channels * bit_depth // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _refused(data: bytes, **kw) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        uploads.read_upload(io.BytesIO(data), **kw)
    assert "file" in caught.value.fields
    return caught.value


def test_a_pdf_loses_its_metadata_and_keeps_its_text():
    clean = uploads.read_upload(io.BytesIO(gen_pdf("HbA1c 9.2% at 3 months", author="Nguyen Van Tam")))
    assert clean.content_type == "application/pdf" and "HbA1c 9.2%" in clean.text
    reader = PdfReader(io.BytesIO(clean.body))
    assert not (reader.metadata or {}).get("/Author")
    assert b"Nguyen Van Tam" not in clean.body
    assert "HbA1c" in reader.pages[0].extract_text()


def test_a_pdf_with_javascript_or_that_is_not_a_pdf_is_refused():
    error = _refused(gen_pdf("slides", javascript="app.alert('hi');"))
    assert error.status == 422 and "tập lệnh" in error.message  # "contains scripts", in Vietnamese
    assert _refused(b"%PDF-1.4\n%%EOF\n").status == 422
    assert _refused(gen_pdf("x"), accept=uploads.IMAGE_TYPES).status == 415


def test_size_and_type_come_from_the_content():
    assert _refused(b"%PDF-1.4" + b"0" * uploads.MAX_BYTES).status == 413
    assert _refused(b"GIF89a......").status == 415
    assert _refused(b"").status == 422


def test_an_image_is_reencoded_without_exif_and_shrunk():
    photo = Image.new("RGB", (4000, 3000), (200, 120, 90))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    raw = io.BytesIO()
    photo.save(raw, "JPEG", exif=exif)
    clean = uploads.read_upload(io.BytesIO(raw.getvalue()))
    stored = Image.open(io.BytesIO(clean.body))
    assert max(stored.size) == uploads.MAX_SIDE and not stored.getexif()
    assert clean.thumb and max(Image.open(io.BytesIO(clean.thumb)).size) <= 320


def test_an_image_that_would_not_fit_the_memory_budget_is_refused_before_decoding(monkeypatch):
    decoded = []
    monkeypatch.setattr(uploads, "_reencode", lambda image, kind: decoded.append(kind))
    # 6,300 x 6,300 x 16-bit RGB: small on disk, about 160 MB once decoded.
    error = _refused(_png(6300, 6300, bit_depth=16))
    assert "megapixel" in error.message or "điểm ảnh" in error.message
    assert decoded == []  # refused from the header alone
    assert _refused(_png(8000, 8000, bit_depth=8)).status == 422  # 64 megapixels


def test_a_rolled_back_upload_leaves_no_file(app):
    db.session.execute(text("SELECT 1"))  # as in a door: a transaction is under way
    clean = uploads.read_upload(io.BytesIO(gen_pdf("x")))
    name, _ = uploads.store(clean)
    assert uploads.path_of(name).is_file()
    db.session.rollback()
    assert not uploads.path_of(name).exists()
