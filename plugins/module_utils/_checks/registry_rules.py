# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pull through cache rules and repository creation templates: checks, plans and their calls.

Pure functions, in the options' words. The checks raise InputError (or PolicyError for a lifecycle
policy) naming the option and what ECR accepts, before any call; the plans compare a rule or a
template with what the task asks and say what changes; the ``*_call`` functions make the arguments of
the API calls of a plan. Sources of the rules checked here: the ECR API model in botocore (patterns,
lengths, enums) and the ECR API Reference and User Guide for the rest (which upstreams need a secret or
a role, which fields UpdatePullThroughCacheRule takes, what ROOT means).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import normalise_policy, policies_equal, policy_text
from ansible_collections.stowage.ecr.plugins.module_utils._checks.repository import (
    MANAGED_KMS_ALIAS,
    _short,
    check_exclusion_filters,
    check_length,
    check_tag_mutability,
    normalise_tags,
    parse_repository_policy,
)
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import APPLIED_FOR, UPSTREAM_REGISTRIES
from ansible_collections.stowage.ecr.plugins.module_utils._spec.settings import KMS_ENCRYPTION_TYPES, WITH_EXCLUSION
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

# -- pull through cache rules -------------------------------------------------------------------

# PullThroughCacheRuleRepositoryPrefix (ecrRepositoryPrefix, upstreamRepositoryPrefix) and Prefix (templates)
PREFIX_RE = re.compile(r"([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*/?|ROOT)")
RULE_PREFIX_MIN, RULE_PREFIX_MAX = 2, 30
TEMPLATE_PREFIX_MIN, TEMPLATE_PREFIX_MAX = 1, 256
ROOT = "ROOT"

# the registry URL of each upstream, as CreatePullThroughCacheRule documents it
FIXED_URLS = {
    "ecr-public": "public.ecr.aws",
    "docker-hub": "registry-1.docker.io",
    "github-container-registry": "ghcr.io",
    "gitlab-container-registry": "registry.gitlab.com",
    "k8s": "registry.k8s.io",
    "quay": "quay.io",
    "chainguard": "cgr.dev",
}
ECR_URL_RE = re.compile(r"(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(-[a-z]+)+-[0-9]+)\.amazonaws\.com(\.cn)?")
AZURE_URL_RE = re.compile(r"[a-z0-9][a-z0-9-]*\.azurecr\.io")
URL_FORMS = {
    "ecr": "<account id>.dkr.ecr.<region>.amazonaws.com",
    "azure-container-registry": "<registry>.azurecr.io",
}
# upstreams that authenticate with a Secrets Manager secret (ECR User Guide: pull through cache)
NEEDS_SECRET = ("docker-hub", "github-container-registry", "gitlab-container-registry", "azure-container-registry", "chainguard")
CREDENTIAL_ARN_RE = re.compile(
    r"arn:aws(-\w+)*:secretsmanager:(?P<region>[a-zA-Z0-9-]+):(?P<account>[0-9]{12}):secret:ecr\-pullthroughcache/[a-zA-Z0-9/_+=.@-]+"
)
CREDENTIAL_ARN_MIN, CREDENTIAL_ARN_MAX = 50, 612
ROLE_ARN_RE = re.compile(r"arn:aws(-\w+)*:iam::(?P<account>[0-9]{12}):role/[\w+=,.@/-]{1,512}")
ROLE_ARN_MAX = 2048

# fields of a rule that UpdatePullThroughCacheRule changes; the others need the rule deleted and created again
RULE_UPDATABLE = ("credential_arn", "custom_role_arn")
RULE_FIXED = ("upstream_registry_url", "upstream_registry", "upstream_repository_prefix")


def check_prefix(value: Any, option: str, low: int = RULE_PREFIX_MIN, high: int = RULE_PREFIX_MAX, root: bool = True) -> None:
    if not isinstance(value, str) or not value:
        raise InputError("%s: a repository prefix is required (%d to %d characters)" % (option, low, high))
    if value == ROOT:
        if not root:
            raise InputError("%s: ROOT is not accepted here" % option)
        return
    check_length(value, option, low, high)
    if not PREFIX_RE.fullmatch(value):
        raise InputError(
            "%s: %r is not a repository prefix; use lowercase letters and digits, separated by '.', '_', '__' or '-' within a part "
            "and by '/' between parts (a '/' at the end is allowed), or ROOT" % (option, _short(value))
        )


