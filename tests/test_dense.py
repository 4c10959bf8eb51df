"""Dense encoders end to end: a tiny real XLM-R model through `hf:`, the vector caches
(Q + D encodings, resume), faiss against exact search, and the errors of broken plugins."""

import os
from pathlib import Path

import numpy as np
import pytest

from conftest import read_results
from tiny_models import build_tiny_xlmr

TESTS = os.path.dirname(__file__)
PLUGINS = {"PYTHONPATH": TESTS}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-xlmr")


def test_hf_encoder_on_toy(cli, tmp_path, tiny_model):
    proc = cli("run", "--system", f"hf:{tiny_model}", "--task", "toy")
    results = read_results(tmp_path / "results/toy/hf-tiny-xlmr/results.json")
    assert len(results["pairs"]) == 16
    meta = results["model"]
    assert meta["kind"] == "encoder" and meta["embedding_dim"] == 64
    assert meta["parameters"]["pooling"] == "mean" and meta["parameters"]["search"] == "faiss-flat"
    assert meta["num_parameters"] > 0 and "transformers" in results["versions"] and "faiss-cpu" in results["versions"]
    # Q + D encodings: 4 collections of 8 passages, 4 query sets of 6 questions.
    assert "in this run: 32 documents encoded, 24 queries encoded" in proc.stderr
    for pair in results["pairs"].values():
        per_query = pair["per_query"]["RR@10"]
        assert len(per_query) == 6 and pair["metrics"]["RR@10"] == pytest.approx(sum(per_query.values()) / 6)
    run = (tmp_path / "results/toy/hf-tiny-xlmr/runs/en-sw.trec").read_text().splitlines()
    assert len(run) == 6 * 8  # every passage ranked for every question (top_k >= collection)

    again = cli("run", "--system", f"hf:{tiny_model}", "--task", "toy", "--force")
    assert "in this run: 0 documents encoded, 0 queries encoded" in again.stderr
    assert read_results(tmp_path / "results/toy/hf-tiny-xlmr/results.json")["pairs"]["en-sw"]["metrics"] == \
        results["pairs"]["en-sw"]["metrics"]


def test_settings_file_and_its_errors(cli, tmp_path, tiny_model):
    settings = tmp_path / "tiny.yaml"
    settings.write_text(f"model: {tiny_model}\nname: tiny-cls\npooling: cls\nquery_prefix: 'query: '\n"
                        "precision: float32\nbatch_size: 4\n")
    cli("run", "--system", str(settings), "--task", "toy", "--pairs", "en-de")
    meta = read_results(tmp_path / "results/toy/tiny-cls/results.json")["model"]
    assert meta["parameters"]["pooling"] == "cls" and meta["parameters"]["precision"] == "float32"
    assert meta["parameters"]["max_length"] == 128  # the model's 130 positions, less RoBERTa's offset

    settings.write_text(f"model: {tiny_model}\npooling: max\n")
    proc = cli("run", "--system", str(settings), "--task", "toy", check=False)
    assert proc.returncode == 2 and "tiny.yaml: invalid encoder settings file" in proc.stderr and "field `pooling`" in proc.stderr
    proc = cli("run", "--system", f"hf:{tmp_path / 'no-such-model'}", "--task", "toy", check=False)
    assert proc.returncode == 2 and "cannot load transformers model" in proc.stderr and "Traceback" not in proc.stderr


