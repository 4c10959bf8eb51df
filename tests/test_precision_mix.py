"""benchmarks/precision_mix.py: the layers it keeps in float32 under bfloat16 autocast really
run in float32 (all of them kept: float32's vectors), and a mix it cannot read is refused."""

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import precision_mix  # noqa: E402
from tiny_models import build_tiny_xlmr, toy_texts  # noqa: E402

from clirbench.systems.hf_encoder import HFEncoder, HFEncoderSettings  # noqa: E402


def encode(folder: Path, precision: str, mix: str | None = None) -> np.ndarray:
    encoder = HFEncoder(HFEncoderSettings(model=str(folder), precision=precision))
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
