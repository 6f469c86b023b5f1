"""The one result type that every output format, the cache and the editor server consume."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from kerascheck.catalogue import RuleMeta


@dataclass(frozen=True)
class Edit:
    """Replace the text between two 1-based (line, column) positions; end is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: str  # "safe" | "unsafe"
    edits: tuple[Edit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "applicability": self.applicability,
            "edits": [asdict(e) for e in self.edits],
        }


@dataclass
class Finding:
    path: str
    line: int  # 1-based
    column: int  # 1-based, in code points
    end_line: int
    end_column: int
    code: str
    name: str
    severity: str  # "error" | "warning" | "info"
    message: str
    fix: Optional[Fix] = None
    runtime: Optional[dict[str, str]] = None  # {"status": ..., "detail": ...} in runtime mode
    cell: Optional[int] = None  # notebooks: 1-based code cell; line/column are then within the cell
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.cell or 0, self.line, self.column, self.code)

    def location(self) -> str:
        """`path:line:col`, or `nb.ipynb:cell 3:12:5` in a notebook."""
        cell = f"cell {self.cell}:" if self.cell is not None else ""
        return f"{self.path}:{cell}{self.line}:{self.column}"

    @property
    def source_key(self) -> str:
        """The key of the text this finding's line refers to in Report.sources."""
        return self.path if self.cell is None else f"{self.path}#cell{self.cell}"

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON contract (README, "JSON output")."""
        out = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix.to_dict() if self.fix else None,
            "runtime": self.runtime,
        }
        if self.cell is not None:
            out["cell"] = self.cell
        return out


def make_finding(meta: "RuleMeta", path: str, span: tuple[int, int, int, int], message: str,
                 fix: Optional[Fix] = None, runtime: Optional[dict[str, str]] = None) -> Finding:
    """A finding of rule `meta` at `span` (line, column, end_line, end_column; 1-based). Every finding
    kerascheck reports is built here, from its catalogue entry: name and severity cannot drift."""
    line, column, end_line, end_column = span
    return Finding(path, line, column, end_line, end_column, meta.code, meta.name, meta.severity, message,
                   fix, runtime)


def error_finding(meta: "RuleMeta", path: str, line: int = 1, column: int = 1, detail: str = "",
                  end_column: Optional[int] = None, runtime: Optional[dict[str, str]] = None) -> Finding:
    """A KC9xx finding (unparsable or unreadable file, crash, unused `# noqa`, runtime error) at one
    point of a line; its message is the catalogue's template filled with `detail`."""
    return make_finding(meta, path, (line, column, line, end_column or column + 1),
                        meta.message.format(detail=detail), runtime=runtime)
