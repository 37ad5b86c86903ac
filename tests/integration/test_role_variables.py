"""The roles' variables: null (as an AWX survey or include_role vars pass it) leaves a setting alone, on every
variable of both roles; bad values still fail, before any write, naming the variable; a variable name the role
does not know is warned about (or fails with the strict switch); a registry that does not answer fails the push
path before the first write."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import uuid

import boto3
import pytest
import yaml
from helpers import ANSIBLE_PLAYBOOK, REGION, ROOT, Recorder, ansible_env, build_image, run_play, unique, write_playbook, writes

ROLES = {"ecr_repo": "stowage.ecr.ecr_repo", "ecr_registry": "stowage.ecr.ecr_registry"}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": ["ecr:BatchGetImage"]}],
}
LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 3,
            "description": "keep ten",
            "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 10},
            "action": {"type": "expire"},
        }
    ]
}


def variables(role: str) -> list[str]:
    """Every variable the role documents."""
    specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return list(specs["argument_specs"]["main"]["options"])


def all_null(role: str, **given) -> dict:
    return dict({name: None for name in variables(role)}, **given)


def include(role: str, role_vars: dict | None = None) -> list[dict]:
    task = {"name": "role", "ansible.builtin.include_role": {"name": ROLES[role]}}
    if role_vars is not None:
        task["vars"] = role_vars
    return [task]


def run_with(how: str, role: str, role_vars: dict, tmp_path):
    """The role with ``role_vars`` as extra vars (a JSON document, what an AWX survey sends) or as include_role vars."""
    if how == "extra vars":
        return run_play(include(role), tmp_path, extra_args=["-e", json.dumps(role_vars)])
    return run_play(include(role, role_vars), tmp_path)


def failed_messages(play) -> list[str]:
    return [str(t["result"].get("msg")) for t in play.tasks if t["result"].get("failed")]


def repository_state(ecr, name: str) -> dict:
    repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    return {
        "scan_on_push": repo["imageScanningConfiguration"]["scanOnPush"],
        "mutability": repo["imageTagMutability"],
        "encryption": repo["encryptionConfiguration"],
        "tags": ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"],
        "policy": json.loads(ecr.get_repository_policy(repositoryName=name)["policyText"]),
        "lifecycle": json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]),
    }


@pytest.fixture
def repository(moto):
    """A repository whose every setting differs from the role's defaults (made with boto3)."""
    ecr = boto3.client("ecr", region_name=REGION)
    name = unique("nullvars")
    ecr.create_repository(
        repositoryName=name,
        imageScanningConfiguration={"scanOnPush": False},
        imageTagMutability="IMMUTABLE",
        tags=[{"Key": "team", "Value": "payments"}],
    )
    ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(POLICY))
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(LIFECYCLE))
    yield ecr, name
    ecr.delete_repository(repositoryName=name, force=True)


@pytest.mark.matrix
@pytest.mark.parametrize("how", ["extra vars", "include_role vars"])
def test_null_ecr_repo_variables_leave_the_repository_alone(moto, repository, tmp_path, how):
    ecr, name = repository
    before = repository_state(ecr, name)
    nulls = all_null("ecr_repo", ecr_repo_name=name)
    assert nulls["ecr_repo_lifecycle_rules"] is None and nulls["ecr_repo_scan_on_push"] is None
    with Recorder(moto) as rec:
        play = run_with(how, "ecr_repo", nulls, tmp_path)
    assert play.rc == 0, play.failures()
    assert play.stats["localhost"]["changed"] == 0
    operations = rec.operations()
    assert "DescribeRepositories" in operations, operations
    assert writes(operations) == []
    assert repository_state(ecr, name) == before


