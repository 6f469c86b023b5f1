"""Message text the KC1xx rules share."""


def versions_text(parts: dict, versions: frozenset) -> str:
    """Join per-version consequences, Keras 3 first: {"3": "...", "2": "..."}; a text already said (or
    the start of one already said) is not repeated."""
    chosen: list = []
    for v in ("3", "2"):
        if v in versions and parts.get(v) and not any(c.startswith(parts[v]) for c in chosen):
            chosen.append(parts[v])
    return "; ".join(chosen)
