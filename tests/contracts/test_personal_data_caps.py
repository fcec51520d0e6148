"""What ``POST …/personal-data/search`` answers at most, as the services cut it and as the console's
个人信息查阅 page and the API's description say it (session 51's leftovers: the page said nothing of
the caps, and the description said 500 newest first of the households too, which archive answers 50
of in the order registered)."""
from archive import operations as archive_operations
from console.views import archive as console_archive
from customer_service import store as customer_service_store
from estate_common import contracts
from security_patrol import store as security_store


def test_the_console_and_the_api_say_the_caps_the_services_cut_at():
    assert customer_service_store.PHONE_REQUESTS == security_store.PHONE_VISITS == console_archive.PERSONAL_DATA_CAP
    assert archive_operations.PHONE_MATCHES == console_archive.PERSONAL_DATA_HOUSEHOLDS
    said = " ".join(contracts.load().openapi["paths"]["/api/v1/estates/{estate_id}/personal-data/search"]
                    ["post"]["description"].split())
    assert f"newest first, at most {console_archive.PERSONAL_DATA_CAP} of each" in said
    assert f"the households, at most {console_archive.PERSONAL_DATA_HOUSEHOLDS} of them" in said