def upstream_of_url(url: str) -> str | None:
    """The upstream registry a registry URL belongs to, or None when it is no supported registry's."""
    for upstream, fixed in FIXED_URLS.items():
        if url == fixed:
            return upstream
    if ECR_URL_RE.fullmatch(url):
        return "ecr"
    if AZURE_URL_RE.fullmatch(url):
        return "azure-container-registry"
    return None


def accepted_urls() -> str:
    forms = dict(FIXED_URLS, **URL_FORMS)
    return ", ".join("%s (%s)" % (forms[u], u) for u in UPSTREAM_REGISTRIES)


def check_rule(params: dict[str, Any], region: str | None = None) -> dict[str, Any]:
    """The checked request of ecr_pull_through_cache_rule: the options, with ``upstream_registry`` told from
    the URL when left out. Raises InputError. Checks that depend on the live rule are in plan_rule."""
    check_prefix(params.get("ecr_repository_prefix"), "ecr_repository_prefix")
    registry_id = params.get("registry_id")
    if registry_id is not None and not re.fullmatch(r"[0-9]{12}", str(registry_id)):
        raise InputError("registry_id: %r is not a registry id; give the 12-digit AWS account id that owns the registry" % (registry_id,))
    want = {
        k: params.get(k)
        for k in (
            "ecr_repository_prefix",
            "registry_id",
            "upstream_registry_url",
            "upstream_registry",
            "credential_arn",
            "custom_role_arn",
            "upstream_repository_prefix",
        )
    }
    if params.get("state", "present") == "absent":
        return want
    url = params.get("upstream_registry_url")
    if not isinstance(url, str) or not url:
        raise InputError("upstream_registry_url: required with state present; one of %s" % accepted_urls())
    if "://" in url or "/" in url or url != url.strip():
        raise InputError(
            "upstream_registry_url: %r is not accepted; give the registry's host name only, without scheme or path (for example ghcr.io)" % _short(url)
        )
    told = upstream_of_url(url)
    if told is None:
        raise InputError("upstream_registry_url: %r is no registry ECR can cache from; use one of %s" % (_short(url), accepted_urls()))
    upstream = params.get("upstream_registry") or told
    if upstream != told:
        expected = FIXED_URLS.get(upstream) or URL_FORMS.get(upstream)
        raise InputError(
            "upstream_registry_url: %s is the URL of a %s registry, not of upstream_registry %s (whose URL is %s)" % (url, told, upstream, expected)
        )
    want["upstream_registry"] = upstream
    if upstream == "ecr":
        match = ECR_URL_RE.fullmatch(url)
        if match and region and match.group("region") == region and registry_id and match.group("account") == registry_id:
            raise InputError("upstream_registry_url: %s is this registry itself; a rule caches from another registry or region" % url)
    prefix = params["ecr_repository_prefix"]
    if prefix == ROOT and upstream != "ecr":
        raise InputError(
            "ecr_repository_prefix: ROOT (every repository without a rule of its own) is only accepted with upstream_registry ecr, not %s" % upstream
        )
    upstream_prefix = params.get("upstream_repository_prefix")
    if upstream_prefix is not None:
        check_prefix(upstream_prefix, "upstream_repository_prefix")
        if upstream != "ecr":
            raise InputError("upstream_repository_prefix: only accepted with upstream_registry ecr, not %s" % upstream)
        if prefix == ROOT and upstream_prefix != ROOT:
            raise InputError("upstream_repository_prefix: can only be set when ecr_repository_prefix is not ROOT (with ROOT it is ROOT too)")
    credential = params.get("credential_arn")
    if credential is not None:
        check_credential_arn(credential, region, registry_id)
        if upstream == "ecr":
            raise InputError("credential_arn: an ECR upstream authenticates with custom_role_arn (an IAM role), not with a Secrets Manager secret")
    role = params.get("custom_role_arn")
    if role is not None:
        check_role_arn(role, registry_id)
        if upstream != "ecr":
            raise InputError(
                "custom_role_arn: only accepted with upstream_registry ecr (the role ECR assumes to pull from the upstream ECR registry), not %s" % upstream
            )
    return want


