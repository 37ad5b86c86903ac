# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors of the collection, one family, and how a failed call to ECR is put in words.

Every layer raises these (or lets botocore's errors through, which only the AWS layer produces); the
module ends on them in ``module.conclude``.
"""

from __future__ import annotations

from typing import Any

try:
    import botocore.exceptions

    # every error of a boto call: AWS's refusals and botocore's own failures (for a catch-all outside ``_aws``)
    AWS_ERRORS: tuple[type[Exception], ...] = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:
    AWS_ERRORS = ()  # AnsibleAWSModule reports the missing library

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class StowageError(AnsibleAWSError):
    """The base of the collection's errors: amazon.aws's AnsibleAWSError, whose ``exception`` is the boto
    error behind it (None for none), with ``result``: what the work did before it failed (a dict, {} for
    nothing), returned with the failure.

    ``str()`` is the message alone (AnsibleAWSError would add the boto error's text); an error without a
    message of its own is a refused call, which ``module.conclude`` puts in words.
    """

    def __init__(self, message: str | None = None, exception: BaseException | None = None, result: dict[str, Any] | None = None):
        super().__init__(message, exception)
        self.kwargs = dict(result or {})

    @property
    def result(self) -> dict[str, Any]:
        return self.kwargs

    def __str__(self) -> str:
        return self.message if self.message else str(self.exception or "")


class InputError(StowageError):
    """Input that ECR would refuse, found before any call."""


class PolicyError(StowageError):
    """A lifecycle policy that ECR would refuse (or that cannot be read)."""


class LookupFailed(StowageError):
    """An AWS call that checks an option failed; the message names the option, ``exception`` is the boto error."""


class LoginError(StowageError):
    """The registry refused the credentials, or could not be asked. The message holds no secret."""


class PreviewFailed(StowageError):
    """AWS's preview did not complete (FAILED, EXPIRED, or not within the wait)."""


class SectionError(StowageError):
    """A section of the registry the caller cannot read: ``code`` is AWS's error code."""

    def __init__(self, code: str, message: str, exception: BaseException | None = None):
        super().__init__(message, exception)
        self.code = code


class ImageCallFailed(StowageError):
    """ECR answered a batch call with failures for some images (BatchGetImage, BatchDeleteImage); ``result``
    holds them (``failures``) for the module's result."""

    def __init__(self, message: str, failures: list[dict[str, Any]]):
        super().__init__(message, result={"failures": failures})
        self.failures = failures


class BlobReadFailed(StowageError):
    """A layer could not be read from the download URL ECR gave for it, or its bytes are not its digest. The
    message holds no URL (a pre-signed URL is a credential)."""


class ScanFailed(StowageError):
    """The scan did not give a result (failed, unsupported, timed out), or its findings fail the gate;
    ``result`` is the module's result so far."""


class RecreateFailed(StowageError):
    """The create of a re-create failed; ``exception`` is the boto error, the message says whether the old
    rule is back."""


class ResultFailed(StowageError):
    """The work was done, and its result fails the task as the task asked (fail_on_invalid,
    fail_on_section_error, items that failed); ``result`` is the whole result."""


class PartialFailure(StowageError):
    """A failure after some writes: ``result`` holds what was done (``changed``, and what changed);
    ``exception`` is the boto error that stopped the work, or the collection's error, whose message and
    result it takes on."""

    def __init__(self, error: BaseException, result: dict[str, Any]):
        if isinstance(error, StowageError):
            super().__init__(error.message, error.exception, dict(error.result, **result))
        else:
            super().__init__(None, error, result)


REFUSED = "ECR refused "
# the failures of a call that never got an answer from ECR (connection refused or reset, timeouts, DNS)
TRANSPORT_ERRORS = ("ConnectionError", "HTTPClientError")


def unanswered(error: Exception) -> str | None:
    """What became of a call ECR did not answer (a 5xx status or a transport failure, after botocore's
    retries), or None when ECR answered with a refusal of its own."""
    if isinstance(error, botocore.exceptions.ClientError):
        meta = error.response.get("ResponseMetadata") or {}
        status = meta.get("HTTPStatusCode")
        if not isinstance(status, int) or status < 500:
            return None
        return "HTTP %d on each of %d attempts" % (status, int(meta.get("RetryAttempts") or 0) + 1)
    if any(isinstance(error, getattr(botocore.exceptions, name)) for name in TRANSPORT_ERRORS):
        return "no answer on any of botocore's attempts"
    return None


def failure_message(error: Exception, refused: str) -> str:
    """``refused`` ("ECR refused a call for ...") for a refusal; "ECR did not answer a call for ..." with
    the status and the attempts spent when ECR never answered the call."""
    lost = unanswered(error)
    if lost is None:
        return refused
    what = refused[len(REFUSED) :] if refused.startswith(REFUSED) else refused
    return "ECR did not answer %s (%s)" % (what, lost)
