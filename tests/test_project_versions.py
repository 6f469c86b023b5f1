"""Which Keras a file runs: its code, the configuration, the project's dependency declarations, the
installed Keras, else Keras 3 assumed (and said)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from kerascheck.cli import main
from kerascheck.facts.interp import analyze
from kerascheck.project_versions import (Pin, ProjectVersions, conda_specifier, decide, poetry_specifiers,
                                         read_pins)

K501 = "import keras\nimport keras.backend as K\n\ndef dice(y_true, y_pred):\n    return K.sum(y_true * y_pred)\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def majors(path: Path) -> frozenset:
    pins, warning = read_pins(path)
    assert warning is None, warning
    left = frozenset({"2", "3"})
    major, _ = decide(pins)
    return frozenset({major}) if major else left


# --- what a requirement rules out -------------------------------------------------------------------

@pytest.mark.parametrize("package, spec, expected", [
    ("keras", ">=3", {"3"}),
    ("keras", ">=3.0.0rc1", {"3"}),
    ("keras", "<3", {"2"}),
    ("keras", "==2.15.0", {"2"}),
    ("keras", "~=2.13", {"2"}),
    ("keras", "", {"2", "3"}),
    ("keras", ">=2.13,!=3.0.*", {"2", "3"}),
    ("tensorflow", ">=2.16", {"3"}),
    ("tensorflow", ">=2.16.0rc0", {"3"}),
    ("tensorflow", "==2.15.*", {"2"}),
    ("tensorflow", "<2.16", {"2"}),
    ("tensorflow", "<=2.15.1", {"2"}),
    ("tensorflow", ">2.15", {"2", "3"}),  # 2.15.1 is > 2.15
    ("tensorflow", ">=2.10", {"2", "3"}),
    ("tensorflow", "~=2.15", {"2", "3"}),
    ("tensorflow", "~=2.15.0", {"2"}),
    ("tensorflow", "", {"2", "3"}),
])
def test_pin_majors(package, spec, expected):
    assert Pin(package, spec, "r.txt", "x").majors() == expected


def test_decide_intersects_packages_and_unions_alternatives():
    tf_bare, keras_3 = Pin("tensorflow", "", "r", "tensorflow"), Pin("keras", ">=3", "r", "keras>=3")
    assert decide([tf_bare]) == (None, "")
    assert decide([tf_bare, keras_3]) == ("3", "keras>=3 (r)")
    # contradictory declarations decide nothing
    assert decide([keras_3, Pin("tensorflow", "<2.16", "r", "tensorflow<2.16")]) == (None, "")
    # environment markers: either may apply, so together they rule nothing out
    alternatives = [Pin("tensorflow", "<2.16", "r", "a", alternative=True),
                    Pin("tensorflow", ">=2.16", "r", "b", alternative=True)]
    assert decide(alternatives) == (None, "")
    assert decide(alternatives[:1])[0] == "2"
    assert decide([Pin("tf-keras", "", "r", "tf-keras")]) == (None, "")


# --- each declaration format --------------------------------------------------------------------------

def test_requirements_txt_follows_includes_and_ignores_options(tmp_path):
    write(tmp_path / "base.txt", "numpy\ntensorflow==2.15.1 \\\n    --hash=sha256:abc\n")
    req = write(tmp_path / "requirements.txt",
                "# pinned\n-r base.txt\n--index-url https://example.invalid/simple\n-e .\n./local_pkg\n"
                "git+https://example.invalid/x.git#egg=y\nscipy>=1  # comment\n")
    assert majors(req) == {"2"}
    pins, _ = read_pins(req)
    assert [p.where for p in pins] == ["base.txt"]


def test_requirement_include_cycles_end(tmp_path):
    write(tmp_path / "requirements-a.txt", "-r requirements-b.txt\nkeras>=3\n")
    write(tmp_path / "requirements-b.txt", "-r requirements-a.txt\n")
    assert majors(tmp_path / "requirements-a.txt") == {"3"}


def test_requirements_folder(tmp_path):
    write(tmp_path / "requirements" / "base.txt", "tensorflow~=2.15.0\n")
    write(tmp_path / "requirements" / "notes.md", "keras>=3\n")
    d = ProjectVersions(stop=tmp_path).for_path(tmp_path / "train.py")
    assert (d.major, d.detail) == ("2", "tensorflow~=2.15.0 (base.txt)")


def test_constraints_file(tmp_path):
    assert majors(write(tmp_path / "constraints.txt", "tensorflow<2.16\n")) == {"2"}
    write(tmp_path / "c" / "requirements.txt", "tensorflow\n-c ../pins.txt\n")
    write(tmp_path / "pins.txt", "keras==3.4.1\n")
    assert majors(tmp_path / "c" / "requirements.txt") == {"3"}


def test_requirement_with_marker_is_an_alternative(tmp_path):
    req = write(tmp_path / "requirements.txt", 'tensorflow<2.16; python_version < "3.9"\n'
                                               'tensorflow>=2.16; python_version >= "3.9"\n')
    assert majors(req) == {"2", "3"}


def test_pyproject_project_tables(tmp_path):
    assert majors(write(tmp_path / "a" / "pyproject.toml",
                        '[project]\nname = "x"\ndependencies = ["numpy", "tensorflow>=2.16"]\n')) == {"3"}
    assert majors(write(tmp_path / "b" / "pyproject.toml",
                        '[project]\nname = "x"\ndependencies = ["tensorflow"]\n'
                        '[project.optional-dependencies]\ngpu = ["tensorflow[and-cuda]==2.15.1"]\n')) == {"2"}
    assert majors(write(tmp_path / "c" / "pyproject.toml",
                        '[dependency-groups]\ntrain = ["keras>=3.2", {include-group = "dev"}]\ndev = ["pytest"]\n')) == {"3"}


@pytest.mark.parametrize("constraint, expected", [
    ("^2.15", {"2", "3"}), ("~2.15.0", {"2"}), ("~2.15", {"2"}), ("2.15.1", {"2"}), ("2.15.*", {"2"}), (">=2.16,<3", {"3"}),
    ("^3.0", {"3"}), ("*", {"2", "3"}), ("<2.16 || >=2.17", {"2", "3"}),
])
def test_poetry_dependencies(tmp_path, constraint, expected):
    py = write(tmp_path / "pyproject.toml",
               f'[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.10"\ntensorflow = "{constraint}"\n')
    assert majors(py) == expected


def test_poetry_groups_and_tables(tmp_path):
    py = write(tmp_path / "pyproject.toml",
               '[tool.poetry.group.ml.dependencies]\nkeras = { version = "^2.15", optional = true }\n')
    assert majors(py) == {"2"}


def test_poetry_specifier_syntax():
    assert poetry_specifiers("^0.2.3") == [">=0.2.3,<0.3"]
    assert poetry_specifiers("~2") == [">=2,<3"]
    assert poetry_specifiers(">= 2.1, < 3") == [">=2.1,<3"]
    assert poetry_specifiers("two") is None


def test_setup_cfg(tmp_path):
    cfg = write(tmp_path / "setup.cfg", "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    numpy\n"
                                         "    keras<3\n\n[options.extras_require]\ndev = pytest\n")
    assert majors(cfg) == {"2"}


def test_setup_py_is_read_not_run(tmp_path):
    marker = tmp_path / "ran"
    py = write(tmp_path / "setup.py",
               "from setuptools import setup\n"
               f"open({str(marker)!r}, 'w').close()\n"
               "REQS = ['numpy', 'tensorflow>=2.16']\n"
               "setup(name='x', install_requires=REQS, extras_require={'legacy': ['tf-keras']})\n")
    pins, warning = read_pins(py)
    assert warning is None and not marker.exists()
    assert decide(pins)[0] == "3" and any(p.package == "tf-keras" for p in pins)


def test_setup_py_with_computed_requirements_decides_nothing(tmp_path):
    py = write(tmp_path / "setup.py", "from setuptools import setup\n"
                                      "setup(install_requires=open('requirements.txt').read().split())\n")
    assert read_pins(py) == ([], None)


def test_pipfile(tmp_path):
    pf = write(tmp_path / "Pipfile", '[packages]\nnumpy = "*"\ntensorflow = {version = "==2.15.1", index = "pypi"}\n'
                                     '[dev-packages]\npytest = "*"\n')
    assert majors(pf) == {"2"}
    assert majors(write(tmp_path / "b" / "Pipfile", '[packages]\ntensorflow = "*"\n')) == {"2", "3"}


def test_environment_yml_conda_and_pip(tmp_path):
    env = write(tmp_path / "environment.yml",
                "name: ml\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - conda-forge::tensorflow=2.15\n"
                "  - pip\n  - pip:\n      - scikit-learn\n")
    assert majors(env) == {"2"}
    env = write(tmp_path / "b" / "environment.yaml",
                "dependencies:\n  - tensorflow\n  - pip:\n      - keras>=3.3\n")
    assert majors(env) == {"3"}


@pytest.mark.parametrize("spec, expected", [
    ("=2.15", "==2.15.*"), ("==2.15.1", "==2.15.1"), (">=2.16,<3", ">=2.16,<3"), (" 2.15.*", "==2.15.*"),
    ("=2.15.0=cpu_py311h", "==2.15.0.*"), ("", ""),
])
def test_conda_specifiers(spec, expected):
    assert conda_specifier(spec) == expected


def test_lock_files_give_exact_versions(tmp_path):
    assert majors(write(tmp_path / "uv.lock", 'version = 1\n[[package]]\nname = "keras"\nversion = "3.4.1"\n'
                                              '[[package]]\nname = "numpy"\nversion = "1.26.4"\n')) == {"3"}
    assert majors(write(tmp_path / "poetry.lock", '[[package]]\nname = "tensorflow-cpu"\nversion = "2.15.1"\n')) == {"2"}
    assert majors(write(tmp_path / "Pipfile.lock", json.dumps(
        {"_meta": {}, "default": {"tensorflow": {"version": "==2.16.1"}}, "develop": {}}))) == {"3"}
    # a lock that forks per platform holds both: nothing decided
    assert majors(write(tmp_path / "b" / "uv.lock", '[[package]]\nname = "keras"\nversion = "2.15.0"\n'
                                                    '[[package]]\nname = "keras"\nversion = "3.4.1"\n')) == {"2", "3"}


# --- malformed files: one warning line, no crash ------------------------------------------------------

@pytest.mark.parametrize("name, text", [
    ("pyproject.toml", "[project\ndependencies = ["),
    ("Pipfile", "[packages\n"),
    ("uv.lock", "[[package]\n"),
    ("Pipfile.lock", "{not json"),
    ("environment.yml", "dependencies: [a, b\n  - : :"),
    ("setup.py", "setup(install_requires=[\n"),
    ("setup.cfg", "[options\ninstall_requires = keras\n"),
    ("requirements.txt", "tensorflow=2.15\nkeras>=3\n"),
    ("requirements.txt", "\udcff\udcfe\x00\x00 binary"),
])
def test_malformed_declarations_warn_in_one_line(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    _, warning = read_pins(path)
    if name == "requirements.txt" and "binary" in text:
        assert warning is None or "\n" not in warning
        return
    assert warning is not None and "\n" not in warning and str(path) in warning


def test_a_malformed_line_loses_only_that_line(tmp_path):
    pins, warning = read_pins(write(tmp_path / "requirements.txt", "tensorflow=2.15\nkeras>=3\n"))
    assert decide(pins)[0] == "3"
    assert warning == f"{tmp_path / 'requirements.txt'}:1: 'tensorflow=2.15' is not a requirement, skipped"


# --- from a file's folder up to the project root ------------------------------------------------------

def test_nearest_deciding_folder_wins_and_the_walk_stops_at_the_project_root(tmp_path):
    write(tmp_path / "requirements.txt", "tensorflow==2.15.1\n")  # above the project: never read
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    write(project / "requirements.txt", "keras>=3\n")
    write(project / "legacy" / "requirements.txt", "keras<3\n")
    write(project / "src" / "pkg" / "requirements-dev.txt", "tensorflow\n")  # decides nothing
    pv = ProjectVersions()
    assert pv.for_path(project / "legacy" / "train.py").major == "2"
    deep = pv.for_path(project / "src" / "pkg" / "train.py")
    assert (deep.major, deep.detail) == ("3", "keras>=3 (requirements.txt)")
    write(project / "requirements.txt", "numpy\n")
    assert ProjectVersions().for_path(project / "src" / "train.py").major is None
    # a file outside the settings' root: the walk stops at its own project's root (.git here)
    assert ProjectVersions(stop=tmp_path / "elsewhere").for_path(project / "x.py").major is None


def test_the_walk_stops_at_the_home_folder(tmp_path, monkeypatch):
    write(tmp_path / "requirements.txt", "tensorflow==2.15.1\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write(tmp_path / "home" / "scripts" / "a.py", "")
    assert ProjectVersions().for_path(tmp_path / "home" / "scripts" / "a.py").major is None
    assert ProjectVersions().for_path(tmp_path / "elsewhere" / "a.py").major == "2"


def test_settings_root_is_the_stop(tmp_path):
    write(tmp_path / "requirements.txt", "tensorflow==2.15.1\n")
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "x"\n')  # a pyproject.toml, but not the root
    assert ProjectVersions(stop=tmp_path).for_path(tmp_path / "sub" / "a.py").major == "2"
    assert ProjectVersions().for_path(tmp_path / "sub" / "a.py").major is None


def test_recheck_reads_a_changed_file_again(tmp_path):
    req = write(tmp_path / "requirements.txt", "keras<3\n")
    once, again = ProjectVersions(stop=tmp_path), ProjectVersions(stop=tmp_path, recheck=True)
    assert once.for_path(tmp_path / "a.py").major == again.for_path(tmp_path / "a.py").major == "2"
    req.write_text("keras>=3.1\n", encoding="utf-8")
    os.utime(req, ns=(1, 1))
    assert once.for_path(tmp_path / "a.py").major == "2"  # the command line reads each folder once
    assert again.for_path(tmp_path / "a.py").major == "3"


# --- the code's own evidence ----------------------------------------------------------------------------

@pytest.mark.parametrize("code, evidence, legacy", [
    ("import keras_core as keras\n", {"3"}, False),
    ("from keras_core import layers\n", {"3"}, False),
    ("import tensorflow as tf\nimport tensorflow_addons as tfa\n", {"2"}, False),
    ("import tensorflow as tf\ntry:\n    import tensorflow_addons as tfa\nexcept ImportError:\n    tfa = None\n",
     set(), False),
    ('import os\nos.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tensorflow as tf\n', {"2"}, True),
    ('import os\nos.environ.setdefault("TF_USE_LEGACY_KERAS", "True")\nfrom tensorflow import keras\n', {"2"}, True),
    ('from os import environ\nenviron.update({"TF_USE_LEGACY_KERAS": "true"})\nimport tensorflow as tf\n', {"2"}, True),
    ('import os\nif True:\n    os.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tensorflow as tf\n', {"2"}, True),
    ('import os\nif 0:\n    pass\nelif 1: os.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tensorflow as tf\n', {"2"}, True),
    ('import os\ntry:\n    pass\nfinally:\n    os.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tensorflow\n', {"2"}, True),
    # in a function: runs later, if at all
    ('import os\ndef f():\n    os.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tensorflow as tf\n', set(), False),
    # set after TensorFlow is imported: TensorFlow has already read it
    ('import os\nimport tensorflow as tf\nos.environ["TF_USE_LEGACY_KERAS"] = "1"\n', set(), False),
    # a spelling TensorFlow does not take
    ('import os\nos.environ["TF_USE_LEGACY_KERAS"] = "yes"\nimport tensorflow as tf\n', set(), False),
    # `import keras` stays Keras 3 on TF >= 2.16 whatever the variable says
    ('import os\nos.environ["TF_USE_LEGACY_KERAS"] = "1"\nimport tensorflow as tf\nimport keras\n', set(), True),
    ("import tensorflow as tf\nimport keras\n", set(), False),
])
def test_code_evidence(code, evidence, legacy):
    facts = analyze(cst.parse_module(code))
    assert (facts.keras_evidence, facts.legacy_keras_env) == (evidence, legacy)


# --- the command line -----------------------------------------------------------------------------------

@pytest.fixture
def no_keras_installed(monkeypatch):
    """The environment of a pre-commit hook: kerascheck without Keras or TensorFlow."""
    from importlib import metadata

    real = metadata.version

    def version(name):
        if name in ("keras", "tensorflow", "tensorflow-cpu", "tf-keras"):
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "version", version)
    monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)


def run(args, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(main, ["check", "--jobs", "1", *map(str, args)], catch_exceptions=False)
    finally:
        os.chdir(old)
    return r


def project(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    write(root / "train.py", K501)
    for name, text in files.items():
        write(root / name.replace("__", "/"), text)
    return root


def test_no_pin_anywhere_assumes_keras_3_and_says_so(tmp_path, no_keras_installed):
    root = project(tmp_path)
    r = run(["--no-cache", "--output-format", "concise"], root)
    assert r.exit_code == 1, r.output
    assert "KC501" in r.stdout
    assert "(assuming Keras 3: nothing says which Keras; set keras-version)" in r.stdout
    assert "Keras 3 assumed for 1 file: nothing says which Keras; set `keras-version`." in r.stdout


def test_statistics_say_it_too(tmp_path, no_keras_installed):
    r = run(["--no-cache", "--statistics"], project(tmp_path))
    assert r.stdout.endswith("Keras 3 assumed for 1 file: nothing says which Keras; set `keras-version`.\n")


def test_suffix_only_on_version_specific_rules(tmp_path, no_keras_installed):
    root = project(tmp_path)
    write(root / "train.py", K501 + "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.layers.Dense(1, "
                                    "activation='softmax')])\nm.compile(loss='binary_crossentropy')\n")
    r = run(["--no-cache", "--output-format", "json"], root)
    findings = json.loads(r.stdout)
    by_code = {f["code"]: f["message"] for f in findings}
    assert "assuming Keras 3" in by_code["KC501"]  # catalogue keras: ["3"]
    both = [m for c, m in by_code.items() if c != "KC501"]
    assert both and not any("assuming" in m for m in both)  # rules for both majors say nothing


def test_a_project_that_pins_keras_2_silences_keras_3_only_rules(tmp_path, no_keras_installed):
    root = project(tmp_path, **{"requirements.txt": "tensorflow==2.15.1\n"})
    r = run(["--no-cache", "--output-format", "concise"], root)
    assert (r.exit_code, "KC501" in r.stdout, "assumed" in r.stdout) == (0, False, False), r.output


def test_declarations_beat_the_installed_keras(tmp_path):
    """This venv has Keras 3; the project says Keras 2."""
    root = project(tmp_path, **{"pyproject.toml": '[project]\nname = "p"\ndependencies = ["keras<3"]\n'})
    assert run(["--no-cache"], root).exit_code == 0


def test_configuration_beats_declarations(tmp_path, no_keras_installed):
    root = project(tmp_path, **{"requirements.txt": "tensorflow==2.15.1\n"})
    assert run(["--no-cache", "--keras-version", "3"], root).exit_code == 1


def test_code_evidence_beats_configuration(tmp_path):
    root = project(tmp_path)
    write(root / "train.py", "import keras_core\n" + K501)
    assert run(["--no-cache", "--keras-version", "2"], root).exit_code == 1


def test_the_installed_keras_decides_when_nothing_else_does(tmp_path, monkeypatch):
    from importlib import metadata

    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda n: "2.15.0" if n == "keras" else real(n))
    root = project(tmp_path)
    r = run(["--no-cache", "--output-format", "concise"], root)
    assert (r.exit_code, "assumed" in r.stdout) == (0, False), r.output


def test_show_settings_per_file(tmp_path, no_keras_installed):
    root = project(tmp_path, **{"legacy__requirements.txt": "keras~=2.15.0\n",
                                "legacy__old.py": "import keras\n", "plain.py": "x = 1\n"})
    write(root / "ops.py", "import keras\nkeras.ops.sum(1)\n")
    r = run(["--show-settings", "train.py", "legacy", "ops.py", "plain.py"], root)
    assert r.exit_code == 0, r.output
    files = json.loads(r.stdout)["files"]
    assert files["train.py"] == {"keras-version": "3", "decided-by": "assumed",
                                 "detail": "nothing says which Keras; set keras-version"}
    assert files["legacy/old.py"] == {"keras-version": "2", "decided-by": "declared",
                                      "detail": "keras~=2.15.0 (requirements.txt)"}
    assert files["ops.py"]["decided-by"] == "code" and files["ops.py"]["keras-version"] == "3"
    assert files["plain.py"]["decided-by"] == "assumed"
    r = run(["--show-settings", "--keras-version", "2", "train.py"], root)
    assert json.loads(r.stdout)["files"]["train.py"]["decided-by"] == "config"
    assert "files" not in json.loads(run(["--show-settings"], root).stdout)  # no paths: the settings only


def test_malformed_declaration_is_a_warning_not_a_crash(tmp_path, no_keras_installed):
    root = project(tmp_path, **{"pyproject.toml": "[project\n", "requirements.txt": "tensorflow=2.15\n"})
    r = run(["--no-cache", "--output-format", "concise"], root)
    assert r.exit_code == 1 and "KC501" in r.stdout
    warnings = [ln for ln in r.stderr.splitlines() if ln.startswith("kerascheck: warning:")]
    assert len(warnings) == 2 and len(r.stderr.splitlines()) == 2, r.stderr
    assert any("pyproject.toml: skipped: invalid TOML" in w for w in warnings)
    assert any("'tensorflow=2.15' is not a requirement" in w for w in warnings)


def test_the_cache_follows_the_declarations(tmp_path, no_keras_installed):
    root = project(tmp_path, **{"requirements.txt": "tensorflow==2.15.1\n"})
    cache = ["--cache-dir", tmp_path / "cache", "--output-format", "concise"]
    assert run(cache, root).exit_code == 0
    write(root / "requirements.txt", "tensorflow>=2.16\n")
    r = run(cache, root)
    assert r.exit_code == 1 and "KC501" in r.stdout and "assuming" not in r.stdout
    write(root / "requirements.txt", "tensorflow\n")
    r = run(cache, root)  # a cached result still counts towards the summary line
    assert "assuming Keras 3" in r.stdout
    r = run(cache, root)
    assert "Keras 3 assumed for 1 file" in r.stdout


def test_stdin_filename_finds_the_project(tmp_path, no_keras_installed):
    root = project(tmp_path, **{"sub__requirements.txt": "keras<3\n"})
    old = os.getcwd()
    os.chdir(root)
    try:
        r = CliRunner().invoke(main, ["check", "-", "--stdin-filename", "sub/x.py", "--no-cache"], input=K501)
    finally:
        os.chdir(old)
    assert r.exit_code == 0, r.output


def test_worker_processes_read_the_declarations_too(tmp_path):
    """--jobs 2: each worker looks the declarations up from the file's folder (this venv has Keras 3)."""
    root = project(tmp_path, **{"legacy__requirements.txt": "keras<3\n", "legacy__a.py": K501, "legacy__b.py": K501,
                                "c.py": K501})
    old = os.getcwd()
    os.chdir(root)
    try:
        r = CliRunner().invoke(main, ["check", "--jobs", "2", "--no-cache", "--output-format", "json"])
    finally:
        os.chdir(old)
    assert sorted(f["path"] for f in json.loads(r.stdout)) == ["c.py", "train.py"], r.output
