"""What the widget tests share: the picture an explorer shows."""

import base64


def shown_png(explorer) -> bytes:
    """The PNG bytes of the one picture in an explorer's `output`."""
    (output,) = explorer.output.outputs
    return base64.b64decode(output["data"]["image/png"])
