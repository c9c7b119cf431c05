"""Migration 0009 on a database that already holds cases: nothing that
points at a case is lost when SQLite rebuilds the table, and a case that
was answered (not asked again) now reads "answered"."""
import os
from contextlib import nullcontext

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from mentoring import create_app
from mentoring.extensions import db
from tests.conftest import scratch_postgres_database

pytestmark = pytest.mark.no_transaction

T = "2026-11-02 02:00:00+00:00"
ROWS = [
    "INSERT INTO users (id, email, full_name, password_hash, role, language, timezone, active, auth_version, "
    f"created_at) VALUES (1, 'a@x.test', 'A', 'x', 'worker', 'vi', 'Asia/Ho_Chi_Minh', TRUE, 1, '{T}')",
    "INSERT INTO users (id, email, full_name, password_hash, role, language, timezone, active, auth_version, "
    f"created_at) VALUES (2, 'b@x.test', 'B', 'x', 'worker', 'vi', 'Asia/Ho_Chi_Minh', TRUE, 1, '{T}')",
    f"INSERT INTO mentoring_groups (id, name, created_at) VALUES (1, 'G', '{T}')",
    *(f"INSERT INTO cases (id, group_id, asker_id, status, urgency, urgency_rank, age_years, sex, pregnancy, "
      f"complaint, question, search_text, patient_consent, asker_tier_code, created_at, updated_at, sent_at, "
      f"last_answer_at) VALUES ({i}, 1, 1, 'open', 'routine', 2, 50, 'female', 'unknown', 'Đau đầu', 'Hỏi?', '', "
      f"TRUE, 'commune', '{T}', '{T}', '{T}', {answered})"
      for i, answered in ((1, f"'{T}'"), (2, "NULL"))),
    f"INSERT INTO case_replies (id, case_id, author_id, body, is_recommendation, created_at) "
    f"VALUES (1, 1, 2, 'Tăng liều', TRUE, '{T}')",
    f"INSERT INTO case_events (id, case_id, user_id, action, detail, created_at) VALUES (1, 1, 1, 'sent', '{{}}', '{T}')",
    f"INSERT INTO chat_rooms (id, kind, group_id, case_id, created_at) VALUES (1, 'case', 1, 1, '{T}')",
]


def _targets(tmp_path):
    yield "sqlite", nullcontext("sqlite:///" + str(tmp_path / "data.db"))
    if os.environ.get("TEST_DATABASE_URL"):
        yield "postgresql", scratch_postgres_database(os.environ["TEST_DATABASE_URL"], "mentoring_m0009")


def test_upgrade_keeps_what_points_at_cases(tmp_path):
    for name, target in _targets(tmp_path):
        with target as url:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True,
                              "INSTANCE_PATH": str(tmp_path / name)})
            with app.app_context():
                upgrade(revision="0005")
                with db.engine.begin() as conn:
                    for statement in ROWS:
                        conn.execute(text(statement))
                upgrade()
                with db.engine.connect() as conn:
                    def count(table):
                        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                    assert (count("case_replies"), count("case_events"), count("chat_rooms")) == (1, 1, 1), name
                    statuses = dict(conn.execute(text("SELECT id, status FROM cases")).all())
                    assert statuses == {1: "answered", 2: "open"}, name
                    assert conn.execute(text("SELECT recommended_at FROM cases WHERE id = 1")).scalar()
                    if name == "sqlite":
                        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                db.session.remove()
                db.engine.dispose()
