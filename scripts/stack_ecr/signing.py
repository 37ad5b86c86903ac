"""PutSigningConfiguration, GetSigningConfiguration and DeleteSigningConfiguration, and
DescribeImageSigningStatus.

What the stack relies on (the ECR API Reference's shape documentation in botocore's model):

- ``SigningRule``: "When an image is pushed to a matching repository, a signing job is created using the
  specified profile"; a rule without ``repositoryFilters`` signs every image of the registry; a
  ``WILDCARD_MATCH`` filter's ``*`` "matches any sequence of characters" of the repository name.
- ``DescribeImageSigningStatus``: "If the image matched signing rules that reference different signing
  profiles, a status is returned for each profile." A missing image is ``ImageNotFoundException``, a
  missing repository ``RepositoryNotFoundException``.

The stack signs at once and never fails: an image of a repository that a rule of the registry's signing
configuration matches has the status COMPLETE for that rule's profile (each profile once, in the rules'
order); no rule matching, or no configuration, is an empty ``signingStatuses``. The status follows the
configuration as it is now, not as it was at push, and no signature artifact is stored.
"""

from __future__ import annotations

import re

from .images import image_named
from .model import EcrError, operation, state


def _store(backend) -> dict:
    return state(backend, "signing")


def _not_found(account: str) -> EcrError:
    return EcrError("SigningConfigurationNotFoundException", "The signing configuration for the registry with id '%s' does not exist" % account)


@operation("PutSigningConfiguration")
def put_signing_configuration(backend, params, account, region):
    config = {"rules": params["signingConfiguration"]["rules"]}
    _store(backend)["configuration"] = config
    return {"signingConfiguration": config}


@operation("GetSigningConfiguration")
def get_signing_configuration(backend, params, account, region):
    config = _store(backend).get("configuration")
    if config is None:
        raise _not_found(account)
    return {"registryId": account, "signingConfiguration": config}


@operation("DeleteSigningConfiguration")
def delete_signing_configuration(backend, params, account, region):
    config = _store(backend).pop("configuration", None)
    if config is None:
        raise _not_found(account)
    return {"registryId": account, "signingConfiguration": config}


def _matches(pattern: str, repository: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), repository) is not None


def _signing_profiles(backend, repository: str) -> list:
    profiles = []
    for rule in (_store(backend).get("configuration") or {}).get("rules", []):
        filters = rule.get("repositoryFilters") or []
        if not filters or any(_matches(f["filter"], repository) for f in filters if f.get("filterType") == "WILDCARD_MATCH"):
            if rule["signingProfileArn"] not in profiles:
                profiles.append(rule["signingProfileArn"])
    return profiles


@operation("DescribeImageSigningStatus")
def describe_image_signing_status(backend, params, account, region):
    repository, image = image_named(backend, params)
    answered = {"imageDigest": image.get_image_digest()}
    if params["imageId"].get("imageTag"):
        answered["imageTag"] = params["imageId"]["imageTag"]
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "imageId": answered,
        "signingStatuses": [{"signingProfileArn": arn, "status": "COMPLETE"} for arn in _signing_profiles(backend, repository.name)],
    }
