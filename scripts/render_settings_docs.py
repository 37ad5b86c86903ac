"""Renders the repository settings into the item and default suboptions of ecr_repositories' docs.

The settings are declared once: their argument spec in plugins/module_utils/_spec/settings.py,
their documentation in plugins/doc_fragments/repository_settings.py. A doc fragment cannot reach
suboptions, so this writes them between the markers of plugins/modules/ecr_repositories.py.

    python scripts/render_settings_docs.py           # rewrite the module file (make docs runs this)
    python scripts/render_settings_docs.py --check   # exit 1 when the module file is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "plugins" / "modules" / "ecr_repositories.py"
BEGIN = "# repository settings: rendered by make docs from stowage.ecr.repository_settings (scripts/render_settings_docs.py)"
END = "# end of repository settings"
INDENT = " " * 6


def _spec() -> dict:
    """REPOSITORY_SETTINGS, imported through the link `make` puts at .venv/ansible_collections/stowage/ecr."""
    sys.path.insert(0, str(ROOT / ".venv"))
    from ansible_collections.stowage.ecr.plugins.module_utils._spec.settings import REPOSITORY_SETTINGS  # noqa: PLC0415

    return REPOSITORY_SETTINGS


def _flow(values: list) -> str:
    return "[%s]" % ", ".join(str(v) for v in values)


def render(description: str) -> str:
    lines = []
    for name, option in _spec().items():
        default = option.get("default")
        said = description.format(name=name) + (" (default V(%s))" % str(default).lower() if isinstance(default, bool) else "")
        lines.append("%s:" % name)
        lines.append("  description: %s." % said)
        lines.append("  type: %s" % option["type"])
        if "elements" in option:
            lines.append("  elements: %s" % option["elements"])
        if "choices" in option:
            lines.append("  choices: %s" % _flow(option["choices"]))
        if "aliases" in option:
            lines.append("  aliases: %s" % _flow(option["aliases"]))
    return "".join(INDENT + line + "\n" for line in lines)


def rendered_module(text: str) -> str:
    parts = text.split(INDENT + BEGIN + "\n")
    if len(parts) != 3:
        raise SystemExit("%s: expected two blocks of repository settings" % MODULE)
    out = parts[0]
    for part, description in zip(parts[1:], ("As in M(stowage.ecr.ecr_repository)", "As O(repositories[].{name})")):
        rest = part[part.index(INDENT + END + "\n") :]
        out += INDENT + BEGIN + "\n" + render(description) + rest
    return out


def main(argv: list[str]) -> int:
    text = MODULE.read_text()
    new = rendered_module(text)
    if "--check" in argv:
        if new != text:
            print("%s is stale: run make docs" % MODULE.relative_to(ROOT))
            return 1
        return 0
    if new != text:
        MODULE.write_text(new)
        print("rendered the repository settings into %s" % MODULE.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
