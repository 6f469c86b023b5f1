"""Which files get linted (`discover`, `--show-files`) and how they are read (`read_bytes`, `decode`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerascheck.cli import main
from kerascheck.files import ReadError, decode, discover, read_bytes

HAS_GIT = shutil.which("git") is not None
needs_git = pytest.mark.skipif(not HAS_GIT, reason="git is not installed")


def touch(root: Path, *rels: str) -> None:
    for rel in rels:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("import keras\n", encoding="utf-8")


def show_files(cwd: Path, *args: str) -> list[str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(main, ["--show-files", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert r.exit_code == 0, (r.exit_code, r.stdout, r.stderr)
    return r.stdout.splitlines()


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A project with everything a walk must skip, next to the files it must find."""
    touch(tmp_path, "train.py", "stubs.pyi", "pkg/__init__.py", "pkg/model.py", "env/cartpole.py",
          "build/lib/train.py", "dist/x.py", "pkg/__pycache__/model.py", ".git/hooks/x.py",
          ".venv/lib/site.py", "venv/lib/site.py", "myvenv/lib/site.py", "conda/lib/site.py",
          "node_modules/x.py", "kerascheck.egg-info/x.py", ".tox/py/x.py", ".kerascheck_cache/x.py")
    (tmp_path / "myvenv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (tmp_path / "conda" / "conda-meta").mkdir()
    (tmp_path / "notes.txt").write_text("import keras\n", encoding="utf-8")
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    return tmp_path


WANTED = ["env/cartpole.py", "pkg/__init__.py", "pkg/model.py", "stubs.pyi", "train.py"]


def test_walk_skips_tooling_folders_and_virtualenvs(tree):
    assert show_files(tree) == WANTED


def test_discover_returns_display_paths_relative_to_cwd(tree):
    files, problems = discover([tree], [], tree, force_exclude=False)
    assert problems == []
    assert [f.display for f in files] == WANTED
    assert all(f.path.is_file() for f in files)


def test_walk_from_a_parent_folder_shows_paths_from_there(tree):
    assert show_files(tree.parent, tree.name) == [f"{tree.name}/{w}" for w in WANTED]


def test_exclude_and_extend_exclude(tree):
    assert show_files(tree, "--exclude", "pkg") == ["env/cartpole.py", "stubs.pyi", "train.py"]
    assert show_files(tree, "--extend-exclude", "*.pyi") == ["env/cartpole.py", "pkg/__init__.py", "pkg/model.py",
                                                              "train.py"]
    assert show_files(tree, "--exclude", "pkg/model.py", "--extend-exclude", "env/") == [
        "pkg/__init__.py", "stubs.pyi", "train.py"]


def test_exclude_from_config_and_flags_combine(tree):
    (tree / "pyproject.toml").write_text('[tool.kerascheck]\nexclude = ["pkg"]\nextend-exclude = ["env"]\n',
                                         encoding="utf-8")
    assert show_files(tree) == ["stubs.pyi", "train.py"]
    assert show_files(tree, "--extend-exclude", "train.py") == ["stubs.pyi"]
    assert show_files(tree, "--exclude", "stubs.pyi") == ["pkg/__init__.py", "pkg/model.py", "train.py"]


def test_config_excludes_are_relative_to_the_project_root(tree):
    """`exclude = ["pkg/model.py"]` still applies when kerascheck runs inside pkg/."""
    (tree / "pyproject.toml").write_text('[tool.kerascheck]\nexclude = ["pkg/model.py"]\n', encoding="utf-8")
    assert show_files(tree / "pkg") == ["__init__.py"]
    assert show_files(tree) == ["env/cartpole.py", "pkg/__init__.py", "stubs.pyi", "train.py"]


def test_explicit_paths_are_linted_even_when_excluded(tree):
    assert show_files(tree, "--exclude", "pkg", "pkg/model.py") == ["pkg/model.py"]
    assert show_files(tree, "build/lib/train.py") == ["build/lib/train.py"]


def test_force_exclude_applies_to_explicit_paths(tree):
    args = ["--force-exclude", "--extend-exclude", "pkg"]
    assert show_files(tree, *args, "pkg/model.py", "train.py") == ["train.py"]
    assert show_files(tree, "--force-exclude", "--extend-exclude", "*.pyi", "stubs.pyi") == []
    # the folders a walk skips are skipped for explicit paths too (pre-commit passes every file)
    assert show_files(tree, "--force-exclude", "build/lib/train.py", ".venv/lib/site.py", "train.py") == ["train.py"]


def test_explicit_non_python_file_is_taken_as_given(tree):
    assert show_files(tree, "notes.txt") == ["notes.txt"]


def test_the_same_file_twice_is_linted_once(tree):
    assert show_files(tree, "train.py", "./train.py", ".", "pkg") == WANTED


def test_missing_path_is_a_problem_not_an_exception(tree):
    files, problems = discover([tree / "train.py", tree / "missing.py"], [], tree, force_exclude=False)
    assert [f.display for f in files] == ["train.py"]
    assert problems == [f"{tree / 'missing.py'}: no such file or directory"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlink_loop_does_not_hang(tmp_path):
    touch(tmp_path, "a/model.py")
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    os.symlink(tmp_path / "nowhere.py", tmp_path / "a" / "dangling.py")
    assert show_files(tmp_path) == ["a/model.py"]


def test_directory_without_python_files(tmp_path):
    (tmp_path / "README.md").write_text("# keras\n", encoding="utf-8")
    assert show_files(tmp_path) == []
    r = CliRunner().invoke(main, [str(tmp_path)], catch_exceptions=False)
    assert r.exit_code == 0 and "All checks passed (0 files checked)." in r.stdout


# --- .gitignore ----------------------------------------------------------------------------------

@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    touch(root, "train.py", "generated/model.py", "scratch.py", "keep/scratch.py", "deep/a/b/c.py")
    (root / ".gitignore").write_text("generated/\n/scratch.py\nc.py\n", encoding="utf-8")
    git(root, "init", "-q")
    return root


@needs_git
def test_gitignored_paths_are_skipped(repo):
    assert show_files(repo) == ["keep/scratch.py", "train.py"]


@needs_git
def test_gitignore_applies_when_running_from_outside_the_repository(repo, tmp_path):
    """git must run inside the walked folder: the working directory may be in no repository at all."""
    assert show_files(tmp_path, "repo") == ["repo/keep/scratch.py", "repo/train.py"]
    assert show_files(repo / "keep", "..") == ["../train.py", "scratch.py"]


@needs_git
def test_gitignored_file_given_explicitly_is_linted(repo):
    assert show_files(repo, "generated/model.py") == ["generated/model.py"]


@needs_git
@pytest.mark.skipif(os.name != "posix", reason="the hook is a shell script")
def test_walking_a_repository_never_runs_its_fsmonitor_hook(repo):
    """A repository handed over as a folder brings its .git/config: core.fsmonitor names a program
    that git runs whenever it reads the index, check-ignore included."""
    marker = repo.parent / "fsmonitor-ran"
    hook = repo.parent / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch '{marker}'\n", encoding="utf-8")
    hook.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hook))
    # the hook is live: plain git runs it (so this test can fail)
    subprocess.run(["git", "check-ignore", "--stdin", "-z"], input=b"train.py\0", cwd=repo, capture_output=True)
    if not marker.exists():
        pytest.skip("this git does not run core.fsmonitor for check-ignore")
    marker.unlink()
    assert show_files(repo) == ["keep/scratch.py", "train.py"]  # .gitignore still applies
    assert not marker.exists(), "kerascheck let git run the repository's core.fsmonitor program"


