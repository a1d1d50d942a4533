"""Facts about the Hugging Face Hub that both the training side (clt_plugin.sources) and the
evaluation side (clt_plugin.tasks) use: the Parquet export's layout, and why the hub failed.

Nothing here talks to the hub except `unreachable`: a name lookup before a load (which would
otherwise spend a minute in retries), and a connection attempt after one failed.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

# The hub's automatic Parquet export of a repository: one folder per config, one per split
# inside it ({config}/{split}/0000.parquet; exports made before mid-2023 name the split in the
# file instead: {config}/{repo}-{split}.parquet or ...-{split}-00000-of-00002.parquet).
# Repositories whose main branch holds a loading script (which datasets >= 4 refuses to run)
# are read from here, the config as `data_dir`.
PARQUET_EXPORT = "refs/convert/parquet"

OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")


def export_files(folder: str, split: str) -> list[str]:
    """Patterns for one split's files in an export folder, either layout (unmatched globs are skipped)."""
    return [f"{folder}/{split}/*.parquet", f"{folder}/*-{split}.parquet", f"{folder}/*-{split}-*.parquet"]


def offline_variable() -> str | None:
    """The environment variable that keeps huggingface_hub/datasets offline, when one is set."""
    return next(
        (v for v in OFFLINE_VARIABLES if os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")), None
    )


def endpoint_host() -> str:
    """The hub's host name (HF_ENDPOINT when set, as huggingface_hub reads it)."""
    return urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or "huggingface.co"


def unreachable(*, connect: bool = False) -> str | None:
    """Why the hub cannot be reached from here, or None when it looks reachable. The name lookup
    is what fails on an offline machine, in milliseconds, where a load spends a minute in retries
    and then ends in an error that names a later symptom (a closed client); `connect` also opens
    (and closes) a TCP connection, to tell a firewall from a hub error after a load failed."""
    host = endpoint_host()
    try:
        addresses = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except OSError as e:
        return f"the Hugging Face Hub ({host}) cannot be reached: {e.strerror or e}"
    if connect:
        family, kind, proto, _, address = addresses[0]
        try:
            with socket.socket(family, kind, proto) as s:
                s.settimeout(5)
                s.connect(address)
        except OSError as e:
            return f"the Hugging Face Hub ({host}) cannot be reached: {e.strerror or e}"
    return None
