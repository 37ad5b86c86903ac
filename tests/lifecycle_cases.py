"""Images and lifecycle rules for the evaluator's tests (tests/unit, tests/robustness)."""

from __future__ import annotations

import datetime

from ansible_collections.stowage.ecr.plugins.module_utils._plans.lifecycle_eval import evaluate

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.timezone.utc)


def image(name, tags, days_ago, **extra):
    return dict(image_digest="sha256:" + name, image_tags=tags, image_pushed_at=NOW - datetime.timedelta(days=days_ago), **extra)


def rule(priority, status, count_type, number, prefixes=None, patterns=None, action="expire", storage=None, target=None):
    selection = {"tagStatus": status, "countType": count_type, "countNumber": number}
    if count_type != "imageCountMoreThan":
        selection["countUnit"] = "days"
    if prefixes:
        selection["tagPrefixList"] = prefixes
    if patterns:
        selection["tagPatternList"] = patterns
    if storage:
        selection["storageClass"] = storage
    act = {"type": action}
    if target:
        act["targetStorageClass"] = target
    return {"rulePriority": priority, "selection": selection, "action": act}


def expired(policy_rules, images, as_of=NOW):
    result = evaluate({"rules": policy_rules}, images, as_of)
    return sorted(e["image_digest"][7:] for e in result["expiring"])


# the policy that the Terraform AWS provider's acceptance test TestAccECRLifecyclePolicy_storageClass puts to
# AWS (one tagStatus any rule a storage class), as AWS JSON and as the typed rules that compile to it
TERRAFORM_ARCHIVE_POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Archive images not pulled in 90 days",
            "selection": {"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90},
            "action": {"type": "transition", "targetStorageClass": "archive"},
        },
        {
            "rulePriority": 2,
            "description": "Delete images archived for more than 365 days",
            "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365},
            "action": {"type": "expire"},
        },
    ]
}
TERRAFORM_ARCHIVE_RULES = [
    {
        "priority": 1,
        "description": "Archive images not pulled in 90 days",
        "tag_status": "any",
        "count_type": "since_image_pulled",
        "count_number": 90,
        "action": "transition",
        "target_storage_class": "archive",
    },
    {
        "priority": 2,
        "description": "Delete images archived for more than 365 days",
        "tag_status": "any",
        "count_type": "since_image_transitioned",
        "count_number": 365,
    },
]
