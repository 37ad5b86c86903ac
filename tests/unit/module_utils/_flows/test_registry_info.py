"""Reading the registry-level settings and turning them into the role's variables
(plugins/module_utils/_flows/registry_info.py), with a stand-in for the ECR calls."""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import botocore.exceptions
import pytest
import yaml

from ansible_collections.stowage.ecr.plugins.module_utils._aws.registry import RegistryApi
from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import compile_rules, policies_equal
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry import (
    merge_replication,
    replication_rules_want,
    rules_equal,
    scanning_rules_want,
    signing_rules_want,
)
from ansible_collections.stowage.ecr.plugins.module_utils._checks.registry_rules import check_rule, check_template
from ansible_collections.stowage.ecr.plugins.module_utils._flows.registry_info import (
    SECTIONS,
    pull_through_cache_rule_item,
    read_registry,
    role_vars,
    template_item,
)

ACCOUNT = "123456789012"
LIVE_REPLICATION = [
    {
        "destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}],
        "repositoryFilters": [{"filter": "platform/", "filterType": "PREFIX_MATCH"}],
        "deleteReplication": {"enabled": True},
    },
    {"destinations": [{"region": "us-east-1", "registryId": "210987654321"}]},
]


def denied(operation, code="AccessDeniedException"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "not for you"}}, operation)


class FakeApi:
    """The read methods of RegistryApi, answering from a dict; ``fail`` maps a method to the error it raises."""

    region = "eu-west-1"

    def __init__(self, fail=None):
        self.fail = fail or {}
        self.calls = []

    def _answer(self, name, value):
        self.calls.append(name)
        if name in self.fail:
            raise self.fail[name]
        return value

    def registry_policy(self):
        return self._answer("registry_policy", None)

    def describe_registry(self):
        return self._answer("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": LIVE_REPLICATION}})

    def registry_scanning_configuration(self):
        return self._answer(
            "registry_scanning_configuration",
            {
                "registryId": ACCOUNT,
                "scanningConfiguration": {
                    "scanType": "BASIC",
                    "rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}],
                },
            },
        )

    def describe_pull_through_cache_rules(self):
        return self._answer("describe_pull_through_cache_rules", [{"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io", "registryId": ACCOUNT}])

    def describe_repository_creation_templates(self):
        return self._answer("describe_repository_creation_templates", [{"prefix": "ROOT", "appliedFor": ["CREATE_ON_PUSH"]}])

    def account_setting(self, name):
        return self._answer("account_setting:" + name, {"name": name, "value": {"BLOB_MOUNTING": "ENABLED"}.get(name, "V2")})

    def pull_time_update_exclusions(self):
        return self._answer("pull_time_update_exclusions", ["arn:aws:iam::%s:role/b" % ACCOUNT, "arn:aws:iam::%s:role/a" % ACCOUNT])

    def signing_configuration(self):
        return self._answer("signing_configuration", None)

    def caller_account(self):
        return self._answer("caller_account", ACCOUNT)


def test_every_section_read():
    api = FakeApi()
    read = read_registry(api, list(SECTIONS))
    assert read["errors"] == {} and read["registry_id"] == ACCOUNT and read["region"] == "eu-west-1"
    assert read["policy"] is None and read["signing"] == {"rules": None}
    assert read["pull_time_update_exclusions"] == ["arn:aws:iam::%s:role/a" % ACCOUNT, "arn:aws:iam::%s:role/b" % ACCOUNT]
    assert read["pull_through_cache_rules"][0]["upstream_registry"] == "quay"  # told from the URL when AWS leaves it out
    assert [s["name"] for s in read["account_settings"]] == ["BASIC_SCAN_TYPE_VERSION", "BLOB_MOUNTING", "REGISTRY_POLICY_SCOPE"]
    assert "caller_account" not in api.calls


def test_only_the_sections_asked_for():
    api = FakeApi()
    read = read_registry(api, ["signing"])
    assert set(read) == {"signing", "errors", "skipped_settings", "registry_id", "region"}
    assert sorted(api.calls) == ["caller_account", "signing_configuration"]  # no registry id in the answer: STS says
    assert read_registry(FakeApi(), [])["registry_id"] == ACCOUNT


