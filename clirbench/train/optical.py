"""OPTICAL (Huang, Yu & Allan, WSDM 2023): a student query encoder for foreign languages,
distilled from a frozen English retrieval teacher with bitext only.

For each (English, foreign) pair the teacher reads the English side and the student the
foreign side. Token embeddings are the last hidden states of real tokens (no padding, no
special tokens); the cost between student token i and teacher token j is 1 - cos(s_i, t_j);
the transport plan is entropic OT (log-domain Sinkhorn) between the two token sets, with
uniform or IDF marginals; the loss is <P, C>_F averaged over the batch, plus, optionally, the
MSE between the student's and the teacher's pooled sentence vectors (with no OT term, that is
Reimers & Gurevych's sentence-level distillation). Documents stay with the teacher, so the
teacher's query-document matching is kept and only cross-lingual knowledge is learned."""

import copy
import math
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from clirbench.core.errors import ClirbenchError
from clirbench.data import afriqa, lareqa, register_all
from clirbench.eval.metrics import evaluate_scores
from clirbench.systems.encoder_stack import autocast, pool, resolve_precision
from clirbench.systems.hf_encoder import HFEncoder
from clirbench.train.bitext import Pair, load_checked_bitext
from clirbench.train.encoding import base_encoder, embed_all, load_transformers, resolve_device
from clirbench.train.loop import StepReport, finished_model, run_loop, seed_everything
from clirbench.train.recipe import OpticalRecipe
from clirbench.train.sinkhorn import ot_cost

class StudentNet(torch.nn.Module):
    """The student: a transformer, then (optionally) a linear map into the teacher's space.
    Its output is per token; mean pooling commutes with the map, so the student's sentence
    vector is the map of its pooled vector, as `StudentEncoder` computes it."""

    def __init__(self, encoder: torch.nn.Module, projection: torch.nn.Linear | None):
        super().__init__()
        self.encoder = encoder
        self.projection = projection

    @property
    def device(self):
        return self.encoder.device

    def forward(self, input_ids, attention_mask):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.projection(hidden) if self.projection is not None else hidden


