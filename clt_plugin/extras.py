"""Which optional extra of clt-plugin provides a package, so a missing one is named, not a traceback.

The core install (a training node: mixtures, sources, the axolotl plugin, language ID) never
imports these packages at module level; commands that need them import them when they run, and
`clt` turns the ModuleNotFoundError into "pip install 'clt-plugin[EXTRA]'" with exit code 2.
pyproject.toml lists the same packages per extra.
"""

from __future__ import annotations

import importlib.util

from clt_plugin.errors import CLTError

# Import name -> the extra that installs it.
PROVIDED_BY: dict[str, str] = {
    **dict.fromkeys(("lm_eval", "fugashi", "unidic_lite", "jieba", "pythainlp", "nltk", "punkt", "janome"), "eval"),
    **dict.fromkeys(("matplotlib", "scipy", "jinja2", "markupsafe"), "report"),
    **dict.fromkeys(("axolotl", "torch", "deepspeed"), "train"),
}


def install_hint(module: str) -> str | None:
    """`pip install 'clt-plugin[EXTRA]'` for a module an extra provides, else None."""
    extra = PROVIDED_BY.get(module.split(".")[0])
    return None if extra is None else f"pip install 'clt-plugin[{extra}]'"


def missing(error: ModuleNotFoundError) -> CLTError | None:
    """The user-facing error for a package of an extra that is not installed (None: not ours)."""
    name = (error.name or "").split(".")[0]
    hint = install_hint(name)
    if hint is None:
        return None
    return CLTError(f"this needs the {PROVIDED_BY[name]!r} extra (no module {name!r} here): {hint}")


def require(module: str, what: str) -> None:
    """Fail early, naming the extra, when `what` needs `module` and it is not installed."""
    if importlib.util.find_spec(module) is None:
        raise CLTError(f"{what} needs {module} (the {PROVIDED_BY.get(module, '?')!r} extra): {install_hint(module)}")