def test_a_denied_section_is_reported_and_left_out_of_the_variables():
    read = read_registry(FakeApi(fail={"signing_configuration": denied("GetSigningConfiguration")}), list(SECTIONS))
    assert read["signing"] is None and read["errors"]["signing"]["code"] == "AccessDeniedException"
    assert read["replication"]["rules"]
    variables = role_vars(read)
    assert "ecr_registry_signing_rules" not in variables and "ecr_registry_purge_signing_rules" not in variables
    assert variables["ecr_registry_purge_policy"] is True


def test_an_operation_the_region_does_not_offer_is_a_section_error():
    read = read_registry(
        FakeApi(fail={"describe_pull_through_cache_rules": denied("DescribePullThroughCacheRules", "UnknownOperationException")}), list(SECTIONS)
    )
    assert read["errors"] == {
        "pull_through_cache_rules": {"code": "UnknownOperationException", "message": read["errors"]["pull_through_cache_rules"]["message"]}
    }


def test_other_errors_fail_the_read():
    with pytest.raises(botocore.exceptions.ClientError):
        read_registry(FakeApi(fail={"describe_registry": denied("DescribeRegistry", "ServerException")}), list(SECTIONS))


def test_an_account_setting_the_region_does_not_know_is_skipped():
    api = FakeApi(fail={"account_setting:BLOB_MOUNTING": denied("GetAccountSetting", "ValidationException")})
    read = read_registry(api, ["account_settings"])
    assert read["errors"] == {} and list(read["skipped_settings"]) == ["BLOB_MOUNTING"]
    assert role_vars(read)["ecr_registry_account_settings"] == {"BASIC_SCAN_TYPE_VERSION": "V2", "REGISTRY_POLICY_SCOPE": "V2"}
    # every setting denied: the section is denied
    all_denied = {"account_setting:" + name: denied("GetAccountSetting") for name in ("BASIC_SCAN_TYPE_VERSION", "BLOB_MOUNTING", "REGISTRY_POLICY_SCOPE")}
    read = read_registry(FakeApi(fail=all_denied), ["account_settings"])
    assert read["errors"]["account_settings"]["code"] == "AccessDeniedException" and read["account_settings"] is None


def test_role_vars_pass_the_modules_checks_and_change_nothing():
    read = read_registry(FakeApi(), list(SECTIONS))
    variables = role_vars(read)
    replication = variables["ecr_registry_replication_rules"]
    assert replication[1] == {"destinations": [{"region": "us-east-1", "registry_id": "210987654321"}], "delete_replication": False}
    wanted = replication_rules_want(replication, own_registry_id=ACCOUNT)
    assert rules_equal(merge_replication(LIVE_REPLICATION, wanted, "present", True), LIVE_REPLICATION)
    assert scanning_rules_want(variables["ecr_registry_scanning_rules"]) == [
        {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}
    ]
    for item in variables["ecr_registry_pull_through_cache_rules"]:
        check_rule(dict(item, state="present"), region="eu-west-1")
    for item in variables["ecr_registry_repository_creation_templates"]:
        check_template(dict(item, state="present"))
    assert variables["ecr_registry_purge_signing_rules"] is True


def test_signing_rules_round_trip():
    read = {
        "region": "eu-west-1",
        "registry_id": ACCOUNT,
        "errors": {},
        "signing": {"rules": [{"signing_profile_arn": "arn:aws:signer:eu-west-1:%s:/signing-profiles/p1" % ACCOUNT, "repository_filters": []}]},
    }
    variables = role_vars(read)
    assert variables["ecr_registry_signing_rules"] == [{"signing_profile_arn": "arn:aws:signer:eu-west-1:%s:/signing-profiles/p1" % ACCOUNT}]
    signing_rules_want(variables["ecr_registry_signing_rules"])


