"""Rank fusion of runs already written: `clirbench run --system fuse:a+b` on the toy task."""

import json

from conftest import read_results

from clirbench.eval.rank_fusion import fuse, min_max, reciprocal_ranks


def _run_file(path):
    ranks: dict[str, dict[str, int]] = {}
    for line in path.read_text().splitlines():
        qid, _, doc, rank, _, _ = line.split()
        ranks.setdefault(qid, {})[doc] = int(rank)
    return ranks


def _scores(path):
    scores: dict[str, dict[str, float]] = {}
    for line in path.read_text().splitlines():
        qid, _, doc, _, score, _ = line.split()
        scores.setdefault(qid, {})[doc] = float(score)
    return scores


def _min_max(scores):
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    return {d: (s - low) / (high - low) if high > low else 0.0 for d, s in scores.items()}


def test_rrf_and_score_sum(cli, tmp_path):
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "sw-en,en-en,yo-sw")
    cli("run", "--system", "hashed-ngrams", "--task", "toy", "--pairs", "sw-en,en-en")
    proc = cli("run", "--system", "fuse:bm25s+hashed-ngrams", "--task", "toy", "--pairs", "sw-en,en-en,yo-sw")
    assert "not fused (a system has no results there): yo-sw" in proc.stderr
    out = tmp_path / "results/toy"
    fused = read_results(out / "fuse-rrf:bm25s+hashed-ngrams/results.json")
    assert set(fused["pairs"]) == {"sw-en", "en-en"} and fused["model"]["kind"] == "fusion"

    # Reciprocal rank fusion by hand: score = sum over systems of 1 / (60 + rank).
    a, b = _run_file(out / "bm25s/runs/sw-en.trec"), _run_file(out / "hashed-ngrams/runs/sw-en.trec")
    got = _run_file(out / "fuse-rrf:bm25s+hashed-ngrams/runs/sw-en.trec")
    for qid in got:
        docs = set(a.get(qid, {})) | set(b.get(qid, {}))
        score = {d: sum(1 / (60 + r[qid][d]) for r in (a, b) if d in r.get(qid, {})) for d in docs}
        best = max(score.values())
        top = next(d for d, rank in got[qid].items() if rank == 1)
        assert abs(score[top] - best) < 1e-9

    cli("run", "--system", "fuse:bm25s+hashed-ngrams", "--task", "toy", "--pairs", "sw-en", "--fusion", "sum")
    summed = read_results(out / "fuse-sum:bm25s+hashed-ngrams/results.json")
    assert set(summed["pairs"]) == {"sw-en"}
    # CombSUM by hand: each run's scores min-max normalised per query, then added.
    a, b = _scores(out / "bm25s/runs/sw-en.trec"), _scores(out / "hashed-ngrams/runs/sw-en.trec")
    got = _run_file(out / "fuse-sum:bm25s+hashed-ngrams/runs/sw-en.trec")
    for qid in got:
        norm = [_min_max(r.get(qid, {})) for r in (a, b)]
        score = {d: sum(n.get(d, 0.0) for n in norm) for d in set(norm[0]) | set(norm[1])}
        top = next(d for d, rank in got[qid].items() if rank == 1)
        assert abs(score[top] - max(score.values())) < 1e-6


def test_fusion_errors(cli):
    proc = cli("run", "--system", "fuse:bm25s", "--task", "toy", check=False)
    assert proc.returncode == 2 and "two or more different systems" in proc.stderr
    proc = cli("run", "--system", "fuse:bm25s+hashed-ngrams", "--task", "toy", check=False)
    assert proc.returncode == 2 and "no results of 'bm25s' on toy" in proc.stderr and "clirbench run --system bm25s" in proc.stderr