@pytest.mark.matrix
@pytest.mark.parametrize("how", ["extra vars", "include_role vars"])
def test_null_ecr_registry_variables_leave_the_registry_alone(moto, tmp_path, how):
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.put_registry_scanning_configuration(
        scanType="BASIC", rules=[{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "nullvars-*", "filterType": "WILDCARD"}]}]
    )
    before = (ecr.get_registry_scanning_configuration()["scanningConfiguration"], ecr.describe_registry()["replicationConfiguration"])
    nulls = all_null("ecr_registry")
    assert nulls["ecr_registry_purge_policy"] is None and nulls["ecr_registry_purge_replication_rules"] is None
    with Recorder(moto) as rec:
        play = run_with(how, "ecr_registry", nulls, tmp_path)
    assert play.rc == 0, play.failures()
    assert play.stats["localhost"]["changed"] == 0
    assert writes(rec.operations()) == []
    assert (ecr.get_registry_scanning_configuration()["scanningConfiguration"], ecr.describe_registry()["replicationConfiguration"]) == before


def test_bad_values_still_fail_before_any_write(moto, tmp_path):
    name = unique("badvars")
    cases = {
        ("ecr_repo", "ecr_repo_state"): ({"ecr_repo_name": name, "ecr_repo_state": "gone"}, "ecr_repo_state: gone is not a state; give one of present, absent"),
        ("ecr_repo", "ecr_repo_name"): ({"ecr_repo_name": None}, "ecr_repo_name: null names no repository"),
        ("ecr_repo", "ecr_repo_scan_on_push"): ({"ecr_repo_name": name, "ecr_repo_scan_on_push": "maybe"}, "ecr_repo_scan_on_push"),
        ("ecr_repo", "ecr_repo_lifecycle_rules"): ({"ecr_repo_name": name, "ecr_repo_lifecycle_rules": {"priority": 1}}, "ecr_repo_lifecycle_rules"),
        ("ecr_registry", "ecr_registry_purge_policy"): ({"ecr_registry_purge_policy": "perhaps"}, "ecr_registry_purge_policy"),
    }
    for (role, variable), (role_vars, expected) in cases.items():
        with Recorder(moto) as rec:
            play = run_play(include(role), tmp_path, extra_args=["-e", json.dumps(role_vars)], diff=False)
        assert play.rc != 0, variable
        messages = failed_messages(play)
        assert messages and expected in messages[0], (variable, messages)
        assert writes(rec.operations()) == [], variable
    ecr = boto3.client("ecr", region_name=REGION)
    with pytest.raises(ecr.exceptions.RepositoryNotFoundException):
        ecr.describe_repositories(repositoryNames=[name])


@pytest.mark.matrix
def test_an_unknown_ecr_repo_variable_is_warned_about_and_fails_when_strict(moto, tmp_path):
    ecr = boto3.client("ecr", region_name=REGION)
    name = unique("typo")
    misspelled = {"ecr_repo_name": name, "ecr_repo_scan_onpush": False, "ecr_repo_lifecycle_rules": []}

    with Recorder(moto) as rec:
        strict = run_play(include("ecr_repo", dict(misspelled, ecr_repo_strict=True)), tmp_path)
    assert strict.rc != 0
    message = failed_messages(strict)[0]
    assert "ecr_repo_scan_onpush is not a variable of this role; did you mean ecr_repo_scan_on_push?" in message, message
    assert writes(rec.operations()) == []
    with pytest.raises(ecr.exceptions.RepositoryNotFoundException):
        ecr.describe_repositories(repositoryNames=[name])

    # not strict: the run goes on (the misspelled variable does nothing) and says why scan on push is still on
    warned = run_play(include("ecr_repo", misspelled), tmp_path)
    assert warned.rc == 0, warned.failures()
    output = " ".join((warned.stdout + warned.stderr).split())  # warnings on stderr may be wrapped
    assert "ecr_repo_scan_onpush is not a variable of this role; did you mean ecr_repo_scan_on_push?" in output
    # only the misspelled name: not the role's internal facts (_ecr_repo_*), nor the facts it sets
    assert set(re.findall(r"(\w+) is not a variable of this role", output)) == {"ecr_repo_scan_onpush"}
    assert ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["imageScanningConfiguration"]["scanOnPush"] is True
    # the facts the role sets are known names: a second run in the same play warns about nothing
    again = run_play(include("ecr_repo", {"ecr_repo_name": name, "ecr_repo_lifecycle_rules": []}) * 2, tmp_path)
    assert again.rc == 0 and "is not a variable of this role" not in again.stdout + again.stderr
    ecr.delete_repository(repositoryName=name, force=True)


