"""The coordinator's dashboard: statuses from SQL aggregates, by province,
facility, tier and group, with filters and drill-down; exports as CSV and
XLSX, streamed and audited; a bounded number of queries whatever the data."""
import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import insert, select

from mentoring import clock
from mentoring.audit.models import AuditEvent
from mentoring.auth.models import User
from mentoring.competency import certificates, dashboard, programmes
from mentoring.competency.models import Certificate, TrainingCredit
from mentoring.extensions import db
from tests.competency.helpers import approved_course
from tests.factories import gen_group, gen_user, login


def _spread(loaded):
    """Group with one worker of each status (plus the rest in progress or at risk)."""
    group, people = gen_group()
    coordinator = gen_user("coordinator")
    certified, lapsed, busy = people["provincial"][0], people["district"][0], people["commune"][0]
    approved_course(certified, coordinator, 121, days_ago=30, title="Đủ giờ")
    approved_course(busy, coordinator, 40, days_ago=30, title="Đang học")       # 40 h this year: on pace
    certificates.issue_certificate(lapsed, loaded["cme-120h-5y"], hours=120,
                                   issued_on=clock.now().date() - timedelta(days=2000))
    db.session.commit()
    return group, people, coordinator


def test_statuses_by_dimension(loaded):
    group, people, coordinator = _spread(loaded)
    programme = loaded["cme-120h-5y"]
    rows, totals = dashboard.counts_by(programme, "tier")
    by_tier = {r.key: r.counts for r in rows}
    assert totals == {"certified": 1, "in_progress": 1, "at_risk": 7, "lapsed": 1}
    assert by_tier["provincial"] == {"certified": 1, "in_progress": 0, "at_risk": 3, "lapsed": 0}
    assert by_tier["district"] == {"certified": 0, "in_progress": 0, "at_risk": 3, "lapsed": 1}
    assert by_tier["commune"] == {"certified": 0, "in_progress": 1, "at_risk": 1, "lapsed": 0}
    groups, group_totals = dashboard.counts_by(programme, "group")
    [by_group] = [r for r in groups if r.key == group.id]
    assert group_totals == totals
    assert by_group.total == 10 and by_group.counts["certified"] == 1
    province, _ = dashboard.counts_by(programme, "province")
    assert sum(r.total for r in province) == 10 and province[0].label == "Phú Thọ"
    facilities, _ = dashboard.counts_by(programme, "facility", dashboard.Filters(tier="district"))
    assert [r.total for r in facilities] == [4]
    for worker, status in ((people["provincial"][0], "certified"), (people["district"][0], "lapsed"),
                           (people["commune"][0], "in_progress"), (people["commune"][1], "at_risk")):
        assert dashboard.status_of(worker.id, programme) == status
    assert dashboard.status_of(coordinator.id, programme) == "not_in_audience"


def test_dashboard_page_filters_and_drill_down(client, loaded):
    group, people, coordinator = _spread(loaded)
    login(client, coordinator)
    page = client.get(f"/competency/dashboard?by=tier&group_id={group.id}").get_data(as_text=True)
    assert 'data-status="certified"' in page and 'data-testid="status-bars"' in page
    # The bars are drawn by the server: no chart library on a 50 KB/s link.
    assert "chart.umd.min.js" not in page and "<script" not in page.split("<main")[1].split("</main>")[0]
    page = client.get(f"/competency/dashboard?status=lapsed&group_id={group.id}").get_data(as_text=True)
    lapsed = people["district"][0]
    assert f'data-user-id="{lapsed.id}" data-status="lapsed"' in page
    assert page.count('data-user-id=') == 1
    assert client.get(f"/workers/{lapsed.id}/progress").status_code == 200
    assert client.get("/competency/dashboard?status=nonsense").status_code == 422
    assert client.get("/competency/dashboard?programme=ehr-ready&by=facility").status_code == 200
    assert client.get("/competency/dashboard?programme=none").status_code == 404
    beyond = client.get(f"/competency/dashboard?group_id={group.id}&page=99").get_data(as_text=True)
    assert "(10)" in beyond and "data-user-id=" not in beyond
    assert "chart.umd.min.js" not in page


def test_exports_stream_the_same_rows_and_are_audited(client, loaded):
    group, people, coordinator = _spread(loaded)
    login(client, coordinator)
    r = client.get(f"/competency/dashboard.csv?group_id={group.id}")
    assert r.status_code == 200 and r.is_streamed
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Mã nhân viên"
    assert len(rows) == 11
    statuses = sorted(row[5] for row in rows[1:])
    assert statuses.count("đã được chứng nhận") == 1 and statuses.count("đã hết hiệu lực") == 1
    r = client.get(f"/competency/dashboard.xlsx?group_id={group.id}&status=at_risk")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data), read_only=True).active
    values = list(sheet.values)
    assert values[0][0] == "Mã nhân viên" and len(values) == 1 + 7
    assert all(v[5] == "có nguy cơ" for v in values[1:])
    actions = db.session.execute(select(AuditEvent.detail).where(
        AuditEvent.action == "competency.dashboard_exported")).scalars().all()
    assert [a["format"] for a in actions] == ["csv", "xlsx"]
    worker = people["commune"][0]
    client.post("/logout")
    login(client, worker)
    assert client.get("/competency/dashboard.csv").status_code == 403
    assert client.get("/competency/dashboard").status_code == 403


def _many(programme, n, start):
    """n workers with credits and some certificates, inserted in bulk."""
    group, people = gen_group()
    facility_id = people["commune"][0].facility_id
    template = people["commune"][0]
    users = [{"email": f"bulk{start + i}@example.test", "full_name": f"Người {start + i}",
              "password_hash": template.password_hash, "role": "worker", "tier_code": "commune",
              "facility_id": facility_id, "language": "vi", "timezone": "Asia/Ho_Chi_Minh", "active": True,
              "auth_version": 1, "created_at": clock.now()} for i in range(n)]
    db.session.execute(insert(User), users)
    ids = db.session.execute(select(User.id).where(User.email.in_([u["email"] for u in users]))).scalars().all()
    now = clock.now()
    db.session.execute(insert(TrainingCredit), [
        {"user_id": uid, "source_kind": "session", "source_id": k, "hours": 2.0,
         "earned_at": now - timedelta(days=30 * k), "title": "", "created_at": now, "updated_at": now}
        for uid in ids for k in range(1, 4)])
    today = now.date()
    db.session.execute(insert(Certificate), [
        {"code": certificates.new_code(), "user_id": uid, "programme_id": programme.id, "issued_on": today,
         "expires_on": today + timedelta(days=100), "hours": 120, "badge_salt": "x", "created_at": now}
        for uid in ids[::3]])
    db.session.commit()


def test_dashboard_queries_are_bounded(client, loaded, count_queries):
    programme = programmes.default_programme()
    coordinator = gen_user("coordinator")
    _many(programme, 20, 0)
    login(client, coordinator)

    def count(path):
        with count_queries() as counted:
            assert client.get(path).status_code == 200
        return counted.n
    small = {p: count(p) for p in ("/competency/dashboard", "/competency/dashboard?by=group",
                                   "/competency/readiness")}
    _many(programme, 300, 1000)
    big = {p: count(p) for p in small}
    assert big == small, (small, big)
    assert max(big.values()) <= 14, big
