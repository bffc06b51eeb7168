"""Corrections to the stopword lists (``stopwordsiso``) for chat, by language (``text/words.py`` reads
them besides the language's list):

- **Chat words**: words too common in chat to say what a group talks about, which the lists leave out:
  greetings and thanks (in sixteen languages), how a chat hails its members ("galera", "pessoal",
  "guys", "ребята"), fillers, the unaccented spellings chat uses ("voce", "nao", "entao"), Russian chat
  spellings ("щас", "чё") and swearing used as filler ("бля", "нахуй"),
  Chinese fillers ("觉得", "一下"). Laughter in any language ("kkkk", "rsrs", "ахахах", "wkwk", "ههههه", "哈哈哈") is a rule of
  ``text/words.py``, not a list: it is written at any length.
- **Filler in every form**: generic nouns a list names in one form only (Russian ``вопрос``), whose
  other forms ("вопросы", "вопросов") would count under the same stem: every form of them is left out.
- **Lists not read**: stopwordsiso's Malay list, a list of the frequent words of news (``LISTS_NOT_READ``);
  Urdu's, garbled, is read, but its function words are named here as Urdu writes them; Ukrainian's, of
  73 words, is read with the function words it lacks; Uzbek, which has none, has its function words here.
- **Content words**: what a list holds that says what a group talks about. stopwordsiso's Russian list
  is a union of lists, one of them of frequent words, and holds ``война``, ``деньги``, ``москва``,
  ``работа``: a group about them showed them only where inflected (``городе``, never ``город``). The
  other lists hold a few (Portuguese ``trabalho``, Italian ``città``).
"""

from __future__ import annotations

PORTUGUESE = frozenset(
    """
    abaixo acima agora ainda além algo algum alguma algumas alguns alguém ali aliás ambos ante antes
    ao aos apenas apesar após aquela aquelas aquele aqueles aquilo aqui as assim até através bem cada
    coisa coisas com como contra contudo cujo cuja cujos cujas da das de dela delas dele deles demais
    dentro depois desde dessa dessas desse desses desta destas deste destes deve devem devia dia dias
    disso disto dito diz dizer do dois dos duas durante ela elas ele eles em embora enquanto entre era
    eram éramos essa essas esse esses esta estas este estes está estão estamos estar estava estavam
    estávamos esteja estejam estou esteve estive estivemos estiveram estivesse eu faz fazer fez foi
    fomos for foram forem fosse fossem fui há haja hajam havia houve isso isto já lhe lhes lá mais mas
    me mesma mesmas mesmo mesmos meu meus minha minhas muita muitas muito muitos na nas nem nenhum
    nenhuma nessa nessas nesse nesses nesta nestas neste nestes ninguém no nos nós nossa nossas nosso
    nossos num numa não nunca onde ora os ou outra outras outro outros para pela pelas pelo pelos
    perante pois por porque porquê pouca poucas pouco poucos pode podem podia pode pôde posso pra pro
    pras pros qual quais qualquer quando quanto quantos quantas que quem se seja sejam sem sempre ser
    será serão seria seriam seu seus si sido sob sobre sua suas são só tal também tampouco tanto tão
    te tem têm temos tenho ter teu teus teve tinha tinham tive tivemos tiveram toda todas todo todos
    tu tua tuas tudo um uma umas uns vai vamos vão você vocês vos vou é às
    acho aí aqui bom boa beleza cara então gente hoje isso né ok okay olá oi obrigado obrigada sim
    tá tão tô vcs voces voce você vocês nao não entao então tambem também ate até esta está estao
    estão ja já so só ne né ai aí la lá sao são tb tbm vc pq q kkk kkkk kkkkk rs rsrs haha hahaha
    aqui ali ser sendo ficar fica ficou vai vem veio ver vejo sei saber quer queria quero
    galera pessoal valeu vlw concordo parabéns parabens fiz fizemos fizeram consigo consegui conseguiu
    consegue conseguimos
    """.split()
)

ENGLISH = frozenset(
    """
    about above after again against all also and any are aren't because been before being below
    between both but can can't cannot could couldn't did didn't does doesn't doing don't down during
    each few for from further get got had hadn't has hasn't have haven't having her here hers herself
    him himself his how i'd i'll i'm i've into isn't it's its itself just let's like more most much
    mustn't myself nor not now off once only other ought our ours ourselves out over own same shan't
    she she'd she'll she's should shouldn't some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've this those through too
    under until very was wasn't we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves yes yeah yep ok okay thanks thank please thx lol haha
    hey guys bye one two also even still really well know think want going gonna wanna say said make made
    """.split()
)

