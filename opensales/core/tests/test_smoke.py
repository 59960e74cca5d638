import pytest


@pytest.mark.django_db
def test_login_then_home(cast, client):
    response = client.post("/accounts/login/", {"username": "rep_sh1", "password": "opensales-demo"})
    # Test settings hash with MD5; the cast's password was set with make_password under those settings.
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
