"""Real boto3 clients under botocore's Stubber, handed out by a tiny stand-in for AnsibleAWSModule."""

from __future__ import annotations

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

SERVICES = ("ecr", "kms", "sts")


class FakeModule:
    """``client()`` as AnsibleAWSModule gives it: the service's client wrapped with the retry decorator."""

    def __init__(self, clients):
        self.clients = clients
        self.made = []

    def client(self, service, retry_decorator=None, config=None):
        self.made.append(service)
        return RetryingBotoClientWrapper(self.clients[service], retry_decorator)


@pytest.fixture()
def stubs():
    """(module, {service: Stubber}); every queued answer must have been asked for."""
    clients = {service: boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x") for service in SERVICES}
    stubbers = {service: Stubber(client) for service, client in clients.items()}
    for stubber in stubbers.values():
        stubber.activate()
    yield FakeModule(clients), stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


@pytest.fixture()
def retry_sleeps(monkeypatch):
    """The waits of AWSRetry's retries, recorded instead of slept."""
    slept = []
    monkeypatch.setattr(cloud.time, "sleep", slept.append)
    return slept
