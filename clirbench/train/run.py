"""Train any recipe: the recipe's type picks its trainer."""

from collections.abc import Callable
from pathlib import Path

from clirbench.train.contrastive import train_contrastive
from clirbench.train.loop import StepReport
from clirbench.train.optical import train_optical
from clirbench.train.recipe import ContrastiveRecipe, OpticalRecipe

TRAINERS = {OpticalRecipe: train_optical, ContrastiveRecipe: train_contrastive}


def train(recipe: OpticalRecipe | ContrastiveRecipe, out_dir: Path,
          on_step: Callable[[StepReport], None] = lambda r: None, log: Callable[[str], None] = print) -> Path:
    """Train (or resume) `recipe` into `out_dir`; returns its model folder."""
    return TRAINERS[type(recipe)](recipe, out_dir, on_step=on_step, log=log)
