"""Encoding a collection on a Ray cluster: Ray Data `map_batches` over an actor pool, one
model per actor.

    clirbench run --system me5-small --task mmarco-clir --engine ray                  # a local Ray
    clirbench run ... --engine ray --address auto --workers 8                         # this node's cluster
    clirbench run ... --engine ray --address ray://head:10001                         # a remote one

How it works:
- This process streams the collection and cuts it into the store's chunks (4,096 documents);
  chunks already on disk are skipped, so a killed job resumes where it stopped, whichever
  engine wrote what is there.
- The chunks go to the cluster a window at a time (`window_chunks_per_worker` chunks per
  worker), so memory stays bounded whatever the collection's size: one window of texts in
  Ray's object store, one chunk of vectors at a time back here.
- Each actor holds one encoder. It takes one GPU where the cluster has GPUs, and otherwise an
  equal share of the CPUs, with torch's threads set to that share.
- Vectors come back to this process, which writes them. So the cluster needs no shared disk,
  only the encoder's model files where its workers run.
- Actors that die are restarted, and their chunks are retried (Ray Data's defaults for actor
  pools: `max_restarts=-1`, `max_task_retries=-1`).
- A plugin's ClirbenchError (bad input, a missing file) comes back as data and is raised here
  with its own message and fix, not retried.
- A chunk is encoded by the same code on the same texts in the same batches as in a single
  process, so its vectors are the same.
"""

import json
import logging
import os
import time
from itertools import islice

import numpy as np

from clirbench.core.errors import ClirbenchError
from clirbench.systems.dense.batching import DocumentEncoding
from clirbench.systems.dense.vector_store import ChunkPlan


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ClirbenchError("--engine ray needs Ray (with Ray Data)",
                             "run `make setup`, or `pip install 'clirbench[ray]'`") from None
    return ray


class _ChunkEncoder:
    """The actor: one encoder, called on one chunk at a time."""

    def __init__(self, encoding: DocumentEncoding, threads: int | None):
        if threads:
            try:
                import torch

                torch.set_num_threads(threads)
            except ImportError:  # an encoder without torch sets its own threads
                pass
        self.encoding = encoding

    def __call__(self, batch: dict) -> dict:
        # batch_size=1: one chunk per call, so the output block is that chunk's vectors.
        (index,), (texts,) = batch["chunk"], batch["texts"]
        try:
            vectors, error = self.encoding([str(t) for t in texts]), ""
        except ClirbenchError as e:
            # Ray would wrap it beyond recognition (and retry it): it travels back as data,
            # so the user reads the plugin's own message and fix.
            vectors, error = np.zeros((0, 0), dtype=np.float32), json.dumps([e.message, e.hint])
        return {"chunk": np.array([index]), "vectors": vectors[None], "error": np.array([error])}


def _actor_class(encoding: DocumentEncoding, threads: int | None) -> type:
    # The encoding travels inside the class, not as constructor arguments in the object
    # store, which a restarted actor could find gone.
    class ChunkEncoder(_ChunkEncoder):
        def __init__(self):
            super().__init__(encoding, threads)

    return ChunkEncoder


class RayEngine:
    name = "ray"
    window_chunks_per_worker = 16

    def __init__(self, address: str | None = None, workers: int | None = None):
        if workers is not None and workers < 1:
            raise ClirbenchError(f"--workers {workers}: there must be at least one", "give --workers 1 or more")
        self.address, self.workers = address, workers

    def connect(self):
        """Ray, connected to the cluster (or a new local one): once per process."""
        ray = _ray()
        if not ray.is_initialized():
            try:
                if self.address:
                    ray.init(address=self.address, logging_level=logging.WARNING, log_to_driver=False)
                else:  # a Ray of this machine alone, stopped with this process
                    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level=logging.WARNING,
                             log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise ClirbenchError(f"cannot connect to Ray at {self.address or 'a new local instance'}: "
                                     f"{str(e).splitlines()[0] if str(e) else type(e).__name__}",
                                     "start the cluster (`ray start --head`) or check --address "
                                     "(auto, or ray://HOST:10001)") from None
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # clirbench reports progress itself
        context.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # every window's "execution finished"
        return ray

    def layout(self, ray) -> tuple[int, dict, int | None]:
        """(workers, resources of each actor, torch threads of each) on the connected cluster."""
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        if gpus:
            return self.workers or gpus, {"num_gpus": 1, "num_cpus": 1}, None
        nodes = [node["Resources"].get("CPU", 0) for node in ray.nodes() if node["Alive"]]
        workers = self.workers or max(1, len(nodes))
        # An equal share of the CPUs, no more than one node has: an actor never spans nodes.
        share = max(1, min(int(max(nodes, default=1)), int(resources.get("CPU", 1)) // workers))
        return workers, {"num_cpus": share}, share

    def encode(self, plan: ChunkPlan, encoding: DocumentEncoding, on_batch=None) -> None:
        chunks = iter(plan)
        first = next(chunks, None)
        if first is None:  # a finished store needs no cluster
            return
        ray = self.connect()
        workers, resources, threads = self.layout(ray)
        size = workers * self.window_chunks_per_worker
        window = [first, *islice(chunks, size - 1)]
        while window:
            self._encode_window(ray, window, plan, encoding, workers, resources, threads, on_batch)
            window = list(islice(chunks, size))

    def _encode_window(self, ray, window, plan, encoding, workers, resources, threads, on_batch) -> None:
        ids = {chunk.index: chunk.ids for chunk in window}
        rows = [{"chunk": chunk.index, "texts": chunk.texts} for chunk in window]
        window.clear()
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
        del rows
        encoded = dataset.map_batches(
            _actor_class(encoding, threads), batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=min(workers, len(ids))), **resources)
        began = time.perf_counter()
        for batch in encoded.iter_batches(batch_size=None, batch_format="numpy"):
            for index, vectors, error in zip(batch["chunk"], batch["vectors"], batch["error"]):
                if error:
                    raise ClirbenchError(*json.loads(str(error)))
                vectors = np.asarray(vectors, dtype=np.float32)
                plan.save(int(index), ids.pop(int(index)), vectors)
                if on_batch:
                    now = time.perf_counter()
                    on_batch(len(vectors), now - began)
                    began = now
        if ids:  # Ray Data returned without them: never leave a gap unsaid
            raise RuntimeError(f"Ray returned no vectors for chunks {sorted(ids)} of {plan.folder}")
