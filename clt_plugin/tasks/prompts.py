"""Prompt wording per language.

MGSM native chain-of-thought uses the question / step-by-step-answer / "the answer is" wording
of the MGSM paper (Shi et al., 2022) for its eleven languages; ar, ko and pt (machine-translated
MGSM in the CLT paper) get the same three phrases in their language. Zero-shot chat and
summarization instructions are native for the CLT paper's languages (and de, ru); other
languages get an English instruction that names the target language.
"""

from __future__ import annotations

from dataclasses import dataclass

from clt_plugin import languages


@dataclass(frozen=True)
class MgsmWords:
    question: str  # "Question:"
    answer: str  # "Step-by-Step Answer:"
    phrase: str  # "The answer is"


MGSM_WORDS: dict[str, MgsmWords] = {
    "en": MgsmWords("Question:", "Step-by-Step Answer:", "The answer is"),
    "es": MgsmWords("Pregunta:", "Respuesta paso a paso:", "La respuesta es"),
    "fr": MgsmWords("Question :", "Réponse étape par étape :", "La réponse est"),
    "de": MgsmWords("Frage:", "Schritt-für-Schritt-Antwort:", "Die Antwort lautet"),
    "ru": MgsmWords("Задача:", "Пошаговоерешение:", "Ответ —"),
    "sw": MgsmWords("Swali:", "Jibu la Hatua kwa Hatua:", "Jibu ni"),
    "bn": MgsmWords("প্রশ্ন:", "ধাপে ধাপে উত্তর:", "উত্তর হল"),
    "te": MgsmWords("ప్రశ్న:", "దశలవారీగా సమాధానం:", "సమాధానం"),
    "th": MgsmWords("โจทย์:", "คำตอบทีละขั้นตอน:", "คำตอบคือ"),
    "ja": MgsmWords("問題：", "ステップごとの答え：", "答えは"),
    "zh": MgsmWords("问题：", "逐步解答：", "答案是"),
    "pt": MgsmWords("Pergunta:", "Resposta passo a passo:", "A resposta é"),
    "ko": MgsmWords("질문:", "단계별 답변:", "답은"),
    "ar": MgsmWords("سؤال:", "إجابة خطوة بخطوة:", "الإجابة هي"),
}
MGSM_TASK_LANGUAGES: tuple[str, ...] = tuple(MGSM_WORDS)

_CHAT_MGSM: dict[str, str] = {
    "en": 'Solve this math problem step by step. End your reply with "The answer is N." where N is the final number.',
    "es": 'Resuelve este problema de matemáticas paso a paso. Termina tu respuesta con "La respuesta es N.", donde N es el número final.',
    "fr": "Résous ce problème de mathématiques étape par étape. Termine ta réponse par « La réponse est N. », où N est le nombre final.",
    "de": "Löse diese Mathematikaufgabe Schritt für Schritt. Beende deine Antwort mit „Die Antwort lautet N.“, wobei N die Endzahl ist.",
    "pt": 'Resolva este problema de matemática passo a passo. Termine sua resposta com "A resposta é N.", em que N é o número final.',
    "ru": "Реши эту математическую задачу шаг за шагом. Закончи ответ фразой «Ответ — N.», где N — итоговое число.",
    "ja": "この算数の問題をステップごとに解いてください。最後に「答えはNです。」と書いてください（Nは最終的な数）。",
    "zh": "请一步一步地解答这道数学题。最后写出“答案是N。”，其中N是最终的数字。",
    "ko": '이 수학 문제를 단계별로 풀어 주세요. 마지막에 "답은 N입니다."라고 써 주세요 (N은 최종 숫자).',
    "ar": 'حلّ هذه المسألة الرياضية خطوة بخطوة. اختم إجابتك بعبارة "الإجابة هي N." حيث N هو العدد النهائي.',
}

_SUMMARIZE: dict[str, str] = {
    "en": "Summarize the following article in one or two sentences.\n\nArticle: {text}\n\nSummary:",
    "es": "Resume el siguiente artículo en una o dos frases.\n\nArtículo: {text}\n\nResumen:",
    "fr": "Résume l'article suivant en une ou deux phrases.\n\nArticle : {text}\n\nRésumé :",
    "de": "Fasse den folgenden Artikel in ein oder zwei Sätzen zusammen.\n\nArtikel: {text}\n\nZusammenfassung:",
    "pt": "Resuma o artigo a seguir em uma ou duas frases.\n\nArtigo: {text}\n\nResumo:",
    "ru": "Кратко изложи следующую статью в одном-двух предложениях.\n\nСтатья: {text}\n\nКраткое содержание:",
    "ja": "次の記事を1〜2文で要約してください。\n\n記事：{text}\n\n要約：",
    "zh": "请用一两句话总结以下文章。\n\n文章：{text}\n\n摘要：",
    "ko": "다음 기사를 한두 문장으로 요약해 주세요.\n\n기사: {text}\n\n요약:",
    "ar": "لخّص المقال التالي في جملة أو جملتين.\n\nالمقال: {text}\n\nالملخص:",
}
_SUMMARIZE_OTHER = (
    "Summarize the following article in one or two sentences, in {name}.\n\nArticle: {text}\n\nSummary ({name}):"
)
_CHAT_MGSM_OTHER = (
    'Solve this math problem step by step, answering in {name}. End your reply with "{phrase} N." '
    "where N is the final number."
)


def mgsm_words(lang: str) -> MgsmWords:
    languages.validate(lang)
    try:
        return MGSM_WORDS[lang]
    except KeyError:
        from clt_plugin.errors import CLTError

        raise CLTError(f"no MGSM prompt wording for {lang!r} (have: {', '.join(MGSM_WORDS)})") from None


def mgsm_chat_instruction(lang: str) -> str:
    if lang in _CHAT_MGSM:
        return _CHAT_MGSM[lang]
    return _CHAT_MGSM_OTHER.format(name=languages.get(lang).name, phrase=mgsm_words(lang).phrase)


def summarize_prompt(lang: str, text: str) -> str:
    if lang in _SUMMARIZE:
        return _SUMMARIZE[lang].format(text=text)
    return _SUMMARIZE_OTHER.format(name=languages.get(lang).name, text=text)
