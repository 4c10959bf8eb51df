"""The encoder's speed paths (bfloat16, int8, eager attention, batch size, forward passes cut by
tokens, torch.compile, OpenVINO) against the plain float32 path (scaled-dot-product attention):
each gives vectors within cosine 0.999 of float32 (int8: 0.95), on a tiny real XLM-R and on
me5-small's first 50 MLQA-R sentences; and the FLOP counter agrees with a hand count and with
torch's own operation counter."""

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from tiny_models import build_tiny_xlmr, toy_texts  # noqa: E402

from clirbench.systems.dense.flops import encoder_flops, sequence_flops  # noqa: E402
from clirbench.systems.hf_encoder import HFEncoder, HFEncoderSettings  # noqa: E402

MIN_COSINE = 0.999
# int8 (dynamic quantisation of the linear layers) is not within 0.999 on me5-small: 0.970 on
# these 50 sentences. It is opt-in, with its cost per MLQA-R pair in the README; this is the
# bound it is held to.
INT8_MIN_COSINE = 0.95
PLAIN = {"precision": "float32", "attention": "sdpa"}
SPEED_PATHS = [{"precision": "bfloat16"}, {"precision": "int8"}, {"precision": "float32", "attention": "eager"},
               {"precision": "bfloat16", "batch_size": 4}, {"precision": "bfloat16", "compile": True},
               {"precision": "bfloat16", "batch_tokens": 16},
               {"backend": "openvino", "precision": "float32"}, {"backend": "openvino", "precision": "bfloat16"}]


def vectors(folder: Path, texts: list[str], **settings) -> np.ndarray:
    """As the runner encodes documents: longest first, `batch_size` texts per call."""
    from clirbench.systems.dense.batching import DocumentEncoding

    encoder = HFEncoder(HFEncoderSettings(model=str(folder), passage_prefix="passage: ", **settings))
    return DocumentEncoding(encoder, "en")(texts)


def bound(settings: dict) -> float:
    return INT8_MIN_COSINE if settings.get("precision") == "int8" else MIN_COSINE


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1)))  # rows are unit length


def path_id(settings: dict) -> str:
    return "-".join(str(v) for v in settings.values())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-xlmr")


# compile is checked on me5-small alone: a compile costs half a minute, and that is the model it is for.
@pytest.mark.parametrize("settings", [s for s in SPEED_PATHS if not s.get("compile")],
                         ids=path_id)
def test_speed_paths_match_float32_on_a_tiny_model(tiny, settings):
    texts = toy_texts()
    plain = vectors(tiny, texts, **PLAIN)
    fast = vectors(tiny, texts, **settings)
    assert fast.shape == plain.shape and fast.dtype == np.float32
    assert min_cosine(plain, fast) >= bound(settings)


def first_mlqa_sentences(n: int = 50) -> list[str]:
    import ir_datasets

    from clirbench.data import register_all

    register_all()
    docs = ir_datasets.load("clirbench/mlqa-r/en").docs_iter()
    return [next(docs).text for _ in range(n)]


@pytest.fixture(scope="module")
def me5_small_plain(me5_small_built):
    """(folder, me5-small's first 50 MLQA-R sentences, their plain float32 vectors)."""
    folder, _ = me5_small_built
    texts = first_mlqa_sentences()
    return folder, texts, vectors(folder, texts, **PLAIN)


# One test per path: the compiled one alone takes about a minute, and `make test` spreads them.
@pytest.mark.skipif(not os.environ.get("CLIRBENCH_LOCAL_DATA")
                    or not (Path(os.environ["CLIRBENCH_LOCAL_DATA"]) / "lareqa" / "mlqa-r").is_dir(),
                    reason="CLIRBENCH_LOCAL_DATA does not hold lareqa/mlqa-r (the real MLQA-R files)")
@pytest.mark.parametrize("settings", SPEED_PATHS, ids=path_id)
def test_speed_paths_match_float32_on_me5_small(me5_small_plain, settings):
    folder, texts, plain = me5_small_plain
    cosine = min_cosine(plain, vectors(folder, texts, **settings))
    assert cosine >= bound(settings), (settings, cosine)


def test_speed_settings_name_their_vectors(tiny):
    """Vectors of another precision, attention, compiled model or backend are cached apart; the
    defaults keep the fingerprint they had before the settings existed; the batch size and the
    tokens per forward pass do not change it."""
    plain = HFEncoder(HFEncoderSettings(model=str(tiny), **PLAIN))
    assert "attention" not in plain.meta.parameters and plain.meta.parameters["backend"] == "transformers"
    assert plain.fingerprint() == HFEncoder(HFEncoderSettings(model=str(tiny), precision="float32")).fingerprint()
    prints = {}
    for settings in [PLAIN, *SPEED_PATHS]:
        vectors_kind = repr({k: v for k, v in settings.items() if k not in ("batch_size", "batch_tokens")})
        prints.setdefault(vectors_kind, set()).add(HFEncoder(HFEncoderSettings(model=str(tiny), **settings)).fingerprint())
    assert all(len(p) == 1 for p in prints.values())  # batch size and tokens: same vectors
    assert len(set.union(*prints.values())) == len(prints)


