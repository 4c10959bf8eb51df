"""Machine translation of queries with a transformers sequence-to-sequence model: MarianMT
(`Helsinki-NLP/opus-mt-{src}-{tgt}`, one model per direction) or a many-to-many model (NLLB,
M2M100) told the languages by their codes. Translations are cached on disk, one readable
TSV per model and direction (`source<TAB>translation`), so each text is translated once and a
user can inspect what the retriever searched with."""

import csv
import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from clirbench.core.errors import ClirbenchError

# clirbench language -> NLLB-200 code (FLORES-200).
NLLB_CODES = {"ar": "arb_Arab", "de": "deu_Latn", "el": "ell_Grek", "en": "eng_Latn", "es": "spa_Latn",
              "fr": "fra_Latn", "ha": "hau_Latn", "hi": "hin_Deva", "ja": "jpn_Jpan", "ru": "rus_Cyrl",
              "so": "som_Latn", "sw": "swh_Latn", "th": "tha_Thai", "tr": "tur_Latn", "vi": "vie_Latn",
              "yo": "yor_Latn", "zh": "zho_Hans", "bn": "ben_Beng", "te": "tel_Telu", "id": "ind_Latn"}


def language_code(model_type: str, lang: str) -> str | None:
    """The code a many-to-many model uses for `lang`; None for one-direction models (Marian)."""
    if model_type == "nllb" or model_type == "nllb-moe":
        return NLLB_CODES.get(lang)
    if model_type == "m2m_100":
        return lang
    return None


class TranslationCache:
    def __init__(self, path: Path):
        self.path = path
        self._done: dict[str, str] = {}
        if path.exists():
            with path.open(encoding="utf-8", newline="") as f:
                for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_MINIMAL):
                    if len(row) == 2:
                        self._done[row[0]] = row[1]

    def get(self, text: str) -> str | None:
        return self._done.get(text)

    def add(self, pairs: list[tuple[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8", newline="") as f:  # appended batch by batch: a crash loses one batch
            csv.writer(f, delimiter="\t", quoting=csv.QUOTE_MINIMAL).writerows(pairs)
            f.flush()
        self._done.update(pairs)


class Seq2SeqTranslator:
    def __init__(self, model: str, src: str, tgt: str, batch_size: int = 16, max_length: int = 256,
                 num_beams: int = 4, device: str = "auto"):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.model_name, self.src, self.tgt = model, src, tgt
        self.batch_size, self.max_length, self.num_beams = batch_size, max_length, num_beams
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model).to(self.device).eval()
        except (OSError, ValueError) as e:
            raise ClirbenchError(
                f"cannot load translation model {model!r} for {src}->{tgt}: {str(e).splitlines()[0]}",
                "with no model hub here, give a local folder in the nmt+bm25 settings (`models:`)") from None
        kind = self.model.config.model_type
        self._src_code, self._tgt_code = language_code(kind, src), language_code(kind, tgt)
        if kind in ("nllb", "nllb-moe", "m2m_100") and not (self._src_code and self._tgt_code):
            raise ClirbenchError(f"{model} ({kind}): no language code for {src} or {tgt}",
                                 "add it to clirbench/translation/nmt.py NLLB_CODES")

    def key(self) -> str:
        return hashlib.sha256(repr([self.model_name, self.max_length, self.num_beams]).encode()).hexdigest()[:12]

    def _generate(self, texts: list[str]) -> list[str]:
        import torch

        if self._src_code:
            self.tokenizer.src_lang = self._src_code
        batch = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=True,
                               max_length=self.max_length).to(self.device)
        extra = {"forced_bos_token_id": self.tokenizer.convert_tokens_to_ids(self._tgt_code)} if self._tgt_code else {}
        with torch.inference_mode():
            out = self.model.generate(**batch, num_beams=self.num_beams, max_new_tokens=self.max_length, **extra)
        return [t.strip() for t in self.tokenizer.batch_decode(out, skip_special_tokens=True)]

    def translate(self, texts: list[str], cache: TranslationCache,
                  on_batch: Callable[[int, float], None] | None = None) -> tuple[list[str], int]:
        """Translations of `texts`, from the cache or the model; returns (translations, number translated now)."""
        todo = list(dict.fromkeys(t for t in texts if cache.get(t) is None))
        todo.sort(key=len, reverse=True)  # similar lengths in a batch: less padding
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            began = time.perf_counter()
            cache.add(list(zip(batch, self._generate(batch))))
            if on_batch:
                on_batch(len(batch), time.perf_counter() - began)
        return [cache.get(t) for t in texts], len(todo)
