"""Offline checks of the Kubernetes deployment (deploy/k8s) and the Dockerfile.

Every overlay is rendered with `kubectl kustomize`, each rendered document is
validated against the Kubernetes OpenAPI schemas (PyPI `kubernetes-validate`,
strict: unknown fields fail), the operators' custom resources (no schema
offline) are checked field by field here, structural rules are asserted
(probes, resources, restricted security context, Services, PDBs, HPAs,
NetworkPolicies, production spreading), and `checkov` must report no failed
check beyond the ones listed with a reason in deploy/k8s/checkov-skips.yaml.

Plain pytest, no cluster, no network. Tools:
  kubectl   $KUBECTL, else `kubectl` on PATH (machine image: apt package kubectl)
  checkov   $CHECKOV_BIN, else .venv-tools/bin/checkov (separate venv: its
            dependencies clash with the runtime pins)
  kubernetes-validate   importable in the test interpreter
"""

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production", "example-province")
NAMESPACE = "senja"
IMAGE = "ghcr.io/senja-id/senja"

# Kubernetes versions whose schemas the rendered output must satisfy: the
# oldest one the README supports and the newest kubernetes-validate knows.
K8S_VERSIONS = ("1.29.0", "1.37.0")

# Custom resources of the RabbitMQ Cluster / Messaging Topology operators and
# the MongoDB Community operator: kubernetes-validate has no schema for them,
# so they are skipped there and checked by the tests below.
CRD_KINDS = {"RabbitmqCluster", "Vhost", "Policy", "User", "Permission", "MongoDBCommunity"}

COMPONENTS = {
    # component: (args, port, database)
    "gateway": (["gateway"], 8000, "senja_gateway"),
    "queue": (["services", "queue"], 8080, "senja_queue"),
    "permits": (["services", "permits"], 8080, "senja_permits"),
    "accessibility": (["services", "accessibility"], 8080, "senja_accessibility"),
    "survey": (["services", "survey"], 8080, "senja_survey"),
}
SERVICES = ("queue", "permits", "accessibility", "survey")

INSTALL_HINT = (
    "install the deploy test tools with:\n"
    "  .venv/bin/pip install kubernetes-validate==1.37.0\n"
    "  python3.11 -m venv .venv-tools && .venv-tools/bin/pip install checkov==3.3.30"
)


# ----------------------------------------------------------------- tools ---