def test_fusion_of_systems_whose_names_hold_a_plus(cli, tmp_path):
    """`dict+bm25` is one system: `fuse:dict+bm25+x` must not split it, and `clirbench fuse`
    takes the names one by one. A copy of bm25s' results named `a+b` stands in for it."""
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "sw-en")
    cli("run", "--system", "hashed-ngrams", "--task", "toy", "--pairs", "sw-en")
    out = tmp_path / "results/toy"
    (out / "a+b").mkdir()
    raw = read_results(out / "bm25s/results.json")
    raw["model"]["name"] = "a+b"
    (out / "a+b/results.json").write_text(json.dumps(raw))
    (out / "a+b/runs").mkdir()
    (out / "a+b/runs/sw-en.trec").write_text((out / "bm25s/runs/sw-en.trec").read_text())

    cli("run", "--system", "fuse:a+b+hashed-ngrams", "--task", "toy", "--pairs", "sw-en")
    fused = read_results(out / "fuse-rrf:a+b+hashed-ngrams/results.json")
    assert fused["model"]["parameters"]["systems"] == ["a+b", "hashed-ngrams"]
    cli("fuse", "--task", "toy", "--systems", "a+b", "hashed-ngrams", "--method", "sum")
    summed = read_results(out / "fuse-sum:a+b+hashed-ngrams/results.json")
    assert summed["model"]["parameters"]["systems"] == ["a+b", "hashed-ngrams"] and set(summed["pairs"]) == {"sw-en"}
    # Same systems, same runs: fusing a+b is fusing bm25s.
    cli("fuse", "--task", "toy", "--systems", "bm25s", "hashed-ngrams")
    plain = read_results(out / "fuse-rrf:bm25s+hashed-ngrams/results.json")
    assert plain["pairs"]["sw-en"]["metrics"] == fused["pairs"]["sw-en"]["metrics"]
    proc = cli("run", "--system", "fuse:a+c", "--task", "toy", check=False)
    assert proc.returncode == 2 and "cannot split into systems" in proc.stderr and "clirbench fuse" in proc.stderr


def test_fusion_rules_by_hand():
    # Ranks follow the one order of a ranking: exact ties by doc id (b before c).
    assert reciprocal_ranks({"c": 0.5, "a": 0.9, "b": 0.5}) == {"a": 1 / 61, "b": 1 / 62, "c": 1 / 63}
    assert min_max({"a": 3.0, "b": 1.0, "c": 2.0}) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert min_max({"a": 2.0, "b": 2.0}) == {"a": 0.0, "b": 0.0}  # all equal: no division by zero
    runs = [{"q1": {"a": 2.0, "b": 1.0}}, {"q1": {"b": 5.0, "c": 1.0}, "q9": {"x": 1.0}}]
    assert fuse(runs, "sum", ["q1", "q2"]) == {"q1": {"a": 1.0, "b": 1.0, "c": 0.0}, "q2": {}}
    rrf = fuse(runs, "rrf", ["q1"])
    assert rrf == {"q1": {"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 62}}  # q9 is not asked for
    # One run alone keeps its own transformed scores.
    assert fuse(runs[:1], "sum", ["q1"]) == {"q1": {"a": 1.0, "b": 0.0}}


def test_a_fusion_refuses_a_results_file_of_other_settings(cli, tmp_path):
    """One rule with the runner (clirbench.eval.results.start_results): a fused results file
    recorded with another fingerprint is refused without --force (fusion used to start afresh
    silently, dropping its pairs); --force replaces it, and keeps none of the old pairs."""
    cli("run", "--system", "bm25s", "--task", "toy", "--pairs", "sw-en,en-en")
    cli("run", "--system", "hashed-ngrams", "--task", "toy", "--pairs", "sw-en,en-en")
    cli("fuse", "--task", "toy", "--systems", "bm25s", "hashed-ngrams", "--pairs", "sw-en,en-en")
    path = tmp_path / "results/toy/fuse-rrf:bm25s+hashed-ngrams/results.json"
    fused = read_results(path)
    assert set(fused["pairs"]) == {"sw-en", "en-en"}
    fingerprint = fused["model_fingerprint"]
    fused["model_fingerprint"] = "recorded-with-other-components"
    path.write_text(json.dumps(fused))

    proc = cli("fuse", "--task", "toy", "--systems", "bm25s", "hashed-ngrams", "--pairs", "sw-en", check=False)
    assert proc.returncode == 2 and "with other settings or measures" in proc.stderr and "--force" in proc.stderr
    assert read_results(path)["model_fingerprint"] == "recorded-with-other-components"  # untouched
    proc = cli("run", "--system", "fuse:bm25s+hashed-ngrams", "--task", "toy", "--pairs", "sw-en", check=False)
    assert proc.returncode == 2 and "with other settings or measures" in proc.stderr

    cli("fuse", "--task", "toy", "--systems", "bm25s", "hashed-ngrams", "--pairs", "sw-en", "--force")
    replaced = read_results(path)
    assert replaced["model_fingerprint"] == fingerprint
    assert set(replaced["pairs"]) == {"sw-en"}  # the en-en of the other settings is not kept beside it
    assert replaced["pairs"]["sw-en"]["metrics"] == fused["pairs"]["sw-en"]["metrics"]
    # Same settings, no --force: the fused pairs stay and the missing one is added.
    cli("fuse", "--task", "toy", "--systems", "bm25s", "hashed-ngrams", "--pairs", "sw-en,en-en")
    assert set(read_results(path)["pairs"]) == {"sw-en", "en-en"}
