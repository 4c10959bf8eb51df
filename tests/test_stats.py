"""The statistics module against known answers: scipy on unclustered data, a case where the
question-level and the pair-macro differences have opposite signs, uniform p-values under the
null, the coverage of the bootstrap CI, and the corrections."""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from clirbench.eval import stats


def _one_pair(diffs: np.ndarray) -> tuple[dict, dict]:
    """A: the differences, B: zeros, one pair, each query its own cluster."""
    return ({"p": {str(i): float(d) for i, d in enumerate(diffs)}},
            {"p": {str(i): 0.0 for i in range(len(diffs))}})


def test_sign_flip_agrees_with_scipy_on_unclustered_data():
    diffs = np.random.default_rng(1).normal(0.12, 1.0, size=300)
    a, b = _one_pair(diffs)
    ours = stats.sign_flip_p(stats.paired(a, b))
    t = scipy_stats.ttest_1samp(diffs, 0.0).pvalue
    permutation = scipy_stats.permutation_test((diffs,), np.mean, permutation_type="samples", n_resamples=20_000,
                                               random_state=3).pvalue
    assert ours == pytest.approx(permutation, abs=0.01)
    assert ours == pytest.approx(t, abs=0.01)  # the t-test's normal approximation holds at n = 300
    # The Wilcoxon signed-rank test asks about ranks, not the mean: close on symmetric data.
    assert ours == pytest.approx(scipy_stats.wilcoxon(diffs).pvalue, abs=0.03)


def test_bootstrap_ci_agrees_with_scipy_on_unclustered_data():
    diffs = np.random.default_rng(2).exponential(0.3, size=200) - 0.2
    a, b = _one_pair(diffs)
    low, high = stats.bootstrap_ci(stats.paired(a, b))
    ref = scipy_stats.bootstrap((diffs,), np.mean, method="percentile", n_resamples=20_000, random_state=4)
    assert low == pytest.approx(ref.confidence_interval.low, abs=0.006)
    assert high == pytest.approx(ref.confidence_interval.high, abs=0.006)
    assert low < diffs.mean() < high


def test_the_test_follows_the_pair_macro_not_the_question_mean():
    """Pair x: 2 questions, A ahead by 0.5; pair y: 100 questions, A behind by 0.1. The table
    prints the macro average, +0.2; pooled over questions A is behind (-0.088)."""
    a = {"x": {"q0": 1.0, "q1": 1.0}, "y": {f"q{i}": 0.4 for i in range(2, 102)}}
    b = {"x": {"q0": 0.5, "q1": 0.5}, "y": {f"q{i}": 0.5 for i in range(2, 102)}}
    pooled = np.mean([a[p][q] - b[p][q] for p in a for q in a[p]])
    assert pooled < 0
    test = stats.compare([a], [b], draws=4000)
    assert test.diff == pytest.approx(stats.macro(a) - stats.macro(b)) == pytest.approx(0.2)
    assert test.ci_low <= test.diff <= test.ci_high
    assert test.n_pairs == 2 and test.n_clusters == 102


def test_a_cluster_flips_as_one_across_pairs():
    """The same question in two pairs: its two differences are one unit. With every difference
    of a question equal across 3 pairs, the test is the one-pair test of those differences."""
    diffs = np.random.default_rng(5).normal(0.1, 1.0, size=80)
    one = stats.paired(*_one_pair(diffs))
    three = stats.paired({p: {str(i): float(d) for i, d in enumerate(diffs)} for p in "xyz"},
                         {p: {str(i): 0.0 for i in range(80)} for p in "xyz"})
    assert three.observed == pytest.approx(one.observed)
    assert stats.sign_flip_p(three) == pytest.approx(stats.sign_flip_p(one))
    assert stats.bootstrap_ci(three) == pytest.approx(stats.bootstrap_ci(one))