class Distiller:
    """The teacher, the student, and the loss of one batch. The student starts as a copy of the
    teacher (`student: null`), or from another encoder with its own tokenizer (an English
    teacher, a multilingual student), optionally with a linear map into the teacher's space."""

    def __init__(self, recipe: OpticalRecipe, teacher: HFEncoder, train_pairs: list[Pair],
                 student_base: HFEncoder | None = None):
        self.recipe = recipe
        self.teacher_settings = teacher.settings
        self.teacher_length = min(recipe.max_length, teacher.max_length)  # capped at the model's positions
        self.device = resolve_device(recipe.device)
        self.teacher_tokenizer, self.teacher = load_transformers(teacher)
        self.teacher.to(self.device).eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        base = student_base or teacher
        self.settings = base.settings  # the student's prefixes and pooling: what it is run with
        self.max_length = min(recipe.max_length, base.max_length)
        if student_base is None:
            self.tokenizer, encoder = self.teacher_tokenizer, copy.deepcopy(self.teacher)
        else:
            self.tokenizer, encoder = load_transformers(student_base)
            encoder.to(self.device)
        self.precision = resolve_precision(recipe.precision, self.device)
        projection = self._procrustes(encoder, train_pairs) if recipe.projection == "procrustes" else None
        self._initial_projection = copy.deepcopy(projection)
        self.student = StudentNet(encoder, projection).train()
        for p in self.student.parameters():
            p.requires_grad_(True)
        self.idf = self._idf(train_pairs) if recipe.marginals == "idf" else None

    def _idf(self, pairs: list[Pair]) -> dict[str, dict[int, float]]:
        """Token IDF of each side ("teacher": English, "student": foreign), log((N + 1) / (df + 1))
        + 1: one table over both sides' sentences where they share a tokenizer, else one per side
        over its own sentences and vocabulary."""
        def table(tokenizer, texts: list[str]) -> dict[int, float]:
            df: Counter = Counter()
            for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]:
                df.update(set(ids))
            return {token: math.log((len(texts) + 1) / (count + 1)) + 1 for token, count in df.items()}

        english, foreign = [p.english for p in pairs], [p.foreign for p in pairs]
        if self.tokenizer is self.teacher_tokenizer:
            shared = table(self.tokenizer, english + foreign)
            return {"teacher": shared, "student": shared}
        return {"teacher": table(self.teacher_tokenizer, english), "student": table(self.tokenizer, foreign)}

    PROCRUSTES_PAIRS = 2000

    @torch.no_grad()
    def _procrustes(self, encoder, pairs: list[Pair]) -> torch.nn.Linear:
        """The orthogonal map W minimising ||S W - T|| over the sentence vectors of (at most
        2,000) training pairs: S the student's of the foreign side, T the teacher's of the
        English side (Schönemann 1966: W = U V^T for S^T T = U Σ V^T)."""
        sample = pairs[:: max(1, len(pairs) // self.PROCRUSTES_PAIRS)][: self.PROCRUSTES_PAIRS]
        s = embed_all(self.tokenizer, encoder, [p.foreign for p in sample], self.settings.query_prefix,
                      self.max_length, self.precision)
        t = embed_all(self.teacher_tokenizer, self.teacher, [p.english for p in sample],
                      self.teacher_settings.query_prefix, self.teacher_length, self.precision)
        u, _, vt = np.linalg.svd(s.T.astype(np.float64) @ t.astype(np.float64))
        layer = torch.nn.Linear(s.shape[1], t.shape[1], bias=True, device=self.device)
        layer.weight.copy_(torch.from_numpy(u @ vt).T.float())  # y = x W: the layer holds W^T
        layer.bias.zero_()
        return layer

    @staticmethod
    def _tokens(tokenizer, texts: list[str], prefix: str, max_length: int, device: str):
        return tokenizer([prefix + t for t in texts], padding=True, truncation=True, max_length=max_length,
                         return_tensors="pt", return_special_tokens_mask=True, return_offsets_mapping=True).to(device)

    def _weights(self, batch, prefix: str, side: str) -> torch.Tensor:
        """Marginal of each real token, summing to 1 per sentence. Padding, special tokens and the
        prefix's tokens (`query: `, a sixth of a short question's tokens, at near-zero cost
        between two such prefixes) carry none: the mass is the sentence's own words."""
        real = batch["attention_mask"].bool() & ~batch["special_tokens_mask"].bool()
        if prefix.strip():
            real &= batch["offset_mapping"][..., 1] > len(prefix.rstrip())
        real = real.float()
        if self.idf is not None:
            table = self.idf[side]
            idf = torch.tensor([[table.get(t, 1.0) for t in row] for row in batch["input_ids"].tolist()],
                               device=real.device)
            real = real * idf
        return real / real.sum(dim=1, keepdim=True).clamp_min(1e-9)

    def loss(self, pairs: list[Pair]) -> torch.Tensor:
        t_prefix, s_prefix = self.teacher_settings.query_prefix, self.settings.query_prefix
        english = self._tokens(self.teacher_tokenizer, [p.english for p in pairs], t_prefix, self.teacher_length,
                               self.device)
        foreign = self._tokens(self.tokenizer, [p.foreign for p in pairs], s_prefix, self.max_length, self.device)
        with torch.no_grad(), autocast(self.precision, self.device):
            t_hidden = self.teacher(input_ids=english["input_ids"], attention_mask=english["attention_mask"]).last_hidden_state
        with autocast(self.precision, self.device):
            s_hidden = self.student(foreign["input_ids"], foreign["attention_mask"])
        t_hidden, s_hidden = t_hidden.float(), s_hidden.float()
        loss = torch.zeros((), device=self.device)
        r = self.recipe
        if r.ot_weight:
            cost = 1 - torch.nn.functional.normalize(s_hidden, dim=-1) @ torch.nn.functional.normalize(t_hidden, dim=-1).transpose(1, 2)
            ot = ot_cost(cost, self._weights(foreign, s_prefix, "student"), self._weights(english, t_prefix, "teacher"),
                         r.epsilon, r.sinkhorn_iters,
                         detach_plan=r.gradient == "envelope")
            loss = loss + r.ot_weight * ot.mean()
        if r.sentence_weight:
            student = pool(s_hidden, foreign["attention_mask"])
            teacher = pool(t_hidden, english["attention_mask"])
            # Squared distance of the unit vectors, 2 - 2 cos, in [0, 4]: the OT cost's scale. (A
            # mean over the 384 dimensions would make the term 384 times smaller than OT's.)
            loss = loss + r.sentence_weight * (student - teacher).pow(2).sum(dim=-1).mean()
        return loss

    def encode_student(self, texts: list[str], model: StudentNet | None = None) -> np.ndarray:
        """Query vectors of foreign texts, by the student (or another StudentNet), as it is run."""
        return embed_all(self.tokenizer, model or self.student, texts, self.settings.query_prefix, self.max_length,
                         self.precision)

    def encode_teacher(self, texts: list[str], passages: bool) -> np.ndarray:
        prefix = self.teacher_settings.passage_prefix if passages else self.teacher_settings.query_prefix
        return embed_all(self.teacher_tokenizer, self.teacher, texts, prefix, self.teacher_length, self.precision)

    def untrained(self) -> StudentNet:
        """The student as it starts (the dev score's point of comparison)."""
        if self.recipe.student is None:
            return StudentNet(self.teacher, None)
        _, encoder = load_transformers(base_encoder(self.recipe.student))
        return StudentNet(encoder.to(self.device), self._initial_projection)


def _batch(train: list[Pair], step: int, size: int, seed: int) -> list[Pair]:
    """The pairs of a step: a function of (seed, step) alone, so a resumed run sees the same."""
    start = step * size
    out = []
    while len(out) < size:
        epoch, offset = divmod(start + len(out), len(train))
        order = np.random.RandomState([seed, epoch]).permutation(len(train))
        out.append(train[order[offset]])
    return out


@dataclass
class DevSet:
    """Questions (query id, foreign text) against English texts (the teacher's), with qrels."""
    queries: list[tuple[str, str]]
    doc_ids: list[str]
    docs: list[str]
    passages: bool  # documents are passages (the teacher's passage prefix) or questions
    qrels: dict[str, dict[str, int]]


def xquad_dev(dev: list[Pair]) -> tuple[list[DevSet], str]:
    """The dev question ids of XQuAD-R, every student language at once, against every English
    XQuAD-R sentence."""
    english = lareqa.parsed(lareqa.XQUAD_R, "en")
    answers = english.answer_docs
    pairs = [p for p in dev if p.pair_id in answers]
    if not pairs:
        return [], ""
    queries = [(f"{p.lang}/{p.pair_id}", p.foreign) for p in pairs]
    qrels = {f"{p.lang}/{p.pair_id}": {d: 1 for d in answers[p.pair_id]} for p in pairs}
    ids, texts = zip(*english.sentences)
    return [DevSet(queries, list(ids), list(texts), True, qrels)], \
        "RR@10, X->en over XQuAD-R English sentences, dev question ids"


def afriqa_dev(languages: list[str]) -> tuple[list[DevSet], str]:
    """AfriQA's dev split (never bitext, never test), per language: its questions against its
    English gold passages; where the split has none (swa, yor), against the English translations
    of every dev question of that language (translation retrieval). RR@10, macro over languages."""
    sets, retrieval, translation = [], [], []
    for lang in languages:
        if afriqa.PIVOTS.get(lang) != "en" or not afriqa.SOURCE.known(afriqa.queries_file(lang, "dev")):
            continue
        split = afriqa.load_split(lang, "dev")
        if split.gold:
            judged = split.judged()
            sets.append(DevSet([(q.qid, q.text) for q in judged], list(split.passages), list(split.passages.values()),
                               True, {q.qid: {split.gold[q.qid]: 1} for q in judged}))
            retrieval.append(lang)
        else:
            asked = [q for q in split.questions.values() if q.translation]
            sets.append(DevSet([(q.qid, q.text) for q in asked], [q.qid for q in asked],
                               [q.translation for q in asked], False, {q.qid: {q.qid: 1} for q in asked}))
            translation.append(lang)
    return sets, ("RR@10 on AfriQA dev, macro over languages: gold-passage retrieval "
                  f"({', '.join(retrieval) or 'none'}), translation retrieval among the dev questions' English "
                  f"translations ({', '.join(translation) or 'none'})") if sets else ""


class DevScore:
    """The student's dev score: RR@10 of its foreign questions against the teacher's English
    texts (XQuAD-R dev ids when the bitext is XQuAD-R's, else AfriQA dev), macro over dev sets,
    ranked and measured by the evaluation layer. None without a dev set."""

    def __init__(self, distiller: Distiller, recipe: OpticalRecipe, dev: list[Pair]):
        self.distiller = distiller
        if any(s.kind == "lareqa" for s in recipe.bitext):
            self.sets, self.measure = xquad_dev(dev)
        else:
            self.sets, self.measure = afriqa_dev(recipe.languages())
        self.docs = [distiller.encode_teacher(s.docs, passages=s.passages) for s in self.sets]

    def __call__(self, model: StudentNet | None = None) -> float | None:
        """RR@10 of `model`'s questions (default: the student's) against the teacher's texts."""
        if not self.sets:
            return None
        scores = []
        for dev_set, docs in zip(self.sets, self.docs):
            queries = self.distiller.encode_student([text for _, text in dev_set.queries], model)
            scores.append(evaluate_scores("RR@10", [qid for qid, _ in dev_set.queries], queries @ docs.T,
                                          dev_set.doc_ids, dev_set.qrels, k=10))
        return float(np.mean(scores))


def train_optical(recipe: OpticalRecipe, out_dir: Path, on_step: Callable[[StepReport], None] = lambda r: None,
                  log: Callable[[str], None] = print) -> Path:
    """Train (or resume) into `out_dir`; returns the student's model folder, `out_dir/model`."""
    from clirbench.train.student_folder import write_student

    register_all()
    model_dir = out_dir / "model"
    if finished_model(model_dir, recipe):
        log(f"already trained: {model_dir}")
        return model_dir
    seed_everything(recipe.seed)
    teacher = base_encoder(recipe.teacher)
    train, dev, leak_check = load_checked_bitext(recipe.bitext, recipe.dev_fraction)
    if not train:
        raise ClirbenchError("the recipe's bitext holds no training pairs", "check `bitext:` sources and `limit`")
    student_base = base_encoder(recipe.student) if recipe.student else None
    distiller = Distiller(recipe, teacher, train, student_base)
    dev_score = DevScore(distiller, recipe, dev)
    state = run_loop(distiller.student, lambda step: distiller.loss(_batch(train, step, recipe.batch_size, recipe.seed)),
                     recipe, out_dir, dev_score, on_step, log)
    untrained_score = dev_score(distiller.untrained())  # the starting point
    folder = write_student(model_dir, recipe, teacher, student_base, distiller, train, dev, state, untrained_score,
                           leak_check, dev_score.measure)
    shutil.rmtree(out_dir / "checkpoints", ignore_errors=True)  # 1.4 GB each: the model is written
    return folder
