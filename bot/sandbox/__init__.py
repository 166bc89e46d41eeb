"""The sandbox: the bridge run against a built-in Ozon stand-in with simulated buyers, so that a
seller can try the bridge and train staff without an Ozon subscription (`python -m bot sandbox`).

`OzonStandIn` is the stand-in (the tests use it too); `bot.sandbox.run` runs the sandbox.
"""

from bot.sandbox.server import OzonStandIn

__all__ = ["OzonStandIn"]
