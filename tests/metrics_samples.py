"""Original news-style sentences per language, for ROUGE and fidelity tests and the benchmark.

Written for this project (not copied from any corpus). `summary_pairs` builds deterministic
(reference, prediction) pairs that share some sentences and differ in others, as model
summaries do.
"""

from __future__ import annotations

import random

SENTENCES: dict[str, list[str]] = {
    "en": [
        "The city council approved a new budget on Tuesday, raising spending on public transport by 12%.",
        "Heavy rain flooded several streets in the northern district, and schools were closed for two days.",
        "Scientists say the newly discovered species of frog lives only in a small mountain forest.",
        "The national team won the final 3-1 after a dramatic second half in front of 60,000 fans.",
        "Prices of rice and cooking oil rose sharply last month, according to official figures.",
        "The company announced it would cut 1,200 jobs as demand for its older phones fell.",
        "Doctors urged people over 65 to get vaccinated before the winter flu season begins.",
        "A new railway line will connect the capital with the coast, halving the journey time.",
    ],
    "es": [
        "El ayuntamiento aprobó el martes un nuevo presupuesto que aumenta un 12% el gasto en transporte público.",
        "Las fuertes lluvias inundaron varias calles del distrito norte y las escuelas cerraron durante dos días.",
        "Los científicos afirman que la nueva especie de rana vive solo en un pequeño bosque de montaña.",
        "La selección nacional ganó la final por 3-1 tras una dramática segunda parte ante 60.000 aficionados.",
        "Los precios del arroz y del aceite subieron con fuerza el mes pasado, según cifras oficiales.",
        "La empresa anunció que eliminará 1.200 empleos por la caída de la demanda de sus teléfonos antiguos.",
        "Los médicos pidieron a los mayores de 65 años que se vacunen antes de la temporada de gripe.",
        "Una nueva línea ferroviaria unirá la capital con la costa y reducirá a la mitad el tiempo de viaje.",
    ],
    "fr": [
        "Le conseil municipal a adopté mardi un nouveau budget qui augmente de 12 % les dépenses de transport public.",
        "De fortes pluies ont inondé plusieurs rues du quartier nord et les écoles ont fermé pendant deux jours.",
        "Selon les scientifiques, la nouvelle espèce de grenouille ne vit que dans une petite forêt de montagne.",
        "L'équipe nationale a remporté la finale 3-1 après une seconde mi-temps haletante devant 60 000 supporters.",
        "Les prix du riz et de l'huile ont fortement augmenté le mois dernier, d'après les chiffres officiels.",
        "L'entreprise a annoncé la suppression de 1 200 emplois en raison de la baisse de la demande.",
        "Les médecins ont appelé les personnes de plus de 65 ans à se faire vacciner avant l'hiver.",
        "Une nouvelle ligne ferroviaire reliera la capitale à la côte et divisera par deux la durée du trajet.",
    ],
    "ru": [
        "Городской совет во вторник утвердил новый бюджет, увеличив расходы на общественный транспорт на 12%.",
        "Сильные дожди затопили несколько улиц в северном районе, и школы закрылись на два дня.",
        "По словам учёных, новый вид лягушки обитает только в небольшом горном лесу.",
        "Национальная сборная выиграла финал со счётом 3:1 после драматичного второго тайма при 60 000 болельщиков.",
        "Цены на рис и растительное масло в прошлом месяце резко выросли, согласно официальным данным.",
        "Компания объявила о сокращении 1200 рабочих мест из-за падения спроса на старые телефоны.",
        "Врачи призвали людей старше 65 лет сделать прививку до начала сезона гриппа.",
        "Новая железная дорога соединит столицу с побережьем и вдвое сократит время в пути.",
    ],
    "ja": [
        "市議会は火曜日、公共交通機関への支出を12%増やす新しい予算案を可決した。",
        "大雨により北部地区の複数の道路が冠水し、学校は2日間休校となった。",
        "科学者によると、新たに発見されたカエルの新種は小さな山の森にしか生息していない。",
        "代表チームは6万人の観客の前で劇的な後半戦の末、決勝を3対1で制した。",
        "公式統計によると、先月はコメと食用油の価格が急激に上昇した。",
        "同社は古い携帯電話の需要が落ち込んだため、1200人の人員削減を発表した。",
        "医師らは65歳以上の人に対し、冬のインフルエンザの流行前に予防接種を受けるよう呼びかけた。",
        "首都と沿岸部を結ぶ新しい鉄道路線が開通し、所要時間は半分に短縮される。",
    ],
    "zh": [
        "市议会周二通过了新的预算案，将公共交通支出提高百分之十二。",
        "暴雨导致北部地区多条街道被淹，学校停课两天。",
        "科学家表示，新发现的青蛙物种只生活在一片小小的山地森林中。",
        "国家队在六万名球迷面前经过激烈的下半场比赛，以三比一赢得决赛。",
        "根据官方数据，上个月大米和食用油的价格大幅上涨。",
        "该公司宣布，由于旧款手机需求下降，将裁减1200个工作岗位。",
        "医生呼吁65岁以上的老人在冬季流感季节开始前接种疫苗。",
        "一条新的铁路线将连接首都和沿海地区，使旅行时间缩短一半。",
    ],
    "th": [
        "สภาเมืองอนุมัติงบประมาณใหม่เมื่อวันอังคาร โดยเพิ่มค่าใช้จ่ายด้านขนส่งสาธารณะร้อยละสิบสอง",
        "ฝนตกหนักทำให้ถนนหลายสายในเขตภาคเหนือถูกน้ำท่วม และโรงเรียนต้องปิดเป็นเวลาสองวัน",
        "นักวิทยาศาสตร์กล่าวว่ากบสายพันธุ์ใหม่อาศัยอยู่เฉพาะในป่าบนภูเขาเล็กๆ แห่งหนึ่งเท่านั้น",
        "ทีมชาติชนะในนัดชิงชนะเลิศสามต่อหนึ่งต่อหน้าแฟนบอลหกหมื่นคน",
        "ราคาข้าวและน้ำมันพืชเพิ่มขึ้นอย่างรวดเร็วเมื่อเดือนที่แล้ว ตามตัวเลขอย่างเป็นทางการ",
        "บริษัทประกาศว่าจะปลดพนักงานหนึ่งพันสองร้อยคน เนื่องจากความต้องการโทรศัพท์รุ่นเก่าลดลง",
        "แพทย์เรียกร้องให้ผู้ที่มีอายุมากกว่าหกสิบห้าปีไปฉีดวัคซีนก่อนฤดูไข้หวัดใหญ่",
        "ทางรถไฟสายใหม่จะเชื่อมเมืองหลวงกับชายฝั่งทะเล และลดเวลาเดินทางลงครึ่งหนึ่ง",
    ],
    "bn": [
        "নগর পরিষদ মঙ্গলবার একটি নতুন বাজেট অনুমোদন করেছে, যাতে গণপরিবহনে ব্যয় ১২ শতাংশ বাড়ানো হয়েছে।",
        "ভারী বৃষ্টিতে উত্তরাঞ্চলের কয়েকটি রাস্তা প্লাবিত হয়েছে এবং দুই দিন স্কুল বন্ধ ছিল।",
        "বিজ্ঞানীরা বলছেন, নতুন আবিষ্কৃত ব্যাঙের প্রজাতিটি কেবল একটি ছোট পাহাড়ি বনে বাস করে।",
        "জাতীয় দল ষাট হাজার দর্শকের সামনে নাটকীয় দ্বিতীয়ার্ধের পর ৩-১ গোলে ফাইনাল জিতেছে।",
        "সরকারি হিসাব অনুযায়ী, গত মাসে চাল ও ভোজ্যতেলের দাম ব্যাপকভাবে বেড়েছে।",
        "পুরোনো ফোনের চাহিদা কমে যাওয়ায় প্রতিষ্ঠানটি ১২০০ কর্মী ছাঁটাইয়ের ঘোষণা দিয়েছে।",
        "চিকিৎসকেরা ৬৫ বছরের বেশি বয়সীদের শীতের ফ্লু মৌসুমের আগে টিকা নেওয়ার আহ্বান জানিয়েছেন।",
        "একটি নতুন রেলপথ রাজধানীকে উপকূলের সঙ্গে যুক্ত করবে এবং যাত্রার সময় অর্ধেকে নামিয়ে আনবে।",
    ],
}

ROUGE_LANGUAGES = tuple(SENTENCES)  # ja, zh, en, es, fr, ru, th, bn among them


def summary_pairs(lang: str, n: int, seed: int = 0) -> list[tuple[str, str]]:
    """`n` (reference, prediction) pairs: 1-2 reference sentences, 1-3 prediction sentences
    drawn from the same pool (so some overlap fully, some partly, some not at all)."""
    rng = random.Random(f"{lang}-{seed}")
    pool = SENTENCES[lang]
    sep = "" if lang in ("ja", "zh") else " "
    pairs = []
    for _ in range(n):
        ref = rng.sample(pool, rng.randint(1, 2))
        pred = rng.sample(pool, rng.randint(1, 3))
        if rng.random() < 0.5:  # a partial copy: drop a quarter of one sentence's words (characters
            # for scripts written without spaces), as a model summary drops details
            units = pred[0].split(" ") if sep else list(pred[0])
            cut = max(1, len(units) // 4)
            start = rng.randint(0, len(units) - cut)
            pred[0] = (sep or "").join(units[:start] + units[start + cut :])
        pairs.append((sep.join(ref), sep.join(pred)))
    return pairs