def check_credential_arn(value: Any, region: str | None, account: str | None, option: str = "credential_arn") -> None:
    match = CREDENTIAL_ARN_RE.fullmatch(value) if isinstance(value, str) and CREDENTIAL_ARN_MIN <= len(value) <= CREDENTIAL_ARN_MAX else None
    if match is None:
        raise InputError(
            "%s: %r is not accepted; give the ARN (%d to %d characters) of a Secrets Manager secret whose name starts with ecr-pullthroughcache/, "
            "like arn:aws:secretsmanager:<region>:<account>:secret:ecr-pullthroughcache/<name>"
            % (option, _short(value), CREDENTIAL_ARN_MIN, CREDENTIAL_ARN_MAX)
        )
    if region and match.group("region") != region:
        raise InputError("%s: the secret is in region %s; ECR needs it in the rule's region %s" % (option, match.group("region"), region))
    if account and match.group("account") != account:
        raise InputError("%s: the secret is in account %s; ECR needs it in the registry's account %s" % (option, match.group("account"), account))


def check_role_arn(value: Any, account: str | None, option: str = "custom_role_arn") -> None:
    match = ROLE_ARN_RE.fullmatch(value) if isinstance(value, str) and len(value) <= ROLE_ARN_MAX else None
    if match is None:
        raise InputError("%s: %r is not accepted; give the ARN of an IAM role, like arn:aws:iam::<account>:role/<name>" % (option, _short(value)))
    if account and match.group("account") != account:
        raise InputError("%s: the role is in account %s; ECR needs a role in the registry's own account %s" % (option, match.group("account"), account))


