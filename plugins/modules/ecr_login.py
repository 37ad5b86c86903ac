#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_login
short_description: Log in to Amazon ECR registries in the Docker client config, without a Docker daemon
version_added: 0.1.0
description:
  - Gets an ECR authorization token (GetAuthorizationToken) for one or more registries and writes the
    login into the Docker client config (C(config.json)), as C(docker login) does. No Docker daemon or
    client is needed. Podman's C(auth.json) has the same format and can be written too.
  - Before anything is written, the registry is asked whether it accepts the credentials
    (C(GET /v2/) with Basic auth). A refused login fails the task, names the registry and the HTTP
    status, and leaves the file as it was.
  - Every other entry and key of the config (logins to other registries, C(credsStore),
    C(credHelpers), proxies, ...) is kept. The file is replaced atomically (a temp file in the same
    directory, then a rename) and gets mode C(0600).
  - The token and password never appear in the task's result, its diff or the logs.
  - "Idempotency: ECR hands out a new token on every call, so a new token alone is no reason to change
    the file. The stored login for a registry is kept (RV(ignore:changed=false)) when it equals the token
    ECR just returned, or when it is for the same user, the registry still accepts it and its expiry
    is more than O(min_validity) seconds away. Otherwise the new login is written."
  - Docker's config has no field for a login's expiry, so the module keeps the expiry of the logins it
    wrote in a small file next to the config, named after it with C(.ecr-login.json) appended
    (for example C(~/.docker/config.json.ecr-login.json)), mode C(0600). It holds the registry, the
    user, the expiry and a SHA-256 fingerprint of the stored login (to tell whether the entry was
    replaced since), never the token. A login whose expiry is not known there is renewed once.
author:
  - stowage.ecr contributors (@stowage)
options:
  registry_ids:
    description:
      - The 12-digit AWS account ids of the registries to log in to, 1 to 10.
      - Defaults to the caller's own registry.
    type: list
    elements: str
    aliases: [registry_id]
  registry_url:
    description:
      - The registry address to check the login against and to store it under, instead of the
        C(proxyEndpoint) ECR returns with the token. For VPC endpoints, dual-stack
        C(<account>.dkr-ecr.<region>.on.aws) hosts, pull-through caches and local test registries.
      - V(https://HOST[:PORT]); V(http://HOST[:PORT]) only for loopback hosts (127.0.0.0/8,
        V(localhost), V(::1)). No path, user or query.
      - The login is stored under V(HOST[:PORT]), the name docker looks it up by when pushing
        V(HOST[:PORT]/repository).
      - Only with a single registry in O(registry_ids).
    type: str
  config_path:
    description:
      - The Docker client config file to write the login into.
      - Defaults to C($DOCKER_CONFIG/config.json) when the environment variable E(DOCKER_CONFIG) is
        set on the managed host, else C(~/.docker/config.json), the file docker itself reads.
      - For podman, use C(${XDG_RUNTIME_DIR}/containers/auth.json) or C(~/.config/containers/auth.json).
      - The file and its directory are created when missing. A file that is not a JSON object fails
        the task and is left as it is.
    type: path
    aliases: [path]
  min_validity:
    description:
      - Renew a stored login when its known expiry is less than this many seconds away.
      - ECR tokens are valid for 12 hours. Set it to the longest the logged-in jobs run.
    type: int
    default: 3600
  timeout:
    description:
      - Seconds to wait for the registry's answer when checking a login.
    type: int
    default: 30
notes:
  - TLS certificates of https registries are always verified, with the system's CA bundle.
  - A login to a loopback registry never goes through a proxy; for other hosts the usual
    E(https_proxy) and E(no_proxy) environment variables apply.
  - When the config names a credential helper for the registry (C(credsStore) or C(credHelpers)),
    docker asks that helper and not the C(auths) entry written here; the module warns then.
attributes:
  check_mode:
    support: full
    description: Gets the token and checks it against the registry, reports whether the login would be written, and writes nothing.
  diff_mode:
    support: full
    description: Shows which registry entries would be added or renewed, with user and expiry, never the credentials.
extends_documentation_fragment: [amazon.aws.common.modules, amazon.aws.region.modules, amazon.aws.boto3]
"""

EXAMPLES = r"""
- name: Log in to the account's own registry (~/.docker/config.json)
  stowage.ecr.ecr_login:
    region: eu-west-1

- name: Log in to two registries, with a login that lasts at least 4 more hours
  stowage.ecr.ecr_login:
    registry_ids:
      - "123456789012"
      - "210987654321"
    min_validity: 14400

- name: Log in through a dual-stack endpoint, for podman
  stowage.ecr.ecr_login:
    registry_ids: ["123456789012"]
    registry_url: https://123456789012.dkr-ecr.eu-west-1.on.aws
    config_path: "{{ lookup('env', 'XDG_RUNTIME_DIR') }}/containers/auth.json"

- name: Log in to a local test registry that stands in for ECR
  stowage.ecr.ecr_login:
    registry_url: http://127.0.0.1:5000
    config_path: /tmp/build/docker/config.json
"""

RETURN = r"""
registry:
  description: The registry the login is stored under in the config (host or host:port), of the first registry.
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.eu-west-1.amazonaws.com
username:
  description: The user of the login (always V(AWS) for ECR), of the first registry.
  returned: always
  type: str
  sample: AWS
expires_at:
  description:
    - When the token ECR returned expires (ISO 8601), of the first registry.
    - When the stored login is kept (RV(ignore:changed=false)), its own known expiry.
  returned: always
  type: str
  sample: "2026-11-27T10:00:00+00:00"
config_path:
  description: The config file the login is (or would be, in check mode) stored in.
  returned: always
  type: str
  sample: /home/builder/.docker/config.json
registries:
  description: One entry per registry logged in to, in the order ECR returned them.
  returned: always
  type: list
  elements: dict
  contains:
    registry:
      description: The key of the login in the config's C(auths).
      type: str
      sample: 123456789012.dkr.ecr.eu-west-1.amazonaws.com
    registry_id:
      description: The account id of the registry, when the ECR endpoint names it.
      type: str
      sample: "123456789012"
    username:
      description: The user of the login.
      type: str
      sample: AWS
    expires_at:
      description: The expiry of the login that is stored after the task (ISO 8601).
      type: str
      sample: "2026-11-27T10:00:00+00:00"
    changed:
      description: Whether this registry's login was (or would be) written.
      type: bool
      sample: true
    reason:
      description: Why the login was written or kept.
      type: str
      sample: the stored login is accepted and valid for 40213s more
"""

from ansible_collections.stowage.ecr.plugins.module_utils._flows.login import login_report
from ansible_collections.stowage.ecr.plugins.module_utils.module import conclude, ecr_module


def main():
    argument_spec = dict(
        registry_ids=dict(type="list", elements="str", aliases=["registry_id"]),
        registry_url=dict(type="str"),
        config_path=dict(type="path", aliases=["path"]),
        min_validity=dict(type="int", default=3600),
        timeout=dict(type="int", default=30),
    )
    module = ecr_module(argument_spec, supports_check_mode=True)
    conclude(module, lambda: login_report(module), "ECR refused a call for an authorization token")


if __name__ == "__main__":
    main()
