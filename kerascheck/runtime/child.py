"""The runtime-mode child: runs in the user's interpreter (`--python`), so it imports nothing from
kerascheck and nothing outside the standard library but TensorFlow/Keras.

    python child.py JOB.json

The job (written by kerascheck/runtime/runner.py) names the script, the top-level statements of
its slice, the models kerascheck found statically and the input/target specs it derived. The child
executes the slice statement by statement, finds the models it built, traces what `fit` would
compute for each (forward pass, loss, metrics, gradients) on symbolic tensors, measures a few
values on one random batch (no training), and appends one JSON object per line to the events
file. The parent reads whatever got written, so a child that hangs, exits or crashes still leaves
the trail of what it was doing.
"""

import ast
import builtins
import json
import os
import re
import sys
import time
import traceback
import warnings

EXIT_NO_TF = 3
EXIT_REFUSED = 4
_REAL_EXIT = os._exit
_EVENTS = None
_SCRIPT = ""
_TMP = ""
_GUARD = {"on": False}
_SANDBOX = None  # the kernel's layers this child applied (Sandbox, below)
_CAP = {"mb": None}
_PKG_MARKERS = (os.sep + "tensorflow" + os.sep, os.sep + "keras" + os.sep, os.sep + "tf_keras" + os.sep)


def emit(**event):
    _EVENTS.write(json.dumps(event, default=str) + "\n")
    _EVENTS.flush()


# --- guards -------------------------------------------------------------------------------------
class Blocked(BaseException):
    """Raised by the guards. A BaseException, so user `except Exception:` blocks do not swallow it."""

    def __init__(self, kind, what):
        BaseException.__init__(self, what)
        self.kind = kind
        self.what = what


_NET_EVENTS = ("socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo",
               "socket.gethostbyname", "socket.sendto", "socket.sendmsg")
_PROC_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                "os.forkpty", "pty.spawn")
_FS_EVENTS = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "shutil.rmtree", "os.truncate",
              "os.chmod", "os.chown", "os.link", "os.symlink", "shutil.move", "shutil.copyfile")


def _inside_tmp(path):
    try:
        real = os.path.realpath(os.fsdecode(path))
    except Exception:
        return False
    return real == _TMP or real.startswith(_TMP + os.sep)


def _audit(event, args):
    if not _GUARD["on"]:
        return
    if event in _NET_EVENTS:
        raise Blocked("socket", "network access (%s) is blocked in runtime mode" % event)
    if event in ("os.kill", "os.killpg") and args and args[0] != os.getpid():
        # the seccomp filter stops the process for the same call; this says it in words
        raise Blocked("signal", "sending a signal to process %r (%s) is blocked in runtime mode" % (args[0], event))
    if event in _PROC_EVENTS:
        raise Blocked("process", "starting a process (%s) is blocked in runtime mode" % event)
    if event == "open" and args:
        path, mode, flags = (list(args) + [None, None, None])[:3]
        writing = False
        if isinstance(mode, str):
            writing = any(c in mode for c in "wax+")
        elif isinstance(flags, int):
            writing = bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC))
        if writing and isinstance(path, (str, bytes, os.PathLike)) and not _inside_tmp(path):
            raise Blocked("write", "writing %r is blocked in runtime mode" % (os.fsdecode(path),))
    elif event in _FS_EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
        if not _inside_tmp(args[0]):
            raise Blocked("write", "changing the file system (%s %r) is blocked in runtime mode"
                          % (event, os.fsdecode(args[0])))


def _check_guard(line, end_line):
    """Only the script can switch the audit-hook guards off: that is an attack on the check, reported
    (the kernel's layers still hold), and the guards go back on."""
    if not _GUARD["on"]:
        _GUARD["on"] = True
        emit(ev="stmt_error", line=line, end_line=end_line, type="Blocked", kind="sandbox", keras=False, lines=[],
             message="the script switched off runtime mode's audit-hook guards (the kernel's sandbox layers "
                     "still applied)")


def _blocked_exit(code=0):
    raise Blocked("exit", "the script called os._exit(%r)" % (code,))


