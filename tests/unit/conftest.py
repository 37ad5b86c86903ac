"""The flows on real boto3 clients whose calls botocore's Stubber answers, against the services' models.

``stubbed`` gives a Stubbed: ``stubbed.ecr`` (and ``stubbed.stub("sts")``, ...) are the Stubbers of real clients
(us-east-1, dummy keys); ``stubbed.module(check_mode=..., **params)`` is a module object that the flows and
``EcrApi(module)`` take, whose ``client(service, ...)`` returns the stubbed client of that service with the
retry wrapper amazon.aws gives. At the end of the test every stubbed response must have been asked for.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

REGION = "us-east-1"
ACCOUNT = "123456789012"


class StubModule:
    """What the flows use of an AnsibleAWSModule: params, check_mode, warn, no_log_values and client()."""

    def __init__(self, stubbed: Stubbed, check_mode: bool = False, **params: Any):
        self.stubbed = stubbed
        self.params = params
        self.check_mode = check_mode
        self._diff = False
        self.warnings: list[str] = []
        self.no_log_values: set[str] = set()

    def client(self, service: str, retry_decorator: Any = None, config: Any = None) -> Any:
        return RetryingBotoClientWrapper(self.stubbed.client(service), retry_decorator)

    def warn(self, text: str) -> None:
        self.warnings.append(text)


class Stubbed:
    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubbers: dict[str, Stubber] = {}

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
            self.stubbers[service] = Stubber(self.clients[service])
            self.stubbers[service].activate()
        return self.clients[service]

    def stub(self, service: str) -> Stubber:
        self.client(service)
        return self.stubbers[service]

    @property
    def ecr(self) -> Stubber:
        return self.stub("ecr")

    def module(self, check_mode: bool = False, **params: Any) -> StubModule:
        return StubModule(self, check_mode=check_mode, **params)

    def close(self) -> None:
        for stubber in self.stubbers.values():
            stubber.deactivate()


@pytest.fixture()
def stubbed():
    found = Stubbed()
    try:
        yield found
        for stubber in found.stubbers.values():
            stubber.assert_no_pending_responses()
    finally:
        found.close()


class Clock:
    """A clock for the waits of polls and scans: ``sleep`` moves it on and records each wait."""

    def __init__(self):
        self.now = 0.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now
