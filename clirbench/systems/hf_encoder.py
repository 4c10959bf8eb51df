"""A dense encoder for any transformers model, from a hub ID or a local folder.

    clirbench run --system hf:intfloat/multilingual-e5-small --task mlqa-r
    clirbench run --system my-encoder.yaml --task mlqa-r    # settings below, in YAML

Precision: `auto` is bfloat16 autocast where the device computes bfloat16 natively (a CPU with
AVX-512 BF16 / AMX: about 2.7x float32 here; a GPU of compute capability 8 or more), else
float32: the rule training follows too (clirbench.systems.encoder_stack). `int8` quantises the
linear layers' weights to int8 (dynamic quantisation, CPU only), activations stay float32.
The precision is part of the fingerprint, so vectors of one precision are never mixed with
another's. `attention`, `compile` (torch.compile with frozen weights) and `backend: openvino`
(OpenVINO's fused CPU kernels) are speed settings measured in benchmarks/encode.py; attention
other than sdpa, compile and the backend are part of the fingerprint too.
"""

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from clirbench.core.errors import ClirbenchError
from clirbench.core.names import MAX_LENGTH, SAFE_NAME
from clirbench.core.contract import Encoder, SystemSpec, missing_packages
from clirbench.core.yaml_records import read_yaml_mapping, validate_record
from clirbench.systems.encoder_stack import autocast, pool, resolve_precision

# Padded tokens per forward pass on a CPU, and texts per call (benchmarks/encode.py). On MLQA-R
# sentences 256 and 1024 tokens were slower than 512, 384 and 768 within noise of it, and no
# limit 1.3x (PyTorch) to 2.3x (OpenVINO) slower; 128 texts beat 32 (more passes to share among
# OpenVINO's streams, fewer short passes).
CPU_BATCH_TOKENS = 512
CPU_BATCH_SIZE = 128
# On a GPU (an H200, benchmarks/encode_gpu.py), one pass per call: 256 texts a call ran 3.1-3.5x
# as fast as 32 on MLQA-R sentences, at the same vectors; launching kernels, not arithmetic,
# bounds a small model there. Long texts on a small GPU: lower batch_size or set batch_tokens.
GPU_BATCH_SIZE = 256
_SETTINGS_HINT = "see submissions/README.md (Hugging Face models)"
# Parameters that say how a host computes the model, not which model it is: in the fingerprint
# (cached vectors), not in the identity (`HFEncoder.identity`). `auto` resolves precision per host.
COMPUTE_PARAMETERS = ("precision", "backend", "attention", "compile")


class HFEncoderSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="hub ID or local folder of a transformers model")
    name: str | None = Field(None, pattern=SAFE_NAME, max_length=MAX_LENGTH,
                             description="name in results (default: hf-<model>); it names folders")
    pooling: Literal["mean", "cls"] = "mean"
    normalize: bool = True
    query_prefix: str = ""
    passage_prefix: str = ""
    max_length: int = Field(512, ge=8)
    # Texts per call (default: 128 on a CPU, 256 on a GPU). On a CPU a call's texts are cut into
    # forward passes of at most `batch_tokens` tokens with padding (default 512; no limit on a
    # GPU): small passes keep a core's activations in its cache (benchmarks/encode.py).
    batch_size: int | None = Field(None, ge=1)
    batch_tokens: int | None = Field(None, ge=1)
    device: str = "auto"  # auto: cuda when present, else cpu
    precision: Literal["auto", "float32", "bfloat16", "float16", "int8"] = "auto"
    # Scaled-dot-product attention, or the plain one: eager was faster in token-limited passes
    # on a CPU in some runs, not all, and sdpa is the fast kernel on a GPU (benchmarks/encode.py).
    attention: Literal["sdpa", "eager"] = "sdpa"
    # torch.compile with frozen weights (prepacked for oneDNN): 1.25x the default on a CPU
    # (benchmarks/encode.py), after half a minute of compiling once per process.
    compile: bool = False
    # Who runs the forward pass: transformers (PyTorch), or OpenVINO on the CPU (fused kernels;
    # the fastest bfloat16 path measured on a CPU, benchmarks/encode.py). Part of the fingerprint.
    backend: Literal["transformers", "openvino"] = "transformers"
    # Metadata for the leaderboard.
    description: str = ""
    # The languages it reads (None: any). A pair with a query or document language outside them
    # is reported not applicable, never scored: an English-only model is not run on Hausa.
    languages: list[str] | None = None
    training_data: list[str] | None = None  # None: unknown
    adapted_from: str | None = None
    license: str | None = None
    source: str | None = None
    notes: str = ""
    _settings_file: str | None = PrivateAttr(None)  # the YAML file they were read from, if any

    @field_validator("model")
    @classmethod
    def _home(cls, model: str) -> str:
        # `~/models/x` is a folder (no hub ID starts with ~); transformers would not expand it.
        return str(Path(model).expanduser()) if model.startswith("~") else model