def install_guards(memory_mb):
    _CAP["mb"] = memory_mb
    if memory_mb and memory_mb > 0:
        try:
            import resource

            limit = int(memory_mb) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            # A script printing without end must not fill the disk: writes past 256 MiB fail.
            import signal

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024 * 1024, 256 * 1024 * 1024))
        except Exception as exc:  # not fatal: the parent's timeout still bounds the run
            emit(ev="note", text="memory cap not set: %s" % exc)
    sys.addaudithook(_audit)
    os._exit = _blocked_exit
    sys.stdin = open(os.devnull)


# --- the kernel's layers (sandbox.py) and the device ------------------------------------------------
class Sandbox:
    """Applies sandbox.py's layers in the order they need: the network namespace and Landlock while
    the process has one thread (before TensorFlow), seccomp after TensorFlow is imported."""

    def __init__(self, job):
        self.mode = job.get("sandbox") or "auto"
        self.seccomp_path = job.get("seccomp") or ""
        self.gpu = job.get("device") == "auto"
        self.layers = {}
        self.module = None
        self.seccomp, self.seccomp_why = None, ""
        self.seconds = 0.0  # what applying the layers cost this child

    def before_imports(self):
        if self.mode == "off":
            return
        t0 = time.perf_counter()
        self._before()
        self.seconds += time.perf_counter() - t0

    def _before(self):
        import importlib.util

        where = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox.py")
        spec = importlib.util.spec_from_file_location("kerascheck_sandbox", where)
        self.module = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.seccomp, self.seccomp_why = module.load_seccomp(self.seccomp_path)  # before Landlock: it runs ldconfig
        ok, why = module.isolate_network()
        self.layers["network"] = {"ok": ok, "why": why}
        import glob

        devices = ["/dev/null"] + (sorted(glob.glob("/dev/nvidia*")) if self.gpu else [])
        abi, why = module.restrict_files([_TMP], devices)
        self.layers["landlock"] = {"ok": bool(abi), "abi": abi, "why": why}

    def after_imports(self):
        if self.module is None:
            return
        t0 = time.perf_counter()
        self._after()
        self.seconds += time.perf_counter() - t0

    def _after(self):
        import faulthandler
        import signal

        if hasattr(signal, "SIGSYS"):  # the filter's trap: the traceback, then the filter's kill
            faulthandler.register(signal.SIGSYS, file=sys.stderr, all_threads=False, chain=True)
        ok, why = self.module.restrict_syscalls(self.seccomp) if self.seccomp is not None else (False, self.seccomp_why)
        self.layers["seccomp"] = {"ok": ok, "why": why}

    @property
    def refuses_writes(self):
        return self.layers.get("landlock", {}).get("ok", False)

    def report(self):
        return {"mode": self.mode, "layers": self.layers, "seconds": round(self.seconds, 4)}

    def missing_required(self):
        if self.mode != "require":
            return []
        return [[name, self.layers[name]["why"]] for name in self.module.REQUIRED if not self.layers[name]["ok"]]


def choose_device(tf, wanted):
    """`--runtime-device auto`: the local GPU when TensorFlow sees one (memory growth on, so that the
    check does not take the memory of a training job beside it); else, and by default, the CPU."""
    if wanted != "auto":
        return {"name": "cpu", "note": ""}
    try:
        gpus = tf.config.list_physical_devices("GPU")
        for gpu in gpus:
            tf.config.experimental.set_memory_growth(gpu, True)
    except Exception as exc:
        return {"name": "cpu", "note": "TensorFlow could not list its GPUs: %s" % (exc,)}
    if not gpus:
        return {"name": "cpu", "note": "no GPU visible to TensorFlow"}
    return {"name": "gpu", "note": "ran on %s (memory growth on; no address-space cap, which CUDA's "
                                   "mappings exceed)" % gpus[0].name}


# --- error descriptions ---------------------------------------------------------------------------
_ANSI = None


def clean_message(exc):
    """Keras's own text, without ANSI codes, autograph's frame listing or 'Arguments received'."""
    import re

    global _ANSI
    if _ANSI is None:
        _ANSI = re.compile(r"\x1b\[[0-9;]*m")
    text = _ANSI.sub("", str(exc))
    if text.lstrip().startswith("in user code:"):
        lines = text.splitlines()
        for i in range(len(lines) - 1, -1, -1):
            m = re.match(r"^\s*([A-Za-z_][\w.]*(Error|Exception|Warning)):\s?(.*)$", lines[i])
            if m:
                text = "\n".join([m.group(3)] + lines[i + 1:])
                break
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    paragraphs = [p for p in paragraphs if not p.startswith(("Arguments received by", "Call arguments received by"))]
    if len(paragraphs) > 1 and paragraphs[0].startswith("Exception encountered when calling"):
        paragraphs = paragraphs[1:]
    text = " ".join(" ".join(p.split()) for p in paragraphs)
    return text[:600] if len(text) > 600 else text


