"""export-data / import-data: SQLite -> PostgreSQL -> SQLite keeps every row
of every table (all columns) and every uploaded file; import refuses a
damaged archive, another schema revision and a database that holds data."""
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from mentoring import create_app
from mentoring.extensions import db
from tests.conftest import scratch_postgres_database

pytestmark = pytest.mark.no_transaction


def _app(url: str, instance: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True,
                       "INSTANCE_PATH": str(instance), "MENTORING_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def _migrated(url: str, instance: Path):
    app = _app(url, instance)
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def _source(tmp_path: Path):
    """A migrated SQLite install with the demo (every domain's content, uploads
    included) and a self-link pointing forward (a supervisor with a larger id)."""
    app = _migrated("sqlite:///" + str(tmp_path / "source.db"), tmp_path / "source")
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
        first, last = db.session.execute(text(
            "SELECT MIN(id), MAX(id) FROM group_memberships WHERE role = 'member'")).one()
        db.session.execute(text("UPDATE group_memberships SET supervisor_id = :last WHERE id = :first"),
                           {"first": first, "last": last})
        db.session.commit()
        uploads = Path(app.instance_path) / "uploads"
        uploads.mkdir(exist_ok=True)
        (uploads / "chat-extra.bin").write_bytes(bytes(range(256)) * 4)
        db.session.remove()
    return app


def _snapshot(app) -> tuple[dict, dict]:
    """Every row of every table (ordered by key) and the sha256 of every upload."""
    with app.app_context():
        tables = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            tables[table.name] = [dict(r) for r in db.session.execute(select(table).order_by(*order)).mappings()]
        root = Path(app.instance_path) / "uploads"
        files = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                 for p in root.rglob("*") if p.is_file()} if root.exists() else {}
        db.session.remove()
    return tables, files


def _run(app, *args):
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
    return result


def _assert_same(a, b, label):
    tables_a, files_a = a
    tables_b, files_b = b
    assert set(tables_a) == set(tables_b)
    for name in tables_a:
        assert tables_a[name] == tables_b[name], f"{label}: table {name} differs"
    assert files_a == files_b, f"{label}: uploads differ"


def test_sqlite_to_postgresql_to_sqlite_keeps_every_row_and_file(tmp_path):
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("the round trip through PostgreSQL needs TEST_DATABASE_URL")
    source = _source(tmp_path)
    before = _snapshot(source)
    assert sum(len(rows) for rows in before[0].values()) > 200 and len(before[1]) >= 2
    assert sum(1 for rows in before[0].values() if rows) >= 30  # most tables hold rows

    first = _run(source, "export-data", str(tmp_path / "one.tar.gz"))
    assert first.exit_code == 0, first.output
    with scratch_postgres_database(server, "mentoring_backup") as pg_url:
        middle = _migrated(pg_url, tmp_path / "middle")
        loaded = _run(middle, "import-data", str(tmp_path / "one.tar.gz"))
        assert loaded.exit_code == 0, loaded.output
        _assert_same(before, _snapshot(middle), "PostgreSQL")
        with middle.app_context():  # sequences moved past the imported ids
            from mentoring.auth import services
            user = services.create_user(email="after-import@example.test", full_name="Sau khi nhập",
                                        password="a long enough passphrase", role="coordinator")
            assert user.id > max(r["id"] for r in before[0]["users"])
            db.session.rollback()
            db.session.remove()
        second = _run(middle, "export-data", str(tmp_path / "two.tar.gz"))
        assert second.exit_code == 0, second.output
        with middle.app_context():
            db.session.remove()
            db.engine.dispose()
    target = _migrated("sqlite:///" + str(tmp_path / "target.db"), tmp_path / "target")
    back = _run(target, "import-data", str(tmp_path / "two.tar.gz"))
    assert back.exit_code == 0, back.output
    _assert_same(before, _snapshot(target), "SQLite again")


def _rewrite(archive: Path, out: Path, change) -> None:
    """Copy an archive, letting `change(name, bytes) -> bytes` alter members."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            body = change(member.name, src.extractfile(member).read())
            member.size = len(body)
            dst.addfile(member, io.BytesIO(body))


def test_import_refuses_damage_another_revision_and_a_database_with_data(tmp_path):
    source = _source(tmp_path)
    archive = tmp_path / "backup.tar.gz"
    assert _run(source, "export-data", str(archive)).exit_code == 0
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # personal data: the owner only
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["format"] == 1 and manifest["alembic_revision"]
    assert manifest["tables"]["users"]["rows"] >= 24
    assert set(manifest["tables"]) == {t.name for t in db.metadata.sorted_tables}

    target = _migrated("sqlite:///" + str(tmp_path / "target.db"), tmp_path / "target")
    damaged = tmp_path / "damaged.tar.gz"
    _rewrite(archive, damaged, lambda name, body: body.replace("Bạch Mai".encode(), "Bach Mai".encode())
             if name == "tables/facilities.jsonl" else body)
    refused = _run(target, "import-data", str(damaged))
    assert refused.exit_code != 0 and "checksum mismatch for tables/facilities.jsonl" in refused.output

    other = tmp_path / "other.tar.gz"

    def older(name, body):
        if name != "manifest.json":
            return body
        data = json.loads(body)
        data["alembic_revision"] = "0001"
        return json.dumps(data).encode()
    _rewrite(archive, other, older)
    refused = _run(target, "import-data", str(other))
    assert refused.exit_code != 0 and "schema revision '0001'" in refused.output

    assert _snapshot(target)[0]["users"] == []  # nothing written by the refusals
    assert _run(target, "import-data", str(archive)).exit_code == 0
    again = _run(target, "import-data", str(archive))
    assert again.exit_code != 0 and "already holds data" in again.output
    replaced = _run(target, "import-data", "--replace", str(archive))
    assert replaced.exit_code == 0, replaced.output
    _assert_same(_snapshot(source), _snapshot(target), "replace")
