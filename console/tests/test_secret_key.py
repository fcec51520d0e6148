"""The console's session key: it signs every session, which holds the user's gateway token."""
import pytest

from console.app import InsecureSecret, create_app

from .conftest import GATEWAY


@pytest.mark.parametrize("value, why", [(None, "is missing"), ("", "is missing"), ("short-key", "at least 32"),
                                        ("CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME", "placeholder")])
def test_the_console_will_not_start_without_a_strong_session_key(monkeypatch, value, why):
    if value is None:
        monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("CONSOLE_SECRET_KEY", value)
    with pytest.raises(InsecureSecret, match=why) as refused:
        create_app({"GATEWAY_URL": GATEWAY})
    assert "CONSOLE_SECRET_KEY" in str(refused.value) and (not value or value not in str(refused.value))


def test_a_random_key_of_its_own_starts_it_and_signs_its_sessions(monkeypatch):
    monkeypatch.setenv("CONSOLE_SECRET_KEY", "k7Qe2Lr9VbX1pTz4Wc8Nd3Hs6Fj0Ym5Ug_-aB")
    app = create_app({"GATEWAY_URL": GATEWAY})
    assert app.secret_key == "k7Qe2Lr9VbX1pTz4Wc8Nd3Hs6Fj0Ym5Ug_-aB"