def _script_lines_in_text(text):
    import re

    pat = re.compile(r'File "%s", line (\d+)' % re.escape(_SCRIPT))
    return [int(n) for n in pat.findall(text)]


def describe(exc):
    tb = traceback.extract_tb(exc.__traceback__)
    user = [fr.lineno for fr in tb if fr.filename == _SCRIPT]
    user += [ln for ln in _script_lines_in_text(str(exc)) if ln not in user]
    in_keras = any(any(m in (fr.filename or "") for m in _PKG_MARKERS) for fr in tb)
    text = str(exc)
    in_keras = in_keras or text.lstrip().startswith("in user code:")
    if isinstance(exc, (ImportError, AttributeError)) and ("keras" in text or "tensorflow" in text):
        in_keras = True  # a removed module or function of the Keras API
    kind = "error"
    if isinstance(exc, Blocked):
        kind = exc.kind
    elif isinstance(exc, SystemExit):
        kind = "exit"
    elif isinstance(exc, MemoryError):
        kind = "memory"
    elif isinstance(exc, RecursionError):
        kind = "recursion"
    msg = exc.what if isinstance(exc, Blocked) else clean_message(exc)
    if kind == "error" and _SANDBOX is not None and _SANDBOX.refuses_writes and _write_refused(exc, msg):
        # Landlock's (or seccomp's) EACCES: a write or a Unix socket the audit hook did not see (native
        # code, or the hook switched off). Like the hook's refusals, it stops the check without being
        # a bug of the model.
        kind, msg = "write", "the runtime sandbox refused it: %s" % (msg,)
    if isinstance(exc, SystemExit):
        msg = "the script called sys.exit(%r)" % (exc.code,)
    elif isinstance(exc, MemoryError):
        msg = "the script ran out of memory (MemoryError) under the %s MiB memory cap" % (_CAP["mb"],)
    elif isinstance(exc, RecursionError):
        msg = "the script recursed without end (RecursionError)"
    return {"type": type(exc).__name__, "message": msg, "lines": user, "keras": bool(in_keras), "kind": kind}


def _write_refused(exc, msg):
    return isinstance(exc, PermissionError) or type(exc).__name__ == "PermissionDeniedError" or \
        "Permission denied" in msg or "errno = 13" in msg


# --- model discovery ------------------------------------------------------------------------------
_CREATED = []  # (model, [script lines outermost first])
_COMPILED = []  # (model, [script lines])


def _stack_lines():
    frame = sys._getframe(2)
    out = []
    while frame is not None:
        if frame.f_code.co_filename == _SCRIPT:
            out.append(frame.f_lineno)
        frame = frame.f_back
    return out[::-1]


def _hook_model_class(cls):
    if getattr(cls, "_kerascheck_hooked", False):
        return
    original_new = cls.__dict__.get("__new__")
    original_compile = cls.compile

    def compile(self, *args, **kwargs):
        _COMPILED.append((self, _stack_lines()))
        return original_compile(self, *args, **kwargs)

    cls.compile = compile
    if original_new is not None:
        new_fn = original_new.__func__ if isinstance(original_new, staticmethod) else original_new

        def __new__(klass, *args, **kwargs):
            obj = new_fn(klass, *args, **kwargs)
            if not any(o is obj for o, _ in _CREATED[-3:]):
                _CREATED.append((obj, _stack_lines()))
            return obj

        cls.__new__ = staticmethod(__new__)
    cls._kerascheck_hooked = True


def model_bases(keras, tf, source):
    bases = []
    for cand in (getattr(keras, "Model", None), getattr(getattr(tf, "keras", None), "Model", None)):
        if cand is not None and cand not in bases:
            bases.append(cand)
    if "tf_keras" in source:
        try:
            import tf_keras

            if tf_keras.Model not in bases:
                bases.append(tf_keras.Model)
        except Exception:
            pass
    return bases


