"""Fuzz the JSON API from its own OpenAPI document with schemathesis: no
request may answer 500, and answers must match the document.

    .venv/bin/python scripts/fuzz_api.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
        [--examples 150] [--max-time SECONDS] [--seed N]

Starts the real server on a scratch copy of the demo data (a PostgreSQL
database fuzz_<random>, dropped afterwards; or SQLite with --database-url sqlite),
logs in as district@demo.test and runs `schemathesis run` against it.

tests/api/test_fuzz.py runs it in the test suite on PostgreSQL with a small
budget (few examples, a time cap) and a fixed seed in deterministic mode,
so CI sees the same requests each run: a finding is a regression, not luck."""
import argparse
import os
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


def run(database_url: str, examples: int = 150, max_time: int | None = None, seed: int | None = None,
        output=None) -> int:
    """Fuzz a fresh server; schemathesis's exit code (0: nothing found)."""
    st = Path(sys.executable).parent / "schemathesis"
    base = Path(tempfile.mkdtemp(prefix="fuzz-"))
    url, drop = scratch_database(database_url, base)
    try:
        env = server_env(url, base / "instance", MENTORING_CHAT_RATE_LIMIT="100000 per minute")
        prepare_database(env)
        with LiveServer(env, base / "server.log") as server:
            district = token(server.url, "district@demo.test")
            command = [str(st), "run", server.url + "/api/v1/openapi.json",
                       "-H", f"Authorization: Bearer {district}",
                       # DELETE /auth/token would revoke the fuzzer's own token and end the run early.
                       "--exclude-method", "DELETE",
                       "--checks", "not_a_server_error,status_code_conformance,"
                       "content_type_conformance,response_schema_conformance",
                       "--max-examples", str(examples), "--request-timeout", "20", "--workers", "1"]
            if max_time:
                command += ["--max-time", str(max_time)]
            if seed is not None:
                command += ["--seed", str(seed), "--generation-deterministic"]
            # cwd: its .schemathesis/ cache stays out of the tree
            return subprocess.run(command, cwd=base, stdout=output, stderr=subprocess.STDOUT if output else None,
                                  env={**os.environ, "NO_COLOR": "1"}).returncode
    finally:
        drop()
        print(f"server log: {base / 'server.log'}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--examples", type=int, default=150)
    parser.add_argument("--max-time", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if not (Path(sys.executable).parent / "schemathesis").exists():
        print("schemathesis is missing: pip install -r requirements-dev.txt", file=sys.stderr)
        return 2
    return run(args.database_url, args.examples, args.max_time, args.seed)


if __name__ == "__main__":
    sys.exit(main())
