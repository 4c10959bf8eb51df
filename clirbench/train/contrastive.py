"""The contrastive recipe: a dual encoder fine-tuned with InfoNCE over in-batch negatives plus
k hard negatives per question, with a temperature, on hybrid batches (monolingual with
probability alpha) of XQuAD-R's parallel questions and answer sentences. Scoring is the cosine
of mean-pooled vectors with the base model's prefixes. `towers: shared` trains one model for
questions and passages; `towers: query` trains the question tower only and keeps passages
with the frozen base: its cached document vectors, the very ones evaluation uses, are
read, never re-encoded."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from clirbench.core.atomic import write_text_atomic
from clirbench.core.errors import ClirbenchError
from clirbench.core.paths import default_cache_dir
from clirbench.data import register_all
from clirbench.eval.metrics import evaluate_scores
from clirbench.systems.encoder_stack import resolve_precision
from clirbench.systems.hf_encoder import HFEncoder
from clirbench.systems.registry import load_system
from clirbench.train.encoding import base_encoder, embed, load_transformers, resolve_device
from clirbench.train.hybrid_batches import hybrid_batch
from clirbench.train.loop import StepReport, run_loop, seed_everything
from clirbench.train.negatives import (EncoderMiner, mine, negative_stats, read_negatives, triple_negatives,
                                      write_negatives)
from clirbench.train.recipe import ContrastiveRecipe
from clirbench.train.retrieval_data import ParallelQuestion, RetrievalCorpus, Triple, lareqa_corpus, mmarco_corpus

LAREQA_COLLECTIONS = ("xquad-r",)
TRIPLES_MINER = "triples"  # mMARCO's own negatives: MS MARCO's BM25 negative of each triple
TRAINING_DATA = {"xquad-r": ["SQuAD", "XQuAD"], "mmarco": ["MS MARCO", "mMARCO"]}


class DualEncoder:
    def __init__(self, recipe: ContrastiveRecipe, base_name: str, corpus: RetrievalCorpus):
        base = base_encoder(base_name)
        self.base, self.settings, self.recipe, self.corpus = base, base.settings, recipe, corpus
        self.max_length = min(recipe.max_length, base.max_length)
        self.device = resolve_device(recipe.device)
        self.tokenizer, self.model = load_transformers(base)
        self.model.to(self.device).train()
        if recipe.freeze_word_embeddings:
            self.model.get_input_embeddings().weight.requires_grad_(False)
        self.precision = resolve_precision(recipe.precision, self.device)
        # towers: query keeps the base's passage vectors, exactly as evaluation will see them:
        # read from the base's vector cache (encoded once, shared by every run), never re-encoded.
        self.frozen_passages: tuple[dict[str, int], torch.Tensor] | None = None
        if recipe.towers == "query":
            rows, vectors = _base_passage_vectors(base, recipe.collection, corpus)
            self.frozen_passages = rows, vectors.to(self.device)

    def embed(self, texts: list[str], prefix: str) -> torch.Tensor:
        return embed(self.tokenizer, self.model, texts, prefix, self.max_length, self.precision)

    def questions(self, texts: list[str]) -> torch.Tensor:
        return self.embed(texts, self.settings.query_prefix)

    def passages(self, doc_ids: list[str]) -> torch.Tensor:
        if self.frozen_passages is None:
            return self.embed([self.corpus.documents[d][0] for d in doc_ids], self.settings.passage_prefix)
        rows, vectors = self.frozen_passages
        return vectors[[rows[d] for d in doc_ids]]

    def loss(self, queries: list[str], doc_ids: list[str], relevant: list[set[str]]) -> torch.Tensor:
        """InfoNCE: question i's positive is passage i; every other passage (the other
        questions' positives and all hard negatives) is a negative, unless it holds question
        i's answer (XQuAD questions share paragraphs, so two may share an answer sentence)."""
        logits = self.questions(queries) @ self.passages(doc_ids).T / self.recipe.temperature
        masked = logits.masked_fill(_false_negatives(doc_ids, relevant).to(logits.device), -torch.inf)
        return torch.nn.functional.cross_entropy(masked, torch.arange(len(queries), device=logits.device))


