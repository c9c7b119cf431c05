"""Capped totals (org.services.paginate(capped=True)): the lists that can hold
a whole national table (every case for a coordinator, the audit log) count at
most MENTORING_COUNT_CAP rows for their pager and then say "more than". The
cap is made small here so the tests stay fast."""
from datetime import timedelta

from sqlalchemy import insert, select

from mentoring import clock
from mentoring.audit.models import AuditEvent
from mentoring.extensions import db
from mentoring.org.services import capped_count, paginate
from tests.cases.helpers import gen_case
from tests.factories import gen_group, gen_user, login, token_headers


def _events(n: int, action: str = "test.bulk") -> None:
    start = clock.now() - timedelta(days=1)
    db.session.execute(insert(AuditEvent), [
        {"action": action, "created_at": start + timedelta(seconds=i), "detail": {}} for i in range(n)])
    db.session.flush()


def _bulk():
    return select(AuditEvent).where(AuditEvent.action == "test.bulk").order_by(AuditEvent.id.desc())


def test_capped_count_is_exact_up_to_the_cap_and_stops_just_above_it(app, count_queries):
    _events(5)
    assert capped_count(_bulk(), 5) == (5, True)
    assert capped_count(_bulk(), 100) == (5, True)
    with count_queries() as statements:
        assert capped_count(_bulk(), 4) == (4, False)
    # it reads at most cap + 1 rows, never the whole table
    assert statements.n == 1 and "LIMIT" in statements.statements[0].upper()


def test_a_capped_page_knows_its_next_page_and_counts_as_far_as_the_page_asked_for(app, monkeypatch):
    _events(5)
    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 3)
    first = paginate(_bulk(), 1, 2, capped=True)
    assert (len(first.items), first.total, first.total_exact, first.has_next) == (2, 3, False, True)
    assert first.pages == 1  # more than one full page, how many more unknown
    second = paginate(_bulk(), 2, 2, capped=True)  # counts to the end of page 2 (4) and one beyond
    assert (len(second.items), second.total, second.total_exact, second.has_next) == (2, 4, False, True)
    third = paginate(_bulk(), 3, 2, capped=True)  # the last page: the count is whole again
    assert (len(third.items), third.total, third.total_exact, third.has_next, third.pages) == (1, 5, True, False, 3)

    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 10)
    whole = paginate(_bulk(), 1, 2, capped=True)
    assert (whole.total, whole.total_exact, whole.pages, whole.has_next) == (5, True, 3, True)
    # a list that is not capped keeps Flask-SQLAlchemy's exact count
    assert paginate(_bulk(), 1, 2).total == 5


def test_the_audit_page_says_more_than_in_vietnamese_and_has_no_last_page(app, client, monkeypatch):
    admin = gen_user("admin")
    _events(1001)
    login(client, admin)
    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 1000)
    page = client.get("/admin/audit?action=test.bulk").get_data(as_text=True)
    assert "Số mục tìm thấy: hơn 1.000" in page
    assert "1 / hơn 20" in page  # 50 a page: more than 20 pages, no total page count
    assert "page=2" in page and "Sau" in page and "Trước" not in page
    far = client.get("/admin/audit?action=test.bulk&page=21").get_data(as_text=True)
    assert "Số mục tìm thấy: 1001" in far and "21 / 21" in far and "Sau" not in far

    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 2000)
    exact = client.get("/admin/audit?action=test.bulk").get_data(as_text=True)
    assert "Số mục tìm thấy: 1001" in exact and "1 / 21" in exact and "hơn" not in exact


def test_the_english_reader_gets_english_digits_grouping(app, client, monkeypatch):
    admin = gen_user("admin", language="en")
    _events(1001)
    login(client, admin)
    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 1000)
    page = client.get("/admin/audit?action=test.bulk").get_data(as_text=True)
    assert "Entries found: more than 1,000" in page and "1 / more than 20" in page


def _four_cases():
    group, people = gen_group()
    for _ in range(4):
        gen_case(group, people["commune"][0])
    db.session.commit()
    return group


def test_the_coordinators_case_search_says_more_than_n_cases(app, client, monkeypatch):
    group = _four_cases()
    login(client, gen_user("coordinator"))
    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 3)
    page = client.get(f"/cases/search?group_id={group.id}&per_page=2").get_data(as_text=True)
    assert "Hơn 3 ca bệnh" in page and "1 / hơn 1" in page and "Sau" in page
    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 10)
    page = client.get(f"/cases/search?group_id={group.id}&per_page=2").get_data(as_text=True)
    assert "4 ca bệnh" in page and "Hơn" not in page and "1 / 2" in page


def test_the_case_api_keeps_its_envelope_and_says_when_the_total_is_capped(app, client, monkeypatch):
    group = _four_cases()
    headers = token_headers(gen_user("coordinator"))
    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 3)

    def listed(page):
        r = client.get(f"/api/v1/cases?group_id={group.id}&per_page=2&page={page}", headers=headers)
        assert r.status_code == 200
        body = r.get_json()
        assert set(body) == {"items", "page", "per_page", "total", "total_exact"}
        return len(body["items"]), body["total"], body["total_exact"]

    assert listed(1) == (2, 3, False)  # more than 3
    assert listed(2) == (2, 4, True)   # the count reaches the end of page 2 and finds no more
    assert listed(3) == (0, 4, True)   # past the end: the whole count

    monkeypatch.setitem(app.config, "MENTORING_COUNT_CAP", 10)
    assert listed(1) == (2, 4, True)
