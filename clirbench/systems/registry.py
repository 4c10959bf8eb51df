"""Find a system by name: a plugin (clirbench.systems.plugins: entry points, submissions,
`hf:`, settings files, `module:attr`), or a trained model folder (a student: its
`clirbench-model.yaml`), which comes after entry points and submissions."""

from clirbench.core.contract import Encoder, Retriever
from clirbench.systems.plugins import GROUP, SystemSettings, available_models, claims, load_plugin, model_listing
from clirbench.systems.student import StudentEncoder, is_student_folder

__all__ = ["GROUP", "SystemSettings", "available_models", "load_model", "model_listing"]


def load_model(name: str) -> Retriever | Encoder:
    if not claims(name) and is_student_folder(name):
        return StudentEncoder(name)
    return load_plugin(name)
