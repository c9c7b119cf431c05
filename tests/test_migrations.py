"""migrations/ builds the schema from nothing, agrees with the models, and
can be walked back down. Runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL (in a scratch database of its own)."""
import os
from contextlib import nullcontext

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from mentoring import create_app
from mentoring.extensions import db
from tests.conftest import scratch_postgres_database

pytestmark = pytest.mark.no_transaction


def _targets(tmp_path):
    yield "sqlite", nullcontext("sqlite:///" + str(tmp_path / "migrated.db"))
    if os.environ.get("TEST_DATABASE_URL"):
        yield "postgresql", scratch_postgres_database(os.environ["TEST_DATABASE_URL"], "mentoring_migrate")


def test_upgrade_from_empty_matches_models_and_downgrades(tmp_path):
    for name, target in _targets(tmp_path):
        with target as url:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True,
                              "INSTANCE_PATH": str(tmp_path / name)})
            with app.app_context():
                upgrade()
                with db.engine.connect() as conn:
                    diff = compare_metadata(MigrationContext.configure(
                        conn, opts={"compare_type": True}), db.metadata)
                    tiers = conn.exec_driver_sql("SELECT code FROM tiers ORDER BY rank").scalars().all()
                assert diff == [], f"{name}: models and migrations differ: {diff}"
                assert tiers == ["central", "provincial", "district", "commune"]
                downgrade(revision="base")
                assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
                db.session.remove()
                db.engine.dispose()
