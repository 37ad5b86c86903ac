"""Renders the module and role docs of stowage.ecr into docs/reference/ (`make docs`).

antsibull-docs, offline, from the checkout as ansible finds it (.venv/ansible_collections/stowage/ecr),
in its "simplified RST" form: one page a module or role, plus an index, readable on a git forge.
tests/packaging/test_docs.py renders again into a temporary folder and fails when the result
differs from what is committed, so the committed pages never go stale.

Usage: .venv/bin/python tests/packaging/render_docs.py [DEST]     (default: docs/reference)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from tooling import ROOT, VENV, VENV_BIN, explain, run, tool_env

DOCS = ROOT / "docs" / "reference"


def render(dest: Path) -> None:
    """Render into ``dest`` (created; must not exist yet)."""
    cmd = [
        VENV_BIN / "antsibull-docs",
        "collection",
        "--use-current",
        "--squash-hierarchy",
        "--output-format",
        "simplified-rst",
        "--fail-on-error",
        "--no-add-antsibull-docs-version",
        "--dest-dir",
        dest,
        "stowage.ecr",
    ]
    dest.mkdir(parents=True)
    proc = run(cmd, env=tool_env({"ANSIBLE_COLLECTIONS_PATH": str(VENV)}))
    if proc.returncode != 0:
        raise RuntimeError(explain(proc))


def main() -> int:
    dest = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DOCS
    with tempfile.TemporaryDirectory() as tmp:
        rendered = Path(tmp) / "reference"
        render(rendered)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(rendered, dest)
    print("rendered %s: %s" % (dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest, ", ".join(sorted(p.name for p in dest.iterdir()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
