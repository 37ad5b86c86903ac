# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local checks of ECR input, made before any API call. Pure functions, unit-tested.

Each check returns None when the value is fine and raises InputError with a message that
names the option, says what is wrong with the value and what ECR accepts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ansible_collections.stowage.ecr.plugins.module_utils._spec.settings import KMS_ENCRYPTION_TYPES, WITH_EXCLUSION
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, StowageError

# The repositoryName pattern of the ECR API model, matched in full.
REPOSITORY_NAME_RE = re.compile(r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*")
REPOSITORY_NAME_MIN = 2
REPOSITORY_NAME_MAX = 256
REGISTRY_ID_RE = re.compile(r"[0-9]{12}")
EXCLUSION_FILTER_RE = re.compile(r"[0-9a-zA-Z._*-]{1,128}")
EXCLUSION_FILTERS_MAX = 5
# a docker tag: what `docker tag` accepts (ECR itself takes up to 300 characters)
IMAGE_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAGS_MAX = 50
REPOSITORY_POLICY_MAX = 10240

# ECR encrypts with this AWS managed key when a KMS repository is created without a key
MANAGED_KMS_ALIAS = "alias/aws/ecr"


def check_repository_name(name: Any, option: str = "name") -> None:
    if not isinstance(name, str) or not name:
        raise InputError("%s: a repository name is required, a string of %d to %d characters" % (option, REPOSITORY_NAME_MIN, REPOSITORY_NAME_MAX))
    check_length(name, option, REPOSITORY_NAME_MIN, REPOSITORY_NAME_MAX)
    if not REPOSITORY_NAME_RE.fullmatch(name):
        raise InputError(
            "%s: %r is not a valid repository name; use lowercase letters and digits, separated by '.', '_', '__' or '-' "
            "within a part and by '/' between parts, starting and ending with a letter or digit (for example team/app-api)" % (option, _short(name))
        )


def check_registry_id(registry_id: Any, option: str = "registry_id") -> None:
    if registry_id is None:
        return
    if not isinstance(registry_id, str) or not REGISTRY_ID_RE.fullmatch(registry_id):
        raise InputError("%s: %r is not a registry id; give the 12-digit AWS account id that owns the registry" % (option, registry_id))


def check_exclusion_filters(filters: list[Any] | None, option: str = "image_tag_mutability_exclusion_filters") -> None:
    if filters is None:
        return
    if not 1 <= len(filters) <= EXCLUSION_FILTERS_MAX:
        raise InputError("%s: give 1 to %d filters, got %d" % (option, EXCLUSION_FILTERS_MAX, len(filters)))
    for value in filters:
        if not isinstance(value, str) or not EXCLUSION_FILTER_RE.fullmatch(value):
            raise InputError(
                "%s: %r is not accepted; each filter is 1 to 128 characters of letters, digits, '.', '_', '-' and the wildcard '*'" % (option, value)
            )
    if len(set(filters)) != len(filters):
        raise InputError("%s: the same filter is listed twice" % option)


def check_image_tags(tags: Any, option: str = "tags") -> None:
    if not isinstance(tags, list) or not tags:
        raise InputError("%s: %r is not accepted; give a list of one or more image tags (1 or more docker tags)" % (option, _short(tags)))
    for tag in tags:
        if not isinstance(tag, str) or not IMAGE_TAG_RE.fullmatch(tag):
            raise InputError(
                "%s: %r is not an image tag; a tag is 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'" % (option, _short(tag))
            )


def check_tag_mutability(mutability: str | None, filters: list[str] | None) -> None:
    """Filters go only with the *_WITH_EXCLUSION settings."""
    if filters is not None and mutability not in WITH_EXCLUSION:
        raise InputError(
            "image_tag_mutability_exclusion_filters: only accepted with image_tag_mutability %s, got %s"
            % (" or ".join(WITH_EXCLUSION), mutability if mutability else "no image_tag_mutability")
        )


def normalise_tags(tags: dict[Any, Any] | None, option: str = "tags") -> dict[str, str] | None:
    """Check resource tags and return them as strings (numbers are written as text)."""
    if tags is None:
        return None
    if len(tags) > TAGS_MAX:
        raise InputError("%s: %d tags given; ECR accepts at most %d per repository" % (option, len(tags), TAGS_MAX))
    result = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX:
            raise InputError("%s: key %r is not accepted; a tag key is a string of 1 to %d characters" % (option, _short(key), TAG_KEY_MAX))
        if key.lower().startswith("aws:"):
            raise InputError("%s: key %r starts with 'aws:', which AWS reserves for itself; choose another key" % (option, key))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InputError(
                "%s: the value of %r is %s; a tag value is a string of up to %d characters (quote it)"
                % (option, key, "empty (null)" if value is None else "a %s" % type(value).__name__, TAG_VALUE_MAX)
            )
        if len(value) > TAG_VALUE_MAX:
            raise InputError("%s: the value of %r is %d characters; ECR accepts at most %d" % (option, key, len(value), TAG_VALUE_MAX))
        result[key] = value
    return result


def check_encryption(encryption_type: str | None, kms_key: str | None) -> None:
    """A key goes only with a KMS encryption type; a KMS type without a key is ECR's AWS managed key (alias/aws/ecr)."""
    if kms_key is not None and encryption_type not in KMS_ENCRYPTION_TYPES:
        raise InputError("kms_key: only accepted with encryption_type KMS or KMS_DSSE, got %s" % (encryption_type if encryption_type else "no encryption_type"))
    if kms_key is not None and not (isinstance(kms_key, str) and kms_key.strip()):
        raise InputError("kms_key: give a KMS key (an alias such as alias/my-key, a key id or a key ARN), or leave kms_key out for the AWS managed key")


def parse_repository_policy(value: Any, option: str = "policy") -> dict[str, Any] | None:
    """The repository (IAM resource) policy option: a dict or a JSON string."""
    if value is None:
        return None
    value = json_text(value, option, "repository policy", InputError)
    if not isinstance(value, dict):
        raise InputError('%s: expected an IAM policy document (a dict like {"Version": "2012-10-17", "Statement": [...]})' % option)
    if not isinstance(value.get("Statement"), (list, dict)) or not value.get("Statement"):
        raise InputError("%s: an IAM policy document needs a non-empty Statement" % option)
    size = len(json.dumps(value, separators=(",", ":")))
    if size > REPOSITORY_POLICY_MAX:
        raise InputError("%s: the policy is %d characters as JSON; ECR accepts at most %d" % (option, size, REPOSITORY_POLICY_MAX))
    return value


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 60:
        return value[:57] + "..."
    return value


def check_length(value: str, option: str, low: int, high: int) -> None:
    """A name (or prefix) of ``low`` to ``high`` characters."""
    if not low <= len(value) <= high:
        raise InputError("%s: %r is %d characters long; ECR accepts %d to %d" % (option, _short(value), len(value), low, high))


def json_text(value: Any, option: str, what: str, error: type[StowageError]) -> Any:
    """What a JSON string says, or ``value`` itself when it is no string; a string that is not JSON is ``error``,
    which names ``what`` should be given (as a dict or a JSON object string)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as e:
        raise error("%s: not valid JSON (%s); give the %s as a dict or a JSON object string" % (option, e, what)) from None