def _null_p_values(draw_values, trials=300):
    rng = np.random.default_rng(6)
    p_values = []
    for trial in range(trials):
        a = {p: {str(i): float(v) for i, v in enumerate(draw_values(rng))} for p in "xyz"}
        b = {p: {str(i): float(v) for i, v in enumerate(draw_values(rng))} for p in "xyz"}
        p_values.append(stats.sign_flip_p(stats.paired(a, b), draws=1000, seed=trial))
    return np.array(p_values)


def test_p_is_uniform_under_the_null():
    p_values = _null_p_values(lambda rng: rng.random(40))  # continuous values, as nDCG or AP give
    assert 0.02 <= np.mean(p_values < 0.05) <= 0.09
    assert scipy_stats.kstest(p_values, "uniform").pvalue > 0.01


def test_p_keeps_its_level_on_binary_values():
    """0/1 values (Success@1, RR@10 of one relevant document at rank 1): many ties, a discrete
    statistic, so p is conservative, never liberal."""
    p_values = _null_p_values(lambda rng: rng.random(40) < 0.5)
    assert np.mean(p_values < 0.05) <= 0.06


def test_the_ci_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    covered = 0
    trials = 300
    for trial in range(trials):
        # True macro difference 0.1: per-pair means of questions drawn around it.
        a = {p: {str(i): float(v) for i, v in enumerate(rng.normal(0.1, 1.0, 60))} for p in "xy"}
        b = {p: {str(i): 0.0 for i in range(60)} for p in "xy"}
        low, high = stats.bootstrap_ci(stats.paired(a, b), draws=1000, seed=trial)
        covered += low <= 0.1 <= high
    assert 0.91 <= covered / trials <= 0.98


def test_seed_level_tests_agree_with_scipy_and_need_two_seeds_a_side():
    a, b = [0.61, 0.63, 0.60], [0.58, 0.60, 0.62]
    assert stats.welch_p(a, b) == pytest.approx(scipy_stats.ttest_ind(a, b, equal_var=False).pvalue)
    # Against one run (an untrained baseline): the seeds against that run's value.
    assert stats.welch_p([0.6], b) == pytest.approx(scipy_stats.ttest_1samp(b, 0.6).pvalue)
    assert stats.welch_p(a, [0.6]) == pytest.approx(scipy_stats.ttest_1samp(a, 0.6).pvalue)
    assert stats.welch_p([0.6], [0.5]) is None
    # A column no seed changes (English questions the teacher encodes): no training variance to
    # test, so the question level decides alone.
    assert stats.welch_p([0.89, 0.89, 0.89], [0.90]) is None
    assert stats.welch_p([0.89, 0.89, 0.89], [0.89, 0.89, 0.89]) is None


def test_a_pair_no_draw_holds_keeps_its_mean():
    """A one-query pair beside a large one: the bootstrap's macro stays the printed statistic,
    so the CI is around the estimate, not pulled to the large pair's mean alone."""
    a = {"x": {"q0": 1.0}, "y": {f"q{i}": 0.5 + 0.01 * (i % 3) for i in range(1, 200)}}
    b = {"x": {"q0": 0.0}, "y": {f"q{i}": 0.5 for i in range(1, 200)}}
    data = stats.paired(a, b)
    low, high = stats.bootstrap_ci(data, draws=2000)
    assert data.observed == pytest.approx(0.5 + 0.005, abs=0.001)
    assert low > 0.45 and high < 0.56


def test_nan_values_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        stats.paired({"x": {"q": float("nan")}}, {"x": {"q": 0.0}})


