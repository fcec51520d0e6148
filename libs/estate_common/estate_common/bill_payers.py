"""Who pays a bill (``Bill.payer``, 缴费人): the developer (开发建设单位) for a unit not handed over yet
(物业服务条例 第十六条), or the owner (a bill with no ``payer``). One spelling, which finance writes and
filters by (``finance.payers``, its store's lists) and the console reads and sends (a reminder of the
developer's overdue bills, a receipt's payer): the literal was written in each (found by h6).

The standard library only: the console's image installs estate_common without its dependencies."""

DEVELOPER = "developer"
OWNER = "owner"
