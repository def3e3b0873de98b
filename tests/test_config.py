from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from seula.flows import config
from seula.flows.cli import app

SAMPLE = config.BUNDLED / "sample" / "engagement.yaml"


def write(folder: Path, data: dict, name: str = "bad") -> Path:
    path = folder / "engagements" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def sample_data(**changes: object) -> dict:
    data = yaml.safe_load(SAMPLE.read_text())
    data.update(changes)
    return data


def test_bundled_sample_is_valid() -> None:
    eng = config.load("sample")
    assert eng.purpose is config.Purpose.research
    assert "ainovirtanen" in eng.platforms.x.accounts  # type: ignore[union-attr]


def test_small_cells_default_to_five_people_and_never_below_three() -> None:
    assert config.Report().min_cell == 5
    with pytest.raises(ValueError):
        config.Report(min_cell=2)


def test_missing_field_is_one_line(home: Path) -> None:
    data = sample_data(id="bad")
    del data["client"]
    write(home, data)
    with pytest.raises(config.ConfigError) as exc:
        config.load("bad")
    assert str(exc.value).endswith("bad.yaml: client: Field required")


def test_wrong_type_is_one_line(home: Path) -> None:
    data = sample_data(id="bad", retention_days_after_end="a year")
    write(home, data)
    with pytest.raises(config.ConfigError, match=r"retention_days_after_end: Input should be a valid integer"):
        config.load("bad")


def test_unknown_engagement(home: Path) -> None:
    with pytest.raises(config.ConfigError, match="unknown engagement 'nope'"):
        config.load("nope")


def test_cli_reports_bad_config_in_one_line_and_fails(home: Path) -> None:
    data = sample_data(id="bad", purpose="espionage")
    write(home, data)
    result = CliRunner().invoke(app, ["collect", "bad"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "purpose: Input should be 'research', 'statistics' or 'marketing'" in lines[0]
    listing = CliRunner().invoke(app, ["engagements"])
    assert listing.exit_code == 1 and "sample" in listing.output


def test_end_before_start_and_not_yaml(home: Path) -> None:
    write(home, sample_data(id="bad", start="2026-12-01", end="2026-01-01"))
    with pytest.raises(config.ConfigError, match="end is before start"):
        config.load("bad")
    (home / "engagements" / "bad.yaml").write_text("id: [unclosed")
    with pytest.raises(config.ConfigError, match="not valid YAML at line"):
        config.load("bad")


def test_the_listing_names_every_error_of_every_file_without_a_traceback(home: Path) -> None:
    (home / "engagements").mkdir()
    impossible = SAMPLE.read_text().replace("start: 2026-09-01", "start: 2026-02-30")
    (home / "engagements" / "feb.yaml").write_text(impossible.replace("id: sample", "id: feb"))
    write(home, sample_data(id="wrong", client=5, purpose="spying"), name="two")
    listing = CliRunner().invoke(app, ["engagements"])
    assert listing.exit_code == 1 and "Traceback" not in listing.output
    errors = [line for line in listing.stderr.splitlines() if line.startswith("error:")]
    assert [e.split(": ", 2)[2] for e in errors] == [
        "start: Input should be a valid date or datetime, day value is outside expected range",
        "id: is 'wrong', but the file's name says 'two'",
        "client: Input should be a valid string",
        "purpose: Input should be 'research', 'statistics' or 'marketing'"]
    assert "feb.yaml" in errors[0] and all("two.yaml" in e for e in errors[1:])
    result = CliRunner().invoke(app, ["analyse", "two"])
    assert result.exit_code == 1 and "id: is 'wrong'" in result.stderr and "(and" not in result.stderr
