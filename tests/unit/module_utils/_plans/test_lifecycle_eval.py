"""The lifecycle evaluator against the evaluation rules and worked examples of AWS's ECR user guide
(docs/lifecycle-evaluation.md), and properties that must hold for any policy."""

from __future__ import annotations

import datetime

from lifecycle_cases import NOW, expired, image, rule

from ansible_collections.stowage.ecr.plugins.module_utils._plans.lifecycle_eval import evaluate, tags_match, worst_rule


def test_user_guide_two_rules_higher_priority_wins():
    # prod keep 1, beta keep 1: B holds the newest prod tag, so beta's rule may not expire it
    images = [image("A", ["beta-1", "prod-1"], 10), image("B", ["beta-2", "prod-2"], 9), image("C", ["beta-3"], 8)]
    rules = [rule(1, "tagged", "imageCountMoreThan", 1, prefixes=["prod"]), rule(2, "tagged", "imageCountMoreThan", 1, prefixes=["beta"])]
    assert expired(rules, images) == ["A"]


def test_user_guide_two_rules_both_expire_the_same_images():
    images = [image("A", ["beta-1", "prod-1"], 10), image("B", ["beta-2", "prod-2"], 9), image("C", ["beta-3", "prod-3"], 8)]
    rules = [rule(1, "tagged", "imageCountMoreThan", 1, prefixes=["prod"]), rule(2, "tagged", "imageCountMoreThan", 1, prefixes=["beta"])]
    result = evaluate({"rules": rules}, images, NOW)
    assert [(e["image_digest"], e["rule_priority"]) for e in result["expiring"]] == [("sha256:A", 1), ("sha256:B", 1)]
    # rule 2 still selected A and B (it counts them), but acts on neither
    assert [(r["rule_priority"], r["selected"], r["acted_on"]) for r in result["rules"]] == [(1, 2, 2), (2, 2, 0)]


def test_user_guide_several_prefixes_in_one_rule_need_all():
    images = [
        image("A", ["alpha-1"], 12),
        image("B", ["beta-1"], 11),
        image("C", ["alpha-2", "beta-2"], 10),
        image("D", ["alpha-3"], 4),
        image("E", ["beta-3"], 3),
        image("F", ["alpha-4", "beta-4"], 1),
    ]
    assert expired([rule(1, "tagged", "imageCountMoreThan", 1, prefixes=["alpha", "beta"])], images) == ["C"]


def test_user_guide_any_rule_last_does_not_take_what_a_higher_rule_selects():
    images = [image("A", ["alpha-1"], 4), image("B", [], 3), image("C", ["alpha-2"], 2), image("D", ["git-hash"], 1)]
    rules = [rule(1, "tagged", "imageCountMoreThan", 1, prefixes=["alpha"]), rule(2, "any", "imageCountMoreThan", 1)]
    # C is kept by rule 1 and protected from rule 2, which keeps D and expires B
    assert expired(rules, images) == ["A", "B"]


def test_user_guide_untagged_older_than_14_days():
    images = [image("old", [], 15), image("new", [], 13), image("tagged-old", ["v1"], 30)]
    assert expired([rule(1, "untagged", "sinceImagePushed", 14)], images) == ["old"]
    # as_of: what would go by then
    assert expired([rule(1, "untagged", "sinceImagePushed", 14)], images, NOW + datetime.timedelta(days=2)) == ["new", "old"]


def test_untagged_count_keeps_the_newest():
    images = [image("u1", [], 3), image("u2", [], 2), image("u3", [], 1), image("t", ["v1"], 9)]
    assert expired([rule(1, "untagged", "imageCountMoreThan", 1)], images) == ["u1", "u2"]


def test_patterns_wildcards_and_all_entries():
    assert tags_match({"tagStatus": "tagged", "tagPatternList": ["prod*"]}, ["prod-1"])
    assert tags_match({"tagStatus": "tagged", "tagPatternList": ["*-rc*"]}, ["v1-rc2"])
    assert not tags_match({"tagStatus": "tagged", "tagPatternList": ["prod*", "*stable"]}, ["prod-1"])
    assert tags_match({"tagStatus": "tagged", "tagPatternList": ["prod*", "*stable"]}, ["prod-1", "v1-stable"])
    assert not tags_match({"tagStatus": "tagged", "tagPrefixList": ["v"]}, [])
    assert tags_match({"tagStatus": "untagged"}, []) and not tags_match({"tagStatus": "untagged"}, ["x"])
    assert tags_match({"tagStatus": "any"}, []) and tags_match({"tagStatus": "any"}, ["x"])


