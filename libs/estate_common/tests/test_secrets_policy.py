"""Secrets a process refuses to start with (estate_common.secrets_policy)."""
import re
from pathlib import Path

import pytest

from estate_common import secrets_policy
from estate_common.secrets_policy import InsecureSecret

REPO = Path(__file__).resolve().parents[3]
GOOD_JWT = "n3Vq8k2-Lr0pZy7WcXb5Tt1HmJd9FsQa4Ue6Go"  # 38 bytes, made up for this test
GOOD_ADMIN = "a-long-admin-pass-7"


@pytest.mark.parametrize("value, reason", [
    (None, "missing"),
    ("", "missing"),
    ("k" * 20 + "short-jwt", "at least 32 bytes"),       # 29 bytes
    ("CHANGE-ME", "at least 32 bytes"),
    ("CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME", "placeholder"),
    ("please-changeme-before-going-live-0001", "placeholder"),
    ("local-dev-only-jwt-secret-do-not-use-elsewhere", "published"),
    ("dev-only-jwt-secret-not-for-production", "published"),
])
def test_a_bad_jwt_secret_is_refused_naming_the_variable(value, reason):
    with pytest.raises(InsecureSecret, match=f"JWT_SECRET .*{reason}") as refused:
        secrets_policy.check_jwt_secret(value)
    if value:
        assert value not in str(refused.value), "the message must not repeat the secret"


def test_the_jwt_secret_length_counts_bytes():
    secrets_policy.check_jwt_secret("é" * 16)  # 16 characters, 32 bytes
    with pytest.raises(InsecureSecret):
        secrets_policy.check_jwt_secret("é" * 15 + "x")  # 31 bytes


def test_a_good_jwt_secret_passes():
    secrets_policy.check_jwt_secret(GOOD_JWT)
    secrets_policy.check_jwt_secret("x" * 32)


@pytest.mark.parametrize("value, reason", [
    (None, "missing"),
    ("", "missing"),
    ("short-pass1", "at least 12"),        # 11 characters
    ("CHANGE-ME", "at least 12"),
    ("change_me_change_me", "placeholder"),
    ("Pass-Word", "at least 12"),
    ("--password--", "placeholder"),
    ("dev-only-admin-password", "published"),
    # what a guess tries first, as the API refuses it to everyone else (found by review)
    ("P@ssw0rd-2026", "a common word"),
    ("qwertyuiop12", "a run of the keyboard"),
])
def test_a_bad_admin_password_is_refused(value, reason):
    with pytest.raises(InsecureSecret, match=f"ESTATE_ADMIN_PASSWORD .*{reason}"):
        secrets_policy.check_admin_password(value)


def test_an_admin_password_of_twelve_characters_passes():
    secrets_policy.check_admin_password("twelve-chars")


@pytest.mark.parametrize("uri", [
    "amqp://guest:guest@127.0.0.1:5672/",
    "amqp://guest:guest@localhost:5672/vhost",
    "amqp://guest:guest@[::1]:5672/",
    "amqp://127.0.0.1//",
    "amqp://estate:estate-local-only@127.0.0.1:5672/",
])
def test_any_broker_credentials_are_accepted_on_loopback(uri):
    secrets_policy.check_amqp_uri(uri)


@pytest.mark.parametrize("uri, reason", [
    ("", "missing"),
    ("amqp://guest:guest@rabbitmq:5672/", "guest:guest"),
    ("amqp://rabbitmq:5672/", "guest:guest"),                  # no credentials: kombu sends guest:guest
    ("amqps://guest:guest@10.0.0.7:5671/", "guest:guest"),
    ("amqp://estate:estate-local-only@rabbitmq:5672/", "published"),
    ("amqp://estate:estate-dev-only@rabbitmq:5672/", "published"),
    ("amqp://estate-ops:CHANGE-ME@rabbitmq.messaging:5672/estate-ops", "placeholder"),
    ("amqp://estate:@rabbitmq:5672/", "missing"),
])
def test_bad_broker_credentials_are_refused_off_loopback(uri, reason):
    with pytest.raises(InsecureSecret, match=f"AMQP_URI .*{reason}"):
        secrets_policy.check_amqp_uri(uri)


def test_a_real_broker_user_passes_off_loopback():
    secrets_policy.check_amqp_uri("amqps://estate-ops:Zq9%40long-random@rabbitmq.messaging:5671/estate-ops")


def test_check_gateway_checks_all_three():
    good = {"jwt_secret": GOOD_JWT, "admin_password": GOOD_ADMIN, "amqp_uri": "amqp://guest:guest@127.0.0.1/"}
    secrets_policy.check_gateway(good)
    for key, bad in [("jwt_secret", "CHANGE-ME"), ("admin_password", "secret"),
                     ("amqp_uri", "amqp://guest:guest@rabbitmq/")]:
        with pytest.raises(InsecureSecret):
            secrets_policy.check_gateway({**good, key: bad})


