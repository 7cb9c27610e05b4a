"""Nothing leaves the machine, files are private, and prompts are not kept.

The demo and every command of the CLI run in this process with every
connection to a non-loopback address refused and recorded; the test then
checks that none was attempted. The demo's data directory must hold only
0600 files in 0700 directories, and neither the database nor the trace file
may contain the text of a prompt or a completion.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from tessera.cli import cli, main
from tessera.demo import script, workflow

# Leaf commands the test gives real arguments; any other leaf runs with none.
EXPECTED_FAILURES = {("pricing", "remove"), ("db", "push")}


def _loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX path: local by definition
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse and record every connection or name lookup that would leave the machine."""
    tried: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if not _loopback(address):
            tried.append(f"connect {address!r}")
            raise OSError("network disabled by test_privacy")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _loopback(address):
            tried.append(f"connect_ex {address!r}")
            return 111
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback((host, 0)):
            tried.append(f"getaddrinfo {host!r}")
            raise socket.gaierror("name lookup disabled by test_privacy")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield tried


def _leaves(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _leaves(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def _invocations(db: Path, traces: Path, tmp: Path) -> dict[tuple[str, ...], list[list[str]]]:
    trace_id = json.loads(traces.read_text().splitlines()[0])["trace_id"]
    d = ["--db", str(db)]
    return {
        ("demo",): [["demo", "--no-delay", "--json", "--db", str(tmp / "again.db")]],
        ("report",): [["report", *d], ["report", *d, "--html", str(tmp / "r.html")]],
        ("costs",): [["costs", "--by", by, *d] for by in ("day", "agent", "model", "provider")],
        ("tasks",): [["tasks", *d]],
        ("calls",): [["calls", *d, "--json"]],
        ("limits",): [["limits", *d]],
        ("quality",): [["quality", *d]],
        ("watch",): [["watch", "--once", *d]],
        ("traces", "tail"): [["traces", "tail", "--file", str(traces)]],
        ("traces", "show"): [["traces", "show", trace_id, "--file", str(traces)]],
        ("traces", "export"): [
            ["traces", "export", "--otlp", "--file", str(traces), "-o", str(tmp / "o.jsonl")]
        ],
        ("pricing", "list"): [["pricing", "list", *d]],
        ("pricing", "show"): [["pricing", "show", "gpt-4o", *d]],
        ("pricing", "add"): [
            [
                "pricing",
                "add",
                "my-model",
                "--provider",
                "openai",
                "--input",
                "1",
                "--output",
                "2",
                *d,
            ]
        ],
        ("pricing", "remove"): [["pricing", "remove", "999999", *d]],
        ("pricing", "unpriced"): [["pricing", "unpriced", *d]],
        ("pricing", "reprice"): [["pricing", "reprice", "--since", "2020-01-01", "--dry-run", *d]],
        ("config", "show"): [["config", "show"]],
        ("config", "check"): [["config", "check"]],
        ("db", "path"): [["db", "path", *d]],
        ("db", "migrate"): [["db", "migrate", *d]],
        ("db", "check"): [["db", "check", *d]],
        ("db", "push"): [["db", "push", *d]],
        ("db", "import"): [["db", "import", str(db), "--db", str(tmp / "imported.db")]],
    }


def test_demo_and_every_command_open_no_connection(
    tmp_path: Path,
    isolated_data_dir: Path,
    attempts: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts: list[str] = []
    real_ask = workflow._ask

    def ask(text: str) -> list[dict[str, str]]:
        prompts.append(text)
        return real_ask(text)

    monkeypatch.setattr(workflow, "_ask", ask)
    # A soft limit, so that `tessera limits` has something to show.
    config = tmp_path / "no-config.yaml"
    config.write_text("cost:\n  limits:\n    global:\n      daily_usd: 100\n")
    monkeypatch.setenv("TESSERA_CONFIG", str(config))
    assert main(["demo", "--no-delay"]) == 0
    assert attempts == []
    assert len(prompts) >= 5

    # The default demo files: private directory, private files.
    for path in [isolated_data_dir, *isolated_data_dir.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    demo_dir = isolated_data_dir / "demo"
    db, traces = demo_dir / "metrics.db", demo_dir / "traces.jsonl"
    assert db.exists() and traces.exists()

    # Content capture is off by default: no prompt and no answer is kept anywhere.
    stored = b"".join(p.read_bytes() for p in demo_dir.iterdir())
    for text in [*prompts, script.PLAN, script.CODE.splitlines()[0]]:
        assert text.encode() not in stored, text

    invocations = _invocations(db, traces, tmp_path)
    failed: list[tuple[str, ...]] = []
    for leaf in _leaves(cli):
        for argv in invocations.get(leaf, [list(leaf)]):
            code = main(argv)
            # 1: a refused argument; 2: a missing one (db push without --to).
            assert code in ((0, 1, 2) if leaf in EXPECTED_FAILURES else (0,)), (argv, code)
            if code:
                failed.append(leaf)
    capsys.readouterr()
    assert attempts == []
    # Every command ran for real, except the two given arguments that must fail.
    assert set(failed) == EXPECTED_FAILURES & set(_leaves(cli))


def test_the_guard_sees_an_attempt(attempts: list[str]) -> None:
    # The check above can fail: an outgoing connection is caught and recorded.
    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    with pytest.raises(OSError):
        socket.create_connection(("example.com", 443), timeout=1)
    with socket.socket() as raw, pytest.raises(OSError):
        raw.connect(("192.0.2.1", 443))
    assert attempts == [
        "getaddrinfo '192.0.2.1'",
        "getaddrinfo 'example.com'",
        "connect ('192.0.2.1', 443)",
    ]
