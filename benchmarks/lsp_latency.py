"""How long after an edit does the editor see fresh kerascheck diagnostics?

Starts the real server (`python -m kerascheck.server`) over stdio, opens a generated 1,000-line
training script, then repeatedly edits one line (didChange, toggling `softmax`/`sigmoid` on a one-unit
output, so the diagnostics really change, and numbering the edit in a comment, so that no text comes
back and no cache can answer) and times didChange -> publishDiagnostics for that version. The server
waits DEBOUNCE seconds after the last change before linting; the figure that matters is the time
after the debounce, printed next to the raw end-to-end time. On a busy machine wall times grow; the
CPU time the server spent per edit (from /proc, Linux only) does much less.

    python benchmarks/lsp_latency.py [--lines 1000] [--runs 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lsprotocol import types as lsp  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from kerascheck.server import DEBOUNCE  # noqa: E402

HEADER = '''\
"""Generated benchmark input: a long Keras training script."""
import os

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

BATCH_SIZE = 64
EPOCHS = 10


def load_data(n=1024, features=32, classes=10):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, features)).astype("float32")
    y = rng.integers(0, classes, size=(n,))
    return x, y

'''

BLOCK = '''\

def build_classifier_{i}(features=32, classes=10):
    inputs = keras.Input(shape=(features,))
    x = layers.Dense(128, activation="relu")(inputs)
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="classifier_{i}")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_binary_{i}(features=32):
    model = keras.Sequential([
        keras.Input(shape=(features,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def scaled_mse_{i}(y_true, y_pred):
    y_true = tf.cast(y_true, y_pred.dtype)
    return tf.reduce_mean(tf.square(y_true - y_pred)) * {scale}


def train_{i}(x, y):
    model = build_classifier_{i}(x.shape[1])
    callbacks = [keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)]
    history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS, validation_split=0.2,
                        callbacks=callbacks, verbose=0)
    return model, history.history["val_accuracy"][-1]

'''

TARGET = '''\

def build_single_unit():
    model = keras.Sequential([
        keras.Input(shape=(32,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model

'''

FOOTER = '''\

if __name__ == "__main__":
    x, y = load_data()
    scores = {}
    for name, fn in sorted(globals().items()):
        if name.startswith("train_"):
            scores[name] = fn(x, y)[1]
    print(max(scores.values()))
'''


def generate(lines: int) -> str:
    body = [HEADER, TARGET]
    i = 0
    while sum(part.count("\n") for part in body) + FOOTER.count("\n") + BLOCK.count("\n") <= lines:
        body.append(BLOCK.format(i=i, scale=1 + i % 7))
        i += 1
    text = "".join(body) + FOOTER
    pad = lines - text.count("\n")
    return text + "".join(f"# padding {k}\n" for k in range(max(pad, 0)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


async def run(lines: int, runs: int) -> None:
    text = generate(lines)
    target_line = next(i for i, line in enumerate(text.splitlines()) if 'Dense(1, activation="softmax")' in line)
    line_text = text.splitlines()[target_line]
    start_col = line_text.index('"softmax"')

    received: dict[int, float] = {}
    codes_for: dict[int, list[str]] = {}
    arrived = asyncio.Event()
    client = LanguageClient("kerascheck-bench", "1")

    @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            received[params.version] = time.perf_counter()
            codes_for[params.version] = sorted(str(d.code) for d in params.diagnostics)
            arrived.set()

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    await client.start_io(sys.executable, "-m", "kerascheck.server", env=env)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.py"
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        await client.initialize_async(lsp.InitializeParams(
            capabilities=lsp.ClientCapabilities(), root_uri=Path(tmp).as_uri()))
        client.initialized(lsp.InitializedParams())

        async def wait(version: int) -> float:
            while version not in received:
                arrived.clear()
                await asyncio.wait_for(arrived.wait(), 30)
            return received[version]

        t0 = time.perf_counter()
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        first = await wait(1) - t0
        print(f"{text.count(chr(10))} lines; first diagnostics after didOpen (cold: imports, settings, "
              f"first parse): {first * 1000:.0f} ms; codes: {codes_for[1]}")

        totals: list[float] = []
        current = "softmax"
        line_end = len(line_text)
        cpu0 = server_cpu(client)
        for k in range(runs):
            version = k + 2
            new = "sigmoid" if current == "softmax" else "softmax"
            replacement = f'{new}"),  # edit {version}'
            rng = lsp.Range(lsp.Position(target_line, start_col + 1), lsp.Position(target_line, line_end))
            t0 = time.perf_counter()
            client.text_document_did_change(lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[lsp.TextDocumentContentChangePartial(range=rng, text=replacement)]))
            totals.append(await wait(version) - t0)
            expect_kc201 = new == "softmax"
            assert ("KC201" in codes_for[version]) == expect_kc201, (version, codes_for[version])
            current = new
            line_end = start_col + 1 + len(replacement)
            await asyncio.sleep(0.05)
        cpu1 = server_cpu(client)

        after = [t - DEBOUNCE for t in totals]
        print(f"didChange -> publishDiagnostics over {runs} edits (debounce {DEBOUNCE * 1000:.0f} ms):")
        print(f"  end to end      median {statistics.median(totals) * 1000:7.1f} ms   "
              f"p95 {percentile(totals, 0.95) * 1000:7.1f} ms")
        print(f"  after debounce  median {statistics.median(after) * 1000:7.1f} ms   "
              f"p95 {percentile(after, 0.95) * 1000:7.1f} ms")
        if cpu0 is not None and cpu1 is not None:
            print(f"  server CPU      mean  {(cpu1 - cpu0) / runs * 1000:7.1f} ms per edit (user + system, "
                  f"all of its threads)")

        await client.shutdown_async(None)
        client.exit(None)
    await client.stop()
    reference(text, runs)


def server_cpu(client: LanguageClient) -> float | None:
    """Seconds of CPU the server process has used (Linux /proc), or None elsewhere."""
    server = getattr(client, "_server", None)
    try:
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (AttributeError, OSError, ValueError, IndexError):
        return None


def reference(text: str, runs: int) -> None:
    """The engine alone, in process, on the same two texts: what the server adds is the difference."""
    from kerascheck.config import Settings
    from kerascheck.engine import Linter

    linter = Linter(Settings())
    variants = [text, text.replace('Dense(1, activation="softmax")', 'Dense(1, activation="sigmoid")')]
    linter.lint_text(variants[0], "train.py")
    try:
        from kerascheck.reparse import Reparser
    except ImportError:  # a kerascheck from before re-parsing
        Reparser = None
    # The whole-file parse (the command line's path), then the server's: re-parsing only the edit.
    for label, reparser in (("engine alone", None), ("engine, reparse", Reparser and Reparser())):
        if label != "engine alone" and reparser is None:
            continue
        kwargs = {"reparser": reparser} if reparser is not None else {}
        linter.lint_text(variants[1], "train.py", **kwargs)
        times, cpu = [], []
        for k in range(max(runs // 2, 2)):
            t0, c0 = time.perf_counter(), time.process_time()
            linter.lint_text(variants[k % 2], "train.py", **kwargs)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        print(f"  {label:15s} median {statistics.median(times) * 1000:7.1f} ms   "
              f"p95 {percentile(times, 0.95) * 1000:7.1f} ms   CPU median {statistics.median(cpu) * 1000:5.0f} ms")
    print("  (engine: Linter.lint_text in process on the same edits; wall times above CPU mean a busy machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(run(args.lines, args.runs))


if __name__ == "__main__":
    main()
