"""A tiny retrieval sample in each language of clirbench's first tasks (the 2-letter codes of
core/data/source_languages.txt), written for the tests.

Each language has four short documents on the same four topics (its capital city; a cat
drinking milk; rain in the mountains; children reading books at school), in the language's
own script, and a query made of words that occur in exactly one of them, `target` (an index
into `docs`). The target differs between languages so that a system that always returns the
first (or last) document cannot pass. Queries in languages written without spaces are
written without spaces too, so that the query itself has to be segmented.
"""

from typing import NamedTuple


class Sample(NamedTuple):
    docs: tuple[str, str, str, str]
    query: str
    target: int


SAMPLES: dict[str, Sample] = {
    "am": Sample((
        "አዲስ አበባ የኢትዮጵያ ዋና ከተማ ናት።",
        "ድመቷ በየቀኑ ጠዋት ሞቅ ያለ ወተት ትጠጣለች።",
        "ትናንት ማታ በተራሮች ላይ ከባድ ዝናብ ዘነበ።",
        "ልጆቹ በትምህርት ቤት መጽሐፍት ያነባሉ።",
    ), "ዝናብ", 2),
    "ar": Sample((
        "القاهرة هي عاصمة مصر.",
        "تشرب القطة الحليب الدافئ كل صباح.",
        "هطلت أمطار غزيرة على الجبال الليلة الماضية.",
        "يقرأ الأطفال الكتب في المدرسة.",
    ), "الحليب", 1),
    "bn": Sample((
        "ঢাকা বাংলাদেশের রাজধানী।",
        "বিড়াল প্রতিদিন সকালে গরম দুধ খায়।",
        "গতকাল রাতে পাহাড়ে প্রচুর বৃষ্টি হয়েছে।",
        "শিশুরা স্কুলে বই পড়ে।",
    ), "দুধ", 1),
    "ca": Sample((
        "Barcelona és la capital de Catalunya.",
        "El gat beu llet calenta cada matí.",
        "Ahir a la nit va caure molta pluja a les muntanyes.",
        "Els nens llegeixen llibres a l'escola.",
    ), "llibres", 3),
    "cs": Sample((
        "Praha je hlavní město České republiky.",
        "Kočka každé ráno pije teplé mléko.",
        "Včera večer v horách hodně pršelo.",
        "Děti čtou knihy ve škole.",
    ), "Praha", 0),
    "de": Sample((
        "Berlin ist die Hauptstadt von Deutschland.",
        "Die Katze trinkt jeden Morgen warme Milch.",
        "Gestern Nacht fiel starker Regen in den Bergen.",
        "Die Kinder lesen Bücher in der Schule.",
    ), "Regen", 2),
    "el": Sample((
        "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
        "Η γάτα πίνει ζεστό γάλα κάθε πρωί.",
        "Χθες το βράδυ έπεσε δυνατή βροχή στα βουνά.",
        "Τα παιδιά διαβάζουν βιβλία στο σχολείο.",
    ), "γάλα", 1),
    "en": Sample((
        "Paris is the capital of France.",
        "The cat drinks warm milk every morning.",
        "Heavy rain fell on the mountains last night.",
        "The children read books at school.",
    ), "milk", 1),
    "es": Sample((
        "Madrid es la capital de España.",
        "El gato bebe leche tibia cada mañana.",
        "Anoche cayó mucha lluvia en las montañas.",
        "Los niños leen libros en la escuela.",
    ), "libros", 3),
    "fa": Sample((
        "تهران پایتخت ایران است.",
        "گربه هر روز صبح شیر گرم می‌نوشد.",
        "دیشب باران شدیدی در کوهستان بارید.",
        "کودکان در مدرسه کتاب می‌خوانند.",
    ), "کتاب", 3),
    "fi": Sample((
        "Helsinki on Suomen pääkaupunki.",
        "Kissa juo lämmintä maitoa joka aamu.",
        "Eilen illalla vuorilla satoi rankasti.",
        "Lapset lukevat kirjoja koulussa.",
    ), "kirjoja", 3),
    "fr": Sample((
        "Paris est la capitale de la France.",
        "Le chat boit du lait chaud chaque matin.",
        "Une forte pluie est tombée sur les montagnes hier soir.",
        "Les enfants lisent des livres à l'école.",
    ), "capitale", 0),
    "ha": Sample((
        "Abuja ita ce babban birnin Najeriya.",
        "Kyanwa tana shan madara kowace safiya.",
        "Jiya da dare ruwan sama ya yi yawa a kan duwatsu.",
        "Yara suna karanta littattafai a makaranta.",
    ), "madara", 1),
    "hi": Sample((
        "नई दिल्ली भारत की राजधानी है।",
        "बिल्ली हर सुबह गर्म दूध पीती है।",
        "कल रात पहाड़ों पर भारी बारिश हुई।",
        "बच्चे स्कूल में किताबें पढ़ते हैं।",
    ), "बारिश", 2),
    "id": Sample((
        "Jakarta adalah ibu kota Indonesia.",
        "Kucing itu minum susu hangat setiap pagi.",
        "Tadi malam hujan lebat turun di pegunungan.",
        "Anak-anak membaca buku di sekolah.",
    ), "buku", 3),
    "it": Sample((
        "Roma è la capitale d'Italia.",
        "Il gatto beve latte caldo ogni mattina.",
        "Ieri sera è caduta molta pioggia sulle montagne.",
        "I bambini leggono libri a scuola.",
    ), "latte", 1),
    "ja": Sample((
        "東京は日本の首都です。",
        "猫は毎朝温かい牛乳を飲みます。",
        "昨夜、山で大雨が降りました。",
        "子供たちは学校で本を読みます。",
    ), "学校", 3),
    "km": Sample((
        "ភ្នំពេញជារាជធានីនៃប្រទេសកម្ពុជា។",
        "ឆ្មាផឹកទឹកដោះគោរៀងរាល់ព្រឹក។",
        "យប់មិញមានភ្លៀងធ្លាក់ខ្លាំងនៅលើភ្នំ។",
        "ក្មេងៗអានសៀវភៅនៅសាលារៀន។",
    ), "ភ្លៀងធ្លាក់", 2),
    "ko": Sample((
        "서울은 한국의 수도입니다.",
        "고양이는 매일 아침 따뜻한 우유를 마십니다.",
        "어젯밤 산에 비가 많이 내렸습니다.",
        "아이들은 학교에서 책을 읽습니다.",
    ), "학교", 3),
    "lo": Sample((
        "ວຽງຈັນເປັນນະຄອນຫຼວງຂອງປະເທດລາວ.",
        "ແມວດື່ມນົມທຸກໆເຊົ້າ.",
        "ມື້ຄືນນີ້ຝົນຕົກໜັກຢູ່ເທິງພູ.",
        "ເດັກນ້ອຍອ່ານປຶ້ມຢູ່ໂຮງຮຽນ.",
    ), "ດື່ມນົມ", 1),
    "my": Sample((
        "နေပြည်တော်သည် မြန်မာနိုင်ငံ၏ မြို့တော်ဖြစ်သည်။",
        "ကြောင်သည် နံနက်တိုင်း နွားနို့သောက်သည်။",
        "မနေ့ညက တောင်ပေါ်တွင် မိုးအများကြီးရွာသည်။",
        "ကလေးများသည် ကျောင်းတွင် စာအုပ်ဖတ်ကြသည်။",
    ), "စာအုပ်ဖတ်", 3),
    "nl": Sample((
        "Amsterdam is de hoofdstad van Nederland.",
        "De kat drinkt elke ochtend warme melk.",
        "Gisteravond viel er veel regen in de bergen.",
        "De kinderen lezen boeken op school.",
    ), "melk", 1),
    "nn": Sample((
        "Oslo er hovudstaden i Noreg.",
        "Katten drikk varm mjølk kvar morgon.",
        "I går kveld kom det mykje regn i fjella.",
        "Borna les bøker på skulen.",
    ), "regn", 2),
    "no": Sample((
        "Oslo er hovedstaden i Norge.",
        "Katten drikker varm melk hver morgen.",
        "I går kveld falt det mye regn i fjellene.",
        "Barna leser bøker på skolen.",
    ), "bøker", 3),
    "pl": Sample((
        "Warszawa jest stolicą Polski.",
        "Kot codziennie rano pije ciepłe mleko.",
        "Wczoraj wieczorem w górach padał ulewny deszcz.",
        "Dzieci czytają książki w szkole.",
    ), "Warszawa", 0),
    "pt": Sample((
        "Lisboa é a capital de Portugal.",
        "O gato bebe leite morno todas as manhãs.",
        "Ontem à noite caiu muita chuva nas montanhas.",
        "As crianças leem livros na escola.",
    ), "chuva", 2),
    "ro": Sample((
        "București este capitala României.",
        "Pisica bea lapte cald în fiecare dimineață.",
        "Aseară a plouat puternic în munți.",
        "Copiii citesc cărți la școală.",
    ), "lapte", 1),
    "ru": Sample((
        "Москва — столица России.",
        "Кошка каждое утро пьёт тёплое молоко.",
        "Вчера вечером в горах шёл сильный дождь.",
        "Дети читают книги в школе.",
    ), "дождь", 2),
    "so": Sample((
        "Muqdisho waa caasimadda Soomaaliya.",
        "Bisadu subax kasta waxay cabtaa caano diirran.",
        "Xalay roob culus ayaa ka da'ay buuraha.",
        "Carruurtu waxay dugsiga ku akhriyaan buugaag.",
    ), "caano", 1),
    "sv": Sample((
        "Stockholm är Sveriges huvudstad.",
        "Katten dricker varm mjölk varje morgon.",
        "I går kväll föll det mycket regn i bergen.",
        "Barnen läser böcker i skolan.",
    ), "böcker", 3),
    "sw": Sample((
        "Nairobi ni mji mkuu wa Kenya.",
        "Paka hunywa maziwa ya moto kila asubuhi.",
        "Jana usiku mvua kubwa ilinyesha milimani.",
        "Watoto husoma vitabu shuleni.",
    ), "mvua", 2),
    "te": Sample((
        "హైదరాబాద్ తెలంగాణ రాజధాని.",
        "పిల్లి ప్రతి ఉదయం వెచ్చని పాలు తాగుతుంది.",
        "నిన్న రాత్రి కొండలపై భారీ వర్షం కురిసింది.",
        "పిల్లలు పాఠశాలలో పుస్తకాలు చదువుతారు.",
    ), "హైదరాబాద్", 0),
    "th": Sample((
        "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
        "แมวดื่มนมอุ่นทุกเช้า",
        "เมื่อคืนฝนตกหนักบนภูเขา",
        "เด็กๆ อ่านหนังสือที่โรงเรียน",
    ), "ฝนตกหนัก", 2),
    "tl": Sample((
        "Ang Maynila ay ang kabisera ng Pilipinas.",
        "Umiinom ang pusa ng mainit na gatas tuwing umaga.",
        "Bumuhos ang malakas na ulan sa kabundukan kagabi.",
        "Nagbabasa ng mga aklat ang mga bata sa paaralan.",
    ), "gatas", 1),
    "tr": Sample((
        "Ankara Türkiye'nin başkentidir.",
        "Kedi her sabah ılık süt içer.",
        "Dün gece dağlara şiddetli yağmur yağdı.",
        "Çocuklar okulda kitap okur.",
    ), "yağmur", 2),
    "uk": Sample((
        "Київ — столиця України.",
        "Кішка щоранку п'є тепле молоко.",
        "Учора ввечері в горах ішов сильний дощ.",
        "Діти читають книжки в школі.",
    ), "молоко", 1),
    "vi": Sample((
        "Hà Nội là thủ đô của Việt Nam.",
        "Con mèo uống sữa ấm mỗi sáng.",
        "Tối qua trời mưa to trên núi.",
        "Trẻ em đọc sách ở trường.",
    ), "sữa", 1),
    "yo": Sample((
        "Abuja ni olú-ìlú orílẹ̀-èdè Nàìjíríà.",
        "Ológbò ń mu wàrà gbígbóná ní àràárọ̀.",
        "Òjò ńlá rọ̀ sórí àwọn òkè ní alẹ́ àná.",
        "Àwọn ọmọdé ń ka ìwé ní ilé-ìwé.",
    ), "wàrà", 1),
    "zh": Sample((
        "北京是中国的首都。",
        "猫每天早上喝温牛奶。",
        "昨晚山上下了大雨。",
        "孩子们在学校读书。",
    ), "牛奶", 1),
}
