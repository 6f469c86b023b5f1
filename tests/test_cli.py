"""The command line, in-process through click's CliRunner and as a real `python -m kerascheck` process.

Exit codes: 0 clean, 1 findings, 2 usage / configuration / internal error. Every error is one line on
stderr that starts with `kerascheck: error:`, never a traceback.

Most tests pass `--select KC201,KC9` so that the rules other people add later cannot change what
these snippets report; the tests about the default selection say so.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import kerascheck
from kerascheck.catalogue import load_catalogue
from kerascheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
SELECT = ["--select", "KC201,KC9"]

BAD = """\
import keras

model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(1, activation="softmax"),
])
"""
BAD_LINE, BAD_COL = 5, 38  # the `"softmax"` string
CLEAN = BAD.replace('"softmax"', '"sigmoid"')


# --- helpers -----------------------------------------------------------------------------------

class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


def cli(args, cwd: Path, input: str | None = None) -> Result:
    """In-process run. The CLI reads the working directory, so switch to `cwd` for the call."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    finally:
        os.chdir(old)
    return Result(r.exit_code, r.stdout, r.stderr)


def env_with_checkout() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def proc(args, cwd: Path, input: str | None = None, python_flags=()) -> Result:
    """A real process: `python -m kerascheck ARGS` with this checkout on the path."""
    p = subprocess.run([sys.executable, *python_flags, "-m", "kerascheck", *map(str, args)], cwd=cwd,
                       input=input, capture_output=True, text=True, env=env_with_checkout(), timeout=300)
    return Result(p.returncode, p.stdout, p.stderr)


RUNNERS = pytest.mark.parametrize("run", [cli, proc], ids=["clirunner", "subprocess"])


def one_line_error(r: Result, *fragments: str) -> None:
    """Exit 2 with one `kerascheck: error:` line on stderr naming every fragment, nothing on stdout."""
    assert r.code == 2, r
    assert "Traceback" not in r.err + r.out, r
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerascheck: error: "), r
    for fragment in fragments:
        assert fragment in lines[0], (fragment, r)
    assert r.out == "", r


def concise(r: Result) -> list[tuple[str, int, int, str]]:
    """(path, line, column, code) of every finding in concise output."""
    out = []
    for line in r.out.splitlines():
        m = re.match(r"^(.+?):(\d+):(\d+): (KC\d{3}) ", line)
        if m:
            out.append((m[1], int(m[2]), int(m[3]), m[4]))
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    return tmp_path


# --- exit codes ---------------------------------------------------------------------------------

@RUNNERS
def test_clean_file_exits_0(run, project):
    r = run(["clean.py"], project)  # the default selection: every rule
    assert r.code == 0, r
    assert "All checks passed (1 file checked)." in r.out
    assert r.err == ""


@RUNNERS
def test_finding_exits_1_with_the_position(run, project):
    r = run(["bad.py", "--output-format", "concise", *SELECT], project)
    assert r.code == 1, r
    assert concise(r) == [("bad.py", BAD_LINE, BAD_COL, "KC201")]
    assert "Found 1 problem in 1 file checked." in r.out


@RUNNERS
def test_check_subcommand_and_bare_paths_are_the_same(run, project):
    a = run(["check", "bad.py", "--output-format", "concise", *SELECT], project)
    b = run(["bad.py", "--output-format", "concise", *SELECT], project)
    assert a.code == b.code == 1 and a.out == b.out


def test_default_path_is_the_current_folder(project):
    r = cli(["--output-format", "concise", *SELECT], project)
    assert r.code == 1, r
    assert concise(r) == [("bad.py", BAD_LINE, BAD_COL, "KC201")]
    assert "in 2 files checked" in r.out


@RUNNERS
def test_missing_path_is_a_one_line_error(run, project):
    one_line_error(run(["nope.py"], project), "nope.py", "no such file or directory")


def test_missing_path_among_good_ones_is_still_an_error(project):
    one_line_error(cli(["bad.py", "nope/"], project), "nope")


@RUNNERS
def test_unknown_option_is_a_usage_error(run, project):
    r = run(["bad.py", "--no-such-flag"], project)
    assert r.code == 2, r
    assert "No such option" in r.err and "Traceback" not in r.err


# --- selection ------------------------------------------------------------------------------

@RUNNERS
@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
def test_unknown_rule_code_is_a_one_line_error(run, project, flag):
    one_line_error(run(["bad.py", flag, "KC999"], project), "unknown rule code", "KC999")


