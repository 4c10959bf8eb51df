"""Every p-value and confidence interval clirbench prints: one module, used by the leaderboard
(CLI and app) and by experiment reports.

What is tested is what the table prints. A cell is a macro average over pairs of per-pair means
(each pair weighs the same), averaged over training seeds where there are several. The same
question (MLQA-R's ids, FLORES-200's sentences) recurs in several pairs, so questions are not
independent across pairs: the unit that is resampled is the *cluster*, the id a query shares
across pairs. Both tests recompute the printed macro difference on every draw:

- a paired cluster bootstrap for the 95% CI (clusters drawn with replacement, each pair's mean
  taken over the draws that fall in it);
- a paired randomization (sign-flip) test for p: under the null hypothesis that the two systems
  are exchangeable, the sign of every difference of a cluster flips together.

Training variance (several seeds): the question-level tests above treat the trained models as
fixed, so they say whether *these* models differ. Whether the *recipe* does is tested at seed
level: Welch's t-test over the seeds' macro means, or, against a single run (an untrained
baseline), a one-sample t-test of the seeds' macro means against that run's. Reports show both
and star only what holds at seed level.

Draws use a fixed seed, and 10,000 of them, so that a p-value is stable to the precision shown;
they are vectorised (chunks of draws x clusters matrices).
"""

from dataclasses import dataclass

import numpy as np

from clirbench.core.languages import language

ALPHA = 0.05
DRAWS = 10_000
SEED = 20260
_CELLS = 5_000_000  # draws x clusters per matrix product: 40 MB of float64


@dataclass(frozen=True)
class Paired:
    """Per-query values of two systems, A and B, on the same queries of several pairs.

    `diff[p, c]` is A - B on cluster c's query in pair p (each side averaged over its seeds),
    `present[p, c]` whether pair p has that query. The statistic is the macro average over
    pairs of the mean difference within each pair: what the table prints as A's cell minus B's."""

    pairs: list[str]
    clusters: list[str]
    diff: np.ndarray  # (pairs, clusters), 0 where absent
    present: np.ndarray  # (pairs, clusters), bool
    weights: np.ndarray  # (pairs,), summing to 1: each pair's weight in the printed average

    @property
    def observed(self) -> float:
        counts = self.present.sum(axis=1)
        return float(self.weights @ (self.diff.sum(axis=1) / counts))


def paired(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]], cluster_of=None,
           weights: dict[str, float] | None = None) -> Paired:
    """`a`, `b`: pair -> {query id -> value} (already averaged over seeds). Only the queries both
    have are compared; a pair with none is left out. `cluster_of(pair, qid)` names a query's
    cluster (default: the query id itself, shared across pairs). `weights`: each pair's weight
    in the printed average (default: equal; a column that averages languages, each the mean of
    its pairs, weighs a pair by 1 / its language's pairs)."""
    cluster_of = cluster_of or (lambda pair, qid: qid)
    pairs = [p for p in sorted(a) if p in b and set(a[p]) & set(b[p])]
    if not pairs:
        raise ValueError("the two systems share no query of any pair")
    keys = sorted({cluster_of(p, q) for p in pairs for q in set(a[p]) & set(b[p])})
    index = {k: i for i, k in enumerate(keys)}
    diff = np.zeros((len(pairs), len(keys)))
    present = np.zeros((len(pairs), len(keys)), dtype=bool)
    for row, p in enumerate(pairs):
        for q in set(a[p]) & set(b[p]):
            col = index[cluster_of(p, q)]
            if present[row, col]:
                raise ValueError(f"pair {p}: two queries in cluster {cluster_of(p, q)!r}; a cluster holds one query a pair")
            diff[row, col] = a[p][q] - b[p][q]
            present[row, col] = True
    if not np.isfinite(diff).all():
        raise ValueError("a per-query value is NaN or infinite: there is nothing to test")
    w = np.array([1.0 if weights is None else weights[p] for p in pairs])
    return Paired(pairs, keys, diff, present, w / w.sum())


@dataclass(frozen=True)
class Test:
    """A printed difference, its 95% CI and p-value (question level), and where there are seeds,
    the seed-level p-value."""

    diff: float
    ci_low: float
    ci_high: float
    p: float
    n_pairs: int
    n_clusters: int
    p_seed: float | None = None
    n_seeds: tuple[int, int] | None = None


def _macro_of_weighted(weights: np.ndarray, data: Paired) -> np.ndarray:
    """Macro average over pairs of the weighted mean difference within each pair, per draw:
    weights (draws, clusters) -> (draws,). A pair none of whose clusters a draw holds keeps its
    observed mean in that draw: leaving it out would change the statistic (a one-query pair
    would swing the macro by its own weight), keeping it adds no variance it cannot show."""
    masked = data.present.astype(np.float32)
    num = weights @ (data.diff * masked).astype(np.float32).T  # (draws, pairs)
    den = weights @ masked.T
    observed = data.diff.sum(axis=1) / data.present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(den > 0, num / den, observed)
    return means @ data.weights