def test_pull_through_cache_rule_items_carry_only_what_the_upstream_takes():
    ecr = {
        "ecr_repository_prefix": "team",
        "upstream_registry_url": "210987654321.dkr.ecr.eu-west-1.amazonaws.com",
        "upstream_registry": "ecr",
        "credential_arn": None,
        "custom_role_arn": "arn:aws:iam::%s:role/ptc" % ACCOUNT,
        "upstream_repository_prefix": "ROOT",
        "registry_id": ACCOUNT,
        "created_at": "2026-11-30T00:00:00+00:00",
    }
    assert pull_through_cache_rule_item(ecr) == {
        k: ecr[k] for k in ("ecr_repository_prefix", "upstream_registry_url", "upstream_registry", "custom_role_arn", "upstream_repository_prefix")
    }
    hub = {
        "ecr_repository_prefix": "hub",
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": "arn:x",
        "upstream_repository_prefix": "ROOT",
    }
    assert pull_through_cache_rule_item(hub) == {
        "ecr_repository_prefix": "hub",
        "upstream_registry_url": "registry-1.docker.io",
        "upstream_registry": "docker-hub",
        "credential_arn": "arn:x",
    }


def test_template_items_are_written_out_whole():
    typed = [{"priority": 1, "tag_status": "untagged", "count_type": "since_image_pushed", "count_number": 7}]
    view = {
        "prefix": "prod",
        "description": None,
        "applied_for": ["REPLICATION", "CREATE_ON_PUSH"],
        "image_tag_mutability": "MUTABLE",
        "image_tag_mutability_exclusion_filters": [],
        "encryption_type": "KMS",
        "kms_key": None,
        "tags": {"b": "2", "a": "1"},
        "policy": None,
        "lifecycle_policy": compile_rules(typed),
        "custom_role_arn": None,
    }
    item = template_item(view)
    assert item == {
        "prefix": "prod",
        "applied_for": ["CREATE_ON_PUSH", "REPLICATION"],
        "description": "",
        "image_tag_mutability": "MUTABLE",
        "encryption_type": "KMS",
        "tags": {"a": "1", "b": "2"},
        "purge_tags": True,
        "purge_policy": True,
        "lifecycle_rules": typed,
        "custom_role_arn": "",
    }
    # a lifecycle policy the typed rules cannot say stays AWS's JSON
    odd = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5, "extra": 1},
                "action": {"type": "expire"},
            }
        ]
    }
    item = template_item(dict(view, lifecycle_policy=odd))
    assert "lifecycle_rules" not in item and policies_equal(item["lifecycle_policy"], odd)


# the role's list items take exactly the modules' options ------------------------------------------------

