"""Rank fusion of runs already written: `clirbench run --model fuse:a+b` on the toy task."""

from conftest import read_results


def _run_file(path):
    ranks: dict[str, dict[str, int]] = {}
    for line in path.read_text().splitlines():
        qid, _, doc, rank, _, _ = line.split()
        ranks.setdefault(qid, {})[doc] = int(rank)
    return ranks


def test_rrf_and_score_sum(cli, tmp_path):
    cli("run", "--model", "bm25s", "--task", "toy", "--pairs", "sw-en,en-en,yo-sw")
    cli("run", "--model", "hashed-ngrams", "--task", "toy", "--pairs", "sw-en,en-en")
    proc = cli("run", "--model", "fuse:bm25s+hashed-ngrams", "--task", "toy", "--pairs", "sw-en,en-en,yo-sw")
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

    cli("run", "--model", "fuse:bm25s+hashed-ngrams", "--task", "toy", "--pairs", "sw-en", "--fusion", "sum")
    summed = read_results(out / "fuse-sum:bm25s+hashed-ngrams/results.json")
    assert 0 < summed["pairs"]["sw-en"]["metrics"]["RR@10"] <= 1


def test_fusion_errors(cli):
    proc = cli("run", "--model", "fuse:bm25s", "--task", "toy", check=False)
    assert proc.returncode == 2 and "two or more different systems" in proc.stderr
    proc = cli("run", "--model", "fuse:bm25s+hashed-ngrams", "--task", "toy", check=False)
    assert proc.returncode == 2 and "no results of 'bm25s' on toy" in proc.stderr and "clirbench run --model bm25s" in proc.stderr