@needs_git
def test_gitignore_is_ignored_outside_a_repository(tmp_path):
    touch(tmp_path, "train.py", "generated/model.py")
    (tmp_path / ".gitignore").write_text("generated/\n", encoding="utf-8")
    assert show_files(tmp_path) == ["generated/model.py", "train.py"]


# --- reading -------------------------------------------------------------------------------------

def test_decode_utf8_default():
    assert decode("x = 'é'\n".encode("utf-8")) == ("x = 'é'\n", "utf-8")


def test_decode_strips_a_bom():
    text, encoding = decode(b"\xef\xbb\xbfimport keras\n")
    assert text == "import keras\n" and encoding == "utf-8-sig"


def test_decode_pep263_cookie():
    data = "# -*- coding: latin-1 -*-\nx = 'café'\n".encode("latin-1")
    text, encoding = decode(data)
    assert "café" in text and encoding == "iso-8859-1"


def test_decode_reports_the_position_of_a_bad_byte():
    with pytest.raises(ReadError) as exc:
        decode(b"import keras\nname = 'caf\xe9'\n")
    err = exc.value
    assert err.kind == "decode" and (err.line, err.column) == (2, 12)
    assert "0xe9" in str(err) and "utf-8" in str(err)


def test_decode_bad_byte_under_a_declared_encoding():
    with pytest.raises(ReadError) as exc:
        decode(b"# coding: ascii\nx = '\xc3\xa9'\n")
    assert "ascii" in str(exc.value) and exc.value.line == 2


def test_decode_unknown_cookie():
    with pytest.raises(ReadError, match="unknown encoding"):
        decode(b"# -*- coding: klingon -*-\nimport keras\n")


def test_decode_binary():
    with pytest.raises(ReadError) as exc:
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert exc.value.kind == "binary"


