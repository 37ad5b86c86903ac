"""The local stack: real servers on free loopback ports, started and stopped by PID.

    python scripts/stack.py start [--dir DIR] [--with registry,docker]
                                                start what is not running yet; print the env to use
    python scripts/stack.py env [--dir DIR]     print the env of the running stack
    python scripts/stack.py stop [--dir DIR]    stop what was started

The parts:

    moto      the ECR (and KMS, STS) API: `python -m moto.server` (always started)
    registry  the Distribution registry (Debian `docker-registry`) with htpasswd Basic auth for
              user AWS and the password moto's GetAuthorizationToken hands out; started with moto,
              the two are linked: a push is an image of moto's ECR at once, and what ECR's API
              deletes or tags, the registry serves (scripts/stack_ecr/registry_link.py)
    docker    a Docker Engine (Debian `docker.io`) of its own, on a unix socket of the stack

A second start is harmless: a server whose PID file names a live process that answers is
kept. The tests import this module and do the same in a fixture:

    start_moto(directory)       -> record with url, port, pid
    start_registry(directory)   -> record with url, host, port, pid, username, password
    link_registry(moto_dir, reg)-> moto and that registry as one ECR (the registry restarts to notify moto)
    start_dockerd(directory)    -> record with host (unix://...), socket, pid
    env(directory)              -> every variable the running parts need (AWS_*, STOWAGE_REGISTRY_*, DOCKER_HOST)
    stop(directory)             -> stops them all by PID
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

from stack_ecr import EVENTS_PATH

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / ".stack"
REGION = "ap-south-1"
ACCOUNT = "123456789012"
# what moto's GetAuthorizationToken returns for the default account: user AWS, password <account>-auth-token
REGISTRY_USER = "AWS"
REGISTRY_PASSWORD = "%s-auth-token" % ACCOUNT
PARTS = ("moto", "registry", "docker")
# the name of moto's endpoint in the registry's notifications config
NOTIFY_ENDPOINT = "stowage-moto"
# a unix socket path holds at most 107 bytes; containerd's sockets sit deepest, under <exec-root>/containerd/
SOCKET_PATH_MAX = 100
DOCKER_SOCKET_DEPTH = len("/exec/containerd/containerd.sock.ttrpc")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        # a zombie (exited child not yet reaped) is not alive
        return Path("/proc/%d/stat" % pid).read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _answers(url: str) -> bool:
    """True when ``url`` answers HTTP at all (a 401 of a registry that wants a login counts too)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _wait_for(check, pid: int, log: Path, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if not _alive(pid):
            break
        time.sleep(0.1)
    raise RuntimeError("%s did not start (see %s):\n%s" % (what, log, log.read_text()[-2000:] if log.exists() else ""))


def _wait(url: str, pid: int, log: Path, what: str, seconds: float = 30) -> None:
    _wait_for(lambda: _answers(url), pid, log, what, seconds)


def _state(directory: Path) -> dict:
    path = Path(directory) / "state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _save(directory: Path, state: dict) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "state.json"
    tmp = directory / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2))
    os.replace(tmp, path)


def _record(directory: Path, name: str, record: dict) -> None:
    state = _state(directory)
    state[name] = record
    _save(directory, state)