def load_settings_file(path: Path) -> HFEncoderSettings:
    return settings_from_mapping(path, read_yaml_mapping(path, "encoder settings file", _SETTINGS_HINT))


def settings_from_mapping(path: Path, raw: dict) -> HFEncoderSettings:
    """Settings read from the YAML file `path` (relative model folders resolved against it)."""
    if isinstance(raw.get("model"), str) and raw["model"].startswith("hf:"):
        raise ClirbenchError(f"{path}: field `model`: {raw['model']!r}: the hf: prefix is for --system on the "
                             "command line only", f"write `model: {raw['model'][3:]}` (a hub ID or a folder)")
    settings = validate_record(raw, path, HFEncoderSettings, "encoder settings file", _SETTINGS_HINT)
    settings._settings_file = str(path)
    model = Path(settings.model).expanduser()
    if not model.is_absolute() and (Path(path).parent / model).exists():
        settings.model = str((Path(path).parent / model).resolve())  # relative to the settings file
    return settings


def default_name(model: str) -> str:
    """A name usable as a folder: hf-<owner>--<model> for a hub ID, hf-<folder name> for a folder."""
    path = Path(model).expanduser()
    base = path.name if path.exists() else model.replace("/", "--")
    return "hf-" + re.sub(r"[^A-Za-z0-9_.+-]+", "-", base).strip("-")


def encoder_spec(settings: HFEncoderSettings, origin: str) -> SystemSpec:
    """A transformers encoder with these settings, described without loading it."""
    return SystemSpec("encoder", settings.description or f"transformers encoder {settings.model}, {settings.pooling} pooling",
                      settings.notes, name=settings.name or default_name(settings.model), languages=settings.languages,
                      training_data=settings.training_data, origin=origin,
                      unavailable=lambda: missing_packages("transformers", "torch"), loader=lambda: HFEncoder(settings))


def _is_pooler(name: str) -> bool:
    # A pooler the checkpoint lacks is created at random and never used: not counted.
    return name.startswith("pooler.") or ".pooler." in name


def _count_parameters(shards: list[Path]) -> int:
    """Parameters in safetensors files, from their headers alone."""
    from safetensors import safe_open

    total = 0
    for shard in shards:
        with safe_open(str(shard), framework="np") as f:
            for key in f.keys():
                if not _is_pooler(key):
                    total += int(np.prod(f.get_slice(key).get_shape()))
    return total


def token_passes(lengths: list[int], batch_tokens: float) -> list[list[int]]:
    """Rows of texts of these token lengths, longest first, cut into forward passes whose rows
    times their longest text stay within `batch_tokens` (a longer text alone)."""
    passes: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True):
        if passes and (len(passes[-1]) + 1) * lengths[passes[-1][0]] <= batch_tokens:
            passes[-1].append(i)
        else:
            passes.append([i])
    return passes