def test_read_bytes_caps_the_size(tmp_path):
    path = tmp_path / "big.py"
    path.write_bytes(b"#" * 101)
    assert read_bytes(path, 101) == b"#" * 101
    with pytest.raises(ReadError) as exc:
        read_bytes(path, 100)
    assert exc.value.kind == "too-large" and "100 bytes" in str(exc.value)


def test_read_bytes_errors(tmp_path):
    with pytest.raises(ReadError, match="disappeared"):
        read_bytes(tmp_path / "gone.py", 100)
    with pytest.raises(ReadError, match="directory"):
        read_bytes(tmp_path, 100)
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    with pytest.raises(ReadError, match="symbolic link to a missing file"):
        read_bytes(tmp_path / "dangling.py", 100)
    (tmp_path / "self.py").symlink_to(tmp_path / "self.py")
    with pytest.raises(ReadError, match="symbolic links") as exc:
        read_bytes(tmp_path / "self.py", 100)
    assert exc.value.kind == "io"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_read_bytes_refuses_a_fifo_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")  # nobody writes to it: a blocking open would wait forever
    with pytest.raises(ReadError, match=r"FIFO \(named pipe\), not a regular file") as exc:
        read_bytes(tmp_path / "pipe.py", 100)
    assert exc.value.kind == "io"
    with pytest.raises(ReadError, match="character device, not a regular file"):
        read_bytes(Path(os.devnull), 100)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_walk_skips_fifos_and_explicit_ones_are_kept_to_be_reported(tmp_path):
    touch(tmp_path, "train.py")
    os.mkfifo(tmp_path / "pipe.py")
    files, problems = discover([tmp_path], [], tmp_path, force_exclude=False)
    assert [f.display for f in files] == ["train.py"] and problems == []
    files, problems = discover([tmp_path / "pipe.py"], [], tmp_path, force_exclude=False)
    assert [f.display for f in files] == ["pipe.py"] and problems == []  # KC902 when read


def test_explicit_looping_symlink_is_kept_to_be_reported(tmp_path):
    (tmp_path / "self.py").symlink_to(tmp_path / "self.py")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # from another folder the display path takes the resolve() branch, which raises on a loop
    files, problems = discover([tmp_path / "self.py"], [], elsewhere, force_exclude=False)
    assert [f.display for f in files] == [(tmp_path / "self.py").as_posix()] and problems == []


# --- one policy: discovery and single-path decisions agree ------------------------------------------

@needs_git
def test_policy_skip_says_no_exactly_for_the_files_the_walk_leaves_out(tree):
    """FilePolicy.skip(path, start), asked about one file (the editor server asks it), answers as the
    walk behind --show-files does: for every source file in the tree, linted iff listed."""
    from kerascheck.files import SOURCE_SUFFIXES, FilePolicy

    touch(tree, "ignored/gen.py", "data/excluded.py", "pkg/excluded_too.py", "deep/a/b/c.py")
    (tree / ".gitignore").write_text("ignored/\nc.py\n", encoding="utf-8")
    git(tree, "init", "-q")
    excludes = ["data", "excluded_too.py"]
    listed = show_files(tree, *[a for e in excludes for a in ("--exclude", e)])
    assert listed == ["env/cartpole.py", "pkg/__init__.py", "pkg/model.py", "stubs.pyi", "train.py"]
    policy = FilePolicy.create(excludes, tree)
    every = [p for p in tree.rglob("*") if p.is_file() and p.name.endswith(SOURCE_SUFFIXES)]
    decided = {p.relative_to(tree).as_posix(): policy.skip(p, tree) for p in every}
    assert sorted(rel for rel, why in decided.items() if why is None) == listed
    assert decided["ignored/gen.py"] == "ignored by git" and decided["deep/a/b/c.py"] == "ignored by git"
    assert decided["myvenv/lib/site.py"] == "myvenv/ is a virtualenv"
    assert decided["kerascheck.egg-info/x.py"] == "kerascheck.egg-info/ is packaging metadata"
    assert decided["data/excluded.py"] == "data/ is excluded" and decided["pkg/excluded_too.py"] == "excluded"
    assert decided["build/lib/train.py"] == "build/ is never linted"
    assert policy.skip(tree.parent / "elsewhere.py", tree) is not None
    assert FilePolicy.create(excludes, tree, respect_gitignore=False).skip(tree / "ignored" / "gen.py", tree) is None


def test_library_code_and_the_size_limit():
    from kerascheck.files import ReadError, check_size, library_code

    assert library_code(Path("/usr/lib/python3/dist-packages/keras/models.py"))
    assert library_code(Path("/x/.venv/lib/python3.11/site-packages/keras/models.py"))
    assert not library_code(Path("/home/me/project/train.py"))
    check_size(10, 10)
    with pytest.raises(ReadError, match=r"larger than max-file-size \(10 bytes\)") as err:
        check_size(11, 10)
    assert err.value.kind == "too-large"