@pytest.mark.parametrize("value", ["E501", "KC20x", "KC2011", "all-rules"])
def test_malformed_selector_is_a_one_line_error(project, value):
    one_line_error(cli(["bad.py", "--select", value], project), repr(value.upper()), "not a rule code or prefix")


def test_unknown_code_in_per_file_ignores_is_an_error(project):
    one_line_error(cli(["bad.py", "--per-file-ignores", "tests/*:KC999"], project), "KC999")


def test_per_file_ignores_needs_a_pattern(project):
    one_line_error(cli(["bad.py", "--per-file-ignores", "KC201"], project), "PATTERN:CODES")


@pytest.mark.parametrize("args, found", [
    (["--select", "KC201"], True),
    (["--select", "kc201"], True),  # codes are case-insensitive on the command line
    (["--select", "KC2"], True),  # a prefix
    (["--select", "KC20"], True),
    (["--select", "ALL"], True),
    (["--select", "KC9"], False),
    (["--select", "KC9", "--extend-select", "KC2"], True),
    (["--select", "KC9,KC201"], True),  # comma-separated
    (["--select", "KC9", "--select", "KC201"], True),  # repeated
    (["--ignore", "KC201"], False),
    (["--ignore", "KC2"], False),
    (["--select", "ALL", "--ignore", "KC20"], False),
    (["--select", "KC201", "--ignore", "KC201"], False),  # ignore wins, as in ruff
    (["--extend-select", "KC201", "--ignore", "KC2"], False),
])
def test_select_ignore_extend_select(project, args, found):
    r = cli(["bad.py", "--output-format", "concise", *args], project)
    codes = [c for *_, c in concise(r)]
    assert ("KC201" in codes) is found, r
    assert r.code == (1 if codes else 0), r


def test_select_replaces_the_config_and_ignore_adds_to_it(project):
    (project / "pyproject.toml").write_text('[tool.kerascheck]\nselect = ["KC9"]\n', encoding="utf-8")
    assert cli(["bad.py"], project).code == 0  # the config selects only KC9
    assert cli(["bad.py", "--select", "KC201"], project).code == 1
    assert cli(["bad.py", "--extend-select", "KC2"], project).code == 1
    (project / "pyproject.toml").write_text('[tool.kerascheck]\nignore = ["KC201"]\n', encoding="utf-8")
    assert cli(["bad.py"], project).code == 0
    assert cli(["bad.py", "--select", "KC201"], project).code == 0  # the config's ignore still applies


@RUNNERS
def test_per_file_ignores_flag(run, project):
    (project / "tests").mkdir()
    (project / "tests" / "test_model.py").write_text(BAD, encoding="utf-8")
    r = run([".", "--output-format", "concise", "--per-file-ignores", "tests/*:KC201", *SELECT], project)
    assert concise(r) == [("bad.py", BAD_LINE, BAD_COL, "KC201")], r
    r = run([".", "--output-format", "concise", "--per-file-ignores", "*.py:KC2", *SELECT], project)
    assert r.code == 0 and concise(r) == [], r


def test_per_file_ignores_from_the_config_apply_from_a_sub_folder(project):
    """Config patterns are relative to the project root, wherever kerascheck runs from."""
    (project / "pyproject.toml").write_text(
        '[tool.kerascheck]\nper-file-ignores = { "tests/*" = ["KC201"] }\n', encoding="utf-8")
    (project / "tests").mkdir()
    (project / "tests" / "test_model.py").write_text(BAD, encoding="utf-8")
    r = cli([".", *SELECT], project / "tests")
    assert r.code == 0, r


# --- configuration errors ------------------------------------------------------------------

BAD_CONFIGS = [
    ('[tool.kerascheck]\nkeras-version = "4"\n', ["keras-version", "'4'"]),
    ('[tool.kerascheck]\nkeras-versoin = "3"\n', ["unknown key", "'keras-versoin'"]),
    ('[tool.kerascheck]\nselect = ["KC999"]\n', ["select", "KC999"]),
    ('[tool.kerascheck]\nignore = ["E501"]\n', ["ignore", "E501"]),
    ('[tool.kerascheck]\nselect = "KC2\n', ["invalid TOML"]),
    ('[tool.kerascheck\nselect = ["KC2"]\n', ["invalid TOML", "line 1"]),
    ('[tool.kerascheck]\nmax-file-size = -1\n', ["max-file-size"]),
    ('[tool.kerascheck]\nselect = [1, 2]\n', ["'select' must be a list of strings"]),
    ('[tool.kerascheck]\nper-file-ignores = ["tests/*"]\n', ["per-file-ignores"]),
    ('[tool]\nkerascheck = "strict"\n', ["must be a table"]),
]


