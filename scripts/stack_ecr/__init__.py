"""The local stack's additions to the moto server: ECR operations moto does not serve.

Never shipped with the collection and never known to the modules. ``server.py`` imports every area
module below (each registers its operations on moto's ``ECRResponse``), then runs moto's own server.

Rules every operation here keeps:

- the request is checked against the operation's input shape in botocore's service model first
  (required members, types, lengths, patterns, enums: ``model.check_input``), and refused with AWS's
  ``ValidationException`` wording when it does not fit;
- state lives on moto's ECR backend of the account and region (``model.state``), so moto's
  ``/moto-api/reset`` clears it with everything else;
- refusals the ECR API Reference documents use AWS's error codes (``model.EcrError``);
- the response is a dict in the output shape; moto's serializer writes only the shape's members.
"""

# where the stack's moto server takes the Distribution registry's notifications (registry_link.py)
EVENTS_PATH = "/moto-api/stowage/registry-events"
# where the stack's GetDownloadUrlForLayer URLs point: the layer's bytes, without ECR credentials (layers.py)
LAYERS_PATH = "/moto-api/stowage/layer"