ROOT = Path(__file__).resolve().parents[4]
ROLE_OPTIONS = yaml.safe_load((ROOT / "roles" / "ecr_registry" / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]


def fragment_options(name):
    """The options of a doc fragment that documents module options (this collection's, and amazon.aws.tags);
    None for the connection fragments (region, credentials), which the role passes otherwise."""
    parts = name.split(".")
    if parts[:2] == ["stowage", "ecr"]:
        module = importlib.import_module("ansible_collections.stowage.ecr.plugins.doc_fragments.%s" % parts[2])
    elif name == "amazon.aws.tags":
        module = importlib.import_module("ansible_collections.amazon.aws.plugins.doc_fragments.tags")
    else:
        return None
    text = getattr(module.ModuleDocFragment, parts[3] if len(parts) > 3 else "DOCUMENTATION")
    return yaml.safe_load(text)["options"]


def module_options(module):
    """A module's options as documented: its own and those of the fragments it extends."""
    tree = ast.parse((ROOT / "plugins" / "modules" / ("%s.py" % module)).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in node.targets):
            doc = yaml.safe_load(ast.literal_eval(node.value))
            options = {}
            for fragment in doc.get("extends_documentation_fragment") or []:
                options.update(fragment_options(fragment) or {})
            options.update(doc.get("options") or {})
            return options
    raise AssertionError("no DOCUMENTATION in %s" % module)


def option_tree(options, key):
    return {name: option_tree(option.get(key) or {}, key) for name, option in options.items()}


@pytest.mark.parametrize(
    "variable, module, option",
    [
        ("ecr_registry_pull_through_cache_rules", "ecr_pull_through_cache_rule", None),
        ("ecr_registry_repository_creation_templates", "ecr_repository_creation_template", None),
        ("ecr_registry_replication_rules", "ecr_replication", "rules"),
        ("ecr_registry_scanning_rules", "ecr_registry_scanning", "rules"),
        ("ecr_registry_signing_rules", "ecr_signing_configuration", "rules"),
    ],
)
def test_role_items_take_the_modules_options(variable, module, option):
    options = module_options(module)
    if option:
        options = options[option]["suboptions"]
    assert option_tree(ROLE_OPTIONS[variable]["options"], "options") == option_tree(options, "suboptions")


# the same reads on a stubbed ECR client: the calls in order ---------------------------------------------


def test_sections_read_on_ecr_with_a_skipped_setting_and_a_denied_section(stubbed):
    ecr = stubbed.ecr
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "ecr:ReplicateImage", "Resource": "*"}]}
    ecr.add_response("get_registry_policy", {"registryId": ACCOUNT, "policyText": json.dumps(policy)}, {})
    ecr.add_response("describe_registry", {"registryId": ACCOUNT, "replicationConfiguration": {"rules": LIVE_REPLICATION}}, {})
    ecr.add_response("get_account_setting", {"name": "BASIC_SCAN_TYPE_VERSION", "value": "AWS_NATIVE"}, {"name": "BASIC_SCAN_TYPE_VERSION"})
    ecr.add_client_error("get_account_setting", "ValidationException", "unknown name", expected_params={"name": "BLOB_MOUNTING"})
    ecr.add_response("get_account_setting", {"name": "REGISTRY_POLICY_SCOPE", "value": "V2"}, {"name": "REGISTRY_POLICY_SCOPE"})
    ecr.add_client_error("get_signing_configuration", "AccessDeniedException", "not allowed", expected_params={})
    sections = ["signing", "account_settings", "replication", "policy"]
    got = read_registry(RegistryApi(stubbed.module()), sections, workers=1)
    assert got["registry_id"] == ACCOUNT and got["region"] == "us-east-1"
    assert got["policy"] == policy
    assert got["replication"]["rules"][0]["destinations"][0]["region"] == "eu-west-1"
    assert got["account_settings"] == [{"name": "BASIC_SCAN_TYPE_VERSION", "value": "AWS_NATIVE"}, {"name": "REGISTRY_POLICY_SCOPE", "value": "V2"}]
    assert got["skipped_settings"]["BLOB_MOUNTING"]["code"] == "ValidationException"
    assert got["signing"] is None and got["errors"] == {"signing": {"code": "AccessDeniedException", "message": got["errors"]["signing"]["message"]}}
    assert "ecr_registry_signing_rules" not in role_vars(got) and role_vars(got)["ecr_registry_policy"] == policy


def test_sections_without_a_registry_id_ask_sts(stubbed):
    stubbed.ecr.add_response("describe_repository_creation_templates", {"repositoryCreationTemplates": []}, {"maxResults": 1000})
    stubbed.ecr.add_response("list_pull_time_update_exclusions", {"pullTimeUpdateExclusions": ["arn:aws:iam::%s:role/b" % ACCOUNT]}, {"maxResults": 1000})
    stubbed.stub("sts").add_response("get_caller_identity", {"Account": ACCOUNT}, {})
    got = read_registry(RegistryApi(stubbed.module()), ["pull_time_update_exclusions", "repository_creation_templates"], workers=1)
    assert got["registry_id"] == ACCOUNT and got["errors"] == {}
    assert got["repository_creation_templates"] == [] and got["pull_time_update_exclusions"] == ["arn:aws:iam::%s:role/b" % ACCOUNT]


def test_an_error_that_is_no_section_error_fails_the_read(stubbed):
    stubbed.ecr.add_client_error("get_registry_scanning_configuration", "InvalidParameterException", "boom", expected_params={})
    with pytest.raises(botocore.exceptions.ClientError):
        read_registry(RegistryApi(stubbed.module()), ["scanning"], workers=1)