def test_no_deployment_file_commits_a_secret_the_policy_would_accept():
    """A secret value in compose or the overlays is published the moment it is committed:
    compose requires them (``${VAR:?}``) and no overlay carries a literal."""
    compose = (REPO / "docker-compose.yml").read_text()
    for name in ("JWT_SECRET", "ESTATE_ADMIN_PASSWORD", "RABBITMQ_PASSWORD"):
        # RABBITMQ_PASSWORD and each component's RABBITMQ_PASSWORD_<COMPONENT>
        uses = re.findall(r"\$\{" + name + r"(?:_[A-Z_]+)?(:?[-?=+])?", compose)
        assert uses, f"docker-compose.yml does not use {name}"
        assert all(op == ":?" for op in uses), f"docker-compose.yml gives {name} a default: {uses}"
    for path in (REPO / "deploy" / "k8s").rglob("*.yaml"):
        text = path.read_text()
        for name in ("JWT_SECRET", "ESTATE_ADMIN_PASSWORD", "AMQP_URI", "MONGO_URI"):
            assert not re.search(rf"^\s*-\s*{name}=", text, re.MULTILINE), f"{path} commits {name}"


SECRET_VARIABLES = ("ESTATE_ADMIN_PASSWORD", "JWT_SECRET", "BUS_SIGNING_KEY", "CONSOLE_SECRET_KEY",
                    "WEBHOOK_SECRETS_KEY")


def _documented_samples():
    """Every quoted ``VAR='value'`` a Markdown file of the repository shows for a secret (a
    reader copies the README's example as it is)."""
    sample = re.compile(r"\b(" + "|".join(SECRET_VARIABLES) + r")=(?:'([^']*)'|\"([^\"]*)\")")
    found = []
    for path in REPO.rglob("*.md"):
        if not {".venv", "node_modules"} & set(path.parts):
            found += [(path.relative_to(REPO), name, single or double)
                      for name, single, double in sample.findall(path.read_text())]
    return found


def test_no_documented_secret_sample_is_accepted():
    """The README's ``ESTATE_ADMIN_PASSWORD='choose-a-long-one' make run`` passed every check:
    a deployment that copied it ran with a password anyone with the README knows. A sample
    is either computed where it is used (``"$(...)"``) or refused by the policy."""
    samples = _documented_samples()
    assert any(name == "ESTATE_ADMIN_PASSWORD" for _, name, _ in samples)  # the scan reads the README
    for path, name, value in samples:
        if not value.startswith("$"):
            assert secrets_policy.weakness(value, secrets_policy.ADMIN_PASSWORD_MIN_CHARS), \
                f"{path} shows {name}={value!r}, which the policy accepts: add it to PUBLISHED"


def test_the_readme_samples_of_earlier_versions_are_refused():
    for value in ("choose-a-long-one", "a-new-long-password"):
        with pytest.raises(InsecureSecret, match="published"):
            secrets_policy.check_admin_password(value)


def test_a_service_refuses_to_start_with_guest_on_a_remote_broker(monkeypatch, capsys):
    from estate_common import serve
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@rabbitmq.example:5672/")
    monkeypatch.setattr("sys.argv", ["serve", "--config", "config.yml", "x:Y"])
    assert serve.main() == 2
    err = capsys.readouterr().err
    assert "refusing to start" in err and "AMQP_URI" in err


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_service_required_to_run_on_mongodb_refuses_an_empty_mongo_uri(monkeypatch, capsys, blank):
    """A blank MONGO_URI in the Secret ran every replica on an embedded store of its own, which
    keeps nothing across a restart, while every probe passed (found by a deploy review)."""
    from estate_common import serve
    monkeypatch.setenv("ESTATE_STORE", "mongodb")
    monkeypatch.setenv("MONGO_URI", blank)
    monkeypatch.setattr("sys.argv", ["serve", "--config", "config.yml", "x:Y"])
    assert serve.main() == 2
    err = capsys.readouterr().err
    assert "refusing to start" in err and "MONGO_URI is empty while ESTATE_STORE=mongodb" in err


def test_the_store_a_process_must_run_on(monkeypatch):
    monkeypatch.setenv("ESTATE_STORE", "mongodb")
    monkeypatch.setenv("MONGO_URI", "mongodb://mongo:27017/")
    secrets_policy.check_store()  # required and given
    monkeypatch.delenv("ESTATE_STORE")
    monkeypatch.setenv("MONGO_URI", "")
    secrets_policy.check_store()  # make run, the tests: in memory
    monkeypatch.setenv("ESTATE_STORE", "mongo")
    with pytest.raises(InsecureSecret, match="ESTATE_STORE is not mongodb"):
        secrets_policy.check_store()


def test_the_gateway_required_to_run_on_mongodb_refuses_an_empty_mongo_uri(monkeypatch):
    monkeypatch.setenv("ESTATE_STORE", "mongodb")
    monkeypatch.setenv("MONGO_URI", "")
    with pytest.raises(InsecureSecret, match="MONGO_URI is empty"):
        secrets_policy.check_gateway({"jwt_secret": "x" * 48, "admin_password": "a-long-enough-password-1",
                                      "amqp_uri": "amqp://guest:guest@127.0.0.1:5672/"})
