"""Property-based tests (hypothesis) of the lifecycle rules in plugins/module_utils/_checks/lifecycle.py.

1. Every typed rule list that the validator (compile_rules) accepts, moto accepts too, and
   reads back as the same policy. The rules are drawn from the subset moto knows: moto's
   lifecycle schema predates ECR's archive storage class and refuses storageClass,
   sinceImagePulled, sinceImageTransitioned and the transition action, so the generator leaves
   those out (they are exercised by property 2 and, in check mode, by the integration tests).
2. compile -> normalise -> compare is stable: a policy compared with itself after any reordering
   of its rules and tag lists and any re-spelling of its numbers as strings is equal, and its
   policy_text (what the module sends) is the same. Here the whole rule language is drawn.
"""

from __future__ import annotations

import copy
import json

import boto3
import pytest
import stack
from conftest import record_figures
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.stowage.ecr.plugins.module_utils._checks.lifecycle import compile_rules, normalise_policy, policies_equal, policy_text, validate_policy
from ansible_collections.stowage.ecr.plugins.module_utils.errors import PolicyError

MOTO_EXAMPLES = 60
STABILITY_EXAMPLES = 300
TAG_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

# tag prefixes and patterns: mostly docker-tag characters, sometimes any text (quotes, backslashes,
# non-ASCII) to exercise the JSON text the module sends; patterns get up to 5 wildcards (4 allowed)
tag_word = st.one_of(st.text(TAG_CHARS, min_size=1, max_size=12), st.text(min_size=1, max_size=8))
pattern_word = st.lists(st.one_of(st.text(TAG_CHARS, min_size=1, max_size=6), st.just("*")), min_size=1, max_size=6).map("".join)
description = st.one_of(st.none(), st.text(max_size=40))
count_number = st.integers(min_value=-1, max_value=100000)  # 0 and -1 now and then: refused by the validator


@st.composite
def rule_lists(draw, archive: bool):
    """A typed ``rules`` list: tagged rules, at most one untagged rule and at most one ``any`` rule (the
    last), with distinct priorities. ``archive`` adds ECR's archive storage class language (not moto's)."""
    tagged = draw(st.integers(min_value=0, max_value=4))
    untagged = draw(st.booleans())
    any_rule = draw(st.booleans())
    total = tagged + int(untagged) + int(any_rule)
    assume(total > 0)
    priorities = sorted(draw(st.sets(st.integers(min_value=1, max_value=10000), min_size=total, max_size=total)))
    statuses = ["tagged"] * tagged + (["untagged"] if untagged else [])
    statuses = draw(st.permutations(statuses)) + (["any"] if any_rule else [])
    count_types = ["image_count_more_than", "since_image_pushed"]
    if archive:
        count_types += ["since_image_pulled", "since_image_transitioned"]
    rules = []
    for priority, status in zip(priorities, statuses):
        rule = {"priority": priority, "tag_status": status, "count_type": draw(st.sampled_from(count_types)), "count_number": draw(count_number)}
        text = draw(description)
        if text is not None:
            rule["description"] = text
        if status == "tagged":
            if draw(st.booleans()):
                rule["tag_prefixes"] = draw(st.lists(tag_word, min_size=1, max_size=4, unique=True))
            else:
                rule["tag_patterns"] = draw(st.lists(pattern_word, min_size=1, max_size=4, unique=True))
        if rule["count_type"] != "image_count_more_than" and draw(st.booleans()):
            rule["count_unit"] = "days"
        if archive and rule["count_type"] != "since_image_transitioned" and draw(st.integers(0, 3)) == 0:
            rule.update(action="transition", target_storage_class="archive")
        rules.append(rule)
    return draw(st.permutations(rules))


@pytest.fixture(scope="module")
def own_moto(tmp_path_factory):
    """A moto server of this module's own, started for the property test."""
    directory = tmp_path_factory.mktemp("hypothesis-moto")
    record = stack.start_moto(directory)
    ecr = boto3.client("ecr", region_name="ap-south-1", endpoint_url=record["url"], aws_access_key_id="testing", aws_secret_access_key="testing")
    ecr.create_repository(repositoryName="hypothesis")
    try:
        yield ecr
    finally:
        stack.stop(directory)


@pytest.mark.slow
def test_what_the_validator_accepts_moto_accepts(own_moto):
    seen = {"accepted": 0, "refused_by_validator": 0, "put": 0}

    @settings(max_examples=MOTO_EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rule_lists(archive=False))
    def check(rules):
        try:
            policy = compile_rules(copy.deepcopy(rules))
        except PolicyError:
            seen["refused_by_validator"] += 1
            assume(False)
        seen["accepted"] += 1
        text = policy_text(policy)
        own_moto.put_lifecycle_policy(repositoryName="hypothesis", lifecyclePolicyText=text)
        seen["put"] += 1
        live = json.loads(own_moto.get_lifecycle_policy(repositoryName="hypothesis")["lifecyclePolicyText"])
        assert policies_equal(live, policy)
        assert policy_text(live) == text

    check()
    print("\nlifecycle rule lists: %s" % seen)
    record_figures("lifecycle_moto_property", dict(seen, max_examples=MOTO_EXAMPLES))
    assert seen["put"] > 0


@st.composite
def respelled(draw, policy):
    """The same policy with its rules and tag lists reordered and some numbers written as strings."""
    variant = copy.deepcopy(policy)
    rules = draw(st.permutations(variant["rules"]))
    for rule in rules:
        if draw(st.booleans()):
            rule["rulePriority"] = str(rule["rulePriority"])
        selection = rule["selection"]
        if draw(st.booleans()):
            selection["countNumber"] = str(selection["countNumber"])
        for key in ("tagPrefixList", "tagPatternList"):
            if key in selection:
                selection[key] = draw(st.permutations(selection[key]))
        if "storageClass" not in selection and draw(st.booleans()):
            selection["storageClass"] = "standard"  # the default, spelled out
    variant["rules"] = list(rules)
    return variant


def test_normalised_comparison_is_stable():
    seen = {"accepted": 0}

    @settings(max_examples=STABILITY_EXAMPLES, deadline=None, database=None)
    @given(st.data())
    def check(data):
        rules = data.draw(rule_lists(archive=True))
        try:
            policy = compile_rules(copy.deepcopy(rules))
        except PolicyError:
            assume(False)
        seen["accepted"] += 1
        variant = data.draw(respelled(policy))
        validate_policy(variant)  # the re-spelt form is valid input too
        assert policies_equal(policy, variant)
        assert policies_equal(variant, policy)
        assert normalise_policy(variant) == normalise_policy(policy)
        assert policy_text(variant) == policy_text(policy)
        # normalising is idempotent, and what is sent reads back the same
        assert normalise_policy(normalise_policy(variant)) == normalise_policy(policy)
        assert normalise_policy(json.loads(policy_text(variant))) == normalise_policy(policy)
        # the typed rules in another order compile to the same policy
        assert policy_text(compile_rules(data.draw(st.permutations(copy.deepcopy(rules))))) == policy_text(policy)

    check()
    print("\nstable comparisons: %s" % seen)
    record_figures("lifecycle_stability_property", dict(seen, max_examples=STABILITY_EXAMPLES))