def test_pulled_transition_and_storage_classes():
    images = [
        image("pulled-long-ago", ["v1"], 200, last_recorded_pull_time=NOW - datetime.timedelta(days=100)),
        image("pulled-lately", ["v2"], 200, last_recorded_pull_time=NOW - datetime.timedelta(days=5)),
        image("never-pulled", ["v3"], 120),
        image("archived-long-ago", ["v0"], 400, image_status="ARCHIVED", last_archived_at=NOW - datetime.timedelta(days=200)),
        image("restoring", ["v4"], 400, image_status="ACTIVATING", last_archived_at=NOW - datetime.timedelta(days=300)),
    ]
    rules = [
        rule(1, "any", "sinceImagePulled", 90, action="transition", target="archive"),
        rule(2, "any", "sinceImageTransitioned", 180, storage="archive"),
    ]
    result = evaluate({"rules": rules}, images, NOW)
    got = {e["image_digest"][7:]: (e["action"], e["target_storage_class"], e["rule_priority"]) for e in result["expiring"]}
    # rule 1 selects standard images only, so it does not keep rule 2 off archived ones; an image being restored
    # (ACTIVATING) is in neither class and no rule selects it
    assert got == {
        "pulled-long-ago": ("transition", "archive", 1),
        "never-pulled": ("transition", "archive", 1),
        "archived-long-ago": ("expire", None, 2),
    }
    assert result["evaluated"] == 5 and result["kept"] == 2
    # on its own, the archive rule expires what was archived over 180 days ago (never one being restored)
    assert expired([rules[1]], images) == ["archived-long-ago"]


def test_worst_rule_and_summary():
    images = [image(str(i), [], i) for i in range(1, 11)]
    result = evaluate({"rules": [rule(1, "untagged", "imageCountMoreThan", 3), rule(5, "any", "imageCountMoreThan", 100)]}, images, NOW)
    assert len(result["expiring"]) == 7 and worst_rule(result)["rule_priority"] == 1
    assert worst_rule(evaluate({"rules": []}, images, NOW)) is None


def test_choices_age_boundary_and_ties():
    # exactly N days old counts as older than N days
    at_boundary = [image("exact", [], 14), image("younger", [], 13.99)]
    assert expired([rule(1, "untagged", "sinceImagePushed", 14)], at_boundary) == ["exact"]
    # equal push times: the digest decides, the same way on every run
    tied = [image(name, [], 1) for name in ("c", "a", "b")]
    assert expired([rule(1, "untagged", "imageCountMoreThan", 1)], tied) == ["b", "c"]
    assert expired([rule(1, "untagged", "imageCountMoreThan", 1)], list(reversed(tied))) == ["b", "c"]


def test_any_rule_of_each_storage_class_in_either_order():
    """One tagStatus any rule a storage class, the archive one first or last: each acts on its own class only."""
    images = [
        image("old-standard", ["v1"], 200),
        image("new-standard", ["v2"], 10),
        image("archived-long-ago", ["v0"], 900, image_status="ARCHIVED", last_archived_at=NOW - datetime.timedelta(days=400)),
        image("archived-lately", ["v9"], 900, image_status="ARCHIVED", last_archived_at=NOW - datetime.timedelta(days=100)),
    ]
    transition = rule(1, "any", "sinceImagePulled", 90, action="transition", target="archive")
    expire = rule(2, "any", "sinceImageTransitioned", 365, storage="archive")
    swapped = [dict(expire, rulePriority=1), dict(transition, rulePriority=2)]
    for rules in ([transition, expire], swapped):
        result = evaluate({"rules": rules}, images, NOW)
        got = {e["image_digest"][7:]: e["action"] for e in result["expiring"]}
        assert got == {"old-standard": "transition", "archived-long-ago": "expire"}, rules
        assert [r["rule_priority"] for r in result["rules"]] == [1, 2] and result["kept"] == 2
