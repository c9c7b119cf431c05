"""What goes into the audit log, from every door that the issue names, and
the admin's page over it: filters, paging, CSV (itself audited), retention."""
import csv
import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from mentoring import clock, scheduler
from mentoring.audit import services
from mentoring.audit.models import AuditEvent
from mentoring.extensions import db
from mentoring.org import services as org_services
from tests.cases.helpers import gen_case
from tests.competency.helpers import loaded  # noqa: F401  (fixture)
from tests.factories import PASSWORD, gen_group, gen_user, login, token_headers


def _events(action: str, **where):
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    return db.session.execute(stmt.order_by(AuditEvent.id)).scalars().all()


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_logins_and_failures_are_kept_with_the_address_though_the_refusal_commits_nothing(client):
    user = gen_user()
    assert client.post("/login", data={"email": user.email, "password": "wrong-password"},
                       **_from("10.9.8.7")).status_code == 200
    assert client.post("/login", data={"email": "nobody@example.test", "password": "x"},
                       **_from("10.9.8.7")).status_code == 200
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": "nope"},
                       **_from("10.9.8.6")).status_code == 401
    failed = _events("auth.login_failed")
    assert [(e.ip, e.detail["email"], e.target_id) for e in failed] == [
        ("10.9.8.7", user.email, user.id), ("10.9.8.7", "nobody@example.test", None),
        ("10.9.8.6", user.email, user.id)]
    assert all(e.actor_id is None for e in failed)

    assert client.post("/login", data={"email": user.email, "password": PASSWORD},
                       **_from("10.9.8.7")).status_code == 302
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD},
                       **_from("10.9.8.5")).status_code == 201
    assert [(e.actor_id, e.ip) for e in _events("auth.login")] == [(user.id, "10.9.8.7"), (user.id, "10.9.8.5")]

    client.post("/logout", **_from("10.9.8.7"))
    assert [(e.actor_id, e.ip) for e in _events("auth.logout")] == [(user.id, "10.9.8.7")]


def test_password_role_deactivation_and_membership_changes_are_logged_with_who_did_them(client):
    admin, worker = gen_user("admin"), gen_user("worker", "district")
    group, people = gen_group()
    login(client, admin)
    r = client.post(f"/admin/users/{worker.id}", data={
        "email": worker.email, "full_name": worker.full_name, "role": "coordinator", "tier_code": "",
        "facility_id": "", "language": "vi", "timezone": "Asia/Ho_Chi_Minh", "password": "another-long-secret-42"})
    assert r.status_code == 302, r.data[:400]
    client.post(f"/admin/users/{worker.id}", data={"action": "deactivate"})
    role = _events("auth.role_changed", target_id=worker.id)
    assert [(e.actor_id, e.detail) for e in role] == [(admin.id, {"old": "worker", "new": "coordinator"})]
    assert [e.actor_id for e in _events("auth.password_changed", target_id=worker.id)] == [admin.id]
    assert [e.actor_id for e in _events("auth.deactivated", target_id=worker.id)] == [admin.id]

    member = people["commune"][0]
    membership = next(m for m in group.memberships if m.user_id == member.id)
    org_services.remove_member(membership)
    newcomer = gen_user("worker", "commune")
    org_services.add_member(group, newcomer, tier_code="commune")
    db.session.commit()
    assert [e.detail["user_id"] for e in _events("group.member_removed", target_id=group.id)] == [member.id]
    assert newcomer.id in [e.detail["user_id"] for e in _events("group.member_added", target_id=group.id)]


def test_own_password_change_is_logged(client):
    user = gen_user()
    login(client, user)
    r = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                      "new_password": "a-much-longer-passphrase-77",
                                      "confirm_password": "a-much-longer-passphrase-77"})
    assert r.status_code == 302, r.data[:400]
    assert [(e.actor_id, e.target_id) for e in _events("auth.password_changed")] == [(user.id, user.id)]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def test_every_read_of_a_case_is_logged_page_api_and_attachment(client):
    group, people = gen_group()
    asker, mentor = people["commune"][0], people["mentor"]
    case = gen_case(group, asker)
    db.session.commit()
    headers = token_headers(mentor)
    r = client.post(f"/api/v1/cases/{case.id}/attachments", data={"file": (io.BytesIO(_jpeg()), "anh.jpg")},
                    headers=token_headers(asker))
    assert r.status_code == 201
    attachment_id = r.get_json()["id"]
    for _ in range(2):  # the case's own trail keeps one row an hour; the audit log keeps every read
        assert client.get(f"/api/v1/cases/{case.id}", headers=headers).status_code == 200
    login(client, mentor)
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.get(f"/cases/{case.id}/attachments/{attachment_id}").status_code == 200
    assert [e.actor_id for e in _events("case.viewed", target_id=case.id)] == [mentor.id] * 3
    downloads = _events("case.attachment_downloaded", target_id=case.id)
    assert [(e.actor_id, e.detail["attachment_id"]) for e in downloads] == [(mentor.id, attachment_id)]
    # A refused read is no read: another group's worker leaves no "viewed" row.
    _, others = gen_group()
    assert client.get(f"/api/v1/cases/{case.id}", headers=token_headers(others["commune"][0])).status_code == 404
    assert len(_events("case.viewed", target_id=case.id)) == 3


