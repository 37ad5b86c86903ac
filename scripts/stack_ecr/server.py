"""moto's server with the stack's ECR additions: ``python scripts/stack_ecr/server.py -H HOST -p PORT``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import stack_ecr  # noqa: E402


def load() -> list:
    """Import every area module of the extension; return their names."""
    names = []
    for info in pkgutil.iter_modules(stack_ecr.__path__):
        if info.name not in ("model", "server"):
            importlib.import_module("stack_ecr." + info.name)
            names.append(info.name)
    return names


if __name__ == "__main__":
    load()
    from moto.server import main

    main(sys.argv[1:])
