"""Several processes need a shared SECRET_KEY and a shared Socket.IO queue."""
import pytest

from mentoring import create_app


@pytest.mark.parametrize("variable", ["MENTORING_MULTIPROCESS", "WEB_CONCURRENCY"])
def test_several_processes_refuse_to_start_without_a_queue(monkeypatch, tmp_path, variable):
    monkeypatch.setenv(variable, "4")
    monkeypatch.delenv("REDIS_URL", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "shared"}
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app(config)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({**config, "SECRET_KEY": None, "REDIS_URL": "redis://127.0.0.1:6379/15"})
