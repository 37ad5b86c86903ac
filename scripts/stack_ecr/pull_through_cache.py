"""Create/Update/Delete/Describe/ValidatePullThroughCacheRule.

What is emulated, as the ECR API Reference and the ECR User Guide describe AWS:

- one rule per ECR repository prefix and registry (PullThroughCacheRuleAlreadyExistsException,
  PullThroughCacheRuleNotFoundException);
- the upstream registry is named by ``upstreamRegistry`` or, when left out, told from the URL; a URL
  that is no supported registry's is UnsupportedUpstreamRegistryException, a URL that is not the
  named registry's is InvalidParameterException;
- Docker Hub, GitHub, GitLab, Azure and Chainguard need ``credentialArn``; an ECR upstream takes
  ``customRoleArn`` (needed when the upstream is another account's) and no credential;
  ``upstreamRepositoryPrefix`` is for ECR upstreams only, and not with the ``ROOT`` prefix, which is
  for ECR upstreams too; ``customRoleArn`` is a role of the registry's own account
  (InvalidParameterException);
- the secret is looked up in moto's own Secrets Manager of the same account and region (the stack
  runs one moto server for every service): a secret that is not there is SecretNotFoundException;
- UpdatePullThroughCacheRule changes the credential and the role only;
- ValidatePullThroughCacheRule says valid when the rule's secret exists and its value is a JSON
  object with ``username`` and ``accessToken`` (the form AWS asks for), or, for an ECR upstream, when
  a role is there or the upstream is the same account; upstreams without authentication are valid.
  Nothing reaches a real upstream registry.
"""

from __future__ import annotations

import json
import re

from .model import EcrError, now, operation, state

ECR_URL = re.compile(r"(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?")
FIXED_URLS = {
    "public.ecr.aws": "ecr-public",
    "registry-1.docker.io": "docker-hub",
    "ghcr.io": "github-container-registry",
    "registry.gitlab.com": "gitlab-container-registry",
    "registry.k8s.io": "k8s",
    "quay.io": "quay",
    "cgr.dev": "chainguard",
}
AZURE_URL = re.compile(r"[a-z0-9-]+\.azurecr\.io")
NEEDS_SECRET = ("docker-hub", "github-container-registry", "gitlab-container-registry", "azure-container-registry", "chainguard")
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(?P<account>[0-9]{12}):role/[\w+=,.@/-]+")
SECRET_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):secret:(?P<name>.+)")


def upstream_of(url: str) -> str | None:
    if url in FIXED_URLS:
        return FIXED_URLS[url]
    if ECR_URL.fullmatch(url):
        return "ecr"
    if AZURE_URL.fullmatch(url):
        return "azure-container-registry"
    return None


def _invalid(message: str) -> EcrError:
    return EcrError("InvalidParameterException", message)


def _rules(backend) -> dict:
    return state(backend, "pull_through_cache_rules")


def _find_secret(arn: str, account: str, region: str):
    """moto's Secrets Manager secret of ``arn`` in this account and region, or None."""
    from moto.secretsmanager.models import secretsmanager_backends

    match = SECRET_ARN.fullmatch(arn)
    if not match or match.group("account") != account or match.group("region") != region:
        return None
    backend = secretsmanager_backends[account][region]
    for secret in backend.secrets.values():
        if secret.arn == arn or secret.name == match.group("name"):
            return secret
    return None


def _check_credentials(upstream: str, url: str, credential: str | None, role: str | None, account: str, region: str) -> None:
    if upstream in NEEDS_SECRET and not credential:
        raise _invalid("Upstream registry %s requires authentication: a credentialArn of a Secrets Manager secret is required" % upstream)
    if upstream == "ecr":
        if credential:
            raise _invalid("credentialArn is not supported for an upstream registry of type ecr; use customRoleArn")
        upstream_account = ECR_URL.fullmatch(url).group("account")
        if not role and upstream_account != account:
            raise _invalid("customRoleArn is required for an upstream ECR registry in another account (%s)" % upstream_account)
    elif role:
        raise _invalid("customRoleArn is only supported for an upstream registry of type ecr")
    if role:
        match = ROLE_ARN.fullmatch(role)
        if not match:
            raise _invalid("Invalid customRoleArn '%s': expected an IAM role ARN" % role)
        if match.group("account") != account:
            raise _invalid("customRoleArn must be a role in the registry's account %s" % account)
    if credential and _find_secret(credential, account, region) is None:
        raise EcrError("SecretNotFoundException", "The secret '%s' was not found in account %s, region %s" % (credential, account, region))


def _registry(params, account: str) -> str:
    return params.get("registryId") or account


