"""The word rule (text/words.py) and the language of a text (text/language.py), case by case: how each
script's words are written, and what is a term."""

from __future__ import annotations

import pytest
from telegram_pipeline.text import language, words


def terms(text: str, code: str | None) -> dict[str, str]:
    keys, forms = words.terms_of(text, code)
    return dict(zip(keys, forms, strict=True))


def test_arabic_marks_and_tatweel_and_letter_variants_make_one_word():
    spellings = ["الله", "اللَّه", "اللّٰه", "ٱللَّٰهِ", "اللــه", "اللَّهُ"]
    found = {key for spelling in spellings for key in terms(f"{spelling} أكبر", "ar") if " " not in key}
    assert len(found - set(terms("أكبر", "ar"))) == 1
    assert terms("إسلام", "ar").keys() == terms("اسلام", "ar").keys()  # hamza under alef: the same letter


def test_a_zero_width_non_joiner_keeps_a_persian_word_whole():
    found = terms("همنشین‌اش را دیدم", "fa")
    assert "همنشین‌اش" in found.values() and "اش" not in found  # not cut into همنشین + اش
    assert set(terms("کتاب‌ها", "fa")) == set(terms("کتاب", "fa"))  # the plural is the same term


def test_a_zero_width_joiner_keeps_a_sinhala_word_whole():
    assert "ශ්‍රී" in terms("ශ්‍රී ලංකාව", "si").values()


def test_two_letter_words_count_in_capitals_only():
    assert {"ии", "ai", "ux"} <= set(terms("ИИ меняет UX, и AI тоже", "ru"))
    assert not {"ии", "ai", "ux"} & set(terms("ии и ai и ux", "ru"))
    assert "ok" not in terms("OK, combinado", "pt")  # a stopword in capitals is still a stopword


def test_inflected_forms_are_one_term_shown_as_written():
    found = {terms(f"{form} готов", "ru").popitem()[0] for form in ("диплом", "диплому", "дипломом", "диплома")}
    assert len({key.split()[0] for key in found}) == 1  # Russian's stemmer, applied twice
    assert terms("Diplomas", "en")["diploma"] == "Diplomas"


def test_the_second_russian_pass_takes_off_an_ending_never_a_stems_own_vowel():
    assert len({key for form in ("диплом", "дипломы", "дипломом") for key in terms(form, "ru")}) == 1
    assert set(terms("видео", "ru")) != set(terms("виды", "ru"))  # video and kinds: two terms
    assert set(terms("начал", "ru")) == set(terms("начала", "ru")) == set()  # chat words, both


def test_laughter_is_no_term_at_any_length_in_any_script():
    laughs = {
        "pt": "kkkkkk rsrsrs hahaha",
        "es": "jajajaja jejeje",
        "en": "hahahah hehe aha",
        "id": "wkwkwk wkwk",
        "ru": "Хаахахахахаххахахахахахахаахах ахахах хехе",
        "fa": "ههههه خخخخخ",
        "ar": "هههههه",
        "zh": "哈哈哈哈 呵呵 嘻嘻",
    }
    for code, text in laughs.items():
        assert not terms(text, code), (code, terms(text, code))
    assert "haha" not in terms("Hahaha, the hash is wrong", "en") and "hash" in terms("the hash", "en")


def test_russian_chat_words_and_swearing_are_no_terms():
    # the top keywords of a real Russian group before (tests/data: malodyschev_supergroup_ru_2026.json)
    assert not terms("бля нахуй сука пизда Угу щас чё Мужики", "ru")
    assert list(terms("Скоро диплом", "ru").values()) == ["диплом"]


def test_a_content_word_of_the_russian_list_counts_in_every_form():
    for forms in (("город", "городе", "города"), ("война", "войны", "войне"), ("деньги", "деньгами")):
        keys = [set(terms(form, "ru")) for form in forms]
        assert keys[0] and all(key == keys[0] for key in keys), (forms, keys)


@pytest.mark.parametrize(
    ("code", "forms"),
    [
        ("pt", ("trabalho", "trabalhos")),
        ("es", ("trabajo", "trabajos")),
        ("it", ("paese", "paesi")),
        ("no", ("arbeid", "arbeidet")),
        ("de", ("Gott", "Gottes")),
    ],
)
def test_a_topic_word_of_another_stopword_list_counts_in_every_form(code, forms):
    keys = [set(terms(form, code)) for form in forms]
    assert keys[0] and all(key == keys[0] for key in keys), keys


def test_greek_and_lithuanian_function_words_are_stopwords_as_their_text_writes_them():
    # stopwordsiso writes Greek's without accents (αλλα, η∆η) and Lithuanian's misread from Windows-1257 (prieð)
    assert list(terms("αλλά ακόμα όμως ήδη ίδιο, η θάλασσα", "el").values()) == ["θάλασσα"]
    assert list(terms("dėl to, prieš šitokia jūra", "lt").values()) == ["jūra"]


