from sqlalchemy import select

from mentoring.audit import services
from mentoring.audit.models import AuditEvent
from mentoring.extensions import db
from tests.factories import gen_user


def test_an_entry_is_kept_with_its_actor_and_target_and_long_detail_is_cut(app):
    admin = gen_user("admin")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        services.record("account.deactivated", actor=admin, target_kind="user", target_id=42,
                        reason="x" * 2000)
    db.session.commit()
    event = db.session.execute(select(AuditEvent).where(AuditEvent.target_id == 42)).scalar_one()
    assert (event.actor_id, event.action, event.target_kind, event.ip) == \
        (admin.id, "account.deactivated", "user", "10.1.2.3")
    assert len(event.detail["reason"]) == services.MAX_DETAIL_TEXT + 1


def test_the_system_acts_without_an_actor_or_address(app):
    services.record("certificate.expired", target_kind="certificate", target_id=7)
    db.session.flush()
    event = db.session.execute(select(AuditEvent).where(AuditEvent.target_id == 7)).scalar_one()
    assert event.actor_id is None and event.ip is None
