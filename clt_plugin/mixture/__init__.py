"""Exact, seeded, nested multilingual mixtures and their manifests."""

from clt_plugin.mixture.build import MANIFEST_FILE, SCHEMA, TRAIN_FILE, build_mixture, default_cache_dir
from clt_plugin.mixture.spec import MixtureSpec, TaskSpec, load_spec

__all__ = ["MANIFEST_FILE", "SCHEMA", "TRAIN_FILE", "MixtureSpec", "TaskSpec", "build_mixture", "default_cache_dir",
           "load_spec"]
