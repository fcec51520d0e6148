"""The columns of archive's export (households), written by ``estate_common.exports``
(escaping, masking, CSV/XLSX). The owner's name and phone are masked as the API masks them. In a
language, the status is its label (``estate_common.labels``), which the household import reads back."""
from estate_common import personal_data
from estate_common.exports import field

HOUSEHOLDS = [
    field("id", "_id"), field("building"), field("unit"), field("room"), field("area_m2"),
    field("status", labels="household_status"),
    field("owner_name", "owner.name", personal_data.OWNER_NAME),
    field("owner_phone", "owner.phone", personal_data.OWNER_PHONE), field("created_at"), field("updated_at"),
]

COLUMNS = {"households": HOUSEHOLDS}
LISTS = {"households": "list_households"}
