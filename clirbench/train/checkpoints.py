"""Checkpoints of a training run: written whole or not at all (a folder renamed into place),
so a run killed at any moment (kill -9 included) resumes from its last complete one."""

import json
import random
import shutil
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file


def _folder(root: Path, step: int) -> Path:
    return root / f"step-{step:07d}"


def latest(root: Path) -> Path | None:
    """The last complete checkpoint (its state.json is written last), or None."""
    done = sorted(p for p in root.glob("step-*") if not p.name.endswith(".partial") and (p / "state.json").exists()) \
        if root.is_dir() else []
    return done[-1] if done else None


def save(root: Path, step: int, model: torch.nn.Module, optimizer, scheduler, extra: dict) -> Path:
    final = _folder(root, step)
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(partial / "model.safetensors"))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state(), "numpy_rng": np.random.get_state(),
                "python_rng": random.getstate(),
                # On a GPU, dropout draws from the CUDA generators: a resumed run needs them too.
                # (Only when this process uses CUDA: asking would start it on every GPU.)
                **({"cuda_rng": torch.cuda.get_rng_state_all()} if torch.cuda.is_initialized() else {})},
               partial / "trainer.pt")
    (partial / "state.json").write_text(json.dumps({"step": step, **extra}))
    partial.rename(final)
    for older in root.glob("step-*"):  # one complete checkpoint is enough to resume
        if older != final:
            shutil.rmtree(older, ignore_errors=True)
    return final


def restore(folder: Path, model: torch.nn.Module, optimizer, scheduler) -> dict:
    """Load a checkpoint into the model, optimizer, scheduler and random generators; returns
    its state (step and what the run recorded)."""
    model.load_state_dict(load_file(str(folder / "model.safetensors")))
    trainer = torch.load(folder / "trainer.pt", weights_only=False, map_location="cpu")  # moved to the params' device
    optimizer.load_state_dict(trainer["optimizer"])
    scheduler.load_state_dict(trainer["scheduler"])
    torch.set_rng_state(trainer["torch_rng"])
    np.random.set_state(trainer["numpy_rng"])
    random.setstate(trainer["python_rng"])
    if "cuda_rng" in trainer and torch.cuda.is_available():
        # A host with fewer GPUs than the one that saved: the generators it has.
        torch.cuda.set_rng_state_all(trainer["cuda_rng"][:torch.cuda.device_count()])
    return json.loads((folder / "state.json").read_text())
