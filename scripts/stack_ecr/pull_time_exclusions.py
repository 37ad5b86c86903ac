"""RegisterPullTimeUpdateExclusion, DeregisterPullTimeUpdateExclusion and ListPullTimeUpdateExclusions."""

from __future__ import annotations

from .model import EcrError, ValidationException, now, operation, state

# the output shape's list holds at most this many ARNs a page, whatever maxResults asks for
PAGE_MAX = 100


def _exclusions(backend) -> dict:
    return state(backend, "pull_time_update_exclusions")


@operation("RegisterPullTimeUpdateExclusion")
def register_pull_time_update_exclusion(backend, params, account, region):
    arn = params["principalArn"]
    exclusions = _exclusions(backend)
    if arn in exclusions:
        raise EcrError(
            "ExclusionAlreadyExistsException", "The principal '%s' is already excluded from pull time updates in the registry with id '%s'" % (arn, account)
        )
    exclusions[arn] = now()
    return {"principalArn": arn, "createdAt": exclusions[arn]}


@operation("DeregisterPullTimeUpdateExclusion")
def deregister_pull_time_update_exclusion(backend, params, account, region):
    arn = params["principalArn"]
    exclusions = _exclusions(backend)
    if arn not in exclusions:
        raise EcrError("ExclusionNotFoundException", "The principal '%s' is not excluded from pull time updates in the registry with id '%s'" % (arn, account))
    del exclusions[arn]
    return {"principalArn": arn}


@operation("ListPullTimeUpdateExclusions")
def list_pull_time_update_exclusions(backend, params, account, region):
    arns = list(_exclusions(backend))
    size = min(params.get("maxResults") or PAGE_MAX, PAGE_MAX)
    token = params.get("nextToken")
    start = 0
    if token is not None:
        if not token.isdigit() or int(token) > len(arns):
            raise ValidationException("Invalid nextToken")
        start = int(token)
    page = {"pullTimeUpdateExclusions": arns[start : start + size]}
    if start + size < len(arns):
        page["nextToken"] = str(start + size)
    return page