@pytest.mark.matrix
@pytest.mark.parametrize("role", ["ecr_repo", "ecr_registry"])
def test_the_unknown_variable_warning_is_shown_by_the_default_output(moto, tmp_path, role):
    """What a user sees on the screen (ansible-core's default output, not the JSON the other tests read): the
    warning about a misspelled variable, once, on every path of the role (ansible-core does not show the warnings
    of an include's result, and the roles choose their path with an include)."""
    name = unique("warned")
    typo = {"ecr_repo": "ecr_repo_scan_onpush", "ecr_registry": "ecr_registry_scaning_rules"}[role]
    role_vars = {typo: True, "ecr_repo_name": name, "ecr_repo_lifecycle_rules": []} if role == "ecr_repo" else {typo: True}
    for extra in ({}, {"ecr_repo_repositories": []} if role == "ecr_repo" else {}):
        path = write_playbook(include(role, dict(role_vars, **extra)), tmp_path / ("%s.yml" % uuid.uuid4().hex[:8]))
        env = ansible_env(callback="ansible.builtin.default")
        proc = subprocess.run([ANSIBLE_PLAYBOOK, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
        output = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode == 0, output
        assert output.count("%s is not a variable of this role" % typo) == 1, (extra, output)
    if role == "ecr_repo":
        boto3.client("ecr", region_name=REGION).delete_repository(repositoryName=name, force=True)


def test_an_unknown_ecr_registry_variable_is_warned_about_and_fails_when_strict(moto, tmp_path):
    typo = {"ecr_registry_scaning_rules": [], "ecr_registry_hosts": "localhost"}
    with Recorder(moto) as rec:
        strict = run_play(include("ecr_registry", dict(typo, ecr_registry_strict=True)), tmp_path)
    assert strict.rc != 0
    message = failed_messages(strict)[0]
    assert "ecr_registry_scaning_rules is not a variable of this role; did you mean ecr_registry_scanning_rules?" in message, message
    assert "ecr_registry_hosts" not in message
    assert writes(rec.operations()) == []

    warned = run_play(include("ecr_registry", typo), tmp_path)
    assert warned.rc == 0, warned.failures()
    assert "did you mean ecr_registry_scanning_rules?" in " ".join((warned.stdout + warned.stderr).split())


def closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.matrix
@pytest.mark.parametrize("check", [False, True])
def test_a_registry_that_does_not_answer_fails_before_the_first_write(moto, dockerd, tmp_path, check):
    name = unique("deadregistry")
    image = build_image(dockerd, "stowage-dead:%s" % name.rsplit("-", 1)[-1], "dead registry " + name)
    address = "http://127.0.0.1:%d" % closed_port()
    role_vars = {
        "ecr_repo_name": name,
        "ecr_repo_image": image,
        "ecr_repo_registry_url": address,
        "ecr_repo_docker_config": str(tmp_path / "docker" / "config.json"),
    }
    with Recorder(moto) as rec:
        play = run_play(include("ecr_repo", role_vars), tmp_path, check=check, env={"DOCKER_HOST": dockerd["env"]["DOCKER_HOST"]})
    assert play.rc != 0
    messages = failed_messages(play)
    assert messages and address.split("//")[1] in messages[0], messages
    operations = rec.operations()
    assert "GetAuthorizationToken" in operations, operations
    assert writes(operations) == [] and "CreateRepository" not in operations
    ecr = boto3.client("ecr", region_name=REGION)
    with pytest.raises(ecr.exceptions.RepositoryNotFoundException):
        ecr.describe_repositories(repositoryNames=[name])
