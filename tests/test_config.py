"""Settings: `[tool.kerascheck]` in the nearest pyproject.toml or `--config FILE`, rule selection,
per-file-ignores and the Keras version."""

from __future__ import annotations

from pathlib import Path

import pytest

from kerascheck import config
from kerascheck.config import ConfigError, Settings, load_settings, parse_per_file_ignores

KNOWN = ["KC101", "KC102", "KC201", "KC301", "KC901", "KC904"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- finding the config ------------------------------------------------------------------------

def test_defaults_without_a_config(tmp_path):
    s = load_settings(start=tmp_path)
    assert (s.select, s.ignore, s.keras_version, s.config_file) == (["ALL"], [], "auto", None)
    assert s.max_file_size == config.DEFAULT_MAX_FILE_SIZE


def test_nearest_pyproject_with_the_table_wins(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.kerascheck]\nselect = ["KC1"]\n')
    write(tmp_path / "a" / "pyproject.toml", '[tool.kerascheck]\nselect = ["KC2"]\n')
    write(tmp_path / "a" / "b" / "pyproject.toml", '[project]\nname = "no-kerascheck-table"\n')
    (tmp_path / "a" / "b" / "c").mkdir()
    s = load_settings(start=tmp_path / "a" / "b" / "c")
    assert s.select == ["KC2"]
    assert s.config_file == tmp_path / "a" / "pyproject.toml" and s.root == tmp_path / "a"
    assert load_settings(start=tmp_path).select == ["KC1"]


def test_pyproject_mentioning_kerascheck_elsewhere_is_not_a_config(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\ndescription = "uses tool.kerascheck in CI"\n')
    assert load_settings(start=tmp_path).config_file is None


def test_config_flag_reads_a_pyproject(tmp_path):
    path = write(tmp_path / "cfg" / "pyproject.toml", '[tool.kerascheck]\nkeras-version = "2"\n')
    s = load_settings(path, start=tmp_path)
    assert s.keras_version == "2" and s.root == path.parent.resolve()


def test_config_flag_reads_a_kerascheck_toml_with_or_without_the_table(tmp_path):
    assert load_settings(write(tmp_path / "kerascheck.toml", 'ignore = ["KC2"]\n')).ignore == ["KC2"]
    assert load_settings(write(tmp_path / "k2.toml", '[tool.kerascheck]\nignore = ["KC3"]\n')).ignore == ["KC3"]


def test_config_flag_wins_over_the_nearest_pyproject(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.kerascheck]\nselect = ["KC1"]\n')
    other = write(tmp_path / "other.toml", 'select = ["KC2"]\n')
    assert load_settings(other, start=tmp_path).select == ["KC2"]


def test_all_keys(tmp_path):
    path = write(tmp_path / "pyproject.toml", """\
[tool.kerascheck]
select = ["KC1", "KC2"]
ignore = ["KC101"]
extend-select = ["KC9"]
exclude = ["gen"]
extend-exclude = ["*_pb2.py"]
keras-version = "3"
max-file-size = 1000

[tool.kerascheck.per-file-ignores]
"tests/*" = ["KC201"]
"scripts/*.py" = "KC1"
""")
    s = load_settings(path)
    assert s.select == ["KC1", "KC2"] and s.ignore == ["KC101"] and s.extend_select == ["KC9"]
    assert s.exclude == ["gen"] and s.extend_exclude == ["*_pb2.py"] and s.excludes() == ["gen", "*_pb2.py"]
    assert s.keras_version == "3" and s.max_file_size == 1000
    assert s.per_file_ignores == {"tests/*": ["KC201"], "scripts/*.py": ["KC1"]}


# --- errors: one clear message naming the file and the key -------------------------------------------

@pytest.mark.parametrize("text, fragment", [
    ('keras-version = "4"', "'keras-version' must be one of"),
    ("keras-version = 3.5", "'keras-version' must be one of"),
    ('keras_version = "3"', "unknown key 'keras_version'"),
    ("selekt = []", "unknown key 'selekt'"),
    ("max-file-size = 0", "'max-file-size' must be a positive number"),
    ("max-file-size = true", "'max-file-size' must be a positive number"),
    ('max-file-size = "1MB"', "'max-file-size' must be a positive number"),
    ("select = [1]", "'select' must be a list of strings"),
    ("exclude = {a = 1}", "'exclude' must be a list of strings"),
    ('per-file-ignores = "tests/*:KC201"', "'per-file-ignores' must be a table"),
    ('per-file-ignores = { "tests/*" = [1] }', "per-file-ignores.tests/*"),
    ('runtime = "yes"', "'runtime' must be a table"),
    ('runtime = { enabled = "yes" }', "'runtime.enabled' must be true or false"),
    ("runtime = { timeout = 0 }", "'runtime.timeout' must be a positive number"),
    ("runtime = { memory-mb = 1.5 }", "'runtime.memory-mb' must be a positive number"),
    ("runtime = { interpreter = 'x' }", "unknown key 'interpreter' in [tool.kerascheck.runtime]"),
])
def test_bad_values(tmp_path, text, fragment):
    path = write(tmp_path / "pyproject.toml", f"[tool.kerascheck]\n{text}\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(start=tmp_path)
    assert fragment in str(exc.value) and str(path) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_invalid_toml(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.kerascheck]\nselect = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(start=tmp_path)


def test_table_that_is_not_a_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool]\nkerascheck = "on"\n')
    with pytest.raises(ConfigError, match=r"\[tool.kerascheck\] must be a table"):
        load_settings(start=tmp_path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


# --- runtime mode: never switched on by a config file ------------------------------------------------

def test_runtime_limits_come_from_the_config(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.kerascheck.runtime]\ntimeout = 5\nmemory-mb = 512\n")
    s = load_settings(start=tmp_path)
    assert (s.runtime_timeout, s.runtime_memory_mb) == (5.0, 512)
    assert (s.runtime, s.runtime_python, s.warnings) == (False, None, [])


@pytest.mark.parametrize("text, ignored", [
    ("runtime = true", "enabled"),
    ('runtime = { enabled = true, python = "/tmp/evil.sh" }', "enabled and python"),
    ('[tool.kerascheck.runtime]\npython = "./evil.sh"', "python"),
    ('[tool.kerascheck.runtime]\nenabled = true\ntimeout = 9', "enabled"),
])
def test_config_cannot_enable_runtime_mode_or_name_its_interpreter(tmp_path, text, ignored):
    """The config file comes with the checkout being linted (a pull request, a pre-commit run):
    letting it turn on runtime mode would let it execute its own code or any program it names."""
    path = write(tmp_path / "pyproject.toml", f"[tool.kerascheck]\n{text}\n")
    s = load_settings(start=tmp_path)
    assert s.runtime is False and s.runtime_python is None
    assert s.as_dict()["runtime"]["enabled"] is False and s.as_dict()["runtime"]["python"] is None
    (warning,) = s.warnings
    assert str(path) in warning and f"ignoring runtime {ignored} " in warning
    assert "--runtime" in warning and "\n" not in warning
    if "timeout" in text:
        assert s.runtime_timeout == 9.0  # the harmless knobs still apply


@pytest.mark.parametrize("text", ["runtime = false", "[tool.kerascheck.runtime]\nenabled = false"])
def test_runtime_off_in_the_config_is_not_worth_a_warning(tmp_path, text):
    write(tmp_path / "pyproject.toml", f"[tool.kerascheck]\n{text}\n")
    assert load_settings(start=tmp_path).warnings == []


def test_the_readme_configuration_example_is_valid_and_warns_about_nothing(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1]
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    s = load_settings(write(tmp_path / "pyproject.toml", example))
    assert s.warnings == [] and s.runtime is False and s.runtime_timeout == 60.0


def test_keras_version_as_a_toml_integer_is_accepted(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.kerascheck]\nkeras-version = 2\n")
    assert load_settings(start=tmp_path).keras_version == "2"


# --- rule selection -------------------------------------------------------------------------------

@pytest.mark.parametrize("select, ignore, extend, enabled", [
    (["ALL"], [], [], KNOWN),
    (["KC2"], [], [], ["KC201"]),
    (["KC1"], ["KC102"], [], ["KC101"]),
    (["KC1"], [], ["KC9"], ["KC101", "KC102", "KC901", "KC904"]),
    (["ALL"], ["KC9", "KC1"], [], ["KC201", "KC301"]),
    (["KC201"], ["KC201"], [], []),
    (["KC90"], [], [], ["KC901", "KC904"]),
])
def test_enabled(select, ignore, extend, enabled):
    s = Settings(select=select, ignore=ignore, extend_select=extend)
    assert sorted(s.enabled(KNOWN)) == enabled


@pytest.mark.parametrize("selector, message", [
    ("KC999", "unknown rule code 'KC999'"),
    ("KC5", "unknown rule code 'KC5'"),  # a valid prefix that matches no rule
    ("E501", "not a rule code or prefix"),
    ("KC1011", "not a rule code or prefix"),
    ("kc101", "not a rule code or prefix"),  # the CLI upper-cases; the config must be exact
    ("", "not a rule code or prefix"),
])
def test_validate_selectors(selector, message):
    for field in ("select", "ignore", "extend_select"):
        s = Settings(**{field: [selector]})
        with pytest.raises(ConfigError, match=message):
            s.validate_selectors(KNOWN)
    with pytest.raises(ConfigError, match=r"per-file-ignores\['tests/\*'\]"):
        Settings(per_file_ignores={"tests/*": [selector]}).validate_selectors(KNOWN)


def test_valid_selectors_pass():
    Settings(select=["ALL", "KC", "KC1", "KC10", "KC101"], ignore=["KC9"],
             per_file_ignores={"x": ["KC2"]}).validate_selectors(KNOWN)


# --- per-file-ignores ----------------------------------------------------------------------------

def test_parse_per_file_ignores():
    assert parse_per_file_ignores(["tests/*:KC201,KC3", "tests/*: KC9", "C:\\src\\*.py:KC1"]) == {
        "tests/*": ["KC201", "KC3", "KC9"], "C:\\src\\*.py": ["KC1"]}
    for bad in ["KC201", ":KC201"]:
        with pytest.raises(ConfigError, match="PATTERN:CODES"):
            parse_per_file_ignores([bad])


def test_ignored_for_matches_path_or_file_name(tmp_path):
    s = Settings(per_file_ignores={"tests/*": ["KC201"], "conftest.py": ["KC1"], "*_test.py": ["KC3"]},
                 root=tmp_path)
    assert s.ignored_for("tests/test_model.py") == {"KC201"}
    assert s.ignored_for("tests/unit/conftest.py") == {"KC201", "KC1"}  # fnmatch's * crosses folders
    assert s.ignored_for("src/model_test.py") == {"KC3"}
    assert s.ignored_for("src/model.py") == set()


def test_ignored_for_is_relative_to_the_project_root(tmp_path, monkeypatch):
    """Paths are shown relative to the working directory; config patterns are relative to the root."""
    (tmp_path / "tests").mkdir()
    monkeypatch.chdir(tmp_path / "tests")
    s = Settings(per_file_ignores={"tests/*": ["KC201"]}, root=tmp_path)
    assert s.ignored_for("test_model.py") == {"KC201"}
    assert s.ignored_for("../src/model.py") == set()


# --- Keras version -------------------------------------------------------------------------------

@pytest.fixture
def installed(monkeypatch):
    """installed(**{dist: version}): pretend these distributions are installed (metadata only)."""
    from importlib import metadata

    def fake(dists):
        def version(name):
            if name in dists:
                return dists[name]
            raise metadata.PackageNotFoundError(name)
        monkeypatch.setattr(metadata, "version", version)

    monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
    return fake


@pytest.mark.parametrize("dists, expected", [
    ({"keras": "3.6.0", "tensorflow": "2.18.0"}, "3"),
    ({"keras": "2.15.0", "tensorflow": "2.15.1"}, "2"),
    ({"tensorflow": "2.12.0"}, "2"),
    ({"tensorflow-cpu": "2.16.1"}, "3"),
    ({"keras": "1.2.2"}, None),
    ({}, None),
])
def test_detect_keras_version_from_metadata(installed, dists, expected):
    installed(dists)
    assert config.detect_keras_version() == expected


def test_detect_legacy_keras(installed, monkeypatch):
    installed({"keras": "3.6.0", "tf-keras": "2.18.0", "tensorflow": "2.18.0"})
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    assert config.detect_keras_version() == "2"


def test_keras_versions_precedence():
    from kerascheck.project_versions import Declared

    auto, three = Settings(keras_version="auto"), Settings(keras_version="3")
    pins_2, pins_3 = Declared("2", "tensorflow==2.15.1 (requirements.txt)"), Declared("3", "keras>=3 (pyproject.toml)")

    def choose(*args, **kwargs):
        c = config.keras_versions(*args, **kwargs)
        return set(c.versions), c.decided_by

    assert choose(three, {"2"}, "3", pins_3) == ({"2"}, "code")  # the code's own evidence wins
    assert choose(three, set(), "2", pins_2) == ({"3"}, "config")  # then the configuration
    assert choose(auto, set(), "3", pins_2) == ({"2"}, "declared")  # then the project's declarations
    assert choose(auto, set(), "2", Declared()) == ({"2"}, "installed")  # then what is installed
    # Nothing says: Keras 3, the current major, marked as assumed (it used to be "both majors", which
    # silenced every version-specific rule in a pre-commit hook's Keras-less environment).
    choice = config.keras_versions(auto, {"2", "3"}, None, Declared())
    assert (set(choice.versions), choice.assumed) == ({"3"}, True)


def test_declared_keras_3_gives_way_to_legacy_keras_set_in_the_code():
    """tensorflow>=2.16 with tf-keras declared: a file that sets TF_USE_LEGACY_KERAS is not decided by
    the declarations (it may run tf.keras as Keras 2); without the variable, they decide."""
    from kerascheck.project_versions import Declared

    auto = Settings(keras_version="auto")
    declared = Declared("3", "tensorflow>=2.16 (requirements.txt)", tf_keras=True)
    assert config.keras_versions(auto, set(), "2", declared, legacy_env=True).decided_by == "installed"
    assert config.keras_versions(auto, set(), "2", declared, legacy_env=False).decided_by == "declared"
    assert config.keras_versions(auto, set(), "2", Declared("3", "x", tf_keras=False),
                                 legacy_env=True).decided_by == "declared"


def test_keras_version_source_is_named(tmp_path):
    path = write(tmp_path / "pyproject.toml", '[tool.kerascheck]\nkeras-version = "2"\n')
    choice = config.keras_versions(load_settings(start=tmp_path), set(), "3")
    assert choice.decided_by == "config" and str(path) in choice.detail


@pytest.mark.parametrize("value, expected", [("1", "2"), ("true", "2"), ("True", "2"), ("yes", "3"), ("TRUE", "3")])
def test_legacy_keras_spellings_are_tensorflows(installed, monkeypatch, value, expected):
    """tensorflow/__init__.py switches tf.keras only for "true", "True" and "1" (read in TF 2.21)."""
    installed({"keras": "3.6.0", "tf-keras": "2.18.0", "tensorflow": "2.18.0"})
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", value)
    assert config.detect_keras_version() == expected


def test_detect_keras_version_in_another_interpreter(tmp_path):
    """Runtime mode's --python: the Keras installed in that interpreter's environment."""
    import sys
    import venv

    env = tmp_path / "env"
    venv.create(env, with_pip=False, symlinks=True)  # the same interpreter binary as this one
    python = env / "bin" / "python"
    site = next((env / "lib").glob("python*/site-packages"))
    dist = site / "keras-2.15.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: keras\nVersion: 2.15.0\n", encoding="utf-8")
    assert config.detect_keras_version(str(python)) == "2"
    assert config.detect_keras_version(sys.executable) == config.detect_keras_version()
