"""Write clt_ifeval_{lang}.yaml for every registry language (run after adding a language).

    python lm_eval_tasks/ifeval/_generate_configs.py

en, es, fr and ja have data by default (IFEval, M-IFEval); every other language reads
{lang}_input_data.jsonl from data_dir (lm-eval --metadata '{"data_dir": ...}' or $CLT_DATA_DIR).
"""

from pathlib import Path

from clt_plugin.languages import LANGUAGES

HERE = Path(__file__).resolve().parent
TEMPLATE = """include: _clt_ifeval_template_yaml
task: clt_ifeval_{lang}
metadata:
  version: 1
  clt_family: ifeval
  clt_language: {lang}
"""


def main() -> None:
    for lang in LANGUAGES:
        (HERE / f"clt_ifeval_{lang}.yaml").write_text(TEMPLATE.format(lang=lang), encoding="utf-8")


if __name__ == "__main__":
    main()
