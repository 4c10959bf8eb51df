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
from pathlib import Path

import numpy as np
import torch

from clirbench.core.errors import ClirbenchError
from clirbench.data import lareqa, register_all
from clirbench.systems.hf_encoder import HFEncoder
from clirbench.train.bitext import Pair, load_checked_bitext
from clirbench.train.encoding import (autocast, base_encoder, embed_all, load_transformers, mean_pooled, resolve_device,
                                      resolve_precision)
from clirbench.train.loop import StepReport, finished_model, run_loop, seed_everything
from clirbench.train.recipe import OpticalRecipe
from clirbench.train.sinkhorn import ot_cost

class Distiller:
    """The teacher, the student, and the loss of one batch."""

    def __init__(self, recipe: OpticalRecipe, teacher: HFEncoder, train_pairs: list[Pair]):
        self.recipe = recipe
        self.settings = teacher.settings
        self.max_length = teacher.max_length  # the settings' length, capped at the model's positions
        self.device = resolve_device(recipe.device)
        self.tokenizer, self.teacher = load_transformers(teacher)
        self.teacher.to(self.device).eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.student = copy.deepcopy(self.teacher).train()
        for p in self.student.parameters():
            p.requires_grad_(True)
        self.precision = resolve_precision(recipe.precision, self.device)
        self.idf = self._idf(train_pairs) if recipe.marginals == "idf" else None

    def _idf(self, pairs: list[Pair]) -> dict[int, float]:
        """Token IDF over the training sentences of both sides: log((N + 1) / (df + 1)) + 1."""
        df: Counter = Counter()
        texts = [p.english for p in pairs] + [p.foreign for p in pairs]
        for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]:
            df.update(set(ids))
        n = len(texts)
        return {token: math.log((n + 1) / (count + 1)) + 1 for token, count in df.items()}

    def _tokens(self, texts: list[str]):
        return self.tokenizer([self.settings.query_prefix + t for t in texts], padding=True, truncation=True,
                              max_length=min(self.recipe.max_length, self.max_length), return_tensors="pt",
                              return_special_tokens_mask=True).to(self.device)

    def _weights(self, batch) -> torch.Tensor:
        """Marginal of each real token (padding and special tokens: 0), summing to 1 per sentence."""
        real = (batch["attention_mask"].bool() & ~batch["special_tokens_mask"].bool()).float()
        if self.idf is not None:
            idf = torch.tensor([[self.idf.get(t, 1.0) for t in row] for row in batch["input_ids"].tolist()],
                               device=real.device)
            real = real * idf
        return real / real.sum(dim=1, keepdim=True).clamp_min(1e-9)

    def loss(self, pairs: list[Pair]) -> torch.Tensor:
        english, foreign = self._tokens([p.english for p in pairs]), self._tokens([p.foreign for p in pairs])
        model_inputs = ("input_ids", "attention_mask")
        with torch.no_grad(), autocast(self.precision, self.device):
            t_hidden = self.teacher(**{k: english[k] for k in model_inputs}).last_hidden_state
        with autocast(self.precision, self.device):
            s_hidden = self.student(**{k: foreign[k] for k in model_inputs}).last_hidden_state
        t_hidden, s_hidden = t_hidden.float(), s_hidden.float()
        loss = torch.zeros((), device=self.device)
        r = self.recipe
        if r.ot_weight:
            cost = 1 - torch.nn.functional.normalize(s_hidden, dim=-1) @ torch.nn.functional.normalize(t_hidden, dim=-1).transpose(1, 2)
            ot = ot_cost(cost, self._weights(foreign), self._weights(english), r.epsilon, r.sinkhorn_iters,
                         detach_plan=r.gradient == "envelope")
            loss = loss + r.ot_weight * ot.mean()
        if r.sentence_weight:
            student = mean_pooled(s_hidden, foreign["attention_mask"])
            teacher = mean_pooled(t_hidden, english["attention_mask"])
            # Squared distance of the unit vectors, 2 - 2 cos, in [0, 4]: the OT cost's scale. (A
            # mean over the 384 dimensions would make the term 384 times smaller than OT's.)
            loss = loss + r.sentence_weight * (student - teacher).pow(2).sum(dim=-1).mean()
        return loss

    def encode(self, model, texts: list[str], prefix: str) -> np.ndarray:
        return embed_all(self.tokenizer, model, texts, prefix, self.max_length, self.precision)


def _batch(train: list[Pair], step: int, size: int, seed: int) -> list[Pair]:
    """The pairs of a step: a function of (seed, step) alone, so a resumed run sees the same."""
    start = step * size
    out = []
    while len(out) < size:
        epoch, offset = divmod(start + len(out), len(train))
        order = np.random.RandomState([seed, epoch]).permutation(len(train))
        out.append(train[order[offset]])
    return out


class DevScore:
    """X->en retrieval on the dev question ids of XQuAD-R: the dev questions of each student
    language (student) against every English XQuAD-R sentence (teacher); RR@10 averaged over
    questions. Needs a lareqa source; None otherwise."""

    def __init__(self, distiller: Distiller, recipe: OpticalRecipe, dev: list[Pair]):
        self.distiller = distiller
        self.dev = [p for p in dev if p.pair_id in self._answers()] if self._has_lareqa(recipe) else []
        if self.dev:
            english = lareqa.parsed(lareqa.XQUAD_R, "en")
            self.doc_ids = [doc_id for doc_id, _ in english.sentences]
            self.docs = distiller.encode(distiller.teacher, [t for _, t in english.sentences], distiller.settings.passage_prefix)

    @staticmethod
    def _has_lareqa(recipe: OpticalRecipe) -> bool:
        return any(s.kind == "lareqa" for s in recipe.bitext)

    @staticmethod
    def _answers() -> dict[str, frozenset[str]]:
        return lareqa.parsed(lareqa.XQUAD_R, "en").answer_docs

    def __call__(self, model=None) -> float | None:
        """RR@10 of `model`'s questions (default: the student's) against the teacher's documents."""
        if not self.dev:
            return None
        queries = self.distiller.encode(model or self.distiller.student, [p.foreign for p in self.dev],
                                        self.distiller.settings.query_prefix)
        top = np.argsort(-(queries @ self.docs.T), axis=1)[:, :10]
        answers = self._answers()
        rr = []
        for pair, row in zip(self.dev, top):
            ranks = [i for i, d in enumerate(row, start=1) if self.doc_ids[d] in answers[pair.pair_id]]
            rr.append(1 / ranks[0] if ranks else 0.0)
        return float(np.mean(rr))


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
    distiller = Distiller(recipe, teacher, train)
    dev_score = DevScore(distiller, recipe, dev)
    state = run_loop(distiller.student, lambda step: distiller.loss(_batch(train, step, recipe.batch_size, recipe.seed)),
                     recipe, out_dir, dev_score, on_step, log)
    teacher_score = dev_score(distiller.teacher)  # the untrained starting point
    folder = write_student(model_dir, recipe, teacher, distiller, train, dev, state, teacher_score, leak_check)
    shutil.rmtree(out_dir / "checkpoints", ignore_errors=True)  # 1.4 GB each: the model is written
    return folder
