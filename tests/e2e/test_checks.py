"""The no-English check itself (no browser): it must catch what issue 10
found on the pages, and let Vietnamese, data and codes through."""
import sqlite3

import pytest

from tests.e2e.checks import Catalogue


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("words") / "data.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (email VARCHAR, full_name VARCHAR, timezone VARCHAR, params JSON)")
        db.execute("INSERT INTO users VALUES ('commune@demo.test', 'Ngô Văn Khải', 'Asia/Ho_Chi_Minh', "
                   "'{\"title\": \"Hội chẩn tăng huyết áp\"}')")
    return path


CATALOGUE = Catalogue()


def _problems(text, database):
    return CATALOGUE.english([{"kind": "text", "text": text, "where": "p"}], database)


@pytest.mark.parametrize("english", [
    "2 days, 0:00:00",                       # str(timedelta) on the report
    "Asia/Ho_Chi_Minh",                      # a zone's database id
    "08:00:00 GMT+07:00 Thứ Ba",             # Babel's full time
    "Người hỏi: commune",                    # a tier code (the e-mail's words are not data)
    "Hội chẩn title",                        # a JSON key is not data either
])
def test_english_is_caught(english, database):
    assert _problems(english, database)


@pytest.mark.parametrize("vietnamese", [
    "Giờ Việt Nam (UTC+7)",
    "Ca bệnh #5 · 58 tuổi, nữ",
    "Người hỏi: Ngô Văn Khải",               # a name from the data
    "Hội chẩn tăng huyết áp",                # a title inside a JSON column
    "Huyết áp tâm thu: 172 mmHg",
    "Mã 5KJ3-CYOL-VQSQ-76BW-YGZZ-H7B3",      # a certificate's code
    "commune@demo.test",
    "2 ngày",
])
def test_vietnamese_passes(vietnamese, database):
    assert _problems(vietnamese, database) == []


def test_a_tier_name_recased_by_css_is_caught(database):
    item = {"kind": "text", "text": "trung ương", "where": "span", "transform": "capitalize"}
    assert CATALOGUE.english([item], database)
    assert CATALOGUE.english([{**item, "transform": "none"}], database) == []