def test_urdu_function_words_are_stopwords_though_the_list_is_garbled():
    found = terms("یہ بہت اچھا ہے اور میں بھی کرکٹ دیکھ رہا ہوں، آپ کا کیا خیال ہے؟", "ur")
    assert {form for key, form in found.items() if " " not in key} == {"اچھا", "کرکٹ", "دیکھ", "خیال"}


def test_ukrainian_function_words_are_stopwords_though_the_list_has_73_words():
    # a real Ukrainian chat's top keywords were Треба, буде, Можна, його, мене (tests/data/personal_chat_uk_2024.json)
    found = terms("Треба до неділі обрати тему диплому, буде можна? У мене його нема, тому ще й ніхуя", "uk")
    assert {form for key, form in found.items() if " " not in key} == {"неділі", "обрати", "тему", "диплому"}


def test_ukrainian_chat_says_and_swears_in_no_term():
    # the same chat two years on (github.com/AdobyY/Telegram-chat-analyzer, result.json): Єбать and каже were
    # among its top keywords
    found = terms("Я єбать і забула за то відео. Вона каже шо ми родичі, нормально? Заєбісь, ладно", "uk")
    assert {form for key, form in found.items() if " " not in key} == {"забула", "відео", "родичі"}


def test_uzbek_function_words_are_stopwords_though_no_list_has_them():
    # a real Uzbek channel's first post (github.com/Python-2022I/telegram_channel_lesson, data/result.json)
    found = terms("Assalomu alaykum hammaga!\n\nBu kanalda kurs uchun kerakli bo'lgan barcha ma'lumotlar", "uz")
    assert {form for key, form in found.items() if " " not in key} == {"kanalda", "kurs", "kerakli", "ma'lumotlar"}


def test_a_generic_noun_is_no_term_in_any_form():
    assert not terms("вопрос вопросы вопросов вопросами человек человека люди людей года году время времени", "ru")


def test_chinese_chat_words_are_no_terms():
    found = terms("我觉得今天的香菜一下就没有了", "zh")
    assert "香菜" in found and not {"觉得", "今天", "一下", "没有"} & set(found)


@pytest.mark.parametrize(
    ("code", "greeting", "word"),
    [
        # a real Persian group's fifth topic was سلام (AidinProgrammer/telegram-tag-clouds, src/data/result.json)
        ("fa", "سلام دوستان، ممنون", "کتاب"),
        ("ar", "السلام عليكم يا جماعة، شكرا", "كتاب"),
        ("id", "Halo guys, terima kasih gan", "kopi"),
        ("es", "Hola, gracias, vale", "casa"),
        ("tr", "Merhaba, teşekkürler, evet", "kitap"),
        ("de", "Hallo Leute, danke", "Haus"),
        ("fr", "Salut, merci, mdr", "maison"),
        ("it", "Ciao ragazzi, grazie", "casa"),
        ("uk", "Привіт, дякую, добраніч", "книга"),
        # a real group's English writes Guys, Hey guys (tests/data/supergroup_it_es_2025.json)
        ("en", "Hey guys, thx", "coffee"),
        # a real Uzbek group's top keyword was Assalomu (tests/data/private_group_uz_2022.json)
        ("uz", "Assalomu alaykum, rahmat", "kitob"),
        (
            "vi",
            "Xin chào, cảm ơn nha",
            "phở",
        ),  # nha: second topic of a real group (lyhoang280592-maker/chatbot-easytrip)
    ],
)
def test_greetings_and_thanks_are_no_terms(code, greeting, word):
    assert not terms(greeting, code)
    assert list(terms(f"{greeting}, {word}", code).values()) == [word]


def test_indonesian_and_malay_topics_are_not_taken_for_stopwords():
    # stopwordsiso's Malay list, read with Indonesian's, holds the frequent words of news: not read
    text = "Harga rumah naik, ekonomi Indonesia dan politik Islam, makanan dan teknologi"
    for code in ("id", "ms"):
        found = {form.casefold() for key, form in terms(text, code).items() if " " not in key}
        assert {"harga", "rumah", "ekonomi", "indonesia", "politik", "islam", "makanan", "teknologi"} <= found, code
    assert not terms("yang dan adalah bahwa bahawa kerana sahaja", "id")  # function words of both still are


def test_stopwords_are_the_messages_language():
    assert not set(terms("это все что как вообще уже если будет", "ru"))
    assert not set(terms("may upon the and", "en"))
    assert "vai" not in terms("vai ter corrida amanhã", "pt") and "corr" in terms("vai ter corrida amanhã", "pt")


