"""Real server processes for browser and multi-process tests.

`LiveServer` prepares its own database (db upgrade + seed-demo through the
real CLI), then runs `flask --app wsgi serve` (or any command) on a free port
and waits for /healthz. Always stopped by the fixture that starts it."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]

# The demo data of mentoring/demo.py that live tests and benchmarks log in as.
DEMO_PASSWORD = "demo-password"
GROUP_A = ["doctor@demo.test", "provincial@demo.test", "district@demo.test", "commune@demo.test",
           "commune-a2@demo.test"] + [f"{t}-a{i}@demo.test" for t in ("provincial", "district") for i in (2, 3, 4)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, instance: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORING_", "FLASK_"))}
    env.update(DATABASE_URL=database_url, MENTORING_INSTANCE_PATH=str(instance),
               MENTORING_SECURE_COOKIES="false", SECRET_KEY="live-test-secret",
               MENTORING_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", PYTHONUNBUFFERED="1",
               # Every browser test logs in against one shared server: the
               # production limit (10 a minute) would lock the suite out.
               MENTORING_LOGIN_RATE_LIMIT="1000 per minute")
    env.pop("REDIS_URL", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def prepare_database(env: dict) -> None:
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(FLASK + args, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)


class LiveServer:
    def __init__(self, env: dict, log_path: Path, command: list[str] | None = None, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log_path = log_path
        self.command = command or FLASK + ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = None

    def start(self, timeout: float = 60) -> "LiveServer":
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def seeded_sqlite(tmp_path_factory, name: str) -> tuple[Path, str]:
    """(folder, url) of a demo database made by the real CLI (db upgrade +
    seed-demo) on SQLite, for the tests that start real servers."""
    base = tmp_path_factory.mktemp(name)
    url = "sqlite:///" + str(base / f"{name}.db")
    prepare_database(server_env(url, base / "instance"))
    return base, url


def token(server_url: str, email: str, password: str = DEMO_PASSWORD) -> str:
    """An API token from a running server (POST /api/v1/auth/token)."""
    response = requests.post(server_url + "/api/v1/auth/token", json={"email": email, "password": password},
                             timeout=10)
    response.raise_for_status()
    return response.json()["token"]


def bearer(tok: str) -> dict:
    return {"Authorization": f"Bearer {tok}"}


def group_room(server_url: str, tok: str) -> int:
    """The id of the first group chat room this token's user is in."""
    rooms = requests.get(server_url + "/api/v1/rooms", headers=bearer(tok), timeout=10).json()["items"]
    return next(r["id"] for r in rooms if r["kind"] == "group")
