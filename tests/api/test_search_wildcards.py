"""LIKE wildcards typed into a search are literal characters: "%" finds a
percent sign, "_" an underscore, never every row (or every code starting
with anything)."""
from mentoring.cases import queries
from mentoring.cases.queries import Filters
from mentoring.org import services as org_services
from mentoring.search import escape_like
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user, login


def test_escape_like():
    assert escape_like("50%_a\\b") == "50\\%\\_a\\\\b"


def test_an_icd_code_filter_with_wildcards_matches_nothing_else(app):
    group, people = gen_group()
    dm = gen_case(group, people["commune"][0], icd10=["E11.9"])
    doctor = people["mentor"]
    assert {c.id for c in queries.search(doctor, Filters(icd10="E11")).items} == {dm.id}
    for typed in ("%", "_11", "E1_", "E%"):
        assert queries.search(doctor, Filters(icd10=typed)).items == [], typed


def test_facility_search_takes_wildcards_literally(app):
    org_services.create_facility(name="Trạm Y tế 100% Xanh", kind="provincial_hospital", province_code=82)
    org_services.create_facility(name="Bệnh viện Bình_Minh", kind="provincial_hospital", province_code=82)
    org_services.create_facility(name="Bệnh viện Khác", kind="provincial_hospital", province_code=82)
    assert [f.name for f in org_services.search_facilities("%").items] == ["Trạm Y tế 100% Xanh"]
    assert [f.name for f in org_services.search_facilities("_").items] == ["Bệnh viện Bình_Minh"]
    assert org_services.search_facilities("\\").total == 0


def test_account_search_takes_wildcards_literally(client):
    admin = gen_user("admin")
    gen_user(email="under_score@example.test", full_name="Gạch Dưới")
    gen_user(full_name="Trần Bình")
    login(client, admin)
    page = client.get("/admin/users", query_string={"q": "_"}).get_data(as_text=True)
    assert "under_score@example.test" in page and "Trần Bình" not in page
    page = client.get("/admin/users", query_string={"q": "%"}).get_data(as_text=True)
    assert "under_score@example.test" not in page and "Trần Bình" not in page
