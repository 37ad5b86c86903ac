"""Properties of the lifecycle evaluator that hold for any policy and any images (hypothesis)."""

from __future__ import annotations

import hypothesis
import hypothesis.strategies as st
from lifecycle_cases import NOW, expired, image, rule

from ansible_collections.stowage.ecr.plugins.module_utils._plans.lifecycle_eval import evaluate, tags_match

TAGS = st.lists(st.sampled_from(["prod-1", "prod-2", "beta-1", "beta-2", "v1", "v2", "latest"]), max_size=3, unique=True)
IMAGES = st.lists(st.tuples(TAGS, st.integers(min_value=0, max_value=400)), max_size=25).map(
    lambda specs: [image("i%02d" % n, tags, days) for n, (tags, days) in enumerate(specs)]
)
SELECTION = st.one_of(
    st.tuples(st.just("tagged"), st.sampled_from([["prod"], ["beta"], ["v"], ["prod", "beta"]])),
    st.tuples(st.just("untagged"), st.none()),
)
COUNT = st.one_of(
    st.tuples(st.just("imageCountMoreThan"), st.integers(min_value=1, max_value=10)),
    st.tuples(st.just("sinceImagePushed"), st.integers(min_value=1, max_value=365)),
)


@st.composite
def policies(draw, count_types=COUNT):
    chosen = draw(st.lists(st.tuples(SELECTION, count_types), max_size=4))
    rules, untagged = [], False
    for n, ((status, prefixes), (count_type, number)) in enumerate(chosen):
        if status == "untagged":
            if untagged:
                continue
            untagged = True
        rules.append(rule(n + 1, status, count_type, number, prefixes=prefixes))
    if draw(st.booleans()):
        rules.append(rule(99, "any", *draw(count_types)))
    return rules


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(policies(), IMAGES)
def test_an_image_goes_to_one_rule_at_most_and_never_below_a_rule_that_selects_its_tags(rules, images):
    result = evaluate({"rules": rules}, images, NOW)
    digests = [e["image_digest"] for e in result["expiring"]]
    assert len(digests) == len(set(digests))
    by_digest = {i["image_digest"]: i for i in images}
    for entry in result["expiring"]:
        tags = by_digest[entry["image_digest"]]["image_tags"]
        higher = [r for r in rules if r["rulePriority"] < entry["rule_priority"]]
        assert not any(tags_match(r["selection"], tags) for r in higher)
    assert result["kept"] + len(digests) == len(images)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(policies(count_types=st.tuples(st.just("imageCountMoreThan"), st.integers(min_value=1, max_value=10))), IMAGES, TAGS)
def test_adding_an_image_never_saves_an_older_one_under_count_rules(rules, images, new_tags):
    before = set(expired(rules, images))
    after = set(expired(rules, images + [image("new", new_tags, 0)]))
    assert before <= after


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(IMAGES)
def test_a_rule_that_selects_nothing_expires_nothing(images):
    untagged_free = [i for i in images if i["image_tags"]]
    assert expired([rule(1, "untagged", "imageCountMoreThan", 1)], untagged_free) == []
    assert expired([rule(1, "tagged", "sinceImagePushed", 1, prefixes=["nomatch"])], images) == []
