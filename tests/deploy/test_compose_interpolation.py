"""The rehearsal's reading of compose's interpolation agrees with compose itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.compose import interpolate

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_errors_nesting_and_escapes():
    values = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $SET $$SET", values) == (
        "x d  d x $SET"
    )
    assert interpolate("a${UNSET:-b${SET}c}d", values) == "abxcd"
    with pytest.raises(ValueError, match="set it"):
        interpolate("${EMPTY:?set it}", values)
    assert interpolate("${EMPTY?set it}", values) == ""


def test_the_app_environment_matches_docker_compose_config(tmp_path):
    docker = shutil.which("docker")
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(Path.home())}
    if (
        not docker
        or subprocess.run([docker, "compose", "version"], env=env, capture_output=True).returncode
    ):
        pytest.skip("the docker compose plugin is not installed")
    dotenv = {
        "SECRET_KEY": "s" * 50,
        "CALENDAR_TOKEN_KEYS": "Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLWtleS0wMDA=",
        "ALLOWED_HOSTS": "localhost",
        "BASE_URL": "https://localhost",
        "POSTGRES_PASSWORD": "pw",
        "EMAIL_URL": "smtp://mail:1025",
        "LOG_LEVEL": "",
    }
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in dotenv.items()))
    result = subprocess.run(
        [
            docker,
            "compose",
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            "config",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    theirs = yaml.safe_load(result.stdout)["services"]["web"]["environment"]
    declared = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    ours = {
        name: interpolate(str(value), dotenv)
        for name, value in declared["services"]["web"]["environment"].items()
    }
    assert ours == {name: str(value) for name, value in theirs.items()}