def _false_negatives(doc_ids: list[str], relevant: list[set[str]]) -> torch.Tensor:
    """mask[i, j]: passage j holds an answer of question i, and j is not i's own positive."""
    mask = torch.tensor([[doc in answers for doc in doc_ids] for answers in relevant], dtype=torch.bool)
    mask[torch.arange(len(relevant)), torch.arange(len(relevant))] = False
    return mask


def _base_passage_vectors(base: HFEncoder, collection: str, corpus: RetrievalCorpus) -> tuple[dict[str, int], torch.Tensor]:
    """Every candidate's vector by the base system: from its document cache where the
    collection is one clirbench evaluates (XQuAD-R), else encoded once here. doc id -> row, matrix."""
    cache = EncoderMiner(base, collection, default_cache_dir()) if collection in LAREQA_COLLECTIONS else None
    rows: dict[str, int] = {}
    chunks = []
    for lang in corpus.langs:
        if cache is not None:
            ids, vectors = cache.documents(lang)
        else:
            ids = corpus.documents_in(lang)
            vectors = base.encode_documents([corpus.documents[d][0] for d in ids], lang)
        offset = len(rows)
        rows.update((doc_id, offset + i) for i, doc_id in enumerate(ids))
        chunks.append(torch.from_numpy(np.asarray(vectors, dtype=np.float32)))
    missing = [d for d in corpus.documents if d not in rows]
    if missing:
        raise ClirbenchError(f"{len(missing)} candidates (e.g. {missing[0]}) are not in {base.meta.name}'s vectors of "
                             f"{collection}", "delete the stale index under the cache folder and rerun")
    return rows, torch.cat(chunks)


def _negatives(recipe: ContrastiveRecipe, corpus: RetrievalCorpus, triples: list[Triple],
               train: list[ParallelQuestion], out_dir: Path, log: Callable[[str], None]) -> tuple[dict, dict]:
    """((question id, positive's language) -> its hard negatives, the pool's statistics), mined
    once and kept as JSONL beside the statistics."""
    if recipe.negatives.pool == "none":
        return {}, {}
    path, stats_path = out_dir / "negatives.jsonl", out_dir / "negatives-stats.json"
    if not (path.exists() and stats_path.exists()):
        pool, k = recipe.negatives.pool, recipe.negatives.k
        log(f"mining {pool} hard negatives with {recipe.negatives.miner}")
        if recipe.negatives.miner == TRIPLES_MINER:
            found, hardness = triple_negatives(corpus, triples, train, pool, k), {}
        else:
            miner = EncoderMiner(load_system(recipe.negatives.miner), recipe.collection, default_cache_dir())
            found, hardness = mine(corpus, train, miner, pool, k, recipe.negatives.match)
        write_text_atomic(stats_path, json.dumps({**negative_stats(found, corpus, train), **hardness}, indent=1))
        write_negatives(path, found)
    out: dict[tuple[str, str], list[str]] = {}
    for n in read_negatives(path):
        out.setdefault((n.query_id, n.positive_lang), []).append(n.doc_id)
    return out, json.loads(stats_path.read_text())


DEV_MEASURES = {"mAP (pool)": "dev questions of every language against the dev articles' sentences of every language "
                              "(every answer, in any language, relevant)",
                "RR@10 (X->Y)": "dev questions of X against the dev articles' sentences of Y, macro over the X != Y pairs"}