def test_chinese_is_cut_by_the_dictionary():
    found = terms("我喜欢开源软件，开源很好。", "zh")
    assert {"开源", "软件", "喜欢"} <= set(found) and "我" not in found and "很" not in found


def test_japanese_and_thai_are_cut_into_overlapping_bigrams():
    assert {"りが", "がと", "とう"} <= set(terms("ありがとう", "ja"))
    assert {"日本", "本語"} <= set(terms("日本語", "ja"))
    thai = terms("สวัสดีครับ", "th")
    assert thai and all(len(key) <= 4 for key in thai)  # pairs of graphemes, a vowel mark with its letter


def test_urls_mentions_and_e_mails_are_no_words_hashtags_are_terms():
    found = terms("confira https://t.me/x/1 e www.site.com ou ana@mail.com com @bob #Corrida", "pt")
    assert set(found.values()) == {"#Corrida", "confira"} and "#corrida" in found


def test_a_time_zone_with_its_offset_is_no_word_a_time_zone_alone_is():
    # a Chinese channel's footer made UTC its top topic
    assert terms("发布时间：2024-01-01 12:00（UTC+8）", "zh") == {
        "发布": "发布",
        "时间": "时间",
        "发布 时间": "发布时间",
    }
    assert "gmt" not in terms("reunião às 15h (GMT-3) no parque", "pt")
    assert "utc" not in terms("Встреча в 18:00 UTC−3", "ru")  # the minus sign, U+2212
    found = terms("budget UTC+8 meeting; store timestamps in UTC", "en")
    assert found["utc"] == "UTC" and "timestamp utc" in found
    assert "budget meet" not in found  # the offset breaks a phrase as punctuation does


def test_two_words_in_a_row_are_a_phrase_too():
    found = terms("Black Friday na loja; corrida de rua amanhã, pace ritmo", "pt")
    assert found["black friday"] == "Black Friday"
    assert found["corr rua"] == "corrida de rua"  # one stopword between
    assert "loj corr" not in found  # not across a semicolon
    assert "amanhã pac" not in found and "pac ritm" in found  # nor across a comma
    assert "friday loj" in found and "rua amanhã" in found


def test_a_name_that_begins_with_a_stopword_is_a_phrase_where_a_sentence_does_not_begin_with_it():
    found = terms("Inscrições abertas para a Meia Maratona de São Paulo e a São Silvestre", "pt")
    assert found["são paul"] == "São Paulo" and found["são silvestr"] == "São Silvestre"
    assert "paul" in found and "são" not in found  # the stopword is still no term of its own
    assert terms("we met in The Hague", "en")["the hagu"] == "The Hague"
    # at a sentence's start a capital says nothing: "São muitos", "This Saturday"; nor in capitals, nor
    # where the next word has none, nor in German, where every noun has one ("haben Sie Sorgen")
    assert "this saturday" not in terms("This Saturday we run", "en")
    assert "são paul" not in terms("Bom dia. São Paulo amanheceu", "pt")
    assert not {"ser hoj", "são paul"} & set(terms("VAI SER HOJE em são paulo", "pt"))
    assert "sie sorg" not in terms("Sie haben Sie Sorgen", "de")


def test_a_name_typed_as_a_keyword_is_the_name_not_its_second_word():
    # tracked "São Paulo" counted every Paulo too (its terms held ``paul``, what Portuguese reads),
    # beside the topic "São Paulo" the report shows; typed in any case, it is the name as a text has it
    assert "são paul" in terms("corri em São Paulo", "pt")
    for typed in ("são paulo", "São Paulo", "SÃO PAULO"):
        assert "são paul" in words.query(typed).terms and "paul" not in words.query(typed).terms
    assert words.query("the hague").names == ("the hagu",)
    # two words the first of which begins no name, and one word, are read as before
    assert words.query("corrida de rua").terms == ["corr rua"] and words.query("corrida de rua").names == ()
    assert words.query("paulo").terms == ["paul", "paulo"] and words.query("são").names == ()
    # the search still finds every message with the words, a sentence's "São Paulo" too
    assert any(keys <= set(terms("São Paulo amanheceu", "pt")) for keys in words.query("são paulo").keys)


def test_variation_selectors_do_not_change_a_word():
    assert words.normalized("☪️ ok") == "☪ ok" and words.normalized("d’água") == "d'água"
    assert words.normalized("ｆｕｌｌ") == "full"  # NFKC


def test_an_apostrophe_written_any_way_keeps_a_word_whole():
    # a real Ukrainian chat wrote обов‘язково (tests/data/personal_chat_uk_2024.json): not обов + язково
    spellings = ("обов'язково", "обов’язково", "обов‘язково", "обовʼязково")
    assert [list(terms(f"{spelling} прочитаю", "uk")) for spelling in spellings] == [
        ["обов'язково", "обов'язково прочитаю", "прочитаю"]
    ] * 4
    assert words.normalized("oʻzbek") == words.normalized("o‘zbek") == "o'zbek"  # Uzbek's oʻ and gʻ