# --- specs ------------------------------------------------------------------------------------------
def to_spec(tf, spec):
    if spec is None:
        return None
    t = spec["t"]
    if t == "tensor":
        return tf.TensorSpec([None] + list(spec["shape"][1:]), getattr(tf, spec["dtype"]))
    if t in ("list", "tuple"):
        items = [to_spec(tf, s) for s in spec["items"]]
        if any(i is None for i in items):
            return None
        return items if t == "list" else tuple(items)
    if t == "dict":
        items = {k: to_spec(tf, s) for k, s in spec["items"].items()}
        if any(v is None for v in items.values()):
            return None
        return items
    return None


def declared_inputs(tf, model):
    inputs = getattr(model, "inputs", None)
    try:
        inputs = list(inputs) if inputs else None
    except Exception:
        inputs = None
    if not inputs:
        return None
    specs = []
    for t in inputs:
        try:
            shape = list(t.shape)
            dtype = tf.as_dtype(getattr(t.dtype, "name", t.dtype))
        except Exception:
            return None
        specs.append(tf.TensorSpec([None] + shape[1:], dtype))
    return specs[0] if len(specs) == 1 else specs


def fixed_batch(model):
    """The batch size a model's inputs declare (`keras.Input(batch_shape=(1, 3, 2))` for a stateful
    RNN), when every input declares the same one; None when the batch size is free."""
    sizes = set()
    try:
        for t in list(getattr(model, "inputs", None) or []):
            sizes.add(t.shape[0])
    except Exception:
        return None
    size = sizes.pop() if len(sizes) == 1 else None
    return size if isinstance(size, int) and size > 0 else None


def pin_batch(tf, spec, batch):
    """The specs with their batch axis fixed to `batch`: a stateful model traces only at its own size."""
    if spec is None or batch is None:
        return spec
    return tf.nest.map_structure(lambda s: tf.TensorSpec([batch] + s.shape.as_list()[1:], s.dtype), spec)


def describe_spec(spec):
    import tensorflow as tf

    return tf.nest.map_structure(lambda s: "%s %s" % (tuple(s.shape.as_list()), s.dtype.name), spec)


def random_like(np, tf, spec, high=None, one_hot=False, batch=4):
    def one(s):
        shape = [batch] + [d if d is not None else 32 for d in s.shape.as_list()[1:]]
        rng = np.random.default_rng(0)
        if s.dtype.is_integer:
            return tf.constant(rng.integers(0, max(int(high or 2), 1), size=shape), dtype=s.dtype)
        if s.dtype == tf.bool:
            return tf.constant(rng.integers(0, 2, size=shape).astype(bool))
        if one_hot and shape[-1] > 1:
            idx = rng.integers(0, shape[-1], size=shape[:-1])
            return tf.constant(np.eye(shape[-1], dtype="float32")[idx], dtype=s.dtype)
        return tf.constant(rng.random(shape).astype("float32"), dtype=s.dtype)

    return tf.nest.map_structure(one, spec)


# --- the checks ---------------------------------------------------------------------------------------
def output_stats(np, tf, y_pred):
    out = []
    for t in tf.nest.flatten(y_pred):
        try:
            a = np.asarray(t, dtype="float64")
        except Exception:
            out.append(None)
            continue
        st = {"shape": list(a.shape), "dtype": getattr(getattr(t, "dtype", None), "name", str(getattr(t, "dtype", "")))}
        finite = bool(np.all(np.isfinite(a)))
        st["finite"] = finite
        if a.size:
            st["min"], st["max"], st["mean"] = float(np.nanmin(a)), float(np.nanmax(a)), float(np.nanmean(a))
            st["constant"] = bool(a.shape and a.shape[0] > 1 and np.allclose(a, a[:1], atol=1e-7, rtol=0))
            st["all_equal"] = float(a.flat[0]) if np.all(a == a.flat[0]) else None
            if a.ndim >= 2 and a.shape[-1] > 1:
                st["sums_to_one"] = bool(np.allclose(a.sum(axis=-1), 1.0, atol=1e-4))
        out.append(st)
    return out


