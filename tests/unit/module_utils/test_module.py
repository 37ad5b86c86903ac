"""module.conclude: how a module ends, whatever its work raised."""

from __future__ import annotations

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from ansible_collections.stowage.ecr.plugins.module_utils.errors import (
    ImageCallFailed,
    InputError,
    LoginError,
    LookupFailed,
    PartialFailure,
    PolicyError,
    PreviewFailed,
    RecreateFailed,
    ResultFailed,
    ScanFailed,
    SectionError,
)
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


def end(work, diff=False):
    module = FakeModule(diff)
    with pytest.raises(Ended):
        conclude(module, work, "ECR refused")
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
    kind, kwargs = end(raising(ImageCallFailed("ECR refused to delete sha256:ab (repository app)", failures)))
    assert kind == "fail" and kwargs == {"msg": "ECR refused to delete sha256:ab (repository app)", "failures": failures}
    kind, kwargs = end(raising(ScanFailed("findings at or above HIGH", result={"image_digest": "sha256:ab"})))
    assert kind == "fail" and kwargs == {"msg": "findings at or above HIGH", "image_digest": "sha256:ab"}


def test_every_error_of_the_family_ends_the_module():
    for error in (PolicyError("rules: bad"), LoginError("registry x refused the login"), PreviewFailed("preview ended FAILED"), SectionError("X", "x")):
        assert end(raising(error))[0] == "fail", error
        assert isinstance(error, AnsibleAWSError)


def test_an_error_with_the_boto_error_keeps_its_code():
    cause = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeKey")
    error = LookupFailed("kms_key: could not look up 'alias/x' with KMS DescribeKey", cause)
    assert str(error) == "kms_key: could not look up 'alias/x' with KMS DescribeKey"  # the message alone
    kind, kwargs = end(raising(error))
    assert kind == "fail_aws" and kwargs == {"msg": str(error), "error": cause}
    kind, kwargs = end(raising(RecreateFailed("the old rule was put back", cause)))
    assert kind == "fail_aws" and kwargs == {"msg": "the old rule was put back", "error": cause}


def test_a_partial_failure_carries_what_was_done():
    cause = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutImage")
    done = {"changed": True, "actions": [{"action": "tag", "image_tag": "v1"}], "diff": {"before": {}, "after": {"a": 1}}}
    # a refused call after some writes: the refused wording, the code, and what was done (its diff in diff mode only)
    kind, kwargs = end(raising(PartialFailure(cause, done)))
    assert kind == "fail_aws" and kwargs == {"msg": "ECR refused", "error": cause, "changed": True, "actions": done["actions"]}
    kind, kwargs = end(raising(PartialFailure(cause, dict(done))), diff=True)
    assert kwargs["diff"] == {"before": {}, "after": {"a": 1}}
    # a failure of the collection's own after some writes: its message and result, with what was done
    failures = [{"imageId": {"imageDigest": "sha256:ab"}, "failureCode": "ImageReferencedByManifestList"}]
    kind, kwargs = end(raising(PartialFailure(ImageCallFailed("ECR refused to delete sha256:ab", failures), {"changed": True})))
    assert kind == "fail" and kwargs == {"msg": "ECR refused to delete sha256:ab", "failures": failures, "changed": True}
    # ECR did not answer: worded as such
    lost = EndpointConnectionError(endpoint_url="https://ecr.eu-west-1.amazonaws.com/")
    kind, kwargs = end(raising(PartialFailure(lost, {"changed": True})))
    assert kind == "fail_aws" and kwargs["msg"].startswith("ECR did not answer") and kwargs["changed"] is True


def test_a_failed_result_is_returned_whole():
    kind, kwargs = end(raising(ResultFailed("2 of 3 repositories failed", result={"changed": True, "repositories": [1, 2, 3], "diff": [1]})))
    assert kind == "fail" and kwargs == {"msg": "2 of 3 repositories failed", "changed": True, "repositories": [1, 2, 3]}


def test_aws_refusals_keep_their_code():
    error = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutImage")
    kind, kwargs = end(raising(error))
    assert kind == "fail_aws" and kwargs["error"] is error and kwargs["msg"] == "ECR refused"


def test_any_other_exception_is_not_swallowed():
    with pytest.raises(KeyError):
        conclude(FakeModule(), raising(KeyError("x")), "ECR refused")


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
