"""The optional C accelerator (k8slint._yamlc, over the vendored libyaml): built when a C compiler is
there, skipped with a warning when it is not, so `pip install .` never fails because of it.

K8SLINT_NO_EXTENSION=1 skips it on purpose (to test the pure-Python installation).
"""

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

LIBYAML = ["api.c", "reader.c", "scanner.c", "parser.c"]


class OptionalBuildExt(build_ext):
    """Build the accelerator if this machine can; k8slint runs without it (the Python parser)."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no Python headers: the pure-Python installation
            self._skipped(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._skipped(exc)

    def _skipped(self, exc: Exception) -> None:
        print(f"warning: k8slint's C accelerator was not built ({exc}); k8slint runs without it", file=sys.stderr)


extensions = [] if os.environ.get("K8SLINT_NO_EXTENSION") == "1" else [Extension(
    "k8slint._yamlc",
    sources=["k8slint/_yamlc.c", *(f"vendor/libyaml/{name}" for name in LIBYAML)],
    include_dirs=["vendor/libyaml"],
    define_macros=[("YAML_DECLARE_STATIC", "1"), ("HAVE_CONFIG_H", "1")],
    optional=True,
)]

setup(ext_modules=extensions, cmdclass={"build_ext": OptionalBuildExt})
