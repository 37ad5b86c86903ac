"""The changelog, kept with antsibull-changelog (settings: changelogs/config.yaml).

Fragments and changelogs/changelog.yaml must lint; CHANGELOG.md must be what `antsibull-changelog
generate` makes of changelog.yaml (it is generated, never edited); and every module or role that
says it was added in a released version must be listed in that release.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml
from tooling import ROOT, VENV_BIN, explain, module_names, role_names, run, tool_env

CHANGELOG_YAML = ROOT / "changelogs" / "changelog.yaml"


def _changes() -> dict:
    with open(CHANGELOG_YAML) as f:
        return yaml.safe_load(f)


def test_changelog_fragments_lint():
    proc = run([VENV_BIN / "antsibull-changelog", "lint"])
    assert proc.returncode == 0 and not proc.stdout.strip(), explain(proc)


def test_changelog_yaml_lints():
    proc = run([VENV_BIN / "antsibull-changelog", "lint-changelog-yaml", CHANGELOG_YAML])
    assert proc.returncode == 0 and not proc.stdout.strip(), explain(proc)


def test_changelog_md_is_generated_from_changelog_yaml(tmp_path):
    out = tmp_path / "CHANGELOG.md"
    proc = run([VENV_BIN / "antsibull-changelog", "generate", "--output", out, "--output-format", "md"], env=tool_env())
    assert proc.returncode == 0, explain(proc)
    assert out.read_text() == (ROOT / "CHANGELOG.md").read_text(), (
        "CHANGELOG.md differs from what changelogs/changelog.yaml makes; it is generated: "
        "run `antsibull-changelog release` (or `antsibull-changelog generate`), do not edit it"
    )


def test_plugin_cache_is_not_committed():
    # antsibull-changelog's cache of plugin data, written by `release`; galaxy.yml leaves it out of the tarball
    assert not (ROOT / "changelogs" / ".plugin-cache.yaml").exists(), "delete changelogs/.plugin-cache.yaml (a cache)"


def _module_version_added(name: str) -> str | None:
    tree = ast.parse((ROOT / "plugins" / "modules" / ("%s.py" % name)).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DOCUMENTATION" for t in node.targets):
            doc = yaml.safe_load(ast.literal_eval(node.value))
            return str(doc["version_added"]) if doc.get("version_added") is not None else None
    return None


def _role_version_added(name: str) -> str | None:
    path = ROOT / "roles" / name / "meta" / "argument_specs.yml"
    if not path.exists():
        return None
    with open(path) as f:
        main = (yaml.safe_load(f).get("argument_specs") or {}).get("main") or {}
    return str(main["version_added"]) if main.get("version_added") is not None else None


def _listed(release: dict, kind: str) -> set[str]:
    if kind == "module":
        return {entry["name"] for entry in release.get("modules") or []}
    return {entry["name"] for entry in ((release.get("objects") or {}).get(kind) or [])}


def test_released_modules_and_roles_are_in_their_release():
    releases = _changes()["releases"]
    missing = []
    for kind, names, version_added in (("module", module_names(), _module_version_added), ("role", role_names(), _role_version_added)):
        for name in names:
            added = version_added(name)
            if kind == "role" and added is None:
                missing.append("role %s: no version_added in roles/%s/meta/argument_specs.yml (main), so no changelog can list it" % (name, name))
            elif added in releases and name not in _listed(releases[added], kind):
                missing.append("%s %s: added in %s, not listed in that release" % (kind, name, added))
    assert missing == [], "\n".join(missing) + "\n(then: antsibull-changelog release --version X.Y.Z --update-existing --reload-plugins)"


def test_changelog_config_keeps_fragments():
    # release records fragments in changelog.yaml and keeps them; a released fragment is never added again
    with open(Path(ROOT / "changelogs" / "config.yaml")) as f:
        config = yaml.safe_load(f)
    assert config["keep_fragments"] is True and config.get("prevent_known_fragments", True) is True
    assert [o["file"] for o in config["output"]] == ["CHANGELOG.md"]
    assert sorted(p.name for p in (ROOT / "changelogs" / "fragments").iterdir()), "changelogs/fragments/ is empty"
