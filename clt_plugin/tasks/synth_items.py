"""A small synthetic multilingual task suite, in the paper's eight languages.

Three tasks with checkable answers, written from templates so every language has the same
items (a parallel corpus, like the paper's machine-translated test sets):
- ``synth_math``: one-step arithmetic word problems; the reply ends with the numeric answer.
- ``synth_summ``: a three-sentence news brief; the reply is its headline.
- ``synth_lang``: an instruction in English to reply in the item's language; the reply is a
  one-line message in that language (scored by language fidelity and ROUGE-L).

Items are numbered, and the same item number is the same problem in every language.
Generation is a pure function of (language, split, index, seed). The demo trains on the train
split; the ``clt_synth_*`` lm-eval tasks (clt_plugin.tasks.synth) test on the test split.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from clt_plugin.families import FAMILIES, SYNTH_FAMILIES

SYNTH_TASKS = SYNTH_FAMILIES
SYNTH_LANGUAGES = FAMILIES[SYNTH_TASKS[0]].languages
# Test items come from a disjoint index range, so no test problem is ever trained on.
SPLIT_OFFSET = {"train": 0, "test": 1_000_000}

NAMES = {
    "en": ["Anna", "Ben", "Clara", "David", "Emma", "Frank"],
    "es": ["Lucía", "Mateo", "Sofía", "Diego", "Elena", "Pablo"],
    "fr": ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules"],
    "ja": ["さくら", "ゆうき", "はると", "あおい", "みさき", "けんた"],
    "zh": ["小明", "小红", "李华", "王芳", "张伟", "刘洋"],
    "ar": ["أحمد", "فاطمة", "عمر", "ليلى", "يوسف", "مريم"],
    "ko": ["민준", "서연", "지호", "하은", "도윤", "수아"],
    "pt": ["João", "Maria", "Pedro", "Ana", "Lucas", "Beatriz"],
}
ITEMS = {
    "en": ["books", "pencils", "balloons", "cookies"],
    "es": ["libros", "lápices", "globos", "caramelos"],
    "fr": ["livres", "crayons", "ballons", "bonbons"],
    "ja": ["りんご", "みかん", "ボール", "あめ"],
    "zh": ["苹果", "橘子", "气球", "皮球"],
    "ar": ["الكتب", "الأقلام", "البالونات", "الحلوى"],
    "ko": ["사과", "귤", "풍선", "사탕"],
    "pt": ["livros", "lápis", "balões", "doces"],
}
MATH_ADD = {
    "en": "{name} has {a} {item} and gets {b} more. How many {item} does {name} have now?",
    "es": "{name} tiene {a} {item} y recibe {b} más. ¿Cuántos {item} tiene {name} ahora?",
    "fr": "{name} a {a} {item} et en reçoit {b} de plus. Combien de {item} possède {name} maintenant ?",
    "ja": "{name}さんは{item}を{a}個持っています。さらに{b}個もらいました。{name}さんは今{item}を何個持っていますか？",
    "zh": "{name}有{a}个{item}，又得到了{b}个。{name}现在有多少个{item}？",
    "ar": "لدى {name} {a} من {item}، ثم حصل على {b} أخرى. كم عدد {item} لدى {name} الآن؟",
    "ko": "{name} 씨는 {item} {a}개를 가지고 있습니다. {b}개를 더 받았습니다. {name} 씨는 이제 {item} 몇 개를 가지고 있습니까?",
    "pt": "{name} tem {a} {item} e ganha mais {b}. Quantos {item} {name} tem agora?",
}
MATH_SUB = {
    "en": "{name} has {a} {item} and gives {b} away. How many {item} does {name} have left?",
    "es": "{name} tiene {a} {item} y regala {b}. ¿Cuántos {item} le quedan a {name}?",
    "fr": "{name} a {a} {item} et en donne {b}. Combien de {item} reste-t-il à {name} ?",
    "ja": "{name}さんは{item}を{a}個持っています。{b}個あげました。{name}さんには{item}が何個残っていますか？",
    "zh": "{name}有{a}个{item}，送给别人{b}个。{name}还剩多少个{item}？",
    "ar": "لدى {name} {a} من {item}، وأعطى {b} منها. كم عدد {item} المتبقية لدى {name}؟",
    "ko": "{name} 씨는 {item} {a}개를 가지고 있습니다. {b}개를 나누어 주었습니다. {name} 씨에게 {item} 몇 개가 남았습니까?",
    "pt": "{name} tem {a} {item} e dá {b}. Quantos {item} restam para {name}?",
}
ANSWER = {
    "en": "{expr} = {c}. The answer is {c}.",
    "es": "{expr} = {c}. La respuesta es {c}.",
    "fr": "{expr} = {c}. La réponse est {c}.",
    "ja": "{expr} = {c}。答えは{c}です。",
    "zh": "{expr} = {c}。答案是{c}。",
    "ar": "{expr} = {c}. الإجابة هي {c}.",
    "ko": "{expr} = {c}. 답은 {c}입니다.",
    "pt": "{expr} = {c}. A resposta é {c}.",
}
CITIES = {
    "en": ["London", "Boston", "Sydney", "Toronto"],
    "es": ["Madrid", "Sevilla", "Lima", "Bogotá"],
    "fr": ["Paris", "Lyon", "Marseille", "Genève"],
    "ja": ["東京", "大阪", "京都", "札幌"],
    "zh": ["北京", "上海", "广州", "成都"],
    "ar": ["القاهرة", "دبي", "عمّان", "الرباط"],
    "ko": ["서울", "부산", "대구", "인천"],
    "pt": ["Lisboa", "Porto", "Recife", "Curitiba"],
}
EVENTS = {
    "en": ["the chess final", "the city marathon", "the cooking contest", "the poetry prize"],
    "es": ["la final de ajedrez", "el maratón de la ciudad", "el concurso de cocina", "el premio de poesía"],
    "fr": ["la finale d'échecs", "le marathon de la ville", "le concours de cuisine", "le prix de poésie"],
    "ja": ["チェスの決勝", "市民マラソン", "料理コンテスト", "詩の賞"],
    "zh": ["国际象棋决赛", "城市马拉松", "烹饪比赛", "诗歌奖"],
    "ar": ["نهائي الشطرنج", "ماراثون المدينة", "مسابقة الطبخ", "جائزة الشعر"],
    "ko": ["체스 결승", "시민 마라톤", "요리 대회", "시 문학상"],
    "pt": ["o torneio de xadrez", "a maratona da cidade", "o concurso de culinária", "o prêmio de poesia"],
}
ARTICLE = {
    "en": "{name} from {city} won {event} on Saturday. The crowd cheered for a long time. {name} said it was the best day of the year.",
    "es": "{name}, de {city}, ganó {event} el sábado. El público aplaudió durante mucho tiempo. {name} dijo que fue el mejor día del año.",
    "fr": "{name}, de {city}, a remporté {event} samedi. Le public a applaudi longtemps. {name} a dit que c'était le plus beau jour de l'année.",
    "ja": "{city}の{name}さんが土曜日に{event}で優勝しました。観客は長い間拍手を送りました。{name}さんは今年一番の日だと話しました。",
    "zh": "来自{city}的{name}在周六赢得了{event}。观众欢呼了很久。{name}说这是一年中最好的一天。",
    "ar": "فاز {name} من {city} في {event} يوم السبت. صفق الجمهور طويلًا. وقال {name} إنه أفضل يوم في العام.",
    "ko": "{city}의 {name} 씨가 토요일에 {event}에서 우승했습니다. 관중은 오랫동안 환호했습니다. {name} 씨는 올해 최고의 날이라고 말했습니다.",
    "pt": "{name}, de {city}, venceu {event} no sábado. O público aplaudiu por muito tempo. {name} disse que foi o melhor dia do ano.",
}
HEADLINE = {
    "en": "{name} from {city} wins {event}",
    "es": "{name}, de {city}, gana {event}",
    "fr": "{name}, de {city}, remporte {event}",
    "ja": "{city}の{name}さんが{event}で優勝",
    "zh": "{city}的{name}赢得{event}",
    "ar": "{name} من {city} يفوز في {event}",
    "ko": "{city}의 {name} 씨, {event} 우승",
    "pt": "{name}, de {city}, vence {event}",
}
SUMM_INSTRUCTION = {
    "en": "Write a one-line headline for this news brief.",
    "es": "Escribe un titular de una línea para esta noticia breve.",
    "fr": "Écris un titre d'une ligne pour cette brève.",
    "ja": "このニュースの見出しを一行で書いてください。",
    "zh": "请为这则简讯写一行标题。",
    "ar": "اكتب عنوانًا من سطر واحد لهذا الخبر القصير.",
    "ko": "이 단신 기사의 한 줄 제목을 쓰세요.",
    "pt": "Escreva uma manchete de uma linha para esta notícia breve.",
}

LANG_INSTRUCTION = "Reply in {language}: tell {name} that {event} starts at {hour} o'clock."
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "ja": "Japanese",
    "zh": "Chinese",
    "ar": "Arabic",
    "ko": "Korean",
    "pt": "Portuguese",
}
LANG_REPLY = {
    "en": "{name}, {event} starts at {hour} o'clock.",
    "es": "{name}, {event} empieza a las {hour}.",
    "fr": "{name}, {event} commence à {hour} heures.",
    "ja": "{name}さん、{event}は{hour}時に始まります。",
    "zh": "{name}，{event}{hour}点开始。",
    "ar": "يا {name}، يبدأ {event} في الساعة {hour}.",
    "ko": "{name} 씨, {event}은 {hour}시에 시작합니다.",
    "pt": "{name}, {event} começa às {hour} horas.",
}


@dataclass(frozen=True)
class SynthItem:
    id: str
    task: str
    lang: str
    prompt: str
    response: str
    answer: str  # the number for synth_math, the reference reply otherwise


def _rng(task: str, split: str, index: int, seed: int) -> random.Random:
    # Same (task, split, index, seed) draws the same slots in every language: a parallel corpus.
    return random.Random(f"{seed}/{task}/{split}/{index}")


def make_item(task: str, lang: str, split: str, index: int, seed: int = 0) -> SynthItem:
    if lang not in SYNTH_LANGUAGES:
        raise ValueError(f"synthetic suite has no language {lang!r} (has: {', '.join(SYNTH_LANGUAGES)})")
    rng = _rng(task, split, index, seed)
    item_id = f"{task}-{split}-{index}"
    name = rng.choice(NAMES[lang])
    if task == "synth_math":
        thing = rng.choice(ITEMS[lang])
        if rng.random() < 0.5:
            a, b = rng.randint(2, 9), rng.randint(1, 9)
            c, template, expr = a + b, MATH_ADD, f"{a} + {b}"
        else:
            a = rng.randint(2, 18)
            b = rng.randint(1, a - 1)
            c, template, expr = a - b, MATH_SUB, f"{a} - {b}"
        prompt = template[lang].format(name=name, a=a, b=b, item=thing)
        return SynthItem(item_id, task, lang, prompt, ANSWER[lang].format(expr=expr, c=c), str(c))
    if task == "synth_summ":
        slots = dict(name=name, city=rng.choice(CITIES[lang]), event=rng.choice(EVENTS[lang]))
        headline = HEADLINE[lang].format(**slots)
        prompt = f"{SUMM_INSTRUCTION[lang]}\n\n{ARTICLE[lang].format(**slots)}"
        return SynthItem(item_id, task, lang, prompt, headline, headline)
    if task == "synth_lang":
        slot = rng.randrange(len(EVENTS["en"]))
        hour = rng.randint(1, 12)
        prompt = LANG_INSTRUCTION.format(language=LANGUAGE_NAMES[lang], name=name, event=EVENTS["en"][slot], hour=hour)
        reply = LANG_REPLY[lang].format(name=name, event=EVENTS[lang][slot], hour=hour)
        return SynthItem(item_id, task, lang, prompt, reply, reply)
    raise ValueError(f"unknown synthetic task {task!r} (known: {', '.join(SYNTH_TASKS)})")


def make_split(task: str, lang: str, split: str, n: int, seed: int = 0) -> list[SynthItem]:
    offset = SPLIT_OFFSET[split]
    return [make_item(task, lang, split, offset + i, seed) for i in range(n)]
