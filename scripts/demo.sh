#!/usr/bin/env bash
# The seed's workflow on the local stack: playbooks/site.yml builds a tiny image from source, creates the
# repository with its lifecycle policy, pushes the image and gates on its scan; run twice (the second run
# changes nothing) against moto, the Distribution registry and a Docker Engine of its own, all on free
# loopback ports, and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK_DIR=$(mktemp -d /tmp/stowage-demo.XXXXXX)
cleanup() { .venv/bin/python scripts/stack.py stop --dir "$STACK_DIR" || true; rm -rf "$STACK_DIR"; }
trap cleanup EXIT
eval "$(.venv/bin/python scripts/stack.py start --dir "$STACK_DIR" --with registry,docker)"
export ANSIBLE_CONFIG=$PWD/ansible.cfg
PATH=/usr/bin:$PATH

echo "== the source of a tiny image (FROM scratch)"
mkdir -p "$STACK_DIR/image"
echo "hello from stowage.ecr" >"$STACK_DIR/image/hello.txt"
printf 'FROM scratch\nCOPY hello.txt /hello.txt\n' >"$STACK_DIR/image/Dockerfile"

# the login goes to a Docker config of the demo's own, not to ~/.docker; the scan gate stops at CRITICAL
# findings (moto's scan reports one HIGH finding)
vars=(-e ecr_repo_image=stowage-demo:latest -e "ecr_repo_build=$STACK_DIR/image" -e ecr_repo_scan_gate=CRITICAL
      -e "ecr_repo_registry_url=$STOWAGE_REGISTRY_URL" -e "ecr_repo_docker_config=$STACK_DIR/docker-config/config.json")
echo "== first run: builds the image, creates the repository and its lifecycle policy, logs in, tags, pushes, gates on the scan"
.venv/bin/ansible-playbook playbooks/site.yml "${vars[@]}" "$@"
echo "== second run: nothing to change"
.venv/bin/ansible-playbook playbooks/site.yml "${vars[@]}" "$@"
echo "== the registry holds:"
.venv/bin/python - "$STOWAGE_REGISTRY_URL" <<'PY'
import base64, json, sys, urllib.request
url = sys.argv[1] + "/v2/my-ecr-repo/manifests/latest"
req = urllib.request.Request(url, headers={
    "Authorization": "Basic " + base64.b64encode(b"AWS:123456789012-auth-token").decode(),
    "Accept": "application/vnd.docker.distribution.manifest.v2+json"})
with urllib.request.urlopen(req) as r:
    print("my-ecr-repo:latest ->", r.headers["Docker-Content-Digest"], "config", json.load(r)["config"]["digest"])
PY