def test_an_elided_article_or_pronoun_is_a_word_of_its_own_in_languages_that_elide():
    # a real Italian group (tests/data/supergroup_it_es_2025.json): l’ho gave the term ho, c'è and
    # Gliel'ho terms of their own, and its second topic was shown as all'arrivo
    found = terms("Non l’ho ancora provato, c'è il wifi dell'hotel. Gliel'ho inviata all'arrivo", "it")
    assert {form for key, form in found.items() if " " not in key} == {"provato", "wifi", "hotel", "inviata", "arrivo"}
    assert found["wif hotel"] == "wifi dell'hotel"  # a phrase spans the elided word, as it spans a stopword
    french = terms("C'est vrai, j'ai vu l'hôtel, qu'il est d'accord aujourd'hui", "fr")
    assert {form for key, form in french.items() if " " not in key} == {"vrai", "hôtel", "accord"}
    assert {form for key, form in terms("l'aigua de l'escola", "ca").items() if " " not in key} == {"aigua", "escola"}
    assert terms("don't worry, it's Bob's car", "en") == {
        "worri": "worry",
        "bob": "Bob's",
        "bob car": "Bob's car",
        "car": "car",
    }


def test_what_a_user_types_is_read_in_every_language_of_its_script():
    query = words.query("диплом")
    message_keys = set(terms("защита дипломом", "ru"))
    assert any(keys <= message_keys for keys in query.keys)
    assert words.query("ai").terms == ["ai"]  # two letters: read as capitals
    assert words.query("开源").terms == ["开源"]
    assert words.query("corrida de rua").keys and all(
        any(" " in k for k in keys) for keys in words.query("corrida de rua").keys
    )
    assert words.query("50%").keys == () and words.query("'; DROP TABLE x; --").keys  # data, whatever it says


@pytest.mark.parametrize(
    ("text", "code", "script"),
    [
        ("안녕하세요 여러분", "ko", "Hang"),
        ("สวัสดีครับ", "th", "Thai"),
        ("我喜欢开源软件", "zh", "Hani"),
        ("日本語を勉強しています", "ja", "Kana"),
        ("Γεια σας φίλοι", "el", "Grek"),
    ],
)
def test_a_script_one_language_writes_decides_without_a_model(text, code, script):
    assert language.guess(text) == language.Guess(code, script, language.BY_SCRIPT)


def test_longer_texts_are_detected_shorter_ones_wait_for_their_sender():
    long = language.guess("Amanhã tem treino de corrida no parque às seis horas, quem vai?")
    assert (long.language, long.basis) == ("pt", language.BY_TEXT)
    assert language.guess("kkk boa").basis == language.BY_SENDER
    assert language.guess("🏃‍♀️ 123") == language.NO_LETTERS


def test_a_cyrillic_text_with_ukrainian_letters_is_ukrainian_where_cld2_is_not_sure():
    # CLD2 read a real Ukrainian chat's short texts (tests/data/personal_chat_uk_2024.json) as Macedonian,
    # Serbian and Russian: Russian, Serbian and Macedonian write none of і ї є ґ
    for text in ("Кашляєш?", "Треба до неділі обрати тему диплому", "😂😂😂Іван там май знов каламбури правит"):
        found = language.guess(text)
        assert (found.language, found.basis) == ("uk", language.BY_TEXT), (text, found)
    assert language.guess("Ты где?").basis == language.BY_SENDER  # no such letter: its sender's
    # Belarusian and Kazakh write і too, and letters Ukrainian does not
    for text in ("Дзякуй, усё добра", "Сәлем, қалайсың?"):
        assert language.guess(text).language != "uk", text


def test_a_short_text_is_settled_by_its_sender_then_its_group():
    known = language.Known.of(
        [(1, "ana", "Latn", "pt", 5), (1, "bob", "Latn", "es", 2), (1, "bob", "Latn", "pt", 2)],
        [(2, "Latn", "en", 900.0), (2, "Latn", "la", 300.0)],
    )
    assert known.settle(1, "ana", "Latn", "en") == "pt"
    assert known.settle(1, "bob", "Latn", "en") == "es"  # a tie: the first in code order, every time
    assert known.settle(1, "eva", "Latn", "en") == "pt"  # no longer text of hers: the group's
    assert known.settle(2, "eva", "Latn", "la") == "en"  # the group's short texts, by the detector's score
    assert known.settle(3, "eva", "Cyrl", "ru") == "ru"  # nothing else known: its own guess
