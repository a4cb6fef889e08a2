

def test_login_page_renders(client):
    r = client.get("/auth/login")
    assert r.status_code == 200
    assert b"csrf_token" in r.data


def test_user_can_sign_in_and_see_home(client, users, login):
    login(users["admin"])
    r = client.get("/")
    assert r.status_code == 200
    assert "Welcome" in r.get_data(as_text=True)
