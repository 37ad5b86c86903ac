"""Create/Update/Delete/DescribeRepositoryCreationTemplate(s).

What is emulated, as the ECR API Reference describes AWS:

- one template per prefix in the caller's registry (TemplateAlreadyExistsException,
  TemplateNotFoundException); ``ROOT`` is a prefix like the others;
- ``appliedFor`` needs one scenario or more at create; exclusion filters go with the *_WITH_EXCLUSION
  mutabilities only (and those need them); ``kmsKey`` with the KMS encryption types only; the
  repository and lifecycle policies must be JSON objects; tag keys starting with ``aws:`` are
  refused (InvalidParameterException);
- UpdateRepositoryCreationTemplate takes the whole template: a field the request leaves out is reset
  (``imageTagMutability`` to MUTABLE, as the API Reference says, the others to none), except
  ``appliedFor``, which is kept. This is the strict reading of the API Reference, so that a client that
  relies on omitted fields being kept is caught here;
- Describe lists the templates of the given prefixes (unknown ones are left out, as AWS has no
  not-found error for it), 100 to a page unless maxResults says otherwise.
"""

from __future__ import annotations

import json

from .model import EcrError, now, operation, state

WITH_EXCLUSION = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
FIELDS = (
    "description",
    "encryptionConfiguration",
    "resourceTags",
    "imageTagMutability",
    "imageTagMutabilityExclusionFilters",
    "repositoryPolicy",
    "lifecyclePolicy",
    "appliedFor",
    "customRoleArn",
)


def _invalid(message: str) -> EcrError:
    return EcrError("InvalidParameterException", message)


def _templates(backend) -> dict:
    return state(backend, "repository_creation_templates")


def _check(params) -> None:
    applied = params.get("appliedFor")
    if applied is not None and not applied:
        raise _invalid("appliedFor must hold at least one of REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH")
    mutability = params.get("imageTagMutability") or "MUTABLE"
    filters = params.get("imageTagMutabilityExclusionFilters")
    if filters and mutability not in WITH_EXCLUSION:
        raise _invalid("imageTagMutabilityExclusionFilters can only be used with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION")
    if mutability in WITH_EXCLUSION and not filters:
        raise _invalid("imageTagMutability %s requires imageTagMutabilityExclusionFilters" % mutability)
    encryption = params.get("encryptionConfiguration")
    if encryption and encryption.get("kmsKey") and encryption["encryptionType"] not in ("KMS", "KMS_DSSE"):
        raise _invalid("kmsKey can only be specified with encryptionType KMS or KMS_DSSE")
    for field in ("repositoryPolicy", "lifecyclePolicy"):
        text = params.get(field)
        if text:
            try:
                doc = json.loads(text)
            except ValueError:
                doc = None
            if not isinstance(doc, dict):
                raise _invalid("Invalid parameter at '%s' failed to satisfy constraint: 'Invalid JSON syntax'" % field)
            if field == "lifecyclePolicy" and not isinstance(doc.get("rules"), list):
                raise _invalid("Invalid parameter at 'lifecyclePolicy' failed to satisfy constraint: 'Lifecycle policy has no rules'")
    for tag in params.get("resourceTags") or []:
        if tag["Key"].lower().startswith("aws:"):
            raise _invalid("Tag keys starting with 'aws:' are reserved: %s" % tag["Key"])


def _shown(template: dict) -> dict:
    """The template as AWS returns it: fields that are empty are left out."""
    return {k: v for k, v in template.items() if v not in (None, "", [])}


@operation("CreateRepositoryCreationTemplate")
def create_repository_creation_template(backend, params, account, region):
    _check(params)
    templates = _templates(backend)
    prefix = params["prefix"]
    if prefix in templates:
        raise EcrError(
            "TemplateAlreadyExistsException",
            "A repository creation template with the prefix '%s' already exists in the registry with id '%s'" % (prefix, account),
        )
    template = {"prefix": prefix, "imageTagMutability": "MUTABLE", "encryptionConfiguration": {"encryptionType": "AES256"}}
    template.update({k: params[k] for k in FIELDS if params.get(k) is not None})
    template["createdAt"] = template["updatedAt"] = now()
    templates[prefix] = template
    return {"registryId": account, "repositoryCreationTemplate": _shown(template)}


def _existing(backend, prefix: str, account: str) -> dict:
    template = _templates(backend).get(prefix)
    if template is None:
        raise EcrError(
            "TemplateNotFoundException", "The repository creation template with the prefix '%s' does not exist in the registry with id '%s'" % (prefix, account)
        )
    return template


@operation("UpdateRepositoryCreationTemplate")
def update_repository_creation_template(backend, params, account, region):
    template = _existing(backend, params["prefix"], account)
    _check(params)
    fresh = {
        "prefix": template["prefix"],
        "imageTagMutability": "MUTABLE",
        "encryptionConfiguration": {"encryptionType": "AES256"},
        "appliedFor": template.get("appliedFor"),
        "createdAt": template["createdAt"],
    }
    fresh.update({k: params[k] for k in FIELDS if params.get(k) is not None})
    fresh["updatedAt"] = now()
    template.clear()
    template.update(fresh)
    return {"registryId": account, "repositoryCreationTemplate": _shown(template)}


@operation("DeleteRepositoryCreationTemplate")
def delete_repository_creation_template(backend, params, account, region):
    template = _existing(backend, params["prefix"], account)
    del _templates(backend)[template["prefix"]]
    return {"registryId": account, "repositoryCreationTemplate": _shown(template)}


@operation("DescribeRepositoryCreationTemplates")
def describe_repository_creation_templates(backend, params, account, region):
    wanted = params.get("prefixes")
    found = [_shown(t) for prefix, t in sorted(_templates(backend).items()) if not wanted or prefix in wanted]
    start = int(params.get("nextToken") or 0)
    size = params.get("maxResults") or 100
    result = {"registryId": account, "repositoryCreationTemplates": found[start : start + size]}
    if start + size < len(found):
        result["nextToken"] = str(start + size)
    return result