RUSSIAN = frozenset(
    """
    привет приветик приветствую здравствуйте здрасте здрасьте добрый доброе доброго спасибо спасибки
    спс пасиб благодарю пожалуйста пжлст пжл плиз плз ага угу ок окей оке норм нормально ладно
    лан давай давайте дай типа короче кароче кстати кст ваще реально прям прямо щас ща чё чо че шо
    што тож наверное наверно вроде походу видимо конечно понял поняла поняли понятно знаю знаешь знает
    думаю думаешь хочу хочешь хочет хотел хотела хочется можешь сделал сделала сделали начал начала
    начали смотри посмотри слушай скажи напиши пиши ребята ребят мужики всем скоро завтра вчера
    красавчик лол имхо хз
    бля блин блять блядь сука нахуй нахер нафиг пизда пиздец ебать епта хуй
    """.split()
)

CHINESE = frozenset(
    """
    觉得 知道 一下 不了 今天 明天 昨天 现在 没有 已经 真的 感觉 应该 可能 好的 谢谢 上次 下次 东西 其实
    是不是 有点 一点 好像 今年 不要 不会 需要 看看 一起 一直 比较 问题
    """.split()
)

# Other languages' greetings, thanks, yes and no, and how a chat hails its members: a Persian group's
# "سلام" was its fifth topic.
GREETINGS = {
    "fa": "سلام درود مرسی ممنون ممنونم متشکرم مچکرم دوستان عزیز عزیزم باشه اوکی چطورید چطوری",
    "ar": "السلام عليكم سلام مرحبا اهلا أهلا شكرا شكراً تمام طيب يا جماعة",
    "id": "halo hai selamat pagi siang sore malam terima kasih makasih thanks thx oke sip iya gan bro sis kak guys",
    "ms": "halo hai selamat pagi terima kasih oke",
    "es": "hola gracias saludos vale okey porfa",
    "tr": "merhaba selam selamlar teşekkürler teşekkür ederim sağol sağolun evet hayır günaydın",
    "de": "hallo danke bitte okay genau moin servus tschüss leute",
    "fr": "salut bonjour bonsoir merci oui mdr ptdr",
    "it": "ciao grazie buongiorno buonasera ragazzi",
    "uk": "привіт дякую будь ласка добре добраніч",
    # Vietnamese is written a syllable a word: "xin chào", "cảm ơn" are two each
    "vi": "chào xin cảm ơn nha oke hả",
    # a real Uzbek group's top keyword was Assalomu, written with aleykum, alaykum and alekum
    "uz": "assalomu alaykum aleykum alekum salom rahmat raxmat xayr xop xo'p mayli hammaga",
}

# The stopword lists not read at all. stopwordsiso's Malay list is a list of the frequent words of news:
# besides its function words it holds "rumah", "makanan", "ekonomi", "politik", "islam", "indonesia",
# "teknologi", "saham", and Indonesian is read with Malay's stopwords (CLD2 tells the two apart by a few
# words only): an Indonesian group never saw those as topics. Malay reads the Indonesian list, and these
# Malay function words it lacks, instead.
LISTS_NOT_READ = frozenset({"ms"})
MALAY = frozenset(
    """
    bahawa iaitu kerana sahaja tiada mahu selepas semalam sebarang menerusi berbanding berikutan
    memandangkan ramai mengikut beliau baharu berkaitan berdasarkan hadapan kalangan kali sebahagian segi
    lepas pelbagai perkara
    """.split()
)

# stopwordsiso's Urdu list has letters swapped (ثہت for بہت, هیں for میں) that no rule undoes: Urdu's
# commonest function words, as Urdu writes them.
URDU = frozenset(
    """
    ہے ہیں میں کے کی کا کو سے نے اور یہ وہ بہت سکتا سکتی سکتے تھا تھی تھے ہو ہوں گا گی گے جو کیا کیوں
    نہیں نہ بھی تو پر ایک اس ان اپنا اپنی اپنے کر کرنا کرتے کرتا کریں رہا رہی رہے ہوا ہوئی ہوئے جب تک اب
    ہم آپ تم مجھے ہمیں لیکن یا اگر کچھ سب کون کہاں یہاں وہاں کہ
    """.split()
)

