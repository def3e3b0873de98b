"""``seula --version`` (issue 15): the installed package's version, and nothing else runs."""

from importlib.metadata import version

from typer.testing import CliRunner

from seula.flows.cli import app


def test_version_prints_the_installed_version_and_exits() -> None:
    run = CliRunner().invoke(app, ["--version"])
    assert run.exit_code == 0 and run.stdout.strip() == f"seula {version('seula')}"
