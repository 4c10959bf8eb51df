"""Encoders for the Ray engine's tests. Ray's workers import this module by name: the tests put
tests/ on their PYTHONPATH."""

import os
import signal
import time
from pathlib import Path

from clirbench.core.contract import Encoder


class Wrapped(Encoder):
    """Another encoder's vectors, with its name, batch size and fingerprint."""

    def __init__(self, inner: Encoder):
        self.inner, self.meta, self.batch_size = inner, inner.meta, inner.batch_size

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def encode_queries(self, texts, lang):
        return self.inner.encode_queries(texts, lang)

    def encode_documents(self, texts, lang):
        return self.inner.encode_documents(texts, lang)


class KillsItsWorkerOnce(Wrapped):
    """SIGKILLs the process it runs in the first time it meets `text`: a worker lost mid-job.
    The marker file makes it once per test, whichever process meets the text again."""

    def __init__(self, inner: Encoder, text: str, marker: Path):
        super().__init__(inner)
        self.text, self.marker = text, Path(marker)

    def encode_documents(self, texts, lang):
        if self.text in texts and not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return super().encode_documents(texts, lang)


class Slow(Wrapped):
    """Sleeps before each batch, so that a test can kill the whole job halfway."""

    def __init__(self, inner: Encoder, seconds: float):
        super().__init__(inner)
        self.seconds = seconds

    def encode_documents(self, texts, lang):
        time.sleep(self.seconds)
        return super().encode_documents(texts, lang)


class Refuses(Wrapped):
    """Raises the ClirbenchError a plugin raises for bad input."""

    def encode_documents(self, texts, lang):
        from clirbench.core.errors import ClirbenchError

        raise ClirbenchError(f"cannot encode {lang} documents", "give it English")
