"""module.conclude: how a module ends, whatever its work raised."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import known_regions
from ansible_collections.stowage.ecr.plugins.module_utils._checks.region import region_problem
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import InputError
from ansible_collections.stowage.ecr.plugins.module_utils._flows.images import ImageCallFailed, ScanFailed
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, failure_message


class Ended(Exception):
    pass


class FakeModule:
    """Records how the module ended (exit_json, fail_json or fail_json_aws), as AnsibleAWSModule would."""

    def __init__(self, diff: bool = False):
        self._diff = diff
        self.ended: tuple = ()

    def exit_json(self, **kwargs):
        self.ended = ("exit", kwargs)
        raise Ended

    def fail_json(self, **kwargs):
        self.ended = ("fail", kwargs)
        raise Ended

    def fail_json_aws(self, error, **kwargs):
        self.ended = ("fail_aws", dict(kwargs, error=error))
        raise Ended


def end(work, diff=False, failures=()):
    module = FakeModule(diff)
    with pytest.raises(Ended):
        conclude(module, work, "ECR refused", failures=failures)
    return module.ended


def raising(error):
    def work():
        raise error

    return work


def test_the_diff_only_in_diff_mode():
    assert end(lambda: {"changed": True, "diff": {"before": 1}}) == ("exit", {"changed": True})
    assert end(lambda: {"changed": True, "diff": {"before": 1}}, diff=True) == ("exit", {"changed": True, "diff": {"before": 1}})


def test_checked_input_fails_with_its_message():
    assert end(raising(InputError("tags: bad"))) == ("fail", {"msg": "tags: bad"})


def test_a_modules_own_failure_carries_its_result():
    failures = [{"imageId": {"imageDigest": "sha256:ab"}, "failureCode": "ImageReferencedByManifestList"}]
    kind, kwargs = end(raising(ImageCallFailed("ECR refused to delete sha256:ab (repository app)", failures)), failures=(ImageCallFailed,))
    assert kind == "fail" and kwargs == {"msg": "ECR refused to delete sha256:ab (repository app)", "failures": failures}
    kind, kwargs = end(raising(ScanFailed("findings at or above HIGH", {"image_digest": "sha256:ab"})), failures=(ScanFailed,))
    assert kind == "fail" and kwargs == {"msg": "findings at or above HIGH", "image_digest": "sha256:ab"}


def test_aws_refusals_keep_their_code():
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutImage")
    kind, kwargs = end(raising(error))
    assert kind == "fail_aws" and kwargs["error"] is error and kwargs["msg"] == "ECR refused"


def test_an_unlisted_failure_is_not_swallowed():
    with pytest.raises(ScanFailed):
        conclude(FakeModule(), raising(ScanFailed("x", {})), "ECR refused")


def server_error(status, attempts):
    response = {"Error": {"Code": "InternalFailure", "Message": "boom"}, "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": attempts - 1}}
    return ClientError(response, "DescribeRepositories")


def test_an_unanswered_call_is_not_called_refused():
    refused = "ECR refused a call for repository app"
    assert failure_message(server_error(500, 10), refused) == "ECR did not answer a call for repository app (HTTP 500 on each of 10 attempts)"
    assert failure_message(server_error(503, 1), refused).endswith("(HTTP 503 on each of 1 attempts)")
    lost = EndpointConnectionError(endpoint_url="https://ecr.eu-west-1.amazonaws.com/")
    assert failure_message(lost, refused) == "ECR did not answer a call for repository app (no answer on any of botocore's attempts)"
    # ECR's own refusals, and failures before any call, keep the message they had
    denied = ClientError({"Error": {"Code": "AccessDeniedException"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "CreateRepository")
    assert failure_message(denied, refused) == refused
    assert failure_message(NoCredentialsError(), refused) == refused
    # conclude words it the same way
    kind, kwargs = end(raising(server_error(500, 10)))
    assert kind == "fail_aws" and kwargs["msg"].startswith("ECR did not answer")


def test_region_names():
    known = known_regions()
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"} <= set(known)
    assert region_problem("eu-west-1", known) == (None, None)
    assert region_problem(None, known) == (None, None)
    for bad, fragment in (("eu-wst-1", "did you mean eu-west-1"), ("not a region", "not an AWS region"), ("", "not an AWS region"), ("eu-west", "eu-west-1")):
        error, warning = region_problem(bad, known)
        assert error and error.startswith("region: ") and fragment in error and "for example eu-west-1" in error and warning is None, bad
    assert "us-east-1" in region_problem("nowhere", known)[0]
    # well formed, and not listed by this botocore: AWS adds regions, so a warning only
    for new in ("ap-southeast-9", "eu-central-3", "zz-west-1"):
        error, warning = region_problem(new, known)
        assert error is None and warning.startswith("region: %s is not among the regions botocore" % new), new
