"""Built-in systems (BM25, dense encoders, translation baselines), the adapter that turns an encoder into a retriever, and the registry that finds a system by name."""
