"""The rendered module and role docs in docs/reference/ (`make docs`, tests/packaging/render_docs.py).

They are rendered again here into a temporary folder and must equal what is committed, so they never
go stale; every module and role has its page; antsibull-docs' linter accepts the collection's docs
(markup, references between modules, options and return values); and every page of docs/ that the
plugin or role docs point to exists and ships in the tarball (galaxy.yml build_ignore leaves it in).
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from pathlib import Path

import pytest
import yaml
from render_docs import DOCS, render
from tooling import ROOT, SITE_PACKAGES, VENV, VENV_BIN, explain, module_names, role_names, run, tool_env


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_module_and_role_has_a_page():
    pages = set(_files(DOCS)) if DOCS.is_dir() else set()
    wanted = {"index.rst"} | {"%s_module.rst" % m for m in module_names()} | {"%s_role.rst" % r for r in role_names()}
    assert sorted(wanted - pages) == [], "pages missing from docs/reference/: run `make docs`"


def test_committed_docs_are_what_the_sources_render(tmp_path):
    fresh = tmp_path / "reference"
    render(fresh)
    rendered, committed = _files(fresh), _files(DOCS) if DOCS.is_dir() else {}
    problems = []
    for name in sorted(set(rendered) | set(committed)):
        if name not in committed:
            problems.append("%s: not committed" % name)
        elif name not in rendered:
            problems.append("%s: committed, but no module or role renders it any more" % name)
        elif rendered[name] != committed[name]:
            diff = difflib.unified_diff(committed[name].splitlines(), rendered[name].splitlines(), "committed/" + name, "rendered/" + name, lineterm="", n=1)
            problems.append("\n".join(list(diff)[:40]))
    assert problems == [], "docs/reference/ is stale; run `make docs` and commit the result:\n" + "\n".join(problems)


@pytest.mark.slow
def test_antsibull_docs_lint_collection_docs():
    env = tool_env(
        {
            # where antsibull-docs finds stowage.ecr (the .venv link) and its dependencies (the `ansible` package)
            "ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (VENV, SITE_PACKAGES),
            # .venv lies inside this git work tree: without a ceiling antsibull-docs would copy the dependencies
            # found under .venv as git checkouts (git ls-files: nothing) instead of as folders
            "GIT_CEILING_DIRECTORIES": str(ROOT),
        }
    )
    proc = run([VENV_BIN / "antsibull-docs", "lint-collection-docs", "--plugin-docs", "--output-format", "simplified-rst", ROOT], env=env)
    assert proc.returncode == 0, explain(proc)


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether ansible-galaxy's build leaves ``path`` out: a pattern matches the file or one of its folders."""
    parts = path.split("/")
    return any(fnmatch.fnmatch("/".join(parts[:n]), pattern) for n in range(1, len(parts) + 1) for pattern in patterns)


def test_docs_pages_named_by_plugin_and_role_docs_ship():
    with open(ROOT / "galaxy.yml") as f:
        ignored = yaml.safe_load(f).get("build_ignore") or []
    sources = sorted((ROOT / "plugins").rglob("*.py")) + sorted((ROOT / "roles").glob("*/meta/argument_specs.yml"))
    named = {}
    for source in sources:
        for page in re.findall(r"\bdocs/[\w./-]*\w", source.read_text()):
            named.setdefault(page, source.relative_to(ROOT).as_posix())
    assert "docs/lifecycle-evaluation.md" in named, "the lifecycle modules no longer name docs/lifecycle-evaluation.md"
    problems = [
        "%s (named in %s): %s" % (page, source, "missing" if not (ROOT / page).is_file() else "left out of the tarball by galaxy.yml build_ignore")
        for page, source in sorted(named.items())
        if not (ROOT / page).is_file() or _ignored(page, ignored)
    ]
    assert problems == [], "pages that plugin or role docs point to must ship:\n" + "\n".join(problems)
