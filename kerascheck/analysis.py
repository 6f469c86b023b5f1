"""The one analysis of one file that every surface works from.

`engine.Linter` builds an `Analysis` per file (read, decode, parse once, facts, rules, positions,
suppressions); the CLI's output formats, the cache, `--fix`/`--diff`, the editor server and runtime
mode all take it. Nothing downstream parses or analyses the file again.

The syntax trees, facts and positions are process-local: pickling an Analysis (the process pool,
which sends results back to the parent) keeps only the findings and texts, as the cache does. A
consumer that needs the trees (runtime mode) asks the engine for an in-process analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from kerascheck.finding import Finding

if TYPE_CHECKING:
    import libcst as cst

    from kerascheck.config import KerasChoice
    from kerascheck.facts.model import ModuleFacts
    from kerascheck.facts.project import Scope
    from kerascheck.noqa import Suppressions
    from kerascheck.notebook import Notebook
    from kerascheck.positions import Positions

# Fields too heavy (or impossible) to send between processes; rebuilt by analysing the file again.
_LOCAL = ("module", "facts", "positions", "suppressions", "nb", "scope")


@dataclass
class Analysis:
    path: str  # the path shown to the user (relative to the root, or the stdin name)
    findings: list[Finding] = field(default_factory=list)
    source: Optional[str] = None  # the decoded text (for a notebook: its code cells as one module)
    skipped: bool = False  # fast path: no Keras in the file, never parsed
    encoding: str = "utf-8"
    cells: dict[int, str] = field(default_factory=dict)  # notebooks: code cell number -> its text
    notebook: Optional[str] = None  # notebooks: the .ipynb text itself (SARIF/LSP map cells into it)
    keras: Optional["KerasChoice"] = None  # the Keras majors checked for, and why; None when not analysed
    deps: dict[str, str] = field(default_factory=dict)  # modules of the project it read: path -> digest
    # -- process-local ---------------------------------------------------------------------------
    module: Optional["cst.Module"] = None  # libcst's tree; None when skipped or unparsable
    facts: Optional["ModuleFacts"] = None
    positions: Optional["Positions"] = None
    suppressions: Optional["Suppressions"] = None  # the `# noqa` map
    nb: Optional["Notebook"] = None  # notebooks: the cell map (module line -> cell, line)
    scope: Optional["Scope"] = None  # the project modules its imports read (which line reached them)

    @property
    def parsed(self) -> bool:
        """The file was parsed and analysed (runtime mode can work from it)."""
        return self.module is not None and self.facts is not None

    def sources(self) -> dict[str, str]:
        """Texts for code frames, keyed like Finding.source_key."""
        out = {f"{self.path}#cell{n}": text for n, text in self.cells.items()}
        if self.notebook is not None:
            out[self.path] = self.notebook
        if self.source is not None and not self.cells:
            out[self.path] = self.source
        return out

    def release(self) -> "Analysis":
        """Drop the trees, facts and positions (keep findings and texts): a run over many files that
        kept every tree alive would spend its time in the garbage collector."""
        for name in _LOCAL:
            setattr(self, name, None)
        return self

    def take_trees(self, other: "Analysis") -> None:
        """Hold `other`'s trees, facts and positions (an analysis of this file's fixed text)."""
        for name in _LOCAL:
            setattr(self, name, getattr(other, name))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in _LOCAL:
            state[name] = None
        return state
