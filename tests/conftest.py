"""Test settings: one data folder and one Prefect home per test session, nothing on the network.

Prefect reads its settings at import and starts one temporary API server per process, so
both folders are fixed here, before anything imports Prefect.
"""

import logging
import os
import tempfile
from pathlib import Path

SESSION_HOME = Path(tempfile.mkdtemp(prefix="seula-test-home-"))
os.environ["SEULA_HOME"] = str(SESSION_HOME)
os.environ["PREFECT_HOME"] = str(SESSION_HOME / "prefect")
os.environ.pop("SEULA_MASTER_KEY", None)
os.environ.pop("SEULA_X_BEARER_TOKEN", None)
os.environ.pop("PREFECT_API_URL", None)
# Names without a model, unless a test asks for the model route (tests/test_model_names.py, the
# formats import, the demo): loading it in each of the suite's many subprocesses (kills,
# reruns; they keep this setting) costs minutes.
os.environ["SEULA_SPACY_MODELS"] = "blank"

import pytest  # noqa: E402

from seula.privacy.pseudonyms import Pseudonymiser  # noqa: E402


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder for tests that do not need the session's demo run."""
    monkeypatch.setenv("SEULA_HOME", str(tmp_path))
    monkeypatch.setenv("SEULA_MASTER_KEY", "test-master-key-" + "x" * 32)
    return tmp_path


@pytest.fixture
def pseudo() -> Pseudonymiser:
    return Pseudonymiser(b"k" * 32)


def pytest_unconfigure(config: pytest.Config) -> None:
    # Prefect stops its temporary server from an exit handler, after pytest has closed the
    # stream Prefect's console handler writes to: that last INFO line is dropped quietly
    # instead of printing a logging traceback under the results.
    logging.raiseExceptions = False
