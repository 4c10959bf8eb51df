"""What every recipe needs of a transformers encoder: the base model behind a system name,
the models loaded quietly, and mean-pooled, normalised sentence vectors of a batch. Precision
(what `auto` means, the autocast) and pooling are the encoder's own pieces
(clirbench.systems.encoder_stack), so training computes vectors as evaluation does."""

import numpy as np
import torch

from clirbench.core.errors import ClirbenchError
from clirbench.systems.encoder_stack import autocast, pool
from clirbench.systems.hf_encoder import HFEncoder
from clirbench.systems.registry import load_system


def base_encoder(name: str) -> HFEncoder:
    """The transformers encoder a recipe starts from (teacher or base), by system name."""
    plugin = load_system(name)
    if not isinstance(plugin, HFEncoder):
        raise ClirbenchError(f"{name!r} is a {type(plugin).__name__}, not a transformers encoder",
                             "give an installed encoder (me5-small), hf:<folder>, or an encoder settings .yaml")
    return plugin


def load_transformers(encoder: HFEncoder):
    """(tokenizer, model) of the encoder's folder, without transformers' load notes and bars."""
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # "newly initialized" pooler notes: unused here
    hf_logging.disable_progress_bar()
    return AutoTokenizer.from_pretrained(encoder.settings.model), AutoModel.from_pretrained(encoder.settings.model)


def resolve_device(device: str) -> str:
    """auto: a CUDA GPU where there is one, else the CPU."""
    if device == "cuda" and not torch.cuda.is_available():
        raise ClirbenchError("device: cuda, but torch sees no CUDA GPU here", "set device: auto or cpu")
    return device if device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")


def embed(tokenizer, model, texts: list[str], prefix: str, max_length: int, precision: str) -> torch.Tensor:
    """Sentence vectors of one batch, through `model` (gradients flow unless the caller stops them)."""
    batch = tokenizer([prefix + t for t in texts], padding=True, truncation=True, max_length=max_length,
                      return_tensors="pt").to(model.device)
    with autocast(precision, model.device.type):
        out = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    # A transformers model returns its outputs; a student with a projection, the projected tokens.
    hidden = out if torch.is_tensor(out) else out.last_hidden_state
    return pool(hidden, batch["attention_mask"])


@torch.no_grad()
def embed_all(tokenizer, model, texts: list[str], prefix: str, max_length: int, precision: str,
              batch_size: int = 64) -> np.ndarray:
    """Vectors of many texts in eval mode (no dropout); the model's mode is restored after."""
    was_training = model.training
    model.eval()
    out = [embed(tokenizer, model, texts[i:i + batch_size], prefix, max_length, precision).cpu().numpy()
           for i in range(0, len(texts), batch_size)]
    model.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, 1), dtype=np.float32)
