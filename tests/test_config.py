"""Configuration: every key optional, bad values named precisely, environment overrides."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tessera.cli import main
from tessera.config import load_config, metrics_db_path, traces_file_path
from tessera.demo import recordings as rec
from tessera.errors import ConfigError
from tessera.runtime.observer import Observer


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.yaml")
    assert config.observability.local.enabled is True
    assert config.cost.limits.global_.daily_usd is None
    assert config.cost.limits.per_task.enforcement == "hard"


def test_seed_config_example_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
observability:
  local:
    enabled: true
    traces_file: "~/.local/share/tessera/traces.jsonl"
cost:
  limits:
    global:
      daily_usd: 10.00      # Max $10/day
      enforcement: "soft"    # Warn or hard-stop
    per_task:
      max_usd: 2.00         # Max $2 per task
      enforcement: "hard"    # Reject if exceeded
""",
    )
    config = load_config(path)
    assert config.cost.limits.global_.daily_usd == Decimal("10")
    assert config.cost.limits.per_task.max_usd == Decimal("2")
    assert config.cost.limits.global_.enforcement == "soft"


def test_dollar_string_is_coerced(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, 'cost:\n  limits:\n    per_task:\n      max_usd: "2.50"\n')
    )
    assert config.cost.limits.per_task.max_usd == Decimal("2.50")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "observability:\n  lokal: {}\n",
            "unknown key 'observability.lokal'; did you mean 'observability.local'?",
        ),
        ("cots:\n  timezone: UTC\n", "unknown key 'cots'; did you mean 'cost'?"),
        (
            "cost:\n  limits:\n    global:\n      daily_usd: ten\n",
            "cost.limits.global.daily_usd: Input should be a valid decimal (got 'ten')",
        ),
        (
            "cost:\n  limits:\n    global:\n      daily_usd: -5\n",
            "cost.limits.global.daily_usd: Input should be greater than or equal to 0 (got -5)",
        ),
        (
            "cost:\n  limits:\n    per_task:\n      enforcement: strict\n",
            "cost.limits.per_task.enforcement: Input should be 'soft' or 'hard' (got 'strict')",
        ),
        (
            "observability:\n  capture_content: 'yes'\n",
            "observability.capture_content: Input should be a valid boolean (got 'yes')",
        ),
        ("cost:\n  timezone: Mars/Olympus\n", "cost.timezone: unknown time zone 'Mars/Olympus'"),
        (
            "pricing:\n  custom:\n    - model: acme-1\n",
            "pricing.custom.0.prompt_price_per_1k: Field required",
        ),
        ("- just\n- a list\n", "the top level must be a mapping"),
        ("cost: [unclosed\n", "not valid YAML"),
        (
            "cost:\n  timezone: UTC\ncost:\n  limits: {}\n",
            "not valid YAML: key 'cost' appears twice (line 3, column 1)",
        ),
    ],
    ids=[
        "typo-section",
        "typo-top",
        "not-a-number",
        "negative",
        "enum",
        "strict-bool",
        "timezone",
        "missing",
        "not-mapping",
        "bad-yaml",
        "duplicate-key",
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message.split(": not valid YAML")[0]


def test_paths_expand_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TESSERA_DATA_DIR")
    monkeypatch.setenv("PROJECT", str(tmp_path / "proj"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = load_config(
        write(
            tmp_path,
            "observability:\n  local:\n    metrics_db: $PROJECT/m.db\n    traces_file: ~/t.jsonl\n",
        )
    )
    assert metrics_db_path(config) == tmp_path / "proj" / "m.db"
    assert traces_file_path(config) == tmp_path / "home" / "t.jsonl"
    monkeypatch.setenv("TESSERA_DATA_DIR", str(tmp_path / "data"))
    assert metrics_db_path(config) == tmp_path / "data" / "metrics.db"
    monkeypatch.setenv("TESSERA_METRICS_DB", str(tmp_path / "one.db"))
    assert metrics_db_path(config) == tmp_path / "one.db"


def test_recording_off_writes_nothing(tmp_path: Path, isolated_data_dir: Path) -> None:
    config = load_config(write(tmp_path, "observability:\n  local:\n    enabled: false\n"))
    observer = Observer(config=config)
    with observer.task(agent_name="a"):
        record = observer.record(
            rec.openai_chat("gpt-4o-mini", "x", 100, 10, response_id="r"), "openai"
        )
    observer.shutdown()
    # The call is still priced for the caller: 100×0.15 + 10×0.60 = 21 → $0.000021.
    assert record is not None and record.cost_usd == Decimal("0.000021")
    assert not isolated_data_dir.exists()


def test_config_check_and_show_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "cost:\n  timezone: Europe/Paris\n")
    assert main(["--config", str(good), "config", "check"]) == 0
    assert "is valid" in capsys.readouterr().out
    assert main(["--config", str(good), "config", "show"]) == 0
    shown = capsys.readouterr().out
    assert 'cost.timezone: "Europe/Paris"  # file config.yaml' in shown
    assert 'cost.limits.per_task.enforcement: "hard"  # default' in shown
    bad = tmp_path / "bad.yaml"
    bad.write_text("cost:\n  limitz: {}\n")
    assert main(["--config", str(bad), "config", "check"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "did you mean 'cost.limits'" in err


def test_config_option_on_every_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "cost:\n  limitz: {}\n")
    # The option after the command name, as DESIGN §12 has it, and before it.
    assert main(["config", "check", "--config", str(bad)]) == 1
    assert "did you mean 'cost.limits'" in capsys.readouterr().err
    assert main(["pricing", "list", "--config", str(bad)]) == 1
    assert "limitz" in capsys.readouterr().err
    assert main(["--config", str(bad), "limits"]) == 1
    assert "limitz" in capsys.readouterr().err