def test_int8_is_refused_on_a_gpu(tiny):
    from clirbench.core.errors import ClirbenchError

    with pytest.raises(ClirbenchError, match="int8 runs on the CPU only"):
        HFEncoder(HFEncoderSettings(model=str(tiny), precision="int8", device="cuda"))


@pytest.mark.parametrize("settings, message", [
    ({"precision": "int8"}, "backend openvino does not run precision int8"),
    ({"precision": "float16"}, "backend openvino does not run precision float16"),
    ({"compile": True}, "compile: true is for backend transformers"),
    ({"device": "cuda"}, "backend openvino runs on the CPU, not on cuda"),
])
def test_openvino_refuses_what_it_cannot_run(tiny, settings, message):
    from clirbench.core.errors import ClirbenchError

    with pytest.raises(ClirbenchError, match=message) as error:
        HFEncoder(HFEncoderSettings(model=str(tiny), backend="openvino", **settings))
    assert "backend: transformers" in error.value.hint


def test_openvino_runs_a_model_loaded_at_once(tiny, tmp_path):
    """A folder without safetensors (or a hub ID) is loaded when the encoder is made: its sizes
    are read from the PyTorch model before OpenVINO converts it."""
    from transformers import AutoModel, AutoTokenizer

    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "tiny-bin"
    AutoModel.from_pretrained(tiny).config.save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny).save_pretrained(folder)
    torch.save(load_file(str(tiny / "model.safetensors")), folder / "pytorch_model.bin")  # the older format
    assert not list(folder.glob("*.safetensors"))
    texts = toy_texts()
    encoder = HFEncoder(HFEncoderSettings(model=str(folder), backend="openvino", precision="float32"))
    assert encoder.meta.num_parameters == HFEncoder(HFEncoderSettings(model=str(tiny))).meta.num_parameters
    openvino = vectors(folder, texts, backend="openvino", precision="float32")
    assert min_cosine(vectors(tiny, texts, **PLAIN), openvino) >= MIN_COSINE
    assert encoder.encode_documents([], "en").shape == (0, encoder.meta.embedding_dim)


def test_cpu_defaults_cut_calls_into_passes_of_512_tokens(tiny):
    cpu = HFEncoder(HFEncoderSettings(model=str(tiny), device="cpu"))
    assert (cpu.batch_size, cpu.batch_tokens) == (128, 512)
    gpu = HFEncoder(HFEncoderSettings(model=str(tiny), device="cuda"))  # a folder of safetensors: nothing loaded
    assert (gpu.batch_size, gpu.batch_tokens) == (256, float("inf"))


def test_forward_passes_hold_at_most_batch_tokens(tiny):
    """Every text in exactly one pass, longest first; a pass's rows times its longest text stay
    within the limit (a text longer than the limit alone); each pass padded to its own longest."""
    encoder = HFEncoder(HFEncoderSettings(model=str(tiny), precision="float32", batch_tokens=24))
    texts = toy_texts() * 3
    encoder.encode_documents(texts[:1], "en")  # loads the tokenizer
    lengths = [len(ids) for ids in encoder._tokenizer(texts, truncation=True)["input_ids"]]
    passes = encoder.passes(texts)
    assert len(passes) > 1
    assert sorted(row for rows, _ in passes for row in rows) == list(range(len(texts)))
    for rows, inputs in passes:
        width = max(lengths[r] for r in rows)
        assert inputs["input_ids"].shape == inputs["attention_mask"].shape == (len(rows), width)
        assert len(rows) * width <= 24 or len(rows) == 1
        assert inputs["attention_mask"].sum(1).tolist() == [lengths[r] for r in rows]
    firsts = [lengths[rows[0]] for rows, _ in passes]
    assert firsts == sorted(firsts, reverse=True)


def test_flop_count_by_hand():
    # hidden 64, feed-forward 128, 2 layers; sequences of 5 and 9 tokens:
    #   L=5: 2·5·(4·64·64 + 2·64·128) + 4·25·64 = 327,680 + 6,400 = 334,080 per layer
    #   L=9: 2·9·32,768 + 4·81·64 = 589,824 + 20,736 = 610,560 per layer
    assert sequence_flops(5, 64, 128, 2) == 2 * 334_080
    assert sequence_flops(9, 64, 128, 2) == 2 * 610_560

    class Config:
        hidden_size, intermediate_size, num_hidden_layers = 64, 128, 2

    assert encoder_flops(Config, [5, 9]) == 2 * (334_080 + 610_560)


def test_flop_count_agrees_with_torch_on_a_real_model(tiny):
    """torch's FlopCounterMode counts every matrix product the model runs (one text, so no
    padding): the counter's figure is the same."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    model = AutoModel.from_pretrained(tiny, attn_implementation="eager", add_pooling_layer=False).eval()
    batch = tokenizer([toy_texts()[0]], return_tensors="pt")
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(**batch)
    assert counter.get_total_flops() == encoder_flops(model.config, [batch["input_ids"].shape[1]])
