"""The versions the collection claims are exactly the support matrix that `make test` runs (noxfile.py):
README.md's table, galaxy.yml's dependency ranges and meta/runtime.yml's requires_ansible."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys

import yaml
from tooling import ROOT

BEGIN, END = "<!-- support matrix: made from noxfile.py ENTRIES -->", "<!-- end of support matrix -->"


@functools.cache
def entries():
    spec = importlib.util.spec_from_file_location("stowage_noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.ENTRIES


def table() -> str:
    rows = [
        "| entry | Python | ansible | ansible-core | amazon.aws | community.docker | tests |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, e in enumerate(entries()):
        ansible = e.ansible if e.ansible != "-" else "none (core and collections apart)"
        tests = "the whole suite" if i == 0 else "unit, integration, role with push, in-process, packaging"
        rows.append("| %s | %s | %s | %s | %s | %s | %s |" % (e.name, e.python, ansible, e.ansible_core, e.amazon_aws, e.community_docker, tests))
    return "\n".join(rows)


def test_readme_table_is_the_matrix():
    text = (ROOT / "README.md").read_text()
    found = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, "README.md has no support matrix block"
    assert found.group(1).strip() == table(), "README.md's table differs from noxfile.py; it should read:\n" + table()


def _major(version: str) -> int:
    return int(version.split(".", maxsplit=1)[0])


def test_claimed_ranges_are_the_tested_ones():
    all_entries = entries()
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())["dependencies"]
    for collection, attr in (("amazon.aws", "amazon_aws"), ("community.docker", "community_docker")):
        versions = [getattr(e, attr) for e in all_entries]
        lowest = min(versions, key=lambda v: tuple(int(p) for p in v.split(".")))
        wanted = ">=%s,<%d.0.0" % (lowest, max(_major(v) for v in versions) + 1)
        assert galaxy[collection] == wanted, "galaxy.yml: %s should be %r (the matrix tests %s)" % (collection, wanted, versions)
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    oldest_core = min((e.ansible_core for e in all_entries), key=lambda v: tuple(int(p) for p in v.split(".")))
    assert runtime["requires_ansible"] == ">=%s.0" % ".".join(oldest_core.split(".")[:2])