def _dev_score(dual: DualEncoder, corpus: RetrievalCorpus, dev: list[ParallelQuestion]) -> Callable[[], dict | None]:
    """The dev measures (DEV_MEASURES) on the held-out articles, ranked and measured by the
    evaluation layer. Candidates are the dev articles' sentences: none was a training positive
    or negative, and encoding them (shared towers) takes seconds, not minutes."""
    doc_ids = corpus.documents_of_groups({q.group for q in dev}) or list(corpus.documents)
    doc_lang = np.array([corpus.documents[d][1] for d in doc_ids])

    def score() -> dict | None:
        if not dev:
            return None
        dual.model.eval()
        with torch.no_grad():
            docs = torch.cat([dual.passages(doc_ids[i:i + 64]) for i in range(0, len(doc_ids), 64)]).float().numpy()
            pool_ap, cross_rr = [], []
            for x in corpus.langs:
                q = torch.cat([dual.questions([d.text[x] for d in dev[i:i + 64]]) for i in range(0, len(dev), 64)])
                scores = q.float().numpy() @ docs.T
                qids = [d.qid for d in dev]
                pool_ap.append(evaluate_scores("AP", qids, scores, doc_ids,
                                               {d.qid: {doc: 1 for doc in d.relevant()} for d in dev}, k=len(doc_ids)))
                for y in corpus.langs:
                    if y != x:
                        keep = doc_lang == y
                        cross_rr.append(evaluate_scores(
                            "RR@10", qids, scores[:, keep], [d for d, k in zip(doc_ids, keep) if k],
                            {d.qid: {doc: 1 for doc in d.positives[y]} for d in dev}, k=10))
        dual.model.train()
        return {"mAP (pool)": float(np.mean(pool_ap)), "RR@10 (X->Y)": float(np.mean(cross_rr))}

    return score


def train_contrastive(recipe: ContrastiveRecipe, out_dir: Path, on_step: Callable[[StepReport], None] = lambda r: None,
                      log: Callable[[str], None] = print) -> Path:
    """Train (or resume) into `out_dir`; returns the model folder, `out_dir/model`."""
    from clirbench.systems.student_manifest import MANIFEST
    from clirbench.train.student_folder import write_model_folder

    register_all()
    model_dir = out_dir / "model"
    if (model_dir / MANIFEST).exists():
        log(f"already trained: {model_dir}")
        return model_dir
    seed_everything(recipe.seed)
    if recipe.collection == "mmarco":
        corpus, triples = mmarco_corpus(recipe.languages, recipe.limit)
    else:
        corpus, triples = lareqa_corpus(recipe.languages, recipe.collection, recipe.limit), []
    train, dev = corpus.split(recipe.dev_fraction)
    if len(train) < recipe.batch_size:
        raise ClirbenchError(f"{len(train)} training questions for batches of {recipe.batch_size}",
                             "lower batch_size or raise limit")
    negatives, negatives_stats = _negatives(recipe, corpus, triples, train, out_dir, log)
    dual = DualEncoder(recipe, recipe.base, corpus)

    def loss_at(step: int) -> torch.Tensor:
        _, examples = hybrid_batch(train, corpus.langs, recipe.batch_size, recipe.alpha, recipe.seed, step)
        queries = [e.question.text[e.query_lang] for e in examples]
        passages = [e.question.positives[e.doc_lang][0] for e in examples]
        for e in examples:  # hard negatives after the positives: they only add columns
            passages += negatives.get((e.question.qid, e.doc_lang), [])  # beside the positive, in its language
        return dual.loss(queries, passages, [e.question.relevant() for e in examples])

    dev_score = _dev_score(dual, corpus, dev)
    untrained = dev_score()  # the base's own dev score, before any step: what training must beat
    state = run_loop(dual.model, loss_at, recipe, out_dir, dev_score, on_step, log)
    folder = write_model_folder(model_dir, recipe, dual.base, dual.model, dual.tokenizer, state, {
        "kind": "contrastive", "documents": "teacher" if recipe.towers == "query" else "own",
        "student_languages": None, "training_data": TRAINING_DATA[recipe.collection], "adapted_from": recipe.base,
        "pairs": {"train_questions": len(train), "dev_questions": len(dev), "languages": corpus.langs,
                  "dev_groups": sorted({q.group for q in dev})},
        "negatives": {"pool": recipe.negatives.pool, "k": recipe.negatives.k, "miner": recipe.negatives.miner,
                      "match": recipe.negatives.match, "stats": negatives_stats},
        "dev": {"measure": "; ".join(f"{name}: {text}" for name, text in DEV_MEASURES.items()),
                "by_step": state["dev"], "teacher": untrained},
    })
    for audit in ("negatives.jsonl", "negatives-stats.json"):  # beside the model, to audit
        if (out_dir / audit).exists():
            shutil.copy(out_dir / audit, folder / audit)
    return folder
