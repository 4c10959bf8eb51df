"""nmt+bm25 with a tiny random MarianMT model built offline: real loading, generation, the
translation cache, settings files and not-applicable pairs."""

import csv

import pytest

from conftest import read_results
from tiny_marian import build_tiny_marian


@pytest.fixture(scope="module")
def marian(tmp_path_factory):
    return build_tiny_marian(tmp_path_factory.mktemp("models") / "opus-mt-sw-en-tiny")


def test_nmt_bm25_translates_once_and_caches(cli, tmp_path, env, marian):
    settings = tmp_path / "nmt.yaml"
    settings.write_text(f"system: nmt+bm25\nsettings:\n  models: {{sw-en: {marian}}}\n  num_beams: 1\n  max_length: 16\n")
    proc = cli("run", "--system", str(settings), "--task", "toy")
    results = read_results(tmp_path / "results/toy/nmt+bm25/results.json")
    assert list(results["pairs"]) == ["sw-en"]
    assert results["not_applicable"]["en-sw"] == "no translation model set for en-sw (settings: models)"
    assert results["not_applicable"]["sw-sw"].startswith("monolingual") and len(results["not_applicable"]) == 15
    assert results["model"]["parameters"]["models"] == {"sw-en": str(marian)}
    assert "15 pair(s) not applicable" in proc.stderr

    files = list((tmp_path / "cache/translations").rglob("sw-en.tsv"))
    assert len(files) == 1
    rows = list(csv.reader(files[0].open(encoding="utf-8"), delimiter="\t"))
    assert len(rows) == 6 and all(len(r) == 2 for r in rows)  # the six Swahili questions, each once
    before = files[0].read_bytes()
    cli("run", "--system", str(settings), "--task", "toy", "--force")
    assert files[0].read_bytes() == before  # all from the cache


def test_settings_errors(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("system: nmt+bm26\n")
    proc = cli("run", "--system", str(bad), "--task", "toy", check=False)
    assert proc.returncode == 2 and "unknown system 'nmt+bm26'" in proc.stderr
    bad.write_text("system: nmt+bm25\nsettings: {beams: 3}\n")
    proc = cli("run", "--system", str(bad), "--task", "toy", check=False)
    assert proc.returncode == 2 and "field `settings`" in proc.stderr and "beams" in proc.stderr
    bad.write_text("system: nmt+bm25\nsettings: {models: {sw-en: /no/such/model}}\n")
    proc = cli("run", "--system", str(bad), "--task", "toy", "--pairs", "sw-en", check=False)
    assert proc.returncode == 2 and "cannot load translation model '/no/such/model'" in proc.stderr
