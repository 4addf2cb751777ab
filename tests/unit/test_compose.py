"""The production stack is checked, not run (no Docker engine here): compose, Dockerfile,
ClickHouse users and Grafana provisioning must agree with each other and with the repo."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import yaml

from tests.conftest import ROOT

CONNECTOR_SERVICES = {"connector-weibo", "connector-douyin", "connector-bilibili",
                      "connector-weixin-mp", "connector-kuaishou", "connector-xiaohongshu"}
SERVICES = {"kafka", "clickhouse", "grafana", "migrate", "worker", "crawler",
            *CONNECTOR_SERVICES}
SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.IGNORECASE)


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_services_and_kraft() -> None:
    services = compose()["services"]
    assert set(services) == SERVICES
    assert not any("zookeeper" in name for name in services)
    kafka = env_of(services["kafka"])
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "CONTROLLER" in kafka["KAFKA_LISTENERS"]


def test_dependencies_wait_for_health_or_completion() -> None:
    services = compose()["services"]
    for name, service in services.items():
        for dep, cond in service.get("depends_on", {}).items():
            assert dep in services, name
            assert cond["condition"] in ("service_healthy", "service_completed_successfully")
    for name in ("kafka", "clickhouse", "grafana"):
        assert services[name]["healthcheck"]["test"], name
    assert services["worker"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully")


def test_bind_mounts_exist_and_images_build_from_the_dockerfile() -> None:
    services = compose()["services"]
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
    for name in ("migrate", "worker", "crawler"):
        assert services[name]["build"]["dockerfile"] == "infra/Dockerfile"
    dockerfile = (ROOT / "infra" / "Dockerfile").read_text("utf-8")
    assert 'ENTRYPOINT ["matrixguard"]' in dockerfile and "USER matrixguard" in dockerfile
    for copied in re.findall(r"^COPY (\S+)", dockerfile, re.M):
        assert (ROOT / copied).exists(), copied
    worker_env = env_of(services["worker"])
    assert worker_env["MATRIXGUARD_BROKER_URL"].startswith("kafka://")
    assert worker_env["MATRIXGUARD_WAREHOUSE_URL"].startswith("http://pipeline:")


def test_no_literal_secrets_and_every_variable_is_documented() -> None:
    text = (ROOT / "docker-compose.yml").read_text("utf-8")
    for service in compose()["services"].values():
        for key, value in env_of(service).items():
            if SECRET.search(key):
                assert value.startswith("${"), key
        for value in env_of(service).values():
            for user_pass in re.findall(r"://[^:/@]+:([^@]+)@", value):
                assert user_pass.startswith("${"), value
    documented = {line.split("=", 1)[0] for line in
                  (ROOT / "infra" / "env.example").read_text("utf-8").splitlines()
                  if line and not line.startswith("#")}
    referenced = set(re.findall(r"\$\{([A-Z_]+)", text))
    assert referenced and referenced <= documented


def test_one_connector_service_per_platform_with_state_and_credentials() -> None:
    from pipeline.crawlers.connectors import CONNECTORS

    services = compose()["services"]
    platforms = set()
    for name in CONNECTOR_SERVICES:
        service = services[name]
        command = service["command"]
        assert command[:2] == ["crawl", "run"] and "--once" not in command
        platforms.add(command[command.index("--platform") + 1])
        assert service["profiles"] == ["connectors"]
        assert any(v.endswith(":/var/lib/matrixguard") for v in service["volumes"])
        env = env_of(service)
        assert env["MATRIXGUARD_DATA_DIR"] == "/var/lib/matrixguard"
        assert env["MATRIXGUARD_CRAWL__CREDENTIALS"].startswith("${")
        roster = command[command.index("--roster") + 1]
        mount = next(v for v in service["volumes"] if v.split(":")[1] == "/app/roster")
        assert (ROOT / mount.split(":")[0] / roster.rsplit("/", 1)[1]).is_file()
    assert platforms == set(CONNECTORS)
    assert "crawl-state" in compose()["volumes"]


def test_clickhouse_users_take_passwords_from_the_environment() -> None:
    root = ET.parse(ROOT / "infra" / "clickhouse" / "users.d" / "matrixguard.xml").getroot()
    users = root.find("users")
    assert users is not None
    for name in ("pipeline", "grafana", "analyst", "analyst_hangzhou"):
        user = users.find(name)
        assert user is not None, name
        password = user.find("password")
        assert password is not None and password.get("from_env"), name
        assert not (password.text or "").strip()
    grants = {u.tag: " ".join(q.text or "" for q in u.iter("query")) for u in users}
    assert "INSERT" in grants["pipeline"]
    for reader in ("grafana", "analyst"):
        assert "INSERT" not in grants[reader] and "SELECT" in grants[reader]
    policy = users.find("analyst_hangzhou/databases/matrixguard/posts/filter")
    assert policy is not None and "杭州分行" in (policy.text or "")
    ET.parse(ROOT / "infra" / "clickhouse" / "config.d" / "matrixguard.xml")


def test_grafana_provisioning() -> None:
    ds = yaml.safe_load((ROOT / "infra" / "grafana" / "provisioning" / "datasources"
                         / "clickhouse.yaml").read_text("utf-8"))
    [source] = ds["datasources"]
    assert source["type"] == "grafana-clickhouse-datasource"
    assert source["jsonData"]["username"] == "grafana"
    assert source["secureJsonData"]["password"].startswith("$")
    boards = yaml.safe_load((ROOT / "infra" / "grafana" / "provisioning" / "dashboards"
                             / "matrixguard.yaml").read_text("utf-8"))
    assert boards["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    grafana = compose()["services"]["grafana"]
    assert "grafana-clickhouse-datasource" in env_of(grafana)["GF_PLUGINS_PREINSTALL"]


def test_grafana_contact_point_and_worker_alerting_settings() -> None:
    points = yaml.safe_load((ROOT / "infra" / "grafana" / "provisioning" / "alerting"
                             / "contactpoints.yaml").read_text("utf-8"))
    [point] = points["contactPoints"]
    [receiver] = point["receivers"]
    assert receiver["settings"]["addresses"] == "$GRAFANA_OPS_EMAIL"
    services = compose()["services"]
    assert "GRAFANA_OPS_EMAIL" in env_of(services["grafana"])
    worker = env_of(services["worker"])
    assert worker["MATRIXGUARD_NOTIFY_SECRETS"].startswith("${")
    config = worker["MATRIXGUARD_ALERTING_CONFIG"].removeprefix("/app/")
    assert (ROOT / config).exists()


def test_the_branch_analyst_policy_covers_every_table_with_an_org_unit() -> None:
    root = ET.parse(ROOT / "infra" / "clickhouse" / "users.d" / "matrixguard.xml").getroot()
    limited = root.find("users/analyst_hangzhou/databases/matrixguard")
    assert limited is not None
    covered = {t.tag for t in limited}
    sql = "\n".join(p.read_text("utf-8") for p in sorted(
        (ROOT / "schemas" / "clickhouse").glob("*.sql")))
    with_org = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)\s*\((?:[^;]*?)"
                              r"\borg_unit (?:String|SimpleAggregateFunction)",
                              sql, re.S))
    assert with_org and with_org <= covered, sorted(with_org - covered)


def test_provisioning_agrees_with_the_boards_and_settings_in_the_code() -> None:
    from dashboards.clickhouse_query import DATASOURCE_UID, PLUGIN_TYPE
    from pipeline.grafana_publish import DATASOURCE_UID as PUBLISHED_UID

    ds = yaml.safe_load((ROOT / "infra" / "grafana" / "provisioning" / "datasources"
                         / "clickhouse.yaml").read_text("utf-8"))
    [source] = ds["datasources"]
    assert source["uid"] == DATASOURCE_UID == PUBLISHED_UID and source["type"] == PLUGIN_TYPE
    # the data source reaches ClickHouse where compose runs it, as the read-only grafana user
    services = compose()["services"]
    assert source["jsonData"]["host"] in services
    assert f":{source['jsonData']['port']}/" in env_of(services["worker"])[
        "MATRIXGUARD_WAREHOUSE_URL"]
    # the committed boards are what Grafana provisions, and they use that data source
    provided = {m[1]: m[0] for m in (v.split(":") for v in services["grafana"]["volumes"])
                if len(m) >= 2}
    assert provided["/var/lib/grafana/dashboards"] == "./dashboards/json"
    boards = sorted((ROOT / "dashboards" / "json").glob("*.json"))
    assert {b.stem for b in boards} >= {"matrixguard-risk", "matrixguard-health",
                                        "matrixguard-overview", "matrixguard-pipeline"}
    for board in boards:
        text = board.read_text("utf-8")
        assert DATASOURCE_UID in text and PLUGIN_TYPE in text, board.name
