"""The names that tie the pieces together: clt task names, and the manifest beside a model."""

from __future__ import annotations

from clt_plugin import languages

# What the axolotl plugin writes beside a trained model and the analysis reads back.
MANIFEST_NAME = "clt_manifest.json"


def task_name(family: str, lang: str) -> str:
    return f"clt_{family}_{lang}"


def split_task_name(task: str) -> tuple[str, str] | None:
    """`clt_{family}_{lang}` -> (family, lang) when lang is a registry code, else None (a group,
    another harness's task)."""
    if not task.startswith("clt_"):
        return None
    family, sep, lang = task[4:].rpartition("_")
    if not sep or not family or lang not in languages.LANGUAGES:
        return None
    return family, lang
