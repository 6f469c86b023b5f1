"""Command line: `kerascheck [check] [PATHS...]`, `kerascheck rule CODE`, `kerascheck rules`.

Exit codes: 0 no findings · 1 findings · 2 usage, configuration or internal error.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

import click

from kerascheck import __version__
from kerascheck.config import ConfigError, Settings, load_settings, parse_per_file_ignores
from kerascheck.output import FORMATS

EPILOG = """\b
Examples:
  kerascheck examples/                  lint a folder (the default command is `check`)
  kerascheck check train.py --select KC2 --output-format concise
  kerascheck rule KC201                 explain a rule
  cat train.py | kerascheck - --stdin-filename train.py

Exit codes: 0 no findings, 1 findings, 2 usage/config/internal error.
"""


class UsageFailure(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:  # one line, no traceback
        click.echo(f"kerascheck: error: {self.format_message()}", err=True)


class DefaultGroup(click.Group):
    """Bare paths route to `check`, as in `kerascheck src/`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            if args:
                self._did_you_mean(args[0])
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def _did_you_mean(self, word: str) -> None:
        """`kerascheck rlues`: a path that does not exist but is one typo from a subcommand."""
        import difflib

        if word.startswith("-") or os.path.exists(word):
            return
        close = difflib.get_close_matches(word, sorted(self.commands), n=1, cutoff=0.75)
        if close:
            raise UsageFailure(f"{word}: no such file or folder, and no such command; "
                               f"did you mean `kerascheck {close[0]}`?")


