"""Fuzz the JSON API from its own OpenAPI document with schemathesis: no
request may answer 500, and answers must match the document.

    .venv/bin/python scripts/fuzz_api.py [--database-url postgresql://postgres@127.0.0.1:5432/test] [--examples 150]

Starts the real server on a scratch copy of the demo data (a PostgreSQL
database fuzz_<random>, dropped afterwards; or SQLite with --database-url sqlite),
logs in as district@demo.test and runs `schemathesis run` against it.
Installs schemathesis into this venv if it is missing (it is not a test
dependency: a fuzzer's random findings must not turn CI red by chance)."""
import argparse
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.live import LiveServer, prepare_database, server_env, token  # noqa: E402


def scratch_database(url: str, base: Path):
    if url == "sqlite":
        return "sqlite:///" + str(base / "fuzz.db"), lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from mentoring.config import _normalise_db_url
    server = make_url(_normalise_db_url(url))
    name = f"fuzz_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return server.set(database=name).render_as_string(False), drop


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--examples", type=int, default=150)
    args = parser.parse_args()
    st = Path(sys.executable).parent / "schemathesis"
    if not st.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "schemathesis"], check=True)
    base = Path(tempfile.mkdtemp(prefix="fuzz-"))
    url, drop = scratch_database(args.database_url, base)
    try:
        env = server_env(url, base / "instance", MENTORING_CHAT_RATE_LIMIT="100000 per minute")
        prepare_database(env)
        with LiveServer(env, base / "server.log") as server:
            district = token(server.url, "district@demo.test")
            # DELETE /auth/token would revoke the fuzzer's own token and end the run early.
            return subprocess.run([str(st), "run", server.url + "/api/v1/openapi.json",
                                   "-H", f"Authorization: Bearer {district}", "--exclude-method", "DELETE",
                                   "--checks", "not_a_server_error,status_code_conformance,"
                                   "content_type_conformance,response_schema_conformance",
                                   "--max-examples", str(args.examples), "--request-timeout", "20"],
                                  cwd=base).returncode  # its .schemathesis/ cache stays out of the tree
    finally:
        drop()
        print(f"server log: {base / 'server.log'}")


if __name__ == "__main__":
    sys.exit(main())
