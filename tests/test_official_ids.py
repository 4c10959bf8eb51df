"""WikiCLIR and mMARCO load through their official ir_datasets IDs from tiny files in the
original formats, placed where ir_datasets looks for them."""

import os

from conftest import read_results


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_wikiclir_swahili(cli, env, tmp_path):
    root = tmp_path / "ir_datasets" / "wikiclir" / "source" / "wiki-clir"
    _write(root / "english" / "wiki_en.queries",
           "101\tNairobi\tNairobi is the capital of Kenya.\n102\tKilimanjaro\tKilimanjaro is a mountain.\n"
           "103\tLagos\tLagos is a city.\n")
    _write(root / "swahili" / "wiki_sw.documents",
           "5\tNairobi\tNairobi ni mji mkuu wa Kenya.\n6\tKenya\tKenya ni nchi; mji mkuu ni Nairobi.\n"
           "7\tKilimanjaro\tMlima Kilimanjaro uko Tanzania.\n8\tLagos\tLagos ni mji wa Nigeria.\n")
    # 2: the linked article; 1: articles linking to or from it. Query 103 has only grade 1.
    _write(root / "swahili" / "en2sw.rel", "101 5 2\n101 6 1\n102 7 2\n103 8 1\n")
    cli("run", "--system", "bm25s", "--task", "wikiclir", "--pairs", "en-sw")
    results = read_results(tmp_path / "results" / "wikiclir" / "bm25s" / "results.json")
    # Measures go by their names; what was computed under the task's threshold is recorded.
    assert results["metrics"][0] == "RR@10" and results["measures"]["RR@10"] == "RR(rel=2)@10"
    pair = results["pairs"]["en-sw"]
    assert pair["num_queries"] == 3 and pair["num_docs"] == 4
    assert pair["per_query"]["RR@10"] == {"101": 1.0, "102": 1.0, "103": 0.0}
    # The name, and the definition, work wherever a measure is chosen.
    for metric in ("RR@10", "RR(rel=2)@10"):
        assert "1.000" in cli("show", "--system", "bm25s", "--task", "wikiclir", "--metric", metric).stdout
        board = cli("leaderboard", "--task", "wikiclir", "--results", str(tmp_path / "results"), "--metric", metric,
                    "--format", "csv").stdout
        assert board.splitlines()[1].startswith("bm25s,") and "0.666667" in board
    listing = cli("tasks", "wikiclir").stdout
    assert "en-sw" in listing and "1/25" in cli("tasks").stdout


def test_mmarco_hindi_both_directions(cli, env, tmp_path):
    home = tmp_path / "ir_datasets"
    _write(home / "mmarco" / "v2" / "hindi_collection.tsv", "0\tभारत की राजधानी नई दिल्ली है\n1\tपेरिस फ्रांस की राजधानी है\n2\tDelhi metro\n")
    _write(home / "mmarco" / "v2" / "hindi.queries.dev.tsv", "10\tभारत की राजधानी\n11\tफ्रांस की राजधानी Paris\n12\tunjudged\n")
    _write(home / "mmarco" / "qrels.dev.small.tsv", "10\t0\t0\t1\n11\t0\t1\t1\n")
    _write(home / "msmarco-passage" / "collection.tsv", "0\tNew Delhi is the capital of India\n1\tParis is the capital of France\n2\tDelhi metro\n")
    _write(home / "msmarco-passage" / "irds_version.txt", "v2")  # as ir_datasets leaves it after a download
    _write(home / "msmarco-passage" / "dev" / "small" / "queries.tsv", "10\tcapital of India Delhi\n11\tcapital of France\n")
    _write(home / "msmarco-passage" / "dev" / "small" / "qrels", "10\t0\t0\t1\n11\t0\t1\t1\n")
    # Stand-ins for the official files: their MD5s differ, so they are read unchecked
    # (tests/test_concurrency.py checks that a file of another MD5 is refused).
    cli("run", "--system", "bm25s", "--task", "mmarco-clir", "--pairs", "en-hi,hi-en",
        extra_env={"CLIRBENCH_VERIFY_DATA": "0"})
    pairs = read_results(tmp_path / "results" / "mmarco-clir" / "bm25s" / "results.json")["pairs"]
    assert pairs["hi-en"]["num_queries"] == 2 and pairs["en-hi"]["num_docs"] == 3
    assert pairs["hi-en"]["data"]["queries"] == "mmarco/v2/hi/dev/small"
    # The only word the English query shares with the Hindi passages, "Delhi", is in the wrong one.
    assert pairs["en-hi"]["per_query"]["RR@10"]["10"] == 0.0
    # Hindi query 11 names Paris, which only passage 1 (its relevant one) holds; query 10 shares nothing.
    assert pairs["hi-en"]["per_query"]["RR@10"] == {"10": 0.0, "11": 1.0}


def test_missing_data_says_which_file_to_put_where(cli, tmp_path):
    # A closed local port as proxy: the download fails at once, as it does offline.
    proc = cli("run", "--system", "bm25s", "--task", "wikiclir", "--pairs", "en-de", check=False,
               extra_env={"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"})
    assert proc.returncode == 2, proc.stderr
    assert "pair en-de: data is not available here" in proc.stderr
    assert os.path.join("wiki-clir", "german", "wiki_de.documents") in proc.stderr
    assert "Traceback" not in proc.stderr
