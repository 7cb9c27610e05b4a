"""A newcomer's configuration mistakes end in one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera.cli import main
from tessera.config import load_config
from tessera.errors import ConfigError


def test_a_config_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"cost:\n  timezone: \xff\xfe\n")
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0xff at offset 18\)"):
        load_config(path)


def test_the_cli_reports_a_binary_config_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"\x00\x01\x02\xff\xfe")
    assert main(["--config", str(path), "config", "check"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {path}: not UTF-8 text")
    assert len(err.strip().splitlines()) == 1
