#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name (plugins/action/ecr_image_push.py); this
# file holds the documentation only.

DOCUMENTATION = r"""
---
module: ecr_image_push
short_description: Push tags of a local image to a registry, in the controller's process when it can
version_added: 0.2.0
description:
  - Pushes O(name)C(:TAG) for each tag in O(tags) from the Docker Engine to the registry, one tag after
    the other, with M(community.docker.docker_image_push). The images must be tagged locally already
    (M(community.docker.docker_image_tag)) and the registry login must be in the Docker client config
    (M(stowage.ecr.ecr_login)).
  - When the task runs on the controller (local connection, the controller's Python, no become), the
    pushes run inside Ansible's worker process instead of one new module process each, which saves
    a Python start, the module's transfer and most of its imports per push (about 0.4 s each, measured
    on loopback). Anywhere else, or with E(STOWAGE_ECR_IN_PROCESS=0) on the controller, they run as
    M(community.docker.docker_image_push) modules on the target, the usual way. The result is the same
    either way.
  - O(name) and O(tags) are checked, and every tag must exist in the Docker Engine as O(name)C(:TAG),
    before anything is pushed. A push that fails stops the task; the tags pushed before it are named in
    the result.
  - This module pushes every tag it is given. To push only the tags that do not hold the image yet,
    and to stop before a push that an immutable repository would refuse, ask
    M(stowage.ecr.ecr_image_tag_info) first and give its RV(stowage.ecr.ecr_image_tag_info#module:to_push)
    here, as the role R(stowage.ecr.ecr_repo,ansible_collections.stowage.ecr.ecr_repo_role) does.
author:
  - stowage.ecr contributors (@stowage)
requirements:
  - What M(community.docker.docker_image_push) needs on the host that runs the push, which community.docker's
    documentation lists; with community.docker 4 and 5 that is C(requests), with C(paramiko) for V(ssh://)
    hosts (unless O(use_ssh_client=true)).
options:
  name:
    description:
      - The image in the registry, C(HOST[:PORT]/REPOSITORY), without a tag or digest, for example
        V(123456789012.dkr.ecr.ap-south-1.amazonaws.com/team/app).
    type: str
    required: true
  tags:
    description:
      - The tags to push, in order. Each must exist locally as O(name)C(:TAG). An empty list pushes nothing.
    type: list
    elements: str
    default: [latest]
notes:
  - The Docker client config is read where the push runs, from E(DOCKER_CONFIG) or C(~/.docker/config.json);
    set E(DOCKER_CONFIG) with the task's C(environment) to use another one.
  - RV(ignore:changed) is what M(community.docker.docker_image_push) reports, true when the engine uploaded
    layers; a tag moved to an image whose layers the registry holds already reads as unchanged. The
    digest-aware decision is M(stowage.ecr.ecr_image_tag_info)'s.
extends_documentation_fragment: [stowage.ecr.docker_api]
attributes:
  check_mode:
    support: none
    description: >-
      In check mode the options are checked and that every tag exists locally, then the task is skipped;
      nothing is pushed. M(stowage.ecr.ecr_image_tag_info) tells which tags a push would move.
  diff_mode:
    support: none
    description: No diff is returned.
  action:
    support: full
    description: Runs as an action plugin, on the controller, which starts the pushes in process or on the target.
  async:
    support: none
    description: Does not run with C(async); the pushes of one task run one after the other.
seealso:
  - module: stowage.ecr.ecr_image_tag_info
  - module: stowage.ecr.ecr_login
  - module: community.docker.docker_image_push
"""

EXAMPLES = r"""
- name: Log in to the registry
  stowage.ecr.ecr_login:

- name: Which tags do not hold the local image yet
  stowage.ecr.ecr_image_tag_info:
    repository: team/app
    tags: [latest, "1.4.2"]
    image_id: "{{ local.images[0].Id }}"
  register: plan

- name: Tag the local image for the registry
  community.docker.docker_image_tag:
    name: app:build
    repository: "{{ plan.to_push | map('regex_replace', '^', plan.registry ~ '/team/app:') | list }}"
  when: plan.to_push | length > 0

- name: Push those tags
  stowage.ecr.ecr_image_push:
    name: "{{ plan.registry }}/team/app"
    tags: "{{ plan.to_push }}"
  when: plan.to_push | length > 0
"""

RETURN = r"""
name:
  description: The image in the registry, as given.
  returned: success
  type: str
  sample: 123456789012.dkr.ecr.ap-south-1.amazonaws.com/team/app
pushed:
  description: The tags pushed, in order; on a failure, those pushed before it.
  returned: always
  type: list
  elements: str
  sample: [latest, "1.4.2"]
uploaded:
  description: The tags whose push uploaded layers (the engine had to send data the registry lacked).
  returned: always
  type: list
  elements: str
  sample: [latest]
image_id:
  description: The local image id of the pushed image, V(sha256:...).
  returned: when a tag was pushed
  type: str
  sample: sha256:4f9a0c...
"""
