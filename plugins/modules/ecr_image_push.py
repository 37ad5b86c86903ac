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
  - Without O(repository), this module pushes every tag it is given.
  - With O(repository) and O(source), one task decides as well, every step in the same process when the task runs
    on the controller. It reads the local image's id, then what each tag holds in the registry with a new ECR
    token that is not stored (M(stowage.ecr.ecr_image_tag_info) with O(stowage.ecr.ecr_image_tag_info#module:auth=token)).
    When every tag holds the image already nothing is written (no login is stored, nothing is tagged or pushed),
    and the task reports skipped. Otherwise it stops before any write when a tag to move is one that the
    repository's tag mutability forbids to move; else it logs in (M(stowage.ecr.ecr_login), which keeps a stored login
    that is still valid, so the Docker config is not rewritten), tags the local image as O(name)C(:TAG) for each
    tag to move, pushes those tags, and reads what the tags hold after the push. The role
    R(stowage.ecr.ecr_repo,ansible_collections.stowage.ecr.ecr_repo_role) pushes this way.
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
      - Required, unless O(repository) is given; then it defaults to the registry the tags are read from
        (RV(registry)) and O(repository).
    type: str
  tags:
    description:
      - The tags to push, in order. Each must exist locally as O(name)C(:TAG), unless O(source) is given. An empty
        list pushes nothing.
      - With O(repository), the tags to compare; only those that do not hold the local image are pushed.
    type: list
    elements: str
    default: [latest]
  source:
    description:
      - The local image to push (C(NAME[:TAG]) or its id), tagged as O(name)C(:TAG) on the Docker Engine for each
        tag it is pushed under (M(community.docker.docker_image_tag), an existing tag of that name is moved).
      - Required with O(repository).
    type: str
    version_added: 0.3.0
  push:
    description:
      - With V(false) the task decides and logs in, and pushes nothing. It returns RV(to_push) and
        RV(conflicts), and stores the login only when a tag is to move. Only with O(repository).
    type: bool
    default: true
    version_added: 0.3.0
  repository:
    description:
      - The ECR repository of O(name). With it, the task pushes only the tags that do not hold O(source) yet,
        and writes nothing when they all do (see the description).
      - A repository that does not exist yet holds no tag; the registry must still answer and accept ECR's token.
    type: str
    version_added: 0.3.0
  registry_id:
    description:
      - The AWS account id of the repository's registry, with O(repository). Defaults to the caller's.
    type: str
    version_added: 0.3.0
  registry_url:
    description:
      - The registry address, with O(repository), as M(stowage.ecr.ecr_login) takes it (V(https://HOST[:PORT]), or
        V(http://) for a loopback host). Defaults to the address ECR names.
    type: str
    version_added: 0.3.0
  config_path:
    description:
      - The Docker client config that the login is stored in, with O(repository). Defaults to
        C($DOCKER_CONFIG/config.json), else C(~/.docker/config.json). The pushes read the config from
        E(DOCKER_CONFIG) (see the notes), so point it at the same directory.
    type: path
    version_added: 0.3.0
notes:
  - The Docker client config is read where the push runs, from E(DOCKER_CONFIG) or C(~/.docker/config.json);
    set E(DOCKER_CONFIG) with the task's C(environment) to use another one.
  - RV(ignore:changed) is what M(community.docker.docker_image_push) reports, true when the engine uploaded
    layers (or, with O(repository), when the login was stored); a tag moved to an image whose layers the registry
    holds already reads as unchanged. The digest-aware decision is M(stowage.ecr.ecr_image_tag_info)'s.
  - The amazon.aws options (credentials, O(region), O(endpoint_url)) are used only with O(repository), passed on
    as given to the ECR modules. O(validate_certs) is the Docker Engine's (see above); the ECR calls always
    validate certificates, with O(aws_ca_bundle) when given.
extends_documentation_fragment: [stowage.ecr.docker_api, amazon.aws.common.modules, amazon.aws.region.modules]
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

- name: The same in one task; nothing is written when every tag holds app:build already
  stowage.ecr.ecr_image_push:
    source: app:build
    repository: team/app
    tags: [latest, "1.4.2"]
  environment:
    DOCKER_CONFIG: "{{ ansible_env.HOME }}/.docker"
  register: pushed
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
  returned: when a tag was pushed, or with O(source)
  type: str
  sample: sha256:4f9a0c...
registry:
  description: The registry host (and port) the tags were read from.
  returned: with O(repository)
  type: str
  sample: 123456789012.dkr.ecr.ap-south-1.amazonaws.com
  version_added: 0.3.0
image_tag_mutability:
  description: The repository's image tag mutability (null when the repository does not exist yet).
  returned: with O(repository)
  type: str
  sample: IMMUTABLE
  version_added: 0.3.0
tags:
  description:
    - What each tag holds, as M(stowage.ecr.ecr_image_tag_info) returns it (RV(stowage.ecr.ecr_image_tag_info#module:tags)),
      read after the push when the task pushed, else before.
  returned: with O(repository)
  type: list
  elements: dict
  version_added: 0.3.0
to_push:
  description: The tags that did not hold O(source) before the task.
  returned: with O(repository)
  type: list
  elements: str
  version_added: 0.3.0
conflicts:
  description: The tags of RV(to_push) that hold another image and that the repository's tag mutability forbids to move.
  returned: with O(repository)
  type: list
  elements: str
  version_added: 0.3.0
login:
  description: The login, when one was needed (a tag to move, not in check mode).
  returned: with O(repository), when a tag was to move
  type: dict
  version_added: 0.3.0
  contains:
    changed:
      description: Whether the login was stored (false when the stored one was kept).
      type: bool
    reason:
      description: Why the login was stored or kept, as M(stowage.ecr.ecr_login) says it for the registry.
      type: str
"""
