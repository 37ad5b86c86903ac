"""The ECR operations the collection calls, against botocore's ECR model: every one of them.

The calls are made in plugins/module_utils/_aws only (test_layers.py), by the operation's botocore method name
as a string (``self.call("put_image", ...)``, ``pages("describe_images", ...)``, the names ``change_call``
maps settings to). So the operations called are the string constants of those files that name an operation of
the model; an operation added to the model and not called fails here, with its name."""

from __future__ import annotations

import ast

import botocore.session
from botocore import xform_name
from tooling import ROOT

AWS_LAYER = ROOT / "plugins" / "module_utils" / "_aws"


def strings_in(directory) -> set[str]:
    found: set[str] = set()
    for path in sorted(directory.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def called_operations() -> tuple[list[str], list[str]]:
    """(the ECR model's operations the collection calls, those it does not), by their API names."""
    model = botocore.session.get_session().get_service_model("ecr")
    strings = strings_in(AWS_LAYER)
    called = sorted(op for op in model.operation_names if xform_name(op) in strings)
    missing = sorted(op for op in model.operation_names if xform_name(op) not in strings)
    return called, missing


def test_every_operation_of_the_ecr_model_is_called():
    called, missing = called_operations()
    assert missing == [], "%d of %d ECR operations are called; not: %s" % (len(called), len(called) + len(missing), ", ".join(missing))


def test_the_layer_operations_are_among_them():
    called, _missing = called_operations()
    layer = ["BatchCheckLayerAvailability", "CompleteLayerUpload", "GetDownloadUrlForLayer", "InitiateLayerUpload", "UploadLayerPart"]
    assert set(layer) <= set(called)
