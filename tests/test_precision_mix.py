"""benchmarks/precision_mix.py: the layers it keeps in float32 under bfloat16 autocast really
run in float32 (all of them kept: float32's vectors), and a mix it cannot read is refused."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from benchmarks import precision_mix  # noqa: E402
from tiny_models import build_tiny_xlmr, toy_texts  # noqa: E402

from clirbench.systems.hf_encoder import HFEncoder, HFEncoderSettings  # noqa: E402


def encode(folder: Path, precision: str, mix: str | None = None) -> np.ndarray:
    encoder = HFEncoder(HFEncoderSettings(model=str(folder), precision=precision, device="cpu"))
    encoder.encode_documents(["load"], "en")
    if mix:
        precision_mix.keep_in_float32(encoder, mix)
    return encoder.encode_documents(toy_texts(), "en")


def test_layers_kept_in_float32_compute_in_float32(tmp_path):
    tiny = build_tiny_xlmr(tmp_path / "tiny")  # 2 layers
    float32 = encode(tiny, "float32")
    plain = np.abs(encode(tiny, "bfloat16") - float32)
    assert plain.max() > 1e-5  # bfloat16 changes them (by about 5e-5 here)
    for every_layer in ("last:2", "first:2"):
        np.testing.assert_array_equal(encode(tiny, "bfloat16", every_layer), float32)
    one = np.abs(encode(tiny, "bfloat16", "last:1") - float32)
    assert 0 < one.mean() < plain.mean()


@pytest.mark.parametrize("mix", ["last:0", "last:13", "middle:2", "last:two"])
def test_a_mix_it_cannot_read_is_named(mix):
    with pytest.raises(SystemExit, match=f"--mix '{mix}': write last:N or first:N with N from 1 to 12"):
        precision_mix.float32_layers(mix, 12)


def test_mixes_name_their_layers():
    assert precision_mix.float32_layers("last:4", 12) == [8, 9, 10, 11]
    assert precision_mix.float32_layers("first:2", 12) == [0, 1]
    assert precision_mix.layer_flop_share("last:4") == pytest.approx(1 / 3)


def result_of(max_difference: dict, moved: dict) -> dict:
    """What accuracy_of returns, as far as the rules read it (moved: one pair's count each)."""
    return {"max_abs_difference_from_float32": max_difference,
            "questions_changed_from_float32": {s: {"en-en": n} for s, n in moved.items()}}


def test_the_rules_choose_the_fewest_float32_layers_that_pass():
    mixes = ["last:1", "last:2", "last:4", "first:2"]
    result = result_of({"bfloat16": .008, "last:1": .004, "last:2": .002, "last:4": .001, "first:2": .001},
                       {"bfloat16": 20, "last:1": 10, "last:2": 5, "last:4": 4, "first:2": 3})
    # within .003: last:2 and first:2 pass with 2 layers each (first in list order), last:4 with 4
    # moved <= 4 (a fifth of 20): last:4 and first:2 pass; first:2 keeps fewer layers
    assert precision_mix.choose(result, mixes) == {"fewest_moved": "first:2", "within_bound": "last:2"}
    none = result_of(dict.fromkeys(["bfloat16", *mixes], .01), dict.fromkeys(["bfloat16", *mixes], 20))
    assert precision_mix.choose(none, mixes) == {"fewest_moved": None, "within_bound": None}


def test_confirm_takes_what_select_chose(tmp_path):
    chosen = tmp_path / "select.json"
    chosen.write_text('{"chosen": {"fewest_moved": null, "within_bound": "last:4"}}')
    assert precision_mix.chosen_mix(chosen) == "last:4"
    chosen.write_text('{"chosen": {"fewest_moved": null, "within_bound": null}}')
    with pytest.raises(SystemExit, match="select chose no mix"):
        precision_mix.chosen_mix(chosen)
    with pytest.raises(SystemExit, match="not the JSON of `python -m benchmarks.precision_mix select`"):
        precision_mix.chosen_mix(tmp_path / "missing.json")


def test_the_dev_split_is_the_recipes():
    from clirbench.train.recipe import ContrastiveRecipe, OpticalRecipe

    assert precision_mix.DEV_FRACTION == OpticalRecipe.model_fields["dev_fraction"].default
    assert precision_mix.DEV_FRACTION == ContrastiveRecipe.model_fields["dev_fraction"].default
