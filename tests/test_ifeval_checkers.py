"""Every M-IFEval instruction id, in each of its languages, with responses that pass and fail.

Expectations are derived by hand from the M-IFEval definitions (arXiv 2502.04688): the
reference code needs NLTK/spaCy models that cannot be installed offline, so the table is the
agreement check; the Japanese sentence segmenter is checked against the real package elsewhere.
"""

from __future__ import annotations

import json

import pytest

from clt_plugin.ifeval import registry

FR_TEXT = "Bonjour, je vous écris pour vous parler de la ville de Paris et de son histoire ancienne."
EN_TEXT = "Hello, I am writing to tell you about the history of this old city and its people."
ES_TEXT = "Hola, te escribo para contarte sobre la historia de esta ciudad antigua y su gente."
JA_TEXT = "こんにちは。今日は東京の歴史について説明します。とても面白い町です。"

# (language, instruction id without its prefix, kwargs, response, expected)
CASES: list[tuple[str, str, dict, str, bool]] = [
    # ---------------------------------------------------------------- English (IFEval)
    ("en", "keywords:existence", {"keywords": ["banana", "apple"]}, "I like Apple and banana.", True),
    ("en", "keywords:existence", {"keywords": ["banana", "apple"]}, "I like apples only.", False),
    ("en", "keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"}, "A cat and a Cat.", True),
    ("en", "keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "at least"}, "One cat.", False),
    ("en", "keywords:frequency", {"keyword": "dog", "frequency": 2, "relation": "less than"}, "One dog.", True),
    ("en", "keywords:frequency", {"keyword": "dog", "frequency": 2, "relation": "less than"}, "dog dog", False),
    ("en", "keywords:forbidden_words", {"forbidden_words": ["red"]}, "A reddish sky.", True),
    ("en", "keywords:forbidden_words", {"forbidden_words": ["red"]}, "A Red car.", False),
    ("en", "keywords:letter_frequency", {"letter": "q", "let_frequency": 2, "let_relation": "at least"}, "Quick quiz", True),
    ("en", "keywords:letter_frequency", {"letter": "q", "let_frequency": 2, "let_relation": "at least"}, "quiet", False),
    ("en", "language:response_language", {"language": "fr"}, FR_TEXT, True),
    ("en", "language:response_language", {"language": "fr"}, EN_TEXT, False),
    ("en", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"}, "Dr. Smith arrived at noon.", True),
    ("en", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "less than"}, "It rained. We stayed home.", False),
    ("en", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "We left. Then rain! Why?", True),
    ("en", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "Line one\nLine two\nLine three.", False),
    ("en", "length_constraints:number_words", {"num_words": 5, "relation": "at least"}, "one two three four five", True),
    ("en", "length_constraints:number_words", {"num_words": 5, "relation": "at least"}, "one two three four", False),
    ("en", "length_constraints:number_paragraphs", {"num_paragraphs": 2}, "First.\n***\nSecond.", True),
    ("en", "length_constraints:number_paragraphs", {"num_paragraphs": 2}, "First.\n***\n***\nSecond.", False),
    ("en", "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "however"}, 'Intro.\n\n"However, fine."', True),
    ("en", "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "however"}, "Intro.\n\nBut no.", False),
    ("en", "detectable_content:number_placeholders", {"num_placeholders": 2}, "[name] at [address]", True),
    ("en", "detectable_content:number_placeholders", {"num_placeholders": 2}, "[name] only", False),
    ("en", "detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\n\np. s. bye", True),
    ("en", "detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi. PS bye", False),
    ("en", "detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nP.P.S later", True),
    ("en", "detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nPPS later", False),
    ("en", "detectable_format:constrained_response", {}, "My answer is yes.", True),
    ("en", "detectable_format:constrained_response", {}, "Yes.", False),
    ("en", "detectable_format:json_format", {}, '```json\n{"a": 1}\n```', True),
    ("en", "detectable_format:json_format", {}, "{a: 1}", False),
    ("en", "detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2}, "SECTION 1\nA\nSECTION 2\nB", True),
    ("en", "detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2}, "SECTION 1\nA", False),
    ("en", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n- two", True),
    ("en", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n* two\n* three", False),
    ("en", "detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a* and **b**", True),
    ("en", "detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*a* and ** **", False),
    ("en", "detectable_format:title", {}, "<<My Title>>\nText", True),
    ("en", "detectable_format:title", {}, "<< >>\nText", False),
    ("en", "combination:two_responses", {}, "A\n******\nB", True),
    ("en", "combination:two_responses", {}, "A\n******\nA", False),
    ("en", "combination:repeat_prompt", {"prompt_to_repeat": "Say hi."}, "say hi. Hi!", True),
    ("en", "combination:repeat_prompt", {"prompt_to_repeat": "Say hi."}, "Hi! Say hi.", False),
    ("en", "startend:end_checker", {"end_phrase": "Any other questions?"}, 'Done. "Any other questions?"', True),
    ("en", "startend:end_checker", {"end_phrase": "Any other questions?"}, "Any other questions? Bye.", False),
    ("en", "startend:quotation", {}, '"Hello there"', True),
    ("en", "startend:quotation", {}, "Hello there", False),
    ("en", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"}, "THIS is VERY good", True),
    ("en", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"}, "This is Very good", False),
    ("en", "change_case:english_capital", {}, EN_TEXT.upper(), True),
    ("en", "change_case:english_capital", {}, EN_TEXT, False),
    ("en", "change_case:english_lowercase", {}, EN_TEXT.lower(), True),
    ("en", "change_case:english_lowercase", {}, EN_TEXT, False),
    ("en", "punctuation:no_comma", {}, "No commas here.", True),
    ("en", "punctuation:no_comma", {}, "Yes, here.", False),
    # ---------------------------------------------------------------- Spanish
    ("es", "keywords:existence", {"keywords": ["casa"]}, "Mi CASA es grande.", True),
    ("es", "keywords:existence", {"keywords": ["casa"]}, "Mi hogar.", False),
    ("es", "keywords:frequency", {"keyword": "sol", "frequency": 2, "relation": "como máximo"}, "El sol y el sol.", True),
    ("es", "keywords:frequency", {"keyword": "sol", "frequency": 2, "relation": "como máximo"}, "sol, sol, sol", False),
    ("es", "keywords:forbidden_words", {"forbidden_words": ["perro"]}, "Los perros ladran.", True),
    ("es", "keywords:forbidden_words", {"forbidden_words": ["perro"]}, "Un Perro ladra.", False),
    ("es", "keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "al menos"}, "casa grande", True),
    ("es", "keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "al menos"}, "sol", False),
    ("es", "keywords:letter_frequency", {"letter": "a", "let_frequency": 1, "let_relation": "como máximo"}, "sol y mar", True),
    ("es", "language:response_language", {"language": "en"}, EN_TEXT, True),
    ("es", "language:response_language", {"language": "en"}, ES_TEXT, False),
    ("es", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "como máximo"}, "Hola. Adiós.", True),
    ("es", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "como máximo"}, "Título\nUna frase. Otra más.", False),
    ("es", "length_constraints:number_words", {"num_words": 3, "relation": "como máximo"}, "1. Hola mundo feliz", True),
    ("es", "length_constraints:number_words", {"num_words": 3, "relation": "como máximo"}, "uno, dos, tres y cuatro", False),
    ("es", "length_constraints:number_paragraphs", {"num_paragraphs": 1}, "Un párrafo.", True),
    ("es", "length_constraints:number_paragraphs", {"num_paragraphs": 1}, "Uno.\n***\nDos.", False),
    ("es", "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "en resumen"}, "En resumen, todo bien.\n\nFin.", True),
    ("es", "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "en resumen"}, "Resumen: todo.\n\nFin.", False),
    ("es", "detectable_content:number_placeholders", {"num_placeholders": 1, "relation": "al menos"}, "Vive en [dirección].", True),
    ("es", "detectable_content:number_placeholders", {"num_placeholders": 1, "relation": "al menos"}, "Vive aquí.", False),
    ("es", "detectable_content:postscript", {"postscript_marker": "P.D."}, "Hola.\nP.D. Adiós", True),
    ("es", "detectable_content:postscript", {"postscript_marker": "P.D."}, "Hola. PD Adiós", False),
    ("es", "detectable_content:postscript", {"postscript_marker": "Nota"}, "Hola.\nNota: adiós", True),
    ("es", "detectable_content:postscript", {"postscript_marker": "Nota"}, "Hola.", False),
    ("es", "detectable_format:constrained_response", {}, "Sí.", True),
    ("es", "detectable_format:constrained_response", {}, "Claro", False),
    ("es", "detectable_format:json_format", {}, '{"ciudad": "Madrid"}', True),
    ("es", "detectable_format:json_format", {}, "ciudad: Madrid", False),
    ("es", "detectable_format:multiple_sections", {"section_spliter": "Sección", "num_sections": 2, "relation": "al menos"}, "Sección 1\nA\nSección 2\nB", True),
    ("es", "detectable_format:multiple_sections", {"section_spliter": "Sección", "num_sections": 2, "relation": "al menos"}, "Sección 1\nA", False),
    ("es", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* uno\n* dos\n- tres", True),
    ("es", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "- uno\n- dos", False),
    ("es", "detectable_format:number_highlighted_sections", {"num_highlights": 1, "relation": "al menos"}, "Es *importante*.", True),
    ("es", "detectable_format:number_highlighted_sections", {"num_highlights": 1, "relation": "al menos"}, "Es importante.", False),
    ("es", "detectable_format:title", {}, "<<Mi poema>>\nVersos", True),
    ("es", "detectable_format:title", {}, "Mi poema\nVersos", False),
    ("es", "combination:two_responses", {}, "Uno\n******\nDos", True),
    ("es", "combination:two_responses", {}, "Uno\n******\n\n******\nDos", False),
    ("es", "combination:repeat_prompt", {"prompt_to_repeat": "Describe Madrid."}, "describe madrid. Es grande.", True),
    ("es", "combination:repeat_prompt", {"prompt_to_repeat": "Describe Madrid."}, "Madrid es grande.", False),
    ("es", "punctuation:no_comma", {}, "Sin comas aquí.", True),
    ("es", "punctuation:no_comma", {}, "Sí, aquí.", False),
    ("es", "punctuation:question_marks", {}, "Bien. ¿Qué tal?", True),
    ("es", "punctuation:question_marks", {}, "Qué tal? ¿ ?", False),
    ("es", "punctuation:exclamation_marks", {}, "¡Hola amigo!", True),
    ("es", "punctuation:exclamation_marks", {}, "Hola amigo!", False),
    ("es", "startend:end_checker", {"end_phrase": "¿Necesitas algo más?"}, "Bien. ¿Necesitas algo más?.", True),
    ("es", "startend:end_checker", {"end_phrase": "¿Necesitas algo más?"}, "¿Necesitas algo más? Adiós", False),
    ("es", "startend:quotation", {}, '"Hola"', True),
    ("es", "startend:quotation", {}, "«Hola»", False),
    ("es", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "como máximo"}, "Hola MUNDO", True),
    ("es", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "como máximo"}, "HOLA MUNDO BONITO", False),
    ("es", "change_case:spanish_capital", {}, ES_TEXT.upper(), True),
    ("es", "change_case:spanish_capital", {}, ES_TEXT, False),
    ("es", "change_case:spanish_lowercase", {}, ES_TEXT.lower(), True),
    ("es", "change_case:spanish_lowercase", {}, ES_TEXT, False),
    ("es", "special_character:enie", {"let_frequency": 2}, "El niño y la niña.", True),
    ("es", "special_character:enie", {"let_frequency": 2}, "El niño.", False),
    ("es", "special_character:dieresis", {"let_frequency": 1}, "La cigüeña vuela.", True),
    ("es", "special_character:dieresis", {"let_frequency": 1}, "La cigueña vuela.", False),
    ("es", "special_character:tildes", {"num_words": 2, "relation": "al menos"}, "Está allí.", True),
    ("es", "special_character:tildes", {"num_words": 2, "relation": "al menos"}, "Esta casa está.", False),
    # ---------------------------------------------------------------- French
    ("fr", "keywords:existence", {"keywords": ["château"]}, "Le Château est beau.", True),
    ("fr", "keywords:existence", {"keywords": ["château"]}, "Le chateau est beau.", False),
    ("fr", "keywords:frequency", {"keyword": "chat", "frequency": 2, "relation": "moins de"}, "Un chat.", True),
    ("fr", "keywords:frequency", {"keyword": "chat", "frequency": 2, "relation": "moins de"}, "Un chat, un chat.", False),
    ("fr", "keywords:forbidden_words", {"forbidden_words": ["rouge"]}, "Le ciel est bleu.", True),
    ("fr", "keywords:forbidden_words", {"forbidden_words": ["rouge"]}, "Le ciel est Rouge.", False),
    ("fr", "keywords:letter_frequency", {"letter": "z", "let_frequency": 2, "let_relation": "au moins"}, "Zazie", True),
    ("fr", "keywords:letter_frequency", {"letter": "z", "let_frequency": 2, "let_relation": "au moins"}, "Zoé", False),
    ("fr", "language:response_language", {"language": "ja"}, JA_TEXT, True),
    ("fr", "language:response_language", {"language": "ja"}, FR_TEXT, False),
    ("fr", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "au moins"}, "M. Dupont est là. Il parle.", True),
    ("fr", "length_constraints:number_sentences", {"num_sentences": 2, "relation": "au moins"}, "M. Dupont est là.", False),
    ("fr", "length_constraints:number_words", {"num_words": 4, "relation": "moins de"}, "Très bien", True),
    ("fr", "length_constraints:number_words", {"num_words": 4, "relation": "moins de"}, "C'est très bien", False),
    ("fr", "length_constraints:number_paragraphs", {"num_paragraphs": 3}, "***\nA\n***\nB\n***\nC\n***", True),
    ("fr", "length_constraints:number_paragraphs", {"num_paragraphs": 3}, "A\n***\nB", False),
    ("fr", "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "ensuite"}, "Bonjour.\n\nEnsuite, on part.", True),
    ("fr", "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "ensuite"}, "Bonjour.\n\nEnsuite.\n\nFin.", False),
    ("fr", "detectable_content:number_placeholders", {"num_placeholders": 1}, "Cher [nom],", True),
    ("fr", "detectable_content:number_placeholders", {"num_placeholders": 1}, "Cher ami,", False),
    ("fr", "detectable_content:postscript", {"postscript_marker": "P.-S."}, "Merci.\nP.-S. À bientôt", True),
    ("fr", "detectable_content:postscript", {"postscript_marker": "P.-S."}, "Merci. À bientôt", False),
    ("fr", "detectable_content:informal_address", {}, "Je te remercie.", True),
    ("fr", "detectable_content:informal_address", {}, "Je vous remercie.", False),
    ("fr", "detectable_content:no_digits", {}, "Trois pommes.", True),
    ("fr", "detectable_content:no_digits", {}, "3 pommes.", False),
    ("fr", "detectable_format:constrained_response", {}, "Peut-être.", True),
    ("fr", "detectable_format:constrained_response", {}, "Peut être", False),
    ("fr", "detectable_format:json_format", {}, "```\n[1, 2]\n```", True),
    ("fr", "detectable_format:json_format", {}, "[1, 2", False),
    ("fr", "detectable_format:multiple_sections", {"section_spliter": "Partie", "num_sections": 2}, "Partie 1\nA\nPartie 2\nB", True),
    ("fr", "detectable_format:multiple_sections", {"section_spliter": "Partie", "num_sections": 2}, "Partie A\nPartie B", False),
    ("fr", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* un\n- deux", True),
    ("fr", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* un", False),
    ("fr", "detectable_format:number_highlighted_sections", {"num_highlights": 1}, "C'est *important*.", True),
    ("fr", "detectable_format:number_highlighted_sections", {"num_highlights": 1}, "C'est important.", False),
    ("fr", "detectable_format:title", {}, "##Mon titre##\nTexte", True),
    ("fr", "detectable_format:title", {}, "<<Mon titre>>\nTexte", False),
    ("fr", "combination:two_responses", {}, "Oui\n******\nNon", True),
    ("fr", "combination:two_responses", {}, "Oui", False),
    ("fr", "combination:repeat_prompt", {"prompt_to_repeat": "Décris Paris."}, "Décris Paris. Paris est belle.", True),
    ("fr", "combination:repeat_prompt", {"prompt_to_repeat": "Décris Paris."}, "Paris est belle.", False),
    ("fr", "startend:end_checker", {"end_phrase": "D'autres questions ?"}, "Voilà. D'autres questions ?", True),
    ("fr", "startend:end_checker", {"end_phrase": "D'autres questions ?"}, "D'autres questions ? Merci.", False),
    ("fr", "startend:quotation", {}, "«Bonjour»", True),
    ("fr", "startend:quotation", {}, "Bonjour", False),
    ("fr", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "moins de"}, "Bonjour TOUT le monde", True),
    ("fr", "change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "moins de"}, "BONJOUR TOUT LE MONDE", False),
    ("fr", "change_case:french_capital", {}, FR_TEXT.upper(), True),
    ("fr", "change_case:french_capital", {}, FR_TEXT, False),
    ("fr", "change_case:french_lowercase", {}, FR_TEXT.lower(), True),
    ("fr", "change_case:french_lowercase", {}, FR_TEXT, False),
    ("fr", "punctuation:no_comma", {}, "Pas de virgule.", True),
    ("fr", "punctuation:no_comma", {}, "Oui, non.", False),
    ("fr", "special_character:accents", {"word_to_accentuate": {"evenement": "événement"}}, "Un Événement.", True),
    ("fr", "special_character:accents", {"word_to_accentuate": {"evenement": "événement"}}, "Un evenement.", False),
    ("fr", "special_character:ethel_or_cedilla", {"forbidden_char": "ç"}, "Le garcon.", True),
    ("fr", "special_character:ethel_or_cedilla", {"forbidden_char": "ç"}, "Le GARÇON.", False),
    ("fr", "special_character:no_accents", {}, "Le garcon mange.", True),
    ("fr", "special_character:no_accents", {}, "Le café.", False),
    # ---------------------------------------------------------------- Japanese
    ("ja", "keywords:existence", {"keywords": ["本"]}, "本を読む。", True),
    ("ja", "keywords:existence", {"keywords": ["本"]}, "日本に行く。", False),  # 日本 is one word
    ("ja", "keywords:frequency", {"keyword": "猫", "frequency": 2, "relation": "以上"}, "猫と猫。", True),
    ("ja", "keywords:frequency", {"keyword": "猫", "frequency": 2, "relation": "以上"}, "猫がいる。", False),
    ("ja", "keywords:forbidden_words", {"forbidden_words": ["本"]}, "日本に行く。", True),
    ("ja", "keywords:forbidden_words", {"forbidden_words": ["本"]}, "本を読む。", False),
    ("ja", "keywords:letter_frequency", {"letter": "か", "let_frequency": 2, "let_relation": "以上"}, "かカ", True),
    ("ja", "keywords:letter_frequency", {"letter": "か", "let_frequency": 2, "let_relation": "以上"}, "か", False),
    ("ja", "language:response_language", {"language": "fr"}, FR_TEXT, True),
    ("ja", "language:response_language", {"language": "fr"}, JA_TEXT, False),
    ("ja", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "以上"}, "一文目。二文目！三文目？", True),
    ("ja", "length_constraints:number_sentences", {"num_sentences": 3, "relation": "以上"}, "一文目。「二文目。三文目。」", False),
    ("ja", "length_constraints:number_letters", {"num_letters": 5, "relation": "未満"}, "あいう", True),
    ("ja", "length_constraints:number_letters", {"num_letters": 5, "relation": "未満"}, "あいうえお", False),
    ("ja", "length_constraints:number_paragraphs", {"num_paragraphs": 2}, "段落一。\n***\n段落二。", True),
    ("ja", "length_constraints:number_paragraphs", {"num_paragraphs": 2}, "段落一。", False),
    ("ja", "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "次に"}, "最初に。\n\n「次に、説明します。", True),
    ("ja", "length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "次に"}, "最初に。\n\nそして。", False),
    ("ja", "detectable_content:number_placeholders", {"num_placeholders": 2}, "[名前]は[場所]にいます。", True),
    ("ja", "detectable_content:number_placeholders", {"num_placeholders": 2}, "[名前]です。", False),
    ("ja", "detectable_content:postscript", {"postscript_marker": "追伸"}, "本文。\n追伸：またね", True),
    ("ja", "detectable_content:postscript", {"postscript_marker": "追伸"}, "本文。", False),
    ("ja", "detectable_content:postscript", {"postscript_marker": "P.P.S."}, "本文。\np.p.s. またね", True),
    ("ja", "detectable_format:constrained_response", {}, "はい、そうです。", True),
    ("ja", "detectable_format:constrained_response", {}, "はい。", False),
    ("ja", "detectable_format:json_format", {}, '```JSON\n{"名前": "太郎"}\n```', True),
    ("ja", "detectable_format:json_format", {}, "名前：太郎", False),
    ("ja", "detectable_format:multiple_sections", {"section_spliter": "章", "num_sections": 2}, "第1章\n内容\n第２章\n内容", True),
    ("ja", "detectable_format:multiple_sections", {"section_spliter": "章", "num_sections": 2}, "第1章\n内容\n第二章\n内容", False),
    ("ja", "detectable_format:nominal_ending", {"count": 2}, "美しい花。静かな夜。", True),
    ("ja", "detectable_format:nominal_ending", {"count": 2}, "「美しい花。静かな夜。」と言った。", False),
    ("ja", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "・一つ目\n・二つ目", True),
    ("ja", "detectable_format:number_bullet_lists", {"num_bullets": 2}, "* 一つ目\n* 二つ目", False),
    ("ja", "detectable_format:number_highlighted_sections", {"num_highlights": 1}, "《重要》です。", True),
    ("ja", "detectable_format:number_highlighted_sections", {"num_highlights": 1}, "《》です。*重要*", False),
    ("ja", "detectable_format:number_numbered_lists", {"num_items": 2}, "1. 一\n2. 二", True),
    ("ja", "detectable_format:number_numbered_lists", {"num_items": 2}, "1.一\n2.二", False),
    ("ja", "detectable_format:title", {}, "『喜びの詩』\n本文", True),
    ("ja", "detectable_format:title", {}, "「喜びの詩」\n本文", False),
    ("ja", "combination:two_responses", {}, "猫です。\n******\n犬です。", True),
    ("ja", "combination:two_responses", {}, "猫です。\n******\n猫です。", False),
    ("ja", "combination:repeat_prompt", {"prompt_to_repeat": "猫について書いて。"}, "猫について書いて。猫は可愛い。", True),
    ("ja", "combination:repeat_prompt", {"prompt_to_repeat": "猫について書いて。"}, "はい。猫について書いて。", False),
    ("ja", "letters:furigana", {}, "漢字（かんじ）をよむ", True),
    ("ja", "letters:furigana", {}, "漢字（かんじ）を読む", False),
    ("ja", "letters:hiragana_only", {}, "ひらがなだけです。ー！", True),
    ("ja", "letters:hiragana_only", {}, "ひらがなとカタカナ", False),
    ("ja", "letters:kanji", {"kanji_limit": 3, "relation": "未満"}, "日本です", True),
    ("ja", "letters:kanji", {"kanji_limit": 3, "relation": "未満"}, "日本語学校", False),
    ("ja", "letters:kansuuji", {}, "三つの山", True),
    ("ja", "letters:kansuuji", {}, "3つの山", False),
    ("ja", "letters:katakana_only", {}, "カタカナ・テスト！", True),
    ("ja", "letters:katakana_only", {}, "カタカナとひらがな", False),
    ("ja", "letters:no_hiragana", {}, "カタカナ漢字", True),
    ("ja", "letters:no_hiragana", {}, "ひらがな", False),
    ("ja", "letters:no_katakana", {}, "ひらがな漢字", True),
    ("ja", "letters:no_katakana", {}, "ｶﾀｶﾅ", False),
    ("ja", "punctuation:no_comma", {}, "読点なし。", True),
    ("ja", "punctuation:no_comma", {}, "はい、そうです。", False),
    ("ja", "punctuation:no_period", {}, "句点なし", True),
    ("ja", "punctuation:no_period", {}, "句点あり。", False),
    ("ja", "startend:end_checker", {"end_phrase": "他にご質問はありますか？"}, "以上です。他にご質問はありますか？」", True),
    ("ja", "startend:end_checker", {"end_phrase": "他にご質問はありますか？"}, "他にご質問はありますか？以上。", False),
    ("ja", "startend:quotation", {}, "「こんにちは」", True),
    ("ja", "startend:quotation", {}, '"こんにちは"', False),
    ("ja", "startend:sentence_unified_end", {"ending": "です"}, "これは本です。「走る。」あれも本です。", True),
    ("ja", "startend:sentence_unified_end", {"ending": "です"}, "これは本です。走る。", False),
]


def _id(case) -> str:
    lang, name, _, text, expected = case
    return f"{lang}:{name}:{'pass' if expected else 'fail'}:{text[:20]!r}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_checker(case):
    lang, name, kwargs, text, expected = case
    check = registry.build(f"{lang}:{name}", kwargs, lang)
    assert bool(check(text)) is expected


def test_every_registered_family_id_has_a_pass_and_a_fail():
    outcomes: dict[str, set[bool]] = {}
    for lang, name, _, _, expected in CASES:
        outcomes.setdefault(f"{lang}:{name}", set()).add(expected)
    family_ids = [i for i in registry.registered_ids() if i.split(":")[0] in registry.FAMILIES]
    missing = [i for i in family_ids if outcomes.get(i) != {True, False}]
    assert missing == []


def test_every_instruction_id_in_the_real_data_is_tested(mifeval_dir):
    tested = {f"{lang}:{name}" for lang, name, *_ in CASES}
    for lang in ("en", "es", "fr", "ja"):
        rows = [json.loads(line) for line in (mifeval_dir / f"{lang}_input_data.jsonl").read_text("utf-8").splitlines() if line.strip()]
        ids = {i for row in rows for i in row["instruction_id_list"]}
        assert ids - tested == set(), lang
        # ...and every row's kwargs build a checker.
        for row in rows:
            for iid, kw in zip(row["instruction_id_list"], row["kwargs"]):
                registry.build(iid, kw, lang, row["prompt"])
