"""Attachments go through the identifier check too: the file's own name and
the text of a PDF (whose metadata the upload pipeline strips)."""
import io

from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from mentoring.cases.models import CaseAttachment
from mentoring.extensions import db
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_pdf, token_headers


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def _count():
    return db.session.execute(select(func.count()).select_from(CaseAttachment)).scalar()


def test_names_and_numbers_in_the_file_or_its_name_are_refused(client):
    group, people = gen_group()
    asker = people["commune"][0]
    case = gen_case(group, asker)
    db.session.commit()
    url, headers = f"/api/v1/cases/{case.id}/attachments", token_headers(asker)
    refused = [
        (_jpeg(), "nguyen-van-tam.jpg", "tên người"),
        (_jpeg(), "CCCD_001089012345.jpg", "số CCCD"),
        (gen_pdf("Ket qua xet nghiem\nHo ten: Nguyen Van Tam\nSDT 0912 345 678"), "ketqua.pdf", "số điện thoại"),
        (gen_pdf("Ma BN: 2026001234\nGlucose 9.8 mmol/L"), "ketqua.pdf", "mã bệnh nhân"),
    ]
    for body, name, words in refused:
        r = client.post(url, data={"file": (io.BytesIO(body), name)}, headers=headers)
        assert r.status_code == 422, name
        assert words in r.get_json()["error"]["fields"]["file"][0], (name, r.get_json())
    assert _count() == 0
    r = client.post(url, data={"file": (io.BytesIO(gen_pdf("Glucose 9.8 mmol/L, HbA1c 8.2%",
                                                            author="Nguyen Van Tam")), "ketqua.pdf")},
                    headers=headers)
    assert r.status_code == 201
    stored = db.session.execute(select(CaseAttachment)).scalar_one()
    from mentoring import uploads
    reader = PdfReader(io.BytesIO(uploads.path_of(stored.stored_name).read_bytes()))
    assert not (reader.metadata or {}).get("/Author")   # the author in the PDF's metadata is gone
    assert client.post(url, data={"file": (io.BytesIO(_jpeg()), "IMG_20261102_083015.jpg")},
                       headers=headers).status_code == 201
