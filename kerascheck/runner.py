"""Lint many files: the result cache first, then a process pool (or in-process for a single file)."""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Optional

from kerascheck.cache import Cache
from kerascheck.config import KerasChoice, Settings
from kerascheck.analysis import Analysis
from kerascheck.engine import Linter
from kerascheck.files import ReadError, SourceFile, decode, read_bytes

_worker: Optional[Linter] = None


def _init_worker(settings: Settings) -> None:
    global _worker
    _worker = Linter(settings)


def _lint_in_worker(item: tuple[bytes, str]) -> Analysis:
    assert _worker is not None
    return _worker.lint_bytes(*item)


def _code_stamp() -> list:
    """kerascheck's own files (code and catalogue): an edited rule must not be served stale results
    under an unchanged version number (editable installs, development)."""
    from pathlib import Path

    from kerascheck.catalogue import catalogue_dir

    stamp = []
    for root, pattern in ((Path(__file__).resolve().parent, "*.py"), (catalogue_dir(), "*.yaml")):
        for path in sorted(root.rglob(pattern)):
            try:
                st = path.stat()
            except OSError:
                continue
            stamp.append((str(path), st.st_mtime_ns, st.st_size))
    return stamp


def fingerprint(linter: Linter) -> str:
    """Everything besides the file's bytes that decides its findings."""
    settings = linter.settings.as_dict()
    for key in ("config-file", "root", "cache-dir", "runtime"):
        settings.pop(key, None)
    return json.dumps([settings, sorted(linter.enabled), linter.detected, _code_stamp()], sort_keys=True,
                      default=str)


def _sources(result: Analysis, data: bytes) -> None:
    """Refill the texts a cached result's code frames need (decoding is cheap, parsing is not)."""
    try:
        if result.path.endswith(".ipynb"):
            from kerascheck import notebook

            result.cells = notebook.load(data).cell_texts()
            result.notebook = data.decode("utf-8-sig")
        else:
            result.source, result.encoding = decode(data)
    except Exception:  # a cached KC902 file cannot be decoded: no frame, findings still shown
        pass


def lint_files(linter: Linter, files: list[SourceFile], jobs: int, cache: Optional[Cache],
               in_process: bool = False, progress: Optional[Callable[[int], None]] = None) -> list[Analysis]:
    """Each file's Analysis, in order. `in_process`: analyse every file here, never from the cache or
    a worker, so each Analysis keeps its trees and facts (runtime mode works from them). `progress`
    is told how many files are done."""
    if in_process:
        jobs, cache = 1, None
    results: dict[int, Analysis] = {}
    todo: list[tuple[int, bytes, str, Optional[str]]] = []
    for i, f in enumerate(files):
        try:
            data = read_bytes(f.path, linter.settings.max_file_size)
        except ReadError as err:
            results[i] = linter.lint_error(f.display, err)
            continue
        declared = linter.declared(f.display)  # read here too, so that its warnings reach the parent
        key = cache.key(f.display, data, declared.key() if declared else "") if cache is not None else None
        hit = cache.get(key) if cache is not None and key is not None else None
        if hit is not None:
            findings, skipped, keras = hit
            result = Analysis(f.display, findings, skipped=skipped)
            try:
                result.keras = KerasChoice.from_dict(keras) if keras else None
            except (KeyError, TypeError, ValueError):
                result.keras = None
            _sources(result, data)
            results[i] = result
        else:
            todo.append((i, data, f.display, key))
    done = len(files) - len(todo)
    fresh: list[Analysis] = []
    if len(todo) <= 1 or jobs <= 1:
        for _, data, display, _ in todo:
            analysis = linter.lint_bytes(data, display)
            # Only runtime mode (in_process) works from the trees afterwards.
            fresh.append(analysis if in_process else analysis.release())
            if progress is not None:
                progress(done + len(fresh))
    else:
        workers = min(jobs, len(todo))
        chunk = max(1, len(todo) // (workers * 4))
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(linter.settings,)) as pool:
            for result in pool.map(_lint_in_worker, [(data, display) for _, data, display, _ in todo],
                                   chunksize=chunk):
                fresh.append(result)
                if progress is not None:
                    progress(done + len(fresh))
    for (i, _, _, key), result in zip(todo, fresh):
        results[i] = result
        if cache is not None and key is not None:
            cache.put(key, result.findings, result.skipped, result.keras.to_dict() if result.keras else None,
                      result.deps)
    return [results[i] for i in range(len(files))]


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
