"""ecr_image_cleanup's evaluator: the rules, evidence of use, index children and referrers, the plan's order, and
the rules as a lifecycle policy; properties that hold for any images and rules (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime
import json

import hypothesis
import hypothesis.strategies as st

from ansible_collections.stowage.ecr.plugins.module_utils._checks.cleanup import ImageRef, check_rules
from ansible_collections.stowage.ecr.plugins.module_utils._plans.cleanup import as_lifecycle_policy, lifecycle_policy_of, plan_repository
from ansible_collections.stowage.ecr.plugins.module_utils._plans.image_record import INDEX_MEDIA_TYPES, ImageRecord
from ansible_collections.stowage.ecr.plugins.module_utils._plans.lifecycle_eval import evaluate

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def image(name, tags=(), age=0, pulled=None, status="ACTIVE", index=False, subject=None, size=10):
    return ImageRecord(
        digest="sha256:" + name,
        tags=tuple(tags),
        pushed_at=NOW - age * DAY,
        last_pulled_at=None if pulled is None else NOW - pulled * DAY,
        status=status,
        size=size,
        manifest_media_type=INDEX_MEDIA_TYPES[1] if index else "application/vnd.oci.image.manifest.v1+json",
        subject_digest=None if subject is None else "sha256:" + subject,
    )


def plan(images, rules, evidence=(), children=None):
    return plan_repository("repo", images, check_rules(rules), evidence, children, NOW)


def actions(result):
    return {e["digest"][7:]: e["action"] for e in result.entries}


def test_keep_newest_counts_as_image_count_more_than():
    images = [image("a", ["v1"], 5), image("b", ["v2"], 4), image("c", ["v3"], 3), image("d", [], 2)]
    result = plan(images, [{"tag_status": "tagged", "keep_newest": 2}])
    assert actions(result) == {"a": "expire"}
    (entry,) = result.entries
    assert entry["rule"] == "rules[0]" and entry["reason"] == "not among the 2 newest it selects" and entry["tags"] == ["v1"]
    assert result.totals() == {"images": 4, "expire": 1, "archive": 0, "kept_by_evidence": 0, "bytes_freed": 10}


def test_regex_exclusions_and_days():
    images = [image("a", ["v1.0"], 40), image("b", ["v1.0-rc1"], 40), image("c", ["release-1"], 40), image("d", ["v2.0"], 5)]
    rules = [{"tag_regex": r"v\d+\.\d+.*", "exclude_patterns": ["*-rc*"], "older_than_days": 30}]
    assert actions(plan(images, rules)) == {"a": "expire"}
    rules = [{"tag_status": "any", "exclude_regex": "release-.*", "older_than_days": 30, "description": "old"}]
    result = plan(images, rules)
    assert actions(result) == {"a": "expire", "b": "expire"} and result.entries[0]["rule"] == "rules[0] (old)"


def test_not_pulled_for_days_counts_the_push_when_never_pulled():
    images = [image("a", ["x"], 100, pulled=1), image("b", ["y"], 100, pulled=50), image("c", ["z"], 100)]
    result = plan(images, [{"not_pulled_for_days": 30}])
    assert actions(result) == {"b": "expire", "c": "expire"}
    assert {e["reason"] for e in result.entries} == {"not pulled for 50 days", "never pulled, pushed 100 days ago"}


def test_archive_rules_and_storage_class():
    images = [image("a", ["x"], 100), image("b", ["y"], 100, status="ARCHIVED"), image("c", [], 1, status="ACTIVATING")]
    assert actions(plan(images, [{"older_than_days": 30, "action": "archive"}])) == {"a": "archive"}
    assert actions(plan(images, [{"older_than_days": 30, "storage_class": "archive"}])) == {"b": "expire"}


def test_a_higher_rule_that_selects_an_image_shields_it_from_lower_ones():
    images = [image("a", ["prod-1"], 50), image("b", ["prod-2"], 40), image("c", ["dev-1"], 30)]
    rules = [{"tag_patterns": ["prod-*"], "keep_newest": 5}, {"tag_status": "any", "older_than_days": 10}]
    assert actions(plan(images, rules)) == {"c": "expire"}


def test_evidence_keeps_and_is_reported():
    images = [image("a", ["v1"], 50), image("b", ["v2"], 40), image("c", [], 30)]
    evidence = [ImageRef("repo", tag="v1", source="ecs task definition web:3"), ImageRef("repo", digest="sha256:c", source="lambda function f")]
    result = plan(images, [{"older_than_days": 10}], evidence)
    assert actions(result) == {"b": "expire", "a": "keep", "c": "keep"}
    kept = {e["digest"][7:]: e["reason"] for e in result.entries if e["action"] == "keep"}
    assert kept == {"a": "pushed 50 days ago; kept: named by ecs task definition web:3", "c": "pushed 30 days ago; kept: named by lambda function f"}
    # an image no rule would touch is not in the plan even when it is in use
    assert actions(plan(images, [{"older_than_days": 45}], evidence)) == {"a": "keep"}


def test_children_of_an_index_that_stays_stay():
    images = [image("idx", ["v1"], 5, index=True), image("amd", [], 50), image("arm", [], 50), image("old", [], 50)]
    result = plan(images, [{"tag_status": "untagged", "older_than_days": 10}], children={"sha256:idx": ["sha256:amd", "sha256:arm"]})
    assert actions(result) == {"old": "expire", "amd": "keep", "arm": "keep"}
    # an index that goes takes nothing with it that no rule selects, and leaves its children to the rules
    result = plan(images, [{"older_than_days": 1}], children={"sha256:idx": ["sha256:amd", "sha256:arm"]})
    assert actions(result) == {"idx": "expire", "amd": "expire", "arm": "expire", "old": "expire"}


def test_referrers_go_with_their_subject_and_after_it():
    images = [image("sig", [], 1, subject="app"), image("app", ["v1"], 60), image("sbom", [], 70, subject="web"), image("web", ["v2"], 2)]
    result = plan(images, [{"older_than_days": 30}])
    # sig is new but goes with app, after it; sbom is old but stays with web
    assert [(e["digest"][7:], e["action"]) for e in result.entries] == [("app", "expire"), ("sig", "expire"), ("sbom", "keep")]
    assert result.entries[1]["reason"] == "refers to sha256:app, which is expired" and result.entries[1]["rule"] is None
    # a referrer kept by evidence keeps its subject
    result = plan(images, [{"older_than_days": 30}], [ImageRef("repo", digest="sha256:sig", source="keep_images")])
    assert actions(result) == {"app": "keep", "sbom": "keep"}


def test_as_lifecycle_policy():
    text, sentence = as_lifecycle_policy(check_rules([{"tag_status": "untagged", "older_than_days": 14}, {"tag_patterns": ["v*"], "keep_newest": 10}]), False)
    first = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countNumber": 14, "countUnit": "days"}
    second = {"tagStatus": "tagged", "tagPatternList": ["v*"], "countType": "imageCountMoreThan", "countNumber": 10}
    assert json.loads(text)["rules"] == [
        {"rulePriority": 1, "selection": first, "action": {"type": "expire"}},
        {"rulePriority": 2, "selection": second, "action": {"type": "expire"}},
    ]
    assert "lifecycle policy" in sentence
    for rules in (
        [{"tag_regex": "v.*", "keep_newest": 1}],
        [{"exclude_patterns": ["x"], "keep_newest": 1}],
        [{"keep_newest": 1, "older_than_days": 3}],
        [{"older_than_days": 3, "storage_class": "archive"}],
        [{"keep_newest": 1}, {"tag_patterns": ["v*"], "keep_newest": 1}],  # any must come last
        [{"tag_status": "untagged", "keep_newest": 1}, {"tag_status": "untagged", "older_than_days": 1}],  # one untagged rule
    ):
        assert as_lifecycle_policy(check_rules(rules), False)[0] is None, rules
    assert as_lifecycle_policy(check_rules([{"keep_newest": 1}]), True)[0] is None


# properties ------------------------------------------------------------------------------------

TAG_POOL = ["v1", "v2", "v10", "prod-1", "prod-2", "dev-1", "latest", "rc-1"]


@st.composite
def repositories(draw, linked=True):
    count = draw(st.integers(min_value=0, max_value=14))
    owners = [draw(st.one_of(st.none(), st.integers(min_value=0, max_value=max(count - 1, 0)))) for _tag in TAG_POOL]
    images = []
    for n in range(count):
        tags = [tag for tag, owner in zip(TAG_POOL, owners) if owner == n]
        pulled = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=300)))
        status = draw(st.sampled_from(["ACTIVE", "ACTIVE", "ACTIVE", "ARCHIVED"]))
        subject = None
        if linked and n and draw(st.integers(min_value=0, max_value=4)) == 0:
            subject = "i%02d" % draw(st.integers(min_value=0, max_value=n - 1))
        index = linked and subject is None and draw(st.integers(min_value=0, max_value=4)) == 0
        images.append(image("i%02d" % n, tags, draw(st.integers(min_value=0, max_value=300)), pulled, status, index, subject))
    children = {}
    for record in images:
        if record.is_index:
            children[record.digest] = draw(st.lists(st.sampled_from([i.digest for i in images]), max_size=3, unique=True))
    return images, children


RULE = st.fixed_dictionaries(
    {"tag_status": st.sampled_from(["tagged", "untagged", "any"])},
    optional={
        "keep_newest": st.integers(min_value=1, max_value=6),
        "older_than_days": st.integers(min_value=1, max_value=200),
        "not_pulled_for_days": st.integers(min_value=1, max_value=200),
        "action": st.sampled_from(["expire", "archive"]),
        "storage_class": st.sampled_from(["standard", "archive"]),
    },
).filter(
    lambda r: {"keep_newest", "older_than_days", "not_pulled_for_days"} & set(r) and not (r.get("action") == "archive" and r.get("storage_class") == "archive")
)
PATTERNS = st.sampled_from([["v*"], ["prod-*"], ["*1"], ["v*", "*1"]])
TAGGED_EXTRA = st.fixed_dictionaries({}, optional={"tag_patterns": PATTERNS, "exclude_regex": st.sampled_from(["latest", "rc-.*"])})


@st.composite
def rule_lists(draw):
    rules = []
    for rule in draw(st.lists(RULE, min_size=1, max_size=4)):
        if rule["tag_status"] != "untagged":
            rule.update(draw(TAGGED_EXTRA))
        rules.append(rule)
    return rules


def _apply(images, result):
    gone = {e["digest"] for e in result.entries if e["action"] == "expire"}
    archived = {e["digest"] for e in result.entries if e["action"] == "archive"}
    return [dataclasses.replace(i, status="ARCHIVED", last_archived_at=NOW) if i.digest in archived else i for i in images if i.digest not in gone]


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(repositories(), rule_lists(), st.data())
def test_properties(repository, rules, data):
    images, children = repository
    digests = [i.digest for i in images]
    named = data.draw(st.lists(st.sampled_from(digests), max_size=3)) if digests else []
    evidence = [ImageRef("repo", digest=d, source="ecs") for d in named]
    result = plan(images, rules, evidence, children)
    touched = {e["digest"]: e["action"] for e in result.entries}
    removed = {d for d, a in touched.items() if a in ("expire", "archive")}
    expired = [e["digest"] for e in result.entries if e["action"] == "expire"]
    # an image in use is never removed
    assert not removed & {ref.digest for ref in evidence}
    # a child of an index that stays is never removed
    for index, listed in children.items():
        if touched.get(index) != "expire":
            assert not set(listed) & set(expired), (index, listed)
    # a referrer never outlives its subject, and is deleted after it
    for record in images:
        if record.subject_digest in expired:
            assert record.digest in expired and expired.index(record.digest) > expired.index(record.subject_digest)
    # the plan names each image once
    assert len(touched) == len(result.entries)
    # applied, then planned again: nothing left to do
    again = plan(_apply(images, result), rules, evidence, children)
    assert not [e for e in again.entries if e["action"] != "keep"], again.entries


SIMPLE_RULE = st.fixed_dictionaries(
    {
        "tag_status": st.sampled_from(["tagged", "untagged", "any"]),
        "count": st.sampled_from(["keep_newest", "older_than_days", "not_pulled_for_days"]),
        "number": st.integers(min_value=1, max_value=150),
        "action": st.sampled_from(["expire", "archive"]),
    },
    optional={"tag_patterns": PATTERNS},
)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(repositories(linked=False), st.lists(SIMPLE_RULE, min_size=1, max_size=4))
def test_as_lifecycle_policy_does_what_the_rules_do(repository, simple):
    images, _children = repository
    rules = []
    for rule in simple:
        option = {"tag_status": rule["tag_status"], rule["count"]: rule["number"], "action": rule["action"]}
        if rule["tag_status"] != "untagged" and "tag_patterns" in rule:
            option["tag_patterns"] = rule["tag_patterns"]
        rules.append(option)
    policy = lifecycle_policy_of(check_rules(rules), False)
    hypothesis.assume(policy is not None)
    ours = {(e["digest"], e["action"]) for e in plan(images, rules).entries}
    theirs = {(e["image_digest"], "archive" if e["action"] == "transition" else "expire") for e in evaluate(policy, images, NOW)["expiring"]}
    assert ours == theirs