@RUNNERS
@pytest.mark.parametrize("text, fragments", BAD_CONFIGS[:2] + BAD_CONFIGS[4:5])
def test_bad_pyproject_is_a_one_line_error(run, project, text, fragments):
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    one_line_error(run(["bad.py"], project), "pyproject.toml", *fragments)


@pytest.mark.parametrize("text, fragments", BAD_CONFIGS)
def test_bad_config_file_is_a_one_line_error(project, text, fragments):
    (project / "conf").mkdir()
    (project / "conf" / "pyproject.toml").write_text(text, encoding="utf-8")
    one_line_error(cli(["bad.py", "--config", "conf/pyproject.toml"], project), *fragments)


@RUNNERS
def test_config_pointing_to_a_missing_file(run, project):
    one_line_error(run(["bad.py", "--config", "missing.toml"], project), "config file not found", "missing.toml")


def test_config_pointing_to_a_folder(project):
    one_line_error(cli(["bad.py", "--config", "."], project), "config file not found")


def test_config_error_wins_over_show_settings(project):
    (project / "pyproject.toml").write_text('[tool.kerascheck]\nkeras-version = "4"\n', encoding="utf-8")
    one_line_error(cli(["--show-settings"], project), "keras-version")


# --- --version, rule, rules --------------------------------------------------------------------

@RUNNERS
def test_version(run, project):
    r = run(["--version"], project)
    assert r.code == 0 and r.out == f"kerascheck {kerascheck.__version__}\n", r


@RUNNERS
@pytest.mark.parametrize("name", ["KC201", "kc201", "softmax-on-single-unit"])
def test_rule_explains_a_rule(run, project, name):
    r = run(["rule", name], project)
    assert r.code == 0, r
    assert r.out.startswith("# softmax-on-single-unit (KC201)\n"), r
    meta = load_catalogue()["KC201"]
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in r.out
    assert meta.docs["what"].strip() in r.out
    assert 'activation="softmax"' in r.out  # the example's code


def test_rule_as_json(project):
    r = cli(["rule", "KC201", "--output-format", "json"], project)
    data = json.loads(r.out)
    assert data["code"] == "KC201" and data["name"] == "softmax-on-single-unit"
    assert set(data) == {"code", "name", "summary", "severity", "fix", "keras", "url", "docs"}


@RUNNERS
@pytest.mark.parametrize("name", ["KC999", "no-such-rule"])
def test_rule_unknown_exits_2(run, project, name):
    one_line_error(run(["rule", name], project), repr(name), "kerascheck rules")


@RUNNERS
def test_rules_lists_every_rule(run, project):
    r = run(["rules"], project)
    assert r.code == 0, r
    catalogue = load_catalogue()
    listed = [line.split()[0] for line in r.out.splitlines()]
    assert listed == list(catalogue)
    kc201 = next(line for line in r.out.splitlines() if line.startswith("KC201 "))
    assert "softmax-on-single-unit" in kc201 and "warning" in kc201 and catalogue["KC201"].summary in kc201


def test_rules_as_json(project):
    r = cli(["rules", "--output-format", "json"], project)
    assert r.code == 0, r
    data = json.loads(r.out)
    assert [d["code"] for d in data] == list(load_catalogue())
    kc201 = next(d for d in data if d["code"] == "KC201")
    assert kc201["severity"] == "warning" and kc201["docs"].startswith("# softmax-on-single-unit")


# --- output options ---------------------------------------------------------------------------

@RUNNERS
def test_statistics(run, project):
    (project / "other.py").write_text(BAD, encoding="utf-8")
    (project / "plain.py").write_text("print('no deep learning here')\n", encoding="utf-8")
    r = run([".", "--statistics", *SELECT], project)
    assert r.code == 1, r
    lines = r.out.splitlines()
    assert re.match(r"^\s*2\s+KC201\s+\[\*\] softmax-on-single-unit$", lines[0]), r  # [*]: fixable
    assert "2 finding(s) in 4 file(s); 1 file(s) skipped" in lines[-1]
    assert "softmax on a Dense output" not in r.out  # counts instead of findings


