"""The filter stowage.ecr.role_problems: what the roles refuse in their variables, before their first write."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.stowage.ecr.plugins.filter.role_problems import FilterModule, role_problems

ROLES = Path(__file__).resolve().parents[4] / "roles"
REPO_SPEC = str(ROLES / "ecr_repo" / "meta" / "argument_specs.yml")
REGISTRY_SPEC = str(ROLES / "ecr_registry" / "meta" / "argument_specs.yml")


def repo(names=(), strict=False, **values):
    given = {"state": "present", "name": "app", "repositories": None, "image": "", "image_tags": ["latest"], "registry_url": "", "scan_gate": "", "build": {}}
    given.update(values)
    return role_problems(given, "ecr_repo", list(names), REPO_SPEC, also_known=["ecr_repo_url"], strict=strict)


def registry(names=(), strict=False, **values):
    return role_problems(values, "ecr_registry", list(names), REGISTRY_SPEC, also_known=["ecr_registry_hosts"], strict=strict)


def test_the_defaults_and_nulls_are_accepted():
    assert repo() == []
    assert repo(state=None, image=None, image_tags=None, registry_url=None, scan_gate=None, build=None) == []
    assert registry() == []
    assert registry(registry_id="123456789012", purge_policy=False, policy={"Version": "2012-10-17"}, purge_replication_rules=True, replication_rules=[]) == []


def test_each_ecr_repo_problem_names_its_variable():
    assert repo(state="gone") == ["ecr_repo_state: gone is not a state; give one of present, absent (null is present)"]
    assert repo(name=None) == ["ecr_repo_name: null names no repository; give the repository name, or list the repositories in ecr_repo_repositories"]
    assert repo(name=None, repositories=[]) == []
    [tags] = repo(image="app:1", image_tags=["ok", "no space"])
    assert tags.startswith("ecr_repo_image_tags") and "no space" in tags
    assert repo(image_tags=["no space"]) == [], "tags are only checked with an image to push"
    assert repo(image="app:1", repositories=[{"name": "a"}]) == [
        "ecr_repo_image: an image is pushed to the single repository ecr_repo_name; with ecr_repo_repositories leave ecr_repo_image "
        "empty, and push each image with its own run of the role"
    ]
    [url] = repo(registry_url="ftp://example.com")
    assert url.startswith("ecr_repo_registry_url")
    assert repo(scan_gate="severe") == [
        "ecr_repo_scan_gate: severe is not a severity; give one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED (in any case), "
        "or leave it empty for no gate"
    ]
    assert repo(scan_gate="high") == []
    assert repo(build="ctx") == ["ecr_repo_image: name the image to build (name:tag on the Docker Engine), e.g. app:build"]
    assert repo(build="ctx", state="absent") == []


def test_problems_come_in_order_and_the_first_is_the_roles_message():
    assert [m.split(":")[0] for m in repo(state="gone", name=None, scan_gate="x")] == ["ecr_repo_state", "ecr_repo_name", "ecr_repo_scan_gate"]


def test_each_ecr_registry_problem_names_its_variable():
    assert registry(registry_id="12345") == ["ecr_registry_registry_id: 12345 is not a registry id; give the 12-digit AWS account id of the registry"]
    assert registry(registry_id=123456789012) == []
    assert registry(purge_policy=True, policy={}) == [
        "ecr_registry_purge_policy: deletes the registry policy; not together with ecr_registry_policy (give one of them)"
    ]
    assert registry(purge_signing_rules=True, signing_rules=[]) == [
        "ecr_registry_purge_signing_rules: deletes the signing configuration; not together with ecr_registry_signing_rules (give one of them)"
    ]
    assert registry(purge_pull_through_cache_rules=True, purge_pull_time_update_exclusions=True) == [
        "ecr_registry_purge_pull_through_cache_rules: give ecr_registry_pull_through_cache_rules too, the list to keep ([] removes all)"
    ]
    assert registry(account_settings=[{"name": "BLOB_MOUNTING"}]) == [
        "ecr_registry_account_settings: give a dict of setting name to value (BLOB_MOUNTING: ENABLED), or a list of dicts with name and value"
    ]
    assert registry(account_settings="BLOB_MOUNTING") != []
    assert registry(account_settings={"BLOB_MOUNTING": "ENABLED"}) == []
    assert registry(account_settings=[{"name": "blob_mounting", "value": "ENABLED"}, {"name": "BLOB_MOUNTING", "value": "DISABLED"}]) == [
        "ecr_registry_account_settings: blob_mounting, BLOB_MOUNTING is given twice"
    ]
    assert registry(repository_creation_templates=[{"prefix": "App"}, {"prefix": "app"}]) == [
        "ecr_registry_repository_creation_templates: each prefix once; listed more than once: App, app"
    ]
    assert registry(pull_through_cache_rules=[{"ecr_repository_prefix": "hub"}, {"ecr_repository_prefix": "hub"}]) == [
        "ecr_registry_pull_through_cache_rules: each ecr_repository_prefix once; listed: hub, hub"
    ]
    assert registry(pull_time_update_exclusions=["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/a"]) == [
        "ecr_registry_pull_time_update_exclusions: each principal ARN once; listed: arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/a"
    ]


def test_unknown_names_are_warned_about_or_the_last_problem_when_strict(monkeypatch):
    shown = []
    monkeypatch.setattr("ansible_collections.stowage.ecr.plugins.filter.unknown_role_vars.display.warning", shown.append)
    names = ["ecr_repo_name", "ecr_repo_url", "ecr_repo_scan_onpush"]
    assert repo(names) == []
    assert shown == ["ecr_repo_scan_onpush is not a variable of this role; did you mean ecr_repo_scan_on_push?"]
    assert repo(names, strict="yes", state="gone")[-1] == (
        "ecr_repo_scan_onpush is not a variable of this role; did you mean ecr_repo_scan_on_push? (ecr_repo_strict is true: nothing was built or written)"
    )
    assert len(shown) == 1, "no warning when strict"
    assert registry(["ecr_registry_hosts", "ecr_registry_policy"], strict=True) == []
    assert registry(["ecr_registry_scaning_rules"], strict=True) == [
        "ecr_registry_scaning_rules is not a variable of this role; did you mean ecr_registry_scanning_rules?"
        " (ecr_registry_strict is true: nothing was written)"
    ]


def test_the_known_names_are_the_roles_documented_options():
    import yaml

    options = yaml.safe_load(Path(REPO_SPEC).read_text())["argument_specs"]["main"]["options"]
    assert repo(list(options), strict=True) == []


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: role_problems({}, "ecr_other", [], REPO_SPEC), "role 'ecr_other' is not one of ecr_registry, ecr_repo"),
        (lambda: role_problems([], "ecr_repo", [], REPO_SPEC), "the input must be a dict"),
        (lambda: role_problems({}, "ecr_repo", [], "/nonexistent/argument_specs.yml"), "cannot read the role's options"),
    ],
)
def test_bad_use_is_a_filter_error(call, message):
    with pytest.raises(AnsibleFilterError, match=message):
        call()


def test_the_filter_is_exported():
    assert FilterModule().filters() == {"role_problems": role_problems}
