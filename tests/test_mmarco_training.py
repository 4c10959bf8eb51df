"""mMARCO's training triples as contrastive training data, read through ir_datasets from a
small fixture in mMARCO's and MS MARCO's own file layout (as a download leaves them)."""

import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from tiny_models import build_tiny_xlmr  # noqa: E402

# Query and passage ids are shared across languages; passages 0-5 exist in both.
EN_PASSAGES = ["Berlin is the capital of Germany", "Paris is the capital of France", "Rome is in Italy",
               "Madrid is the capital of Spain", "Water boils at 100 degrees", "The moon orbits the earth"]
DE_PASSAGES = ["Berlin ist die Hauptstadt Deutschlands", "Paris ist die Hauptstadt Frankreichs", "Rom liegt in Italien",
               "Madrid ist die Hauptstadt Spaniens", "Wasser kocht bei 100 Grad", "Der Mond umkreist die Erde"]
EN_QUERIES = {"100": "capital of germany", "101": "capital of france", "102": "capital of spain",
              "103": "boiling point of water", "104": "what orbits the earth", "105": "where is rome"}
DE_QUERIES = {"100": "Hauptstadt von Deutschland", "101": "Hauptstadt von Frankreich", "102": "Hauptstadt von Spanien",
              "103": "Siedepunkt von Wasser", "104": "was umkreist die Erde", "105": "wo liegt Rom"}
# (query, positive, BM25 negative), as triples.train.ids.small.tsv has them
TRIPLES = [("100", 0, 1), ("101", 1, 2), ("102", 3, 0), ("103", 4, 5), ("104", 5, 4), ("105", 2, 3), ("100", 0, 3)]


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _fixture(home: Path) -> None:
    _write(home / "mmarco" / "triples.train.ids.small.tsv", [f"{q}\t{p}\t{n}" for q, p, n in TRIPLES])
    _write(home / "mmarco" / "v2" / "german_collection.tsv", [f"{i}\t{t}" for i, t in enumerate(DE_PASSAGES)])
    _write(home / "mmarco" / "v2" / "german.queries.train.tsv", [f"{q}\t{t}" for q, t in DE_QUERIES.items()])
    _write(home / "msmarco-passage" / "collection.tsv", [f"{i}\t{t}" for i, t in enumerate(EN_PASSAGES)])
    (home / "msmarco-passage" / "irds_version.txt").write_text("v2")  # as ir_datasets leaves it after a download
    _write(home / "msmarco-passage" / "train" / "queries.tsv", [f"{q}\t{t}" for q, t in EN_QUERIES.items()])


def test_mmarco_triples_train_a_model_with_cross_lingual_negatives(tmp_path, env, cli):
    _fixture(Path(env["IR_DATASETS_HOME"]))
    tiny = build_tiny_xlmr(tmp_path / "tiny")
    repo = Path(__file__).parents[1]
    settings = [f"base=hf:{tiny}", "collection=mmarco", "negatives.miner=triples", "negatives.pool=cross-lingual",
                "towers=query", "languages=[de, en]", "dev_fraction=0.3", "batch_size=2", "max_steps=4",
                "warmup_steps=1", "checkpoint_every=2", "precision=float32", "lr=1e-3"]
    cli("train", str(repo / "recipes/contrastive.yaml"), "--out", str(tmp_path / "out"),
        *[a for s in settings for a in ("--set", s)])
    model = tmp_path / "out" / "model"
    manifest = yaml.safe_load((model / "clirbench-model.yaml").read_text())
    assert manifest["training_data"] == ["MS MARCO", "mMARCO"] and manifest["steps"] == 4
    pairs = manifest["pairs"]
    assert pairs["train_questions"] + pairs["dev_questions"] == 6 and pairs["languages"] == ["de", "en"]
    rows = [json.loads(line) for line in (model / "negatives.jsonl").read_text().splitlines()]
    assert rows and all(r["pool"] == "cross-lingual" and r["doc_lang"] != r["positive_lang"] for r in rows)
    assert all(r["doc_id"] == f"{r['doc_lang']}/{r['doc_id'].split('/')[1]}" for r in rows)
    positives = {(q, p) for q, p, _ in TRIPLES}
    negatives = {(q, n) for q, _, n in TRIPLES}
    for r in rows:
        pid = int(r["doc_id"].split("/")[1])
        assert (r["query_id"], pid) in negatives and (r["query_id"], pid) not in positives  # the triple's own, never relevant
    # Query 100 has two triples: both negatives (1 and 3), k=1 keeps the first.
    assert {(r["positive_lang"], r["doc_id"]) for r in rows if r["query_id"] == "100"} <= {("de", "en/1"), ("en", "de/1")}


def test_missing_mmarco_files_are_named_not_a_traceback(tmp_path, cli):
    proc = cli("train", str(Path(__file__).parents[1] / "recipes/contrastive.yaml"), "--set", "collection=mmarco",
               "--set", "negatives.miner=triples", "--set", "languages=[de, en]", "--out", str(tmp_path / "out"),
               check=False, extra_env={"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "mMARCO training data is not available here" in proc.stderr
    assert "triples.train.ids.small.tsv" in proc.stderr and "german_collection.tsv" in proc.stderr