def rule_target(want: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The rule as it will be (in rule_view's words): the task's fields, and the live rule's where the task
    leaves one out and the upstream stays the same."""
    same_upstream = current is not None and current.get("upstream_registry") == want["upstream_registry"]
    target = {
        "ecr_repository_prefix": want["ecr_repository_prefix"],
        "upstream_registry_url": want["upstream_registry_url"],
        "upstream_registry": want["upstream_registry"],
    }
    for key in ("credential_arn", "custom_role_arn", "upstream_repository_prefix"):
        value = want.get(key)
        if value is None and same_upstream and current is not None:
            value = current.get(key)
        if value is None and key == "upstream_repository_prefix" and want["upstream_registry"] == "ecr":
            value = ROOT
        target[key] = value
    return target


def check_rule_credentials(target: dict[str, Any], caller_account: str | None) -> None:
    """What the upstream needs to authenticate, checked on the rule as it will be."""
    upstream = target["upstream_registry"]
    if upstream in NEEDS_SECRET and not target.get("credential_arn"):
        raise InputError(
            "credential_arn: upstream_registry %s needs credentials: give the ARN of a Secrets Manager secret whose name starts with "
            "ecr-pullthroughcache/ (holding username and accessToken)" % upstream
        )
    if upstream == "ecr" and not target.get("custom_role_arn"):
        match = ECR_URL_RE.fullmatch(target["upstream_registry_url"])
        if match and caller_account and match.group("account") != caller_account:
            raise InputError(
                "custom_role_arn: the upstream ECR registry is in account %s, another account than %s; give the ARN of the IAM role ECR "
                "assumes to pull from it" % (match.group("account"), caller_account)
            )


def plan_rule(want: dict[str, Any], current: dict[str, Any] | None, recreate: bool) -> tuple[str | None, dict[str, Any]]:
    """What to do to a rule: None (nothing), "create", "update" (UpdatePullThroughCacheRule of the
    changed updatable fields) or "recreate" (delete and create); and the rule as it will be.

    ``current`` is rule_view of the live rule (None: there is none). A change of a field that only a
    re-create can make is refused (InputError) unless ``recreate``."""
    target = rule_target(want, current)
    if current is None:
        return "create", target
    fixed = [key for key in RULE_FIXED if target.get(key) != current.get(key) and not (key == "upstream_repository_prefix" and want.get(key) is None)]
    if fixed:
        if not recreate:
            raise InputError(
                "%s: the rule for %s has %s; ECR cannot change %s of a pull through cache rule in place, only by deleting the rule "
                "and creating it again. Nothing was changed. Set recreate: true to do that (the repositories the rule created "
                "and their images stay)."
                % (
                    ", ".join(fixed),
                    want["ecr_repository_prefix"],
                    ", ".join("%s %s (the task asks for %s)" % (key, current.get(key), target.get(key)) for key in fixed),
                    " or ".join(fixed),
                )
            )
        return "recreate", target
    if any(want.get(key) is not None and want[key] != current.get(key) for key in RULE_UPDATABLE):
        return "update", target
    return None, dict(current)


def rule_create_call(target: dict[str, Any], registry_id: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "ecrRepositoryPrefix": target["ecr_repository_prefix"],
        "upstreamRegistryUrl": target["upstream_registry_url"],
        "upstreamRegistry": target["upstream_registry"],
    }
    if registry_id:
        kwargs["registryId"] = registry_id
    for key, field in (("credential_arn", "credentialArn"), ("custom_role_arn", "customRoleArn"), ("upstream_repository_prefix", "upstreamRepositoryPrefix")):
        if target.get(key) is not None:
            kwargs[field] = target[key]
    return kwargs


def rule_update_call(want: dict[str, Any], current: dict[str, Any], registry_id: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"ecrRepositoryPrefix": want["ecr_repository_prefix"]}
    if registry_id:
        kwargs["registryId"] = registry_id
    for key, field in (("credential_arn", "credentialArn"), ("custom_role_arn", "customRoleArn")):
        if want.get(key) is not None and want[key] != current.get(key):
            kwargs[field] = want[key]
    return kwargs


# -- repository creation templates --------------------------------------------------------------

DESCRIPTION_MAX = 256
LIFECYCLE_TEXT_MAX = 30720
KMS_KEY_ARN_RE = re.compile(r"arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+")


def check_template(params: dict[str, Any]) -> dict[str, Any]:
    """The checked request of ecr_repository_creation_template (lifecycle aside: the caller compiles it).
    Raises InputError."""
    check_prefix(params.get("prefix"), "prefix", TEMPLATE_PREFIX_MIN, TEMPLATE_PREFIX_MAX)
    want = dict(params)
    if params.get("state", "present") == "absent":
        return want
    applied = params.get("applied_for")
    if applied is not None:
        if not applied:
            raise InputError("applied_for: give one or more of %s" % ", ".join(APPLIED_FOR))
        unknown = [a for a in applied if a not in APPLIED_FOR]
        if unknown:
            raise InputError("applied_for: %s not accepted; use %s" % (", ".join(map(str, unknown)), ", ".join(APPLIED_FOR)))
        if len(set(applied)) != len(applied):
            raise InputError("applied_for: the same scenario is listed twice")
    description = params.get("description")
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise InputError("description: %d characters; ECR accepts at most %d" % (len(description), DESCRIPTION_MAX))
    check_exclusion_filters(params.get("image_tag_mutability_exclusion_filters"))
    check_tag_mutability(params.get("image_tag_mutability"), params.get("image_tag_mutability_exclusion_filters"))
    encryption, key = params.get("encryption_type"), params.get("kms_key")
    if key is not None and encryption not in KMS_ENCRYPTION_TYPES:
        raise InputError("kms_key: only accepted with encryption_type KMS or KMS_DSSE, got %s" % (encryption or "no encryption_type"))
    want["tags"] = normalise_tags(params.get("tags"))
    want["policy"] = parse_repository_policy(params.get("policy"))
    if want["policy"] is not None and params.get("purge_policy"):
        raise InputError("policy, purge_policy: give a policy to set, or purge_policy: true to remove it from the template, not both")
    role = params.get("custom_role_arn")
    if role is not None and role != "":
        check_role_arn(role, None)
    return want


def template_target(want: dict[str, Any], current: dict[str, Any] | None, lifecycle: Any) -> dict[str, Any]:
    """The template as it will be, in template_view's words: what the task gives, the live template's
    settings where it leaves one out (a new template: ECR's defaults). ``lifecycle`` is the compiled
    lifecycle policy (None: leave it; {}: remove it). ``want["kms_key"]`` is a key ARN by now (or None
    for the AWS managed key)."""
    base = (
        dict(current)
        if current is not None
        else {
            "prefix": want["prefix"],
            "description": None,
            "applied_for": [],
            "image_tag_mutability": "MUTABLE",
            "image_tag_mutability_exclusion_filters": [],
            "encryption_type": "AES256",
            "kms_key": None,
            "tags": {},
            "policy": None,
            "lifecycle_policy": None,
            "custom_role_arn": None,
        }
    )
    target = dict(base)
    if want.get("applied_for") is not None:
        target["applied_for"] = sorted(want["applied_for"])
    if want.get("description") is not None:
        target["description"] = want["description"] or None
    mutability, filters = want.get("image_tag_mutability"), want.get("image_tag_mutability_exclusion_filters")
    if mutability is not None:
        if mutability in WITH_EXCLUSION and filters is None:
            filters = base.get("image_tag_mutability_exclusion_filters") or []
            if not filters:
                raise InputError(
                    "image_tag_mutability_exclusion_filters: image_tag_mutability %s needs 1 to 5 wildcard filters, and the template has none to keep"
                    % mutability
                )
        target["image_tag_mutability"] = mutability
        target["image_tag_mutability_exclusion_filters"] = sorted(filters or [])
    if want.get("encryption_type") is not None:
        target["encryption_type"] = want["encryption_type"]
        target["kms_key"] = want.get("kms_key") if want["encryption_type"] in KMS_ENCRYPTION_TYPES else None
    if want.get("tags") is not None:
        have = base.get("tags") or {}
        to_set, to_unset = compare_aws_tags(have, want["tags"], purge_tags=want.get("purge_tags", True))
        tags = {k: v for k, v in have.items() if k not in to_unset}
        tags.update(to_set)
        target["tags"] = tags
    if want.get("policy") is not None:
        if base.get("policy") is None or compare_policies(base["policy"], want["policy"]):
            target["policy"] = want["policy"]
    elif want.get("purge_policy"):
        target["policy"] = None
    if lifecycle is not None:
        if not lifecycle:
            target["lifecycle_policy"] = None
        elif base.get("lifecycle_policy") is None or not policies_equal(base["lifecycle_policy"], lifecycle):
            target["lifecycle_policy"] = normalise_policy(lifecycle)
    if want.get("custom_role_arn") is not None:
        target["custom_role_arn"] = want["custom_role_arn"] or None
    return target


def template_changes(current: dict[str, Any], target: dict[str, Any]) -> list[str]:
    """The options whose value differs between the live template and the target (policies compared semantically)."""
    changed = []
    for key, value in target.items():
        have = current.get(key)
        if key == "policy" and value is not None and have is not None:
            if compare_policies(have, value):
                changed.append(key)
        elif key == "lifecycle_policy" and value is not None and have is not None:
            if not policies_equal(have, value):
                changed.append(key)
        elif key in ("applied_for", "image_tag_mutability_exclusion_filters"):
            if sorted(value or []) != sorted(have or []):
                changed.append(key)
        elif value != have:
            changed.append(key)
    return changed


def template_call(target: dict[str, Any]) -> dict[str, Any]:
    """The arguments of Create- and UpdateRepositoryCreationTemplate for the whole target: Update is sent
    every field (what it does with a field left out is not what the task means by leaving an option out),
    and a removed description, policy or lifecycle policy as an empty text."""
    kwargs: dict[str, Any] = {
        "prefix": target["prefix"],
        "description": target.get("description") or "",
        "appliedFor": list(target["applied_for"]),
        "imageTagMutability": target["image_tag_mutability"],
        "resourceTags": [{"Key": k, "Value": v} for k, v in sorted((target.get("tags") or {}).items())],
        "repositoryPolicy": json.dumps(target["policy"], sort_keys=True) if target.get("policy") is not None else "",
        "lifecyclePolicy": policy_text(target["lifecycle_policy"]) if target.get("lifecycle_policy") is not None else "",
    }
    if target.get("image_tag_mutability_exclusion_filters"):
        kwargs["imageTagMutabilityExclusionFilters"] = [{"filterType": "WILDCARD", "filter": f} for f in target["image_tag_mutability_exclusion_filters"]]
    encryption: dict[str, Any] = {"encryptionType": target["encryption_type"]}
    if target["encryption_type"] in KMS_ENCRYPTION_TYPES and target.get("kms_key"):
        encryption["kmsKey"] = target["kms_key"]
    kwargs["encryptionConfiguration"] = encryption
    if target.get("custom_role_arn"):
        kwargs["customRoleArn"] = target["custom_role_arn"]
    return kwargs


def needs_kms_lookup(key: str | None) -> bool:
    """Whether a kms_key must be turned into a key ARN (KMS DescribeKey) for a template, which takes only key ARNs."""
    return bool(key) and key != MANAGED_KMS_ALIAS and not KMS_KEY_ARN_RE.fullmatch(str(key))
