"""Reading a case writes (the read is audited), so on SQLite its transaction
must take the write lock at BEGIN: a deferred one failed with "database is
locked" (a 503) when another writer committed between its read and its
audit row, as when two people open the same case at once (seen by the
browser journeys of issue 10)."""
import pytest

from mentoring import _writes_data


@pytest.mark.once
@pytest.mark.parametrize("path", ["/cases/1", "/api/v1/cases/1"])
def test_reading_a_case_takes_the_write_lock(app, path):
    with app.test_request_context(path, method="GET"):
        assert _writes_data()


@pytest.mark.once
def test_other_reads_stay_deferred(app):
    with app.test_request_context("/cases", method="GET"):
        assert not _writes_data()
