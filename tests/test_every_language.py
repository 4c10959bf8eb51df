"""Every language clirbench lists is searchable by both BM25 systems (issue 9).

For each language of clirbench.core.languages.LANGUAGES, a four-document sample in its own
script (tests/language_samples.py) is indexed with `bm25` (Lucene through pyserini) and
`bm25s`, through the plugins' own build_index / open_index, and a query whose words occur in
exactly one document must rank that document first. Lucene runs in this process: one JVM
for the whole session.
"""

import pytest

from clirbench.core.languages import LANGUAGES
from clirbench.systems.bm25_lucene import LuceneBM25
from clirbench.systems.bm25s_retriever import Bm25sRetriever
from clirbench.systems.textnorm import tokenise
from language_samples import SAMPLES

CODES = sorted(LANGUAGES)


def test_every_listed_language_has_a_sample():
    assert sorted(SAMPLES) == CODES


@pytest.mark.parametrize("lang", CODES)
def test_sample_query_shares_words_with_its_target_only(lang):
    """The sample is what it claims: a precondition of the retrieval tests below."""
    sample = SAMPLES[lang]
    query = set(tokenise(sample.query, lang))
    assert query, f"{lang}: the query has no tokens"
    sharing = [i for i, doc in enumerate(sample.docs) if query & set(tokenise(doc, lang))]
    assert sharing == [sample.target], f"{lang}: query tokens {sorted(query)}"


def _search(retriever, lang, index_dir):
    sample = SAMPLES[lang]
    docs = [(f"{lang}-{i}", text) for i, text in enumerate(sample.docs)]
    retriever.build_index(iter(docs), lang, index_dir)
    index = retriever.open_index(index_dir, lang)
    try:
        return index.search([("q", sample.query)], lang, k=10)["q"]
    finally:
        index.close()


def _assert_target_first(ranking, lang):
    target = f"{lang}-{SAMPLES[lang].target}"
    assert ranking, f"{lang}: no document matched {SAMPLES[lang].query!r}"
    assert ranking[0][0] == target, f"{lang}: {ranking}"
    assert all(score < ranking[0][1] for _, score in ranking[1:]), f"{lang}: {ranking}"


@pytest.mark.parametrize("lang", CODES)
def test_bm25s_ranks_the_document_sharing_the_query_word_first(lang, tmp_path):
    _assert_target_first(_search(Bm25sRetriever(), lang, tmp_path / "bm25s"), lang)


@pytest.mark.parametrize("lang", CODES)
def test_lucene_bm25_ranks_the_document_sharing_the_query_word_first(lang, tmp_path):
    _assert_target_first(_search(LuceneBM25(), lang, tmp_path / "bm25"), lang)
