"""The role ecr_registry through ansible-playbook against the local stack: a registry baseline in check mode
(the changes shown, nothing written), applied, applied again (no change, no write); bad variables that fail
before the first write, those that only the live registry shows included; another team's replication rule
surviving; the purge variables.

Registry-level state is one per account and region: these tests use a region of their own (eu-north-1) and
empty it before and after each test."""

from __future__ import annotations

import json
import subprocess

import boto3
import pytest
import yaml
from helpers import ANSIBLE_PLAYBOOK, REGISTRY_DEFAULT_SETTINGS, ROOT, PlayResult, Recorder, ansible_env, empty_registry, run_play, writes

REGION = "eu-north-1"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
ROLE_TASK = "stowage.ecr.ecr_registry : %s"
PROFILE = "arn:aws:signer:%s:%s:/signing-profiles/release_images" % (REGION, ACCOUNT)
SCANNER = "arn:aws:iam::%s:role/ci-scanner" % ACCOUNT
DEFAULT_SETTINGS = REGISTRY_DEFAULT_SETTINGS
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReplicateIn",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER_ACCOUNT},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": "arn:aws:ecr:%s:%s:repository/*" % (REGION, ACCOUNT),
        }
    ],
}
OTHER_TEAMS_RULE = {
    "destinations": [{"region": "us-east-1", "registryId": OTHER_ACCOUNT}],
    "repositoryFilters": [{"filter": "other-team", "filterType": "PREFIX_MATCH"}],
}
BASELINE = {
    "ecr_registry_region": REGION,
    "ecr_registry_registry_id": ACCOUNT,
    "ecr_registry_account_settings": {"BLOB_MOUNTING": "ENABLED"},
    "ecr_registry_policy": POLICY,
    "ecr_registry_scan_type": "ENHANCED",
    "ecr_registry_scanning_rules": [
        {"scan_frequency": "continuous_scan", "repository_filters": [{"filter": "prod-*"}]},
        {"scan_frequency": "SCAN_ON_PUSH", "repository_filters": [{"filter": "*"}]},
    ],
    "ecr_registry_repository_creation_templates": [
        {
            "prefix": "ecr-public",
            "applied_for": ["PULL_THROUGH_CACHE"],
            "description": "ECR Public cache",
            "lifecycle_rules": [{"priority": 1, "tag_status": "any", "count_type": "since_image_pulled", "count_number": 90}],
        },
        {"prefix": "ROOT", "applied_for": ["create_on_push"], "image_tag_mutability": "immutable"},
    ],
    "ecr_registry_pull_through_cache_rules": [
        {"ecr_repository_prefix": "ecr-public", "upstream_registry_url": "public.ecr.aws"},
        {"ecr_repository_prefix": "quay", "upstream_registry_url": "quay.io"},
    ],
    "ecr_registry_replication_rules": [
        {"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "platform/"}], "delete_replication": True},
    ],
    "ecr_registry_pull_time_update_exclusions": [SCANNER],
    "ecr_registry_signing_rules": [{"signing_profile_arn": PROFILE, "repository_filters": [{"filter": "release/*"}]}],
}
BASELINE_STEPS = (
    "Account settings",
    "Registry policy",
    "Registry scanning",
    "Repository creation templates",
    "Pull through cache rules",
    "Replication rules",
    "Pull time update exclusions",
    "Signing rules",
)
ROLE = [{"name": "baseline", "ansible.builtin.include_role": {"name": "stowage.ecr.ecr_registry"}}]
# the role applies every step in one run of ecr_registry_baseline, which reports each step as a section
APPLY = ROLE_TASK % "Apply the baseline"
SECTION_OF_STEP = dict(
    zip(
        BASELINE_STEPS,
        (
            "account_settings",
            "policy",
            "scanning",
            "repository_creation_templates",
            "pull_through_cache_rules",
            "replication_rules",
            "pull_time_update_exclusions",
            "signing_rules",
        ),
    )
)


def aws(service):
    return boto3.client(service, region_name=REGION)


@pytest.fixture
def registry(moto):
    """An empty registry in the tests' region, but for another team's replication rule."""
    empty_registry(REGION)
    ecr = aws("ecr")
    ecr.put_replication_configuration(replicationConfiguration={"rules": [OTHER_TEAMS_RULE]})
    yield ecr
    empty_registry(REGION)


def section(play, step):
    """The module's report of a step: changed, before, after."""
    return play[APPLY]["sections"][SECTION_OF_STEP[step]]


def changed_steps(play):
    return [name for name in BASELINE_STEPS if SECTION_OF_STEP[name] in play[APPLY].get("sections", {}) and section(play, name)["changed"]]


def assert_baseline(ecr):
    """The registry holds the baseline, and the other team's rule."""
    assert json.loads(ecr.get_registry_policy()["policyText"]) == POLICY
    assert ecr.get_account_setting(name="BLOB_MOUNTING")["value"] == "ENABLED"
    assert ecr.get_account_setting(name="REGISTRY_POLICY_SCOPE")["value"] == "V2"
    scanning = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert scanning["scanType"] == "ENHANCED"
    assert sorted((r["scanFrequency"], [f["filter"] for f in r["repositoryFilters"]]) for r in scanning["rules"]) == [
        ("CONTINUOUS_SCAN", ["prod-*"]),
        ("SCAN_ON_PUSH", ["*"]),
    ]
    templates = {t["prefix"]: t for t in ecr.describe_repository_creation_templates()["repositoryCreationTemplates"]}
    assert sorted(templates) == ["ROOT", "ecr-public"]
    assert templates["ROOT"]["imageTagMutability"] == "IMMUTABLE" and templates["ROOT"]["appliedFor"] == ["CREATE_ON_PUSH"]
    assert templates["ecr-public"]["description"] == "ECR Public cache"
    assert json.loads(templates["ecr-public"]["lifecyclePolicy"])["rules"][0]["selection"]["countType"] == "sinceImagePulled"
    rules = {r["ecrRepositoryPrefix"]: r for r in ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]}
    assert sorted(rules) == ["ecr-public", "quay"] and rules["quay"]["upstreamRegistryUrl"] == "quay.io"
    replication = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert OTHER_TEAMS_RULE in replication, "the other team's rule is gone: %s" % replication
    assert {
        "destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}],
        "repositoryFilters": [{"filter": "platform/", "filterType": "PREFIX_MATCH"}],
        "deleteReplication": {"enabled": True},
    } in replication
    assert len(replication) == 2
    assert ecr.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"] == [SCANNER]
    signing = ecr.get_signing_configuration()["signingConfiguration"]["rules"]
    assert signing == [{"signingProfileArn": PROFILE, "repositoryFilters": [{"filter": "release/*", "filterType": "WILDCARD_MATCH"}]}]


