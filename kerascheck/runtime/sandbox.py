"""The kernel's half of runtime mode's sandbox: the layers child.py applies to itself before it runs
any user code, so that native code (ctypes, C extensions) and a switched-off audit hook meet the
same walls as ordinary Python.

- **network**: a new user + network namespace (`unshare(CLONE_NEWUSER | CLONE_NEWNET)`), whose only
  interface is a loopback that is down: no connection leaves the process, 127.0.0.1 included.
  Must run while the process has one thread (before TensorFlow starts its own).
- **landlock**: the file system is read-only but for the private temporary folder (and, with a GPU,
  its device files); no file may be executed; with Landlock ABI 4+ no TCP bind/connect, with ABI 6+
  no signal to a process outside the sandbox. Applied before TensorFlow is imported, so that every
  thread TensorFlow starts inherits it (Landlock restricts the calling thread and its children).
- **seccomp**: a filter (libseccomp, through the pure-Python binding pyseccomp) that stops the
  process (SIGSYS, after a traceback) on `execve`/`execveat`, a process-creating `fork`/`vfork`/
  `clone`, `ptrace`, `process_vm_readv`/`writev`, a network socket, a signal to another process,
  io_uring, and the calls that would leave or change the sandbox (`unshare`, `setns`, `mount`, ...);
  a Unix socket (which reaches host daemons by path) is refused with EACCES. `clone3` answers
  ENOSYS, so glibc falls back to `clone` and threads still start. Applied after TensorFlow is
  imported, to all threads at once (TSYNC).

Stopping the process rather than failing the call is deliberate: a native call that gets an error
code fails silently, while a dead child is reported as KC905 at the line that ran. Writes are Landlock's
(by path): seccomp sees open flags, not paths, and TensorFlow's autograph writes the code it
converts into the temporary folder on every trace.

This file runs in two interpreters: kerascheck's (`probe()`, through `python sandbox.py --probe`)
and the user's (child.py loads it by path). So it imports the standard library only; pyseccomp is
loaded from the path the parent found it at.
"""

import ctypes
import errno
import json
import os
import signal
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_THREAD = 0x00010000
PR_SET_NO_NEW_PRIVS = 38
AF_UNIX = 1
SIGSYS = getattr(signal, "SIGSYS", 31)  # the filter's trap and kill; Windows has no SIGSYS

# Landlock (include/uapi/linux/landlock.h); the syscall numbers are the same on x86_64 and arm64.
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_WRITE_FILE = 1 << 0, 1 << 1
FS_REMOVE_DIR, FS_REMOVE_FILE, FS_MAKE_CHAR, FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
FS_MAKE_REG, FS_MAKE_SOCK, FS_MAKE_FIFO, FS_MAKE_BLOCK, FS_MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
FS_REFER, FS_TRUNCATE = 1 << 13, 1 << 14  # ABI 2, ABI 3
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

# Killed on sight (see the module docstring). Names libseccomp does not know on this architecture
# are skipped.
KILLED = ("execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
          "tkill", "pidfd_send_signal", "pidfd_getfd", "unshare", "setns", "mount", "umount2",
          "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "keyctl", "add_key",
          "request_key", "bpf", "userfaultfd", "perf_event_open", "open_by_handle_at",
          "name_to_handle_at", "kexec_load", "init_module", "finit_module", "personality",
          # io_uring makes its own opens, sockets and connects, which no seccomp filter sees
          "io_uring_setup", "io_uring_enter", "io_uring_register")

LAYERS = {"network": "user+network namespace", "seccomp": "seccomp", "landlock": "Landlock"}  # key: name in words
REQUIRED = ("network", "seccomp")  # --runtime-sandbox require refuses to run user code without these


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _fail(what):
    code = ctypes.get_errno()
    return "%s: %s" % (what, os.strerror(code) if code else "failed")


# --- the layers ------------------------------------------------------------------------------------
def isolate_network():
    """A new user + network namespace for this (single-threaded) process. Returns (True, "") or
    (False, why). The process keeps its user and group ids (mapped to themselves)."""
    if not sys.platform.startswith("linux"):
        return False, "not Linux"
    uid, gid = os.geteuid(), os.getegid()
    libc = _libc()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False, _fail("unshare")
    # Without a mapping the process would see itself as 65534 ("nobody"); best effort.
    for name, text in (("setgroups", "deny"), ("uid_map", "%d %d 1" % (uid, uid)), ("gid_map", "%d %d 1" % (gid, gid))):
        try:
            with open("/proc/self/" + name, "w") as fh:
                fh.write(text)
        except OSError:
            pass
    return True, ""


