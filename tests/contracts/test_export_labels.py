"""Every column a service exports is headed in both languages (``estate_common.labels``), and every
group of codes a column names is one the labels know: an export asked in a language would
otherwise write the API's field name over yuan or local times, or leave codes unread (found by
review of the exports in the reader's language)."""
import importlib

import pytest

from estate_common import labels

SERVICES = ("archive", "customer_service", "finance", "maintenance", "security_patrol")
COLUMNS = [(service, resource, column) for service in SERVICES
           for resource, columns in importlib.import_module(f"{service}.exports").COLUMNS.items()
           for column in columns]


@pytest.mark.parametrize("service,resource,column", COLUMNS,
                         ids=[f"{s}.{r}.{c.name}" for s, r, c in COLUMNS])
def test_every_exported_column_has_a_heading_in_each_language(service, resource, column):
    for language in labels.LANGUAGES:
        assert labels.text(f"field.{column.name}", language), (service, resource, column.name, language)


def test_every_group_of_codes_an_export_names_has_labels():
    groups = {key.split(".", 1)[0] for key in labels.MESSAGES}
    named = {column.labels for _, _, column in COLUMNS if column.labels}
    assert named and named <= groups, named - groups


def test_every_source_of_a_bill_has_a_label():
    """A bill export in Chinese wrote ``opening_balance`` raw in its source column (found by review)."""
    from estate_common import contracts
    kinds = contracts.load().openapi["components"]["schemas"]["BillSourceKind"]["enum"]
    assert [kind for kind in kinds if labels.code("bill_source", kind, "zh") == kind] == []
