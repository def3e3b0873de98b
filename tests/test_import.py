"""`seula import`: twarc2-style archives go through the sieve; idempotent; bad lines reported."""

import json
from pathlib import Path

import requests
from typer.testing import CliRunner

from seula.emulators.x.emulator import XEmulator
from seula.collectors.x.normalise import EXPANSIONS, TWEET_FIELDS, USER_FIELDS
from seula.flows.cli import app
from seula.lake.store import Lake


def archive(path: Path) -> int:
    """Pages as twarc2 writes them: one whole API response per line (fetched from the emulator)."""
    pages, token = [], None
    with XEmulator() as emu:
        while True:
            params = {"query": "#vaalit", "max_results": 100, "expansions": ",".join(EXPANSIONS),
                      "tweet.fields": ",".join(TWEET_FIELDS), "user.fields": ",".join(USER_FIELDS)}
            if token:
                params["next_token"] = token
            page = requests.get(f"{emu.base_url}/2/tweets/search/recent", params=params,
                                headers={"Authorization": "Bearer seula-demo-token"}, timeout=10).json()
            pages.append(page)
            token = page.get("meta", {}).get("next_token")
            if not token:
                break
    path.write_text("\n".join(json.dumps(p) for p in pages) + "\n")
    return sum(len(p.get("data", [])) for p in pages)


def test_import_is_idempotent_and_sieved(home: Path) -> None:
    source = home / "vaalit.jsonl"
    posts = archive(source)
    runner = CliRunner()
    first = runner.invoke(app, ["import", "sample", str(source)])
    assert first.exit_code == 0, first.output
    assert Lake(home).read("sample", "posts").num_rows == posts
    again = runner.invoke(app, ["import", "sample", str(source)])
    assert again.exit_code == 0 and "nothing new" in again.output
    assert Lake(home).read("sample", "posts").num_rows == posts
    stored = repr(Lake(home).read("sample", "posts").to_pylist())
    raw = json.loads(source.read_text().splitlines()[0])
    assert raw["data"][0]["id"] not in stored


def test_bad_lines_are_reported_and_good_ones_kept(home: Path) -> None:
    source = home / "mixed.jsonl"
    archive(source)
    lines = source.read_text().splitlines()
    source.write_text("\n".join([lines[0], "{broken", '{"data": [{"id": "x1"}]}', *lines[1:]]) + "\n")
    out = CliRunner().invoke(app, ["import", "sample", str(source)])
    assert out.exit_code == 1
    assert "mixed.jsonl:2: not valid JSON" in out.output and "mixed.jsonl:3: data[0].id: not an X id" in out.output
    assert Lake(home).read("sample", "posts").num_rows > 0
