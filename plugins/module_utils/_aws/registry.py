# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECR calls for the registry-level settings of the caller's registry, with retries, in one place.

Reads return AWS's shapes (without ``ResponseMetadata``); ``_views.results`` makes the modules' views of them.
Registry-level writes (registry policy, replication, scanning, account settings, pull-time update
exclusions, signing) act on the caller's own registry: the API takes no registry id for them.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.stowage.ecr.plugins.module_utils._aws.core import AwsApi

# the largest page ListPullTimeUpdateExclusions, DescribePullThroughCacheRules and
# DescribeRepositoryCreationTemplates serve
PAGE_SIZE = 1000
# the largest page ListReplicationBackfills serves (FiftyMaxResults)
BACKFILL_PAGE = 50


def _body(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


class RegistryApi(AwsApi):
    """Registry-level ECR calls. ``module`` is an AnsibleAWSModule."""

    service = "ecr"

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        return _body(getattr(self.client, operation)(aws_retry=True, **kwargs))

    # reads -----------------------------------------------------------------

    def registry_policy(self) -> dict[str, Any] | None:
        """GetRegistryPolicy (registryId, policyText), or None when the registry has no policy."""
        return self.call_unless("RegistryPolicyNotFoundException", "get_registry_policy")

    def describe_registry(self) -> dict[str, Any]:
        """DescribeRegistry: registryId and replicationConfiguration ({"rules": [...]})."""
        found = self.call("describe_registry")
        found.setdefault("replicationConfiguration", {"rules": []})
        found["replicationConfiguration"].setdefault("rules", [])
        return found

    def registry_scanning_configuration(self) -> dict[str, Any]:
        """GetRegistryScanningConfiguration: registryId and scanningConfiguration (scanType, rules)."""
        found = self.call("get_registry_scanning_configuration")
        found.setdefault("scanningConfiguration", {})
        return found

    def account_setting(self, name: str) -> dict[str, Any]:
        """GetAccountSetting: name and value."""
        return self.call("get_account_setting", name=name)

    def pull_time_update_exclusions(self) -> list[str]:
        """Every principal ARN of ListPullTimeUpdateExclusions, following nextToken."""
        found: list[str] = []
        kwargs: dict[str, Any] = {"maxResults": PAGE_SIZE}
        while True:
            page = self.call("list_pull_time_update_exclusions", **kwargs)
            found.extend(page.get("pullTimeUpdateExclusions") or [])
            token = page.get("nextToken")
            if not token:
                return found
            kwargs["nextToken"] = token

    def signing_configuration(self) -> dict[str, Any] | None:
        """GetSigningConfiguration (registryId, signingConfiguration), or None when there is none."""
        return self.call_unless("SigningConfigurationNotFoundException", "get_signing_configuration")

    def describe_pull_through_cache_rules(self, registry_id: str | None = None, prefixes: list[str] | None = None) -> list[dict[str, Any]]:
        """Every DescribePullThroughCacheRules entry (of the given ECR repository prefixes, or all)."""
        kwargs: dict[str, Any] = {}
        if registry_id:
            kwargs["registryId"] = registry_id
        if prefixes:
            kwargs["ecrRepositoryPrefixes"] = list(prefixes)
        return self.pages("describe_pull_through_cache_rules", "pullThroughCacheRules", PAGE_SIZE, **kwargs)

    def describe_repository_creation_templates(self, prefixes: list[str] | None = None) -> list[dict[str, Any]]:
        """Every DescribeRepositoryCreationTemplates entry (of the given prefixes, or all)."""
        kwargs: dict[str, Any] = {}
        if prefixes:
            kwargs["prefixes"] = list(prefixes)
        return self.pages("describe_repository_creation_templates", "repositoryCreationTemplates", PAGE_SIZE, **kwargs)

    def replication_backfills(self) -> list[dict[str, Any]]:
        """Every ListReplicationBackfills summary (replicationBackfillId, destination, status, progress, startedAt,
        endedAt): the running ones and those ended within the last 90 days."""
        return self.pages("list_replication_backfills", "backfills", BACKFILL_PAGE)

    def replication_backfill_results(self, backfill_id: str) -> dict[str, Any] | None:
        """DescribeReplicationBackfillResults of one backfill with every page's ``results`` in one answer (the
        paginator's full result would keep the results only, not the backfill's status and progress), or None when
        ECR knows no such backfill."""
        kwargs: dict[str, Any] = {"replicationBackfillId": backfill_id, "maxResults": PAGE_SIZE}
        answer = self.call_unless("ReplicationBackfillNotFoundException", "describe_replication_backfill_results", **kwargs)
        if answer is None:
            return None
        results = answer.setdefault("results", [])
        token = answer.pop("nextToken", None)
        while token:
            more = self.call("describe_replication_backfill_results", nextToken=token, **kwargs)
            results.extend(more.get("results") or [])
            token = more.get("nextToken")
        return answer

    # writes ----------------------------------------------------------------

    def put_registry_policy(self, policy_text: str) -> dict[str, Any]:
        return self.call("put_registry_policy", policyText=policy_text)

    def delete_registry_policy(self) -> None:
        """DeleteRegistryPolicy; a policy that is gone already is no error."""
        self.call_unless("RegistryPolicyNotFoundException", "delete_registry_policy")

    def put_replication_configuration(self, rules: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call("put_replication_configuration", replicationConfiguration={"rules": rules})

    def put_registry_scanning_configuration(self, scan_type: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call("put_registry_scanning_configuration", scanType=scan_type, rules=rules)

    def put_account_setting(self, name: str, value: str) -> dict[str, Any]:
        return self.call("put_account_setting", name=name, value=value)

    def register_pull_time_update_exclusion(self, principal_arn: str) -> bool:
        """RegisterPullTimeUpdateExclusion; False when the principal was excluded already."""
        return self.call_unless("ExclusionAlreadyExistsException", "register_pull_time_update_exclusion", principalArn=principal_arn) is not None

    def deregister_pull_time_update_exclusion(self, principal_arn: str) -> bool:
        """DeregisterPullTimeUpdateExclusion; False when the principal was not excluded."""
        return self.call_unless("ExclusionNotFoundException", "deregister_pull_time_update_exclusion", principalArn=principal_arn) is not None

    def put_signing_configuration(self, rules: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call("put_signing_configuration", signingConfiguration={"rules": rules})

    def delete_signing_configuration(self) -> bool:
        """DeleteSigningConfiguration; False when there was none."""
        return self.call_unless("SigningConfigurationNotFoundException", "delete_signing_configuration") is not None

    def start_replication_backfill(self, destination: dict[str, str]) -> dict[str, Any]:
        """StartReplicationBackfill for one destination ({"region", "registryId"}): replicationBackfillId, status, startedAt."""
        return self.call("start_replication_backfill", destination=destination)

    def stop_replication_backfill(self, backfill_id: str) -> dict[str, Any] | None:
        """StopReplicationBackfill; None when the backfill has ended meanwhile (ECR refuses to stop it then)."""
        return self.call_unless("ReplicationBackfillInvalidStatusException", "stop_replication_backfill", replicationBackfillId=backfill_id)

    # pull-through cache rules and creation templates -----------------------

    def pull_through_cache_rule(self, prefix: str, registry_id: str | None = None) -> dict[str, Any] | None:
        """The DescribePullThroughCacheRules entry of one ECR repository prefix, or None when there is none."""
        try:
            found = self.describe_pull_through_cache_rules(registry_id=registry_id, prefixes=[prefix])
        except is_boto3_error_code("PullThroughCacheRuleNotFoundException"):
            return None
        return next((rule for rule in found if rule.get("ecrRepositoryPrefix") == prefix), None)

    def create_pull_through_cache_rule(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return self.call("create_pull_through_cache_rule", **kwargs)

    def update_pull_through_cache_rule(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return self.call("update_pull_through_cache_rule", **kwargs)

    def delete_pull_through_cache_rule(self, prefix: str, registry_id: str | None = None) -> bool:
        """DeletePullThroughCacheRule; False when there was no such rule."""
        kwargs: dict[str, Any] = {"ecrRepositoryPrefix": prefix}
        if registry_id:
            kwargs["registryId"] = registry_id
        try:
            self.call("delete_pull_through_cache_rule", **kwargs)
        except is_boto3_error_code("PullThroughCacheRuleNotFoundException"):
            return False
        return True

    def validate_pull_through_cache_rule(self, prefix: str, registry_id: str | None = None) -> dict[str, Any]:
        """ValidatePullThroughCacheRule: the rule's fields with isValid and failure."""
        kwargs: dict[str, Any] = {"ecrRepositoryPrefix": prefix}
        if registry_id:
            kwargs["registryId"] = registry_id
        return self.call("validate_pull_through_cache_rule", **kwargs)

    def repository_creation_template(self, prefix: str) -> dict[str, Any] | None:
        """The repository creation template of one prefix, or None when there is none."""
        found = self.describe_repository_creation_templates(prefixes=[prefix])
        return next((template for template in found if template.get("prefix") == prefix), None)

    def create_repository_creation_template(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return self.call("create_repository_creation_template", **kwargs)

    def update_repository_creation_template(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return self.call("update_repository_creation_template", **kwargs)

    def delete_repository_creation_template(self, prefix: str) -> bool:
        """DeleteRepositoryCreationTemplate; False when there was no such template."""
        try:
            self.call("delete_repository_creation_template", prefix=prefix)
        except is_boto3_error_code("TemplateNotFoundException"):
            return False
        return True
