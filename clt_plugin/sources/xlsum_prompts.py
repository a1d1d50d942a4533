"""Summarization instructions for XLSum, one per language, written in that language.

Each template receives ``{title}`` and ``{text}``. A model trained on these learns to answer a
request in language X with a summary in language X, which is what the fidelity metrics check.
The paper's eight were written with most care; the other native templates are best efforts that
a native speaker should review. Languages without one get an English instruction that names the
language (FALLBACK_LANGUAGES lists them, so the gap stays visible).
"""

from __future__ import annotations

from clt_plugin.languages import LANGUAGES, XLSUM_LANGUAGES

_NATIVE: dict[str, str] = {
    "en": "Summarize the following news article in one or two sentences.\n\nTitle: {title}\n\n{text}",
    "es": "Resume la siguiente noticia en una o dos frases.\n\nTítulo: {title}\n\n{text}",
    "fr": "Résume l'article de presse suivant en une ou deux phrases.\n\nTitre : {title}\n\n{text}",
    "pt": "Resuma a seguinte notícia em uma ou duas frases.\n\nTítulo: {title}\n\n{text}",
    "ja": "次のニュース記事を一、二文で要約してください。\n\nタイトル：{title}\n\n{text}",
    "zh": "请用一两句话概括下面这篇新闻报道。\n\n标题：{title}\n\n{text}",
    "zh-Hant": "請用一兩句話概括下面這篇新聞報導。\n\n標題：{title}\n\n{text}",
    "ko": "다음 뉴스 기사를 한두 문장으로 요약하세요.\n\n제목: {title}\n\n{text}",
    "ar": "لخّص المقال الإخباري التالي في جملة أو جملتين.\n\nالعنوان: {title}\n\n{text}",
    "ru": "Кратко изложите следующую новостную статью в одном-двух предложениях.\n\nЗаголовок: {title}\n\n{text}",
    "uk": "Коротко перекажіть наступну новинну статтю в одному-двох реченнях.\n\nЗаголовок: {title}\n\n{text}",
    "tr": "Aşağıdaki haber makalesini bir veya iki cümleyle özetleyin.\n\nBaşlık: {title}\n\n{text}",
    "id": "Ringkaslah artikel berita berikut dalam satu atau dua kalimat.\n\nJudul: {title}\n\n{text}",
    "vi": "Hãy tóm tắt bài báo sau trong một hoặc hai câu.\n\nTiêu đề: {title}\n\n{text}",
    "hi": "निम्नलिखित समाचार लेख का एक या दो वाक्यों में सारांश लिखिए।\n\nशीर्षक: {title}\n\n{text}",
    "sw": "Fupisha makala ifuatayo ya habari kwa sentensi moja au mbili.\n\nKichwa: {title}\n\n{text}",
    "fa": "مقالهٔ خبری زیر را در یک یا دو جمله خلاصه کنید.\n\nعنوان: {title}\n\n{text}",
    "cy": "Crynhowch yr erthygl newyddion ganlynol mewn un neu ddwy frawddeg.\n\nTeitl: {title}\n\n{text}",
    "pcm": "Summarize dis news tori for one or two sentence.\n\nTitle: {title}\n\n{text}",
    "bn": "নিচের সংবাদ প্রতিবেদনটি এক বা দুই বাক্যে সংক্ষেপ করুন।\n\nশিরোনাম: {title}\n\n{text}",
    "th": "สรุปบทความข่าวต่อไปนี้ให้เหลือหนึ่งหรือสองประโยค\n\nหัวข้อ: {title}\n\n{text}",
    "ur": "درج ذیل خبر کا ایک یا دو جملوں میں خلاصہ لکھیں۔\n\nعنوان: {title}\n\n{text}",
    "ps": "لاندې خبري مقاله په يوه يا دوو جملو کې لنډه کړئ.\n\nسرليک: {title}\n\n{text}",
    "az": "Aşağıdakı xəbər məqaləsini bir və ya iki cümlə ilə xülasə edin.\n\nBaşlıq: {title}\n\n{text}",
    "uz": "Quyidagi yangilik maqolasini bir yoki ikki jumlada qisqacha bayon qiling.\n\nSarlavha: {title}\n\n{text}",
    "ky": "Төмөнкү жаңылык макаласын бир же эки сүйлөм менен кыскача баяндаңыз.\n\nАталышы: {title}\n\n{text}",
    "sr": "Укратко сажмите следећи новински чланак у једној или две реченице.\n\nНаслов: {title}\n\n{text}",
    "sr-Latn": "Ukratko sažmite sledeći novinski članak u jednoj ili dve rečenice.\n\nNaslov: {title}\n\n{text}",
    "mr": "खालील बातमीचा एक किंवा दोन वाक्यांत सारांश लिहा.\n\nशीर्षक: {title}\n\n{text}",
    "ne": "तलको समाचार लेखलाई एक वा दुई वाक्यमा सारांश गर्नुहोस्।\n\nशीर्षक: {title}\n\n{text}",
    "gu": "નીચેના સમાચાર લેખનો એક કે બે વાક્યમાં સારાંશ આપો.\n\nશીર્ષક: {title}\n\n{text}",
    "pa": "ਹੇਠਾਂ ਦਿੱਤੇ ਖ਼ਬਰ ਲੇਖ ਦਾ ਇੱਕ ਜਾਂ ਦੋ ਵਾਕਾਂ ਵਿੱਚ ਸਾਰ ਲਿਖੋ।\n\nਸਿਰਲੇਖ: {title}\n\n{text}",
    "ta": "பின்வரும் செய்திக் கட்டுரையை ஒன்று அல்லது இரண்டு வாக்கியங்களில் சுருக்கமாக எழுதுங்கள்.\n\nதலைப்பு: {title}\n\n{text}",
    "te": "క్రింది వార్తా కథనాన్ని ఒకటి లేదా రెండు వాక్యాలలో సంక్షిప్తంగా రాయండి.\n\nశీర్షిక: {title}\n\n{text}",
    "am": "የሚከተለውን የዜና ጽሑፍ በአንድ ወይም በሁለት ዓረፍተ ነገሮች አጠቃልሉ።\n\nርዕስ: {title}\n\n{text}",
}

_FALLBACK = (
    "Summarize the following {name} news article in {name}, in one or two sentences.\n\nTitle: {{title}}\n\n{{text}}"
)

FALLBACK_LANGUAGES: tuple[str, ...] = tuple(c for c in XLSUM_LANGUAGES if c not in _NATIVE)

TEMPLATES: dict[str, str] = {
    code: _NATIVE.get(code) or _FALLBACK.format(name=LANGUAGES[code].name) for code in XLSUM_LANGUAGES
}


def prompt(lang: str, title: str, text: str) -> str:
    template = TEMPLATES.get(lang) or _FALLBACK.format(name=LANGUAGES[lang].name)
    return template.format(title=title.strip(), text=text.strip())
