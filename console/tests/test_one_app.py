"""The console's tests share one app (conftest's ``_one_app``): each test is given it as made."""
from .conftest import FakeGateway, as_made


def test_a_test_is_given_the_app_as_made_whatever_the_one_before_kept_on_it(app, fake, request):
    """A setting changed, the gateway's document read and any other cache a console keeps on the
    app (``app.extensions``) do not reach the next test, which talks to its own gateway only."""
    made, settings, extensions = request.getfixturevalue("_one_app")
    assert app is made and app.extensions["console_http"] is fake
    app.config["PUBLIC_GATEWAY_URL"] = "https://left.example"
    app.extensions["console_openapi"] = {"document": {"paths": {}}}
    app.extensions["console_kept_later"] = {"est_1": "Sunny Gardens"}
    following = FakeGateway()
    assert as_made(made, settings, extensions, following) is made
    assert app.config["PUBLIC_GATEWAY_URL"] == settings["PUBLIC_GATEWAY_URL"] != "https://left.example"
    assert set(app.extensions) == set(extensions) == {"console_http"}
    assert app.extensions["console_http"] is following
