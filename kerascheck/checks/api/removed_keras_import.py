from typing import Iterator

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.names import dotted, module_name
from kerascheck.rule import Hit, Rule

_NO_FIX = "it was removed without a direct replacement"



class RemovedKerasImport(Rule):
    """KC508: an import or attribute path Keras no longer has (`keras.layers.core`, `keras.utils.np_utils`,
    `keras.preprocessing.image.ImageDataGenerator` on Keras 3, ...)."""

    code = "KC508"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        only_k3 = "2" not in facts.keras_versions
        flagged_locals: set[str] = set()
        flagged_paths: set[str] = set()
        done_stmts: set[int] = set()
        for site in facts.import_sites:
            found = K.removed_import(site.path)
            if site.guarded or found is None:
                continue
            missing, kind, missing_on, fix = found
            if missing_on == "3" and not only_k3:
                continue
            flagged_locals.add(site.local)
            flagged_paths.add(missing)
            stmt = site.stmt
            if isinstance(stmt, cst.ImportFrom) and missing != site.path:
                # the module after `from` is missing: one finding for the whole statement
                if id(stmt) in done_stmts:
                    continue
                done_stmts.add(id(stmt))
                node, what = stmt.module, f"from {module_name(stmt.module)} import ..."
                error = f"ModuleNotFoundError: No module named '{missing}'"
            elif isinstance(stmt, cst.ImportFrom):
                node, what = site.alias, f"from {module_name(stmt.module)} import {site.path.rsplit('.', 1)[1]}"
                error = f"ImportError: cannot import name '{site.path.rsplit('.', 1)[1]}' from '{module_name(stmt.module)}'"
            else:
                node, what = site.alias, f"import {site.path}"
                error = f"ModuleNotFoundError: No module named '{missing}'"
            hit = self.hit(node, what=what, error=error, versions=_versions(missing_on), fix=fix or _NO_FIX)
            if node is stmt.module and missing == module_name(stmt.module):
                public = K.public_home(missing)
                if public is not None and not stmt.relative and not isinstance(stmt.names, cst.ImportStar) \
                        and all(module_name(a.name) in public[1] for a in stmt.names):
                    # safe: the same objects, from the module that exports them
                    hit = self.fixed(hit, [(node, public[0])], f"Import from `{public[0]}`", "safe")
            yield hit
        for node, path in facts.references:
            found = K.removed_import(path)
            if found is None:
                continue
            missing, kind, missing_on, fix = found
            head = (dotted(node) or "").split(".")[0]
            if (missing_on == "3" and not only_k3) or head in flagged_locals or missing in flagged_paths:
                continue
            module, _, attr = missing.rpartition(".")
            if missing_on == "3" and module.startswith("tensorflow.keras"):
                module = "keras._tf_keras." + module[len("tensorflow."):]  # how Keras 3's tf.keras shim names it
            error = f"AttributeError: module '{module}' has no attribute '{attr}'"
            hit = self.hit(node, what=dotted(node) or path, error=error, versions=_versions(missing_on),
                           fix=fix or _NO_FIX)
            public = K.public_home(missing)
            written = dotted(node) or ""
            sub = missing.rsplit(".", 1)[-1]
            name = path[len(missing) + 1:]
            if public is not None and name in public[1] and written.endswith(f".{sub}.{name}"):
                new_path = written[: -len(f"{sub}.{name}")] + name
                hit = self.fixed(hit, [(node, new_path)], f"Use `{new_path}`", "safe")
            yield hit


def _versions(missing_on: str) -> str:
    return "Keras 3" if missing_on == "3" else "Keras 2.13+ and Keras 3"
