from pathlib import Path

from core.home import data_home, subdir


def test_data_home_follows_the_environment(assistant_home):
    assert data_home() == assistant_home.resolve()
    assert assistant_home.is_dir()


def test_subdir_is_created_inside_the_home(assistant_home):
    models = subdir("models")
    assert models.is_dir() and models.parent == assistant_home.resolve()


def test_default_is_a_per_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("ASSISTANT_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(Path, "home", lambda: tmp_path / "user")
    home = data_home()
    assert home.is_dir()
    assert "grounded-assistant" in home.name
    assert tmp_path in home.parents
