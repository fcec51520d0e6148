"""Deployment artefacts: the kustomize overlays, docker-compose.yml, the Dockerfiles.

The overlays are rendered with ``kubectl kustomize`` (no cluster needed) and
the rendered objects are checked, not the source files, so patches and
generators are taken into account. kubectl is required: without it these
tests fail rather than skip.
"""
import ast
import functools
import json
import re
import base64
import shutil
import urllib.parse
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from estate_common import broker_users, secrets_policy, topology
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import dev_secrets  # noqa: E402
K8S = REPO / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")

# nameko service name (package, probe argument, database suffix) -> k8s/compose name
SERVICES = {
    "customer_service": "customer-service",
    "maintenance": "maintenance",
    "security_patrol": "security-patrol",
    "finance": "finance",
    "archive": "archive",
    "integrations": "integrations",
}
INTERNET_CLIENTS = {"integrations"}  # webhook deliveries: out to public addresses on 443, nothing else
COMPONENTS = (*SERVICES.values(), "gateway")  # the parts behind the broker and the store
DEPLOYABLES = (*COMPONENTS, "console")  # and the web console, a client of the gateway's HTTP API only
SECRET_NAME = "estate-ops-secrets"
# each component's broker address, with its own RabbitMQ user (estate_common.broker_users)
AMQP_SECRETS = {name: f"estate-ops-amqp-{name}" for name in COMPONENTS}
AUTOSCALER_SECRET = "estate-ops-amqp-autoscaler"  # KEDA's (components/keda)
DEFINITIONS_SECRET = "estate-ops-rabbitmq-definitions"
GATEWAY_SECRET_KEYS = {"ESTATE_ADMIN_PASSWORD", "JWT_SECRET"}


# --- rendering helpers -------------------------------------------------------

def _kubectl():
    path = shutil.which("kubectl")
    if path is None:
        pytest.fail(
            "kubectl is required to render deploy/k8s overlays (kubectl kustomize); "
            "install it (it needs no cluster) and re-run",
            pytrace=False,
        )
    return path


@functools.lru_cache(maxsize=None)
def _k8s_copy():
    """deploy/k8s copied to a temporary directory, with the dev overlay's git-ignored
    secrets.env generated as ``make k8s-dev-secrets`` does (a developer's own file is
    left out, and nothing is written into the repository)."""
    root = Path(tempfile.mkdtemp(prefix="estate-k8s-")) / "k8s"
    shutil.copytree(K8S, root, ignore=shutil.ignore_patterns("*secrets.env", dev_secrets.DEFINITIONS_FILE))
    assert dev_secrets.write(root / "overlays" / "dev" / "secrets.env")
    return root


