"""The deployment files (``deploy/``) say what the code reads: every setting a known one, the
replicas sharing what they must share and keeping what they must keep."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.config import env_settings, load_config

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def services() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def replicas() -> dict:
    return {name: s for name, s in services().items() if "app.py" in s.get("command", [])}


def test_every_setting_the_replicas_get_is_one_the_app_knows_and_valid():
    for name, service in {**replicas(), "migrate": services()["migrate"]}.items():
        env = {k: str(v).replace("${POSTGRES_PASSWORD}", "pw").replace("${VLLM_API_KEY}", "key")
               for k, v in service["environment"].items()}
        settings = env_settings(env)  # an unknown ASSISTANT_* name raises
        config = load_config(environ=env, file=False)  # a bad value raises
        assert config.storage.database and config.storage.database.startswith("postgresql://"), name
        assert config.model.backend == "openai" and config.model.base_url.startswith("http://vllm:"), name
        assert env[config.model.api_key_env] == "key", name
        assert "storage.url" in settings and "storage.uploads" in settings


def test_replicas_share_the_database_and_uploads_and_keep_their_own_data_homes():
    apps = replicas()
    assert len(apps) >= 2
    volumes = {name: dict(v.split(":", 1) for v in s["volumes"]) for name, s in apps.items()}
    uploads = {s["environment"]["ASSISTANT_STORAGE_UPLOADS"] for s in apps.values()}
    assert len(uploads) == 1  # one path in every replica: the documents' sources name it
    (path,) = uploads
    assert len({v.get("uploads") for v in volumes.values()} | {None}) == 2  # the one shared volume ...
    assert all(v["uploads"] == path for v in volumes.values())  # ... mounted where the setting says
    homes = [next(k for k, mount in v.items() if mount == s["environment"]["ASSISTANT_HOME"])
             for v, s in zip(volumes.values(), apps.values())]
    assert len(set(homes)) == len(homes)  # each its own FAISS cache and temp files
    assert len({s["environment"]["ASSISTANT_DATABASE_URL"] for s in apps.values()}) == 1
    assert all(s["depends_on"]["migrate"]["condition"] == "service_completed_successfully" for s in apps.values())
    assert services()["migrate"]["command"] == ["assistant", "db", "migrate"]


def test_the_balancer_sends_each_replica_traffic_and_keeps_a_client_on_one():
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream \w+ \{(.*?)\}", conf, re.S).group(1)
    assert "ip_hash;" in upstream  # Gradio streams an answer from the replica that took the question
    assert sorted(re.findall(r"server ([\w-]+):7860;", upstream)) == sorted(replicas())
    assert "proxy_buffering off;" in conf
    for service in replicas().values():
        assert service["command"][service["command"].index("--port") + 1] == "7860"
