#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_tag_info
short_description: What tags of an ECR repository hold, and which a push of a local image would change
version_added: 0.1.0
description:
  - Reads, over the registry HTTP API v2 with the login that M(stowage.ecr.ecr_login) stored in the Docker
    client config, the manifest each tag holds in an ECR repository.
  - With O(image_id), compares each tag's config digest with the local image id (they are equal for the
    same image) and returns the tags a push would change, and those the repository's tag mutability would
    refuse, so that nothing is pushed when everything is in place and a push that would fail halfway is
    stopped before it starts.
  - Only reads. The registry credentials come from the config file (or, with O(auth=token), from ECR), never
    from task arguments.
author:
  - stowage.ecr contributors (@stowage)
options:
  tags:
    description:
      - The tags to read.
    type: list
    elements: str
    required: true
  image_id:
    description:
      - The local image id (C(docker image inspect --format '{{.Id}}')), V(sha256:...), to compare with.
    type: str
  registry_url:
    description:
      - The registry address, as given to M(stowage.ecr.ecr_login) (V(https://HOST[:PORT]), or V(http://) for
        a loopback host). Defaults to the host of the repository URI.
    type: str
  config_path:
    description:
      - The Docker client config that holds the login. Defaults to C($DOCKER_CONFIG/config.json), else
        C(~/.docker/config.json).
    type: path
  auth:
    description:
      - Which credentials read the tags.
      - V(config) is the login stored in O(config_path) (M(stowage.ecr.ecr_login)).
      - V(token) is a new ECR authorization token (GetAuthorizationToken), used for this read only. It is never
        stored, and O(config_path) is not read. The registry must answer and accept it, also when the repository
        does not exist yet, whose tags then read as holding nothing (in any mode). So nothing needs to be
        written before the read, and a registry that does not answer fails the task before anything is.
    type: str
    choices: [config, token]
    default: config
    version_added: 0.3.0
attributes:
  check_mode:
    support: full
    description: >-
      Only reads. In check mode, a repository or a login that does not exist yet (because the same play
      would make it) reads as tags that hold nothing.
extends_documentation_fragment: [stowage.ecr.target,
  amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Local image id
  community.docker.docker_image_info:
    name: app:build
  register: local

- name: Which tags would move
  stowage.ecr.ecr_image_tag_info:
    repository: my-ecr-repo
    tags: [latest, "1.4.2"]
    image_id: "{{ local.images[0].Id }}"
  register: plan

- name: Stop before pushing into an immutable tag that holds another image
  ansible.builtin.assert:
    that: plan.conflicts | length == 0
"""

RETURN = r"""
registry:
  description: The registry host (and port) read from.
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.ap-south-1.amazonaws.com
image_tag_mutability:
  description: The repository's image tag mutability (null when the repository does not exist yet).
  returned: always
  type: str
  sample: IMMUTABLE
tags:
  description: What each tag holds.
  returned: always
  type: list
  elements: dict
  contains:
    tag:
      description: The tag.
      type: str
    exists:
      description: Whether the tag exists.
      type: bool
    digest:
      description: The manifest digest the tag points to.
      type: str
      sample: sha256:4f9a...
    config_digest:
      description: The image config digest, equal to the local image id of the same image (null for a multi-platform index).
      type: str
    media_type:
      description: The manifest's media type.
      type: str
to_push:
  description: With O(image_id), the tags that do not hold that image yet.
  returned: always
  type: list
  elements: str
conflicts:
  description: With O(image_id), the tags of RV(to_push) that hold another image and that the repository's tag mutability forbids to move.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.tag_info import tag_report
from ansible_collections.stowage.ecr.plugins.module_utils._spec.target import REPOSITORY_TARGET, spec
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        **spec(REPOSITORY_TARGET),
        tags=dict(type="list", elements="str", required=True),
        image_id=dict(type="str"),
        registry_url=dict(type="str"),
        config_path=dict(type="path"),
        auth=dict(type="str", choices=["config", "token"], default="config"),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: tag_report(module), "ECR refused a call for repository %s" % module.params["repository"])


if __name__ == "__main__":
    main()
