"""Exact, seeded, nested multilingual mixtures and their manifests.

How rows are chosen: every row gets a 64-bit key, a keyed hash of its source id (seed, task and,
for `independent`, the language go into the key); a language's sample is its k smallest keys.
Hence exact counts, one seed -> one mixture, and nesting (k=200 is a prefix of k=400).

- independent: each language has its own key order.
- parallel: one task-wide key order; non-English languages take the first k of the ids that all
  of them have, so they hold the same items. English takes its own first k in that same order
  (it never depends on which other languages are in the spec, so it is identical across a grid).
- disjoint: English takes its first k; every other id is owned by one language (a seeded pick
  among the languages that have it), and each language samples only its own ids.
- language_check drop: rows whose reply is identified as another language are skipped and the
  next rows in key order fill in, so nesting still holds.
- Output order: sorted by a seeded hash of (task, language, id): a shuffle, stable per seed.

A row's id is its id column, or its row number in the file when there is none.
"""

from clt_plugin.mixture.build import MANIFEST_FILE, SCHEMA, TRAIN_FILE, build_mixture, default_cache_dir
from clt_plugin.mixture.spec import MixtureSpec, TaskSpec, load_spec

__all__ = [
    "MANIFEST_FILE",
    "SCHEMA",
    "TRAIN_FILE",
    "MixtureSpec",
    "TaskSpec",
    "build_mixture",
    "default_cache_dir",
    "load_spec",
]
