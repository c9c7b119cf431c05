"""The JSON API fuzzed from its own OpenAPI document (scripts/fuzz_api.py)
against a real server on PostgreSQL: no 5xx, and every status code, content
type and body as documented.

Runs only when TEST_DATABASE_URL is PostgreSQL (the PostgreSQL pass of
scripts/test.sh), with a small budget: a few examples per operation, a time
cap, and a fixed seed in deterministic mode so each run sends the same
requests (a failure is a regression to fix, not bad luck)."""
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 8        # per operation and phase
MAX_SECONDS = 75    # schemathesis's own time budget for the whole run (setup adds ~30 s)
SEED = 1442

_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.mark.no_transaction
@pytest.mark.skipif(not _URL.startswith(("postgresql", "postgres:")),
                    reason="the fuzz run is part of the PostgreSQL pass (TEST_DATABASE_URL)")
def test_schemathesis_finds_nothing(tmp_path):
    if not (Path(sys.executable).parent / "schemathesis").exists():
        pytest.fail("schemathesis is missing: pip install -r requirements-dev.txt")
    from tests.conftest import need_service
    need_service("PostgreSQL", _URL, 5432)
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import fuzz_api
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    report = tmp_path / "schemathesis.txt"
    with report.open("w") as output:
        code = fuzz_api.run(_URL, examples=EXAMPLES, max_time=MAX_SECONDS, seed=SEED, output=output)
    text = report.read_text()
    assert code == 0, text[-12000:]
    assert "No issues found" in text or "passed" in text, text[-4000:]