@operation("CreatePullThroughCacheRule")
def create_pull_through_cache_rule(backend, params, account, region):
    prefix, url = params["ecrRepositoryPrefix"], params["upstreamRegistryUrl"]
    registry = _registry(params, account)
    inferred = upstream_of(url)
    upstream = params.get("upstreamRegistry") or inferred
    if inferred is None:
        raise EcrError("UnsupportedUpstreamRegistryException", "The upstream registry URL '%s' is not supported" % url)
    if upstream != inferred:
        raise _invalid("The upstream registry URL '%s' is not a %s registry URL" % (url, upstream))
    upstream_prefix = params.get("upstreamRepositoryPrefix")
    if prefix == "ROOT" and upstream != "ecr":
        raise _invalid("The ecrRepositoryPrefix ROOT is only supported for an upstream registry of type ecr")
    if upstream_prefix is not None:
        if upstream != "ecr":
            raise _invalid("upstreamRepositoryPrefix is only supported for an upstream registry of type ecr")
        if prefix == "ROOT" and upstream_prefix != "ROOT":
            raise _invalid("upstreamRepositoryPrefix can only be set when ecrRepositoryPrefix is not ROOT")
    _check_credentials(upstream, url, params.get("credentialArn"), params.get("customRoleArn"), registry, region)
    rules = _rules(backend)
    if (registry, prefix) in rules:
        raise EcrError(
            "PullThroughCacheRuleAlreadyExistsException",
            "A pull through cache rule with the repository prefix '%s' already exists in the registry with id '%s'" % (prefix, registry),
        )
    rule = {
        "ecrRepositoryPrefix": prefix,
        "upstreamRegistryUrl": url,
        "createdAt": now(),
        "registryId": registry,
        "upstreamRegistry": upstream,
        "updatedAt": now(),
    }
    if upstream == "ecr":
        rule["upstreamRepositoryPrefix"] = upstream_prefix or "ROOT"
    for key in ("credentialArn", "customRoleArn"):
        if params.get(key):
            rule[key] = params[key]
    rules[(registry, prefix)] = rule
    return {k: v for k, v in rule.items() if k != "updatedAt"}


def _existing(backend, params, account):
    registry = _registry(params, account)
    rule = _rules(backend).get((registry, params["ecrRepositoryPrefix"]))
    if rule is None:
        raise EcrError(
            "PullThroughCacheRuleNotFoundException",
            "The pull through cache rule with the repository prefix '%s' does not exist in the registry with id '%s'"
            % (params["ecrRepositoryPrefix"], registry),
        )
    return rule


@operation("UpdatePullThroughCacheRule")
def update_pull_through_cache_rule(backend, params, account, region):
    rule = _existing(backend, params, account)
    credential = params.get("credentialArn", rule.get("credentialArn"))
    role = params.get("customRoleArn", rule.get("customRoleArn"))
    if not params.get("credentialArn") and not params.get("customRoleArn"):
        raise _invalid("Either credentialArn or customRoleArn must be specified")
    _check_credentials(rule["upstreamRegistry"], rule["upstreamRegistryUrl"], credential, role, rule["registryId"], region)
    for key, value in (("credentialArn", credential), ("customRoleArn", role)):
        if value:
            rule[key] = value
    rule["updatedAt"] = now()
    keys = ("ecrRepositoryPrefix", "registryId", "updatedAt", "credentialArn", "customRoleArn", "upstreamRepositoryPrefix")
    return {k: rule[k] for k in keys if k in rule}


@operation("DeletePullThroughCacheRule")
def delete_pull_through_cache_rule(backend, params, account, region):
    rule = _existing(backend, params, account)
    del _rules(backend)[(rule["registryId"], rule["ecrRepositoryPrefix"])]
    return {k: v for k, v in rule.items() if k not in ("updatedAt", "upstreamRegistry")}


@operation("DescribePullThroughCacheRules")
def describe_pull_through_cache_rules(backend, params, account, region):
    registry = _registry(params, account)
    wanted = params.get("ecrRepositoryPrefixes")
    rules = [rule for (owner, _prefix), rule in sorted(_rules(backend).items()) if owner == registry]
    if wanted:
        for prefix in wanted:
            _existing(backend, {"registryId": registry, "ecrRepositoryPrefix": prefix}, account)
        rules = [rule for rule in rules if rule["ecrRepositoryPrefix"] in wanted]
    start = int(params.get("nextToken") or 0)
    size = params.get("maxResults") or 100
    page = rules[start : start + size]
    result = {"pullThroughCacheRules": [dict(rule) for rule in page]}
    if start + size < len(rules):
        result["nextToken"] = str(start + size)
    return result


def _verdict(rule: dict, region: str) -> tuple[bool, str | None]:
    upstream = rule["upstreamRegistry"]
    if upstream == "ecr":
        if rule.get("customRoleArn") or ECR_URL.fullmatch(rule["upstreamRegistryUrl"]).group("account") == rule["registryId"]:
            return True, None
        return False, "No role to assume for the upstream registry"
    credential = rule.get("credentialArn")
    if not credential:
        return True, None
    secret = _find_secret(credential, rule["registryId"], region)
    if secret is None:
        return False, "Unable to find the secret %s" % credential
    try:
        value = json.loads(secret.secret_string or "")
    except ValueError:
        value = None
    if not isinstance(value, dict) or not value.get("username") or not value.get("accessToken"):
        return False, "The secret must hold a JSON object with username and accessToken"
    return True, None


@operation("ValidatePullThroughCacheRule")
def validate_pull_through_cache_rule(backend, params, account, region):
    rule = _existing(backend, params, account)
    valid, failure = _verdict(rule, region)
    keys = ("ecrRepositoryPrefix", "registryId", "upstreamRegistryUrl", "credentialArn", "customRoleArn", "upstreamRepositoryPrefix")
    result = {k: rule[k] for k in keys if k in rule}
    result["isValid"] = valid
    if failure:
        result["failure"] = failure
    return result
