"""UsageApi on Stubber: where ECS and Lambda are read (a region, a profile, an assumed role) and what is read."""

from __future__ import annotations

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.stowage.ecr.plugins.module_utils._aws.usage import SESSION_NAME, UsageApi, place_of


class PlaceModule:
    """A module whose clients record the place they were made for."""

    def __init__(self, stubbed):
        self.stubbed = stubbed
        self.places: list[tuple[str, dict[str, Any]]] = []

    def client(self, service: str, retry_decorator: Any = None, config: Any = None, **place: Any) -> Any:
        self.places.append((service, place))
        return RetryingBotoClientWrapper(self.stubbed.client(service), retry_decorator)


def test_a_profile_replaces_the_task_credentials(stubbed):
    place = place_of(PlaceModule(stubbed), "eu-west-1", profile="audit")
    assert place == {"region": "eu-west-1", "profile_name": "audit", "aws_access_key_id": None, "aws_secret_access_key": None, "aws_session_token": None}


def test_an_assumed_role_gives_its_credentials(stubbed):
    module = PlaceModule(stubbed)
    role = "arn:aws:iam::210987654321:role/reader"
    credentials = {"AccessKeyId": "AKIAEXAMPLEEXAMPLE01", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-01-01T00:00:00Z"}
    stubbed.stub("sts").add_response("assume_role", {"Credentials": credentials}, {"RoleArn": role, "RoleSessionName": SESSION_NAME})
    place = place_of(module, "us-east-1", assume_role_arn=role)
    assert place == {"region": "us-east-1", "aws_access_key_id": "AKIAEXAMPLEEXAMPLE01", "aws_secret_access_key": "s", "aws_session_token": "t"}
    assert module.places == [("sts", {"region": "us-east-1"})]


def test_tasks_are_described_100_a_call(stubbed):
    module = PlaceModule(stubbed)
    ecs = stubbed.stub("ecs")
    arns = ["arn:aws:ecs:us-east-1:123456789012:task/c/%d" % n for n in range(150)]
    ecs.add_response("list_clusters", {"clusterArns": ["c"]}, {})
    ecs.add_response("list_tasks", {"taskArns": arns}, {"cluster": "c", "desiredStatus": "RUNNING"})
    for batch in (arns[:100], arns[100:]):
        ecs.add_response("describe_tasks", {"tasks": [{"taskArn": a} for a in batch]}, {"cluster": "c", "tasks": batch})
    usage = UsageApi(module, {"region": "us-east-1"})
    assert [t["taskArn"] for t in usage.running_tasks()] == arns
    assert module.places == [("ecs", {"region": "us-east-1"})]