def run_model(tf, np, rec, job_model):
    model = rec["obj"]
    result = {"ev": "model", "rid": rec["rid"], "static": rec["static"], "class": type(model).__name__,
              "created_lines": rec["created"], "compile_lines": rec["compiled"]}
    compiled = bool(rec["compiled"]) and getattr(model, "optimizer", None) is not None
    has_loss = compiled and (getattr(model, "loss", None) is not None or
                             getattr(model, "_compile_loss", None) is not None or
                             getattr(model, "compiled_loss", None) is not None)
    x_spec = to_spec(tf, (job_model or {}).get("x"))
    x_from = "data"
    if x_spec is None:
        x_spec, x_from = declared_inputs(tf, model), "inputs"
    y_job = (job_model or {}).get("y")
    y_spec = to_spec(tf, y_job)
    batch = fixed_batch(model)
    x_spec, y_spec = pin_batch(tf, x_spec, batch), pin_batch(tf, y_spec, batch)
    result["compiled"] = compiled
    result["has_loss"] = bool(has_loss)
    if x_spec is None:
        result["skipped"] = "the input shape is unknown (no static data and no declared Input)"
        emit(**result)
        return
    result["x"] = describe_spec(x_spec)
    result["x_from"] = x_from
    result["y"] = describe_spec(y_spec) if y_spec is not None else None
    emit(ev="phase", rid=rec["rid"], phase="trace")
    t0 = time.time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if has_loss and y_spec is not None:
                if hasattr(model, "_symbolic_build"):
                    model._symbolic_build(data_batch=(x_spec, y_spec))

                def step(x, y):
                    return model.train_step((x, y))

                tf.function(step).get_concrete_function(x_spec, y_spec)
                result["traced"] = "train_step"
            else:
                def forward(x):
                    return model(x, training=True)

                tf.function(forward).get_concrete_function(x_spec)
                result["traced"] = "forward"
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            result["error"] = describe(exc)
        result["trace_seconds"] = round(time.time() - t0, 3)
        if "error" not in result:
            emit(ev="phase", rid=rec["rid"], phase="measure")
            try:
                result["measure"] = measure(tf, np, model, x_spec, y_spec, y_job, has_loss, batch or 4)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                result["measure_error"] = describe(exc)
    result["warnings"] = sorted({" ".join(str(w.message).split())[:300] for w in caught
                                 if issubclass(w.category, (UserWarning, SyntaxWarning, RuntimeWarning))})
    emit(**result)


def measure(tf, np, model, x_spec, y_spec, y_job, has_loss, batch=4):
    """One random batch, no weight update: the output, the loss and which gradients exist. With no
    known target, the loss is measured on random targets shaped like the output ("guessed")."""
    x = random_like(np, tf, x_spec, batch=batch)
    y_pred = model(x, training=False)
    out = {"outputs": output_stats(np, tf, y_pred)}
    if not has_loss:
        return out
    if y_spec is None:
        y_spec = tf.nest.map_structure(lambda t: tf.TensorSpec([None] + t.shape.as_list()[1:], tf.float32), y_pred)
        out["targets"] = "guessed"
    flat_pred = tf.nest.flatten(y_pred)
    high = (y_job or {}).get("high")
    if high is None and flat_pred and flat_pred[0].shape.rank:
        high = flat_pred[0].shape[-1] if flat_pred[0].shape[-1] and flat_pred[0].shape[-1] > 1 else 2
    y = random_like(np, tf, y_spec, high=high, one_hot=bool((y_job or {}).get("one_hot")), batch=batch)
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=pred)
    variables = model.trainable_variables
    grads = tape.gradient(loss, variables) if variables else []
    value = float(np.asarray(loss))
    out["loss"] = value if np.isfinite(value) else str(value)
    out["loss_finite"] = bool(np.isfinite(value))
    none = [v.name for v, g in zip(variables, grads) if g is None]
    zero = [v.name for v, g in zip(variables, grads) if g is not None and not np.any(np.asarray(g))]
    out["grads"] = {"variables": len(variables), "none": len(none), "zero": len(zero),
                    "none_names": none[:5], "zero_names": zero[:5]}
    if out.get("targets") != "guessed":
        # Metrics that fail only once the batch size is known (a confusion matrix of mismatched
        # sizes): traced like fit traces them, on this batch's shapes. Updating metric state is all
        # this does; the weights stay as they are.
        try:
            tf.function(lambda a, b, c: model.compute_metrics(a, b, c, sample_weight=None))(x, y, pred)
        except Exception as exc:
            out["batch_error"] = describe(exc)
    return out