def test_vectors_match_a_plain_forward_pass(tiny_model):
    """clirbench's batching (sorted by length, padded per batch) changes no vector."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from clirbench.systems.dense.batching import encode_sorted
    from clirbench.systems.hf_encoder import HFEncoder

    texts = ["short", "a somewhat longer sentence about rivers", "Mto mrefu zaidi duniani ni upi?", "x" * 40]
    encoder = HFEncoder(model=str(tiny_model), precision="float32", batch_size=2)
    assert encoder._model is None  # loaded on the first text: a fully cached rerun never loads it
    ours = encode_sorted(encoder.encode_documents, texts, "en", 2, "tiny")
    tokenizer, model = AutoTokenizer.from_pretrained(tiny_model), AutoModel.from_pretrained(tiny_model).eval()
    # The count from the safetensors headers is the model's own, less the pooler AutoModel adds at random.
    assert encoder.meta.num_parameters == sum(p.numel() for n, p in model.named_parameters() if not n.startswith("pooler."))
    for text, vector in zip(texts, ours):
        with torch.no_grad():
            hidden = model(**tokenizer(text, return_tensors="pt")).last_hidden_state[0].mean(0)
        expected = (hidden / hidden.norm()).numpy()
        np.testing.assert_allclose(vector, expected, atol=1e-5)


def test_query_vectors_encoded_once_per_text_and_runs_resume(cli, tmp_path):
    log = tmp_path / "encoded.log"
    env = {**PLUGINS, "ENCODE_LOG": str(log), "FAIL_ON_QUERY_LANG": "sw"}
    model = "plugins_for_tests:CountingEncoder"
    proc = cli("run", "--system", model, "--task", "toy", extra_env=env, check=False)
    assert proc.returncode == 2 and "simulated crash" in proc.stderr
    done = read_results(tmp_path / "results/toy/countingencoder/results.json")["pairs"]
    assert done and not any(k.startswith("sw-") for k in done)

    env.pop("FAIL_ON_QUERY_LANG")
    cli("run", "--system", model, "--task", "toy", extra_env=env)
    assert len(read_results(tmp_path / "results/toy/countingencoder/results.json")["pairs"]) == 16
    lines = log.read_text().splitlines()
    # Every passage once; every question once, except the Swahili ones of the crashed call.
    assert sum(line.startswith("doc") for line in lines) == 32
    assert sum(line == "query sw" for line in lines) == 12
    assert sum(line.startswith("query") for line in lines) == 24 + 6


def test_document_vectors_resume_after_a_crash(tmp_path):
    from clirbench.systems.dense.vector_store import read_doc_vectors, write_doc_vectors

    docs = [(f"d{i}", f"text {i}") for i in range(10)]
    calls = []

    def encode(texts, fail_at=None):
        calls.append(len(texts))
        if fail_at is not None and len(calls) == fail_at:
            raise RuntimeError("crash")
        return np.array([[float(t.split()[1]), 1.0] for t in texts], dtype=np.float32)

    with pytest.raises(RuntimeError):
        write_doc_vectors(iter(docs), tmp_path, lambda t: encode(t, fail_at=3), chunk_size=3)
    assert calls == [3, 3, 3]
    calls.clear()
    assert write_doc_vectors(iter(docs), tmp_path, encode, chunk_size=100) == (10, 2)  # chunk size kept: 3
    assert calls == [3, 1]  # only the chunks not written before
    ids = [i for chunk_ids, _ in read_doc_vectors(tmp_path) for i in chunk_ids]
    vectors = np.concatenate([v for _, v in read_doc_vectors(tmp_path)])
    assert ids == [d for d, _ in docs] and vectors[:, 0].tolist() == list(range(10))


def test_faiss_flat_is_exact_and_hnsw_close(tmp_path):
    from clirbench.systems.dense.faiss_search import open_vector_index, search
    from clirbench.systems.dense.vector_store import write_doc_vectors

    rng = np.random.default_rng(0)
    docs = rng.standard_normal((500, 16)).astype(np.float32)
    queries = rng.standard_normal((20, 16)).astype(np.float32)
    rows = iter(range(500))
    write_doc_vectors(((f"d{i}", str(i)) for i in range(500)), tmp_path,
                      lambda texts: docs[[next(rows) for _ in texts]], chunk_size=128)
    expected = np.argsort(-(queries @ docs.T), axis=1)[:, :10]
    qids = [f"q{i}" for i in range(20)]
    for kind in ["flat", "hnsw"]:
        index, doc_ids = open_vector_index(tmp_path, kind, 16)
        found = search(index, doc_ids, qids, queries, 10)
        overlap = np.mean([len({d for d, _ in found[q]} & {f"d{j}" for j in expected[i]}) / 10
                           for i, q in enumerate(qids)])
        if kind == "flat":
            assert overlap == 1.0
            top = found["q0"][0]
            assert top[0] == f"d{expected[0][0]}" and top[1] == pytest.approx(float(queries[0] @ docs[expected[0][0]]), rel=1e-5)
        else:
            assert overlap >= 0.9
    assert (tmp_path / "faiss-hnsw32.index").exists()  # the graph is built once


@pytest.mark.parametrize("plugin, message", [
    ("WrongRows", "returned 7 rows for 8 texts"),
    ("Float64", "returned float64 vectors"),
    ("NaNs", "NaN or infinite values in 1 of 8 rows"),
    ("OneDimensional", "array of shape (8,)"),
    ("QueriesOtherSize", "query vectors have size 8 but document vectors 26"),
    ("Raises", "encode_documents raised ValueError: tokenizer exploded"),
])
def test_broken_encoders_get_clear_errors(cli, plugin, message):
    proc = cli("run", "--system", f"plugins_for_tests:{plugin}", "--task", "toy", "--pairs", "en-en",
               extra_env=PLUGINS, check=False)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "fix:" in proc.stderr and "Traceback" not in proc.stderr


def test_example_submission_and_broken_submissions(cli, tmp_path, env):
    proc = cli("models")
    assert "hashed-ngrams" in proc.stdout and "submissions/" in proc.stdout
    cli("run", "--system", "hashed-ngrams", "--task", "toy", "--pairs", "sw-en,en-sw")
    results = read_results(tmp_path / "results/toy/hashed-ngrams/results.json")
    assert results["model"]["parameters"]["dim"] == 1024 and results["model"]["training_data"] == []
    assert results["pairs"]["sw-en"]["metrics"]["RR@10"] > 0.5  # shared names and numbers

    subs = tmp_path / "subs"
    (subs / "syntax").mkdir(parents=True)
    (subs / "syntax/submission.yaml").write_text("name: syntax\ndescription: broken code\n")
    (subs / "syntax/plugin.py").write_text("class Plugin(:\n")
    (subs / "badfield").mkdir()
    (subs / "badfield/submission.yaml").write_text("name: badfield\ndescription: x\nlicence: MIT\n")
    (subs / "wrongname").mkdir()
    (subs / "wrongname/submission.yaml").write_text("name: other\ndescription: x\n")
    extra = {"CLIRBENCH_SUBMISSIONS_DIR": str(subs)}
    for name, message in [("syntax", "failed to import: SyntaxError"), ("badfield", "field `licence`"),
                          ("wrongname", "differs from its folder")]:
        proc = cli("run", "--system", name, "--task", "toy", extra_env=extra, check=False)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    listing = cli("models", extra_env=extra).stdout
    assert "syntax" in listing and "not ready" in listing


def test_ivfpq_finds_the_exact_neighbours_and_scores_them_exactly(tmp_path):
    """--search ivfpq on 20,000 clustered vectors in 5 chunks: most of the exact top 10 found,
    and every score the true inner product (candidates re-scored from the vectors on disk)."""
    from clirbench.systems.dense.faiss_search import open_vector_index, search
    from clirbench.systems.dense.vector_store import write_doc_vectors

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((50, 32)).astype(np.float32)
    docs = centres[rng.integers(0, 50, 20_000)] + 0.5 * rng.standard_normal((20_000, 32)).astype(np.float32)
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    queries = (docs[:200] + 0.1 * rng.standard_normal((200, 32))).astype(np.float32)
    rows = iter(range(len(docs)))
    write_doc_vectors(((f"d{i}", str(i)) for i in range(len(docs))), tmp_path,
                      lambda texts: docs[[next(rows) for _ in texts]], chunk_size=4096)
    index, doc_ids = open_vector_index(tmp_path, "ivfpq", 32)
    assert (tmp_path / "faiss-ivfpq-v2.index").exists() and index.ntotal == len(docs)
    found = search(index, doc_ids, [f"q{i}" for i in range(200)], queries, 10)
    exact = np.argsort(-(queries @ docs.T), axis=1)[:, :10]
    recall = np.mean([len({d for d, _ in found[f"q{i}"]} & {f"d{j}" for j in exact[i]}) / 10 for i in range(200)])
    assert recall >= 0.9
    for i in range(200):
        for doc, score in found[f"q{i}"]:
            assert score == pytest.approx(float(queries[i] @ docs[int(doc[1:])]), abs=1e-5)
    reopened, _ = open_vector_index(tmp_path, "ivfpq", 32)  # the saved index, not a rebuild
    assert search(reopened, doc_ids, ["q0"], queries[:1], 10)["q0"] == found["q0"]
