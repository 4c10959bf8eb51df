"""Recipes: typed YAML records in recipes/, with `--set key=value` overrides. An error names
the file, the field and the fix."""

import hashlib
import json
from pathlib import Path
from typing import ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from clirbench.core.errors import ClirbenchError
from clirbench.core.languages import LANGUAGES
from clirbench.core.yaml_records import read_yaml_mapping, validate_record

_HINT = "see recipes/optical.yaml for a valid recipe"


class _Strict(BaseModel):
    # inf and NaN pass `gt=0`; no recipe number means either.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class BitextSource(_Strict):
    """Where (English, foreign) sentence pairs come from.

    lareqa: parallel questions by question id from XQuAD-R (never MLQA-R: it is the evaluation
    set); afriqa: AfriQA's train questions with their human English translations; flores: the
    train split of FLORES-200 (SIB-200) against English; ntrex: NTREX-128's 1,997 news
    sentences; tsv: `english<TAB>foreign` lines of a file; hf: a Hugging Face `datasets`
    corpus of translation records (hub id, or a local json/csv file). Evaluation splits
    (AfriQA and FLORES-200 dev and test) are never training data: dev is for selection."""

    kind: Literal["lareqa", "afriqa", "flores", "ntrex", "tsv", "hf"]
    languages: list[str] = Field(default_factory=list, description="foreign languages (lareqa: several; tsv/hf: one)")
    collection: Literal["xquad-r", "mmarco"] = Field(
        "xquad-r", description="xquad-r (offline: ../shared/data) or mmarco (its training triples, through ir_datasets)")
    path: str | None = None  # tsv: the file; hf: a hub id or a local data file
    config: str | None = None  # hf: the dataset's configuration
    split: str = "train"
    english_field: str = "en"  # hf: key of the English side (in `translation` records, or top level)
    foreign_field: str | None = None  # hf: key of the foreign side (default: the language code)
    limit: int | None = Field(None, ge=1, description="at most this many pairs per language")

    @model_validator(mode="after")
    def _check(self):
        unknown = [lang for lang in self.languages if lang not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language code(s) {unknown}")
        if "en" in self.languages:
            raise ValueError("`languages` are the foreign sides; English is always the teacher's side")
        if not self.languages:
            raise ValueError("name the foreign language(s) in `languages`")
        if self.kind == "lareqa":
            from clirbench.data.lareqa import COLLECTIONS

            missing = [lang for lang in self.languages if lang not in COLLECTIONS[self.collection].langs]
            if missing:
                raise ValueError(f"{self.collection} has no language(s) {missing}")
        if self.kind in ("afriqa", "flores") and self.split != "train":
            raise ValueError(f"a {self.kind} source trains on its train split only (split: {self.split!r}); "
                             "its dev and test splits are for selection and evaluation")
        if self.kind == "afriqa":
            from clirbench.data.afriqa import PIVOTS

            wrong = [lang for lang in self.languages if PIVOTS.get(lang) != "en"]
            if wrong:
                raise ValueError(f"AfriQA has no English-translated questions in {wrong}; "
                                 f"languages: {', '.join(k for k, v in PIVOTS.items() if v == 'en')}")
        if self.kind in ("tsv", "hf") and (self.path is None or len(self.languages) != 1):
            raise ValueError(f"a {self.kind} source needs `path` and exactly one language in `languages`")
        return self


class _Loop(_Strict):
    """What every recipe's training loop takes (see train/loop.py)."""

    seed: int = 0
    batch_size: int = Field(16, ge=1)
    max_steps: int = Field(300, ge=1)
    lr: float = Field(2e-5, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_steps: int = Field(30, ge=0)
    grad_clip: float = Field(1.0, gt=0)
    max_length: int = Field(64, ge=8)
    precision: Literal["auto", "float32", "bfloat16"] = "auto"
    dev_fraction: float = Field(0.1, ge=0, lt=1, description="share held out for dev: of bitext pairs (OPTICAL), of "
                                "articles (contrastive on XQuAD-R: questions share paragraphs), of queries (mMARCO)")
    checkpoint_every: int = Field(50, ge=1)
    dev_every: int = Field(0, ge=0, description="dev score every N steps (0: at the end only)")

    # Fields added after outputs were named by the digest: hashed only when not at these values,
    # so that a folder trained before keeps its name and resumes.
    _hashed_unless: ClassVar[dict] = {}

    def digest(self) -> str:
        """A hash of every field: the output of a recipe is named by it."""
        fields = {k: v for k, v in self.model_dump(mode="json").items()
                  if not (k in self._hashed_unless and v == self._hashed_unless[k])}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]


class OpticalRecipe(_Loop):
    """OPTICAL: a student query encoder distilled from a frozen retrieval teacher with
    optimal transport between token embeddings (see README, Training)."""

    recipe: Literal["optical"] = "optical"
    teacher: str = Field("me5-small", description="an installed model name, hf:<folder>, or a folder")
    student: str | None = Field(None, description="the encoder the student starts from (its own tokenizer); "
                                "null: a copy of the teacher")
    projection: Literal["none", "procrustes"] = Field(
        "none", description="procrustes: a trained linear map from the student's space into the teacher's, "
        "started as the orthogonal map that best fits the bitext's sentence vectors")
    bitext: list[BitextSource] = Field(min_length=1)
    ot_weight: float = Field(1.0, ge=0)
    sentence_weight: float = Field(0.0, ge=0, description="MSE between pooled vectors; OT 0 + this = Reimers & Gurevych")
    epsilon: float = Field(0.05, gt=0)
    sinkhorn_iters: int = Field(50, ge=1)
    gradient: Literal["unrolled", "envelope"] = "unrolled"
    marginals: Literal["uniform", "idf"] = "uniform"
    # cpu by default: OPTICAL trained on the CPU before it had this field, and its reports are of that.
    device: Literal["auto", "cpu", "cuda"] = Field("cpu", description="auto: a CUDA GPU where there is one")
    _hashed_unless: ClassVar[dict] = {"device": "cpu", "student": None, "projection": "none"}

    @model_validator(mode="after")
    def _some_loss(self):
        if self.ot_weight == 0 and self.sentence_weight == 0:
            raise ValueError("ot_weight and sentence_weight are both 0: nothing to learn")
        return self

    def languages(self) -> list[str]:
        return sorted({lang for source in self.bitext for lang in source.languages})


class HardNegatives(_Strict):
    pool: Literal["none", "monolingual", "cross-lingual", "mixed"] = "none"
    k: int = Field(1, ge=1, description="hard negatives per question")
    miner: str = Field("me5-small", description="the encoder that mines them (the same for every pool); "
                       "`triples`: mMARCO's own BM25 negatives, the same passages in the pool's languages")
    match: bool = Field(True, description="cap every pool at the lower of the monolingual and cross-lingual best "
                        "scores, so that pools differ in language, not in hardness (train/negatives.py)")


class ContrastiveRecipe(_Loop):
    """A dual encoder fine-tuned with InfoNCE over in-batch and hard negatives, on hybrid
    batches of parallel retrieval data (XQuAD-R offline)."""

    recipe: Literal["contrastive"] = "contrastive"
    base: str = Field("me5-small", description="the encoder to fine-tune: an installed name, hf:<folder>")
    collection: Literal["xquad-r", "mmarco"] = Field(
        "xquad-r", description="xquad-r (offline: ../shared/data) or mmarco (its training triples, through ir_datasets)")
    languages: list[str] = Field(min_length=2)
    limit: int | None = Field(None, ge=1, description="at most this many questions")
    towers: Literal["shared", "query"] = Field(
        "shared", description="shared: one model for questions and passages; query: passages from the frozen base")
    alpha: float = Field(0.5, ge=0, le=1, description="probability that a batch is monolingual")
    negatives: HardNegatives = HardNegatives()
    temperature: float = Field(0.05, gt=0)
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto: a CUDA GPU where there is one")
    freeze_word_embeddings: bool = Field(
        True, description="keep the token embedding matrix fixed: AdamW's decay would otherwise shrink every row "
        "the training data never uses (most of a 250k multilingual vocabulary), and its update is most of a step")

    @model_validator(mode="after")
    def _known(self):
        unknown = [lang for lang in self.languages if lang not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language code(s) {unknown}")
        if (self.collection == "mmarco") != (self.negatives.miner == "triples") and self.negatives.pool != "none":
            raise ValueError("negatives.miner `triples` (mMARCO's own negatives) goes with collection mmarco, and "
                             "only there: an encoder miner needs a collection clirbench indexes (xquad-r)")
        return self


RECIPES = {"optical": OpticalRecipe, "contrastive": ContrastiveRecipe}


def _apply(raw: dict, assignment: str, path: Path) -> None:
    key, sep, value = assignment.partition("=")
    if not sep or not key:
        raise ClirbenchError(f"--set {assignment!r}: expected key=value", "e.g. --set max_steps=40")
    target = raw
    *parents, leaf = key.split(".")
    for part in parents:
        target = target.setdefault(int(part) if part.isdigit() and isinstance(target, list) else part, {}) \
            if isinstance(target, dict) else target[int(part)]
    try:
        parsed = yaml.safe_load(value)
    except (yaml.YAMLError, RecursionError, ValueError, LookupError, AttributeError, TypeError):
        parsed = value  # not a YAML value (`[1`, nested too deeply, `2024-13-45`): the text, which validation judges
    if isinstance(target, list):
        target[int(leaf)] = parsed
    else:
        target[leaf] = parsed


def load_recipe(path: Path, overrides: list[str] = ()) -> OpticalRecipe | ContrastiveRecipe:
    """A recipe file with `key=value` overrides (values in YAML: `max_steps=40`,
    `bitext.0.languages=[hi]`)."""
    path = Path(path)
    raw = read_yaml_mapping(path, "recipe", _HINT)
    for assignment in overrides:
        try:
            _apply(raw, assignment, path)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError):
            raise ClirbenchError(f"{path}: --set {assignment!r}: no such field in this recipe",
                                 "name a field as in the file, with list positions as numbers: bitext.0.limit=5") from None
    kind = raw.get("recipe", "optical")
    if not isinstance(kind, str) or kind not in RECIPES:
        raise ClirbenchError(f"{path}: field `recipe`: unknown recipe {kind!r}", f"use one of: {', '.join(RECIPES)}")
    try:
        return validate_record(raw, path, RECIPES[kind], "recipe", _HINT)
    except ValidationError as e:  # a model validator's error
        raise ClirbenchError(f"{path}: invalid recipe: {e.errors()[0]['msg']}", _HINT) from None
