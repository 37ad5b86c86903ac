"""module.conclude: how a module ends, whatever its work raised."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from ansible_collections.stowage.ecr.plugins.module_utils.image_api import ImageCallFailed, ScanFailed
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude
from ansible_collections.stowage.ecr.plugins.module_utils.validation import InputError


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
