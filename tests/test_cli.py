"""The commands of docs/api.md, run through Flask's CLI runner."""
from sqlalchemy import func, select

from mentoring.auth.models import User
from mentoring.extensions import db
from mentoring.org import services as org
from mentoring.org.composition import composition
from mentoring.org.models import MentoringGroup

DEMO_EMAILS = ["doctor@demo.test", "provincial@demo.test", "district@demo.test", "commune@demo.test",
               "doctor2@demo.test", "commune2@demo.test", "coordinator@demo.test", "admin@demo.test"]


def test_seed_demo_is_idempotent_and_builds_two_complete_groups(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    users = db.session.execute(select(func.count()).select_from(User)).scalar()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert db.session.execute(select(func.count()).select_from(User)).scalar() == users
    roles = dict(db.session.execute(select(User.email, User.role).where(User.email.in_(DEMO_EMAILS))).all())
    assert roles == {"doctor@demo.test": "mentor", "provincial@demo.test": "worker",
                     "district@demo.test": "worker", "commune@demo.test": "worker",
                     "doctor2@demo.test": "mentor", "commune2@demo.test": "worker",
                     "coordinator@demo.test": "coordinator", "admin@demo.test": "admin"}
    groups = org.groups_with_members(select(MentoringGroup).where(MentoringGroup.name.like("Nhóm 1-4-4-2%")))
    assert len(groups) == 2 and all(composition(g).complete for g in groups)
    by_mentor = {composition(g).mentor.email: {m.user.email for m in g.memberships} for g in groups}
    assert {"provincial@demo.test", "district@demo.test", "commune@demo.test"} <= by_mentor["doctor@demo.test"]
    assert "commune2@demo.test" in by_mentor["doctor2@demo.test"]
    assert "commune@demo.test" not in by_mentor["doctor2@demo.test"]


def test_create_user_asks_for_the_password_and_reports_errors(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["create-user", "--email", "cli@example.test", "--role", "coordinator",
                             "--name", "Điều phối"], input="a long cli passphrase\na long cli passphrase\n")
    assert ok.exit_code == 0, ok.output
    assert db.session.execute(select(User).where(User.email == "cli@example.test")).scalar_one()
    dup = runner.invoke(args=["create-user", "--email", "cli@example.test", "--role", "coordinator",
                              "--name", "X"], input="a long cli passphrase\na long cli passphrase\n")
    assert dup.exit_code != 0 and "Đã có tài khoản dùng email này" in dup.output
    weak = runner.invoke(args=["create-user", "--email", "weak@example.test", "--role", "worker",
                               "--tier", "commune", "--name", "Y"], input="short\nshort\n")
    assert weak.exit_code != 0 and "password" in weak.output


def test_scheduler_once_runs_every_job(app):
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert "ran auth.purge_old_tokens" in result.output
    assert "ran notifications.send_due_emails" in result.output