@click.group(cls=DefaultGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="kerascheck", message="%(prog)s %(version)s")
def main() -> None:
    """kerascheck finds Keras training bugs (wrong loss/activation pairs, shape and label mismatches,
    broken custom metrics, Keras 2 vs 3 API breaks) by reading your scripts, without running them."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable (replaces the config), e.g. KC2,KC301.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable on top of the selection.")
@click.option("--per-file-ignores", multiple=True, metavar="PATTERN:CODES", help="Disable codes for matching files, e.g. 'tests/*:KC4'.")
@click.option("--exclude", multiple=True, help="Glob patterns to exclude (replaces the config).")
@click.option("--extend-exclude", multiple=True, help="Glob patterns to exclude on top of the config.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to paths given explicitly too (for pre-commit).")
@click.option("--output-format", type=click.Choice(list(FORMATS)), default="full", show_default=True,
              help="How to print findings.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the output to a file.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--stdin-filename", help="The name of the file read from stdin (`-`).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="A pyproject.toml or kerascheck.toml to use.")
@click.option("--keras-version", type=click.Choice(["auto", "2", "3"]), help="The Keras major version your code runs on.")
@click.option("--show-settings", is_flag=True,
              help="Print the resolved settings (with PATHS: each file's Keras version and what decided it) and exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be linted and exit.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache (.kerascheck_cache/).")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where to keep the cache (default: .kerascheck_cache/ in the project root, or $KERASCHECK_CACHE_DIR).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option("--runtime", "runtime", flag_value=True, default=None,
              help="Confirm findings by building and tracing the models with TensorFlow (runs a slice of your code).")
@click.option("--python", "runtime_python", type=click.Path(dir_okay=False),
              help="Runtime mode: the interpreter of your project's environment (default: this one).")
@click.option("--runtime-timeout", type=click.FloatRange(min=1), help="Runtime mode: seconds per file (default 60).")
@click.option("--runtime-sandbox", type=click.Choice(["auto", "require", "off"]),
              help="Runtime mode: kernel sandbox of the child (default auto: the layers the system offers, "
                   "saying which are missing; require: exit 2 without network isolation and seccomp; off: "
                   "audit-hook guards only).")
@click.option("--runtime-device", type=click.Choice(["cpu", "auto"]),
              help="Runtime mode: cpu (default) or auto (the local GPU when TensorFlow sees one, memory growth on).")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place (atomically; the result must parse).")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix/--diff: also apply fixes that change training behaviour.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them (exit 1 if any).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the output (auto: on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it).")
@click.option("--watch", is_flag=True, help="Lint again whenever a file under PATHS changes (Ctrl-C to stop).")
def check(paths: tuple[Path, ...], select, ignore, extend_select, per_file_ignores, exclude, extend_exclude,
          force_exclude, output_format, output_file, statistics, exit_zero, stdin_filename, config_file,
          keras_version, show_settings, show_files, no_cache, cache_dir, jobs, runtime, runtime_python,
          runtime_timeout, runtime_sandbox, runtime_device, fix, unsafe_fixes, diff, color, watch) -> None:
    """Lint PATHS (files or folders; default: the current folder; `-` reads stdin)."""
    extra = {"no_cache": no_cache, "cache_dir": cache_dir, "jobs": jobs, "runtime": runtime,
             "runtime_python": runtime_python, "runtime_timeout": runtime_timeout,
             "runtime_sandbox": runtime_sandbox, "runtime_device": runtime_device, "fix": fix,
             "unsafe_fixes": unsafe_fixes, "diff": diff, "color": color}
    args = (paths, select, ignore, extend_select, per_file_ignores, exclude, extend_exclude, force_exclude,
            output_format, output_file, statistics, exit_zero, stdin_filename, config_file, keras_version,
            show_settings, show_files, extra)
    if watch:
        if any(str(p) == "-" for p in paths) or stdin_filename or show_settings or show_files:
            raise UsageFailure("--watch lints files on disk: it cannot be combined with stdin, "
                               "--show-settings or --show-files")
        from kerascheck.watch import watch as watch_loop

        sys.exit(watch_loop(lambda: _check_once(args), lambda: _watched_files(args)))
    sys.exit(_check_once(args))


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _check_once(args: tuple) -> int:
    try:
        return _check(*args)
    except ConfigError as err:
        raise UsageFailure(str(err)) from None


def _watched_files(args: tuple) -> list[Path]:
    """What --watch polls: the files a run would lint, and the configuration that decides how."""
    from kerascheck.files import discover

    paths, config_file, force_exclude = args[0], args[13], args[7]
    settings = load_settings(config_file)
    files, _ = discover([p for p in paths] or [Path(".")], settings.excludes(), Path.cwd(), force_exclude,
                        root=settings.root)
    out = [f.path for f in files]
    if settings.config_file:
        out.append(Path(settings.config_file))
    return out


def _settings(config_file, select, ignore, extend_select, per_file_ignores, exclude, extend_exclude,
              keras_version) -> Settings:
    from kerascheck.catalogue import load_catalogue

    settings = load_settings(config_file)
    if select:
        settings.select = _split(select)
    settings.ignore += _split(ignore)
    settings.extend_select += _split(extend_select)
    for pattern, codes in parse_per_file_ignores(per_file_ignores).items():
        settings.per_file_ignores.setdefault(pattern, []).extend(c.upper() for c in codes)
    if exclude:
        settings.exclude = list(exclude)
    settings.extend_exclude += list(extend_exclude)
    if keras_version:
        settings.keras_version = keras_version
        settings.keras_version_from = "--keras-version"
    settings.validate_selectors(load_catalogue())
    return settings


def _check(paths, select, ignore, extend_select, per_file_ignores, exclude, extend_exclude, force_exclude,
           output_format, output_file, statistics, exit_zero, stdin_filename, config_file, keras_version,
           show_settings, show_files, extra: Optional[dict] = None) -> int:
    from kerascheck.engine import Linter
    from kerascheck.files import discover
    from kerascheck.output import Report, render
    from kerascheck.stdin import read_stdin

    settings = _settings(config_file, select, ignore, extend_select, per_file_ignores, exclude,
                         extend_exclude, keras_version)
    for warning in settings.warnings:
        click.echo(f"kerascheck: warning: {warning}", err=True)
    extra = extra or {}
    if extra.get("cache_dir"):
        settings.cache_dir = extra["cache_dir"]
    # Runtime mode and its interpreter come from the command line only (config.py ignores them).
    if extra.get("runtime") is not None:
        settings.runtime = extra["runtime"]
    if extra.get("runtime_python"):
        settings.runtime_python = extra["runtime_python"]
    if extra.get("runtime_timeout"):
        settings.runtime_timeout = extra["runtime_timeout"]
    if extra.get("runtime_sandbox"):
        settings.runtime_sandbox = extra["runtime_sandbox"]
    if extra.get("runtime_device"):
        settings.runtime_device = extra["runtime_device"]
    if show_settings and not paths:
        click.echo(json.dumps(_with_sandbox_layers(settings.as_dict(), settings), indent=2))
        return 0
    cwd = Path.cwd()
    use_stdin = any(str(p) == "-" for p in paths) or (stdin_filename is not None and not paths)
    file_paths = [p for p in paths if str(p) != "-"] or ([] if use_stdin else [Path(".")])
    if statistics and output_format not in _STATISTICS_FORMATS:
        raise ConfigError(f"--statistics prints counts as {', '.join(_STATISTICS_FORMATS)}; "
                          f"not as --output-format {output_format}")
    files, problems = discover(file_paths, settings.excludes(), cwd, force_exclude, root=settings.root)
    if problems:
        raise ConfigError(problems[0])
    if show_settings:
        click.echo(json.dumps(_settings_per_file(settings, files), indent=2))
        return 0
    if not files and not use_stdin:
        click.echo("kerascheck: warning: no Python files or notebooks found under the given paths", err=True)
    if show_files:
        for f in files:
            click.echo(f.display)
        return 0

    # A syntax tree is millions of small acyclic objects that the cyclic GC keeps re-scanning: with
    # CPython's default thresholds that costs a fifth of the time on big files (mypy does the same).
    gc.set_threshold(100_000, 50, 100)
    if settings.runtime:
        from kerascheck.runtime import RuntimeUnavailable, check_available, check_sandbox

        settings.runtime_python = _interpreter(settings.runtime_python)
        try:
            check_available(settings.runtime_python)
            for line in check_sandbox(settings.runtime_python, settings.runtime_sandbox):
                click.echo(f"kerascheck: warning: {line}", err=True)
        except RuntimeUnavailable as err:
            raise ConfigError(str(err)) from None
    linter = Linter(settings)
    cache = None
    if not extra.get("no_cache"):
        from kerascheck.cache import Cache, default_dir
        from kerascheck.runner import fingerprint

        cache = Cache(settings.cache_dir or default_dir(settings.root), fingerprint(linter))
    from kerascheck.runner import default_jobs, lint_files

    # Runtime mode works from each file's trees and facts, which only an in-process analysis keeps.
    from kerascheck.terminal import Progress, use_color

    progress = Progress(len(files), Progress.wanted(output_format) and output_file is None,
                        delay=_float_env("KERASCHECK_PROGRESS_DELAY", 1.0))
    try:
        results = lint_files(linter, files, extra.get("jobs") or default_jobs(), cache,
                             in_process=bool(settings.runtime), progress=progress.update)
    finally:
        progress.close()
    stdin_result = stdin_data = None
    if use_stdin:
        name = stdin_filename or "-"
        stdin_data = read_stdin(settings.max_file_size)
        stdin_result = linter.lint_bytes(stdin_data, name)
        results.append(stdin_result)
    fix_summary = ""
    if extra.get("fix") or extra.get("diff"):
        fix_summary, would_change = _apply_fixes(linter, results, files, stdin_result, extra, stdin_data)
        if extra.get("diff"):
            click.echo(fix_summary, err=True, nl=False)
            return 1 if would_change else 0
        if stdin_result is not None:
            click.echo(fix_summary, err=True, nl=False)
            return 0 if exit_zero or not stdin_result.findings else 1
    for warning in linter.versions.warnings:
        click.echo(f"kerascheck: warning: {warning}", err=True)
    if settings.runtime:
        _runtime(settings, results, files)
    findings = sorted((f for r in results for f in r.findings), key=lambda f: f.sort_key())
    sources: dict[str, str] = {}
    for r in results:
        sources.update(r.sources())
    color = use_color(extra.get("color", "auto"), to_file=output_file is not None)
    report = Report(findings, linter.catalogue, sources,
                    settings.root if output_format == "sarif" else cwd, __version__, len(results), color)
    if statistics:
        text = _statistics(findings, results, linter.catalogue, output_format)
    else:
        text = render(output_format, report)
        if output_format in ("full", "concise"):
            text += _summary(findings, len(results), color, fixed=bool(fix_summary)) + _assumed(results) + fix_summary
    if output_file is not None:
        try:
            output_file.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write {output_file}: {exc.strerror or exc}") from None
    elif text:
        click.echo(text, nl=False, color=color)
    return 0 if exit_zero or not findings else 1


def _apply_fixes(linter, results: list, files: list, stdin_result, extra: dict,
                 stdin_data: Optional[bytes] = None) -> tuple[str, bool]:
    """--fix / --diff: fix each file's text until no fix applies, re-lint, then write (or diff)."""
    from kerascheck.files import decode
    from kerascheck.fix import fix_source, unified_diff, wanted, write_atomic

    unsafe, diff = bool(extra.get("unsafe_fixes")), bool(extra.get("diff"))
    paths = {f.display: f.path for f in files}
    fixed = changed = 0
    for result in results:
        if result.path.endswith(".ipynb"):
            if any(wanted(f, unsafe) for f in result.findings):
                is_stdin = result is stdin_result
                n = _fix_notebook(linter, result, None if is_stdin else paths.get(result.path),
                                  stdin_data if is_stdin else None, unsafe, diff)
                fixed, changed = fixed + n, changed + (n > 0)
            continue
        if result.source is None or not any(wanted(f, unsafe) for f in result.findings):
            continue  # nothing to do
        display = result.path
        latest: list = []  # the analysis of the last text linted: runtime mode works from the fixed file

        def lint(text: str, display: str = display, latest: list = latest) -> list:
            latest[:] = [linter.lint_text(text, display)]
            return latest[0].findings

        outcome = fix_source(lint, result.source, result.findings, unsafe)
        if outcome.problem:
            click.echo(f"kerascheck: {display}: {outcome.problem}", err=True)
            continue
        if outcome.text == result.source:
            continue
        changed += 1
        fixed += outcome.fixed
        if diff:
            click.echo(unified_diff(display, result.source, outcome.text), nl=False)
            continue
        if result is stdin_result:
            click.echo(outcome.text, nl=False)
            result.findings = outcome.remaining
            continue
        path = paths[display]
        try:  # leave the file alone if it changed since we read it
            if decode(path.read_bytes())[0] != result.source:
                click.echo(f"kerascheck: {display}: changed while linting; not fixed", err=True)
                continue
            write_atomic(path, outcome.text, result.encoding, bom=False)
        except (OSError, UnicodeError) as exc:
            click.echo(f"kerascheck: {display}: cannot write the fix: {exc}", err=True)
            continue
        result.source = outcome.text
        result.findings = outcome.remaining
        if latest and latest[0].source == outcome.text:
            result.take_trees(latest[0])
    remaining = [f for r in results for f in r.findings]
    more = sum(1 for f in remaining if f.fix is not None and f.fix.applicability == "unsafe") if not unsafe else 0
    verb = "Would fix" if diff else "Fixed"
    summary = f"{verb} {fixed} finding{'s' if fixed != 1 else ''} in {changed} file{'s' if changed != 1 else ''}"
    if not diff:
        summary += f"; {len(remaining)} remaining"
    if more:
        summary += f"; {more} more fixable with --unsafe-fixes"
    return summary + ".\n", changed > 0