def _seed_entries(admin, worker):
    now = clock.now()
    rows = [("auth.login", worker, "10.0.0.1", 0), ("auth.login_failed", None, "10.0.0.2", 1),
            ("case.viewed", worker, "192.168.1.4", 3), ("auth.role_changed", admin, "10.0.0.1", 40)]
    for action, actor, ip, days_ago in rows:
        db.session.add(AuditEvent(action=action, actor_id=actor.id if actor else None, ip=ip, detail={},
                                  created_at=now - timedelta(days=days_ago)))
    db.session.commit()


def test_the_admin_filters_by_who_what_when_and_where_and_pages(client):
    admin = gen_user("admin")
    worker = gen_user(full_name="Nguyễn Thị Hoa")
    _seed_entries(admin, worker)
    login(client, admin)  # adds its own auth.login from 127.0.0.1

    def shown(**args):
        r = client.get("/admin/audit", query_string=args)
        assert r.status_code == 200, r.data[:300]
        page = r.get_data(as_text=True)
        return page.split('data-testid="audit-log"')[1]

    assert "Nhật ký kiểm tra" in client.get("/admin/audit").get_data(as_text=True)
    table = shown(who="thị hoa")
    assert table.count("<tr>") == 1 + 2  # header + the worker's login and case read
    assert shown(who=f"#{admin.id}").count("<code>") == 2  # role change + this login
    assert shown(action="auth.").count("<code>") == 4
    assert shown(action="auth.login_failed").count("<code>") == 1
    assert shown(ip="192.168.").count("<code>") == 1
    today = clock.now().date()
    assert shown(**{"from": (today - timedelta(days=5)).isoformat(), "to": (today - timedelta(days=2)).isoformat()}
                 ).count("<code>") == 1
    assert client.get("/admin/audit", query_string={"from": "không phải ngày"}).status_code == 422

    for n in range(60):
        db.session.add(AuditEvent(action="case.viewed", actor_id=worker.id, ip="10.2.0.1", detail={},
                                  created_at=clock.now() - timedelta(minutes=n)))
    db.session.commit()
    first = client.get("/admin/audit", query_string={"ip": "10.2."}).get_data(as_text=True)
    second = client.get("/admin/audit", query_string={"ip": "10.2.", "page": 2}).get_data(as_text=True)
    assert first.split('data-testid="audit-log"')[1].count("<code>") == 50
    assert second.split('data-testid="audit-log"')[1].count("<code>") == 10
    assert "1 / 2" in first


def test_csv_export_holds_the_filtered_rows_and_is_itself_audited(client):
    admin = gen_user("admin")
    worker = gen_user()
    _seed_entries(admin, worker)
    login(client, admin)
    r = client.get("/admin/audit.csv", query_string={"action": "auth.login", "ip": "10.0."})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == list(services.CSV_COLUMNS)
    assert sorted(row[4] for row in rows[1:]) == ["auth.login", "auth.login_failed"]
    exported = _events("audit.exported")
    assert [(e.actor_id, e.detail) for e in exported] == [(admin.id, {"filters": {"action": "auth.login", "ip": "10.0."}})]


def test_only_admins_read_the_audit_log(client):
    for role, tier in (("coordinator", None), ("mentor", "central"), ("worker", "commune")):
        user = gen_user(role, tier)
        with client.session_transaction() as session:
            session.clear()
        login(client, user)
        assert client.get("/admin/audit").status_code == 403, role
        assert client.get("/admin/audit.csv").status_code == 403, role
        client.post("/logout")
    assert client.get("/admin/audit").status_code == 302  # to the login page


def test_retention_prunes_older_entries_once_and_is_configurable(app):
    now = clock.now()
    for days in (10, 3000, 3652, 3654, 5000):
        db.session.add(AuditEvent(action="case.viewed", detail={}, created_at=now - timedelta(days=days)))
    db.session.commit()
    assert app.config["MENTORING_AUDIT_RETENTION_DAYS"] == 3653  # ten years, Circular 49/2017
    assert services.prune() == 2
    assert services.prune() == 0  # idempotent: a second run removes nothing more
    assert len(_events("audit.pruned")) == 1
    app.config["MENTORING_AUDIT_RETENTION_DAYS"] = 365
    try:
        assert services.prune() == 2
    finally:
        app.config["MENTORING_AUDIT_RETENTION_DAYS"] = 3653
    left = db.session.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "case.viewed")).scalar()
    assert left == 1
    assert "audit.prune" in [job_id for job_id, _fn, _s in scheduler.jobs()]


def test_downloads_of_others_certificates_and_session_calendars_are_logged(client, loaded):
    from mentoring.competency import certificates
    worker, coordinator = gen_user(), gen_user("coordinator")
    cert = certificates.issue_certificate(worker, loaded["cme-120h-5y"], hours=124, by=coordinator)
    db.session.commit()
    login(client, worker)
    assert client.get(f"/certificates/{cert.code}/pdf").status_code == 200  # one's own: not an export
    client.post("/logout")
    login(client, coordinator)
    assert client.get(f"/certificates/{cert.code}/pdf").status_code == 200
    assert [(e.actor_id, e.detail["user_id"]) for e in _events("certificate.downloaded", target_id=cert.id)] == \
        [(coordinator.id, worker.id)]

    from tests.sessions.helpers import gen_session
    group, people = gen_group()
    session = gen_session(group, people["mentor"])
    db.session.commit()
    assert client.get(f"/sessions/{session.id}/calendar.ics").status_code == 200
    assert client.get(f"/api/v1/sessions/{session.id}/ics").status_code == 200
    assert [e.actor_id for e in _events("session.calendar_exported", target_id=session.id)] == [coordinator.id] * 2
