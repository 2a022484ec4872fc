"""Health endpoints the operator and load balancer rely on."""


def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    from plugin.app import create_app

    app = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "INSTANCE_PATH": str(tmp_path)})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "database" in response.get_json()["reason"]