def test_statistics_with_no_findings(project):
    r = cli(["clean.py", "--statistics", *SELECT], project)
    assert r.code == 0 and "0 finding(s) in 1 file(s)" in r.out, r


@RUNNERS
def test_exit_zero_still_reports(run, project):
    r = run(["bad.py", "--exit-zero", "--output-format", "concise", *SELECT], project)
    assert r.code == 0, r
    assert concise(r) == [("bad.py", BAD_LINE, BAD_COL, "KC201")]


def test_exit_zero_does_not_hide_usage_errors(project):
    one_line_error(cli(["nope.py", "--exit-zero"], project), "nope.py")


@RUNNERS
def test_output_file(run, project):
    r = run(["bad.py", "-o", "report.json", "--output-format", "json", *SELECT], project)
    assert r.code == 1, r
    assert r.out == "", r  # everything went to the file
    data = json.loads((project / "report.json").read_text(encoding="utf-8"))
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in data] == [("bad.py", BAD_LINE, BAD_COL, "KC201")]


def test_output_file_long_flag_and_clean_run(project):
    r = cli(["clean.py", "--output-file", "out.txt", "--output-format", "concise", *SELECT], project)
    assert r.code == 0 and r.out == ""
    assert (project / "out.txt").read_text(encoding="utf-8") == "All checks passed (1 file checked).\n"


def test_output_file_that_cannot_be_written(project):
    one_line_error(cli(["bad.py", "-o", "no/such/dir/out.txt", *SELECT], project), "cannot write")


@RUNNERS
def test_show_settings(run, project):
    (project / "pyproject.toml").write_text(
        '[tool.kerascheck]\nselect = ["KC2"]\nkeras-version = "2"\nexclude = ["gen"]\n', encoding="utf-8")
    r = run(["bad.py", "--show-settings", "--ignore", "KC201", "--extend-exclude", "tmp"], project)
    assert r.code == 0, r  # prints and exits without linting
    settings = json.loads(r.out)
    assert settings["select"] == ["KC2"] and settings["ignore"] == ["KC201"]
    assert settings["keras-version"] == "2"
    assert settings["exclude"] == ["gen"] and settings["extend-exclude"] == ["tmp"]
    assert Path(settings["config-file"]) == (project / "pyproject.toml").resolve()


def test_show_settings_flags_override_the_config(project):
    (project / "pyproject.toml").write_text('[tool.kerascheck]\nkeras-version = "2"\n', encoding="utf-8")
    settings = json.loads(cli(["--show-settings", "--keras-version", "3", "--select", "kc9"], project).out)
    assert settings["keras-version"] == "3" and settings["select"] == ["KC9"]


def test_show_files(project):
    r = cli(["--show-files"], project)
    assert r.code == 0 and r.out.splitlines() == ["bad.py", "clean.py"], r


@pytest.mark.parametrize("run, fmt", [(cli, f) for f in ("json", "json-lines", "github", "sarif", "lsp", "concise",
                                                           "full")] + [(proc, "json"), (proc, "full")])
def test_every_output_format_reports_the_finding(run, project, fmt):
    r = run(["bad.py", "--output-format", fmt, *SELECT], project)
    assert r.code == 1, r
    assert "KC201" in r.out
    if fmt in ("json", "sarif", "lsp"):
        json.loads(r.out)
    if fmt == "json-lines":
        assert [json.loads(line)["code"] for line in r.out.splitlines()] == ["KC201"]


# --- stdin -------------------------------------------------------------------------------------

@RUNNERS
def test_stdin_with_a_filename(run, project):
    r = run(["-", "--stdin-filename", "src/train.py", "--output-format", "concise", *SELECT], project, input=BAD)
    assert r.code == 1, r
    assert concise(r) == [("src/train.py", BAD_LINE, BAD_COL, "KC201")]
    assert "in 1 file checked" in r.out  # only stdin: the folder is not linted too


def test_stdin_filename_alone_reads_stdin(project):
    r = cli(["--stdin-filename", "x.py", "--output-format", "concise", *SELECT], project, input=BAD)
    assert concise(r) == [("x.py", BAD_LINE, BAD_COL, "KC201")], r


