"""Message text the KC1xx rules share."""


def versions_text(parts: dict, versions: frozenset) -> str:
    """Join per-version consequences, Keras 3 first: {"3": "...", "2": "..."}; a text already said (or
    the start of one already said) is not repeated."""
    chosen: list = []
    for v in ("3", "2"):
        if v in versions and parts.get(v) and not any(c.startswith(parts[v]) for c in chosen):
            chosen.append(parts[v])
    return "; ".join(chosen)


def raises_text(errors: dict, versions: frozenset, who: str = "fit") -> str:
    """What each Keras in play raises, {"3": "ValueError: ...", "2": "..."}: "fit raises X" when both
    say the same, else "Keras 3 raises X; Keras 2 raises Y" (Keras 3 first; one of them when only
    one is in play)."""
    said = {v: errors[v] for v in ("3", "2") if v in versions and errors.get(v)}
    if len(said) > 1 and len(set(said.values())) == 1:
        return f"{who} raises {next(iter(said.values()))}"
    return "; ".join(f"Keras {v} raises {t}" for v, t in said.items())


def shape_text(dims: tuple) -> str:
    """`(N, 26, 26, 10)`: a shape for a message, an unknown sample count as N, other unknown axes as ?."""
    shown = ["N" if i == 0 and d is None else "?" if d is None else str(d) for i, d in enumerate(dims)]
    return "(" + ", ".join(shown) + ("," if len(shown) == 1 else "") + ")"
