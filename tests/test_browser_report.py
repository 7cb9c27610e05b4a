"""The HTML report opened in headless Chromium: what renders, and that nothing is fetched.

Chromium is Debian's ``chromium`` package (``apt-get install -y chromium``).
Chromium's own background requests are kept off the network by mapping every
host name to "not found" and by a proxy on a closed loopback port; the net
log then shows every request anyway, so requests the page makes (initiated by
the page's origin) can be told from the browser's own.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tessera.cli import main
from test_cli_html_report import check_page, fill_report_store, parse

CHROMIUM = Path("/usr/bin/chromium")

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
)


def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the HTML report test needs Debian's chromium package; "
            "run `apt-get install -y chromium`"
        )
    return CHROMIUM


def run_chromium(tmp_path: Path, page: Path, *action: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [str(chromium()), *FLAGS, f"--user-data-dir={profile}", *action, page.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def page_requests(net_log: Path) -> list[str]:
    """URLs requested by a page: the browser's own requests have no initiating origin."""
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        str(event["params"]["url"])
        for event in log["events"]
        if event["type"] == start
        and "url" in event.get("params", {})
        and event["params"].get("initiator") != "not an origin"
    ]


@pytest.fixture
def report_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text("cost:\n  timezone: UTC\n")
    monkeypatch.setenv("TESSERA_CONFIG", str(config))
    db = fill_report_store(tmp_path)
    out = tmp_path / "report.html"
    assert main(["report", "--db", str(db), "--html", str(out)]) == 0
    return out


def test_report_renders_in_chromium_and_fetches_nothing(report_file: Path, tmp_path: Path) -> None:
    net_log = tmp_path / "net-log.json"
    result = run_chromium(tmp_path, report_file, f"--log-net-log={net_log}", "--dump-dom")
    dom = parse(result.stdout)
    # The agent table, the daily bars (3 days), the model bars (4), the token segments (5)
    # and the slowest tasks, with the numbers worked out in test_cli_html_report.
    check_page(dom)
    assert len(dom.with_class("svg", "chart")) == 3
    assert page_requests(net_log) == []

    shot = tmp_path / "report.png"
    run_chromium(tmp_path, report_file, f"--screenshot={shot}", "--window-size=900,2400")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # Width and height from the IHDR chunk: the requested window.
    assert int.from_bytes(data[16:20], "big") == 900
    assert int.from_bytes(data[20:24], "big") == 2400


def test_the_request_check_sees_a_page_that_fetches(tmp_path: Path) -> None:
    # The same check on a page that does fetch: it must find both URLs, or the
    # empty list above proves nothing.
    page = tmp_path / "fetches.html"
    page.write_text(
        '<html><body><img src="http://canary.invalid/x.png">'
        '<link rel="stylesheet" href="https://canary.invalid/s.css"></body></html>'
    )
    net_log = tmp_path / "net-log.json"
    run_chromium(tmp_path, page, f"--log-net-log={net_log}", "--dump-dom")
    assert sorted(page_requests(net_log)) == [
        "http://canary.invalid/x.png",
        "https://canary.invalid/s.css",
    ]
