# -*- coding: utf-8 -*-
# Copyright: stowage.ecr contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Docker Engine connection options that stowage.ecr.ecr_image_push passes on to
community.docker.docker_image_push. The action plugin builds its argument spec from this text, and
tests/packaging/test_ansible_doc.py checks it against docker_image_push's options on every
community.docker major the collection supports."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The Docker Engine API to talk to, for example V(unix:///var/run/docker.sock) or V(tcp://127.0.0.1:2376).
      - When left out, M(community.docker.docker_image_push) takes E(DOCKER_HOST) from the environment where the
        push runs, else V(unix:///var/run/docker.sock).
    type: str
    aliases: [docker_url]
  tls_hostname:
    description:
      - The host name the engine's TLS certificate must name. When left out, E(DOCKER_TLS_HOSTNAME), else the
        host of O(docker_host).
    type: str
  api_version:
    description:
      - The Docker Engine API version to speak. When left out, E(DOCKER_API_VERSION), else the version the engine
        announces (V(auto)).
    type: str
    aliases: [docker_api_version]
  timeout:
    description:
      - Seconds to wait for an answer of the engine. When left out, E(DOCKER_TIMEOUT), else V(60).
    type: int
  ca_path:
    description:
      - A CA certificate file to check the engine's certificate with. When left out, E(DOCKER_CERT_PATH)C(/ca.pem)
        if that variable is set.
    type: path
    aliases: [ca_cert, tls_ca_cert, cacert_path]
  client_cert:
    description:
      - The client certificate file for TLS client authentication. Give it together with O(client_key).
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - The private key file of O(client_cert).
    type: path
    aliases: [tls_client_key, key_path]
  tls:
    description:
      - Talk to the engine over TLS without checking its certificate. O(validate_certs=true) wins over it.
        When left out, E(DOCKER_TLS), else V(false).
    type: bool
  use_ssh_client:
    description:
      - For an V(ssh://) O(docker_host), use the C(ssh) command of the machine where the push runs instead of the
        Python SSH library. When left out, V(false).
    type: bool
  validate_certs:
    description:
      - Talk to the engine over TLS and check its certificate. When left out, E(DOCKER_TLS_VERIFY), else V(false).
    type: bool
    aliases: [tls_verify]
  debug:
    description:
      - Log what the Docker SDK does, for troubleshooting. When left out, V(false).
    type: bool
notes:
  - The Docker connection options are passed to M(community.docker.docker_image_push) as given; what a left-out
    option means (its environment variable or default) is decided there, on the host that runs the push.
"""
