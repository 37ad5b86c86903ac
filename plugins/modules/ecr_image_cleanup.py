#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_cleanup
short_description: Expire or archive Amazon ECR images by rules, keeping every image in use
version_added: 0.3.0
description:
  - Cleans up the images of the selected repositories of a registry by O(rules), as a lifecycle policy would, with
    what a lifecycle policy cannot say (regular expressions, exclusions, several counts in one rule) and on
    evidence of use. An image that an ECS task definition (ACTIVE revision), a running ECS task or a Lambda
    function names (by tag or digest) is never expired nor archived, nor is an image of O(keep_images).
  - The images that an image index (a multi-platform image) lists stay while the index stays; the index manifests are
    read with BatchGetImage, and only those of the indexes that stay. A referrer (a signature, an SBOM or an
    attestation, whose manifest names a subject image) follows its subject. It stays while the subject stays,
    and is deleted with it, in the same call or a later one, never before.
  - The rules are applied as ECR applies a lifecycle policy's. Each rule first on its own (of the images it
    selects, the newest C(keep_newest) by push time stay, and of the others those old enough by every
    count it gives go), then in order. An image goes to one rule at most, and never to a rule below one that
    selects it. What the rules leave is evaluated again, so that one run does all (an image archived by one rule
    and expired by a rule of archived images is expired at once), and a second run plans nothing.
  - In check mode the plan is returned and nothing is written to AWS. O(plan_file) writes the plan as JSON; a later
    task with O(apply_plan) applies it. Each entry's image is read again, and an entry whose image changed since
    (its tags, its storage class, a new pull) is refused (listed in RV(refused)), not evaluated anew.
  - O(max_delete) refuses, before any write anywhere, a plan that expires more images of a repository than it allows.
  - API calls are listings (DescribeRepositories and DescribeImages pages; ECS ListTaskDefinitions and
    DescribeTaskDefinition, ListClusters, ListTasks and DescribeTasks; Lambda ListFunctions and GetFunction of the
    functions packaged as images), BatchGetImage of the index manifests, and the writes. BatchDeleteImage deletes
    100 images a call; UpdateImageStorageClass archives one image a call (ECR has no batch of it).
author:
  - stowage.ecr contributors (@stowage)
