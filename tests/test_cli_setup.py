"""Setup mistakes end in one line before Prefect starts; any engagement can be tried on the emulators."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from seula.lake.store import Lake

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"


def seula(home: Path, *args: str, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SEULA_", "PREFECT_"))}
    return subprocess.run([sys.executable, "-m", "seula.flows.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env={**clean, "SEULA_HOME": str(home), **(env or {})})


def one_line(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr, result.stderr
    assert re.search(expected, result.stderr), result.stderr


def no_prefect_run(home: Path) -> None:
    """Prefect's database appears with its first flow run: a setup error never gets that far."""
    assert not list((home / "prefect").glob("*.db"))


KEY = {"SEULA_MASTER_KEY": "setup-test-master-key-" + "k" * 32}
TOKENS = {"SEULA_X_BEARER_TOKEN": "not-a-real-token", "SEULA_FACEBOOK_TOKEN": "not-a-real-token"}


def test_no_master_key(tmp_path: Path) -> None:
    one_line(seula(tmp_path, "collect", "sample"), r"^error: no master key: run `seula keys init`")
    no_prefect_run(tmp_path)


def test_a_key_file_readable_by_others(tmp_path: Path) -> None:
    assert seula(tmp_path, "keys", "init").returncode == 0
    key = tmp_path / "keys" / "master.key"
    key.chmod(0o644)
    one_line(seula(tmp_path, "collect", "sample"), rf"^error: key file {re.escape(str(key))} is readable by others")
    no_prefect_run(tmp_path)


def test_no_credentials(tmp_path: Path) -> None:
    one_line(seula(tmp_path, "collect", "sample", env=KEY), r"^error: no X credentials: set SEULA_X_BEARER_TOKEN .*--emulate")
    one_line(seula(tmp_path, "collect", "sample", env={**KEY, "SEULA_X_BEARER_TOKEN": "t"}),
             r"^error: no Facebook credentials: set SEULA_FACEBOOK_TOKEN")
    no_prefect_run(tmp_path)


def test_emulate_with_a_base_url(tmp_path: Path) -> None:
    one_line(seula(tmp_path, "collect", "sample", "--emulate", "--x-base-url", "http://127.0.0.1:1", env=KEY),
             r"^error: --emulate starts its own emulators")


@pytest.mark.parametrize(("recorded", "flags"), [("emulators", []), ("platforms", ["--x-base-url", "http://127.0.0.1:1"])])
def test_synthetic_and_real_data_never_meet(tmp_path: Path, recorded: str, flags: list[str]) -> None:
    Lake(tmp_path).record_origin("sample", recorded)
    other = "platforms" if recorded == "emulators" else "emulators"
    one_line(seula(tmp_path, "collect", "sample", *flags, env={**KEY, **TOKENS}),
             rf"^error: engagement 'sample' holds data collected from the {recorded}; collecting from the {other}")
    no_prefect_run(tmp_path)


def trial_engagement(folder: Path) -> None:
    """A copy of the sample with other searches, as an analyst would start one."""
    folder.mkdir()
    text = (SAMPLE / "engagement.yaml").read_text(encoding="utf-8")
    text = text.replace("id: sample", "id: trial").replace('"#vaalit OR #eduskunta OR #kuntavaalit"', '"#kuntavaalit"')
    text = text.replace('"#ilmasto OR #climate OR ilmasto OR climate"', '"#climate OR climate"')
    (folder / "trial.yaml").write_text(text, encoding="utf-8")
    (folder / "candidates.csv").write_bytes((SAMPLE / "candidates.csv").read_bytes())


@pytest.mark.slow
def test_a_new_engagement_collected_on_the_emulators_and_reported(tmp_path: Path) -> None:
    trial_engagement(tmp_path / "engagements")
    env = {**KEY, "SEULA_ENGAGEMENTS": str(tmp_path / "engagements")}
    home = tmp_path / "home"
    collected = seula(home, "collect", "trial", "--emulate", env=env)
    assert collected.returncode == 0, collected.stderr
    assert re.search(r"\d+ new posts", collected.stdout)
    # Quiet by default: neither Prefect's INFO lines nor a temporary server's address reach the terminal.
    assert "INFO" not in collected.stderr and "temporary server" not in collected.stderr, collected.stderr
    reported = seula(home, "report", "trial", env=env)
    assert reported.returncode == 0, reported.stderr
    html = Path(reported.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    assert "#kuntavaalit" in html and "#vaalit OR" not in html
    verbose = seula(home, "-v", "analyse", "trial", env=env)
    assert verbose.returncode == 0 and "INFO" in verbose.stderr


def test_an_emulator_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        one_line(seula(tmp_path, "emulator", "--x-port", port, "--fb-port", "0", timeout=120),
                 rf"^error: cannot listen on port {port} or 0 \(Address already in use\)")