def bootstrap_ci(data: Paired, draws: int = DRAWS, seed: int = SEED, level: float = 0.95) -> tuple[float, float]:
    """Percentile CI of the macro difference, clusters resampled with replacement."""
    rng = np.random.default_rng(seed)
    n = len(data.clusters)
    stats = []
    chunk = max(1, _CELLS // n)
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        # How many times each cluster is drawn: one flat bincount (numpy's multinomial is 5x slower).
        picks = rng.integers(0, n, size=(size, n)) + np.arange(size)[:, None] * n
        weights = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n).astype(np.float32)
        stats.append(_macro_of_weighted(weights, data))
    values = np.concatenate(stats)
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    # The percentile interval of a skewed statistic can miss the point estimate by a hair
    # (a few draws); the table prints the estimate inside its CI.
    observed = data.observed
    return float(min(low, observed)), float(max(high, observed))


def sign_flip_p(data: Paired, draws: int = DRAWS, seed: int = SEED) -> float:
    """Two-sided p of the macro difference under sign flips of whole clusters; (1 + hits) /
    (1 + draws), so that it is never 0."""
    observed = abs(data.observed)
    if observed == 0.0:
        return 1.0
    rng = np.random.default_rng(seed)
    counts = data.present.sum(axis=1)
    # (clusters, pairs): each query's share of its pair mean; float64, as the statistic is compared
    # with the observed one to 1e-12.
    per_pair = (data.diff * (data.weights / counts)[:, None]).T
    n = len(data.clusters)
    hits = 0
    chunk = max(1, _CELLS // n)
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        # Random bits, eight per byte: generating them is most of the cost.
        bits = np.unpackbits(rng.integers(0, 256, size=(size, (n + 7) // 8), dtype=np.uint8), axis=1)[:, :n]
        macro = ((bits * 2.0 - 1.0) @ per_pair).sum(axis=1)
        hits += int(np.sum(np.abs(macro) >= observed - 1e-12))
    return (1 + hits) / (1 + draws)


def welch_p(a: list[float], b: list[float]) -> float | None:
    """Seed-level p: Welch's t-test over the two sides' seed values; where one side is a single
    run (an untrained baseline), a one-sample t-test of the other side's seeds against it; None
    when neither side has two seeds, or no seed changed the value (nothing measures training
    variance: the question level decides alone)."""
    from scipy import stats

    varying = [side for side in (a, b) if len(side) > 1]
    # No seed moved the value (a column the training does not touch, such as English questions
    # the teacher encodes): there is no training variance to test, and t would be 0/0.
    if not varying or all(np.ptp(side) <= 1e-12 for side in varying):
        return None
    if len(a) < 2 or len(b) < 2:
        seeds, fixed = (a, b[0]) if len(b) < 2 else (b, a[0])
        return float(stats.ttest_1samp(seeds, fixed).pvalue)
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def macro(values: dict[str, dict[str, float]], weights: dict[str, float] | None = None) -> float:
    """The printed cell: (weighted) macro average over pairs of per-pair means."""
    pairs = [p for p, v in values.items() if v]
    w = np.array([1.0 if weights is None else weights[p] for p in pairs])
    # Summed in query-id order: the same bits whether the values come from a results file or
    # from a report's bundle (stored with sorted keys).
    return float(w @ [np.mean([values[p][q] for q in sorted(values[p])]) for p in pairs] / w.sum())


def seed_mean(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per-query values averaged over seeds (runs: pair -> {qid -> value}, one per seed), over
    the queries every seed has."""
    pairs = set.intersection(*(set(r) for r in runs))
    if len(runs) == 1:  # one run (a deterministic system): its values, as floats (the mean of one value is itself)
        return {p: {q: float(runs[0][p][q]) for q in sorted(runs[0][p])} for p in sorted(pairs)}
    out = {}
    for p in sorted(pairs):
        qids = set.intersection(*(set(r[p]) for r in runs))
        out[p] = {q: float(np.mean([r[p][q] for r in runs])) for q in sorted(qids)}
    return out


def compare(a_runs: list[dict[str, dict[str, float]]], b_runs: list[dict[str, dict[str, float]]],
            cluster_of=None, weights: dict[str, float] | None = None, draws: int = DRAWS, seed: int = SEED) -> Test:
    """A against B on one cell. Each side is a list of runs (one per seed; a deterministic system
    has one): pair -> {query id -> value}. The difference is the printed one (seed-averaged macro
    of A minus that of B, over the pairs and queries both have; `weights` as in `paired`)."""
    data = paired(seed_mean(a_runs), seed_mean(b_runs), cluster_of, weights)
    low, high = bootstrap_ci(data, draws, seed)
    p_seed = None
    if len(a_runs) > 1 or len(b_runs) > 1:
        def seed_macros(runs):
            return [macro({p: r[p] for p in data.pairs}, dict(zip(data.pairs, data.weights))) for r in runs]
        p_seed = welch_p(seed_macros(a_runs), seed_macros(b_runs))
    return Test(data.observed, low, high, sign_flip_p(data, draws, seed), len(data.pairs), len(data.clusters),
                p_seed, (len(a_runs), len(b_runs)))


def macro_ci(values: dict[str, dict[str, float]], cluster_of=None, weights: dict[str, float] | None = None,
             draws: int = DRAWS, seed: int = SEED) -> tuple[float, float, float]:
    """One system's printed cell (the macro average over pairs of per-pair means; `weights` as in
    `paired`) and its 95% CI: the same cluster bootstrap as a difference's CI, of the system
    against nothing (every value minus 0). `values`: pair -> {query id -> value}."""
    data = paired(values, {p: dict.fromkeys(v, 0.0) for p, v in values.items()}, cluster_of, weights)
    low, high = bootstrap_ci(data, draws, seed)
    return data.observed, low, high


@dataclass(frozen=True)
class Interaction:
    """A difference of differences: (A - B over the first column's pairs) - (A - B over the
    second's), e.g. "helps low-resource languages more than high-resource ones"."""

    diff: float
    ci_low: float
    ci_high: float
    p_seed: float | None
    n_clusters: int
    n_seeds: tuple[int, int]


def interaction(a_runs: list[dict[str, dict[str, float]]], b_runs: list[dict[str, dict[str, float]]],
                first: list[str], second: list[str], cluster_of=None, draws: int = DRAWS,
                seed: int = SEED) -> Interaction:
    """(A - B on the pairs `first`) - (A - B on the pairs `second`), each a printed macro
    difference. Question level: a cluster-bootstrap 95% CI of that very statistic (a cluster's
    queries in both columns drawn together; no sign-flip p, whose null, A and B exchangeable,
    is not "no interaction"). Seed level: Welch's t-test of A's seeds' (first - second) macro
    gaps against B's (one-sample against a single untrained run)."""
    def side(runs, keys):
        return [{k: r[k] for k in keys} for r in runs]

    parts = [paired(seed_mean(side(a_runs, keys)), seed_mean(side(b_runs, keys)), cluster_of) for keys in (first, second)]
    keys = sorted(set(parts[0].clusters) | set(parts[1].clusters))
    index = {k: i for i, k in enumerate(keys)}
    rows, present, weights = [], [], []
    for sign, part in zip((1.0, -1.0), parts):
        columns = [index[c] for c in part.clusters]
        for r in range(len(part.pairs)):
            row, has = np.zeros(len(keys)), np.zeros(len(keys), dtype=bool)
            row[columns], has[columns] = sign * part.diff[r], part.present[r]
            rows.append(row)
            present.append(has)
        weights += list(part.weights)
    # Weights sum to 1 within each column: the statistic is the first macro gap minus the second.
    data = Paired([f"{i}" for i in range(len(rows))], keys, np.array(rows), np.array(present), np.array(weights))
    low, high = bootstrap_ci(data, draws, seed)

    def gaps(runs):
        return [macro({k: r[k] for k in parts[0].pairs}, dict(zip(parts[0].pairs, parts[0].weights)))
                - macro({k: r[k] for k in parts[1].pairs}, dict(zip(parts[1].pairs, parts[1].weights))) for r in runs]

    p_seed = welch_p(gaps(a_runs), gaps(b_runs)) if len(a_runs) > 1 or len(b_runs) > 1 else None
    return Interaction(data.observed, low, high, p_seed, len(keys), (len(a_runs), len(b_runs)))


def clusters(query_ids: str, pairs: dict):
    """`cluster_of(pair key, query id)` for a task's pairs (pair key -> PairResult): the query id
    itself where ids are shared across pairs; else the id within the language of its question set
    (the side of the pair that is not English, or the language a translation was made from)."""
    if query_ids == "shared":
        return None

    def question_language(pair) -> str:
        if pair.query_set:
            return pair.query_set
        english = language(pair.query_lang).iso639_3 == "eng" if pair.query_lang != pair.doc_lang else False
        return pair.doc_lang if english else pair.query_lang

    return lambda key, qid: f"{question_language(pairs[key])}:{qid}"


CORRECTIONS = ("holm", "bh")


def adjust(p_values: list[float], method: str = "holm") -> list[float]:
    """p-values corrected for every test of a table: Holm (family-wise error) or Benjamini-
    Hochberg (false discovery rate)."""
    from scipy import stats

    if method not in CORRECTIONS:
        raise ValueError(f"unknown correction {method!r}; use one of {', '.join(CORRECTIONS)}")
    p = np.clip(np.asarray(p_values, dtype=float), 0, 1)
    if len(p) == 0:
        return []
    if method == "bh":
        return [float(x) for x in stats.false_discovery_control(p, method="bh")]
    order = np.argsort(p)
    adjusted = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (len(p) - rank) * p[i])
        adjusted[i] = min(1.0, running)
    return [float(x) for x in adjusted]
