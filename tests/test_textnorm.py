import unicodedata

from clirbench.systems.textnorm import normalise, stemmed_tokens, tokenise


def test_yoruba_tone_marks_are_stripped_and_case_folded():
    assert tokenise("Ọjọ́ Àìkú, ÈKÓ!", "yo") == ["ojo", "aiku", "eko"]


def test_swahili_punctuation_is_dropped_and_case_folded():
    assert tokenise("Mji Mkuu wa Kenya ni Nairobi.", "sw") == ["mji", "mkuu", "wa", "kenya", "ni", "nairobi"]


def test_cjk_runs_become_bigrams_inside_any_language():
    assert tokenise("北京是首都 Beijing", "en") == ["北京", "京是", "是首", "首都", "beijing"]
    assert tokenise("京", "zh") == ["京"]


def test_german_keeps_umlauts_but_folds_sharp_s():
    assert normalise("Größte STRASSE", "de") == "grösste strasse"


def test_stemming_uses_the_language_stemmer_only_where_one_exists():
    assert stemmed_tokens("running presidents", "en") == ["run", "presid"]
    assert stemmed_tokens("wanafunzi wanasoma", "sw") == ["wanafunzi", "wanasoma"]


def test_indic_vowel_signs_stay_inside_their_word():
    assert tokenise("भारत की राजधानी", "hi") == ["भारत", "की", "राजधानी"]


def test_thai_is_segmented_into_words_not_kept_as_one_run():
    assert tokenise("แมวดื่มนมอุ่นทุกเช้า", "th") == ["แมว", "ดื่ม", "นม", "อุ่น", "ทุก", "เช้า"]


def test_thai_sara_am_does_not_split_a_word():
    # NFKC decomposes ำ; segmenting after NFKC gave "ทํ", "า", "งาน".
    tokens = tokenise("ฉันทำงานที่บ้าน", "th")
    assert tokens == ["ฉัน", unicodedata.normalize("NFKC", "ทำงาน"), "ที่", "บ้าน"]


def test_scripts_without_spaces_are_segmented_into_several_words():
    for lang, text in [("lo", "ແມວດື່ມນົມທຸກໆເຊົ້າ"), ("km", "ក្មេងៗអានសៀវភៅនៅសាលារៀន"),
                       ("my", "ကလေးများသည်ကျောင်းတွင်စာအုပ်ဖတ်ကြသည်"), ("ja", "子供たちは学校で本を読みます")]:
        tokens = tokenise(text, lang)
        assert len(tokens) >= 4 and "".join(tokens) == text, (lang, tokens)


def test_tibetan_tokens_are_its_syllables_split_at_the_tsheg():
    assert tokenise("ལྷ་ས་ནི་བོད་ཀྱི་རྒྱལ་ས་ཡིན།", "bod_Tibt") == ["ལྷ", "ས", "ནི", "བོད", "ཀྱི", "རྒྱལ", "ས", "ཡིན"]


def test_scripts_no_word_breaker_knows_fall_back_to_character_bigrams():
    # Yi (Sichuan Yi, `ii`) has no word breaker here: overlapping bigrams, as for Han.
    assert tokenise("ꆈꌠꉙ ꀉꂿ", "ii") == ["ꆈꌠ", "ꌠꉙ", "ꀉꂿ"]
    # Javanese in Latin keeps its words; a word in Javanese script becomes bigrams of
    # grapheme clusters (a vowel sign stays with its consonant).
    assert tokenise("Aku maca ꦲꦏ꧀ꦱꦫ", "jav") == ["aku", "maca", "ꦲꦏ꧀ꦱ", "ꦏ꧀ꦱꦫ"]


def test_new_codes_of_a_language_analyse_as_its_first_code():
    text = "Kitabu cha watoto kiko shuleni, 北京."
    assert tokenise(text, "swh_Latn") == tokenise(text, "swa") == tokenise(text, "sw")
    assert stemmed_tokens("running presidents", "eng_Latn") == stemmed_tokens("running presidents", "en")
    assert tokenise("แมวดื่มนมอุ่นทุกเช้า", "tha_Thai") == tokenise("แมวดื่มนมอุ่นทุกเช้า", "th")