def test_compare_reports_seed_level_p_when_there_are_seeds():
    rng = np.random.default_rng(8)

    def run(shift):
        return {p: {str(i): float(v) for i, v in enumerate(rng.normal(shift, 0.3, 50))} for p in "xy"}

    a_runs, b_runs = [run(0.5) for _ in range(3)], [run(0.45) for _ in range(3)]
    test = stats.compare(a_runs, b_runs, draws=2000)
    expected = np.mean([stats.macro(r) for r in a_runs]) - np.mean([stats.macro(r) for r in b_runs])
    assert test.diff == pytest.approx(expected)
    assert test.p_seed == pytest.approx(stats.welch_p([stats.macro(r) for r in a_runs], [stats.macro(r) for r in b_runs]))
    assert test.n_seeds == (3, 3)
    against_one = stats.compare(a_runs, b_runs[:1], draws=500)
    assert against_one.p_seed == pytest.approx(scipy_stats.ttest_1samp([stats.macro(r) for r in a_runs],
                                                                       stats.macro(b_runs[0])).pvalue)


def test_corrections():
    assert stats.adjust([0.01, 0.04, 0.03], "holm") == pytest.approx([0.03, 0.06, 0.06])
    assert stats.adjust([0.01, 0.04, 0.03], "bh") == pytest.approx(list(scipy_stats.false_discovery_control([0.01, 0.04, 0.03])))
    with pytest.raises(ValueError, match="holm"):
        stats.adjust([0.5], "bonferonni")


def test_the_interaction_is_the_difference_of_the_printed_differences():
    """Low pairs: A ahead by .2 on average; high pairs: ahead by .05. The difference of
    differences is .15 whatever the pairs' sizes, its CI holds it, and the seed-level test
    compares the seeds' low - high gaps."""
    rng = np.random.default_rng(11)
    ids = [f"q{i}" for i in range(200)]

    def run(low_gain: float, high_gain: float, noise: float) -> dict:
        out = {}
        for pair, gain in (("hi-en", low_gain), ("vi-en", low_gain), ("de-en", high_gain), ("es-en", high_gain)):
            base = rng.uniform(0, 1, size=len(ids))
            out[pair] = {q: float(v + gain + rng.normal(0, noise)) for q, v in zip(ids, base)}
        return out

    b = run(0.0, 0.0, 0.0)
    a = [{p: {q: b[p][q] + (0.2 if p in ("hi-en", "vi-en") else 0.05) + s * 0.01 for q in ids} for p in b}
         for s in range(3)]
    test = stats.interaction(a, [b], ["hi-en", "vi-en"], ["de-en", "es-en"], draws=2000)
    low = stats.macro(stats.seed_mean([{k: r[k] for k in ("hi-en", "vi-en")} for r in a])) - stats.macro(
        {k: b[k] for k in ("hi-en", "vi-en")})
    high = stats.macro(stats.seed_mean([{k: r[k] for k in ("de-en", "es-en")} for r in a])) - stats.macro(
        {k: b[k] for k in ("de-en", "es-en")})
    assert test.diff == pytest.approx(low - high) == pytest.approx(0.15)
    assert test.ci_low <= test.diff <= test.ci_high and test.n_clusters == 200
    # Every seed shifts low and high alike: the gaps are equal across seeds, so there is nothing
    # to test at seed level... except against B's single run, where the gap is a constant .15.
    assert test.p_seed is None
    noisy = [{p: {q: v + (rng.normal(0, 0.02) if p in ("hi-en", "vi-en") else 0.0) for q, v in r[p].items()}
              for p in r} for r in a]
    assert stats.interaction(noisy, [b], ["hi-en", "vi-en"], ["de-en", "es-en"], draws=500).p_seed < 0.05


def test_no_interaction_gives_a_ci_around_zero():
    rng = np.random.default_rng(12)
    ids = [f"q{i}" for i in range(300)]
    b = {p: {q: float(rng.uniform()) for q in ids} for p in ("hi-en", "de-en")}
    a = {p: {q: v + 0.1 + float(rng.normal(0, 0.3)) for q, v in b[p].items()} for p in b}
    test = stats.interaction([a], [b], ["hi-en"], ["de-en"], draws=2000)
    assert test.ci_low < 0 < test.ci_high and test.p_seed is None