@pytest.mark.matrix
def test_baseline_check_apply_again(moto, registry, tmp_path):
    with Recorder(moto) as rec:
        check = run_play(ROLE, tmp_path, check=True, vars=BASELINE)
    assert check.rc == 0, check.failures()
    assert writes(rec.operations()) == []
    # check mode shows every step's change, with its diff, in one module run
    assert changed_steps(check) == list(BASELINE_STEPS)
    assert len(check.all(APPLY)) == 1
    assert section(check, "Registry policy")["before"] is None and section(check, "Registry policy")["after"] == POLICY
    assert section(check, "Replication rules")["before"][0]["repository_filters"] == [{"filter": "other-team", "filter_type": "PREFIX_MATCH"}]
    assert len(section(check, "Replication rules")["after"]) == 2
    assert [d["before_header"] for d in check[APPLY]["diff"]] == [SECTION_OF_STEP[name] for name in BASELINE_STEPS]
    assert registry.describe_pull_through_cache_rules()["pullThroughCacheRules"] == []

    with Recorder(moto) as rec:
        real = run_play(ROLE, tmp_path, vars=BASELINE)
    assert real.rc == 0, real.failures()
    # every step checked first, then applied, in one module run
    assert len(real.all(APPLY)) == 1
    assert changed_steps(real) == list(BASELINE_STEPS)
    assert real.stats["localhost"]["changed"] == 1
    operations = rec.operations()
    # no write before the last check of the first pass (the signing step's read)
    first_write = next(i for i, op in enumerate(operations) if op in writes([op]))
    assert "GetSigningConfiguration" in operations[:first_write]
    assert_baseline(registry)

    with Recorder(moto) as rec:
        again = run_play(ROLE, tmp_path, vars=BASELINE)
    assert again.rc == 0, again.failures()
    assert again.stats["localhost"]["changed"] == 0 and changed_steps(again) == []
    assert writes(rec.operations()) == []
    assert_baseline(registry)


