"""The rule base class. A rule reads the facts of one module and yields hits; the engine turns hits
into Findings (positions, severity, suppression) and the catalogue supplies everything declarative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Iterator, Optional

import libcst as cst

from kerascheck.catalogue import RuleMeta

if TYPE_CHECKING:
    from kerascheck.facts.model import ModuleFacts


@dataclass
class Hit:
    node: cst.CSTNode
    message: str
    fix_edits: Optional[list] = None  # [(node, replacement_code)] resolved to Edits by the engine
    fix_message: Optional[str] = None
    fix_applicability: Optional[str] = None  # "safe" | "unsafe"; default: the catalogue's `fix`
    related: Optional[list] = None  # other places the finding refers to: [{path, line, column, ..., message}]
    cause: Optional[cst.CSTNode] = None  # where the cause is written, when not at `node` (another module's line)


class Rule:
    code: ClassVar[str]
    meta: ClassVar[RuleMeta]
    registry: ClassVar[dict[str, type["Rule"]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            if cls.code in Rule.registry:
                raise RuntimeError(f"two implementations of {cls.code}")
            Rule.registry[cls.code] = cls

    def hit(self, node: cst.CSTNode, **fields: object) -> Hit:
        return Hit(node, self.meta.message.format(**fields))

    def fixed(self, hit: Hit, edits: list, message: str, applicability: Optional[str] = None) -> Hit:
        """Attach a fix: `edits` are (node, new source text for that node's span)."""
        hit.fix_edits = list(edits)
        hit.fix_message = message
        hit.fix_applicability = applicability
        return hit

    def check(self, facts: "ModuleFacts") -> Iterator[Hit]:
        raise NotImplementedError
