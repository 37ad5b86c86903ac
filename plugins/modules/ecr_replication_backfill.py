#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_replication_backfill
short_description: Replicate the images an Amazon ECR registry held before its replication rules (backfill)
version_added: 0.2.0
description:
  - ECR replicates only the images pushed after a replication rule exists. A replication backfill copies the
    images that were there before, those that the registry's replication rules select for one destination, to
    that destination. This module starts (or stops) the backfills of the destinations of the caller's registry
    in the region.
  - With O(state=started) a destination gets a backfill when it needs one, and only then. It needs none while a
    backfill to its region is running (ECR runs one a destination Region at a time, whichever registry it
    replicates to). With O(missing_only=true) it needs
    one only when an image of a repository that its rules select is not replicated there (the image's
    replication status for that destination is not C(COMPLETE)); the images' statuses are read concurrently.
  - With O(state=stopped) the running backfills of the destinations are stopped. Images replicated already
    stay.
  - A destination that no replication rule of the registry has is refused before any write, naming the option
    (ECR backfills to configured destinations only).
author:
  - stowage.ecr contributors (@stowage)
options:
  destinations:
    description:
      - The destinations to act on, each a destination of the registry's replication rules.
      - Defaults to every destination of the registry's replication rules.
    type: list
    elements: dict
    suboptions:
      region:
        description:
          - The destination region, for example V(eu-west-1).
        type: str
        required: true
      registry_id:
        description:
          - The 12-digit account id of the destination registry. Defaults to the registry's own account.
        type: str
  state:
    description:
      - V(started) starts a backfill for each destination that needs one; V(stopped) stops the running
        backfills of the destinations.
    type: str
    choices: [started, stopped]
    default: started
  missing_only:
    description:
      - With O(state=started), start a backfill for a destination only when an image its rules select is not
        replicated there. V(false) starts one for every destination without a running backfill.
    type: bool
    default: true
  method:
    description:
      - How O(state=started) brings the missing images to a destination.
      - V(backfill) starts ECR's replication backfill (StartReplicationBackfill), which ECR runs on its own
        schedule.
      - V(copy) copies each image of the repositories the destination's rules select that is not replicated there
        (its replication status for the destination is not C(COMPLETE)) within the task, with
        M(stowage.ecr.ecr_image_copy)'s engine - the blobs and manifests the destination lacks, through ECR's
        API, the image's tags, an index's images and the referrers (signatures, SBOMs) - into the repository of
        the same name there, which must exist (the copy does not create repositories, as replication does).
        Every destination is read and checked before the first write. O(missing_only) and O(wait) do not apply.
      - Use V(copy) when ECR's backfill cannot do the work now - a backfill to the destination's region is in
        progress (ECR runs one a destination Region at a time) or the registry has 10 in progress - or when the
        images must be there when the task ends. Both methods reach only the destinations of the registry's
        replication rules - ECR's backfill includes only the images that the current rules select for the
        destination - so for a destination that no rule names, or one in another partition (which replication
        cannot reach), copy the images with M(stowage.ecr.ecr_image_copy), which takes credentials of its own for
        the source.
    type: str
    choices: [backfill, copy]
    default: backfill
    version_added: 0.3.0
  wait:
    description:
      - Wait until the backfills of the destinations have ended (polling with backoff), and return the counts
        of their per-image results.
    type: bool
    default: false
  wait_timeout:
    description:
      - How long O(wait=true) waits, in seconds; the task fails when backfills still run then.
    type: int
    default: 600
attributes:
  check_mode:
    support: full
    description: Reads the backfills and the images' replication status and reports what would be started or
      stopped (with the counts of missing images), or with O(method=copy) the images that would be copied, without
      writing.
  diff_mode:
    support: full
    description:
      - "Returns the destinations' backfills before and after; with O(method=copy), also the images the destinations
        lack (C(images), each as C(region/registry_id: repository@digest)), before and after."
notes:
  - ECR keeps ended backfills for 90 days; each destination's most recent one is returned.
  - ECR refuses more than 10 backfills in progress in a registry; the task then fails with the backfills it
    started so far in its result.
