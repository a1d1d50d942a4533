"""The config keys the plugin adds to axolotl, validated by axolotl's own pydantic pass.

axolotl merges this model into its config model (``get_input_args``), so a bad value fails
``axolotl train``/``preprocess`` before anything runs, with the field's path in the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from clt_plugin.errors import CLTError

# `datasets:` entry the plugin puts in the raw config at register time: axolotl 0.19 refuses a
# config with neither `datasets` nor `pretraining_dataset`, and this entry also lets axolotl
# validate the chat_template options the mixture will be tokenized with. load_datasets swaps
# the path for the built mixture file.
PLACEHOLDER_PATH = "clt_mixture"
PLACEHOLDER_DATASET: dict[str, Any] = {
    "path": PLACEHOLDER_PATH,
    "ds_type": "json",
    "type": "chat_template",
    "field_messages": "messages",
    "split": "train",
}

# `test_datasets:` entry for the mixture's held-out validation rows (spec `validation:`).
VALIDATION_PLACEHOLDER = "clt_validation"

COMBINE_ERROR = (
    "clt_mixture: cannot be combined with `{key}:` -- the mixture must be the whole training set, "
    "or the manifest would not say what the model saw; add the other data to the mixture spec as "
    "a task with a local source instead"
)


def is_placeholder(entry: Any, placeholder: str = PLACEHOLDER_PATH) -> bool:
    path = entry.get("path") if hasattr(entry, "get") else getattr(entry, "path", None)
    return path == placeholder


def validate_mixture_value(value: Any) -> Any:
    """Run the mixture engine's own validation; its message carries the field path."""
    if value is None:
        return value
    if not isinstance(value, (str, dict)):
        raise ValueError(f"clt_mixture: expected a spec mapping or a path to a spec file (got {type(value).__name__})")
    from clt_plugin.mixture import load_spec

    try:
        # Errors read `clt_mixture.tasks.math.languages[2]: ...` (prefixed by the file for a path).
        load_spec(value)
    except CLTError as e:
        msg = str(e)
        if not msg.startswith("clt_mixture") and isinstance(value, dict):
            msg = f"clt_mixture: {msg}"
        raise ValueError(msg) from None
    return value


def _registry_code(code: str) -> str:
    from clt_plugin.languages import get

    try:
        get(code)
    except Exception as e:  # UnknownLanguageError lists the known codes
        raise ValueError(str(e)) from None
    return code


class CLTEvalArgs(BaseModel):
    """`clt_eval:` -- lm_eval on the saved model once training ends."""

    model_config = ConfigDict(extra="forbid")

    tasks: list[str] = Field(
        min_length=1,
        description="lm-eval task or group names, or task YAML paths; with `languages`, clt task families (mgsm, xlsum, ...)",
    )
    languages: list[Annotated[str, AfterValidator(_registry_code)]] | None = Field(
        default=None, description="expand each task family to clt_{family}_{lang}"
    )
    batch_size: Union[int, Literal["auto"]] = 1
    limit: Union[int, float, None] = None
    num_fewshot: int | None = None
    data_dir: str | None = Field(default=None, description="local data for the clt tasks (CLT_DATA_DIR)")
    include_paths: list[str] = Field(default_factory=list, description="task directories searched besides clt's own")
    model: str = Field(
        default="hf",
        min_length=1,
        description="lm-eval model backend: hf, vllm (fast generation for 8B-35B), or any other lm-eval model name",
    )
    device: str | None = None
    model_args: dict[str, Any] = Field(
        default_factory=dict,
        description="lm-eval --model_args besides the trained model's path (e.g. dtype, tensor_parallel_size, gpu_memory_utilization)",
    )
    gen_kwargs: dict[str, Any] = Field(default_factory=dict, description="lm-eval --gen_kwargs (e.g. max_gen_toks)")
    apply_chat_template: bool = False
    log_samples: bool = True

    @field_validator("batch_size")
    @classmethod
    def _positive_batch(cls, v):
        if isinstance(v, int) and v < 1:
            raise ValueError(f"must be at least 1 (got {v})")
        return v

    @field_validator("limit")
    @classmethod
    def _positive_limit(cls, v):
        if v is not None and v <= 0:
            raise ValueError(f"must be positive (got {v})")
        return v

    def task_names(self) -> list[str]:
        if not self.languages:
            return list(self.tasks)
        return [f"clt_{family}_{lang}" for family in self.tasks for lang in self.languages]


class CLTArgs(BaseModel):
    """Keys of an axolotl config that the clt plugin reads."""

    clt_mixture: Union[dict[str, Any], str, None] = Field(
        default=None,
        json_schema_extra={"description": "mixture spec (same schema as `clt mix`) or a path to one"},
    )
    clt_eval: CLTEvalArgs | None = None
    clt_global_batch_size: int | None = Field(
        default=None,
        ge=1,
        json_schema_extra={
            "description": "rows per optimizer step over all GPUs; the plugin derives "
            "gradient_accumulation_steps = this / (data-parallel processes x micro_batch_size)"
        },
    )
    clt_cache_dir: str | None = Field(default=None, json_schema_extra={"description": "mixture engine cache"})
    clt_base_dir: str | None = Field(
        default=None,
        json_schema_extra={
            "description": "directory that relative source paths of an inline spec resolve against (default: the config's)"
        },
    )

    @model_validator(mode="before")
    @classmethod
    def _mixture_is_the_whole_training_set(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("clt_mixture") is None:
            return data
        datasets = data.get("datasets") or []
        if any(not is_placeholder(d) for d in datasets):
            raise ValueError(COMBINE_ERROR.format(key="datasets"))
        if data.get("pretraining_dataset"):
            raise ValueError(COMBINE_ERROR.format(key="pretraining_dataset"))
        return data

    @field_validator("clt_mixture")
    @classmethod
    def _valid_spec(cls, v: Any) -> Any:
        return validate_mixture_value(v)

    @field_validator("clt_base_dir", "clt_cache_dir")
    @classmethod
    def _a_directory(cls, v: str | None) -> str | None:
        if v is not None and Path(v).exists() and not Path(v).is_dir():
            raise ValueError(f"{v} is not a directory")
        return v
