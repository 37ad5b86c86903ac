"""Every boto call of the collection is made in plugins/module_utils/_aws: no other file under plugins/
imports boto3 or botocore (errors.py, for the exception classes, and module.py excepted) or makes a
client or a paginator."""

from __future__ import annotations

import ast

from tooling import ROOT

AWS_LAYER = "plugins/module_utils/_aws/"
# errors.py names botocore's exception classes (AWS_ERRORS); module.py ends the module on them
MAY_IMPORT_BOTO = ("plugins/module_utils/errors.py", "plugins/module_utils/module.py")
BOTO = ("boto3", "botocore")
CALLS = ("client", "get_paginator")


def boto_use(source: str, may_import: bool = False) -> list[str]:
    """What of boto ``source`` uses: its boto3/botocore imports (unless ``may_import``), and its
    ``.client(`` and ``.get_paginator(`` calls, each as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            modules = [node.module or ""]
        else:
            modules = []
        if not may_import:
            found.extend("%d: import %s" % (node.lineno, name) for name in modules if name.split(".")[0] in BOTO)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CALLS:
            found.append("%d: .%s(" % (node.lineno, node.func.attr))
    return found


def test_boto_is_used_in_the_aws_layer_only():
    # the checker finds what it looks for (a made-up file) and leaves amazon.aws's helpers alone
    made_up = (
        "import boto3\n"
        "from botocore.exceptions import ClientError\n"
        "from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code\n"
        "def f(module, api):\n"
        "    ecr = module.client('ecr')\n"
        "    return api.client.get_paginator('describe_images')\n"
    )
    assert boto_use(made_up) == ["1: import boto3", "2: import botocore.exceptions", "5: .client(", "6: .get_paginator("]
    assert boto_use(made_up, may_import=True) == ["5: .client(", "6: .get_paginator("]
    assert boto_use("from . import botocore\nx = http.client.HTTPException\n") == []

    files = sorted(path for path in (ROOT / "plugins").rglob("*.py") if not path.relative_to(ROOT).as_posix().startswith(AWS_LAYER))
    assert len(files) > 20
    offenders = {}
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        found = boto_use(path.read_text(encoding="utf-8"), may_import=rel in MAY_IMPORT_BOTO)
        if found:
            offenders[rel] = found
    assert offenders == {}
