"""The linters the ecosystem expects, on the checkout: ansible-lint (production profile) on the
role and the playbooks, yamllint on every YAML file, mypy on plugins/module_utils.

(ruff runs in scripts/test.sh before pytest; `ansible-test sanity` in tests/sanity/.)
Their settings: .ansible-lint, .yamllint, mypy.ini.
"""

from __future__ import annotations

import pytest
import yaml
from tooling import ROOT, VENV_BIN, explain, run


def test_ansible_lint_config_asks_for_the_production_profile():
    with open(ROOT / ".ansible-lint") as f:
        config = yaml.safe_load(f)
    assert config["profile"] == "production"
    assert config["offline"] is True  # Galaxy is out of reach: never try to install anything


@pytest.mark.slow
def test_ansible_lint_production_profile_on_roles_and_playbooks():
    # the role and the playbooks; galaxy.yml, meta/ and changelogs/ for their schemas
    targets = [p for p in ("roles", "playbooks", "meta", "galaxy.yml", "changelogs") if (ROOT / p).exists()]
    assert "playbooks" in targets
    proc = run([VENV_BIN / "ansible-lint", "--offline", "--nocolor", "-f", "pep8", *targets])
    assert proc.returncode == 0, explain(proc)
    assert "Profile 'production' was required, and it passed" in proc.stdout, explain(proc)


def test_yamllint():
    proc = run([VENV_BIN / "yamllint", "--strict", "-f", "parsable", "."])
    assert proc.returncode == 0, explain(proc)


def test_mypy_module_utils():
    # mypy reads the package through the .venv link (see mypy.ini); report paths as in the checkout
    proc = run([VENV_BIN / "mypy", "-p", "ansible_collections.stowage.ecr.plugins.module_utils"])
    assert proc.returncode == 0, explain(proc).replace(".venv/ansible_collections/stowage/ecr/", "")
