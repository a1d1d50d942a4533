"""Python helpers behind the lm-eval task YAMLs in ``lm_eval_tasks/`` (called via its utils.py).

One module per task family (``mgsm``, ``xlsum``, ``dolly``): a ``load`` function used as the
YAML's ``custom_dataset`` (it receives the task's ``metadata`` merged with lm-eval's
``--metadata``), prompt builders and ``process_results``. ``data`` finds the data (hub id by
default, a local directory through ``--metadata '{"data_dir": ...}'`` or ``CLT_DATA_DIR``);
``generate`` writes the per-language YAMLs from one template per family.
"""