seealso:
  - module: stowage.ecr.ecr_replication
  - module: stowage.ecr.ecr_image_copy
  - name: Replication backfill (Amazon ECR user guide)
    link: https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html
    description: How a backfill chooses its images and the statuses it goes through.
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Replicate the images pushed before the replication rules, where any is missing
  stowage.ecr.ecr_replication_backfill:

- name: Backfill one destination and wait for it to end
  stowage.ecr.ecr_replication_backfill:
    destinations:
      - region: eu-west-1
    wait: true
    wait_timeout: 1800
  register: backfill

- name: Copy the images a disaster-recovery region lacks now, without waiting on ECR's backfill
  stowage.ecr.ecr_replication_backfill:
    destinations:
      - region: us-east-2
    method: copy
  register: copied

- name: Stop the running backfill to a disaster-recovery account
  stowage.ecr.ecr_replication_backfill:
    state: stopped
    destinations:
      - region: us-east-2
        registry_id: "210987654321"
"""

RETURN = r"""
registry_id:
  description: The 12-digit account id of the registry that replicates (the caller's, in the region).
  returned: always
  type: str
  sample: "123456789012"
backfills:
  description:
    - Each destination with its most recent backfill, after the task (in check mode, as before it).
  returned: always
  type: list
  elements: dict
  contains:
    region:
      description: The destination region.
      type: str
    registry_id:
      description: The destination registry.
      type: str
    id:
      description: The backfill's id; null when the destination has had none.
      type: str
    status:
      description: V(PREPARING), V(IN_PROGRESS), V(COMPLETE), V(FAILED), V(STOPPING) or V(STOPPED); null without a backfill.
      type: str
    progress:
      description: The counts C(total_replication_count), C(completed_replication_count), C(failed_replication_count)
        and the C(failure_codes).
      type: dict
      returned: when the destination has a backfill
    started_at:
      description: When the backfill started (ISO 8601).
      type: str
      returned: when the destination has a backfill
    ended_at:
      description: When the backfill ended (ISO 8601).
      type: str
      returned: when the backfill has ended
    results:
      description: With O(wait=true), the backfill's per-image results counted, C(complete) and C(failed).
      type: dict
      returned: with O(wait=true), for a backfill that has ended
  sample:
    - region: eu-west-1
      registry_id: "123456789012"
      id: 0f1e2d3c-4b5a-4697-8a9b-0c1d2e3f4a5b
      status: COMPLETE
      progress: {total_replication_count: 3, completed_replication_count: 3, failed_replication_count: 0, failure_codes: []}
      started_at: "2026-01-02T10:00:00+00:00"
      ended_at: "2026-01-02T10:04:00+00:00"
missing:
  description: For each destination, how many images its rules select are not replicated there (C(images)).
  returned: with O(state=started) and O(missing_only=true)
  type: list
  elements: dict
  sample:
    - {region: eu-west-1, registry_id: "123456789012", images: 3}
copies:
  description:
    - With O(method=copy), the images copied (in check mode, those that would be), each with the counts of what
      was sent (C(manifests), C(blobs), C(bytes), and C(skipped) for the blobs the destination held already).
  returned: with O(method=copy) and O(state=started)
  type: list
  elements: dict
  version_added: 0.3.0
  sample:
    - region: us-east-2
      registry_id: "123456789012"
      repository: team/app-api
      digest: sha256:0c8a1f...
      tags: ["1.4.2"]
      copied: {manifests: 4, blobs: 6, bytes: 52428800, skipped: 0}
started:
  description: The backfills started (in check mode, the destinations that would get one, without id).
  returned: always
  type: list
  elements: dict
stopped:
  description: The backfills stopped (in check mode, those that would be).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.backfill import backfill_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.registry_rules import REPLICATION_RULE_OPTIONS
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        destinations=dict(type="list", elements="dict", options=REPLICATION_RULE_OPTIONS["destinations"]["options"]),
        state=dict(type="str", default="started", choices=["started", "stopped"]),
        missing_only=dict(type="bool", default=True),
        method=dict(type="str", default="backfill", choices=["backfill", "copy"]),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: backfill_report(module), "ECR refused a replication backfill call")


if __name__ == "__main__":
    main()
