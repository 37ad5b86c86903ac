#!/usr/bin/env bash
# The seed's workflow on the local stack: playbooks/site.yml builds a tiny image from source, creates the
# repository with its lifecycle policy, pushes the image and gates on its scan; run twice (the second run
# changes nothing: its recap must say changed=0, else the demo fails) against moto, the Distribution registry
# and a Docker Engine of its own, all on free loopback ports, and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK_DIR=$(mktemp -d /tmp/stowage-demo.XXXXXX)
cleanup() {
    if .venv/bin/python scripts/stack.py stop --dir "$STACK_DIR"; then
        echo "== the local stack is stopped (moto, the registry and the Docker Engine); nothing of it keeps running"
    else
        echo "== stopping the local stack failed; its servers' PID files are in $STACK_DIR" >&2
        return
    fi
    rm -rf "$STACK_DIR"
}
trap cleanup EXIT
echo "== starting the local stack on free loopback ports: a moto server (ECR, KMS, STS), a Distribution registry, a Docker Engine"
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
.venv/bin/ansible-playbook playbooks/site.yml "${vars[@]}" "$@" | tee "$STACK_DIR/second-run.log"
recap=$(grep -E '^localhost +: ' "$STACK_DIR/second-run.log" | tail -n 1)
if [[ ! "$recap" =~ [[:space:]]changed=0[[:space:]] ]]; then
    echo "== FAILED: the second run changed something (its recap: ${recap:-none found}); it must say changed=0" >&2
    exit 1
fi
echo "== the second run's recap says changed=0"
echo "== where the image went:"
.venv/bin/python - "$STOWAGE_REGISTRY_URL" <<'PY'
import base64, json, sys, urllib.request

import boto3

registry = sys.argv[1]
uri = boto3.client("ecr").describe_repositories(repositoryNames=["my-ecr-repo"])["repositories"][0]["repositoryUri"]
req = urllib.request.Request(registry + "/v2/my-ecr-repo/manifests/latest", headers={
    "Authorization": "Basic " + base64.b64encode(b"AWS:123456789012-auth-token").decode(),
    "Accept": "application/vnd.docker.distribution.manifest.v2+json"})
with urllib.request.urlopen(req) as r:
    digest, config = r.headers["Docker-Content-Digest"], json.load(r)["config"]["digest"]
print("ECR repository URI (moto):     %s:latest" % uri)
print("pushed to the local registry:  %s/my-ecr-repo:latest" % registry.split("://", 1)[-1])
print("  (ecr_repo_registry_url sends the push there; against AWS it goes to the URI above)")
print("manifest digest %s, config %s" % (digest, config))
PY
