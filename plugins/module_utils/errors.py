# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors of the collection, one family, and how a failed call to ECR is put in words.

Every layer raises these (or lets botocore's errors through, which only the AWS layer produces); the
module ends on them in ``module.conclude``.
"""

from __future__ import annotations

try:
    import botocore.exceptions

    # every error of a boto call: AWS's refusals and botocore's own failures (for a catch-all outside ``_aws``)
    AWS_ERRORS: tuple[type[Exception], ...] = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:
    AWS_ERRORS = ()  # AnsibleAWSModule reports the missing library


class StowageError(ValueError):
    """The base of the collection's errors."""


class InputError(StowageError):
    """Input that ECR would refuse, found before any call."""


class PolicyError(StowageError):
    """A lifecycle policy that ECR would refuse (or that cannot be read)."""


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