def landlock_abi():
    """The kernel's Landlock ABI version, 0 when it has none (or it is disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        abi = _libc().syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                              ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    except (AttributeError, OSError):
        return 0
    return abi if abi > 0 else 0


def restrict_files(writable, devices=()):
    """Landlock: read-only everywhere, writable (and removable) only under `writable` folders,
    `devices` writable files (a GPU's /dev/nvidia*), nothing executable. Returns (abi, "") or
    (0, why)."""
    abi = landlock_abi()
    if not abi:
        return 0, "the kernel has no Landlock" if sys.platform.startswith("linux") else "not Linux"
    write = (FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_CHAR | FS_MAKE_DIR | FS_MAKE_REG
             | FS_MAKE_SOCK | FS_MAKE_FIFO | FS_MAKE_BLOCK | FS_MAKE_SYM)
    if abi >= 2:
        write |= FS_REFER
    if abi >= 3:
        write |= FS_TRUNCATE
    attr = _RulesetAttr(handled_access_fs=write | FS_EXECUTE)
    size = 8
    if abi >= 4:
        attr.handled_access_net, size = NET_BIND_TCP | NET_CONNECT_TCP, 16  # no rule: no TCP at all
    if abi >= 6:
        attr.scoped, size = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL, 24
    libc = _libc()
    fd = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if fd < 0:
        return 0, _fail("landlock_create_ruleset")
    try:
        rules = [(path, write) for path in writable] + [(path, FS_WRITE_FILE) for path in devices]
        for path, access in rules:
            try:
                pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if os.path.isfile(path) or not os.path.isdir(path):
                    access &= FS_WRITE_FILE | FS_TRUNCATE | FS_EXECUTE  # files take file rights only
                rule = _PathBeneath(allowed_access=access, parent_fd=pfd)
                if libc.syscall(SYS_LANDLOCK_ADD_RULE, fd, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule),
                                ctypes.c_uint32(0)) != 0:
                    return 0, _fail("landlock_add_rule(%s)" % path)
            finally:
                os.close(pfd)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return 0, _fail("prctl(NO_NEW_PRIVS)")
        if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, fd, ctypes.c_uint32(0)) != 0:
            return 0, _fail("landlock_restrict_self")
    finally:
        os.close(fd)
    return abi, ""


def load_seccomp(module_path):
    """pyseccomp, from the file the parent found (the user's interpreter may not have it)."""
    if not sys.platform.startswith("linux"):
        return None, "not Linux"
    if not module_path:
        return None, "pyseccomp is not installed (pip install 'kerascheck[runtime]')"
    import importlib.util

    try:
        spec = importlib.util.spec_from_file_location("pyseccomp", module_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as exc:  # pyseccomp raises RuntimeError when libseccomp is missing
        return None, "%s" % (exc,)
    return module, ""


def restrict_syscalls(seccomp):
    """The seccomp filter (`seccomp`: pyseccomp, from load_seccomp, which must run first: it looks for
    libseccomp with `ldconfig`, which Landlock forbids), on every thread of the process. Returns
    (True, "") or (False, why)."""
    if not sys.platform.startswith("linux"):
        return False, "not Linux"
    try:
        pid = os.getpid()
        filt = seccomp.SyscallFilter(seccomp.ALLOW)
        filt.set_attr(seccomp.Attr.CTL_TSYNC, 1)
        # TRAP: the call is not made and SIGSYS is raised, whose handler (faulthandler, registered by
        # child.py with chain=True) writes the Python traceback to the log and restores the default
        # action, which this filter answers by killing the process. So the script dies at the line
        # that tried, and cannot keep the call from killing it by handling SIGSYS itself.
        kill = seccomp.TRAP
        filt.add_rule(seccomp.KILL_PROCESS, "rt_sigaction", seccomp.Arg(0, seccomp.EQ, SIGSYS))
        for name in KILLED:
            try:
                filt.add_rule(kill, name)
            except Exception:
                pass  # not a syscall on this architecture
        # Threads (CLONE_THREAD) may start; a new process may not. clone3 keeps its flags in memory
        # that a filter cannot read: ENOSYS makes glibc fall back to clone.
        filt.add_rule(kill, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
        try:
            filt.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        except Exception:
            pass
        filt.add_rule(kill, "socket", seccomp.Arg(0, seccomp.NE, AF_UNIX))
        # A Unix socket reaches the host's daemons by path (the Docker socket, D-Bus), which neither
        # the network namespace nor Landlock stops: refused, with an error rather than a kill, since
        # ordinary libraries try one (glibc asks nscd for user names, syslog). socketpair stays.
        filt.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.EQ, AF_UNIX))
        for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
            filt.add_rule(kill, name, seccomp.Arg(0, seccomp.NE, pid))
        filt.load()
    except Exception as exc:
        return False, "seccomp: %s" % (exc,)
    return True, ""


# --- what this system offers (kerascheck's side) ------------------------------------------------------
def probe(seccomp_path):
    """Which layers this process could apply: tried for real (a throwaway process runs it)."""
    out = {}
    seccomp, seccomp_why = load_seccomp(seccomp_path)
    ok, why = isolate_network()
    out["network"] = {"ok": ok, "why": why}
    abi = landlock_abi()
    linux = sys.platform.startswith("linux")
    out["landlock"] = {"ok": bool(abi), "abi": abi,
                       "why": "" if abi else "the kernel has no Landlock" if linux else "not Linux"}
    ok, why = restrict_syscalls(seccomp) if seccomp is not None else (False, seccomp_why)
    out["seccomp"] = {"ok": ok, "why": why}
    return out


if __name__ == "__main__" and sys.argv[1:2] == ["--probe"]:
    print(json.dumps(probe(sys.argv[2] if len(sys.argv) > 2 else "")))
