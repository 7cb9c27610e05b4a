"""Fleet setup (docs/scaling.md): store URLs as operators write them, servers that never answer."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from pg_support import fresh_schema
from tessera.cli import cli, main
from tessera.errors import StoreError
from tessera.store.backend import redacted
from tessera.store.postgres.connection import connect


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@[::1]:5432/db", "postgresql://u:***@[::1]:5432/db"),
        ("postgresql://u:pw@[::1]/db", "postgresql://u:***@[::1]/db"),
        ("postgresql://u:pw@DB.Internal:5432/db", "postgresql://u:***@DB.Internal:5432/db"),
        (
            "postgresql://u:pw@h1:5432,h2:5433/db?target_session_attrs=read-write",
            "postgresql://u:***@h1:5432,h2:5433/db?target_session_attrs=read-write",
        ),
        ("postgresql://u:p%40s%3As@h:bad/db", "postgresql://u:***@h:bad/db"),
        (
            "postgresql://u@h/db?password=s3cret&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        (
            "postgresql:///db?host=/run/pg&PASSWORD=s3cret",
            "postgresql:///db?host=/run/pg&PASSWORD=***",
        ),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_a_shown_url_keeps_its_host_and_hides_every_password(url: str, shown: str) -> None:
    assert redacted(url) == shown


def test_a_multi_host_url_fails_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://u:pw@127.0.0.1:1,127.0.0.1:2/db?connect_timeout=2"
    assert main(["report", "--db", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: cannot connect") and err.count("\n") == 1
    assert "u:***@127.0.0.1:1,127.0.0.1:2/db" in err and "pw" not in err


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_connect_timeout_of_the_url_is_honoured(silent_server: int) -> None:
    started = time.monotonic()
    with pytest.raises(StoreError, match="timeout"):
        connect(f"postgresql://u@127.0.0.1:{silent_server}/db?connect_timeout=2")
    assert time.monotonic() - started < 6


def test_pgconnect_timeout_is_honoured(silent_server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "2")
    started = time.monotonic()
    with pytest.raises(StoreError, match="timeout"):
        connect(f"postgresql://u@127.0.0.1:{silent_server}/db")
    assert time.monotonic() - started < 6


def test_pricing_list_reads_the_postgres_store() -> None:
    with fresh_schema() as url:
        runner = CliRunner()
        added = runner.invoke(
            cli,
            [
                "pricing",
                "add",
                "my-tune",
                "--provider",
                "openai",
                "--input",
                "1",
                "--output",
                "2",
                "--per",
                "1m",
                "--db",
                url,
            ],
        )
        assert added.exit_code == 0, added.output
        listed = runner.invoke(cli, ["pricing", "list", "--user", "--json", "--db", url])
        assert listed.exit_code == 0, listed.output
        assert "my-tune" in listed.output
        assert '"id": null' not in listed.output
        shown = runner.invoke(cli, ["pricing", "list", "--db", url])
        assert "no metrics database yet" not in shown.output
