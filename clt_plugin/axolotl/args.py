"""The config keys the plugin adds to axolotl: their names, types and descriptions.

axolotl merges `CLTArgs` into its config model (``get_input_args``) so that it keeps these keys.
Their meaning is checked once, by `clt_plugin.axolotl.resolve`, when the plugin registers (before
axolotl validates anything) and by `clt check-config`; the types here are deliberately loose so
that axolotl's own pass does not validate the mixture spec a second time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

PLUGIN_PATH = "clt_plugin.axolotl.CLTPlugin"
ARGS_PATH = "clt_plugin.axolotl.args.CLTArgs"
# Both resolve to the same class through axolotl's `module.Class` loader.
ACCEPTED_PLUGIN_PATHS = (PLUGIN_PATH, "clt_plugin.axolotl.plugin.CLTPlugin")

# model_args keys that choose which weights lm_eval loads. The plugin names the trained model
# itself (output_dir, or base_model + the adapter); any of these would score another model and
# file its results under this run.
MODEL_KEYS = ("pretrained", "peft", "delta", "lora_local_path")


def _registry_code(code: str) -> str:
    from clt_plugin.languages import get

    try:
        get(code)
    except Exception as e:  # UnknownLanguageError lists the known codes
        raise ValueError(str(e)) from None
    return code


def _plain_pairs(value: dict[str, Any]) -> dict[str, Any]:
    """lm_eval reads `key=value,key=value` and splits it with no escaping, so a `,` or `=` inside a
    key or value would turn into another argument (`dtype: "bfloat16,pretrained=/other"`)."""
    for key, item in value.items():
        if not isinstance(item, (str, int, float, bool)):
            raise ValueError(f"{key}: must be a string, number or boolean (got {type(item).__name__})")
        for part in (str(key), str(item)):
            if "," in part or "=" in part:
                raise ValueError(
                    f"{key}: {item!r} contains ',' or '=', which lm_eval's key=value,... list cannot carry"
                )
    return value


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
    checkpoints: bool = Field(
        default=False,
        description="also evaluate every checkpoint-N the run keeps (pretrained=.../checkpoint-N, results in "
        "checkpoint-N/clt_eval/), after training; `clt sweep --eval-checkpoints` sets it",
    )

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

    @field_validator("model_args")
    @classmethod
    def _not_the_model(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key in v:
            if key in MODEL_KEYS:
                raise ValueError(
                    f"{key}: chooses which model lm_eval scores; clt_eval always scores the model this "
                    "run trains (output_dir), so remove it (evaluate another model with `clt eval`)"
                )
        return _plain_pairs(v)

    @field_validator("gen_kwargs")
    @classmethod
    def _plain_gen_kwargs(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _plain_pairs(v)

    def task_names(self) -> list[str]:
        from clt_plugin.names import task_name

        if not self.languages:
            return list(self.tasks)
        return [task_name(family, lang) for family in self.tasks for lang in self.languages]


class CLTArgs(BaseModel):
    """Keys of an axolotl config that the clt plugin reads (see axolotl_configs/README.md)."""

    clt_mixture: Union[dict[str, Any], str, None] = Field(
        default=None,
        json_schema_extra={"description": "mixture spec (same schema as `clt mix`) or a path to one"},
    )
    clt_eval: dict[str, Any] | None = Field(
        default=None, json_schema_extra={"description": "lm_eval after training (fields: CLTEvalArgs)"}
    )
    clt_global_batch_size: int | None = Field(
        default=None,
        json_schema_extra={
            "description": "rows per optimizer step over all GPUs; the plugin derives "
            "gradient_accumulation_steps = this / (data-parallel processes x micro_batch_size)"
        },
    )
    clt_grid: str | None = Field(
        default=None,
        json_schema_extra={
            "description": "the grid this config is the base of (paper-single, paper-multi, paper-script): "
            "`clt sweep` writes it, `clt check-config` and the banner check its points against the sources"
        },
    )
    clt_cache_dir: str | None = Field(default=None, json_schema_extra={"description": "mixture engine cache"})
    clt_base_dir: str | None = Field(
        default=None,
        json_schema_extra={
            "description": "directory that relative source paths of an inline spec resolve against (default: the config's)"
        },
    )


# Every clt key a config may set; anything else starting with `clt` is a typo axolotl would drop.
KNOWN_KEYS: tuple[str, ...] = tuple(CLTArgs.model_fields)
