"""The model store: installing models into <cache>/models with a manifest, and offline builders."""
