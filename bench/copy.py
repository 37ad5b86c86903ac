"""Figures for stowage.ecr.ecr_image_copy on the local stack: a two-architecture image index (random bytes, so
incompressible, ``--mb`` per architecture) with a signature referrer, copied from one region of the stack to
another by

  (a) ecr_image_copy through ansible-playbook (through ECR's layer API: GetDownloadUrlForLayer, then
      InitiateLayerUpload / UploadLayerPart / CompleteLayerUpload, PutImage);
  (b) ``skopeo copy --all docker://A docker://B`` (Debian's skopeo, installed with apt-get when missing);
  (c) ``docker pull`` + ``docker tag`` + ``docker push`` of each architecture, then ``docker manifest create`` and
      ``docker manifest push`` for the index (docker cannot push an index otherwise);

each ``--rounds`` times to a fresh destination. Then a re-run of (a) with nothing to copy (task time and the
writes moto records) and the peak memory of the module process (VmHWM, polled from /proc, with
STOWAGE_ECR_IN_PROCESS=0 so that the module runs in a process of its own) of a copy against a run that copies
nothing.

The stack holds every region's repositories in one Distribution registry (``<account>/<region>/<name>``). A
registry mounts a blob that it holds in another repository instead of receiving it (skopeo and docker ask for
that), which two regions' registries of ECR cannot do; so skopeo and docker copy to a second registry of the
stack's (a fresh one each round), the way they would reach another region's registry host, and move every byte.

    .venv/bin/python bench/copy.py [--mb 50] [--rounds 5]

Figures only; nothing is asserted. Needs root (the stack's Docker Engine).
"""

from __future__ import annotations

import os
import resource
import sys

# run as a script, this file's folder comes first on sys.path, where this file would stand for the standard copy module
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import datetime
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "integration"))

import stack  # noqa: E402
from test_ecr_image_copy import push_signed_index  # noqa: E402

SOURCE_REGION, DEST_REGION = "us-west-2", "eu-west-1"
SOURCE_PREFIX, DEST_PREFIX = "%s/%s/" % (stack.ACCOUNT, SOURCE_REGION), "%s/%s/" % (stack.ACCOUNT, DEST_REGION)
SOURCE = "bench/copy-source"
PLAYBOOK = str(ROOT / ".venv" / "bin" / "ansible-playbook")
DOCKER = "/usr/bin/docker"


