"""The axolotl plugin: train on an exact clt mixture, keep its manifest beside the model.

In an axolotl config::

    plugins:
      - clt_plugin.axolotl.CLTPlugin
    clt_mixture: mixture.yaml        # or the spec inline, same schema as `clt mix`

``CLTPlugin`` is resolved lazily so that light users of this package (``clt check-config``,
``clt sweep``) do not pay for importing axolotl and torch. Nothing in the package imports this
module back: the plugin's import paths live in ``clt_plugin.axolotl.args``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CLTPlugin"]


def __getattr__(name: str) -> Any:
    if name == "CLTPlugin":
        from clt_plugin.axolotl.plugin import CLTPlugin

        return CLTPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
