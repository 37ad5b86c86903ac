# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECR (and KMS) calls the modules make, with retries, in one place.

Reads return AWS's shapes (``views`` makes the modules' views of them). Writes take plans in the
options' words (``repository.plan_create`` and ``plan_update``): ``create_call`` and
``change_call`` are the one place that maps them to API calls.
"""

from __future__ import annotations

import copy
import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing library

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import MANAGED_KMS_ALIAS
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError, LookupFailed

DESCRIBE_BATCH = 100
MISSING_NAME_RE = re.compile(r"repository with name '([^']+)' does not exist")
WORKERS = 8


# ECR's own names for "try again": AWSRetry knows the generic ones only
RETRYABLE_CODES = ["ThrottlingException", "ServerException", "ServiceUnavailableException", "LimitExceededException"]
# botocore's own retries (connection errors, 5xx, throttling) with more attempts than its default 3;
# a user's aws_config still wins, as amazon.aws merges it last
CLIENT_CONFIG = {"retries": {"mode": "standard", "max_attempts": 10}}


def retry_decorator() -> Callable[..., Any]:
    return AWSRetry.jittered_backoff(retries=5, delay=1, max_delay=15, catch_extra_error_codes=RETRYABLE_CODES)


def client(module: Any, service: str) -> Any:
    """A boto3 client of ``service`` with both retry layers."""
    return module.client(service, retry_decorator=retry_decorator(), config=CLIENT_CONFIG)


class EcrApi:
    """ECR calls for one registry. ``module`` is an AnsibleAWSModule."""

    def __init__(self, module: Any, registry_id: str | None = None, workers: int = WORKERS):
        self.module = module
        self.workers = workers
        self.client = client(module, "ecr")
        self.registry_id = registry_id
        self._kms: Any = None
        self._kms_cache: dict[str, str | None] = {}

    def for_registry(self, registry_id: str | None) -> EcrApi:
        """This API for the registry ``registry_id`` (a listing's ``registryId``); itself when that is its registry
        or none is given. The copy shares the client and the KMS cache."""
        if not registry_id or registry_id == self.registry_id:
            return self
        other = copy.copy(self)
        other.registry_id = registry_id
        return other

    def scoped(self, **kwargs: Any) -> dict[str, Any]:
        if self.registry_id:
            kwargs["registryId"] = self.registry_id
        return kwargs

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        return getattr(self.client, operation)(aws_retry=True, **kwargs)

    # reads -----------------------------------------------------------------

    def describe(self, name: str) -> dict[str, Any] | None:
        """The DescribeRepositories entry of one repository, or None when there is none."""
        try:
            found = self.call("describe_repositories", **self.scoped(repositoryNames=[name]))["repositories"]
        except is_boto3_error_code("RepositoryNotFoundException"):
            return None
        return found[0] if found else None

    def describe_many(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """DescribeRepositories for many names, 100 a call; names that do not exist are left out."""
        names = list(dict.fromkeys(names))
        batches = [names[i : i + DESCRIBE_BATCH] for i in range(0, len(names), DESCRIBE_BATCH)]
        found: dict[str, dict[str, Any]] = {}
        for repos in self.parallel(self._describe_batch, batches):
            for repo in repos:
                found[repo["repositoryName"]] = repo
        return found

    def _describe_batch(self, names: list[str]) -> list[dict[str, Any]]:
        names = list(names)
        while names:
            try:
                return self.call("describe_repositories", **self.scoped(repositoryNames=names))["repositories"]
            except is_boto3_error_code("RepositoryNotFoundException") as e:
                # ECR fails the whole call for one missing name, and names it: drop it and ask again
                missing = MISSING_NAME_RE.search(str(e))
                if not missing or missing.group(1) not in names:
                    return [repo for repo in self.parallel(self.describe, names) if repo]
                names.remove(missing.group(1))
        return []

    def describe_all(self) -> list[dict[str, Any]]:
        """Every repository of the registry, following pagination."""

        @retry_decorator()
        def pages() -> dict[str, Any]:
            paginator = self.client.get_paginator("describe_repositories")
            return paginator.paginate(**self.scoped()).build_full_result()

        return pages().get("repositories", [])

    def tags(self, arn: str) -> list[dict[str, str]]:
        """ListTagsForResource's tags: [{"Key": .., "Value": ..}]."""
        return self.call("list_tags_for_resource", resourceArn=arn).get("tags", [])

    def repository_policy(self, name: str) -> dict[str, Any] | None:
        try:
            text = self.call("get_repository_policy", **self.scoped(repositoryName=name))["policyText"]
        except is_boto3_error_code("RepositoryPolicyNotFoundException"):
            return None
        return json.loads(text)

    def lifecycle_policy(self, name: str) -> dict[str, Any] | None:
        """The lifecycle policy as a dict, or None. RepositoryNotFoundException is left to the caller."""
        try:
            text = self.call("get_lifecycle_policy", **self.scoped(repositoryName=name))["lifecyclePolicyText"]
        except is_boto3_error_code("LifecyclePolicyNotFoundException"):
            return None
        return json.loads(text)

    def predicted_location(self, name: str) -> dict[str, str | None]:
        """The ARN, registry id and URI a new repository will get (STS tells the account when no registry_id is given)."""
        account = self.registry_id
        if not account:
            try:
                account = client(self.module, "sts").get_caller_identity(aws_retry=True)["Account"]
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
                return {"arn": None, "registry_id": None, "uri": None}
        region = self.client.meta.region_name
        partition = self.client.meta.partition
        suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
        return {
            "arn": "arn:%s:ecr:%s:%s:repository/%s" % (partition, region, account, name),
            "registry_id": account,
            "uri": "%s.dkr.ecr.%s.%s/%s" % (account, region, suffix, name),
        }

    def describe_images(self, name: str, tag_status: str = "ANY", image_status: str = "ANY") -> list[dict[str, Any]]:
        """Every DescribeImages entry of a repository with these filters, 1000 to a call (the largest page ECR
        serves). Archived and restoring images too by default: left unfiltered, ECR gives active ones only."""
        filters = {"tagStatus": tag_status}
        # a botocore older than ECR's archive storage class knows no image status (and ECR then has none to filter)
        if "imageStatus" in self.client.meta.service_model.shape_for("DescribeImagesFilter").members:
            filters["imageStatus"] = image_status

        @retry_decorator()
        def pages() -> dict[str, Any]:
            paginator = self.client.get_paginator("describe_images")
            return paginator.paginate(**self.scoped(repositoryName=name, filter=filters), PaginationConfig={"PageSize": 1000}).build_full_result()

        return pages().get("imageDetails", [])

    def has_images(self, name: str) -> bool:
        return bool(self.call("list_images", **self.scoped(repositoryName=name, maxResults=1)).get("imageIds"))

    def resolve_kms_key(self, key: str | None) -> str | None:
        """The ARN of a KMS key given as alias, alias ARN, key id or key ARN (KMS DescribeKey).

        Never ends the module (it runs on ecr_repositories' worker threads): an unknown key raises
        InputError, any other failure LookupFailed."""
        if not key:
            return key
        if key not in self._kms_cache:
            if self._kms is None:
                self._kms = client(self.module, "kms")
            try:
                self._kms_cache[key] = self._kms.describe_key(aws_retry=True, KeyId=key)["KeyMetadata"]["Arn"]
            except is_boto3_error_code("NotFoundException"):
                if key == MANAGED_KMS_ALIAS:
                    # AWS creates its managed key on first use: none yet means no repository uses it
                    self._kms_cache[key] = None
                    return None
                raise InputError("kms_key: KMS has no key %r in this region and account; give an existing alias, key id or key ARN" % key) from None
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
                raise LookupFailed("kms_key: could not look up %r with KMS DescribeKey" % key, e) from e
        return self._kms_cache[key]

    # writes ----------------------------------------------------------------

    def create(self, create: dict[str, Any]) -> dict[str, Any]:
        """CreateRepository of a plan_create plan; the new repository's DescribeRepositories entry."""
        return self.call("create_repository", **create_call(create))["repository"]

    def apply(self, name: str, arn: str | None, change: tuple[str, Any]) -> None:
        """One change of a plan_update plan; tag calls go by ARN, the rest by name and registry."""
        operation, kwargs = change_call(change)
        if operation in BY_ARN:
            self.call(operation, resourceArn=arn, **kwargs)
        else:
            self.call(operation, **self.scoped(repositoryName=name, **kwargs))

    def parallel(self, func: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        """``func`` over ``items`` on a few threads (boto3 clients are thread-safe), in order."""
        if len(items) <= 1 or self.workers <= 1:
            return [func(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(func, items))


# plans to calls --------------------------------------------------------------------------------

BY_ARN = ("tag_resource", "untag_resource")


def exclusion_filters(values: list[str]) -> list[dict[str, str]]:
    return [{"filterType": "WILDCARD", "filter": value} for value in values]


def aws_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def create_call(create: dict[str, Any]) -> dict[str, Any]:
    """The CreateRepository arguments of a plan_create plan (a setting that is None is ECR's default)."""
    kwargs: dict[str, Any] = {"repositoryName": create["name"]}
    if create.get("registry_id"):
        kwargs["registryId"] = create["registry_id"]
    if create.get("image_tag_mutability") is not None:
        kwargs["imageTagMutability"] = create["image_tag_mutability"]
        if create.get("image_tag_mutability_exclusion_filters"):
            kwargs["imageTagMutabilityExclusionFilters"] = exclusion_filters(create["image_tag_mutability_exclusion_filters"])
    if create.get("scan_on_push") is not None:
        kwargs["imageScanningConfiguration"] = {"scanOnPush": create["scan_on_push"]}
    if create.get("encryption_type") is not None:
        encryption = {"encryptionType": create["encryption_type"]}
        if create.get("kms_key"):
            encryption["kmsKey"] = create["kms_key"]
        kwargs["encryptionConfiguration"] = encryption
    if create.get("tags"):
        kwargs["tags"] = aws_tags(create["tags"])
    return kwargs


def change_call(change: tuple[str, Any]) -> tuple[str, dict[str, Any]]:
    """The API operation and its arguments (without the repository's name, registry or ARN) of one
    change of a plan_update plan."""
    what, value = change
    if what == "image_tag_mutability":
        kwargs: dict[str, Any] = {"imageTagMutability": value["mutability"]}
        if value["filters"]:
            kwargs["imageTagMutabilityExclusionFilters"] = exclusion_filters(value["filters"])
        return "put_image_tag_mutability", kwargs
    if what == "scan_on_push":
        return "put_image_scanning_configuration", {"imageScanningConfiguration": {"scanOnPush": value}}
    if what == "tags_removed":
        return "untag_resource", {"tagKeys": list(value)}
    if what == "tags_set":
        return "tag_resource", {"tags": aws_tags(value)}
    if what == "policy":
        return "set_repository_policy", {"policyText": json.dumps(value, sort_keys=True)}
    if what == "policy_removed":
        return "delete_repository_policy", {}
    raise ValueError("no call for the change %r" % what)