FAILED_MSG = (
    "{{ (ansible_failed_result.results | default([]) | selectattr('failed', 'defined') | selectattr('failed') "
    "| map(attribute='msg') | list + [ansible_failed_result.msg | default('')]) | first }}"
)


def attempt(name, variables):
    """A block that runs the role with ``variables`` (the baseline's, changed) and keeps its failure as ``name``."""
    return {
        "name": name + " block",
        "vars": dict(BASELINE, **variables),
        "block": ROLE + [{"name": name + " passed", "ansible.builtin.debug": {"msg": "the role did not fail"}}],
        "rescue": [{"name": name, "ansible.builtin.debug": {"msg": FAILED_MSG}}],
    }


def test_bad_variables_fail_before_the_first_write(moto, registry, tmp_path):
    # the registry holds the baseline but for the account setting, so that the first step of each attempt would write
    assert run_play(ROLE, tmp_path, vars=BASELINE).rc == 0
    registry.put_account_setting(name="BLOB_MOUNTING", value="DISABLED")
    eleven = [{"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "team-%02d" % i}]} for i in range(10)]
    cases = [
        attempt("bad signing profile", {"ecr_registry_signing_rules": [{"signing_profile_arn": "arn:aws:signer:::nope"}]}),
        attempt(
            "re-create needed",
            {"ecr_registry_pull_through_cache_rules": [{"ecr_repository_prefix": "quay", "upstream_registry_url": "registry.k8s.io"}]},
        ),
        attempt("too many replication rules", {"ecr_registry_replication_rules": eleven}),
        attempt("unknown item key", {"ecr_registry_pull_through_cache_rules": [{"ecr_repository_prefix": "quay", "upstream_url": "quay.io"}]}),
        attempt("another account", {"ecr_registry_registry_id": OTHER_ACCOUNT}),
        attempt("policy and purge", {"ecr_registry_purge_policy": True}),
        attempt("purge without a list", {"ecr_registry_pull_through_cache_rules": None, "ecr_registry_purge_pull_through_cache_rules": True}),
        attempt("settings as text", {"ecr_registry_account_settings": "BLOB_MOUNTING=ENABLED"}),
        attempt(
            "settings twice", {"ecr_registry_account_settings": [{"name": "BLOB_MOUNTING", "value": "ENABLED"}, {"name": "blob_mounting", "value": "DISABLED"}]}
        ),
    ]
    with Recorder(moto) as rec:
        play = run_play(cases, tmp_path, diff=False)
    assert play.rc == 0, play.failures()
    assert writes(rec.operations()) == []
    messages = {case["rescue"][0]["name"]: play[case["rescue"][0]["name"]]["msg"] for case in cases}
    expected = {
        "bad signing profile": "rules[0].signing_profile_arn",
        "re-create needed": "recreate: true",
        "too many replication rules": "would hold 12 rules (2 of them already in the registry and kept)",
        "unknown item key": "upstream_url",
        "another account": "ecr_registry_registry_id: the credentials reach registry %s, not %s" % (ACCOUNT, OTHER_ACCOUNT),
        "policy and purge": "ecr_registry_purge_policy",
        "purge without a list": "ecr_registry_purge_pull_through_cache_rules: give ecr_registry_pull_through_cache_rules too",
        "settings as text": "ecr_registry_account_settings: give a dict",
        "settings twice": "ecr_registry_account_settings: BLOB_MOUNTING, blob_mounting is given twice",
    }
    wrong = {name: messages[name] for name, part in expected.items() if part not in messages[name]}
    assert wrong == {}, json.dumps(wrong, indent=1)
    assert registry.get_account_setting(name="BLOB_MOUNTING")["value"] == "DISABLED"


def test_purges_and_settings_as_a_list(moto, registry, tmp_path):
    # a registry with a policy, two rules, two templates, two exclusions, signing (made with boto3)
    registry.put_registry_policy(policyText=json.dumps(POLICY))
    registry.put_registry_scanning_configuration(scanType="ENHANCED", rules=[])
    registry.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    registry.create_pull_through_cache_rule(ecrRepositoryPrefix="quay", upstreamRegistryUrl="quay.io")
    registry.create_repository_creation_template(prefix="ROOT", appliedFor=["CREATE_ON_PUSH"])
    registry.create_repository_creation_template(prefix="ecr-public", appliedFor=["PULL_THROUGH_CACHE"])
    registry.register_pull_time_update_exclusion(principalArn=SCANNER)
    registry.register_pull_time_update_exclusion(principalArn="arn:aws:iam::%s:user/auditor" % ACCOUNT)
    registry.put_signing_configuration(signingConfiguration={"rules": [{"signingProfileArn": PROFILE}]})
    # BLOB_MOUNTING is DISABLED already (spelled in lower case below: no change); REGISTRY_POLICY_SCOPE changes
    variables = {
        "ecr_registry_region": REGION,
        "ecr_registry_account_settings": [{"name": "BLOB_MOUNTING", "value": "disabled"}, {"name": "REGISTRY_POLICY_SCOPE", "value": "V1"}],
        "ecr_registry_purge_policy": True,
        "ecr_registry_pull_through_cache_rules": [{"ecr_repository_prefix": "quay", "upstream_registry_url": "quay.io"}],
        "ecr_registry_purge_pull_through_cache_rules": True,
        "ecr_registry_repository_creation_templates": [{"prefix": "ROOT"}],
        "ecr_registry_purge_repository_creation_templates": True,
        "ecr_registry_pull_time_update_exclusions": [SCANNER],
        "ecr_registry_purge_pull_time_update_exclusions": True,
        "ecr_registry_replication_rules": [],
        "ecr_registry_purge_replication_rules": True,
        "ecr_registry_purge_signing_rules": True,
    }
    with Recorder(moto) as rec:
        play = run_play(ROLE, tmp_path, vars=variables)
        again = run_play(ROLE, tmp_path, vars=variables)
    assert play.rc == 0, play.failures()
    assert again.rc == 0 and again.stats["localhost"]["changed"] == 0, again.failures()
    assert sorted(writes(rec.operations())) == sorted(
        [
            "PutAccountSetting",
            "DeleteRegistryPolicy",
            "DeletePullThroughCacheRule",
            "DeleteRepositoryCreationTemplate",
            "DeregisterPullTimeUpdateExclusion",
            "PutReplicationConfiguration",
            "DeleteSigningConfiguration",
        ]
    )
    assert registry.get_account_setting(name="BLOB_MOUNTING")["value"] == "DISABLED"
    assert registry.get_account_setting(name="REGISTRY_POLICY_SCOPE")["value"] == "V1"
    assert [r["ecrRepositoryPrefix"] for r in registry.describe_pull_through_cache_rules()["pullThroughCacheRules"]] == ["quay"]
    assert [t["prefix"] for t in registry.describe_repository_creation_templates()["repositoryCreationTemplates"]] == ["ROOT"]
    assert registry.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"] == [SCANNER]
    assert registry.describe_registry()["replicationConfiguration"]["rules"] == []
    # sections whose variables are null were left alone
    assert registry.get_registry_scanning_configuration()["scanningConfiguration"]["scanType"] == "ENHANCED"
    rules = section(play, "Pull through cache rules")["rules"]
    assert [(r["ecr_repository_prefix"], r["operation"]) for r in rules] == [("quay", None), ("ecr-public", "delete")]


def test_registry_playbook_with_an_inventory(moto, registry, tmp_path):
    # the inventory pattern of docs/examples/registry-inventory.yml: one host per account and region
    inventory = {
        "ecr_registries": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "hosts": {
                "localhost": {
                    "ecr_registry_region": REGION,
                    "ecr_registry_registry_id": ACCOUNT,
                    "ecr_registry_account_settings": {"BLOB_MOUNTING": "ENABLED"},
                    "ecr_registry_replication_rules": BASELINE["ecr_registry_replication_rules"],
                }
            },
        }
    }
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    command = [ANSIBLE_PLAYBOOK, "-i", str(path), str(ROOT / "playbooks" / "registry.yml")]

    def run(*args):
        return PlayResult(subprocess.run(command + list(args), cwd=ROOT, env=ansible_env(), capture_output=True, text=True, timeout=300, check=False))

    with Recorder(moto) as rec:
        check = run("--check", "--diff")
    assert check.rc == 0, check.failures()
    assert writes(rec.operations()) == []
    assert changed_steps(check) == ["Account settings", "Replication rules"]
    real = run()
    assert real.rc == 0, real.failures()
    assert registry.get_account_setting(name="BLOB_MOUNTING")["value"] == "ENABLED"
    assert OTHER_TEAMS_RULE in registry.describe_registry()["replicationConfiguration"]["rules"]