# --- main -----------------------------------------------------------------------------------------
def main():
    global _EVENTS, _SCRIPT, _TMP, _SANDBOX
    with open(sys.argv[1], encoding="utf-8") as fh:
        job = json.load(fh)
    _EVENTS = open(job["events"], "a", encoding="utf-8", buffering=1)
    _SCRIPT = job["path"]
    _TMP = os.path.realpath(job["tmp"])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    import faulthandler

    faulthandler.enable(file=sys.stderr, all_threads=False)
    if hasattr(faulthandler, "register"):
        import signal

        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=False)  # the parent's timeout
    t0 = time.time()
    _SANDBOX = sandbox = Sandbox(job)
    sandbox.before_imports()
    try:
        import tensorflow as tf
    except BaseException as exc:
        emit(ev="no-tf", error="%s: %s" % (type(exc).__name__, exc))
        sys.stderr.flush()
        _REAL_EXIT(EXIT_NO_TF)
    device = choose_device(tf, job.get("device") or "cpu")
    sandbox.after_imports()
    try:
        import keras

        if not hasattr(keras, "Model"):
            raise ImportError("keras has no Model")
    except Exception:
        keras = tf.keras
    import numpy as np

    version = getattr(keras, "__version__", None) or getattr(tf.keras, "__version__", "?")
    major = 3 if hasattr(keras.Model, "_symbolic_build") else 2
    emit(ev="start", tf=tf.__version__, keras=version, major=major, python=sys.version.split()[0],
         import_seconds=round(time.time() - t0, 3), sandbox=sandbox.report(), device=device)
    missing = sandbox.missing_required()
    if missing:  # --runtime-sandbox require: no user code without these layers
        emit(ev="refused", missing=missing)
        sys.stderr.flush()
        _REAL_EXIT(EXIT_REFUSED)

    source = job["source"]
    bases = model_bases(keras, tf, source)
    for base in bases:
        _hook_model_class(base)
    tree = ast.parse(source, _SCRIPT)
    spans = [tuple(s) for s in job["keep"]]
    kept = [node for node in tree.body if any(a <= node.lineno <= b for a, b in spans)]
    _apply_rewrites(tree, job.get("weights_none") or [], source)
    sys.path.insert(0, os.path.dirname(_SCRIPT))
    ns = {"__name__": "__kerascheck_runtime__", "__file__": _SCRIPT, "__builtins__": builtins}
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # user prints go to the log, never into our protocol
    install_guards(None if device["name"] == "gpu" else job.get("memory_mb"))
    _GUARD["on"] = True
    for node in kept:
        emit(ev="exec", line=node.lineno, end_line=getattr(node, "end_lineno", node.lineno),
             definition=isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        try:
            code = compile(ast.Module(body=[node], type_ignores=[]), _SCRIPT, "exec")
            exec(code, ns)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            emit(ev="stmt_error", line=node.lineno, end_line=getattr(node, "end_lineno", node.lineno),
                 **describe(exc))
        _check_guard(node.lineno, getattr(node, "end_lineno", node.lineno))
    for name in job.get("call_builders") or []:
        fn = ns.get(name)
        if not callable(fn):
            continue
        emit(ev="exec", line=getattr(getattr(fn, "__code__", None), "co_firstlineno", 0), builder=name)
        try:
            value = fn()
            ns.setdefault("__kerascheck_built__", []).append(value)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            emit(ev="stmt_error", line=fn.__code__.co_firstlineno, builder=name, **describe(exc))
        _check_guard(fn.__code__.co_firstlineno, fn.__code__.co_firstlineno)

    # Runtime models: every model created or compiled, matched to the static models by line.
    recs = []

    def rec_for(obj):
        for r in recs:
            if r["obj"] is obj:
                return r
        r = {"obj": obj, "rid": len(recs), "created": [], "compiled": [], "static": []}
        recs.append(r)
        return r

    for obj, lines in _CREATED:
        rec_for(obj)["created"] = lines
    for obj, lines in _COMPILED:
        rec_for(obj)["compiled"] = lines
    for jm in job["models"]:
        best = None
        for r in recs:
            hit_compile = any(a <= ln <= b for a, b in jm.get("compile_spans", []) for ln in r["compiled"])
            hit_create = any(a <= ln <= b for a, b in jm.get("spans", []) for ln in r["created"])
            if hit_compile or hit_create:
                score = (2 if hit_compile else 0) + (1 if r["compiled"] else 0)
                if best is None or score >= best[0]:
                    best = (score, r)
        if best is not None:
            best[1]["static"].append(jm["id"])
    run_probes(job.get("probes") or [], ns, recs)
    for r in recs:
        if not r["static"] and not r["compiled"]:
            continue  # a sub-model (backbone, encoder) nobody compiles
        jm = next((m for m in job["models"] if m["id"] in r["static"]), None)
        try:
            run_model(tf, np, r, jm)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            d = describe(exc)  # a kerascheck bug, not the user's: never evidence
            emit(ev="model", rid=r["rid"], static=r["static"],
                 skipped="runtime mode failed internally: %s: %s" % (d["type"], d["message"]))
    _GUARD["on"] = False
    sys.stdout = real_stdout
    emit(ev="done", seconds=round(time.time() - t0, 3))
    _EVENTS.close()
    sys.stderr.flush()
    _REAL_EXIT(0)


def run_probes(probes, ns, recs):
    """Look up the names the script uses only while training on the objects the slice built, or make
    a flagged Keras object from its literal arguments (see kerascheck/runtime/probes.py): the
    AttributeError, TypeError or constructor error Keras raises is the evidence."""
    import inspect

    for p in probes:
        path = p["receiver"].split(".")
        if p.get("model") is not None:  # `self.model...` in a callback: the model fit is given
            rec = next((r for r in recs if p["model"] in r["static"]), None)
            if rec is None:
                emit(ev="probe", id=p["id"], skipped="the model was not built")
                continue
            obj, rest = rec["obj"], path[2:]
        elif path[0] in ns:
            obj, rest = ns[path[0]], path[1:]
        else:
            emit(ev="probe", id=p["id"], skipped="`%s` is not built by the slice" % path[0])
            continue
        try:
            for part in rest:
                obj = getattr(obj, part)
        except Exception as exc:
            emit(ev="probe", id=p["id"], skipped="`%s` could not be resolved: %s" % (p["receiver"], exc))
            continue
        kind = type(obj).__name__
        if p["kind"] == "construct":  # a Keras class called with literal arguments only
            try:
                made = getattr(obj, p["attr"])(*p["args"], **p["kwargs"])
            except Exception as exc:
                emit(ev="probe", id=p["id"], type=p["attr"], error=describe(exc))
                continue
            emit(ev="probe", id=p["id"], type=type(made).__name__, ok=True)
            continue
        try:
            target = getattr(obj, p["attr"])
        except AttributeError as exc:
            emit(ev="probe", id=p["id"], type=kind, error=describe(exc))
            continue
        if p["kind"] == "kwarg":
            try:
                sig = inspect.signature(target)
            except (TypeError, ValueError) as exc:  # not a function inspect can read: no evidence
                emit(ev="probe", id=p["id"], skipped="%s: %s" % (type(exc).__name__, exc))
                continue
            try:
                sig.bind_partial(**{p["keyword"]: None})
            except TypeError as exc:
                emit(ev="probe", id=p["id"], type=kind, error=describe(exc))
                continue
        emit(ev="probe", id=p["id"], type=kind, ok=True)


def _apply_rewrites(tree, positions, source):
    """`weights=None` for the keras.applications constructors the parent listed (line, column):
    the architecture is what the checks need, and pretrained weights would be a download."""
    if not positions:
        return
    # Python's own line breaks (not str.splitlines, which also splits at \f and U+2028); this file
    # runs in the user's interpreter, where kerascheck.text may not be importable.
    lines = re.split(r"\r\n|\r|\n", source)
    wanted = set()
    for line, col in positions:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        wanted.add((line, len(text[:col].encode("utf-8"))))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (node.lineno, node.col_offset) in wanted:
            node.keywords = [k for k in node.keywords if k.arg != "weights"]
            kw = ast.keyword(arg="weights", value=ast.Constant(value=None))
            ast.copy_location(kw, node)
            ast.copy_location(kw.value, node)
            node.keywords.append(kw)


if __name__ == "__main__":
    try:
        main()
    except BaseException:  # a kerascheck bug: say it and leave without the interpreter's shutdown,
        traceback.print_exc()  # which would restore the SIGSYS handler that the seccomp filter forbids
        sys.stderr.flush()
        _REAL_EXIT(1)
