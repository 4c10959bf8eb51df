"""Dense retrieval: batching an encoder's calls, checking its vectors, caching them on disk,
and searching them with faiss."""