def _fix_notebook(linter, result, path: Optional[Path], stdin_data: Optional[bytes], unsafe: bool,
                  diff: bool) -> int:
    """--fix / --diff for one notebook (a file, or stdin when path is None); the fixes applied."""
    from kerascheck.fix import fix_notebook, notebook_diff, write_bytes_atomic

    display = result.path
    try:
        data = stdin_data if path is None else path.read_bytes()
    except OSError as exc:
        click.echo(f"kerascheck: {display}: cannot read it again to fix it: {exc.strerror or exc}", err=True)
        return 0
    if data is None:
        return 0
    outcome = fix_notebook(lambda t: linter.lint_text(t, display).findings, data, unsafe)
    if outcome.problem:
        click.echo(f"kerascheck: {display}: {outcome.problem}", err=True)
        return 0
    if not outcome.cells:
        return 0
    if diff:
        click.echo(notebook_diff(display, outcome.cells), nl=False)
        return outcome.fixed
    if path is None:
        click.echo(outcome.data, nl=False)
    else:
        try:  # leave the file alone if it changed since we read it
            if path.read_bytes() != data:
                click.echo(f"kerascheck: {display}: changed while linting; not fixed", err=True)
                return 0
            write_bytes_atomic(path, outcome.data)
        except OSError as exc:
            click.echo(f"kerascheck: {display}: cannot write the fix: {exc}", err=True)
            return 0
    fresh = linter.lint_bytes(outcome.data, display)
    result.findings, result.cells, result.source = fresh.findings, fresh.cells, fresh.source
    result.notebook = fresh.notebook
    return outcome.fixed