# stopwordsiso's Ukrainian list has 73 words: none of його, мене, треба, можна, буде, або, там, знов, and a
# real Ukrainian chat's top keywords were those. Ukrainian's commonest function words, the chat's
# colloquial ones (шо, всьо, тіко, йой, каже) and its swearing used as filler (хуй знає, ніхуя, єбать).
UKRAINIAN = frozenset(
    """
    я мене мені мною ти тебе тобі тобою він його йому ним нього ньому нім вона її їй нею неї ній воно ми
    нас нам нами ви вас вам вами вони їх їм ними них собі себе собою мій моя моє мої мого моєї моєму моїм
    моїх твій твоя твоє твої твого твоєї твоєму твоїм твоїх свій своя своє свої свого своєї своєму своїм
    своїх наш наша наше наші нашого нашої нашому нашим наших ваш ваша ваше ваші вашого вашої вашому вашим
    ваших їхній їхня їхнє їхні цей ця це ці цього цієї цьому цим цих цю той те ті того тієї тому тим тих
    ту такий така таке такі такого такої таким таких хто кого кому ким що чого чому чим яка яке які якого
    якому яким яких яку куди звідки скільки навіщо вся всі всього всієї всьому всім всю кожен кожна кожне
    кожного сам сама саме самі самого інший інша інше інші іншого хтось щось десь колись якось ніхто ніщо
    нічого нікого ніде ніколи ніяк в у на до з із зі від під над за перед між через про для без біля по
    при після крізь серед щодо і та а але або чи щоб аби якщо бо тому тож теж ніж наче ніби поки доки
    адже отже не ні ж же би вже ще тільки лише ось тут там туди сюди тоді потім зараз іноді часто трохи
    дуже багато мало більше менше можна треба потрібно нема немає буде будуть буду будеш будемо будете
    може можеш знаю знаєш знає хочу хочеш хоче думаю каже кажу кажеш казав казала сказав сказала знов
    знову просто ну ага угу ок окей норм нормально ладно типу короче мабуть напевно звісно шо чо нічо
    всьо тіко щас зара ваще йой хуй ніхуя нахуй схуя бля блять пиздець піздєц єбать заєбісь йобаний
    йобана йобане
    """.split()
)

# stopwordsiso has no Uzbek list: Uzbek's commonest function words, as its Latin alphabet writes them.
UZBEK = frozenset(
    """
    men sen biz siz ular meni seni uni bizni sizni ularni menga senga unga bizga sizga ularga mening sening
    uning bizning sizning ularning o'zi o'zim o'zing o'zimiz o'zingiz o'zlari shu o'sha bular shular
    ushbu bilan uchun lekin ammo biroq yoki agar chunki shuning shunday balki hamda ya'ni endi hali yana
    juda eng faqat hatto albatta esa deb emas edi ekan bor yo'q kerak mumkin barcha hamma hammasi har
    hech nima nega qanday qachon qayerda qayer kim qaysi necha qancha bo'yicha haqida orqali keyin oldin
    so'ng bir bo'lgan bo'ladi bo'lsa bo'lib bugun
    """.split()
)

# By ISO 639-1 code: the words each language's messages leave out besides its stopword list.
OF_LANGUAGE: dict[str, frozenset[str]] = {
    **{code: frozenset(words.split()) for code, words in GREETINGS.items()},
    "pt": PORTUGUESE,
    "en": ENGLISH,
    "ru": RUSSIAN,
    "zh": CHINESE,
    "ms": frozenset(GREETINGS["ms"].split()) | MALAY,
    "ur": URDU,
    "uk": frozenset(GREETINGS["uk"].split()) | UKRAINIAN,
    "uz": frozenset(GREETINGS["uz"].split()) | UZBEK,
}

# Generic nouns left out in every form: whatever shares the stem of one of these (``text/words.py``).
# Irregular forms (день, дня) are named apart.
IN_EVERY_FORM: dict[str, frozenset[str]] = {
    "ru": frozenset("вопрос человек люди год день дня дней раз время дело утро вечер ночь".split()),
}

# What the stopword lists hold that says what a group talks about: a term after all.
CONTENT_WORDS: dict[str, frozenset[str]] = {
    "ru": frozenset(
        """
        белый вода война глаз голова голос город дверь деньги дом дорога душа жена женщина жизнь земля
        книга комната лицо машина мать мир мира москва народ нога окно отец плечо путь работа работать
        ребенок россия рука русский сила советский стол страна товарищ улица
        """.split()
    ),
    # the other lists, read through whole (2026-12-07): their few topic words (work, travel, a city, a house)
    "pt": frozenset("trabalho trabalhar viagem".split()),
    "es": frozenset("trabajo trabajar trabaja trabajan trabajamos trabajas trabajais pais paìs".split()),
    "it": frozenset("città citta paese comprare ansa piedi".split()),
    "de": frozenset(["gott"]),
    "id": frozenset(["bekerja"]),
    "ar": frozenset(["زيارة"]),
    "hi": frozenset(["घर"]),
    "bg": frozenset("евтин новина син юмрук".split()),
    "no": frozenset(["arbeid"]),
    "da": frozenset(["far"]),
    "fi": frozenset(["kukka"]),
    "he": frozenset(["נגר"]),
    "ro": frozenset(["halbă"]),
}
