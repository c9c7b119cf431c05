"""A scratch PostgreSQL database for the benchmark smokes: built by
bench/dataset.py (the national cascade and a few cases), dropped afterwards
whatever happened."""
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from mentoring.config import _normalise_db_url
from tests.conftest import need_service

ROOT = Path(__file__).resolve().parent.parent


def postgres_server() -> str:
    """The test PostgreSQL server's URL (a skip without one, a failure under CI)."""
    return need_service("PostgreSQL", next(
        (u for u in (os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_DATABASE_URL_PG"))
         if u and u.startswith(("postgresql", "postgres:"))), None), 5432)


@contextmanager
def bench_database(prefix: str, cases: int = 200):
    """Yields (server URL, database name, environment for bench/ scripts)."""
    server = postgres_server()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"  # bench/dataset.py creates it
    try:
        build = subprocess.run([sys.executable, "bench/dataset.py", "--server", server, "--database", name,
                                "--cases", str(cases)], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=120)
        assert build.returncode == 0, build.stderr[-3000:]
        yield server, name, env
    finally:
        admin = create_engine(make_url(_normalise_db_url(server)), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