def test_stdin_without_a_filename(project):
    r = cli(["-", "--output-format", "concise", *SELECT], project, input=BAD)
    assert concise(r) == [("-", BAD_LINE, BAD_COL, "KC201")], r


def test_stdin_clean(project):
    r = cli(["-", "--stdin-filename", "x.py", *SELECT], project, input=CLEAN)
    assert r.code == 0, r


def test_stdin_filename_gets_per_file_ignores(project):
    r = cli(["-", "--stdin-filename", "tests/test_x.py", "--per-file-ignores", "tests/*:KC201", *SELECT],
            project, input=BAD)
    assert r.code == 0, r


def test_stdin_and_files_together(project):
    r = cli(["bad.py", "-", "--stdin-filename", "piped.py", "--output-format", "concise", *SELECT],
            project, input=BAD)
    assert [p for p, *_ in concise(r)] == ["bad.py", "piped.py"], r


def test_stdin_bytes_are_decoded_like_a_file(project):
    """Undecodable stdin is a KC902 finding, not a crash."""
    p = subprocess.run([sys.executable, "-m", "kerascheck", "-", "--stdin-filename", "x.py", "--output-format",
                        "concise", *SELECT], cwd=project, input=b"import keras\nx = '\xff'\n",
                       capture_output=True, env=env_with_checkout(), timeout=300)
    assert p.returncode == 1, p
    assert b"x.py:2:6: KC902" in p.stdout, p


# --- errors inside kerascheck --------------------------------------------------------------------

def test_internal_error_is_one_line_and_exit_2(project, monkeypatch):
    """`run()` (the console entry point) turns an unexpected exception into one line and exit 2."""
    import kerascheck.engine
    from kerascheck import cli as cli_module

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(kerascheck.engine.Linter, "__init__", broken)
    monkeypatch.setattr(sys, "argv", ["kerascheck", str(project / "bad.py")])
    with pytest.raises(SystemExit) as exc:
        cli_module.run()
    assert exc.value.code == 2


def test_internal_error_message(project, monkeypatch, capsys):
    import kerascheck.engine
    from kerascheck import cli as cli_module

    monkeypatch.setattr(kerascheck.engine.Linter, "lint_bytes", lambda *a: 1 / 0)
    monkeypatch.setattr(sys, "argv", ["kerascheck", str(project / "bad.py")])
    with pytest.raises(SystemExit):
        cli_module.run()
    err = capsys.readouterr().err
    assert err.startswith("kerascheck: internal error: ZeroDivisionError") and err.count("\n") == 1
    assert "Traceback" not in err


# --- the static path never imports TensorFlow or Keras -------------------------------------------

def test_static_path_never_imports_tensorflow_or_keras(tmp_path):
    """Decoy `tensorflow`, `keras` and `tf_keras` packages sit first on the path: any import of them
    by kerascheck would succeed, show in `-X importtime` and leave a marker file."""
    marker = tmp_path / "imported.txt"
    decoys = tmp_path / "decoys"
    for name in ("tensorflow", "keras", "tf_keras"):
        (decoys / name).mkdir(parents=True)
        (decoys / name / "__init__.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n", encoding="utf-8")
    script = tmp_path / "train.py"
    script.write_text((ROOT / "examples" / "binary_classifier.py").read_text(encoding="utf-8")
                      + "import tensorflow as tf\nfrom keras import ops\nimport tf_keras\n", encoding="utf-8")
    env = env_with_checkout()
    env["PYTHONPATH"] = os.pathsep.join([str(decoys), env["PYTHONPATH"]])
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "kerascheck", str(script), "--output-format",
                        "json"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 1, p.stderr  # it did lint: the example is buggy
    assert any(f["code"] == "KC201" for f in json.loads(p.stdout))
    imported = [line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")]
    assert "kerascheck.engine" in imported  # the log is real
    heavy = [m for m in imported if re.match(r"(tensorflow|keras|tf_keras|jax|torch)(\.|$)", m)]
    assert heavy == [], heavy
    assert not marker.exists(), marker.read_text()


# --- timing of one small file (informative) ---------------------------------------------------------

def test_one_file_cli_call_is_quick(project):
    """No assertion on time (shared CI machines vary); the duration is printed for `pytest -s`/-rP."""
    import time

    start = time.perf_counter()
    r = proc(["bad.py", *SELECT], project)
    elapsed = time.perf_counter() - start
    print(f"one-file CLI call: {elapsed:.2f}s")
    assert r.code == 1, r