def _kubectl():
    candidate = os.environ.get("KUBECTL") or shutil.which("kubectl") or "/usr/bin/kubectl"
    if not Path(candidate).exists() and not shutil.which(candidate):
        pytest.fail(
            "kubectl not found (set KUBECTL=/path/to/kubectl). It is part of the "
            "project machine image (Debian package `kubectl` from the image's "
            "Google Cloud apt source); Debian's own `kubernetes-client` (1.20) is "
            "too old for these kustomizations and no PyPI package ships kubectl.",
            pytrace=False,
        )
    out = subprocess.run([candidate, "version", "--client", "-o", "json"],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        pytest.fail(f"`{candidate} version --client` failed: {out.stderr}", pytrace=False)
    kustomize = json.loads(out.stdout).get("kustomizeVersion", "")
    match = re.match(r"v(\d+)\.", kustomize)
    if not match or int(match.group(1)) < 5:
        pytest.fail(f"{candidate} embeds kustomize {kustomize or '?'}; kustomize v5 "
                    "(kubectl >= 1.27) is needed", pytrace=False)
    return candidate


def _checkov():
    candidate = os.environ.get("CHECKOV_BIN") or str(ROOT / ".venv-tools" / "bin" / "checkov")
    if not Path(candidate).exists() and not shutil.which(candidate):
        pytest.fail(f"checkov not found at {candidate} (set CHECKOV_BIN); {INSTALL_HINT}",
                    pytrace=False)
    return candidate


def _kubernetes_validate():
    try:
        import kubernetes_validate
    except ImportError:
        pytest.fail(f"kubernetes-validate is not importable; {INSTALL_HINT}", pytrace=False)
    return kubernetes_validate


# ------------------------------------------------------------- rendering ---

@pytest.fixture(scope="session")
def rendered():
    """overlay name -> (rendered YAML text, list of documents)."""
    kubectl = _kubectl()
    result = {}
    for overlay in OVERLAYS:
        out = subprocess.run([kubectl, "kustomize", str(K8S / "overlays" / overlay)],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"kubectl kustomize {overlay} failed:\n{out.stderr}"
        docs = [d for d in yaml.safe_load_all(out.stdout) if d]
        assert docs, f"{overlay} rendered nothing"
        result[overlay] = (out.stdout, docs)
    return result


def ops_docs():
    docs = []
    for path in sorted((K8S / "ops").glob("*.yaml")):
        docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def one(docs, kind, name):
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def pod_templates(docs):
    """(kind/name, pod template) for every workload."""
    for d in docs:
        if d["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
            yield f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]
        elif d["kind"] == "CronJob":
            yield f"CronJob/{d['metadata']['name']}", d["spec"]["jobTemplate"]["spec"]["template"]


def deployment(docs, component):
    return one(docs, "Deployment", f"senja-{component}")


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def config_data(docs):
    maps = [d for d in by_kind(docs, "ConfigMap") if d["metadata"]["name"].startswith("senja-config")]
    assert len(maps) == 1
    return maps[0]["data"]


def overlay_params():
    return pytest.mark.parametrize("overlay", OVERLAYS)


# ------------------------------------------------- schema validation ---

@overlay_params()
def test_rendered_documents_validate_against_kubernetes_schemas(rendered, overlay):
    kv = _kubernetes_validate()
    _, docs = rendered[overlay]
    errors, crds = [], set()
    for doc in docs:
        if doc["kind"] in CRD_KINDS:
            crds.add(doc["kind"])
            continue
        for version in K8S_VERSIONS:
            try:
                kv.validate(copy.deepcopy(doc), version, strict=True)
            except Exception as exc:  # ValidationError, SchemaNotFoundError
                detail = getattr(exc, "message", None) or repr(exc)
                path = "/".join(str(p) for p in getattr(exc, "path", []) or [])
                errors.append(f"{doc['kind']}/{doc['metadata'].get('name')} ({version}) "
                              f"{path}: {detail}")
    assert not errors, "\n".join(errors)
    assert crds == CRD_KINDS, "the skip list names kinds that are not rendered"


def test_ops_manifests_validate_against_kubernetes_schemas():
    kv = _kubernetes_validate()
    docs = ops_docs()
    assert docs
    for doc in docs:
        for version in K8S_VERSIONS:
            kv.validate(copy.deepcopy(doc), version, strict=True)


def test_validator_is_not_vacuous():
    kv = _kubernetes_validate()
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"replicas": "two", "selector": {}, "template": {}}}
    with pytest.raises(Exception):
        kv.validate(bad, K8S_VERSIONS[0], strict=True)


# ------------------------------------------------------ workloads ---

