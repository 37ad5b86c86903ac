"""The registry baseline's no-op: the role ecr_registry against Terraform, on the local stack's moto server.

    .venv/bin/python bench/registry.py [--rounds 5] [--no-terraform]

The same baseline on both sides (registry policy, two replication rules, ENHANCED scanning with a continuous
rule, a repository creation template with a lifecycle rule, a pull through cache rule for ECR Public): from an
empty moto, each tool applies it once, then applies it again ``--rounds`` times (nothing to change). Printed:
the median, min and max wall time of those no-ops, beside the floor (ansible-playbook with an empty play), the
API calls of one no-op (moto's request recorder) and the ratios. Terraform runs from the provider's filesystem
mirror with its ECR endpoint at the stack (as bench/run.py drives it). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

# run.py puts scripts/ on the path and imports the stack
from run import BENCH, REGION, ROOT, VENV_BIN, Moto, Terraform, stack, timed

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReplicateIn",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": "arn:aws:ecr:%s:%s:repository/*" % (REGION, stack.ACCOUNT),
        }
    ],
}
# the role's variables for the baseline of registry/main.tf
ROLE_VARS = {
    "ecr_registry_region": REGION,
    "ecr_registry_policy": POLICY,
    "ecr_registry_replication_rules": [
        {"destinations": [{"region": "eu-west-1"}], "repository_filters": [{"filter": "platform/"}]},
        {"destinations": [{"region": "us-east-1", "registry_id": "210987654321"}], "repository_filters": [{"filter": "shared/"}]},
    ],
    "ecr_registry_scan_type": "ENHANCED",
    "ecr_registry_scanning_rules": [{"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": [{"filter": "prod-*"}]}],
    "ecr_registry_repository_creation_templates": [
        {
            "prefix": "ecr-public",
            "applied_for": ["PULL_THROUGH_CACHE"],
            "image_tag_mutability": "MUTABLE",
            "encryption_type": "AES256",
            "lifecycle_rules": [
                {
                    "priority": 1,
                    "description": "Expire images not pulled for 90 days",
                    "tag_status": "any",
                    "count_type": "since_image_pulled",
                    "count_number": 90,
                }
            ],
        }
    ],
    "ecr_registry_pull_through_cache_rules": [{"ecr_repository_prefix": "ecr-public", "upstream_registry_url": "public.ecr.aws"}],
}
ROLE_PLAY = [{"name": "Registry baseline", "hosts": "localhost", "connection": "local", "gather_facts": False, "roles": ["stowage.ecr.ecr_registry"]}]
EMPTY_PLAY = [{"name": "Nothing", "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": []}]


class Role:
    label = "stowage.ecr (role ecr_registry)"

    def __init__(self, env, work):
        self.env = dict(env, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
        self.play = work / "registry-play.yml"
        self.play.write_text(json.dumps(ROLE_PLAY))
        self.vars = work / "registry-vars.json"
        self.vars.write_text(json.dumps(ROLE_VARS))

    def run(self):
        return timed([str(VENV_BIN / "ansible-playbook"), str(self.play), "-e", "@" + str(self.vars)], self.env, what="the role")[0]


class EmptyPlay(Role):
    label = "ansible-playbook, an empty play (the floor)"

    def __init__(self, env, work):
        super().__init__(env, work)
        self.play = work / "empty-play.yml"
        self.play.write_text(json.dumps(EMPTY_PLAY))


class TerraformBaseline(Terraform):
    label = "Terraform + aws provider"

    def __init__(self, env, work, endpoint):
        super().__init__(env, work, endpoint)
        self.directory = work / "tf-registry"
        self.directory.mkdir()
        (self.directory / "main.tf").write_text((BENCH / "registry" / "main.tf").read_text())
        (self.directory / "terraform.tfvars.json").write_text(json.dumps({"endpoint": endpoint, "region": REGION, "account": stack.ACCOUNT}))
        timed(["terraform", "init", "-input=false", "-no-color"], self.env, cwd=self.directory, what="terraform init")

    def run(self):
        return timed(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], self.env, cwd=self.directory, what="terraform apply")[0]


def noops(moto, tool, rounds):
    """Apply once from an empty registry, then time ``rounds`` no-ops; the calls of the last one."""
    moto.reset()
    tool.run()
    times = [tool.run() for _round in range(rounds - 1)]
    moto.record_calls()
    times.append(tool.run())
    return times, moto.calls()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="no-ops to time (default 5)")
    parser.add_argument("--no-terraform", action="store_true")
    args = parser.parse_args()
    # Python's default: a module's bytecode is kept beside its source; a shell or an image may turn that off
    # (PYTHONDONTWRITEBYTECODE), which makes every process compile what it imports; the figures are for the default
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        print("PYTHONDONTWRITEBYTECODE was set: unset for the runs (Python's default)")
    with tempfile.TemporaryDirectory(prefix="stowage-bench-registry-") as tmp:
        work = Path(tmp)
        record = stack.start_moto(work / "moto")
        try:
            env = dict(os.environ, **stack.aws_env(record))
            moto = Moto(record)
            tools = {"floor": EmptyPlay(env, work), "role": Role(env, work)}
            if not args.no_terraform and Terraform.available():
                tools["terraform"] = TerraformBaseline(env, work, record["url"])
            print("moto at %s; %d no-ops each; load average %s" % (record["url"], args.rounds, " ".join("%.2f" % x for x in os.getloadavg())), flush=True)
            figures = {}
            for key, tool in tools.items():
                times, calls = noops(moto, tool, args.rounds)
                figures[key] = (times, calls)
                print("%s: %s s" % (tool.label, ", ".join("%.2f" % t for t in times)), flush=True)
        finally:
            stack.stop(work / "moto")
    floor = statistics.median(figures["floor"][0])
    print()
    print("| no-op | median (s) | min (s) | max (s) | floor (empty play, median s) | API calls | vs floor | vs Terraform |")
    print("|---|---|---|---|---|---|---|---|")
    tf = statistics.median(figures["terraform"][0]) if "terraform" in figures else None
    for key, (times, calls) in figures.items():
        median = statistics.median(times)
        print(
            "| %s | %.2f | %.2f | %.2f | %.2f | %s | %s | %s |"
            % (
                tools[key].label,
                median,
                min(times),
                max(times),
                floor,
                sum(calls.values()) if key != "floor" else 0,
                "%.2fx" % (median / floor) if key != "floor" else "",
                "%.2fx" % (median / tf) if tf and key == "role" else "",
            )
        )
    if tf:
        role = statistics.median(figures["role"][0])
        print()
        print("role no-op <= 0.15 x Terraform: %.2fx (%s)" % (role / tf, "met" if role / tf <= 0.15 else "not met"))
        print("role no-op <= 2 x empty play: %.2fx (%s)" % (role / floor, "met" if role / floor <= 2 else "not met"))
    print("role no-op calls: %s" % dict(sorted(figures["role"][1].items())))
    if tf:
        print("Terraform no-op calls: %s" % dict(sorted(figures["terraform"][1].items())))


if __name__ == "__main__":
    sys.exit(main())