class HFEncoder(Encoder):
    libraries = ("transformers", "torch")

    def __init__(self, settings: HFEncoderSettings | None = None, **kwargs):
        import torch

        self.settings = s = settings or HFEncoderSettings(**kwargs)
        gpu = torch.cuda.is_available() and s.backend == "transformers"  # OpenVINO runs here on the CPU
        self.device = ("cuda" if gpu else "cpu") if s.device == "auto" else s.device
        precision = resolve_precision(s.precision, self.device)
        if precision == "int8" and self.device != "cpu":
            raise ClirbenchError(f"precision int8 runs on the CPU only, not on {self.device}",
                                 "set device: cpu, or another precision")
        if s.backend == "openvino":
            self._check_openvino(precision)
        self.precision = precision
        cpu = self.device == "cpu"
        self.batch_size = s.batch_size or (CPU_BATCH_SIZE if cpu else GPU_BATCH_SIZE)
        self.batch_tokens = s.batch_tokens or (CPU_BATCH_TOKENS if cpu else float("inf"))
        self.attention = s.attention
        self._tokenizer = self._model = None
        # A local folder of safetensors weights tells its sizes from headers: the model itself is
        # loaded on the first text to encode, so a rerun whose vectors are all cached skips it.
        shards = sorted(Path(s.model).expanduser().glob("*.safetensors"))
        if shards:
            config = self._config(s.model)
            num_parameters = _count_parameters(shards)
        else:
            tokenizer, net = self._load_transformers(s.model)
            config = net.config  # counted before quantisation, compiling or conversion change the module
            num_parameters = sum(p.numel() for n, p in net.named_parameters() if not _is_pooler(n))
            self._tokenizer, self._model = tokenizer, self._runtime(net, tokenizer)
        # RoBERTa-style models number positions from pad_token_id + 1: two fewer usable.
        positions = getattr(config, "max_position_embeddings", s.max_length)
        positions -= 2 if "roberta" in getattr(config, "model_type", "") else 0
        self.max_length = min(s.max_length, positions)
        self.meta = encoder_spec(s, "").meta(
            parameters={
                "model": s.model, "revision": self._revision(config), "pooling": s.pooling, "normalize": s.normalize,
                "query_prefix": s.query_prefix, "passage_prefix": s.passage_prefix,
                "max_length": self.max_length, "precision": precision, "backend": s.backend,
                # Speed settings change vectors in their last digits: named when not the default,
                # so that the vectors cached before they existed keep their fingerprint.
                **({"attention": self.attention} if self.attention != "sdpa" else {}),
                **({"compile": True} if s.compile else {}),
            },
            num_parameters=num_parameters,
            embedding_dim=getattr(config, "hidden_size", None),
            adapted_from=s.adapted_from, license=s.license, source=s.source or s.model,
        )

    def identity(self) -> str:
        """Which model this is (weights, pooling, prefixes, length), whatever this host computes
        it with and wherever its weights lie: a student records it of its teacher or base. The
        fingerprint, which keys cached vectors and results, adds the compute settings, so vectors
        of two precisions never mix. A local folder's path is left out (the revision hashes its
        files), so a student trained in one checkout loads in another."""
        parameters = {k: v for k, v in self.meta.parameters.items() if k not in COMPUTE_PARAMETERS}
        if Path(self.settings.model).expanduser().is_dir():
            del parameters["model"]
        return hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:16]

    def identity_with_path(self) -> str:
        """The identity manifests recorded before it left out the weights' folder and the name."""
        return self.fingerprint_of({k: v for k, v in self.meta.parameters.items() if k not in COMPUTE_PARAMETERS})

    def fingerprint_at(self, precision: str) -> str:
        """The fingerprint this encoder would have on a host whose precision is `precision`."""
        return self.fingerprint_of({**self.meta.parameters, "precision": precision})

    def _check_openvino(self, precision: str) -> None:
        from clirbench.systems.openvino_forward import PRECISIONS

        where = f" in {self.settings._settings_file}" if self.settings._settings_file else ""
        if self.device != "cpu":
            raise ClirbenchError(f"backend openvino runs on the CPU, not on {self.device}{where}",
                                 "set device: cpu, or backend: transformers")
        if precision not in PRECISIONS:
            raise ClirbenchError(f"backend openvino does not run precision {precision}{where}",
                                 f"set precision to {' or '.join(PRECISIONS)} (or auto), or backend: transformers")
        if self.settings.compile:
            raise ClirbenchError(f"compile: true is for backend transformers{where}: OpenVINO compiles the model itself",
                                 "drop compile, or set backend: transformers")

    def __getstate__(self) -> dict:
        # A copy sent to another process (a Ray worker) loads the model itself, on its first
        # text: shipping hundreds of MB of loaded weights would cost more than reading them.
        return {**self.__dict__, "_tokenizer": None, "_model": None}

    def _load_error(self, model: str, error: Exception) -> ClirbenchError:
        local = Path(model).expanduser().exists()
        where = self.settings._settings_file
        # In a settings file the field takes a plain path; on the command line it is hf:<path>.
        folder = f"set `model:` in {where} to a local folder (a plain path)" if where else \
            "give a local folder (hf:/path/to/model)"
        if local:
            hint = "check the folder holds config.json, weights and tokenizer files"
        elif model.startswith(("/", ".", "~")):  # a path, not a hub ID: the hub library's words would mislead
            return ClirbenchError(f"cannot load transformers model {model!r}: there is no folder {model}",
                                  "check the path" + (f" in {where}" if where else "") + "; a hub ID has no leading "
                                  f"'/', '.' or '~' ({'model: ' if where else 'hf:'}intfloat/multilingual-e5-small)")
        else:
            hint = f"no model hub here? {folder}, or for me5-small run `clirbench systems install me5-small`"
        return ClirbenchError(f"cannot load transformers model {model!r}: {str(error).splitlines()[0]}", hint)

    def _config(self, model: str):
        from transformers import AutoConfig

        try:
            return AutoConfig.from_pretrained(model)
        except (OSError, ValueError) as e:
            raise self._load_error(model, e) from None

    def _load(self, model: str):
        tokenizer, net = self._load_transformers(model)
        return tokenizer, self._runtime(net, tokenizer)

    def _load_transformers(self, model: str):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        # Its load reports (an unused pooler "newly initialized") and bars would drown clirbench's.
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            tokenizer = AutoTokenizer.from_pretrained(model)
            net = AutoModel.from_pretrained(model, dtype=torch.float16 if self.precision == "float16" else torch.float32,
                                            attn_implementation=self.attention)
        except (OSError, ValueError) as e:
            raise self._load_error(model, e) from None
        return tokenizer, net.to(self.device).eval()

    def _runtime(self, net, tokenizer):
        """What runs the loaded model: itself, quantised, compiled, or converted to OpenVINO."""
        import torch

        if self.precision == "int8":
            net = torch.ao.quantization.quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)
        if self.settings.compile:
            import torch._inductor.config

            torch._inductor.config.freezing = True  # weights become constants, prepacked once
            net = torch.compile(net, dynamic=True)
        if self.settings.backend == "openvino":
            from clirbench.systems.openvino_forward import OpenVINOForward

            net = OpenVINOForward(net, tokenizer, self.precision, torch.get_num_threads())
        return net

    def _revision(self, config) -> str:
        """Which weights: the hub commit, or a hash of a local folder's weight files' names and sizes."""
        commit = getattr(config, "_commit_hash", None)
        if commit:
            return commit
        folder = Path(self.settings.model).expanduser()
        files = sorted(f for f in folder.glob("*") if f.suffix in (".safetensors", ".bin", ".json"))
        return hashlib.sha256(repr([(f.name, f.stat().st_size) for f in files]).encode()).hexdigest()[:12]

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        import torch

        if self._model is None:
            self._tokenizer, self._model = self._load(self.settings.model)
        if not texts:
            return np.empty((0, self.meta.embedding_dim or 0), dtype=np.float32)
        passes = self.passes([prefix + t for t in texts])
        with torch.inference_mode():
            if self.settings.backend == "openvino":
                hidden = self._model.run([batch for _, batch in passes])
                pooled = [self._pool(torch.from_numpy(h), torch.from_numpy(batch["attention_mask"]))
                          for h, (_, batch) in zip(hidden, passes)]
            else:
                pooled = [self._forward_pooled(batch) for _, batch in passes]
        out = np.empty((len(texts), pooled[0].shape[1]), dtype=np.float32)
        for (rows, _), vectors in zip(passes, pooled):
            out[rows] = vectors.cpu().numpy()
        return out

    def passes(self, texts: list[str]) -> list[tuple[list[int], dict[str, np.ndarray]]]:
        """The texts tokenized, longest first, and cut into forward passes of at most
        `batch_tokens` tokens with padding, each padded to its own longest text: (rows, inputs)."""
        encoded = self._tokenizer(texts, truncation=True, max_length=self.max_length)
        passes = []
        for rows in token_passes([len(ids) for ids in encoded["input_ids"]], self.batch_tokens):
            # Every input the tokenizer gives (token type ids too), padded as it pads.
            batch = self._tokenizer.pad({name: [values[i] for i in rows] for name, values in encoded.items()},
                                        return_tensors="np")
            passes.append((rows, {name: values.astype(np.int64) for name, values in batch.items()}))
        return passes

    def _forward_pooled(self, inputs: dict[str, np.ndarray]):
        import torch

        batch = {name: torch.from_numpy(values).to(self.device) for name, values in inputs.items()}
        return self.forward_pooled(batch)

    def forward_pooled(self, batch: dict):
        """Pooled vectors of one forward pass over tokenizer inputs already on the device (tensors)."""
        import torch

        if self.settings.compile:
            # A pass of one text would otherwise compile the model again (sizes 0 and 1 are
            # specialised): the number of texts stays symbolic.
            for values in batch.values():
                torch._dynamo.decorators.mark_unbacked(values, 0)
        # float16 is in the weights; bfloat16 runs as autocast over float32 weights.
        with autocast(self.precision, self.device):
            hidden = self._model(**batch).last_hidden_state
        return self._pool(hidden, batch["attention_mask"])

    def _pool(self, hidden, attention_mask):
        return pool(hidden, attention_mask, self.settings.pooling, self.settings.normalize)

    def encode_queries(self, texts: list[str], lang: str) -> np.ndarray:
        return self._encode(texts, self.settings.query_prefix)

    def encode_documents(self, texts: list[str], lang: str) -> np.ndarray:
        return self._encode(texts, self.settings.passage_prefix)