@functools.lru_cache(maxsize=None)
def _render_text(overlay):
    result = subprocess.run(
        [_kubectl(), "kustomize", str(_k8s_copy() / "overlays" / overlay)],
        capture_output=True, text=True, timeout=60,
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize overlays/{overlay} failed:\n{result.stderr}")
    return result.stdout


# libyaml's loader, as estate_common.contracts reads openapi.yaml: the same documents in a sixth of the
# time (pure Python's parse of an overlay was 0.1 s of CPU a test, most of this module's 11 s)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def render(overlay):
    """The overlay's objects, parsed anew for each caller (a test may change what it is given)."""
    return [doc for doc in yaml.load_all(_render_text(overlay), Loader=_LOADER) if doc]


def objects(docs, kind):
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def deployment(docs, name):
    deployments = objects(docs, "Deployment")
    assert name in deployments, f"no Deployment {name!r}; have {sorted(deployments)}"
    return deployments[name]


def container(dep):
    containers = dep["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{dep['metadata']['name']}: expected one container"
    return containers[0]


def secret_example_keys():
    """Keys the operator-supplied prod Secret must carry (documented in the example file)."""
    keys = set()
    for line in (K8S / "overlays" / "prod" / "secrets.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keys.add(line.split("=", 1)[0])
    return keys


def env_sources(docs, overlay, ctr):
    """Every environment variable name a container receives, resolved through
    envFrom and valueFrom against the rendered ConfigMaps/Secrets. In prod the
    Secret is supplied by the operator, so its keys come from secrets.env.example."""
    configmaps = objects(docs, "ConfigMap")
    secrets = objects(docs, "Secret")

    def keys_of(kind, name):
        rendered = (configmaps if kind == "configMap" else secrets).get(name)
        if rendered is not None:
            return set((rendered.get("data") or {}) | (rendered.get("stringData") or {}))
        assert kind == "secret" and overlay == "prod" and name in (SECRET_NAME, *AMQP_SECRETS.values()), (
            f"{ctr['name']} references {kind} {name!r}, which the {overlay} overlay does not render"
        )
        return secret_example_keys() if name == SECRET_NAME else {"AMQP_URI"}

    names = set()
    for source in ctr.get("envFrom", []):
        if "configMapRef" in source:
            names |= keys_of("configMap", source["configMapRef"]["name"])
        if "secretRef" in source:
            names |= keys_of("secret", source["secretRef"]["name"])
    for var in ctr.get("env", []):
        ref = var.get("valueFrom", {})
        for kind in ("configMap", "secret"):
            key_ref = ref.get(f"{kind}KeyRef")
            if key_ref:
                assert key_ref["key"] in keys_of(kind, key_ref["name"]), (
                    f"{ctr['name']}: {var['name']} reads missing key {key_ref['key']!r} of {key_ref['name']}"
                )
        names.add(var["name"])
    return names


def env_value(ctr, name):
    for var in ctr.get("env", []):
        if var["name"] == name:
            return var.get("value")
    return None


# --- Kubernetes ----------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", DEPLOYABLES)
def test_deployment_is_probed_bounded_and_hardened(overlay, name):
    docs = render(overlay)
    dep = deployment(docs, name)
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == name
    assert labels["app.kubernetes.io/part-of"] == "estate-ops"
    assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()

    pod = dep["spec"]["template"]["spec"]
    ctr = container(dep)

    assert "readinessProbe" in ctr and "livenessProbe" in ctr, f"{name}: probes missing"
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(ctr["resources"][kind]), f"{name}: resources.{kind}"

    pod_sc, ctr_sc = pod.get("securityContext", {}), ctr.get("securityContext", {})
    assert ctr_sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True
    assert ctr_sc.get("runAsUser", pod_sc.get("runAsUser")) == 10001
    assert ctr_sc["readOnlyRootFilesystem"] is True
    assert ctr_sc["allowPrivilegeEscalation"] is False
    assert ctr_sc["capabilities"]["drop"] == ["ALL"]

    # /tmp is writable (heartbeat files, gunicorn worker files) despite the read-only root.
    tmp_mounts = [m["name"] for m in ctr.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
    assert tmp_mounts, f"{name}: no volume at /tmp"
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    assert "emptyDir" in volumes[tmp_mounts[0]]

    accounts = objects(docs, "ServiceAccount")
    assert pod["serviceAccountName"] == name and name in accounts
    assert accounts[name]["automountServiceAccountToken"] is False
    assert pod["automountServiceAccountToken"] is False


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_service_probes_use_estate_common_probe(overlay, service):
    ctr = container(deployment(render(overlay), SERVICES[service]))
    probe = ["python", "-m", "estate_common.probe"]
    assert ctr["readinessProbe"]["exec"]["command"] == [*probe, "ready", service]
    assert ctr["livenessProbe"]["exec"]["command"] == [*probe, "alive", service]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_probes_and_service_reach_port_8080(overlay):
    docs = render(overlay)
    dep = deployment(docs, "gateway")
    ctr = container(dep)
    ports = {p.get("name"): p["containerPort"] for p in ctr["ports"]}
    assert 8080 in ports.values()

    def resolve(port):
        return ports.get(port, port) if isinstance(port, str) else port

    assert ctr["readinessProbe"]["httpGet"]["path"] == "/readyz?scope=gateway"  # its own store and broker, no service
    # and so does its startup: asking every service kept new pods from starting while one was down
    assert ctr["startupProbe"]["httpGet"]["path"] == "/readyz?scope=gateway"
    assert ctr["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert resolve(ctr["readinessProbe"]["httpGet"]["port"]) == 8080
    assert resolve(ctr["livenessProbe"]["httpGet"]["port"]) == 8080
    assert env_value(ctr, "GATEWAY_HOST") == "0.0.0.0"

    services = objects(docs, "Service")
    assert set(services) == {"gateway", "console"}, "only the gateway and the console take traffic through a Service"
    svc = services["gateway"]
    assert svc["spec"]["selector"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    (port,) = svc["spec"]["ports"]
    assert port["port"] == 80
    assert resolve(port["targetPort"]) == 8080


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", DEPLOYABLES)
def test_every_deployment_spreads_its_pods_over_nodes_and_zones(overlay, name):
    """Softly (ScheduleAnyway: a one-node dev cluster still schedules), over its own pods. The
    console spread over nodes only: prod's two replicas could share a zone and go with it (found
    by a deploy review)."""
    dep = deployment(render(overlay), name)
    labels = dep["spec"]["template"]["metadata"]["labels"]
    spreads = {c["topologyKey"]: c for c in dep["spec"]["template"]["spec"].get("topologySpreadConstraints", [])}
    assert set(spreads) == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}, name
    for constraint in spreads.values():
        assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
        assert constraint["labelSelector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"]
        assert constraint["labelSelector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_an_hpa_and_a_pdb(overlay):
    docs = render(overlay)
    deployments = objects(docs, "Deployment")
    assert set(deployments) == set(DEPLOYABLES)
    hpas = [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    assert all(h["apiVersion"] == "autoscaling/v2" for h in hpas)
    targets = {h["spec"]["scaleTargetRef"]["name"]: h for h in hpas
               if h["spec"]["scaleTargetRef"]["kind"] == "Deployment"}
    assert set(targets) == set(DEPLOYABLES)
    for name, hpa in targets.items():
        assert "replicas" not in deployments[name]["spec"], f"{name}: the HPA owns replicas"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"]["type"] == "Utilization"

    pdb_selectors = [p["spec"]["selector"]["matchLabels"]
                     for p in docs if p["kind"] == "PodDisruptionBudget"]
    for name, dep in deployments.items():
        pod_labels = dep["spec"]["template"]["metadata"]["labels"]
        matching = [s for s in pdb_selectors if s.items() <= pod_labels.items()]
        assert len(matching) == 1, f"{name}: expected exactly one PodDisruptionBudget"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_environment_broker_store_and_distinct_databases(overlay):
    docs = render(overlay)
    databases = {}
    for name in COMPONENTS:
        ctr = container(deployment(docs, name))
        names = env_sources(docs, overlay, ctr)
        assert {"AMQP_URI", "MONGO_URI", "RPC_TIMEOUT", "LOG_LEVEL"} <= names, name
        assert "EVENT_QUEUE_TYPE" not in names, f"{name}: a deployment's event queues are quorum queues"
        databases[name] = env_value(ctr, "MONGO_DB")
        if name == "gateway":
            assert GATEWAY_SECRET_KEYS <= names
        else:
            assert not GATEWAY_SECRET_KEYS & names, f"{name} must not see gateway secrets"
    for service, name in SERVICES.items():
        assert databases[name] == f"estate_{service}"
    assert databases["gateway"] == "estate_gateway"
    assert len(set(databases.values())) == len(databases)
    # the console logs at the deployment's level too (dev's DEBUG did not reach it: found by review)
    assert "LOG_LEVEL" in env_sources(docs, overlay, container(deployment(docs, "console")))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_console_reaches_only_the_gateway_over_http(overlay):
    docs = render(overlay)
    dep = deployment(docs, "console")
    ctr = container(dep)
    names = env_sources(docs, overlay, ctr)
    assert env_value(ctr, "GATEWAY_URL") == "http://gateway"
    assert "CONSOLE_SECRET_KEY" in names
    assert not {"AMQP_URI", "MONGO_URI", *GATEWAY_SECRET_KEYS} & names, "the console holds no broker, store or JWT"
    ports = {p.get("name"): p["containerPort"] for p in ctr["ports"]}
    assert ports == {"http": 8081}
    assert ctr["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert ctr["readinessProbe"]["httpGet"]["port"] == "http"
    svc = objects(docs, "Service")["console"]
    assert svc["spec"]["selector"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    policies = [p for p in docs if p["kind"] == "NetworkPolicy"
                and (p["spec"]["podSelector"].get("matchLabels") or {}).get("app.kubernetes.io/name") == "console"]
    assert [port["port"] for policy in policies for rule in policy["spec"]["ingress"] for port in rule["ports"]] == [8081]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_consoles_session_cookie_is_secure_and_its_proxy_trusted(overlay):
    env = {e["name"]: e.get("value") for e in container(deployment(render(overlay), "console")).get("env", [])}
    assert env["CONSOLE_SECURE_COOKIES"] == "1" and env["TRUSTED_PROXIES"] == "1"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_with_a_store_must_run_on_mongodb(overlay):
    """A blank MONGO_URI in the Secret ran each replica on an in-memory store of its own, losing
    everything at a restart with every probe passing: ESTATE_STORE=mongodb makes it a refusal to
    start (estate_common.secrets_policy.check_store; found by a deploy review)."""
    docs = render(overlay)
    [data] = [doc["data"] for name, doc in objects(docs, "ConfigMap").items() if name.startswith("estate-ops-config")]
    assert data["ESTATE_STORE"] == "mongodb"
    for name in (*SERVICES.values(), "gateway"):
        assert "ESTATE_STORE" in env_sources(docs, overlay, container(deployment(docs, name))), name


TEST_ONLY_HASHING = ("ESTATE_PASSWORD_HASHING", "fast-insecure-for-tests")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_deployment_hashes_passwords_the_test_suites_way(overlay):
    """ESTATE_PASSWORD_HASHING=fast-insecure-for-tests (Argon2id at 64 KiB, gateway/passwords.py)
    is the test suite's systems' only: no container of a rendered overlay receives it."""
    docs = render(overlay)
    for name in DEPLOYABLES:
        assert TEST_ONLY_HASHING[0] not in env_sources(docs, overlay, container(deployment(docs, name))), name
    assert not any(word in _render_text(overlay) for word in TEST_ONLY_HASHING)


def test_no_manifest_compose_file_or_image_names_the_test_suites_password_hashing():
    """Not in deploy/ (Kubernetes, its overlays and examples, the images), docker-compose.yml or a
    Dockerfile, in any form: the setting, nor its value."""
    files = [path for path in (REPO / "deploy").rglob("*") if path.is_file()]
    files += [REPO / "docker-compose.yml", *REPO.glob("*/Dockerfile"), *REPO.glob("services/*/Dockerfile")]
    assert REPO / "deploy" / "k8s" / "base" / "gateway.yaml" in files and REPO / "gateway" / "Dockerfile" in files
    for path in files:
        text = path.read_text(errors="replace")
        assert not any(word in text for word in TEST_ONLY_HASHING), path.relative_to(REPO)
    for name, service in compose()["services"].items():
        assert TEST_ONLY_HASHING[0] not in (service.get("environment") or {}), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_public_addresses_reach_the_gateway_and_the_console(overlay):
    """The gateway draws the owner portal's QR codes to PORTAL_BASE_URL and the console links a
    published disclosure to PUBLIC_GATEWAY_URL: unset, both named 127.0.0.1 (or an empty host)
    in production. Prod names HTTPS addresses of its own."""
    docs = render(overlay)
    config = objects(docs, "ConfigMap")
    [data] = [doc["data"] for name, doc in config.items() if name.startswith("estate-ops-config")]
    gateway = container(deployment(docs, "gateway"))
    assert "PORTAL_BASE_URL" in env_sources(docs, overlay, gateway) and env_value(gateway, "PORTAL_BASE_URL") is None
    console = container(deployment(docs, "console"))
    [public] = [e for e in console["env"] if e["name"] == "PUBLIC_GATEWAY_URL"]
    assert public["valueFrom"]["configMapKeyRef"]["key"] == "PUBLIC_GATEWAY_URL"
    assert public["valueFrom"]["configMapKeyRef"]["name"] in config
    if overlay == "prod":
        for key in ("PORTAL_BASE_URL", "PUBLIC_GATEWAY_URL"):
            assert data[key].startswith("https://") and "127.0.0.1" not in data[key], (key, data[key])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_and_services_share_the_bus_signing_key_and_the_console_does_not(overlay):
    docs = render(overlay)
    for name in COMPONENTS:
        ctr = container(deployment(docs, name))
        assert "BUS_SIGNING_KEY" in env_sources(docs, overlay, ctr), f"{name}: no BUS_SIGNING_KEY"
    assert "BUS_SIGNING_KEY" not in env_sources(docs, overlay, container(deployment(docs, "console")))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_component_reads_the_broker_address_of_its_own_user(overlay):
    docs = render(overlay)
    for name in COMPONENTS:
        (var,) = [v for v in container(deployment(docs, name))["env"] if v["name"] == "AMQP_URI"]
        ref = var["valueFrom"]["secretKeyRef"]
        assert ref["key"] == "AMQP_URI" and ref["name"].startswith(AMQP_SECRETS[name]), name
        if overlay == "prod":
            assert ref["name"] == AMQP_SECRETS[name]


def test_the_dev_bus_signing_key_is_one_the_services_accept():
    import base64

    from estate_common import bus_auth
    (dev_secret,) = [d for d in render("dev") if d["kind"] == "Secret" and d["metadata"]["name"].startswith(
        SECRET_NAME)]
    bus_auth.check_key(base64.b64decode(dev_secret["data"]["BUS_SIGNING_KEY"]).decode())


def test_compose_requires_the_bus_signing_key_for_gateway_and_services():
    services = compose()["services"]
    for name in COMPONENTS:
        assert services[name]["environment"]["BUS_SIGNING_KEY"].startswith("${BUS_SIGNING_KEY:?"), name
    assert "BUS_SIGNING_KEY" not in services["console"]["environment"]


def test_dev_generates_its_secret_and_prod_leaves_it_to_the_operator():
    generated = {re.sub(r"-[a-z0-9]{10}$", "", s["metadata"]["name"]): s for s in render("dev") if s["kind"] == "Secret"}
    assert set(generated) == {SECRET_NAME, DEFINITIONS_SECRET, AUTOSCALER_SECRET, *AMQP_SECRETS.values()}
    assert set(generated[SECRET_NAME]["data"]) == secret_example_keys()
    assert all(set(generated[name]["data"]) == {"AMQP_URI"} for name in (*AMQP_SECRETS.values(), AUTOSCALER_SECRET))
    assert set(generated[DEFINITIONS_SECRET]["data"]) == {"definitions.json"}
    assert not [d for d in render("prod") if d["kind"] == "Secret"], (
        "prod must not render a Secret: real credentials are supplied out of band"
    )


def test_dev_secrets_come_from_a_git_ignored_file_and_pass_the_policy():
    kustomization = yaml.safe_load((K8S / "overlays" / "dev" / "kustomization.yaml").read_text())
    generators = {g["name"]: g for g in kustomization["secretGenerator"]}
    assert set(generators) == {SECRET_NAME, DEFINITIONS_SECRET, AUTOSCALER_SECRET, *AMQP_SECRETS.values()}
    assert all(not g.get("literals") for g in generators.values()), "the dev overlay must not commit credentials"
    assert generators[SECRET_NAME]["envs"] == ["secrets.env"]
    files = ["secrets.env", dev_secrets.DEFINITIONS_FILE, dev_secrets.ADMIN_FILE]
    secret_of = {**{c: AMQP_SECRETS[SERVICES.get(c, c)] for c in broker_users.COMPONENTS},
                 broker_users.AUTOSCALER: AUTOSCALER_SECRET}
    for component, name in secret_of.items():
        assert generators[name]["envs"] == [dev_secrets.amqp_file(component)]
        files.append(dev_secrets.amqp_file(component))
    for file in files:
        ignored = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", f"deploy/k8s/overlays/dev/{file}"])
        assert ignored.returncode == 0, f"deploy/k8s/overlays/dev/{file} must be git-ignored"
    rendered = [s for s in render("dev") if s["kind"] == "Secret"]
    # the broker (outside these manifests) mounts the definitions by their documented name: no hash
    assert DEFINITIONS_SECRET in {s["metadata"]["name"] for s in rendered}
    secrets = {re.sub(r"-[a-z0-9]{10}$", "", s["metadata"]["name"]): {k: base64.b64decode(v).decode()
                                                                     for k, v in s["data"].items()}
               for s in rendered}
    data = secrets[SECRET_NAME]
    gateway_uri = secrets[AMQP_SECRETS["gateway"]]["AMQP_URI"]
    secrets_policy.check_gateway({"jwt_secret": data["JWT_SECRET"], "admin_password": data["ESTATE_ADMIN_PASSWORD"],
                                  "amqp_uri": gateway_uri})
    # each component's URI names its own user, whose password the definitions hash
    definitions = json.loads(secrets[DEFINITIONS_SECRET]["definitions.json"])
    hashes = {u["name"]: u["password_hash"] for u in definitions["users"]}
    for component in broker_users.USERS:
        uri = urllib.parse.urlsplit(secrets[secret_of[component]]["AMQP_URI"])
        secrets_policy.check_service(uri.geturl())
        assert uri.username == broker_users.user_name(component)
        salt = base64.b64decode(hashes[uri.username])[:4]
        assert broker_users.password_hash(uri.password, salt) == hashes[uri.username]


def test_dev_secrets_script_keeps_an_existing_file(tmp_path):
    path = tmp_path / "secrets.env"
    assert dev_secrets.write(path) is True
    first = path.read_text()
    assert dev_secrets.write(path) is False and path.read_text() == first
    assert dev_secrets.write(path, force=True) is True and path.read_text() != first
    assert path.stat().st_mode & 0o077 == 0, "secrets.env must be readable by its owner only"


def test_prod_runs_at_least_two_of_everything():
    for hpa in (d for d in render("prod") if d["kind"] == "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] >= 2, hpa["metadata"]["name"]
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]


def test_prod_images_are_pinned_and_dev_uses_compose_tags():
    for overlay in OVERLAYS:
        for dep in objects(render(overlay), "Deployment").values():
            image = container(dep)["image"]
            name = dep["metadata"]["name"]
            assert image.split("@")[0].rsplit(":", 1)[0].endswith(f"estate-ops/{name}")
            if overlay == "prod":
                # never a bare name Docker Hub would answer: a placeholder registry until CI sets it
                assert image.startswith("registry.invalid/estate-ops/"), image
                tag = re.search(r":([^/:@]+)(@|$)", image)
                assert "@sha256:" in image or (tag and tag.group(1) != "latest"), (
                    f"prod image {image!r} is not pinned"
                )
            else:
                assert image == f"estate-ops/{name}:dev"


def test_prod_resources_exceed_dev():
    def cpu_millis(value):
        value = str(value)
        return int(value[:-1]) if value.endswith("m") else int(float(value) * 1000)

    dev, prod = objects(render("dev"), "Deployment"), objects(render("prod"), "Deployment")
    for name in DEPLOYABLES:
        dev_res, prod_res = container(dev[name])["resources"], container(prod[name])["resources"]
        assert cpu_millis(prod_res["limits"]["cpu"]) > cpu_millis(dev_res["limits"]["cpu"]), name
        assert cpu_millis(prod_res["requests"]["cpu"]) > cpu_millis(dev_res["requests"]["cpu"]), name


# --- docker compose and Dockerfiles ---------------------------------------------

def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def dockerfile_instructions(path):
    """(INSTRUCTION, argument) pairs, comments dropped and continuations joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, argument = line.partition(" ")
            pairs.append((instruction.upper(), argument.strip()))
    return pairs


def test_compose_declares_every_part_with_a_healthcheck():
    services = compose()["services"]
    expected = {"rabbitmq", "mongo", *SERVICES.values(), "gateway", "console"}
    assert expected <= set(services)
    for name in expected:
        test = services[name].get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name}: no healthcheck"

    for service, name in SERVICES.items():
        svc = services[name]
        assert svc["build"]["context"] == "."
        assert svc["build"]["dockerfile"] == f"services/{service}/Dockerfile"
        assert svc["healthcheck"]["test"] == ["CMD", "python", "-m", "estate_common.probe", "ready", service]
        assert {"AMQP_URI", "MONGO_URI"} <= set(svc["environment"])
        assert svc["environment"]["ESTATE_STORE"] == "mongodb"  # an empty MONGO_URI refused at start
        for dependency in ("rabbitmq", "mongo"):
            assert svc["depends_on"][dependency]["condition"] == "service_healthy"

    console = services["console"]
    assert console["build"]["dockerfile"] == "console/Dockerfile"
    assert console["environment"]["GATEWAY_URL"] == "http://gateway:8080"
    assert not {"AMQP_URI", "MONGO_URI", "JWT_SECRET"} & set(console["environment"])
    assert console["depends_on"]["gateway"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(console["healthcheck"]["test"])
    # every part logs at the level compose is given (LOG_LEVEL=DEBUG did not reach the console, as
    # it once did not in Kubernetes: found by a deploy review)
    for name in (*SERVICES.values(), "gateway", "console"):
        assert services[name]["environment"]["LOG_LEVEL"] == "${LOG_LEVEL:-INFO}", name

    gateway = services["gateway"]
    assert gateway["ports"] == ["127.0.0.1:8080:8080"]
    assert gateway["environment"]["GATEWAY_HOST"] == "0.0.0.0"
    assert gateway["environment"]["ESTATE_ADMIN_PASSWORD"].startswith("${ESTATE_ADMIN_PASSWORD:?")
    assert gateway["environment"]["JWT_SECRET"].startswith("${JWT_SECRET:?")
    assert "${RABBITMQ_PASSWORD_GATEWAY:?" in gateway["environment"]["AMQP_URI"]
    assert "/readyz" in " ".join(gateway["healthcheck"]["test"])
    for name in SERVICES.values():
        assert gateway["depends_on"][name]["condition"] == "service_healthy"


def test_compose_gives_each_component_its_own_broker_user_from_the_definitions():
    services = compose()["services"]
    for component in broker_users.COMPONENTS:
        name = SERVICES.get(component, component)
        uri = services[name]["environment"]["AMQP_URI"]
        variable = broker_users.password_env(component)
        assert uri == f"amqp://{broker_users.user_name(component)}:${{{variable}:?set {variable} " \
                      "(see the top of docker-compose.yml)}@rabbitmq:5672/", name
    assert "AMQP_URI" not in services["console"]["environment"]

    definitions = services["broker-definitions"]
    assert definitions["command"][:3] == ["python", "-m", "estate_common.broker_users"]
    assert definitions["network_mode"] == "none"
    for component in broker_users.COMPONENTS:
        assert definitions["environment"][broker_users.password_env(component)].startswith(
            f"${{{broker_users.password_env(component)}:?")
    assert definitions["environment"]["RABBITMQ_PASSWORD"].startswith("${RABBITMQ_PASSWORD:?")
    out = definitions["command"][definitions["command"].index("--out") + 1]
    (volume,) = [v for v in definitions["volumes"] if out.startswith(v.split(":")[1] + "/")]

    rabbitmq = services["rabbitmq"]
    assert "environment" not in rabbitmq, "users come from the definitions, not RABBITMQ_DEFAULT_*"
    assert rabbitmq["depends_on"]["broker-definitions"]["condition"] == "service_completed_successfully"
    mounts = {v.split(":")[1]: v.split(":")[0] for v in rabbitmq["volumes"]}
    conf = REPO / mounts["/etc/rabbitmq/conf.d/20-estate-ops.conf"]
    loaded = re.search(r"^load_definitions\s*=\s*(\S+)$", conf.read_text(), re.M).group(1)
    (directory,) = [d for d in mounts if loaded.startswith(d + "/")]
    assert mounts[directory] == volume.split(":")[0]
    assert loaded[len(directory):] == out[len(volume.split(":")[1]):]


def _seconds(duration):
    """A compose duration (``45s``, ``1m30s``) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([hms])", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(int(n) * units[u] for n, u in parts)


def test_compose_stops_each_part_as_gently_as_kubernetes_does():
    """On SIGTERM a service lets its running workers finish and hands a job back at its next
    progress report; Docker's default wait of 10 s killed them midway at every recreate (a job's
    attempt counted), where Kubernetes waits 45 s (found by a deploy review)."""
    services = compose()["services"]
    pods = objects(render("prod"), "Deployment")
    for name in DEPLOYABLES:
        grace = pods[name]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert "stop_grace_period" in services[name], name
        assert _seconds(services[name]["stop_grace_period"]) == grace, name


def test_compose_publishes_ports_on_loopback_only():
    for name, svc in compose()["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_compose_builds_the_base_image_before_the_services():
    services = compose()["services"]
    assert services["base"]["build"]["dockerfile"] == "deploy/docker/base.Dockerfile"
    for name in SERVICES.values():
        build = services[name]["build"]
        context_name = build["args"]["BASE_IMAGE"]
        assert build["additional_contexts"][context_name] == "service:base"


@pytest.mark.parametrize("service", SERVICES)
def test_service_dockerfile_runs_its_own_package(service):
    path = REPO / "services" / service / "Dockerfile"
    assert path.is_file(), f"missing {path.relative_to(REPO)}"
    steps = dockerfile_instructions(path)
    assert steps[0] == ("ARG", "BASE_IMAGE=estate-ops/base:latest")
    assert steps[1] == ("FROM", "${BASE_IMAGE}")
    copies = [arg.split() for instr, arg in steps if instr == "COPY"]
    assert copies == [[f"services/{service}", f"/app/services/{service}"]], "copy only this service"
    assert ("WORKDIR", f"/app/services/{service}") in steps
    assert [arg for instr, arg in steps if instr == "USER"][-1] == "10001"
    cmd = json.loads([arg for instr, arg in steps if instr == "CMD"][-1])
    # run the service class by name: the module also imports mixin classes nameko would take for services
    assert cmd == ["python", "-m", "estate_common.serve", "--config", "config.yml", topology.SERVICES[service]]
    assert (REPO / "services" / service / "config.yml").is_file()


def _modules_named(node):
    """The modules an import statement names (``from estate_common import module`` names
    ``estate_common.module``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom) or not node.module:
        return []
    if node.module == "estate_common":  # the package: what it imports from it are its modules
        return [f"estate_common.{alias.name}" for alias in node.names]
    return [node.module]


def test_console_dockerfile_is_non_root_and_runs_the_console():
    steps = dockerfile_instructions(REPO / "console" / "Dockerfile")
    assert steps[0] == ("FROM", "python:3.11-slim")
    assert [arg for instr, arg in steps if instr == "USER"][-1] == "10001"
    assert ("EXPOSE", "8081") in steps
    copied = [arg.split()[0] for instr, arg in steps if instr == "COPY"]
    assert not [path for path in copied if path.startswith(("services", "contracts"))], \
        "the console ships without the services' code"
    # of the shared library, the console uses its gunicorn worker, the personal-number redaction
    # of its log lines and the reading of an address typed (the desk's household picker reads
    # 3号楼-2单元-1201室 as the API does) and the words of the API's fields and codes, which exports
    # in a language write too (estate_common.labels), and the cyclic collector's freeze of a worker's
    # start-up heap (estate_common.collector), an estate's calendar (its zone and a period's months:
    # estate_common.calendar), who dispatches an order (estate_common.roles) and a bill's payers as the API
    # spells them (estate_common.bill_payers) alone: a client of the public API, whose image installs
    # estate_common without its dependencies
    # the console's code and its gunicorn settings, which the image's CMD loads in every worker (the
    # collector's freeze, post_worker_init: unseen here while only the package was read)
    sources = [*(REPO / "console" / "console").rglob("*.py"), REPO / "console" / "gunicorn.conf.py"]
    imported = {name for source in sources
                for node in ast.walk(ast.parse(source.read_text()))
                for name in _modules_named(node)}
    shared = {name for name in imported if name.startswith("estate_common")}
    assert shared == {"estate_common.bill_payers", "estate_common.calendar", "estate_common.collector",
                      "estate_common.http_worker", "estate_common.labels", "estate_common.personal_numbers",
                      "estate_common.roles",
                      "estate_common.text"}
    # and each of them, followed through the shared library, imports nothing the console's image
    # lacks: the standard library and the console's own pins (requirements/console.in) only
    pinned = {re.split(r"[=<>~\[ ]", line, maxsplit=1)[0].lower()
              for line in (REPO / "requirements" / "console.in").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    seen, todo = set(), sorted(shared)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        tree = ast.parse((REPO / "libs" / "estate_common" / (module.replace(".", "/") + ".py")).read_text())
        for node in ast.walk(tree):
            names = _modules_named(node)
            if isinstance(node, ast.ImportFrom) and node.level:  # from . import config
                names = [f"estate_common.{alias.name}" if not node.module else f"estate_common.{node.module}"
                         for alias in node.names]
            for name in names:
                top = name.split(".")[0]
                if top == "estate_common":
                    todo.append(name)
                else:
                    assert top in sys.stdlib_module_names or top.lower() in pinned, (
                        f"{module} imports {name}, which the console's image does not install")
    cmd = json.loads([arg for instr, arg in steps if instr == "CMD"][-1])
    assert cmd[0] == "gunicorn" and cmd[-1] == "console.app:create_app()"


@pytest.mark.parametrize("path", ["deploy/docker/base.Dockerfile", "gateway/Dockerfile"])
def test_shared_dockerfiles_are_non_root_and_set_the_contracts_dir(path):
    steps = dockerfile_instructions(REPO / path)
    assert steps[0] == ("FROM", "python:3.11-slim")
    assert [arg for instr, arg in steps if instr == "USER"][-1] == "10001"
    envs = " ".join(arg for instr, arg in steps if instr == "ENV")
    assert "ESTATE_CONTRACTS_DIR=/app/contracts" in envs
    assert ("COPY", "contracts contracts") in steps
    if path.startswith("gateway"):
        assert ("EXPOSE", "8080") in steps
        cmd = json.loads([arg for instr, arg in steps if instr == "CMD"][-1])
        assert cmd[0] == "gunicorn" and cmd[-1] == "gateway.app:create_app()"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("name", COMPONENTS)
def test_every_pod_asks_to_be_scraped_on_a_port_it_serves_metrics_on(overlay, name):
    docs = render(overlay)
    dep = deployment(docs, name)
    annotations = dep["spec"]["template"]["metadata"].get("annotations", {})
    assert annotations.get("prometheus.io/scrape") == "true", name
    assert annotations.get("prometheus.io/path") == "/metrics", name
    port = int(annotations["prometheus.io/port"])
    ctr = container(dep)
    assert port in {p["containerPort"] for p in ctr.get("ports", [])}, f"{name}: {port} is not a container port"
    if name == "gateway":
        assert port == 8080  # GET /metrics on the gateway's own port
        return
    assert env_value(ctr, "METRICS_PORT") == str(port)
    assert env_value(ctr, "METRICS_HOST") == "0.0.0.0"  # else only the pod itself could scrape it
    # the services' NetworkPolicy lets the scrapers (and only them) reach that port
    policies = [p for p in docs if p["kind"] == "NetworkPolicy"
                and _selects(p["spec"]["podSelector"], dep["spec"]["template"]["metadata"]["labels"])]
    allowed = {(port_rule["port"]) for policy in policies for rule in policy["spec"].get("ingress", [])
               for port_rule in rule.get("ports", [])}
    assert allowed == {port}, f"{name}: ingress allowed on {allowed}"
    assert all(rule.get("from") for policy in policies for rule in policy["spec"].get("ingress", []))


# --- schemas -------------------------------------------------------------------------

# The oldest and the newest Kubernetes minor this repository deploys to.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")


@pytest.fixture(scope="module")
def kubernetes_validate():
    """The package, with its schema files parsed once per run instead of once per object (the
    parse is nearly all of its time)."""
    import kubernetes_validate
    from kubernetes_validate import utils
    parse = utils.schema_contents
    utils.schema_contents = functools.lru_cache(maxsize=None)(parse)
    try:
        yield kubernetes_validate
    finally:
        utils.schema_contents = parse


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid_against_the_kubernetes_schemas(overlay, kubernetes_validate):

    problems = []
    for doc in render(overlay):
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)  # strict: unknown fields too
            except kubernetes_validate.SchemaNotFoundError:
                group = doc["apiVersion"].rpartition("/")[0]
                # only a custom resource (an add-on's CRD) may lack a schema here
                assert group and not group.endswith("k8s.io"), f"{doc['kind']} {doc['apiVersion']}: no schema"
            except kubernetes_validate.ValidationError as error:
                problems.append(f"{doc['kind']}/{doc['metadata']['name']} (Kubernetes {version}): {error}")
    assert not problems, "\n".join(problems)


# --- network policies, evaluated ------------------------------------------------------

def _selects(selector, labels):
    def holds(expression):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", ())
        return {"In": lambda: labels.get(key) in values, "NotIn": lambda: labels.get(key) not in values,
                "Exists": lambda: key in labels, "DoesNotExist": lambda: key not in labels}[operator]()
    return ((selector.get("matchLabels") or {}).items() <= labels.items()
            and all(holds(e) for e in selector.get("matchExpressions") or ()))


class Pod:
    """A peer: labelled pods in a namespace, with a (cluster-private) address; the internet and
    outside hosts have no labels, only an address."""

    def __init__(self, labels, namespace, address="10.1.2.3"):
        self.labels, self.namespace, self.address = labels, namespace, address


def _in_block(block, address):
    import ipaddress
    ip = ipaddress.ip_address(address)
    network = ipaddress.ip_network(block["cidr"])
    return (ip.version == network.version and ip in network
            and not any(ip in ipaddress.ip_network(e) for e in block.get("except", ())
                        if ipaddress.ip_network(e).version == ip.version))


def _peer_matches(peer, policy_namespace, pod):
    if "ipBlock" in peer:
        return _in_block(peer["ipBlock"], pod.address)
    if pod.labels is None:  # the internet: no namespace, no labels
        return False
    namespace_selector = peer.get("namespaceSelector")
    if namespace_selector is None:
        if pod.namespace != policy_namespace:
            return False
    elif not _selects(namespace_selector, {"kubernetes.io/metadata.name": pod.namespace}):
        return False
    return "podSelector" not in peer or _selects(peer["podSelector"], pod.labels)


def _side_allows(docs, pod, direction, peer, port, protocol):
    """Whether the policies selecting ``pod`` let ``direction`` traffic with ``peer`` through."""
    key = {"Ingress": "from", "Egress": "to"}[direction]
    policies = [p for p in docs if p["kind"] == "NetworkPolicy" and pod.labels is not None
                and p["metadata"].get("namespace") == pod.namespace
                and direction in p["spec"].get("policyTypes", ["Ingress"])
                and _selects(p["spec"]["podSelector"], pod.labels)]
    if not policies:
        return True  # a pod no policy selects (the broker's, the cluster's) is not restricted here
    for policy in policies:
        for rule in policy["spec"].get(direction.lower(), []):
            peers = rule.get(key)
            ports = rule.get("ports")
            if peers and not any(_peer_matches(p, pod.namespace, peer) for p in peers):
                continue
            if ports and not any(p.get("port") == port and p.get("protocol", "TCP") == protocol for p in ports):
                continue
            return True
    return False


def _reaches(docs, source, target, port, protocol="TCP"):
    return (_side_allows(docs, source, "Egress", target, port, protocol)
            and _side_allows(docs, target, "Ingress", source, port, protocol))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_let_each_part_reach_only_what_it_needs(overlay):
    docs = render(overlay)
    namespace = deployment(docs, "gateway")["metadata"]["namespace"]
    pods = {name: Pod(deployment(docs, name)["spec"]["template"]["metadata"]["labels"], namespace)
            for name in DEPLOYABLES}
    rabbitmq = Pod({"app.kubernetes.io/name": "rabbitmq"}, "messaging")
    mongo = Pod({"app.kubernetes.io/name": "mongo"}, "data")
    dns = Pod({"k8s-app": "kube-dns"}, "kube-system")
    ingress = Pod({"app.kubernetes.io/name": "ingress-nginx"}, "ingress-nginx")
    prometheus = Pod({"app.kubernetes.io/name": "prometheus"}, "monitoring")
    stranger = Pod({"app": "anything"}, "default")
    neighbour = Pod({"app": "anything"}, namespace)  # another workload in estate-ops' namespace
    internet = Pod(None, None, "93.184.215.14")
    internet6 = Pod(None, None, "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    outside_private = [Pod(None, None, a) for a in ("169.254.169.254", "10.0.0.1", "192.168.1.1", "172.16.0.1",
                                                     "127.0.0.1", "100.64.0.1", "fd00::1", "fe80::1", "::1",
                                                     "::ffff:10.0.0.1")]

    for name in (*SERVICES.values(), "gateway"):
        pod = pods[name]
        assert _reaches(docs, pod, rabbitmq, 5672) and _reaches(docs, pod, rabbitmq, 5671), name
        assert _reaches(docs, pod, mongo, 27017), name
        assert _reaches(docs, pod, dns, 53, "UDP") and _reaches(docs, pod, dns, 53), name
        if name in INTERNET_CLIENTS:  # webhooks: https to public addresses, nothing private, no other port
            assert _reaches(docs, pod, internet, 443) and _reaches(docs, pod, internet6, 443), name
            assert not _reaches(docs, pod, internet, 80) and not _reaches(docs, pod, internet, 8443), name
            for private in outside_private:
                assert not _reaches(docs, pod, private, 443), f"{name} reaches {private.address}"
        else:
            assert not _reaches(docs, pod, internet, 443), f"{name} reaches the internet"
        assert not _reaches(docs, pod, mongo, 5672) and not _reaches(docs, pod, stranger, 27017), name
        assert not _reaches(docs, pod, neighbour, 80), name
    collector = Pod({"app.kubernetes.io/name": "opentelemetry-collector"}, "monitoring")
    for name in (*SERVICES.values(), "gateway"):  # traces out once OTEL_EXPORTER_OTLP_ENDPOINT is set
        assert _reaches(docs, pods[name], collector, 4318) and not _reaches(docs, pods[name], collector, 4317), name
        assert not _reaches(docs, pods[name], collector, 9090), name
    assert not _reaches(docs, pods["console"], collector, 4318)
    for name in SERVICES.values():
        pod = pods[name]
        assert _reaches(docs, prometheus, pod, 9100), f"{name}: no scrape"
        for source in (ingress, stranger, neighbour, pods["gateway"], pods["console"]):
            assert not _reaches(docs, source, pod, 9100), f"{name} reachable from {source.labels}"
        assert not _reaches(docs, pod, pods["gateway"], 8080), f"{name} reaches the gateway"
        assert not _reaches(docs, pod, pods["archive" if name != "archive" else "finance"], 9100)

    gateway, console = pods["gateway"], pods["console"]
    for source in (ingress, console, prometheus):
        assert _reaches(docs, source, gateway, 8080), f"gateway unreachable from {source.labels}"
    for source in (stranger, neighbour, *(pods[n] for n in SERVICES.values())):
        assert not _reaches(docs, source, gateway, 8080), f"gateway reachable from {source.labels}"

    assert _reaches(docs, ingress, console, 8081)
    for source in (stranger, neighbour, prometheus, gateway):
        assert not _reaches(docs, source, console, 8081), f"console reachable from {source.labels}"
    assert _reaches(docs, console, gateway, 8080) and _reaches(docs, console, dns, 53, "UDP")
    for target, port in ((rabbitmq, 5672), (mongo, 27017), (internet, 443), (stranger, 8080),
                         (pods["maintenance"], 9100)):
        assert not _reaches(docs, console, target, port), f"console reaches {target.labels}:{port}"


# --- the KEDA component (deploy/k8s/components/keda): in no overlay by default ----------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_keda_component_scales_each_service_on_its_rpc_queue_and_cpu(overlay, tmp_path):
    """Rendered inside each overlay (as an operator would include it): one ScaledObject per
    service on its nameko RPC queue (rabbitmq scaler) and CPU, the broker URI from the overlay's
    Secret (through kustomize's renaming), and no second HPA on a service."""
    root = tmp_path / "k8s"
    shutil.copytree(_k8s_copy(), root)
    kustomization = root / "overlays" / overlay / "kustomization.yaml"
    assert "components/keda" not in kustomization.read_text()  # opt-in: KEDA must be installed
    kustomization.write_text(kustomization.read_text() + "\ncomponents:\n  - ../../components/keda\n")
    result = subprocess.run([_kubectl(), "kustomize", str(root / "overlays" / overlay)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    plain = render(overlay)
    namespace = deployment(plain, "gateway")["metadata"]["namespace"]

    scaled = objects(docs, "ScaledObject")
    assert set(scaled) == set(SERVICES.values())
    [auth] = objects(docs, "TriggerAuthentication").values()
    [secret_ref] = auth["spec"]["secretTargetRef"]
    # the broker user that only reads queue depths (estate_common.broker_users.AUTOSCALER)
    secret_names = {doc["metadata"]["name"] for doc in docs if doc["kind"] == "Secret"
                    and doc["metadata"]["name"].startswith(AUTOSCALER_SECRET)} or {AUTOSCALER_SECRET}
    assert secret_ref["parameter"] == "host" and secret_ref["key"] == "AMQP_URI"
    assert secret_ref["name"] in secret_names and auth["metadata"]["namespace"] == namespace
    for nameko_name, name in SERVICES.items():
        spec = scaled[name]["spec"]
        assert scaled[name]["metadata"]["namespace"] == namespace
        assert spec["scaleTargetRef"]["name"] == name and name in objects(docs, "Deployment")
        assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
        triggers = {t["type"]: t for t in spec["triggers"]}
        assert set(triggers) == {"rabbitmq", "cpu"}
        queue = triggers["rabbitmq"]
        assert queue["metadata"]["queueName"] == f"rpc-{nameko_name}"  # nameko's RPC queue of the service
        assert queue["metadata"]["mode"] == "QueueLength" and int(queue["metadata"]["value"]) > 0
        assert queue["authenticationRef"]["name"] == auth["metadata"]["name"]
    # KEDA makes the services' HPAs; the gateway and the console keep theirs
    assert set(objects(docs, "HorizontalPodAutoscaler")) == set(objects(plain, "HorizontalPodAutoscaler")) - set(
        SERVICES.values()) == {"gateway", "console"}


def _mebibytes(quantity):
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_service_that_writes_exports_has_its_temporary_files_on_disk_with_room(overlay):
    """An XLSX of 100,000 rows peaks near 100 MiB in the temp directory (openpyxl writes the
    sheet's XML, then the zip): a 64 MiB in-memory /tmp made such an export fail (found by
    review), and memory there counts against the container's limit."""
    exporters = [SERVICES[p.parent.name] for p in REPO.glob("services/*/*/exports.py")]
    assert len(exporters) >= 4
    docs = render(overlay)
    for name in exporters:
        pod = deployment(docs, name)["spec"]["template"]["spec"]
        [tmp] = [v for v in pod["volumes"] if v["name"] == "tmp"]
        assert tmp["emptyDir"].get("medium") != "Memory", name
        assert _mebibytes(tmp["emptyDir"]["sizeLimit"]) >= 512, name


# --- the Prometheus Operator component (deploy/k8s/components/prometheus-operator) ------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_pod_monitor_scrapes_every_metrics_port_under_the_labels_the_alerts_select(overlay, tmp_path):
    """The alerts and dashboards select job="estate-ops" and app_kubernetes_io_name, which the
    pods' annotations alone gave no Prometheus (found by review): the PodMonitor sets both, on
    each pod's metrics port (services) or HTTP port (the gateway), and leaves the console out."""
    root = tmp_path / "k8s"
    shutil.copytree(_k8s_copy(), root)
    kustomization = root / "overlays" / overlay / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "\ncomponents:\n  - ../../components/prometheus-operator\n")
    result = subprocess.run([_kubectl(), "kustomize", str(root / "overlays" / overlay)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    [monitor] = objects(docs, "PodMonitor").values()
    alerts = (REPO / "deploy" / "observability" / "alerts.yaml").read_text()
    assert 'job="estate-ops"' in alerts
    selector = monitor["spec"]["selector"]["matchExpressions"]
    for endpoint in monitor["spec"]["podMetricsEndpoints"]:
        relabel = {r["targetLabel"]: r for r in endpoint["relabelings"]}
        assert relabel["job"]["replacement"] == "estate-ops"
        assert relabel["app_kubernetes_io_name"]["sourceLabels"] == ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    scraped = {}
    for name, dep in objects(docs, "Deployment").items():
        labels = dep["spec"]["template"]["metadata"]["labels"]
        selected = all((labels.get(e["key"]) in e["values"]) == (e["operator"] == "In") for e in selector)
        ports = {p["name"] for p in container(dep)["ports"]}
        annotations = dep["spec"]["template"]["metadata"].get("annotations", {})
        wanted = annotations.get("prometheus.io/scrape") == "true"
        assert selected == wanted, name
        if selected:
            scraped[name] = [e["port"] for e in monitor["spec"]["podMetricsEndpoints"] if e["port"] in ports]
    assert scraped == {**{name: ["metrics"] for name in SERVICES.values()}, "gateway": ["http"]}


def test_the_dev_autoscalers_broker_address_resolves_from_kedas_namespace(tmp_path):
    """KEDA's scaler runs in the keda namespace: "rabbitmq" named nothing there (found by
    review). The dev overlay's autoscaler URI names the Service by its full name; the
    components, in their own namespace, keep the short one."""
    assert dev_secrets.write(tmp_path / "secrets.env")
    overlay = yaml.safe_load((K8S / "overlays" / "dev" / "kustomization.yaml").read_text())
    assert dev_secrets.DEV_NAMESPACE == overlay["namespace"]
    uri = (tmp_path / dev_secrets.amqp_file("autoscaler")).read_text()
    assert f"@rabbitmq.{overlay['namespace']}.svc.cluster.local:5672/" in uri
    assert "@rabbitmq:5672/" in (tmp_path / dev_secrets.amqp_file("gateway")).read_text()
