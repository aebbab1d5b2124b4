"""schemathesis against /api/v1/openapi.json: every operation conforms and never errors."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

from tests.factories import MealOfferFactory, ShelterFactory, SpaceFactory

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# transaction=True: the WSGI app closes the connection after each request, as in production.
@pytest.mark.django_db(transaction=True)
def test_every_api_operation_conforms_to_its_schema(settings):
    # schemathesis asks often, from one address; limits are tested in test_ratelimit.py
    settings.PUBLIC_RATE_LIMIT_NEW = settings.PUBLIC_RATE_LIMIT_ADDRESS = "1000000/m"
    shelter = ShelterFactory(latitude="51.2", longitude="51.3")
    SpaceFactory(shelter=shelter, places=10)
    MealOfferFactory()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4

    for operation in operations:

        @EXAMPLES
        @given(case=operation.as_strategy())
        def conforms(case):
            # werkzeug's test client asks for gzip but does not unpack it; a real client does.
            case.call_and_validate(headers={"Accept-Encoding": "identity"})

        conforms()


@pytest.mark.django_db
def test_the_api_address_itself_lists_what_there_is_to_read(client):
    """The About page names /api/v1/: it answers with the addresses, not a 404."""
    index = client.get("/api/v1/")
    assert index.status_code == 200
    links = index.json()
    for name in ("shelters", "meals", "version", "shelters_hxl_csv", "openapi"):
        assert client.get(links[name]).status_code == 200, name
    assert links["shelter"] == "/api/v1/shelters/{shelter_id}/"
