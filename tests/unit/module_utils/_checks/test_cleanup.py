"""ecr_image_cleanup's option checks: every refusal names the option (``rules[1].tag_regex``) before any call."""

from __future__ import annotations

import pytest

from ansible_collections.stowage.ecr.plugins.module_utils._checks.cleanup import (
    ImageRef,
    check_keep_images,
    check_keep_in_use,
    check_max_delete,
    check_repositories,
    check_rules,
    check_usage_sources,
    delete_limit,
    parse_image_uri,
    select_repositories,
)
from ansible_collections.stowage.ecr.plugins.module_utils.errors import InputError

DIGEST = "sha256:" + "a" * 64


def test_rules_are_checked_with_defaults_and_regexes_compiled():
    (first, second) = check_rules([{"keep_newest": 3}, {"tag_status": "TAGGED", "tag_regex": r"v\d+", "older_than_days": "30", "action": "archive"}])
    assert (first.number, first.name, first.tag_status, first.storage_class, first.action, first.keep_newest) == (1, "rules[0]", "any", "standard", "expire", 3)
    assert second.tag_status == "tagged" and second.tag_regex.fullmatch("v12") and second.older_than_days == 30 and second.action == "archive"


@pytest.mark.parametrize(
    "rules, message",
    [
        ([{"keep_newest": 1}, {"keep_newest": 1, "tag_regexp": "x"}], "rules[1].tag_regexp: unknown rule key"),
        ([{"keep_newest": 1, "tag_regex": "v(("}], "rules[0].tag_regex: 'v((' is not a regular expression"),
        ([{"keep_newest": 1, "exclude_regex": "["}], "rules[0].exclude_regex:"),
        ([{"keep_newest": 0}], "rules[0].keep_newest: 0 is not accepted; give a whole number of 1 or more"),
        ([{"keep_newest": True}], "rules[0].keep_newest:"),
        ([{"older_than_days": -1}], "rules[0].older_than_days:"),
        ([{"tag_status": "untagged", "tag_patterns": ["v*"], "keep_newest": 1}], "rules[0].tag_patterns: an untagged image has no tag"),
        ([{"tag_status": "some", "keep_newest": 1}], "rules[0].tag_status: 'some' is not accepted"),
        ([{"tag_status": "any"}], "rules[0]: a rule needs keep_newest, older_than_days or not_pulled_for_days"),
        ([{"keep_newest": 1, "storage_class": "archive", "action": "archive"}], "rules[0].action: archive moves standard images"),
        ([{"keep_newest": 1, "action": "delete"}], "rules[0].action: 'delete' is not accepted"),
        ([{"keep_newest": 1, "tag_patterns": []}], "rules[0].tag_patterns: give a list of tag patterns"),
        ([], "rules: give 1 to 100 rules, got 0"),
        (["x"], "rules[0]: expected a rule (a dict)"),
    ],
)
def test_bad_rules_name_the_option(rules, message):
    with pytest.raises(InputError) as e:
        check_rules(rules)
    assert message in str(e.value)


def test_repositories_and_globs():
    assert check_repositories(["team/*", "api", "api"]) == ["team/*", "api"]
    assert select_repositories(["team/*", "api"], ["api", "team/web", "other"]) == ["api", "team/web"]
    assert select_repositories(["*"], ["a1", "b/c"]) == ["a1", "b/c"]
    with pytest.raises(InputError, match=r"repositories\[1\]: 'Bad Name' is not a repository name"):
        check_repositories(["ok", "Bad Name"])


def test_keep_in_use_defaults_to_every_kind():
    assert check_keep_in_use(None) == ("ecs_task_definitions", "ecs_tasks", "lambda")
    assert check_keep_in_use([]) == ()
    with pytest.raises(InputError, match=r"keep_in_use\[0\]: 'eks' is not accepted"):
        check_keep_in_use(["eks"])


def test_usage_sources():
    assert check_usage_sources(None) == []
    assert check_usage_sources([{"region": "eu-west-1"}]) == [{"region": "eu-west-1", "profile": None, "assume_role_arn": None}]
    with pytest.raises(InputError, match=r"usage_sources\[0\].assume_role_arn"):
        check_usage_sources([{"assume_role_arn": "role/x"}])
    with pytest.raises(InputError, match=r"usage_sources\[0\].cluster: unknown key"):
        check_usage_sources([{"cluster": "x"}])
    with pytest.raises(InputError, match=r"usage_sources\[0\]: give profile or assume_role_arn, not both"):
        check_usage_sources([{"profile": "p", "assume_role_arn": "arn:aws:iam::123456789012:role/r"}])


@pytest.mark.parametrize(
    "uri, parts",
    [
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:v1", ("123456789012", "eu-west-1", "team/api", "v1", None)),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/api", ("123456789012", "eu-west-1", "api", "latest", None)),
        ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api@" + DIGEST, ("123456789012", "cn-north-1", "api", None, DIGEST)),
        ("123456789012.dkr-ecr.us-east-1.on.aws/api:v2@" + DIGEST, ("123456789012", "us-east-1", "api", "v2", DIGEST)),
        ("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/api:v2", ("123456789012", "us-east-1", "api", "v2", None)),
    ],
)
def test_image_uris(uri, parts):
    found = parse_image_uri(uri)
    assert found is not None and (found["account"], found["region"], found["repository"], found["tag"], found["digest"]) == parts


@pytest.mark.parametrize("uri", ["nginx:latest", "public.ecr.aws/x/y:1", "ghcr.io/a/b", None, 3])
def test_other_registries_are_no_ecr_image(uri):
    assert parse_image_uri(uri) is None


def test_keep_images():
    found = check_keep_images(["123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:v1", {"repository": "web", "digest": DIGEST}])
    assert found == [ImageRef("api", "v1", None), ImageRef("web", None, DIGEST)]
    with pytest.raises(InputError, match=r"keep_images\[0\]: give tag or digest"):
        check_keep_images([{"repository": "web"}])
    with pytest.raises(InputError, match=r"keep_images\[0\]: 'nginx' is not an ECR image URI"):
        check_keep_images(["nginx"])


def test_max_delete():
    assert check_max_delete(None) is None
    assert check_max_delete(5) == (5, False) and check_max_delete("10%") == (10, True)
    assert delete_limit((10, True), 25) == 2 and delete_limit((5, False), 25) == 5 and delete_limit(None, 3) is None
    for bad in ("ten", "150%", -1, True):
        with pytest.raises(InputError, match="max_delete:"):
            check_max_delete(bad)
