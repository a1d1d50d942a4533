"""The `decontaminate:` block of a mixture spec (clt_plugin.mixture.decontam does the work).

decontaminate: true            # every evaluation set, lineage where the source is a translation
decontaminate:
  families: [mgsm, dolly]      # default: every non-synthetic clt task family (synth_* when named)
  data_dir: /data/clt          # evaluation data; default $CLT_DATA_DIR, else the hub
  lineage: auto                # true | false | auto (auto: on for dataset bactrian)
  on_unchecked: warn           # error: refuse to build when an evaluation set cannot be read
"""

from __future__ import annotations

import os
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, field_validator


class DecontamSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    families: Optional[list[str]] = None
    data_dir: Optional[str] = None
    lineage: Union[bool, Literal["auto"]] = "auto"
    on_unchecked: Literal["warn", "error"] = "warn"
    # The `--metadata` the clt tasks will be evaluated with, so the items checked are the items
    # evaluated (e.g. xlsum_n: 0 for every XL-Sum test article instead of the task's 250).
    metadata: dict[str, Any] = {}

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key in ("clt_language", "clt_family", "data_dir"):
            if key in v:
                hint = " (set decontaminate.data_dir)" if key == "data_dir" else " (set per task by clt)"
                raise ValueError(f"{key}: not a metadata key to give here{hint}")
        return v

    @field_validator("lineage", mode="before")
    @classmethod
    def _lineage(cls, v: Any) -> Any:
        if v is True or v is False or v == "auto":
            return v
        raise ValueError(f"expected true, false or auto (got {v!r})")

    @field_validator("families")
    @classmethod
    def _families(cls, v: Optional[list[str]]) -> Optional[list[str]]:
        if v is None:
            return v
        from clt_plugin.mixture.evalsets import checked_families

        known = checked_families(synthetic=True)
        for i, name in enumerate(v):
            if name not in known:
                raise ValueError(f"[{i}]: {name!r} is not a checked task family (known: {', '.join(known)})")
        if not v:
            raise ValueError("must name at least one family (or set decontaminate: false)")
        return v

    def normalized(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def evaluation_sets(self) -> list[str]:
        """The evaluation sets checked (mgsm_chat reads MGSM's items: one set for both)."""
        from clt_plugin.mixture.evalsets import checked_families, set_of

        return sorted({set_of(f) for f in (self.families or checked_families())})

    def reads_data(self) -> bool:
        """Whether any evaluation set comes from files or the hub (the synthetic ones are generated)."""
        from clt_plugin.families import FAMILIES

        return any(not FAMILIES[name].synthetic for name in self.evaluation_sets())

    def data_from(self) -> str | None:
        """Where the evaluation data is read from: this block's data_dir, else $CLT_DATA_DIR; None: the hub."""
        from clt_plugin.datadir import ENV_VAR

        return self.data_dir or os.environ.get(ENV_VAR) or None


def coerce(value: Any) -> Any:
    """`true` means the defaults and `false` means off; a mapping is validated as DecontamSpec."""
    if value is True:
        return {}
    if value is False or value is None:
        return None
    if not isinstance(value, (dict, DecontamSpec)):
        raise ValueError(
            f"expected true, false or a mapping with families, data_dir, lineage, on_unchecked (got {value!r})"
        )
    return value
