"""Experiment grids: pair patterns, and a recipe trained once for every grid that asks for it."""

from pathlib import Path

import pytest
import yaml

from clirbench.core.errors import ClirbenchError
from clirbench.train.experiment import ExperimentSpec, _pairs, trained_elsewhere
from clirbench.train.recipe import load_recipe

REPO = Path(__file__).parents[1]


def _spec(pairs) -> ExperimentSpec:
    return ExperimentSpec(name="grid", recipe="r.yaml", task="flores-r", pairs=pairs, seeds=[0], baseline="base",
                          conditions={"base": None})


def test_pair_patterns_expand_over_the_tasks_pairs():
    _, into_english = _pairs(_spec(["*-eng_Latn"]))
    assert len(into_english) == 204 and all(p.doc_lang == "eng_Latn" and p.query_lang != "eng_Latn"
                                            for p in into_english)
    _, mixed = _pairs(_spec(["hau_Latn-eng_Latn", "eng_Latn-yor_*"]))
    assert [p.key for p in mixed] == ["hau_Latn-eng_Latn", "eng_Latn-yor_Latn"]
    with pytest.raises(ClirbenchError, match="match no pair of flores-r"):
        _pairs(_spec(["*-klingon"]))


def test_a_recipe_trained_by_another_grid_is_found_by_its_digest(tmp_path):
    recipe = load_recipe(REPO / "recipes/contrastive.yaml", ["alpha=0.5", "seed=1"])
    other = load_recipe(REPO / "recipes/contrastive.yaml", ["alpha=0.0", "seed=1"])
    assert recipe.digest() != other.digest()
    model = tmp_path / "hard-negatives" / "none-seed1" / "model"
    model.mkdir(parents=True)
    (model / "clirbench-model.yaml").write_text(yaml.safe_dump({"recipe_digest": recipe.digest()}))
    assert trained_elsewhere(recipe, tmp_path) == model
    assert trained_elsewhere(other, tmp_path) is None
