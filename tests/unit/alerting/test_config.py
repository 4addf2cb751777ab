"""The alerting config: the shipped one loads; secrets come from settings only; mistakes are
one clear line; ``alerts test-route`` prints the receivers as amtool would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agents.alerting.config import DEFAULT_CONFIG, ConfigError, load_config
from pipeline.notify import FileConfig, WeComConfig

ROOT = Path(__file__).resolve().parents[3]


def test_the_shipped_config_loads_and_file_channels_live_in_the_data_dir(tmp_path: Path) -> None:
    cfg = load_config(DEFAULT_CONFIG, {}, tmp_path)
    assert cfg.receiver("owner").owner
    paths = [c.path for r in cfg.receivers for c in r.channels if isinstance(c, FileConfig)]
    assert paths and all(p.is_relative_to(tmp_path) for p in paths)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "alerting.yaml"
    path.write_text(body, encoding="utf-8")
    return path


ROBOT = """
route: {receiver: team}
receivers:
  - name: team
    channels: [{type: wecom, key: "${wecom_team}"}]
"""


def test_secrets_are_filled_from_settings_and_never_shown(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, ROBOT), {"wecom_team": "k-123-secret"})
    [channel] = cfg.receiver("team").channels
    assert isinstance(channel, WeComConfig)
    assert channel.key.get_secret_value() == "k-123-secret"
    assert "k-123-secret" not in repr(cfg) and "k-123-secret" not in cfg.model_dump_json()


@pytest.mark.parametrize(("body", "secrets", "message"), [
    (ROBOT, {}, "secret 'wecom_team' is not in MATRIXGUARD_NOTIFY_SECRETS"),
    ("route: {receiver: nobody}\nreceivers: [{name: team}]\n", {}, "unknown receivers: nobody"),
    ("route: {receiver: team, routes: [{matchers: ['a=~(']}]}\nreceivers: [{name: team}]\n", {},
     "bad regex"),
    ("route: {receiver: team, group_wait: soon}\nreceivers: [{name: team}]\n", {},
     "not a duration"),
])
def test_config_mistakes_are_one_clear_line(tmp_path: Path, body: str,
                                            secrets: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, body), secrets)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_test_route_cli_prints_the_receivers() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "alerts", "test-route", "--labels",
         "severity=critical,account_kind=employee,account=douyin:1"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "owner" in proc.stdout and "risk-office" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "alerts", "test-route", "--labels", "nonsense"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)})
    assert bad.returncode == 1 and bad.stderr.startswith("error:")
    assert "Traceback" not in bad.stderr


def test_silence_add_refuses_a_bad_start_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "silence", "add", "--matchers", "account=x:1",
         "--author", "风控", "--comment", "测试", "--starts-at", "next tuesday"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT),
             "MATRIXGUARD_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 1 and proc.stderr.startswith("error:")
    assert "--starts-at" in proc.stderr and "Traceback" not in proc.stderr
