"""Counting words and sentences the way each family of definitions counts them.

M-IFEval counts with tools this project does not ship (NLTK's Punkt models for English and
French, spaCy's Spanish model, ja-sentence-segmenter for Japanese). These functions implement the
same definitions directly: the Japanese segmenter exactly, Punkt and spaCy by their rules
(a sentence ends at . ! ? unless the word is an abbreviation or an initial; spaCy counts
every non-punctuation token as a word). Chinese and Japanese have no spaces between words, so
the generic definitions count each Han or kana character as a word and end sentences at 。！？.
"""

from __future__ import annotations

import functools
import re
import unicodedata

CJK_LANGS = frozenset({"ja", "zh", "zh-Hant"})
_CJK_CHAR = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CJK_RE = re.compile(f"[{_CJK_CHAR}]")
_WORD_RE = re.compile(r"\w+")

# Words after which a period does not end a sentence (Punkt learns such a list; these are the
# common ones). Lowercase, without the final period.
_EN_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof inc ltd co corp vs etc e.g i.e u.s u.k a.m p.m no fig approx dept est "
    "jan feb mar apr jun jul aug sep sept oct nov dec mt ft lt col gen gov sen rep".split()
)
_FR_ABBREVIATIONS = frozenset(
    "m mm mme mmes mlle mlles dr dre pr prof me mgr st ste cap lt gén col etc cf ex vs env "
    "apr av j.-c j.c p.-s p.s ps n.b nb c.-à-d i.e e.g p tél tel vol éd adj min max no nº "
    "janv fév févr avr juil sept oct nov déc".split()
)
_ES_ABBREVIATIONS = frozenset(
    "sr sra srta srs dr dra dres lic ing prof etc ej p.ej vs núm no pág págs aprox av avda "
    "ud uds vd vds ee.uu d.c a.c p.d ps s.a s.l".split()
)
_ABBREVIATIONS = {"en": _EN_ABBREVIATIONS, "fr": _FR_ABBREVIATIONS, "es": _ES_ABBREVIATIONS}

# A candidate boundary: sentence-final punctuation, closing quotes or brackets, then whitespace.
_BOUNDARY = re.compile(r"([.!?…]+)([\"'”’»)\]]*)(\s+|$)")
_TOKEN_BEFORE = re.compile(r"(\S*)$")
_NUMBER = re.compile(r"^[-(]?[\d.,]*\d$")


def count_words(text: str, family: str, lang: str) -> int:
    if family == "es":
        return len(spanish_words(text))
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


_ES_TOKEN = re.compile(r"\w+(?:[.,]\d+)*|[^\w\s]")


def spanish_words(text: str) -> list[str]:
    """spaCy-style words: every token that is not punctuation (symbols such as $ or € count)."""
    return [t for t in _ES_TOKEN.findall(text) if not _is_punct(t)]


def count_sentences(text: str, family: str, lang: str) -> int:
    if family == "ja" or (family == "generic" and lang in CJK_LANGS):
        return count_sentences_ja(text)
    if family == "es":
        return count_sentences_es(text)
    return len(split_sentences(text, _ABBREVIATIONS.get(family, _ABBREVIATIONS["en"])))


def split_sentences(text: str, abbreviations: frozenset[str] = _EN_ABBREVIATIONS) -> list[str]:
    """Punkt-style splitting: lines do not end sentences, punctuation followed by space does."""
    sentences: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if end == len(text) or not _is_boundary(text, m, abbreviations):
            continue
        piece = text[start : m.end(2)].strip()
        if piece:
            sentences.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_boundary(text: str, m: re.Match, abbreviations: frozenset[str]) -> bool:
    punct = m.group(1)
    following = text[m.end() :].lstrip()
    next_word = following.split(maxsplit=1)[0] if following else ""
    starts_lower = next_word[:1].islower()
    if "?" in punct or "!" in punct:
        return True
    if len(punct) > 1 or punct == "…":
        # An ellipsis ends a sentence only when a capitalised word follows.
        return next_word[:1].isupper()
    before = _TOKEN_BEFORE.search(text[: m.start()]).group(1)
    word = before.lstrip("\"'“‘«([").lower()
    if not word:
        return True
    if word in abbreviations:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # an initial
    if _NUMBER.match(word):
        return not starts_lower
    return True


def count_sentences_es(text: str) -> int:
    """spaCy-style: list markers removed, lines and sentence punctuation both end sentences."""
    cleaned = re.sub(r"(^\s*\d+\.\s*)|(^\s*[-*]\s*)", "", text, flags=re.MULTILINE)
    n = 0
    for line in cleaned.splitlines():
        if line.strip():
            n += len(split_sentences(line, _ES_ABBREVIATIONS))
    return n


# --- Japanese: the ja-sentence-segmenter pipeline used by M-IFEval, implemented directly.
# Its neologd-style normalisation decides which spaces survive (a space after 。 or ！ before a
# line end vanishes), so it is reproduced step by step; the rest only moves characters around.
_NFKC_FIRST = re.compile("[０-９Ａ-Ｚａ-ｚ｡-ﾟ]+")
_ASCII_TO_WIDE = str.maketrans(
    "!\"#$%&'()*+,-./:;<=>?@[¥]^_`{|}~｡､･｢｣", "！”＃＄％＆’（）＊＋，－．／：；＜＝＞？＠［￥］＾＿｀｛｜｝〜。、・「」"
)
_WIDE_BACK = re.compile("[！”＃＄％＆’（）＊＋，－．／：；＜＞？＠［￥］＾＿｀｛｜｝〜]+")
_BLOCKS = "\u4E00-\u9FFF\u3040-\u309F\u30A0-\u30FF\u3000-\u303F\uFF00-\uFFEF"
_LATIN = "\u0000-\u007F"
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