def _interpreter(python: Optional[str]) -> str:
    """The `--python` interpreter (default: this one) as an absolute path, checked up front so that
    a wrong one is a clear line (exit 2), not an error halfway through the run. Absolute because the
    child runs in each checked file's folder, and not resolved: a virtualenv's `bin/python` is a
    symlink whose target would lose the virtualenv."""
    if not python:
        return sys.executable
    found = python if os.sep in python or (os.altsep and os.altsep in python) else shutil.which(python)
    if found is None:
        raise ConfigError(f"--python {python}: not found on PATH")
    if not os.path.isfile(found):
        raise ConfigError(f"--python {python}: {'is a directory' if os.path.isdir(found) else 'no such file'}")
    if not os.access(found, os.X_OK):
        raise ConfigError(f"--python {python}: not executable")
    found = os.path.abspath(found)
    try:
        probe = subprocess.run([found, "-c", "import sys; print('kerascheck-probe', *sys.version_info[:2])"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                               timeout=30)
    except OSError as exc:
        raise ConfigError(f"--python {python}: cannot run it: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"--python {python}: no answer within 30 s; is it a Python interpreter?") from None
    words = probe.stdout.split()
    is_python = len(words) == 3 and words[0] == "kerascheck-probe" and (words[1] + words[2]).isdigit()
    if probe.returncode != 0 or not is_python:
        raise ConfigError(f"--python {python}: not a Python interpreter (`{python} -c ...` did not run Python)")
    if (int(words[1]), int(words[2])) < (3, 8):  # the child's guards are audit hooks (3.8+)
        raise ConfigError(f"--python {python}: Python {words[1]}.{words[2]}; runtime mode needs Python 3.8+")
    return found


def _with_sandbox_layers(shown: dict, settings: Settings) -> dict:
    """--show-settings: the runtime sandbox layers this system offers (tried in a throwaway process)."""
    from kerascheck.runtime import layer_summary, probe_sandbox

    if settings.runtime_sandbox != "off":
        active, missing = layer_summary(probe_sandbox(_interpreter(settings.runtime_python)))
        shown["runtime"]["sandbox-layers"] = {"available": active, "missing": missing}
    return shown


def _runtime(settings: Settings, results: list, files: list) -> None:
    """Runtime mode: confirm or refute each file's findings in a child process (never for stdin)."""
    from kerascheck.runtime import RuntimeUnavailable, check_file

    paths = {f.display: f.path for f in files}
    for result in results:
        path = paths.get(result.path)
        if path is None or result.skipped or result.source is None or result.cells:
            continue  # stdin, files without Keras, unreadable files, notebooks
        try:
            result.findings = check_file(path, result, python=settings.runtime_python,
                                         timeout=settings.runtime_timeout, memory_mb=settings.runtime_memory_mb,
                                         keras_versions=sorted(result.keras.versions) if result.keras else None,
                                         sandbox=settings.runtime_sandbox, device=settings.runtime_device)
        except RuntimeUnavailable as err:  # the interpreter passed the probe but cannot run the child
            raise ConfigError(str(err)) from None
    ran = {(f.runtime["device"], f.runtime.get("device-note", ""), tuple(f.runtime["sandbox"]))
           for r in results for f in r.findings if f.runtime and "device" in f.runtime}
    for device, note, layers in sorted(ran):
        click.echo(f"kerascheck: runtime mode ran on the {device.upper()}{f' ({note})' if note else ''}; sandbox: "
                   f"{', '.join(layers) if layers else 'none (audit-hook guards only)'}", err=True)


def _summary(findings: list, n_files: int, color: bool = False, fixed: bool = False) -> str:
    from kerascheck.terminal import paint

    files = f"{n_files} file{'s' if n_files != 1 else ''} checked"
    if not findings:
        return paint(f"All checks passed ({files}).", "good", color) + "\n"
    n = len(findings)
    out = paint(f"Found {n} problem{'s' if n != 1 else ''} in {files}.", "bad", color) + "\n"
    if fixed:
        return out  # --fix already said what it fixed and what is left
    safe = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.applicability != "safe")
    hidden = (f"{unsafe} hidden fix{'es' if unsafe != 1 else ''} can be enabled with the `--unsafe-fixes` option"
              if unsafe else "")
    if safe:
        out += paint(f"[*] {safe} fixable with the `--fix` option", "fixable", color) + \
            (f" ({hidden})" if hidden else "") + ".\n"
    elif hidden:
        out += f"No fixes available ({hidden}).\n"
    return out


_STATISTICS_FORMATS = ("full", "concise", "json", "json-lines")


def _assumed(results: list) -> str:
    """The one line that says the Keras major was assumed, not known, for some files."""
    from kerascheck.config import CURRENT_MAJOR

    n = sum(1 for r in results if r.keras is not None and r.keras.assumed)
    if not n:
        return ""
    return (f"Keras {CURRENT_MAJOR} assumed for {n} file{'s' if n != 1 else ''}: nothing says which Keras; "
            "set `keras-version`.\n")


def _settings_per_file(settings: Settings, files: list) -> dict:
    """--show-settings with paths: the settings, and for each file the Keras chosen and what chose it
    (the file is analysed: its own code comes first)."""
    from kerascheck.engine import Linter
    from kerascheck.files import ReadError

    out = _with_sandbox_layers(settings.as_dict(), settings)
    linter = Linter(settings)
    per_file = {}
    for f in files:
        try:
            result = linter.lint_file(f)
        except (ReadError, OSError):
            result = None
        choice = result.keras if result is not None and result.keras is not None else linter.keras_choice(f.display)
        per_file[f.display] = choice.to_dict()
    out["files"] = per_file
    for warning in linter.versions.warnings:
        click.echo(f"kerascheck: warning: {warning}", err=True)
    return out


def _statistics(findings, results, catalogue, output_format: str = "full") -> str:
    counts = Counter(f.code for f in findings)
    fixable = {f.code for f in findings if f.fix is not None}
    rows = [{"code": code, "name": catalogue[code].name if code in catalogue else "", "count": n,
             "fixable": code in fixable} for code, n in sorted(counts.items())]
    if output_format == "json":
        return json.dumps(rows, indent=2) + "\n"
    if output_format == "json-lines":
        return "".join(json.dumps(row) + "\n" for row in rows)
    lines = [f"{r['count']:>5}  {r['code']}  {'[*] ' if r['fixable'] else ''}{r['name']}" for r in rows]
    skipped = sum(1 for r in results if r.skipped)
    lines.append(f"{len(findings)} finding(s) in {len(results)} file(s); "
                 f"{skipped} file(s) skipped without parsing (no Keras/TensorFlow mention)")
    return "\n".join(lines) + "\n" + _assumed(results)


@main.command("server")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Use this pyproject.toml/kerascheck.toml for every file (default: the nearest pyproject.toml).")
def server_cmd(config_file: Optional[Path]) -> None:
    """Run the language server (LSP over stdio) for editors: live diagnostics, quick fixes, hover."""
    try:
        from kerascheck.server import serve
    except ImportError as exc:
        raise UsageFailure(f"the language server needs pygls 2 (pip install 'pygls>=2,<3'): {exc}") from None
    serve(config=config_file)


@main.command("rule")
@click.argument("code")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule_cmd(code: str, output_format: str) -> None:
    """Explain a rule: what it does, why it is a bug, and what to write instead."""
    from kerascheck.catalogue import load_catalogue

    catalogue = load_catalogue()
    meta = catalogue.get(code.upper()) or next((m for m in catalogue.values() if m.name == code.lower()), None)
    if meta is None:
        raise UsageFailure(f"unknown rule {code!r}: not a rule code or name (see `kerascheck rules`)")
    if output_format == "json":
        click.echo(json.dumps(_rule_json(meta), indent=2))
    else:
        click.echo(meta.markdown(), nl=False)


def _rule_json(meta) -> dict:
    return {"code": meta.code, "name": meta.name, "summary": meta.summary, "severity": meta.severity,
            "fix": meta.fix, "keras": list(meta.keras), "url": meta.url, "docs": meta.markdown()}


@main.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_cmd(output_format: str) -> None:
    """List every rule with its code, severity and summary."""
    from kerascheck.catalogue import load_catalogue

    catalogue = load_catalogue()
    if output_format == "json":
        click.echo(json.dumps([_rule_json(m) for m in catalogue.values()], indent=2))
        return
    width = max(len(m.name) for m in catalogue.values())
    for m in catalogue.values():
        click.echo(f"{m.code}  {m.name:<{width}}  {m.severity:<7}  {m.summary}")


def run() -> None:
    """Console entry point: an unexpected error is one line and exit 2, never a traceback."""
    try:
        main()
    except Exception as exc:  # click already handled usage errors and SystemExit
        click.echo(f"kerascheck: internal error: {type(exc).__name__}: {exc} "
                   "(please report it at https://github.com/kerascheck/kerascheck/issues)", err=True)
        sys.exit(2)
