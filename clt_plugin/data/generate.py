"""Regenerate the small example data shipped with clt (run by hand; the outputs are committed).

Original text written for this project: arithmetic word problems with worked answers and short
local-news articles with one-sentence summaries, in the paper's eight languages. Numbers vary
per row so every row is distinct. `math_{lang}.jsonl` has id/question/answer;
`xlsum_{lang}.jsonl` follows the XLSum schema (id, url, title, summary, text).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGS = ("en", "es", "fr", "ja", "zh", "ar", "ko", "pt")

# (question, answer); the answer always ends with the final number. c is computed per template.
MATH = {
    "en": [
        (
            "{n} has {a} apples and buys {b} more. How many apples does {n} have now?",
            "{n} starts with {a} apples and buys {b} more, so {a} + {b} = {c}. The answer is {c}.",
        ),
        (
            "A box holds {a} pencils. How many pencils are there in {b} boxes?",
            "Each box holds {a} pencils, so {b} boxes hold {b} × {a} = {c}. The answer is {c}.",
        ),
        (
            "A bus carries {a} passengers and {b} get off at the station. How many passengers are still on the bus?",
            "{a} passengers minus the {b} who get off leaves {a} - {b} = {c}. The answer is {c}.",
        ),
        (
            "{a} cookies are shared equally among {b} children. How many cookies does each child get?",
            "Sharing {a} cookies among {b} children gives {a} ÷ {b} = {c} each. The answer is {c}.",
        ),
    ],
    "es": [
        (
            "{n} tiene {a} manzanas y compra {b} más. ¿Cuántas manzanas tiene {n} ahora?",
            "{n} empieza con {a} manzanas y compra {b} más, así que {a} + {b} = {c}. La respuesta es {c}.",
        ),
        (
            "Una caja contiene {a} lápices. ¿Cuántos lápices hay en {b} cajas?",
            "Cada caja contiene {a} lápices, así que {b} cajas contienen {b} × {a} = {c}. La respuesta es {c}.",
        ),
        (
            "Un autobús lleva {a} pasajeros y {b} se bajan en la estación. ¿Cuántos pasajeros quedan en el autobús?",
            "{a} pasajeros menos los {b} que se bajan dejan {a} - {b} = {c}. La respuesta es {c}.",
        ),
        (
            "Se reparten {a} galletas a partes iguales entre {b} niños. ¿Cuántas galletas recibe cada niño?",
            "Repartir {a} galletas entre {b} niños da {a} ÷ {b} = {c} a cada uno. La respuesta es {c}.",
        ),
    ],
    "fr": [
        (
            "{n} a {a} pommes et en achète {b} de plus. Combien de pommes {n} a-t-elle maintenant ?",
            "{n} commence avec {a} pommes et en achète {b} de plus, donc {a} + {b} = {c}. La réponse est {c}.",
        ),
        (
            "Une boîte contient {a} crayons. Combien de crayons y a-t-il dans {b} boîtes ?",
            "Chaque boîte contient {a} crayons, donc {b} boîtes en contiennent {b} × {a} = {c}. La réponse est {c}.",
        ),
        (
            "Un bus transporte {a} passagers et {b} descendent à la gare. Combien de passagers restent dans le bus ?",
            "{a} passagers moins les {b} qui descendent donnent {a} - {b} = {c}. La réponse est {c}.",
        ),
        (
            "On partage {a} biscuits également entre {b} enfants. Combien de biscuits chaque enfant reçoit-il ?",
            "Partager {a} biscuits entre {b} enfants donne {a} ÷ {b} = {c} chacun. La réponse est {c}.",
        ),
    ],
    "pt": [
        (
            "{n} tem {a} maçãs e compra mais {b}. Quantas maçãs {n} tem agora?",
            "{n} começa com {a} maçãs e compra mais {b}, então {a} + {b} = {c}. A resposta é {c}.",
        ),
        (
            "Uma caixa tem {a} lápis. Quantos lápis há em {b} caixas?",
            "Cada caixa tem {a} lápis, então {b} caixas têm {b} × {a} = {c}. A resposta é {c}.",
        ),
        (
            "Um ônibus leva {a} passageiros e {b} descem na estação. Quantos passageiros continuam no ônibus?",
            "{a} passageiros menos os {b} que descem deixam {a} - {b} = {c}. A resposta é {c}.",
        ),
        (
            "{a} biscoitos são divididos igualmente entre {b} crianças. Quantos biscoitos cada criança recebe?",
            "Dividir {a} biscoitos entre {b} crianças dá {a} ÷ {b} = {c} para cada uma. A resposta é {c}.",
        ),
    ],
    "ja": [
        (
            "{n}さんはりんごを{a}個持っていて、さらに{b}個買いました。{n}さんは今りんごを何個持っていますか？",
            "{n}さんは最初に{a}個持っていて、{b}個買ったので、{a} + {b} = {c}です。答えは{c}です。",
        ),
        (
            "1箱に鉛筆が{a}本入っています。{b}箱では鉛筆は何本になりますか？",
            "1箱に{a}本なので、{b}箱では{b} × {a} = {c}本です。答えは{c}です。",
        ),
        (
            "バスに乗客が{a}人乗っていて、駅で{b}人が降りました。バスには何人残っていますか？",
            "{a}人から降りた{b}人を引くと、{a} - {b} = {c}人です。答えは{c}です。",
        ),
        (
            "クッキー{a}枚を{b}人の子どもで同じ数ずつ分けます。1人何枚もらえますか？",
            "{a}枚を{b}人で分けると、{a} ÷ {b} = {c}枚ずつです。答えは{c}です。",
        ),
    ],
    "zh": [
        (
            "{n}有{a}个苹果，又买了{b}个。{n}现在有多少个苹果？",
            "{n}原来有{a}个苹果，又买了{b}个，所以{a} + {b} = {c}。答案是{c}。",
        ),
        (
            "一个盒子里有{a}支铅笔。{b}个盒子里一共有多少支铅笔？",
            "每个盒子有{a}支铅笔，所以{b}个盒子有{b} × {a} = {c}支。答案是{c}。",
        ),
        (
            "一辆公交车上有{a}名乘客，到站时下去了{b}名。车上还剩多少名乘客？",
            "{a}名乘客减去下车的{b}名，剩下{a} - {b} = {c}名。答案是{c}。",
        ),
        (
            "把{a}块饼干平均分给{b}个孩子。每个孩子分到多少块？",
            "{a}块饼干分给{b}个孩子，每人{a} ÷ {b} = {c}块。答案是{c}。",
        ),
    ],
    "ko": [
        (
            "{n}는 사과를 {a}개 가지고 있고 {b}개를 더 샀습니다. {n}는 지금 사과를 몇 개 가지고 있습니까?",
            "{n}는 처음에 사과 {a}개가 있었고 {b}개를 더 샀으므로 {a} + {b} = {c}입니다. 답은 {c}입니다.",
        ),
        (
            "상자 하나에 연필이 {a}자루 들어 있습니다. 상자 {b}개에는 연필이 모두 몇 자루 있습니까?",
            "상자 하나에 {a}자루씩이므로 상자 {b}개에는 {b} × {a} = {c}자루가 있습니다. 답은 {c}입니다.",
        ),
        (
            "버스에 승객이 {a}명 타고 있었는데 역에서 {b}명이 내렸습니다. 버스에는 몇 명이 남아 있습니까?",
            "{a}명에서 내린 {b}명을 빼면 {a} - {b} = {c}명입니다. 답은 {c}입니다.",
        ),
        (
            "쿠키 {a}개를 어린이 {b}명이 똑같이 나누어 가집니다. 한 명이 몇 개씩 받습니까?",
            "쿠키 {a}개를 {b}명이 나누면 한 명당 {a} ÷ {b} = {c}개입니다. 답은 {c}입니다.",
        ),
    ],
    "ar": [
        (
            "لدى {n} {a} تفاحة واشترت {b} تفاحات أخرى. كم تفاحة لدى {n} الآن؟",
            "بدأت {n} بـ {a} تفاحة واشترت {b} أخرى، إذن {a} + {b} = {c}. الإجابة هي {c}.",
        ),
        (
            "يحتوي الصندوق الواحد على {a} أقلام. كم قلمًا يوجد في {b} صناديق؟",
            "في كل صندوق {a} أقلام، إذن في {b} صناديق {b} × {a} = {c} قلمًا. الإجابة هي {c}.",
        ),
        (
            "تحمل الحافلة {a} راكبًا ونزل {b} منهم في المحطة. كم راكبًا بقي في الحافلة؟",
            "{a} راكبًا ناقص {b} نزلوا يساوي {a} - {b} = {c}. الإجابة هي {c}.",
        ),
        (
            "وُزِّعت {a} قطعة بسكويت بالتساوي على {b} أطفال. كم قطعة يحصل عليها كل طفل؟",
            "توزيع {a} قطعة على {b} أطفال يعطي {a} ÷ {b} = {c} لكل طفل. الإجابة هي {c}.",
        ),
    ],
}

NAMES = {
    "en": "Mia",
    "es": "Lucía",
    "fr": "Claire",
    "pt": "Beatriz",
    "ja": "はるか",
    "zh": "小丽",
    "ko": "지민",
    "ar": "ليلى",
}

# (title, text, summary) with {d} = district number and {k} = a count.
NEWS = {
    "en": [
        (
            "New library opens in District {d}",
            "A new public library opened on Monday in District {d}. The building holds {k} books and has a reading room for children. Local officials said it will stay open every day of the week, including holidays.",
            "District {d} opened a public library with {k} books that will be open every day.",
        ),
        (
            "Bakers' festival draws crowds to District {d}",
            "More than {k} visitors came to the bakers' festival in District {d} over the weekend. Families tasted fresh bread from local ovens and children joined a baking class in the main square.",
            "A bakers' festival in District {d} attracted more than {k} visitors over the weekend.",
        ),
        (
            "Bridge in District {d} to close for repairs",
            "The old bridge in District {d} will close for {k} days while workers replace its wooden deck. Buses will take a detour through the neighbouring streets until the work is finished.",
            "The bridge in District {d} will close for {k} days of repairs, and buses will be rerouted.",
        ),
    ],
    "es": [
        (
            "Abre una nueva biblioteca en el Distrito {d}",
            "El lunes abrió una nueva biblioteca pública en el Distrito {d}. El edificio tiene {k} libros y una sala de lectura para niños. Las autoridades locales dijeron que abrirá todos los días de la semana, incluidos los festivos.",
            "El Distrito {d} inauguró una biblioteca pública con {k} libros que abrirá todos los días.",
        ),
        (
            "El festival de panaderos llena el Distrito {d}",
            "Más de {k} visitantes acudieron el fin de semana al festival de panaderos del Distrito {d}. Las familias probaron pan recién hecho en los hornos del barrio y los niños participaron en un taller en la plaza mayor.",
            "Un festival de panaderos en el Distrito {d} atrajo a más de {k} visitantes el fin de semana.",
        ),
        (
            "El puente del Distrito {d} cerrará por obras",
            "El viejo puente del Distrito {d} cerrará durante {k} días mientras los obreros cambian su tablero de madera. Los autobuses tomarán un desvío por las calles cercanas hasta que terminen las obras.",
            "El puente del Distrito {d} cerrará {k} días por obras y los autobuses se desviarán.",
        ),
    ],
    "fr": [
        (
            "Une nouvelle bibliothèque ouvre dans le district {d}",
            "Une nouvelle bibliothèque publique a ouvert lundi dans le district {d}. Le bâtiment compte {k} livres et une salle de lecture pour les enfants. Les élus locaux ont indiqué qu'elle sera ouverte tous les jours, y compris les jours fériés.",
            "Le district {d} a ouvert une bibliothèque publique de {k} livres, ouverte tous les jours.",
        ),
        (
            "La fête des boulangers attire la foule dans le district {d}",
            "Plus de {k} visiteurs se sont rendus ce week-end à la fête des boulangers du district {d}. Les familles ont goûté du pain sorti des fours du quartier et les enfants ont suivi un atelier sur la place principale.",
            "La fête des boulangers du district {d} a attiré plus de {k} visiteurs ce week-end.",
        ),
        (
            "Le pont du district {d} fermé pour travaux",
            "Le vieux pont du district {d} sera fermé pendant {k} jours le temps de remplacer son tablier en bois. Les bus emprunteront une déviation par les rues voisines jusqu'à la fin des travaux.",
            "Le pont du district {d} fermera {k} jours pour travaux et les bus seront déviés.",
        ),
    ],
    "pt": [
        (
            "Nova biblioteca abre no Distrito {d}",
            "Uma nova biblioteca pública abriu na segunda-feira no Distrito {d}. O prédio tem {k} livros e uma sala de leitura para crianças. As autoridades locais disseram que ela ficará aberta todos os dias da semana, inclusive nos feriados.",
            "O Distrito {d} abriu uma biblioteca pública com {k} livros que funcionará todos os dias.",
        ),
        (
            "Festival de padeiros lota o Distrito {d}",
            "Mais de {k} visitantes foram ao festival de padeiros do Distrito {d} no fim de semana. As famílias provaram pão fresco dos fornos do bairro e as crianças participaram de uma oficina na praça principal.",
            "Um festival de padeiros no Distrito {d} atraiu mais de {k} visitantes no fim de semana.",
        ),
        (
            "Ponte do Distrito {d} vai fechar para reparos",
            "A velha ponte do Distrito {d} ficará fechada por {k} dias enquanto os operários trocam o seu piso de madeira. Os ônibus farão um desvio pelas ruas vizinhas até o fim das obras.",
            "A ponte do Distrito {d} ficará fechada por {k} dias para reparos e os ônibus serão desviados.",
        ),
    ],
    "ja": [
        (
            "第{d}地区に新しい図書館が開館",
            "月曜日、第{d}地区に新しい公立図書館が開館しました。館内には{k}冊の本と子ども向けの読書室があります。地元の担当者によると、祝日も含めて毎日開館するということです。",
            "第{d}地区に{k}冊の本をそろえた公立図書館が開館し、毎日開館する。",
        ),
        (
            "パン祭りで第{d}地区がにぎわう",
            "週末、第{d}地区で開かれたパン祭りに{k}人を超える来場者が訪れました。家族連れは地元のかまどで焼いたパンを味わい、子どもたちは中央広場でパン作り教室に参加しました。",
            "第{d}地区のパン祭りに週末、{k}人を超える人が訪れた。",
        ),
        (
            "第{d}地区の橋、補修のため通行止めに",
            "第{d}地区の古い橋が、木製の床板を取り替える工事のため{k}日間通行止めになります。工事が終わるまで、バスは近くの通りを迂回して運行します。",
            "第{d}地区の橋が補修工事で{k}日間通行止めとなり、バスは迂回する。",
        ),
    ],
    "zh": [
        (
            "第{d}区新图书馆开馆",
            "周一，第{d}区一座新的公共图书馆正式开馆。馆内藏书{k}册，还设有儿童阅览室。当地官员表示，图书馆每天开放，节假日也不例外。",
            "第{d}区新开一座藏书{k}册的公共图书馆，每天开放。",
        ),
        (
            "面包节吸引大批市民前往第{d}区",
            "周末，超过{k}名游客来到第{d}区参加面包节。一家人品尝了本地烤炉刚出炉的面包，孩子们还在中心广场参加了烘焙课。",
            "第{d}区面包节周末吸引了超过{k}名游客。",
        ),
        (
            "第{d}区大桥将封闭维修",
            "第{d}区的老桥将封闭{k}天，工人们将更换桥面的木板。在工程结束之前，公交车将绕行附近的街道。",
            "第{d}区大桥将封闭{k}天进行维修，公交车改道绕行。",
        ),
    ],
    "ko": [
        (
            "제{d}구에 새 도서관 개관",
            "월요일 제{d}구에 새 공공 도서관이 문을 열었습니다. 도서관에는 책 {k}권과 어린이 열람실이 있습니다. 구청 관계자는 공휴일을 포함해 매일 문을 연다고 밝혔습니다.",
            "제{d}구에 책 {k}권을 갖춘 공공 도서관이 문을 열었으며 매일 운영된다.",
        ),
        (
            "제빵 축제에 제{d}구 인파 몰려",
            "주말 동안 제{d}구에서 열린 제빵 축제에 {k}명이 넘는 방문객이 찾아왔습니다. 가족들은 동네 화덕에서 갓 구운 빵을 맛보았고 아이들은 중앙 광장에서 제빵 교실에 참여했습니다.",
            "제{d}구 제빵 축제에 주말 동안 {k}명이 넘는 방문객이 찾았다.",
        ),
        (
            "제{d}구 다리, 보수 공사로 통행 금지",
            "제{d}구의 오래된 다리가 나무 상판을 교체하는 공사로 {k}일 동안 통행이 금지됩니다. 공사가 끝날 때까지 버스는 인근 도로로 우회합니다.",
            "제{d}구 다리가 보수 공사로 {k}일간 통행 금지되고 버스는 우회한다.",
        ),
    ],
    "ar": [
        (
            "افتتاح مكتبة جديدة في الحي {d}",
            "افتُتحت يوم الاثنين مكتبة عامة جديدة في الحي {d}. يضم المبنى {k} كتاب وقاعة مطالعة للأطفال. وقال المسؤولون المحليون إنها ستفتح أبوابها كل يوم بما في ذلك أيام العطل.",
            "افتتح الحي {d} مكتبة عامة تضم {k} كتاب وستفتح أبوابها كل يوم.",
        ),
        (
            "مهرجان الخبازين يجذب الحشود إلى الحي {d}",
            "زار أكثر من {k} شخص مهرجان الخبازين في الحي {d} خلال عطلة نهاية الأسبوع. تذوقت العائلات الخبز الطازج من أفران الحي وشارك الأطفال في درس للخبز في الساحة الرئيسية.",
            "جذب مهرجان الخبازين في الحي {d} أكثر من {k} زائر في عطلة نهاية الأسبوع.",
        ),
        (
            "إغلاق جسر الحي {d} للصيانة",
            "سيُغلق الجسر القديم في الحي {d} لمدة {k} يومًا بينما يستبدل العمال أرضيته الخشبية. وستسلك الحافلات طريقًا بديلًا عبر الشوارع المجاورة حتى انتهاء الأعمال.",
            "سيُغلق جسر الحي {d} لمدة {k} يومًا للصيانة وستُحوَّل الحافلات إلى طريق آخر.",
        ),
    ],
}


def math_rows(lang: str) -> list[dict]:
    rows = []
    for i in range(8):
        a, b = 12 + 7 * i, 3 + i
        values = [(a, b, a + b), (a, b, a * b), (a + b + 5, b, a + 5), (a * b, b, a)]
        for t, ((q, ans), (x, y, c)) in enumerate(zip(MATH[lang], values)):
            fill = {"n": NAMES[lang], "a": x, "b": y, "c": c}
            rows.append({"id": f"math-{t}-{i}", "question": q.format(**fill), "answer": ans.format(**fill)})
    return rows


def news_rows(lang: str) -> list[dict]:
    rows = []
    for d in range(1, 11):
        for t, (title, text, summary) in enumerate(NEWS[lang]):
            fill = {"d": d, "k": 40 * d + 15 * t + 20}
            rows.append(
                {
                    "id": f"news-{t}-{d:02d}",
                    "url": f"https://example.org/{lang}/news-{t}-{d:02d}",
                    "title": title.format(**fill),
                    "summary": summary.format(**fill),
                    "text": text.format(**fill),
                }
            )
    return rows


def main() -> None:
    for lang in LANGS:
        for name, rows in (("math", math_rows(lang)), ("xlsum", news_rows(lang))):
            with open(HERE / f"{name}_{lang}.jsonl", "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