@overlay_params()
def test_every_component_has_a_deployment_and_a_service(rendered, overlay):
    _, docs = rendered[overlay]
    for component, (args, port, _db) in COMPONENTS.items():
        dep = deployment(docs, component)
        pod_labels = dep["spec"]["template"]["metadata"]["labels"]
        svc = one(docs, "Service", f"senja-{component}")
        selector = svc["spec"]["selector"]
        assert selector.items() <= pod_labels.items(), f"Service senja-{component} selects no pod"
        assert dep["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        (svc_port,) = svc["spec"]["ports"]
        assert svc_port["port"] == port and svc_port["targetPort"] == "http"
        (container,) = dep["spec"]["template"]["spec"]["containers"]
        assert container["args"] == args
        assert container["ports"][0] == {"name": "http", "containerPort": port, "protocol": "TCP"}
        # the gateway's second port serves /metrics alone, to the cluster (not in the Service)
        assert [p["name"] for p in container["ports"][1:]] == (["metrics"] if component == "gateway" else [])


@overlay_params()
def test_deployments_have_probes_resources_and_graceful_shutdown(rendered, overlay):
    _, docs = rendered[overlay]
    for component in COMPONENTS:
        dep = deployment(docs, component)
        pod = dep["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"),
                            ("readinessProbe", "/readyz")):
            assert c[probe]["httpGet"] == {"path": path, "port": "http"}, (component, probe)
        # the startup probe gives a slow start >= 30 s before liveness applies
        startup = c["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 30
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(c["resources"][kind]), (component, kind)
        # rolling update never removes a ready pod before its replacement is ready
        assert dep["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        assert 20 <= pod["terminationGracePeriodSeconds"] <= 60
        assert c["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
        assert pod["serviceAccountName"] == "senja"
        assert pod["automountServiceAccountToken"] is False


@overlay_params()
def test_pod_security_is_restricted_and_non_root(rendered, overlay):
    _, docs = rendered[overlay]
    checked = 0
    for name, template in pod_templates(docs + ops_docs()):
        pod = template["spec"]
        psc = pod["securityContext"]
        assert psc["runAsNonRoot"] is True, name
        assert psc["runAsUser"] == 10001, name
        assert psc["seccompProfile"] == {"type": "RuntimeDefault"}, name
        tmp_volumes = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for c in pod["containers"] + pod.get("initContainers", []):
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True, name
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["capabilities"] == {"drop": ["ALL"]}, name
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}, name
            assert sc.get("privileged", False) is False, name
            tmp = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp and tmp[0]["name"] in tmp_volumes, f"{name}: no emptyDir at /tmp"
            assert {"cpu", "memory"} <= set(c["resources"]["limits"]), name
            checked += 1
    assert checked >= 4


@overlay_params()
def test_images_are_pinned_by_tag(rendered, overlay):
    text, docs = rendered[overlay]
    images = re.findall(r"^\s*(?:-\s*)?image:\s*(\S+)", text, flags=re.M)
    images += [c["image"] for _, t in pod_templates(ops_docs()) for c in t["spec"]["containers"]]
    assert images
    for image in images:
        name, _, tag = image.rpartition(":")
        assert name and "/" not in tag and tag not in ("", "latest"), f"unpinned image {image}"
    app_images = {c["image"] for _, t in pod_templates(docs) for c in t["spec"]["containers"]
                  if c["image"].startswith(IMAGE)}
    assert len(app_images) == 1, f"one image, one tag for the project: {app_images}"


@overlay_params()
def test_configuration_and_connection_wiring(rendered, overlay):
    _, docs = rendered[overlay]
    data = config_data(docs)
    assert data["EVENTLET_NO_GREENDNS"] == "yes"
    assert data["SERVICE_HTTP_ADDRESS"] == "0.0.0.0:8080"
    assert data["PORT"] == "8000"
    assert data["GATEWAY_HOST"] == "0.0.0.0"  # gunicorn's bind host (code default 127.0.0.1)
    # gunicorn must finish in-flight requests before the kubelet's SIGKILL
    (grace,) = {deployment(docs, "gateway")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]}
    assert float(data["SENJA_STOP_TIMEOUT"]) + 5 < grace  # + preStop sleep
    for key in ("RPC_TIMEOUT", "GUNICORN_WORKERS", "GUNICORN_THREADS", "SENJA_LOG_LEVEL"):
        assert key in data
    for key in ("AMQP_URI", "MONGO_URI", "SENJA_SECRET"):
        assert key not in data, f"{key} is secret material, not ConfigMap data"

    cluster = one(docs, "RabbitmqCluster", "senja-rabbitmq")
    vhost = one(docs, "Vhost", "senja")
    user = one(docs, "User", "senja")
    assert data["RABBITMQ_HOST"] == cluster["metadata"]["name"]  # the operator's client Service
    assert data["RABBITMQ_VHOST"] == vhost["spec"]["name"]
    mdb = one(docs, "MongoDBCommunity", "senja-mongodb")

    for component, (_args, _port, database) in COMPONENTS.items():
        (c,) = deployment(docs, component)["spec"]["template"]["spec"]["containers"]
        env = env_of(c)
        names = [e["name"] for e in c["env"]]
        assert env["AMQP_URI"]["value"] == (
            "amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)"
            "@$(RABBITMQ_HOST):$(RABBITMQ_PORT)/$(RABBITMQ_VHOST)")
        # $(VAR) only expands variables defined earlier in the list
        for var in ("RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "RABBITMQ_HOST",
                    "RABBITMQ_PORT", "RABBITMQ_VHOST"):
            assert names.index(var) < names.index("AMQP_URI"), (component, var)
        for key in ("RABBITMQ_USERNAME", "RABBITMQ_PASSWORD"):
            ref = env[key]["valueFrom"]["secretKeyRef"]
            # written by the Messaging Topology Operator for User `senja`
            assert ref["name"] == f"{user['metadata']['name']}-user-credentials"
        mongo_ref = env["MONGO_URI"]["valueFrom"]["secretKeyRef"]
        (mongo_user,) = [u for u in mdb["spec"]["users"]
                         if u["name"] == f"senja-{component}"]
        # the Community Operator names it <resource>-<auth db>-<user>
        assert mongo_ref == {
            "name": f"{mdb['metadata']['name']}-{mongo_user['db']}-{mongo_user['name']}",
            "key": "connectionString.standard"}
        assert mongo_user["roles"] == [{"name": "readWrite", "db": database}], (
            f"{component} may only write its own database")
        assert env["SENJA_SECRET"]["valueFrom"]["secretKeyRef"] == {
            "name": "senja-app", "key": "SENJA_SECRET"}
        assert c["envFrom"][0]["configMapRef"]["name"].startswith("senja-config")


def test_create_secrets_script_makes_every_precreated_secret(rendered):
    script = (K8S / "create-secrets.sh").read_text()
    _, docs = rendered["production"]
    assert "create senja-app " in script
    user = one(docs, "User", "senja")
    assert f"create {user['spec']['importCredentialsSecret']['name']} " in script
    loop = re.search(r"for user in ([a-z ]+); do", script).group(1).split()
    for u in one(docs, "MongoDBCommunity", "senja-mongodb")["spec"]["users"]:
        assert u["passwordSecretRef"]["name"] == f"senja-mongodb-{u['name']}-password"
        assert u["name"].removeprefix("senja-") in loop
    assert '"senja-mongodb-senja-$user-password"' in script


@overlay_params()
def test_all_namespaced_objects_live_in_the_senja_namespace(rendered, overlay):
    _, docs = rendered[overlay]
    for doc in docs:
        if doc["kind"] == "Namespace":
            assert doc["metadata"]["name"] == NAMESPACE
            labels = doc["metadata"]["labels"]
            assert labels["pod-security.kubernetes.io/enforce"] in ("baseline", "restricted")
            continue
        assert doc["metadata"].get("namespace") == NAMESPACE, (
            f"{doc['kind']}/{doc['metadata']['name']} has no namespace")


# --------------------------------------------- availability / scaling ---

@overlay_params()
def test_pdbs_and_autoscalers(rendered, overlay):
    _, docs = rendered[overlay]
    pdbs = by_kind(docs, "PodDisruptionBudget")
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in by_kind(docs, "HorizontalPodAutoscaler")}
    assert set(hpas) == {"senja-gateway", "senja-queue"}
    for component in COMPONENTS:
        dep = deployment(docs, component)
        labels = dep["spec"]["template"]["metadata"]["labels"]
        matching = [p for p in pdbs if p["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(matching) == 1, f"{component}: {len(matching)} PDBs"
        pdb = matching[0]["spec"]
        hpa = hpas.get(dep["metadata"]["name"])
        if hpa:
            assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
            assert "replicas" not in dep["spec"], "the HPA owns the replica count"
            replicas = hpa["spec"]["minReplicas"]
            assert hpa["spec"]["maxReplicas"] >= replicas
        else:
            replicas = dep["spec"]["replicas"]
        # a PDB must never block node drains completely
        if "minAvailable" in pdb:
            assert pdb["minAvailable"] < replicas, component
        else:
            assert pdb["maxUnavailable"] >= 1, component


def test_dev_runs_single_replicas_with_small_limits(rendered):
    _, docs = rendered["dev"]
    for hpa in by_kind(docs, "HorizontalPodAutoscaler"):
        assert hpa["spec"]["minReplicas"] == 1
    for component in ("permits", "accessibility", "survey"):
        assert deployment(docs, component)["spec"]["replicas"] == 1
    _, prod = rendered["production"]
    for component in COMPONENTS:
        small = deployment(docs, component)["spec"]["template"]["spec"]["containers"][0]
        big = deployment(prod, component)["spec"]["template"]["spec"]["containers"][0]
        assert small["resources"] != big["resources"]
    assert one(docs, "RabbitmqCluster", "senja-rabbitmq")["spec"]["replicas"] == 1
    assert one(docs, "MongoDBCommunity", "senja-mongodb")["spec"]["members"] == 1


@pytest.mark.parametrize("overlay", ("production", "example-province"))
def test_production_is_replicated_and_spread(rendered, overlay):
    _, docs = rendered[overlay]
    hpas = {h["metadata"]["name"]: h for h in by_kind(docs, "HorizontalPodAutoscaler")}
    assert hpas["senja-gateway"]["spec"]["minReplicas"] >= 2
    assert hpas["senja-queue"]["spec"]["minReplicas"] >= 2
    for component in ("permits", "accessibility", "survey"):
        assert deployment(docs, component)["spec"]["replicas"] >= 2
    for component in COMPONENTS:
        pod = deployment(docs, component)["spec"]["template"]["spec"]
        terms = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        term = terms[0]["podAffinityTerm"]
        assert term["topologyKey"] == "kubernetes.io/hostname"
        assert term["labelSelector"]["matchLabels"] == {"app.kubernetes.io/component": component}
    gateway_pdb = one(docs, "PodDisruptionBudget", "senja-gateway")["spec"]
    assert gateway_pdb.get("minAvailable", 0) >= 2
    rabbit = one(docs, "RabbitmqCluster", "senja-rabbitmq")["spec"]
    assert rabbit["replicas"] == 3
    assert rabbit["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    mongo = one(docs, "MongoDBCommunity", "senja-mongodb")["spec"]
    assert mongo["members"] == 3
    assert mongo["statefulSet"]["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
    backup = one(docs, "CronJob", "senja-mongodb-backup")
    (c,) = backup["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert "mongodump" in c["args"][0] and "--oplog" in c["args"][0]
    assert env_of(c)["MONGO_URI"]["valueFrom"]["secretKeyRef"]["name"] == \
        "senja-mongodb-admin-senja-backup"


# ------------------------------------------------ operators' resources ---

@overlay_params()
def test_rabbitmq_custom_resources(rendered, overlay):
    _, docs = rendered[overlay]
    cluster = one(docs, "RabbitmqCluster", "senja-rabbitmq")
    assert cluster["apiVersion"] == "rabbitmq.com/v1beta1"
    assert re.fullmatch(r"rabbitmq:3\.\d+\.\d+(-management)?", cluster["spec"]["image"])
    ref = {"name": cluster["metadata"]["name"]}
    vhost = one(docs, "Vhost", "senja")["spec"]
    assert vhost == {**vhost, "name": "senja", "defaultQueueType": "quorum",
                     "rabbitmqClusterReference": ref}
    policy = one(docs, "Policy", "senja-rpc-reply-expiry")["spec"]
    assert policy["vhost"] == "senja" and policy["applyTo"] == "queues"
    assert policy["rabbitmqClusterReference"] == ref
    expires = policy["definition"]["expires"]
    assert isinstance(expires, int) and 60_000 <= expires <= 24 * 3_600_000
    pattern = re.compile(policy["pattern"])
    # nameko 2.14 reply queues: rpc.reply-<service or standalone proxy>-<uuid>
    assert pattern.search("rpc.reply-standalone_rpc_proxy-0b3a1c2e-4f5d-4e6f-8a9b-0c1d2e3f4a5b")
    assert pattern.search("rpc.reply-gateway-0b3a1c2e")
    for durable in ("rpc-queue", "rpc-permits", "evt-queue-ticket_called--permits.on_ticket",
                    "rpcXreply-x"):
        assert not pattern.search(durable), durable
    user = one(docs, "User", "senja")["spec"]
    assert user["rabbitmqClusterReference"] == ref
    assert user["importCredentialsSecret"]["name"]
    perm = one(docs, "Permission", "senja-senja")["spec"]
    assert perm["vhost"] == "senja" and perm["userReference"] == {"name": "senja"}
    assert perm["rabbitmqClusterReference"] == ref
    assert set(perm["permissions"]) == {"configure", "write", "read"}


@overlay_params()
def test_mongodb_custom_resource(rendered, overlay):
    _, docs = rendered[overlay]
    mdb = one(docs, "MongoDBCommunity", "senja-mongodb")
    assert mdb["apiVersion"] == "mongodbcommunity.mongodb.com/v1"
    spec = mdb["spec"]
    assert spec["type"] == "ReplicaSet"
    assert re.fullmatch(r"\d+\.\d+\.\d+", spec["version"])
    assert spec["security"]["authentication"]["modes"] == ["SCRAM"]
    users = {u["name"]: u for u in spec["users"]}
    assert set(users) == {f"senja-{c}" for c in COMPONENTS} | {"senja-backup"}
    for name, u in users.items():
        assert u["db"] == "admin"
        assert u["passwordSecretRef"]["name"]
        assert u["scramCredentialsSecretName"]
    assert {r["name"] for r in users["senja-backup"]["roles"]} == {"backup", "restore"}
    containers = spec["statefulSet"]["spec"]["template"]["spec"]["containers"]
    assert {c["name"] for c in containers} == {"mongod", "mongodb-agent"}
    for c in containers:
        assert {"cpu", "memory"} <= set(c["resources"]["limits"])


# ------------------------------------------------------- network ---

def _selects(selector, labels):
    if selector is None:
        return False
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        present = expr["key"] in labels
        value = labels.get(expr["key"])
        op = expr["operator"]
        if op == "In" and value not in expr["values"]:
            return False
        if op == "NotIn" and value in expr["values"]:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def _ports(rule):
    return {p["port"] for p in rule.get("ports", [])}


@overlay_params()
def test_network_policies(rendered, overlay):
    _, docs = rendered[overlay]
    policies = by_kind(docs, "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {}
            and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    assert deny, "no default-deny NetworkPolicy"
    dns = [p for p in policies if p["spec"]["podSelector"] == {} and p["spec"].get("egress")]
    assert len(dns) == 1
    (dns_rule,) = dns[0]["spec"]["egress"]
    assert _ports(dns_rule) == {53}
    assert dns_rule["to"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "kube-system"}
    specific = [p for p in policies if p["spec"]["podSelector"] != {}]

    def rules_for(labels, direction):
        return [r for p in specific if _selects(p["spec"]["podSelector"], labels)
                for r in p["spec"].get(direction, [])]

    # every Senja workload is selected by a policy of its own
    for name, template in pod_templates(docs):
        labels = template["metadata"]["labels"]
        assert any(_selects(p["spec"]["podSelector"], labels) for p in specific), name

    def ns_peers(rule):
        return {peer.get("namespaceSelector", {}).get("matchLabels", {})
                .get("kubernetes.io/metadata.name") for peer in rule.get("from", [])}

    gw_labels = deployment(docs, "gateway")["spec"]["template"]["metadata"]["labels"]
    ingress = rules_for(gw_labels, "ingress")
    assert any("ingress-nginx" in ns_peers(r) and _ports(r) == {8000} for r in ingress)
    # Prometheus reaches the metrics port only; the ingress controller never reaches it.
    assert all(_ports(r) == ({8000} if "ingress-nginx" in ns_peers(r) else {9090}) for r in ingress)
    assert any("monitoring" in ns_peers(r) and _ports(r) == {9090} for r in ingress)

    rabbit = {"app.kubernetes.io/name": "senja-rabbitmq", "app.kubernetes.io/component": "rabbitmq"}
    mongo = {"app": "senja-mongodb-svc"}
    for component in COMPONENTS:
        labels = deployment(docs, component)["spec"]["template"]["metadata"]["labels"]
        egress = rules_for(labels, "egress")
        # The queue's notification sender (push services, the SMS provider): HTTPS out,
        # never to private addresses; no other component leaves the cluster.
        https = [r for r in egress if _ports(r) == {443}]
        assert len(https) == (1 if component == "queue" else 0), component
        for r in https:
            assert all(p["ipBlock"]["cidr"] == "0.0.0.0/0" and {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}
                       <= set(p["ipBlock"]["except"]) for p in r["to"])
        egress = [r for r in egress if r not in https]
        assert {port for r in egress for port in _ports(r)} == {5672, 27017}, component
        for r in egress:
            targets = [peer["podSelector"] for peer in r["to"]]
            assert all("namespaceSelector" not in peer and "ipBlock" not in peer for peer in r["to"])
            wanted = rabbit if _ports(r) == {5672} else mongo
            assert all(_selects(t, wanted) for t in targets), component
        if component in SERVICES:
            # services never talk to each other directly: no in-namespace ingress
            for r in rules_for(labels, "ingress"):
                assert all("podSelector" not in peer for peer in r["from"]), component
                assert ns_peers(r) == {"monitoring"} and _ports(r) == {8080}
    # the data stores accept the application pods
    for target, port in ((rabbit, 5672), (mongo, 27017)):
        ingress = rules_for(target, "ingress")
        for component in COMPONENTS:
            labels = deployment(docs, component)["spec"]["template"]["metadata"]["labels"]
            assert any(port in _ports(r) and any(_selects(peer.get("podSelector"), labels)
                                                 for peer in r["from"]) for r in ingress)


def test_ingress_terminates_tls_for_the_gateway(rendered):
    for overlay in OVERLAYS:
        _, docs = rendered[overlay]
        (ing,) = by_kind(docs, "Ingress")
        (rule,) = ing["spec"]["rules"]
        assert rule["host"] in ing["spec"]["tls"][0]["hosts"]
        assert ing["spec"]["tls"][0]["secretName"]
        backend = rule["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": "senja-gateway", "port": {"name": "http"}}


# ------------------------------------------------- example province ---

def test_example_province_adds_offices_as_configuration(rendered):
    _, docs = rendered["example-province"]
    maps = [m for m in by_kind(docs, "ConfigMap") if m["metadata"]["name"].startswith("senja-offices")]
    assert len(maps) == 1
    cm_name = maps[0]["metadata"]["name"]
    offices = yaml.safe_load(maps[0]["data"]["offices.yaml"])
    ids = [o["id"] for o in offices["offices"]]
    assert ids and len(ids) == len(set(ids))
    # the file is what `gateway.manage load-offices` sends to queue.put_office:
    # it must pass the queue service's own schema (marshmallow only, no nameko)
    from services.queue.schemas import OfficeConfig
    for office in offices["offices"]:
        assert OfficeConfig().load(office)["id"] == office["id"]
    workloads = [deployment(docs, c) for c in COMPONENTS] + [one(docs, "Job", "senja-load-offices")]
    for w in workloads:
        pod = w["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        (vol,) = [v for v in pod["volumes"] if v.get("configMap", {}).get("name") == cm_name]
        (mount,) = [m for m in c["volumeMounts"] if m["name"] == vol["name"]]
        assert mount["mountPath"] == "/etc/senja" and mount.get("readOnly") is True
        assert env_of(c)["SENJA_OFFICES_FILE"]["value"] == "/etc/senja/offices.yaml"
    job = one(docs, "Job", "senja-load-offices")
    (c,) = job["spec"]["template"]["spec"]["containers"]
    assert c["args"] == ["gateway.manage", "load-offices", "/etc/senja/offices.yaml"]
    assert c["image"].startswith(IMAGE + ":")
    assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "admin"


# ------------------------------------------------------- Dockerfile ---

def _dockerfile():
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_follows_the_image_conventions():
    text = _dockerfile()
    froms = re.findall(r"^FROM\s+(\S+)", text, flags=re.M)
    assert froms and all(re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", f) for f in froms), froms
    assert re.search(r"pip install \.(\s|$)", text)
    assert re.search(r"^USER 10001(:10001)?$", text, flags=re.M)
    env = " ".join(re.findall(r"^ENV ((?:.*\\\n)*.*)$", text, flags=re.M))
    assert "EVENTLET_NO_GREENDNS=yes" in env and "PYTHONUNBUFFERED=1" in env
    # listen beyond the container's loopback (code defaults are 127.0.0.1)
    assert "GATEWAY_HOST=0.0.0.0" in env and "SERVICE_HTTP_ADDRESS=0.0.0.0:8080" in env
    assert re.search(r'^ENTRYPOINT \["python", "-m"\]$', text, flags=re.M)
    assert re.search(r'^CMD \["gateway"\]$', text, flags=re.M)
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert "**" in ignore and "!services/" in ignore and "!gateway/" in ignore


# ------------------------------------------------------------ checkov ---

def _skips():
    data = yaml.safe_load((K8S / "checkov-skips.yaml").read_text())
    skips = {}
    for entry in data["skips"]:
        assert re.fullmatch(r"CKV2?_[A-Z0-9]+_\d+", entry["id"]), entry
        assert len(entry.get("reason", "").split()) >= 8, f"{entry['id']}: write the reason"
        skips[entry["id"]] = entry
    return skips


def test_checkov_reports_no_unexplained_failure(rendered, tmp_path):
    skips = _skips()
    checkov = _checkov()
    for overlay, (text, _docs) in rendered.items():
        (tmp_path / f"{overlay}.yaml").write_text(text)
    for path in (K8S / "ops").glob("*.yaml"):
        shutil.copy(path, tmp_path / f"ops-{path.name}")
    shutil.copy(ROOT / "Dockerfile", tmp_path / "Dockerfile")
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false",
               PYTHONWARNINGS="ignore")
    out = subprocess.run(
        [checkov, "--directory", str(tmp_path), "--framework", "kubernetes", "dockerfile",
         "--skip-download", "--output", "json", "--quiet"],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert out.returncode in (0, 1), f"checkov crashed ({out.returncode}):\n{out.stderr[-3000:]}"
    reports = json.loads(out.stdout)
    if isinstance(reports, dict):
        reports = [reports]
    failed, frameworks = [], set()
    for report in reports:
        if "results" not in report:
            continue
        frameworks.add(report["check_type"])
        failed += report["results"]["failed_checks"]
    assert {"kubernetes", "dockerfile"} <= frameworks, f"checkov scanned {frameworks}"
    unexplained = [f"{f['check_id']} {f['check_name']}: {f['resource']} ({f['file_path']})"
                   for f in failed if f["check_id"] not in skips]
    assert not unexplained, ("checkov failures not in deploy/k8s/checkov-skips.yaml:\n"
                             + "\n".join(sorted(set(unexplained))))
    stale = set(skips) - {f["check_id"] for f in failed}
    assert not stale, f"checkov-skips.yaml lists checks that no longer fail: {sorted(stale)}"


@overlay_params()
def test_public_url_proxies_and_metrics_are_set_for_the_ingress(rendered, overlay):
    """QR codes and certificates point at the Ingress host (never a request's Host), the
    client address is read through the ingress controller's one hop (else every citizen
    shares its address and one rate-limit bucket), and /metrics is on a port the
    ingress's Service does not expose."""
    _, docs = rendered[overlay]
    data = config_data(docs)
    ingress = one(docs, "Ingress", "senja-gateway")
    host = ingress["spec"]["rules"][0]["host"]
    assert data["SENJA_PUBLIC_URL"] == f"https://{host}"
    assert data["TRUSTED_PROXIES"] == "1"
    assert data["METRICS_PORT"] == "9090" and data["METRICS_PORT"] != data["PORT"]
    service = one(docs, "Service", "senja-gateway")
    assert {p["port"] for p in service["spec"]["ports"]} == {int(data["PORT"])}
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "senja-gateway", "port": {"name": "http"}}
    template = deployment(docs, "gateway")["spec"]["template"]
    assert template["metadata"]["annotations"]["prometheus.io/port"] == data["METRICS_PORT"]
    assert "SENJA_ENV" not in data  # only local runs accept the public development secret
