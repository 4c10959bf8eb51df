"""Collections that ir_datasets does not ship, registered under clirbench's own IDs."""

_registered = False


def register_all() -> None:
    """Register clirbench's datasets with ir_datasets (idempotent)."""
    global _registered
    if _registered:
        return
    from clirbench.data import afriqa, flores, lareqa, tatoeba, toy

    for module in (lareqa, toy, afriqa, flores, tatoeba):
        module.register()
    _registered = True