def _spawn(argv: List[str], log: Path, env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
    """Start a server in a session (process group) of its own, output to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)


def _need(command: str, package: str) -> str:
    found = shutil.which(command, path=os.pathsep.join(["/usr/sbin", "/usr/bin", os.environ.get("PATH", "")]))
    if not found:
        raise RuntimeError("%s not found: install the Debian package %s (scripts/bootstrap.sh does)" % (command, package))
    return found


# moto -------------------------------------------------------------------------------------------


def start_moto(directory: Path = DEFAULT_DIR) -> dict:
    """Start the moto server (ECR, KMS, STS API) unless it runs already; return its record."""
    directory = Path(directory)
    moto = _state(directory).get("moto")
    if moto and _alive(moto["pid"]) and _answers(moto["url"] + "/moto-api/"):
        return moto
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / "moto.log"
    # the request recorder (off until /moto-api/recorder/start-recording) writes here
    env = dict(os.environ, MOTO_RECORDER_FILEPATH=str(directory / "moto-recording.jsonl"))
    # moto's default account is ACCOUNT; without MOTO_ACCOUNT_ID (which would pin every call to one account), the
    # keys that STS AssumeRole hands out act in the role's account: a second account for cross-account tests
    env.pop("MOTO_ACCOUNT_ID", None)
    # moto's own server with the ECR operations moto lacks (scripts/stack_ecr, never shipped)
    proc = _spawn([sys.executable, str(ROOT / "scripts" / "stack_ecr" / "server.py"), "-H", "127.0.0.1", "-p", str(port)], log, env)
    moto = {"pid": proc.pid, "port": port, "url": "http://127.0.0.1:%d" % port, "recording": str(directory / "moto-recording.jsonl")}
    _wait(moto["url"] + "/moto-api/", proc.pid, log, "moto server")
    _record(directory, "moto", moto)
    return moto


def aws_env(moto: dict) -> dict:
    """The environment that points boto3 (and so the modules) at the moto server."""
    return {
        "AWS_ENDPOINT_URL": moto["url"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


# registry ---------------------------------------------------------------------------------------


def htpasswd_line(user: str, password: str) -> str:
    """One htpasswd line with a bcrypt hash, as `htpasswd -B` writes it."""
    import bcrypt  # a dev requirement (requirements-dev.txt); only the registry needs it

    return "%s:%s\n" % (user, bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode())


def _registry_config(data: Path, htpasswd: Path, port: int, notify: Optional[str] = None, debug_port: int = 0) -> str:
    # JSON is YAML: json.dumps quotes every path and value safely
    config = {
        "version": 0.1,
        "log": {"level": "info", "formatter": "text", "accesslog": {"disabled": False}},
        "storage": {"filesystem": {"rootdirectory": str(data)}, "delete": {"enabled": True}, "cache": {"blobdescriptor": "inmemory"}},
        "http": {"addr": "127.0.0.1:%d" % port, "secret": os.urandom(16).hex(), "headers": {"X-Content-Type-Options": ["nosniff"]}},
        "auth": {"htpasswd": {"realm": "stowage-local", "path": str(htpasswd)}},
    }
    if notify:
        # manifest pushes go to moto (scripts/stack_ecr/registry_link.py), which reads the queue's Pending count
        # on the debug server to know that every notification has arrived
        config["http"]["debug"] = {"addr": "127.0.0.1:%d" % debug_port}
        endpoint = {"name": NOTIFY_ENDPOINT, "url": notify, "timeout": "5s", "threshold": 3, "backoff": "200ms"}
        endpoint["ignore"] = {"mediatypes": ["application/octet-stream"], "actions": ["pull", "delete"]}
        config["notifications"] = {"endpoints": [endpoint]}
    return json.dumps(config, indent=2) + "\n"


def start_registry(
    directory: Path = DEFAULT_DIR, name: str = "registry", username: str = REGISTRY_USER, password: str = REGISTRY_PASSWORD, notify: Optional[str] = None
) -> dict:
    """Start a Distribution registry unless it runs already; return its record.

    It listens on 127.0.0.1:<free port> over plain HTTP, asks for Basic auth (htpasswd with one
    user, by default AWS with moto's token password) and allows deletes. ``name`` lets a test run a
    second registry with other credentials next to the first; its env variables are then
    STOWAGE_<NAME>_URL and STOWAGE_<NAME>_HOST. With ``notify`` (a URL), it sends a notification of
    each manifest push there; a running registry that notifies elsewhere is restarted on its port,
    with its images.
    """
    directory = Path(directory)
    record = _state(directory).get(name)
    port = free_port()
    if record and _alive(record["pid"]) and _answers(record["url"] + "/v2/"):
        if record.get("notify") == notify:
            return record
        _stop_one(record)
        port = record["port"]
    binary = _need("docker-registry", "docker-registry")
    home = directory / name
    home.mkdir(parents=True, exist_ok=True)
    htpasswd = home / "htpasswd"
    htpasswd.write_text(htpasswd_line(username, password))
    htpasswd.chmod(0o600)
    debug_port = free_port() if notify else 0
    config = home / "config.yml"
    config.write_text(_registry_config(home / "data", htpasswd, port, notify, debug_port))
    log = directory / ("%s.log" % name)
    proc = _spawn([binary, "serve", str(config)], log)
    prefix = "STOWAGE_%s" % name.upper().replace("-", "_")
    host = "127.0.0.1:%d" % port
    record = {
        "pid": proc.pid,
        "port": port,
        "host": host,
        "url": "http://%s" % host,
        "username": username,
        "password": password,
        "config": str(config),
        "data": str(home / "data"),
        "notify": notify,
        "debug": "http://127.0.0.1:%d" % debug_port if notify else None,
        "env": {prefix + "_URL": "http://%s" % host, prefix + "_HOST": host},
    }
    _wait(record["url"] + "/v2/", proc.pid, log, "docker-registry")
    _record(directory, name, record)
    return record


# docker -----------------------------------------------------------------------------------------


def _docker_home(directory: Path) -> tuple:
    """Where dockerd keeps its socket and data: under ``directory`` when the socket paths fit, else a short /tmp dir."""
    home = directory.resolve() / "docker"
    if len(str(home)) + DOCKER_SOCKET_DEPTH <= SOCKET_PATH_MAX:
        return home, False
    return Path(tempfile.mkdtemp(prefix="stowage-docker-", dir="/tmp")), True


def _docker_ping(sock: str) -> bool:
    """GET /_ping on the daemon's unix socket."""
    conn = http.client.HTTPConnection("docker", timeout=2)
    try:
        conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.sock.settimeout(2)
        conn.sock.connect(sock)
        conn.request("GET", "/_ping")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def docker_cli() -> str:
    """The docker client to use with the stack's daemon: Debian's (it matches dockerd), else any on PATH."""
    return _need("docker", "docker.io") if not Path("/usr/bin/docker").exists() else "/usr/bin/docker"


def start_dockerd(directory: Path = DEFAULT_DIR) -> dict:
    """Start a Docker Engine of the stack's own unless it runs already; return its record.

    dockerd runs as root with --iptables=false --bridge=none, its own socket, data root, exec
    root, pid file and an empty daemon config (so /etc/docker/daemon.json does not apply).
    Plain HTTP to registries on 127.0.0.0/8 is allowed by default.
    """
    directory = Path(directory)
    record = _state(directory).get("docker")
    if record and _alive(record["pid"]) and _docker_ping(record["socket"]):
        return record
    if os.geteuid() != 0:
        raise RuntimeError("dockerd runs as root here; start the stack's docker part as root")
    binary = _need("dockerd", "docker.io")
    directory.mkdir(parents=True, exist_ok=True)
    home, temporary = _docker_home(directory)
    if record and record.get("home") and Path(record["home"]).exists() and record.get("temporary"):
        home, temporary = Path(record["home"]), True  # keep the images of the last run
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    sock = str(home / "docker.sock")
    pidfile = home / "docker.pid"
    if pidfile.exists():
        stale = int(pidfile.read_text().strip() or 0)
        if stale and _alive(stale):
            raise RuntimeError("dockerd pid %d of %s runs but does not answer on %s; stop it first" % (stale, pidfile, sock))
        pidfile.unlink()
    daemon_json = home / "daemon.json"
    daemon_json.write_text("{}\n")
    log = directory / "dockerd.log"
    argv = [
        binary,
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        "--host",
        "unix://" + sock,
        "--data-root",
        str(home / "data"),
        "--exec-root",
        str(home / "exec"),
        "--pidfile",
        str(pidfile),
        "--config-file",
        str(daemon_json),
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT")}
    proc = _spawn(argv, log, env)
    record = {
        "pid": proc.pid,
        "host": "unix://" + sock,
        "socket": sock,
        "home": str(home),
        "temporary": temporary,
        "stop_timeout": 30,
        "env": {"DOCKER_HOST": "unix://" + sock},
    }
    # write the record first: a daemon that comes up slowly is still stopped by stop()
    _record(directory, "docker", record)
    _wait_for(lambda: _docker_ping(sock), proc.pid, log, "dockerd", seconds=60)
    info = subprocess.run(
        [docker_cli(), "-H", record["host"], "info", "--format", "{{.ServerVersion}} {{.Driver}}"], capture_output=True, text=True, timeout=30, check=False
    )
    if info.returncode != 0:
        raise RuntimeError("dockerd answers, but `docker info` fails:\n%s" % info.stderr)
    record["version"], record["storage_driver"] = (info.stdout.split() + ["", ""])[:2]
    # dockerd runs its containerd in a session of its own: note its PID so that stop() finds it
    containerd_pid = home / "exec" / "containerd" / "containerd.pid"
    if containerd_pid.exists():
        record["children"] = [int(containerd_pid.read_text().strip())]
    _record(directory, "docker", record)
    return record


# all --------------------------------------------------------------------------------------------


def start(directory: Path = DEFAULT_DIR, parts=("moto",)) -> dict:
    """Start the named parts (moto always) and return the env of everything that runs."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError("unknown stack parts %s; choose from %s" % (", ".join(sorted(unknown)), ", ".join(PARTS)))
    moto = start_moto(directory)
    if "registry" in parts:
        link_registry(directory, start_registry(directory, notify=moto["url"] + EVENTS_PATH))
    if "docker" in parts:
        start_dockerd(directory)
    return env(directory)


def link_registry(moto_directory: Path, registry: dict) -> dict:
    """Make the moto server recorded in ``moto_directory`` and ``registry`` one ECR, as on AWS: each push to
    the registry is an image of the API with its push time, and PutImage, BatchDeleteImage and DeleteRepository
    change what the registry serves (scripts/stack_ecr/registry_link.py). The registry is restarted on its port
    when it does not notify that moto server yet; returns its record. Deleting ``registry-link.json`` from
    ``moto_directory`` unlinks them."""
    moto = _state(moto_directory).get("moto")
    if not moto:
        raise RuntimeError("no moto server is recorded in %s; start it first" % moto_directory)
    home = Path(registry["config"]).parent
    registry = start_registry(home.parent, home.name, registry["username"], registry["password"], notify=moto["url"] + EVENTS_PATH)
    link = {
        "url": registry["url"],
        "username": registry["username"],
        "password": registry["password"],
        "data": registry["data"],
        "debug": registry["debug"],
        "endpoint": NOTIFY_ENDPOINT,
        "account": ACCOUNT,
        "region": REGION,
        # the base of the layer download URLs that GetDownloadUrlForLayer hands out (stack_ecr/layers.py)
        "api": moto["url"],
    }
    path = Path(moto_directory) / "registry-link.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(link))
    tmp.chmod(0o600)
    os.replace(tmp, path)
    return registry


def env(directory: Path = DEFAULT_DIR) -> dict:
    state = _state(directory)
    result = {}
    if "moto" in state:
        result.update(aws_env(state["moto"]))
    for value in state.values():
        if isinstance(value, dict) and "env" in value:
            result.update(value["env"])
    return result


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except OSError:
        return False
    # members that are zombies do not count
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _pids_naming(path: str) -> List[int]:
    """PIDs of live processes whose command line names ``path`` (dockerd's containerd and its shims)."""
    found = []
    needle = path.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes() and _alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM one process and wait for it; SIGKILL when it outlasts ``timeout``."""
    if not _alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not _alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    _reap(pid)


def _stop_one(record: dict) -> None:
    """SIGTERM the server and wait for it, then what it left behind: its process group, the children noted
    at start (dockerd's containerd) and processes that name its directory (containerd shims); SIGKILL what stays."""
    pid = record["pid"]
    _terminate(pid, record.get("stop_timeout", 5))
    for child in record.get("children", []):
        _terminate(child, 10)
    if record.get("home"):
        for leftover in _pids_naming(record["home"]):
            _terminate(leftover, 5)
    # what is left of the group: children the server did not stop itself (pgid == pid: start_new_session)
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 2)):
        if not _group_alive(pid):
            break
        try:
            os.killpg(pid, sig)
        except OSError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _group_alive(pid):
            _reap(pid)
            time.sleep(0.1)
    _reap(pid)


def stop(directory: Path = DEFAULT_DIR) -> None:
    """Stop every server recorded in the state file, by PID (and its process group)."""
    directory = Path(directory)
    state = _state(directory)
    for record in state.values():
        if not isinstance(record, dict) or not record.get("pid"):
            continue
        _stop_one(record)
        if record.get("temporary") and record.get("home"):
            shutil.rmtree(record["home"], ignore_errors=True)
        if record.get("data"):
            # the registry's images go with moto's: the next start begins with an empty ECR
            shutil.rmtree(record["data"], ignore_errors=True)
    for name in ("state.json", "registry-link.json"):
        if (directory / name).exists():
            (directory / name).unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "env", "stop"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where PIDs and logs are kept (default: .stack)")
    parser.add_argument("--with", dest="parts", default="moto", help="comma-separated parts to start: moto (always), registry, docker, or all (default: moto)")
    args = parser.parse_args()
    if args.action == "stop":
        running = {k: v["pid"] for k, v in _state(args.dir).items() if isinstance(v, dict) and v.get("pid")}
        stop(args.dir)
        print("stopped: %s" % (", ".join("%s (pid %d)" % item for item in running.items()) or "nothing was running in %s" % args.dir))
        return 0
    if args.action == "start":
        parts = [p.strip() for p in args.parts.split(",") if p.strip()]
        if "all" in parts:
            parts = list(PARTS)
        try:
            start(args.dir, parts)
        except (RuntimeError, ValueError) as e:
            print("stack: %s" % e, file=sys.stderr)
            return 1
    for key, value in sorted(env(args.dir).items()):
        print("export %s=%s" % (key, shlex.quote(value)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