def run(cmd: list[str], env: dict, what: str, **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError("%s failed (rc %d):\n%s\n%s" % (what, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    return seconds, proc


class Cpu:
    """CPU seconds (user + system) spent meanwhile by the processes ``pids`` and by this process's waited-for
    children (the commands run: ansible-playbook with its workers, skopeo)."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.seconds: dict[str, float] = {}

    @staticmethod
    def _of(pid: int) -> float:
        fields = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def __enter__(self) -> Cpu:
        self._start = {name: self._of(pid) for name, pid in self.pids.items()}
        self._start_children = self._children()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = {name: self._of(pid) - self._start[name] for name, pid in self.pids.items()}
        self.seconds["command"] = self._children() - self._start_children


def recorder(moto: dict, what: str) -> None:
    urllib.request.urlopen(urllib.request.Request(moto["url"] + "/moto-api/recorder/" + what, method="POST", data=b""), timeout=30).read()


def recorded_writes(moto: dict) -> list[str]:
    from helpers import writes

    operations = []
    for line in Path(moto["recording"]).read_text().splitlines():
        headers = {k.lower(): v for k, v in json.loads(line).get("headers", {}).items()}
        operations.append((headers.get("x-amz-target") or "other").rsplit(".", 1)[-1])
    return writes(operations)


def stamp(text: str) -> float:
    return datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").timestamp()


class Peak:
    """The largest VmHWM (peak resident set) of the processes whose command line names ``marker``, polled."""

    def __init__(self, marker: str):
        self.marker = marker.encode()
        self.kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    if self.marker not in Path("/proc", entry, "cmdline").read_bytes():
                        continue
                    for line in Path("/proc", entry, "status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.kib = max(self.kib, int(line.split()[1]))
                except OSError:
                    continue
            time.sleep(0.02)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def build_source(env: dict, registry: dict, dockerd: dict, config: str, mb: int) -> dict:
    """The source in SOURCE_REGION: an image per architecture with one layer of ``mb`` MB of random bytes, an index
    of them tagged v1, a signature of the index (as the integration test builds them). Their digests. The built
    images are removed from the Docker Engine, so that docker's copy pulls them."""
    boto3.client("ecr", region_name=SOURCE_REGION).create_repository(repositoryName=SOURCE)
    payloads = [(arch, os.urandom(mb * 1024 * 1024)) for arch in ("amd64", "arm64")]
    made = push_signed_index(registry, dockerd, config, SOURCE_PREFIX + SOURCE, payloads)
    for arch, _payload in payloads:
        run([DOCKER, "rmi", "%s/%s%s:%s" % (registry["host"], SOURCE_PREFIX, SOURCE, arch)], env, "docker rmi")
    return made


def copy_play(work: Path, label: str, name: str) -> Path:
    task = {
        "name": label,
        "stowage.ecr.ecr_image_copy": {"source": {"repository": SOURCE, "image": "v1", "region": SOURCE_REGION}, "repository": name, "region": DEST_REGION},
    }
    play = work / ("%s.json" % label)
    play.write_text(json.dumps([{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [task]}]))
    return play


def ecr_image_copy(env: dict, work: Path, name: str, label: str) -> tuple[float, float, dict]:
    """(play seconds, task seconds, the task's result)."""
    wall, proc = run([PLAYBOOK, str(copy_play(work, label, name))], dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"), "ecr_image_copy")
    entry = json.loads(proc.stdout[proc.stdout.index("{") :])["plays"][0]["tasks"][0]
    duration = entry["task"]["duration"]
    return wall, stamp(duration["end"]) - stamp(duration["start"]), entry["hosts"]["localhost"]


def second_registry(work: Path, n: int) -> dict:
    """A fresh registry of the stack's, standing for the destination region's registry host."""
    return stack.start_registry(work / ("dest-registry-%d" % n), name="dest")


def skopeo(env: dict, registry: dict, dest: dict, name: str) -> float:
    creds = "%s:%s" % (registry["username"], registry["password"])
    cmd = ["skopeo", "copy", "--all", "--src-tls-verify=false", "--dest-tls-verify=false", "--src-creds", creds, "--dest-creds", creds]
    cmd += ["docker://%s/%s%s:v1" % (registry["host"], SOURCE_PREFIX, SOURCE), "docker://%s/%s%s:v1" % (dest["host"], DEST_PREFIX, name)]
    return run(cmd, env, "skopeo copy")[0]


def docker_copy(env: dict, config: str, registry: dict, dest: dict, name: str, made: dict) -> float:
    """What a platform team scripts with docker alone: each architecture's image pulled by digest, tagged and
    pushed, then the index made anew from them (docker manifest) and pushed. The signature is not copied (docker
    has no way to; a signing tool re-signs at the destination)."""
    source = "%s/%s%s" % (registry["host"], SOURCE_PREFIX, SOURCE)
    target = "%s/%s%s" % (dest["host"], DEST_PREFIX, name)
    seconds = 0.0
    pushed = []
    for arch, digest in zip(("amd64", "arm64"), made["children"]):
        seconds += run([DOCKER, "--config", config, "pull", "--platform", "linux/" + arch, "%s@%s" % (source, digest)], env, "docker pull")[0]
        seconds += run([DOCKER, "tag", "%s@%s" % (source, digest), "%s:%s" % (target, arch)], env, "docker tag")[0]
        seconds += run([DOCKER, "--config", config, "push", "%s:%s" % (target, arch)], env, "docker push")[0]
        pushed.append("%s:%s" % (target, arch))
    seconds += run([DOCKER, "--config", config, "manifest", "create", "--insecure", target + ":v1"] + pushed, env, "docker manifest create")[0]
    seconds += run([DOCKER, "--config", config, "manifest", "push", "--purge", "--insecure", target + ":v1"], env, "docker manifest push")[0]
    for arch, digest in zip(("amd64", "arm64"), made["children"]):
        run([DOCKER, "rmi", "%s:%s" % (target, arch), "%s@%s" % (source, digest)], env, "docker rmi")
    return seconds


def figures(label: str, values: list[float], base: float | None) -> str:
    median = statistics.median(values)
    ratio = "%.2fx" % (median / base) if base else "1.00x"
    return "| %s | %.2f | %.2f | %.2f | %s |" % (label, median, min(values), max(values), ratio)


def ensure_skopeo() -> None:
    if shutil.which("skopeo"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "install", "-y", "-q", "skopeo"], env, "apt-get install skopeo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=50, help="MB of random bytes per architecture (default 50)")
    parser.add_argument("--rounds", type=int, default=5, help="copies of each kind, each to a fresh destination (default 5)")
    args = parser.parse_args()
    ensure_skopeo()
    with tempfile.TemporaryDirectory(prefix="stowage-bench-copy-") as tmp:
        work = Path(tmp)
        directory = work / "stack"
        stack.start(directory, parts=("moto", "registry", "docker"))
        try:
            moto, registry = stack._state(directory)["moto"], stack._state(directory)["registry"]
            env = dict(os.environ, **stack.env(directory), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PATH="/usr/bin:" + os.environ["PATH"])
            os.environ.update(stack.aws_env(moto))
            config = str(work / "docker-config")
            run(
                [DOCKER, "--config", config, "login", "-u", registry["username"], "--password-stdin", registry["host"]],
                env,
                "docker login",
                input=registry["password"],
            )
            made = build_source(env, registry, stack._state(directory)["docker"], config, args.mb)
            os.sync()
            dest_ecr = boto3.client("ecr", region_name=DEST_REGION)
            times: dict[str, list[float]] = {"task": [], "play": [], "skopeo": [], "docker": []}
            copied = {}
            cpu_copy: list[dict[str, float]] = []
            cpu_skopeo: list[dict[str, float]] = []
            for n in range(args.rounds):
                name = "bench/copy-%d" % n
                dest_ecr.create_repository(repositoryName=name)
                with Cpu({"moto": moto["pid"], "registry": registry["pid"]}) as cpu:
                    play, task, copied = ecr_image_copy(env, work, name, "copy-%d" % n)
                cpu_copy.append(cpu.seconds)
                times["play"].append(play)
                times["task"].append(task)
                dest = second_registry(work, n)
                try:
                    run([DOCKER, "--config", config, "login", "-u", dest["username"], "--password-stdin", dest["host"]], env, "login", input=dest["password"])
                    with Cpu({"registry": registry["pid"], "dest": dest["pid"]}) as cpu:
                        times["skopeo"].append(skopeo(env, registry, dest, "skopeo-%d" % n))
                    cpu_skopeo.append(cpu.seconds)
                    times["docker"].append(docker_copy(env, config, registry, dest, "docker-%d" % n, made))
                finally:
                    stack.stop(work / ("dest-registry-%d" % n))
                print(
                    "round %d: ecr_image_copy task %.2f s (play %.2f s), skopeo %.2f s, docker %.2f s"
                    % (n + 1, task, play, times["skopeo"][-1], times["docker"][-1]),
                    flush=True,
                )
            got = dest_ecr.describe_images(repositoryName="bench/copy-0")["imageDetails"]
            same = sorted(i["imageDigest"] for i in got) == sorted([made["index"], made["signature"], *made["children"]])

            # a re-run with nothing to copy, the moto recording on
            recorder(moto, "reset-recording")
            recorder(moto, "start-recording")
            again_play, again_task, again = ecr_image_copy(env, work, "bench/copy-0", "again")
            recorder(moto, "stop-recording")
            again_writes = recorded_writes(moto)

            # peak memory of the module process: a copy against a run that copies nothing
            apart = dict(env, STOWAGE_ECR_IN_PROCESS="0")
            dest_ecr.create_repository(repositoryName="bench/copy-memory")
            with Peak("AnsiballZ_ecr_image_copy") as copy_peak:
                ecr_image_copy(apart, work, "bench/copy-memory", "memory-copy")
            with Peak("AnsiballZ_ecr_image_copy") as idle_peak:
                ecr_image_copy(apart, work, "bench/copy-memory", "memory-nothing")
        finally:
            stack.stop(directory)

    print()
    print(
        "Two-architecture index, %d MB of random bytes per architecture (%d blobs, %.1f MiB sent by ecr_image_copy),"
        " a signature referrer; %s to %s; %d rounds, each to a fresh destination."
        % (args.mb, copied["copied"]["blobs"], copied["copied"]["bytes"] / 1048576, SOURCE_REGION, DEST_REGION, args.rounds)
    )
    print()
    print("| copy | median (s) | min (s) | max (s) | to ecr_image_copy's task |")
    print("| --- | ---: | ---: | ---: | ---: |")
    base = statistics.median(times["task"])
    print(figures("ecr_image_copy, the task", times["task"], None))
    print(figures("ecr_image_copy, the whole ansible-playbook run", times["play"], base))
    print(figures("skopeo copy --all (index and images; no referrers)", times["skopeo"], base))
    print(figures("docker pull + tag + push per architecture, docker manifest create + push (no signature)", times["docker"], base))
    print()
    print("| measure | value |")
    print("| --- | ---: |")
    print("| ecr_image_copy task / skopeo, medians (goal <= 1.0) | %.2f |" % (base / statistics.median(times["skopeo"])))
    print("| ecr_image_copy task / docker, medians (goal <= 0.5) | %.2f |" % (base / statistics.median(times["docker"])))
    print("| digests at the destination equal the source's (index, 2 images, signature) | %s |" % same)
    print("| re-run with nothing to copy: task (s), goal <= 1 | %.2f (play %.2f, changed=%s) |" % (again_task, again_play, again["changed"]))
    print("| re-run with nothing to copy: writes recorded | %d %s |" % (len(again_writes), again_writes or ""))
    print(
        "| CPU seconds of an ecr_image_copy run (medians): ansible-playbook with the module %.2f, moto (the ECR API) %.2f, registry %.2f |  |"
        % tuple(statistics.median(c[k] for c in cpu_copy) for k in ("command", "moto", "registry"))
    )
    print(
        "| CPU seconds of a skopeo copy (medians): skopeo %.2f, source registry %.2f, destination registry %.2f |  |"
        % tuple(statistics.median(c[k] for c in cpu_skopeo) for k in ("command", "registry", "dest"))
    )
    print("| module process peak RSS, copy (MiB) | %.1f |" % (copy_peak.kib / 1024))
    print("| module process peak RSS, nothing to copy (MiB) | %.1f |" % (idle_peak.kib / 1024))
    print("| difference (MiB), goal <= 64 | %.1f |" % ((copy_peak.kib - idle_peak.kib) / 1024))


if __name__ == "__main__":
    main()
