"""Side-by-side benchmark of stowage.ecr, community.aws ecs_ecr and Terraform against a moto server.

    .venv/bin/python bench/run.py [--sizes 1,50,500] [--repeat 5] [--ecs-max 50] [--no-terraform] [--no-push]

For each size N it starts from an empty moto, creates N repositories with the seed's settings
(scan on push, AES256, the 30-day untagged lifecycle rule), then runs the same again (a no-op) and
counts the API calls of the no-op with moto's request recorder; each figure is the median of
--repeat runs, printed with the fastest and the slowest. Beside N=1 it times an empty play (the
floor: starting ansible-playbook and running one play that does nothing), in both inventory forms.
It prints one table of wall times, ratios and calls per repository. With the local stack's registry
and Docker Engine it also times the push: a 50 MB image pushed by the role against `docker push`
alone, and a re-run that has nothing to push against a run without the push step. Figures only;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
REGION = stack.REGION


class Moto:
    def __init__(self, record):
        self.record = record
        self.url = record["url"]

    def _post(self, path):
        urllib.request.urlopen(urllib.request.Request(self.url + path, data=b"", method="POST"), timeout=30).read()

    def reset(self):
        self._post("/moto-api/reset")

    def record_calls(self):
        self._post("/moto-api/recorder/reset-recording")
        self._post("/moto-api/recorder/start-recording")

    def calls(self):
        self._post("/moto-api/recorder/stop-recording")
        counts = collections.Counter()
        path = Path(self.record["recording"])
        for line in path.read_text().splitlines() if path.exists() else []:
            headers = {k.lower(): v for k, v in json.loads(line).get("headers", {}).items()}
            target = headers.get("x-amz-target")
            counts[target.split(".")[-1] if target else "other"] += 1
        return counts


def timed(cmd, env, cwd=ROOT, what=""):
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("%s failed (rc %d):\n%s\n%s" % (what or cmd[0], proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    return seconds, proc


class Figure:
    """The median of repeated timings, with the fastest and the slowest."""

    def __init__(self, values):
        self.values = list(values)
        self.median = statistics.median(self.values)

    def __str__(self):
        if len(self.values) == 1:
            return "%.2f" % self.median
        return "%.2f (%.2f-%.2f)" % (self.median, min(self.values), max(self.values))


def names_for(tool, n):
    return ["bench-%s/app-%04d" % (tool, i) for i in range(n)]


class Tool:
    def forget(self):
        """Drop what the tool keeps of earlier runs (Terraform's state); the others keep nothing."""


class Stowage(Tool):
    label = "stowage.ecr (role, ecr_repositories)"

    def __init__(self, env, work):
        self.env = dict(env, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
        self.work = work

    def run(self, names):
        extra = self.work / "stowage-vars.json"
        extra.write_text(json.dumps({"ecr_repo_region": REGION, "ecr_repo_repositories": [{"name": n} for n in names]}))
        return timed([str(VENV_BIN / "ansible-playbook"), str(BENCH / "playbook-stowage.yml"), "-e", "@" + str(extra)], self.env, what="stowage.ecr")[0]


class StowageInventory(Stowage):
    """The same play with an inventory localhost (-i localhost,, as AWX inventories have it) whose
    interpreter is named by the interpreter_python setting, not by the implicit localhost."""

    label = "stowage.ecr, -i localhost, + ANSIBLE_PYTHON_INTERPRETER"

    def __init__(self, env, work):
        super().__init__(env, work)
        self.env["ANSIBLE_PYTHON_INTERPRETER"] = str(VENV_BIN / "python")

    def run(self, names):
        extra = self.work / "stowage-inventory-vars.json"
        extra.write_text(json.dumps({"ecr_repo_region": REGION, "ecr_repo_repositories": [{"name": n} for n in names]}))
        cmd = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", str(BENCH / "playbook-stowage.yml"), "-e", "@" + str(extra)]
        return timed(cmd, self.env, what="stowage.ecr (inventory localhost)")[0]


class EmptyPlay(Tool):
    """The floor of playbook-stowage.yml: the same play header, no task."""

    label = "empty play"
    inventory: list[str] = []

    def __init__(self, env):
        self.env = dict(env, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))

    def run(self, names):
        del names
        return timed([str(VENV_BIN / "ansible-playbook"), *self.inventory, str(BENCH / "playbook-empty.yml")], self.env, what="empty play")[0]


class EmptyPlayInventory(EmptyPlay):
    label = "empty play, -i localhost, + ANSIBLE_PYTHON_INTERPRETER"
    inventory = ["-i", "localhost,"]

    def __init__(self, env):
        super().__init__(env)
        self.env["ANSIBLE_PYTHON_INTERPRETER"] = str(VENV_BIN / "python")


class EcsEcr(Tool):
    label = "community.aws ecs_ecr (loop)"

    def __init__(self, env, work):
        self.env = dict(env, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
        self.work = work

    def run(self, names):
        extra = self.work / "ecs-vars.json"
        extra.write_text(json.dumps({"region": REGION, "names": names}))
        return timed([str(VENV_BIN / "ansible-playbook"), str(BENCH / "playbook-ecs-ecr.yml"), "-e", "@" + str(extra)], self.env, what="ecs_ecr")[0]


class Terraform(Tool):
    label = "Terraform + aws provider"
    mirror = "/opt/tf-plugins"

    def __init__(self, env, work, endpoint):
        self.work = work
        self.dirs = {}
        cli = work / "terraformrc"
        cli.write_text(
            'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n'
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n' % self.mirror
        )
        self.env = dict(env, TF_CLI_CONFIG_FILE=str(cli), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        self.endpoint = endpoint

    @staticmethod
    def available():
        return shutil.which("terraform") is not None and Path(Terraform.mirror).is_dir()

    def forget(self):
        for directory in self.dirs.values():
            for state in ("terraform.tfstate", "terraform.tfstate.backup"):
                (directory / state).unlink(missing_ok=True)

    def run(self, names):
        key = len(names)
        if key not in self.dirs:
            directory = self.work / ("tf-%d" % key)
            directory.mkdir()
            shutil.copy(BENCH / "main.tf", directory / "main.tf")
            timed(["terraform", "init", "-input=false", "-no-color"], self.env, cwd=directory, what="terraform init")
            self.dirs[key] = directory
        directory = self.dirs[key]
        (directory / "terraform.tfvars.json").write_text(json.dumps({"names": names, "endpoint": self.endpoint, "region": REGION}))
        return timed(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], self.env, cwd=directory, what="terraform apply")[0]


def _create(moto, tool, key, names):
    """The create run, from an empty moto. Up to two retries from scratch: under load, Terraform's AWS client
    retries some requests to moto (its debug log shows "retrying request ... attempt 2"), and when the retried
    request is a CreateRepository that moto had carried out, Terraform fails with
    RepositoryAlreadyExistsException (seen at N=500 in five of six attempts here; our module reads that answer
    as the repository being there). Each failure is printed, not hidden."""
    attempts = 3
    for attempt in range(1, attempts + 1):
        moto.reset()
        tool.forget()
        try:
            return tool.run(names)
        except RuntimeError as e:
            if attempt == attempts:
                raise
            lines = [line for line in str(e).splitlines() if "Error" in line] or str(e).splitlines()
            print("  %-10s N=%-4d create failed (attempt %d), retrying from an empty moto: %s" % (key, len(names), attempt, lines[0].strip()[:240]), flush=True)
    raise AssertionError("unreachable")


def fleet(moto, tools, sizes, ecs_max, repeat):
    rows = []
    for n in sizes:
        for key, tool in tools.items():
            if key == "ecs_ecr" and n > ecs_max:
                continue
            names = names_for(key, n)
            creates, noops, calls = [], [], collections.Counter()
            for _run in range(repeat):
                creates.append(_create(moto, tool, key, names))
                moto.record_calls()
                noops.append(tool.run(names))
                calls = moto.calls()
            create, noop = Figure(creates), Figure(noops)
            per_repo = sum(calls.values()) / n
            rows.append({"tool": key, "label": tool.label, "n": n, "create": create, "noop": noop, "calls": dict(calls), "calls_per_repo": per_repo})
            print("  %-11s N=%-4d create %-18s no-op %-18s calls/repo %5.2f  %s" % (key, n, create, noop, per_repo, dict(calls)), flush=True)
    return rows


def floors(env, repeat):
    """The empty play in both inventory forms, timed alternately with nothing else running."""
    forms = {"stowage": EmptyPlay(env), "stowage-inv": EmptyPlayInventory(env)}
    times = {key: [] for key in forms}
    for _run in range(repeat):
        for key, play in forms.items():
            times[key].append(play.run([]))
    result = {key: Figure(values) for key, values in times.items()}
    for key, figure in result.items():
        print("  %-11s empty play %s" % (key, figure), flush=True)
    return result


def _ratio(row, other, field):
    return "%.2f" % (row[field].median / other[field].median) if other else ""


def _verdict(label, value, limit):
    print("%-78s %6.2f  (target %.2f)  %s" % (label, value, limit, "met" if value <= limit + 1e-9 else "NOT met"))


def table(rows, sizes, floor):
    """``floor``: the empty play's figure for each inventory form (the stowage rows' keys), timed at N=1."""
    by = {(r["tool"], r["n"]): r for r in rows}
    print()
    print("Each time: median of the runs (fastest-slowest), in seconds.")
    print()
    print(
        "| tool | N | create (s) | no-op (s) | empty play (s) | API calls per repository, no-op | no-op vs ecs_ecr | no-op vs empty play "
        "| no-op vs Terraform | create vs Terraform |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in sizes:
        for key in ("stowage", "stowage-inv", "ecs_ecr", "terraform"):
            row = by.get((key, n))
            if not row:
                continue
            ecs, tf = by.get(("ecs_ecr", n)), by.get(("terraform", n))
            empty = floor.get(key) if n == 1 else None
            ours = key.startswith("stowage")
            ratios = [
                _ratio(row, ecs, "noop") if ours else "",
                "%.2f" % (row["noop"].median / empty.median) if empty else "",
                _ratio(row, tf, "noop") if ours else "",
                _ratio(row, tf, "create") if ours else "",
            ]
            cells = (row["label"], n, row["create"], row["noop"], empty or "", row["calls_per_repo"], *ratios)
            print("| %s | %d | %s | %s | %s | %.2f | %s | %s | %s | %s |" % cells)
    print()
    targets = []
    for n in sizes:
        ours, ecs, tf = by.get(("stowage", n)), by.get(("ecs_ecr", n)), by.get(("terraform", n))
        inventory = by.get(("stowage-inv", n))
        if n == 1:
            for form, row, what in (("stowage", ours, "N=1 no-op"), ("stowage-inv", inventory, "N=1 no-op, -i localhost, + interpreter setting")):
                if row and ecs:
                    targets.append(("%s <= 0.7 x ecs_ecr" % what, row["noop"].median / ecs["noop"].median, 0.7))
                if row and floor.get(form):
                    targets.append(("%s <= 1.6 x empty play" % what, row["noop"].median / floor[form].median, 1.6))
        if ours and tf and n >= 50:
            targets.append(("N=%d no-op <= 0.4 x Terraform" % n, ours["noop"].median / tf["noop"].median, 0.4))
        if ours and tf and n >= 500:
            targets.append(("N=%d create <= 0.5 x Terraform" % n, ours["create"].median / tf["create"].median, 0.5))
        if ours:
            expected = math.ceil(n / 100) / n + 1
            targets.append(("N=%d no-op calls/repo = batched describe + lifecycle read (%.2f)" % (n, expected), ours["calls_per_repo"], expected))
    for label, value, limit in targets:
        _verdict(label, value, limit)


def _stamp(text):
    """Seconds of an ISO 8601 UTC time stamp of the json callback (2026-11-26T23:27:22.329700Z)."""
    return datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def build_image(docker_env, name, size_mb, directory):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "blob.bin", "wb") as f:
        f.write(os.urandom(size_mb * 1024 * 1024))
    (directory / "Dockerfile").write_text("FROM scratch\nCOPY blob.bin /blob.bin\n")
    timed(["docker", "build", "-q", "-t", name, str(directory)], dict(docker_env, DOCKER_BUILDKIT="0"), what="docker build")


def push(work, size_mb, rounds):
    """The role's push against docker push alone, and a re-run with nothing to push.

    Each round builds two new images of the same size and different content (the registry would
    otherwise mount the first push's layers into the second repository and nothing would be
    uploaded), flushes them to disk so that neither push competes with the build's writeback, then
    times `docker push` of one and the role's first run with the other. The ratio is taken per round;
    the median is the figure.
    """
    directory = work / "push-stack"
    stack.start(directory, parts=("moto", "registry", "docker"))
    try:
        env = dict(os.environ, **stack.env(directory), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PATH="/usr/bin:" + os.environ["PATH"])
        registry = env["STOWAGE_REGISTRY_URL"]
        host = registry.split("://", 1)[1]
        config_dir = work / "docker-config"
        login = subprocess.run(
            ["docker", "--config", str(config_dir), "login", "-u", "AWS", "--password-stdin", host],
            input="123456789012-auth-token",
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if login.returncode:
            raise RuntimeError(login.stderr)

        def role(image, name):
            args = ["-e", "ecr_repo_name=%s" % name, "-e", "ecr_repo_image=%s" % image, "-e", "ecr_repo_registry_url=%s" % registry]
            args += ["-e", "ecr_repo_docker_config=%s" % (config_dir / "config.json")]
            seconds, proc = timed(
                [str(VENV_BIN / "ansible-playbook"), str(ROOT / "playbooks" / "site.yml")] + args,
                dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"),
                what="role",
            )
            doc = json.loads(proc.stdout[proc.stdout.index("{") :])
            # role task names carry the role's name in front: "stowage.ecr.ecr_repo : Push the tags ..."
            pushes = [t for p in doc["plays"] for t in p["tasks"] if t["task"]["name"].endswith("Push the tags that do not hold the image yet")]
            push_task = pushes[0] if pushes else None
            task_seconds = float("nan")
            if push_task and "end" in push_task["task"].get("duration", {}):
                duration = push_task["task"]["duration"]
                task_seconds = _stamp(duration["end"]) - _stamp(duration["start"])
            return seconds, task_seconds, doc["stats"]["localhost"]["changed"]

        print()
        print("| push, %d MB image, round | docker push alone (s) | role's push task (s) | ratio | role, whole first run (s) |" % size_mb)
        print("| --- | ---: | ---: | ---: | ---: |")
        ratios = []
        for i in range(rounds):
            build_image(env, "bench-push-plain:%d" % i, size_mb, work / ("image-plain-%d" % i))
            build_image(env, "bench-push:%d" % i, size_mb, work / ("image-role-%d" % i))
            os.sync()
            timed(["docker", "tag", "bench-push-plain:%d" % i, "%s/bench/plain-%d:latest" % (host, i)], env)
            plain = timed(["docker", "--config", str(config_dir), "push", "%s/bench/plain-%d:latest" % (host, i)], env, what="docker push")[0]
            first, first_push_task = role("bench-push:%d" % i, "bench/role-%d" % i)[:2]
            ratios.append(first_push_task / plain)
            print("| %d | %.2f | %.2f | %.2f | %.2f |" % (i + 1, plain, first_push_task, ratios[-1], first))

        # the re-run and the run without the push step, alternately: the difference of each pair is the
        # push step's cost; the median of the differences is the figure
        last = "bench/role-%d" % (rounds - 1)
        agains, withouts, changed = [], [], []
        for _round in range(rounds):
            again, _task, changed_again = role("bench-push:%d" % (rounds - 1), last)
            agains.append(again)
            changed.append(changed_again)
            withouts.append(role("", last)[0])
        costs = Figure(a - w for a, w in zip(agains, withouts))
        print()
        print("| re-run, %d MB image, %d runs each | seconds: median (fastest-slowest) |" % (size_mb, rounds))
        print("| --- | ---: |")
        print("| role, re-run with the image unchanged (changed=%s) | %s |" % (",".join(str(c) for c in sorted(set(changed))), Figure(agains)))
        print("| role, run without the push step | %s |" % Figure(withouts))
        print("| push step's cost: re-run minus the run without it, pairwise | %s |" % costs)
        print()
        _verdict("first push: role's push task / docker push alone (median of %d)" % rounds, statistics.median(ratios), 1.15)
        _verdict("re-run cost of the push step, unchanged image (s, median of %d pairs)" % rounds, costs.median, 0.5)
    finally:
        stack.stop(directory)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,50,500", help="repository counts (default 1,10,50,500)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each figure at each size (default 5; the median is the figure)")
    parser.add_argument("--ecs-max", type=int, default=50, help="largest N to run ecs_ecr at (it takes ~0.7 s a repository)")
    parser.add_argument("--no-terraform", action="store_true")
    parser.add_argument("--no-ecs", action="store_true")
    parser.add_argument("--no-push", action="store_true")
    parser.add_argument("--push-mb", type=int, default=50)
    parser.add_argument("--push-rounds", type=int, default=5, help="first pushes to time (default 5; the median ratio is the figure)")
    args = parser.parse_args()
    # Python's default: a module's bytecode is kept beside its source; a shell or an image may turn that off
    # (PYTHONDONTWRITEBYTECODE), which makes every process compile what it imports; the figures are for the default
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        print("PYTHONDONTWRITEBYTECODE was set: unset for the runs (Python's default)")
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="stowage-bench-") as tmp:
        work = Path(tmp)
        record = stack.start_moto(work / "moto")
        try:
            env = dict(os.environ, **stack.aws_env(record))
            moto = Moto(record)
            tools = {"stowage": Stowage(env, work), "stowage-inv": StowageInventory(env, work)}
            if not args.no_ecs:
                tools["ecs_ecr"] = EcsEcr(env, work)
            if not args.no_terraform and Terraform.available():
                tools["terraform"] = Terraform(env, work, record["url"])
            print("moto at %s; tools: %s" % (record["url"], ", ".join(tools)), flush=True)
            floor = floors(env, args.repeat) if 1 in sizes else {}
            rows = fleet(moto, tools, sizes, args.ecs_max, args.repeat)
            table(rows, sizes, floor)
        finally:
            stack.stop(work / "moto")
        if not args.no_push:
            push(work, args.push_mb, args.push_rounds)


if __name__ == "__main__":
    main()