options:
  repositories:
    description:
      - The repositories to clean up, by name or glob (V(team/*)); V(*) for every repository of the registry in the
        region. Required unless O(apply_plan) is given.
    type: list
    elements: str
  registry_id:
    description:
      - The 12-digit account id of the registry. Defaults to the caller's account.
    type: str
  rules:
    description:
      - The rules, applied in this order. Required unless O(apply_plan) is given. Each rule is a dict with the keys
        below; an unknown key, a regular expression Python refuses or a count under 1 fails before any call, naming
        the key (V(rules[2].tag_regex)).
      - C(tag_status) (V(tagged), V(untagged) or V(any), the default) is the tag status of the images the rule looks at.
      - C(tag_patterns) is a list of wildcards (V(*) for any characters, as a lifecycle policy's C(tagPatternList)).
        The image needs a tag matching each of them. C(tag_regex) is a regular expression that one tag of the image
        matches in full.
      - C(exclude_patterns) (wildcards) and C(exclude_regex) leave out the images with a tag they match.
      - C(keep_newest) keeps the newest N (1 or more) by push time of the images the rule selects, as a lifecycle
        policy's C(imageCountMoreThan) counts.
      - C(older_than_days) acts on images pushed that many days ago or more. C(not_pulled_for_days) acts on images
        whose last recorded pull (the push, for an image never pulled) is that many days ago or more. A rule
        needs one or more of C(keep_newest), C(older_than_days) and C(not_pulled_for_days); the images it acts on
        meet all it gives.
      - C(storage_class) (V(standard), the default, or V(archive)) is which images the rule looks at.
      - C(action) is V(expire) (the default; BatchDeleteImage) or V(archive) (UpdateImageStorageClass to ARCHIVE,
        with C(storage_class=standard)).
      - C(description) is a note that the plan shows with the rule's name (V(rules[0])).
    type: list
    elements: dict
  keep_in_use:
    description:
      - The evidence of use to read. V(ecs_task_definitions) are the images of the ACTIVE task definition revisions,
        V(ecs_tasks) the images (tag and digest) of the running tasks of every cluster, and V(lambda) the images of
        the functions packaged as container images (C(ImageUri) and C(ResolvedImageUri)).
      - An image URI names an image of this registry when its host names the registry's account and region. The URI
        can be in any task definition, task or function of any usage source.
      - An empty list reads no evidence.
    type: list
    elements: str
    choices: [ecs_task_definitions, ecs_tasks, lambda]
    default: [ecs_task_definitions, ecs_tasks, lambda]
  usage_sources:
    description:
      - Where ECS and Lambda are read. Defaults to the task's own region and credentials.
    type: list
    elements: dict
    suboptions:
      region:
        description: The region to read. Defaults to the task's.
        type: str
      profile:
        description: An AWS profile to read it with, instead of the task's credentials.
        type: str
      assume_role_arn:
        description: A role to assume (STS AssumeRole) to read it, for another account.
        type: str
  keep_images:
    description:
      - Images to keep whatever the rules say. Each is a full image URI (C(account.dkr.ecr.region.amazonaws.com/name:tag)
        or C(@sha256:...)), or a dict with C(repository) and C(tag) or C(digest).
    type: list
    elements: raw
  max_delete:
    description:
      - The most images a repository may lose, as a count (V(20)) or a percentage of its images (V(10%), rounded
        down). A plan over it in any repository fails the task before any write.
    type: raw
  plan_file:
    description:
      - Write the plan (the images to expire or archive, with what each image was when read) to this file as JSON,
        atomically, in check mode too.
    type: path
  apply_plan:
    description:
      - Apply a plan that O(plan_file) wrote. Nothing is evaluated anew. An entry whose image changed since the plan
        (or is gone) is refused, and so are the referrers of its image and, for an index, its children.
      - O(repositories) and O(rules) are not used.
    type: path
attributes:
  check_mode:
    support: full
    description: Reads everything and returns the plan (and writes O(plan_file)); nothing is written to AWS.
  diff_mode:
    support: full
    description: Returns each repository's images before and after.
notes:
  - Reading an index manifest with BatchGetImage may count as a pull on ECR (its last recorded pull time).
  - Only a function's current code is read (GetFunction); the images of its older published versions are not.
    Name those in O(keep_images).
seealso:
  - module: stowage.ecr.ecr_lifecycle_policy
  - module: stowage.ecr.ecr_lifecycle_preview
  - name: Lifecycle policy parameters (Amazon ECR user guide)
    link: https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
    description: The selection and evaluation rules that the rules here follow.
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Keep the 20 newest releases and whatever runs; untagged images go after a week
  stowage.ecr.ecr_image_cleanup:
    repositories: ["team/*"]
    rules:
      - tag_status: untagged
        older_than_days: 7
      - tag_regex: 'v\d+\.\d+\.\d+'
        exclude_patterns: ["*-lts"]
        keep_newest: 20
      - tag_status: any
        not_pulled_for_days: 90
        action: archive
    max_delete: 10%

- name: Plan only, reading ECS and Lambda in two regions, and write the plan for approval
  stowage.ecr.ecr_image_cleanup:
    repositories: ["*"]
    rules:
      - tag_patterns: ["pr-*"]
        older_than_days: 14
    usage_sources:
      - region: eu-west-1
      - region: us-east-1
        assume_role_arn: arn:aws:iam::210987654321:role/ecr-usage-reader
    plan_file: /srv/plans/ecr-cleanup.json
  check_mode: true

- name: Apply the approved plan (entries whose image changed since are refused)
  stowage.ecr.ecr_image_cleanup:
    apply_plan: /srv/plans/ecr-cleanup.json
"""

RETURN = r"""
registry_id:
  description: The registry cleaned up.
  returned: always
  type: str
  sample: "123456789012"
plan:
  description:
    - Every image expired or archived (in check mode, that would be), and every image a rule selects that is kept on
      evidence of use (action V(keep)), expired ones first in the order they are deleted.
  returned: always
  type: list
  elements: dict
  contains:
    repository:
      description: The repository.
      type: str
    digest:
      description: The image digest.
      type: str
    tags:
      description: The image's tags.
      type: list
      elements: str
    pushed_at:
      description: When the image was pushed (ISO 8601).
      type: str
    last_pulled_at:
      description: ECR's last recorded pull of the image (ISO 8601); null when never pulled.
      type: str
    storage_class:
      description: V(standard) or V(archive).
      type: str
    size:
      description: The image's size in bytes, as DescribeImages gives it.
      type: int
    action:
      description: V(expire), V(archive) or V(keep).
      type: str
    rule:
      description: The rule that selects the image (V(rules[1])); null for a referrer that goes with its subject.
      type: str
    reason:
      description: Why, in words (the counts the rule met, and for V(keep) the evidence).
      type: str
  sample:
    - repository: team/api
      digest: sha256:4c0e5b7c2f0e0b0ad7b0c3c1b1e0a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3
      tags: [v1.2.0]
      pushed_at: "2026-01-02T10:00:00+00:00"
      last_pulled_at: null
      storage_class: standard
      size: 31457280
      action: keep
      rule: rules[1]
      reason: "not among the 20 newest it selects; kept: named by ECS task definition api:7 (eu-west-1)"
totals:
  description: Per repository, its images and how many the plan expires, archives and keeps on evidence, with the bytes freed.
  returned: always
  type: dict
  sample: {team/api: {images: 120, expire: 14, archive: 3, kept_by_evidence: 2, bytes_freed: 440401920}}
refused:
  description: With O(apply_plan), the entries not applied as their image changed since the plan, each with C(refused), the reason.
  returned: always
  type: list
  elements: dict
as_lifecycle_policy:
  description:
    - When the rules can be said as a lifecycle policy (no evidence of use and no O(keep_images), no regular
      expression nor exclusion, one count a rule, standard images), the policy's JSON text (C(policy_text)) and a
      sentence that says so (C(note)); null otherwise.
  returned: always
  type: dict
  sample:
    policy_text: >-
      {"rules": [{"action": {"type": "expire"}, "rulePriority": 1,
      "selection": {"countNumber": 7, "countType": "sinceImagePushed", "countUnit": "days", "tagStatus": "untagged"}}]}
    note: These rules select the same images as this lifecycle policy (ECR applies it within 24 hours, without reading what runs).
batches:
  description: The number of images of each BatchDeleteImage call made, in order.
  returned: when not in check mode
  type: list
  elements: int
  sample: [100, 100, 37]
plan_file:
  description: The plan file written.
  returned: with O(plan_file)
  type: str
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.cleanup import cleanup_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REGISTRY, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    kinds = ["ecs_task_definitions", "ecs_tasks", "lambda"]
    argument_spec = spec(REGISTRY)
    argument_spec.update(
        repositories=dict(type="list", elements="str"),
        rules=dict(type="list", elements="dict"),
        keep_in_use=dict(type="list", elements="str", choices=kinds, default=list(kinds)),
        usage_sources=dict(
            type="list",
            elements="dict",
            options=dict(region=dict(type="str"), profile=dict(type="str"), assume_role_arn=dict(type="str")),
        ),
        keep_images=dict(type="list", elements="raw"),
        max_delete=dict(type="raw"),
        plan_file=dict(type="path"),
        apply_plan=dict(type="path"),
    )
    module = ecr_module(argument_spec, supports_check_mode=True, mutually_exclusive=[("apply_plan", "rules"), ("apply_plan", "plan_file")])
    conclude(module, lambda: cleanup_report(module), "ECR refused an image cleanup call")


if __name__ == "__main__":
    main()
