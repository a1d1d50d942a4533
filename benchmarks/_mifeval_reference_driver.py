"""Runs M-IFEval's own checkers on a response file; executed by compare_mifeval.py with the
reference's Python (its own venv), never imported by the project.

    REF_PYTHON benchmarks/_mifeval_reference_driver.py REF_DIR DATA.jsonl RESPONSES.jsonl OUT.json

REF_DIR is an M-IFEval checkout (its `instructions_registry.py` on sys.path). Each instruction is
built and checked the way M-IFEval's evaluation_main.py does it: `cls(id)`,
`build_description(**kwargs)`, `build_description(prompt=...)` when its args name a prompt, then
`check_following` on the response (strict) or on any of IFEval's eight loose variants. Writes one
{"strict": [...], "loose": [...]} per response line. langdetect is seeded (the reference leaves it
unseeded, so two of its own runs can differ on short texts).
"""

import json
import sys


def variants(response):
    lines = response.split("\n")
    first, last, both = (
        "\n".join(lines[1:]).strip(),
        "\n".join(lines[:-1]).strip(),
        "\n".join(lines[1:-1]).strip(),
    )
    return [
        response,
        response.replace("*", ""),
        first,
        last,
        both,
        first.replace("*", ""),
        last.replace("*", ""),
        both.replace("*", ""),
    ]


def main(ref_dir, data_path, responses_path, out_path):
    sys.path.insert(0, ref_dir)
    import langdetect

    langdetect.DetectorFactory.seed = 0
    import instructions_registry as registry

    examples = {}
    with open(data_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                examples[row["prompt"]] = row
    out = []
    with open(responses_path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            ex, response = examples[row["prompt"]], row["response"]
            strict, loose = [], []
            for iid, kwargs in zip(ex["instruction_id_list"], ex["kwargs"]):
                checks = []
                for _ in range(2):  # evaluation_main builds a fresh instruction per pass
                    inst = registry.INSTRUCTION_DICT[iid](iid)
                    inst.build_description(**kwargs)
                    args = inst.get_instruction_args()
                    if args and "prompt" in args:
                        inst.build_description(prompt=ex["prompt"])
                    checks.append(inst)
                strict.append(bool(response.strip() and checks[0].check_following(response)))
                loose.append(any(v.strip() and checks[1].check_following(v) for v in variants(response)))
            out.append({"strict": strict, "loose": loose})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(*sys.argv[1:5])
