"""X's batch compliance: which of the stored tweets and users were deleted, protected,
suspended or deactivated since they were collected (X's developer terms require removing them).

A job is created through tweepy, the ids are uploaded to the job's pre-signed URL, the job is
polled until X has answered, and the answer (JSON Lines, as ``collectors.x.files`` reads
compliance files) is downloaded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Literal

import requests

from seula.collectors.payload import PayloadError
from seula.collectors.x import files
from seula.collectors.http import CollectorError, MalformedResponse
from seula.collectors.x.api import XApi

Kind = Literal["tweets", "users"]
DONE = ("complete", "failed", "expired")


def check(api: XApi, kind: Kind, ids: list[str], poll_seconds: float = 5.0, timeout: float = 3600.0,
          sleep: Callable[[float], None] = time.sleep) -> list[files.Deletion]:
    """What X says of ``ids`` (tweet or user ids): every item it asks to have removed."""
    if not ids:
        return []
    job = _job(api.call("compliance_jobs", api.client.create_compliance_job, type=kind))
    _transfer(api, "PUT", job["upload_url"], "\n".join(ids).encode())
    waited = 0.0
    while job["status"] not in DONE:
        if waited >= timeout:
            raise CollectorError(f"compliance job: no answer from X after {timeout:.0f} s; run it again later")
        sleep(poll_seconds)
        waited += poll_seconds
        job = _job(api.call("compliance_job", api.client.get_compliance_job, job["id"]))
    if job["status"] != "complete":
        raise CollectorError(f"compliance job: X reports it {job['status']}; run it again")
    answer = _transfer(api, "GET", job["download_url"])
    found = []
    for number, line in enumerate(answer.splitlines(), start=1):
        if line.strip():
            try:
                found.append(files.deletion(json.loads(line)))
            except (json.JSONDecodeError, PayloadError):
                raise MalformedResponse(f"compliance job: line {number} of X's answer is not a compliance item",
                                        answer) from None
    return found


def _job(payload: dict) -> dict:
    job = payload.get("data")
    if not isinstance(job, dict) or not all(isinstance(job.get(k), str) for k in ("id", "status", "upload_url",
                                                                                    "download_url")):
        raise MalformedResponse("compliance job: X's answer lacks the job's id, status or URLs", json.dumps(payload))
    return job


def _transfer(api: XApi, method: str, url: str, body: bytes | None = None) -> str:
    """The upload or download of a job's ids: pre-signed URLs, outside the API's own host."""
    try:
        response = api.client.session.request(method, url, data=body, timeout=120,
                                              headers={"Content-Type": "text/plain"} if body is not None else {})
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise CollectorError(f"compliance job: the {'upload' if body else 'download'} failed ({type(exc).__name__}); "
                             "run it again") from None
    if response.status_code != 200:
        raise CollectorError(f"compliance job: the {'upload' if body else 'download'} was refused "
                             f"(HTTP {response.status_code}); run it again")
    return response.text
