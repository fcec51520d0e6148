"""Which screens each role sees. This only shapes the menu: the gateway decides
what each call may do, and a screen reached without its role shows the
gateway's 403 like any other problem."""
from dataclasses import dataclass

MANAGEMENT = frozenset({"operator_admin", "manager"})
FRONT_DESK = MANAGEMENT | {"agent", "steward"}
ENGINEERING = MANAGEMENT | {"technician"}
SECURITY = MANAGEMENT | {"security"}
FINANCE = MANAGEMENT | {"accountant", "cashier"}
CASHIERS = MANAGEMENT | {"cashier"}
FEE_SETTERS = MANAGEMENT | {"accountant"}
ARCHIVES = MANAGEMENT | {"archivist"}
COLLECTORS = FINANCE | {"agent", "steward"}  # the desk and the stewards chase arrears
ADMIN = frozenset({"operator_admin"})
MASTER_DATA_EDITORS = FRONT_DESK | {"archivist"}
STAFF = FRONT_DESK | ENGINEERING | SECURITY | FINANCE | ARCHIVES  # anyone on the staff asks to view or borrow


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: str  # message key
    roles: frozenset


@dataclass(frozen=True)
class Section:
    label: str
    entries: tuple


SECTIONS = (
    Section("menu.front_desk", (
        Entry("desk.new_request", "menu.new_request", FRONT_DESK),
        Entry("desk.register", "menu.register", FRONT_DESK),
        Entry("desk.week", "menu.desk_week", FRONT_DESK),  # 客服周报: the desk's week
        Entry("registers.surveys", "menu.surveys", FRONT_DESK),
        Entry("registers.notices", "menu.notices", FRONT_DESK),
        Entry("registers.keys", "menu.keys", FRONT_DESK),
        Entry("registers.custody-items", "menu.custody_items", FRONT_DESK),
        Entry("registers.goods-release-passes", "menu.goods_release_passes", FRONT_DESK),
        Entry("registers.activities", "menu.activities", FRONT_DESK),  # 社区文化活动 (h7)
        Entry("registers.damage-claims", "menu.damage_claims", FRONT_DESK | FINANCE),  # 损失登记、理赔
        Entry("registers.tool-loans", "menu.tool_loans", FRONT_DESK),
        # 环境卫生 / 绿化养护品质检查: the steward's walk, the manager's contractors; accounts read (h6)
        Entry("registers.upkeep-findings", "menu.upkeep_findings", FRONT_DESK | FINANCE),
        Entry("registers.contractors", "menu.contractors", FRONT_DESK | FINANCE),
        # 有偿增值服务: the price list and the orders; accounts read them (h8)
        Entry("registers.service-orders", "menu.service_orders", FRONT_DESK | FINANCE),
        Entry("registers.paid-services", "menu.paid_services", FRONT_DESK | FINANCE),
        Entry("registers.visitors", "menu.visitors", FRONT_DESK),
        Entry("registers.applications", "menu.applications", FRONT_DESK),
        Entry("registers.owner-contacts", "menu.owner_contacts", FRONT_DESK),
        Entry("desk.owner_contacts_due", "due.title", FRONT_DESK),  # whom the steward has still to contact
        Entry("manager.dashboard", "menu.own_kpis", frozenset({"steward"})),  # his owner contact rate
        Entry("registers.vacant-inspections", "menu.vacant_inspections", FRONT_DESK),
        Entry("desk.vacant_inspections_due", "vacant_due.title", FRONT_DESK),  # the vacant units due an inspection
        Entry("desk.portal_qr", "menu.portal_qr", FRONT_DESK),
    )),
    Section("menu.engineering", (
        # the desk too: it records an occupant's consent to a quote (the order's other steps are
        # offered by the gateway's roles)
        Entry("engineering.board", "menu.work_orders", ENGINEERING | FRONT_DESK),
        Entry("registers.equipment", "menu.equipment", ENGINEERING),
        # 备品备件: the parts store (its low-stock list a filter); accounts read what it is worth
        Entry("registers.parts", "menu.parts", ENGINEERING | FINANCE),
        # the ledger from a CSV register, as an estate taken on brings it (设备台账导入)
        Entry("engineering.equipment_import_form", "menu.equipment_import", ENGINEERING),
        Entry("registers.maintenance-plans", "menu.maintenance_plans", ENGINEERING),
        Entry("engineering.preventive", "menu.preventive", ENGINEERING),  # the month's plans: done, late, to come
        Entry("engineering.emergencies", "menu.emergencies", ENGINEERING),  # the month's 抢险: response, summary
        Entry("inspections.index", "menu.inspections", ENGINEERING),
        Entry("inspections.checklists", "menu.checklists", ENGINEERING),
        Entry("registers.renovation-reviews", "menu.renovation_reviews", ENGINEERING),
        # the joint acceptance of a move-in or a renovation (the managers find it at the desk)
        Entry("registers.applications", "menu.applications", frozenset({"technician"})),
        Entry("engineering.costs", "menu.costs", ENGINEERING),
    )),
    Section("menu.security", (
        Entry("security.rounds", "menu.patrol", SECURITY),
        Entry("registers.patrol-routes", "menu.patrol_routes", SECURITY),
        Entry("registers.patrol-plans", "menu.patrol_plans", SECURITY),
        Entry("security.missed_rounds", "menu.missed_rounds", SECURITY),
        Entry("registers.patrol-suspensions", "menu.patrol_suspensions", SECURITY),  # 停巡: a typhoon night
        Entry("registers.emergency-alerts", "menu.emergency_alerts", SECURITY),  # 预警响应: the warning's plan
        Entry("registers.incidents", "menu.incidents", SECURITY),
        # the incidents of every estate of his (跨小区事件: the API's GET /api/v1/incidents reads a guard's
        # own); managers and the operator find it under management
        Entry("across.incidents", "menu.across_incidents", frozenset({"security"})),
        # the work orders its findings opened (anomalies, fire defects, incidents: the gateway answers
        # security those alone), to follow them up; the managers find the board under engineering
        Entry("engineering.board", "menu.security_orders", frozenset({"security"})),
        Entry("emergency_plans.plans", "menu.emergency_plans", SECURITY),
        Entry("registers.fire-equipment", "menu.fire_equipment", SECURITY),
        Entry("registers.fire-inspections", "menu.fire_inspections", SECURITY),
        Entry("registers.fire-check-overdues", "menu.fire_check_overdues", SECURITY),
        Entry("registers.fire-drills", "menu.fire_drills", SECURITY),
        Entry("registers.fire-lane-checks", "menu.fire_lanes", SECURITY),
        Entry("registers.vehicle-passes", "menu.vehicle_passes", SECURITY | FRONT_DESK),  # residents' cars too
        Entry("registers.parking-sessions", "menu.gate", SECURITY),
        Entry("registers.gate-goods-passes", "menu.gate_goods_passes", SECURITY),  # 物品放行: the pass, once
        Entry("security.gate_totals", "menu.gate_totals", SECURITY),  # the month's parking at the gate totalled
        Entry("registers.shift-handovers", "menu.shift_handovers", SECURITY),
        Entry("security.missed_handovers", "menu.missed_handovers", SECURITY),  # the month's shifts with none
        Entry("security.week", "menu.security_week", SECURITY),  # 周报: the supervisor's week, one read
        # the team's month on duty (h7): 考勤, 查岗, 违纪, 培训, 考核
        Entry("registers.roll-calls", "menu.roll_calls", SECURITY),
        Entry("registers.post-spot-checks", "menu.post_spot_checks", SECURITY),
        Entry("registers.discipline-records", "menu.discipline_records", SECURITY),
        Entry("registers.trainings", "menu.trainings", SECURITY),
        Entry("registers.guard-assessments", "menu.guard_assessments", SECURITY),
        Entry("security.guard_scores", "menu.guard_scores", SECURITY),  # what an assessment would keep (h3)
        # the complaints about security the desk closed (the managers read every department's under management)
        Entry("security.complaints", "menu.security_complaints", frozenset({"security"})),
        Entry("registers.duty-roster", "menu.duty_roster", SECURITY),
        Entry("registers.visitors", "menu.visitors", frozenset({"security"})),  # the desk's too, above
        # the numbers the department is judged by, read only (a manager sets them under set-up)
        Entry("security.settings", "menu.security_settings", frozenset({"security"})),
        # and its KPIs (patrol and fire-check completion, drills, major incidents; a manager's are under management)
        Entry("manager.dashboard", "menu.own_kpis", frozenset({"security"})),
    )),
    Section("menu.accounts", (
        Entry("accounts.bills", "menu.bills", COLLECTORS),
        Entry("registers.payments", "menu.payments", FINANCE),
        Entry("accounts.arrears", "menu.arrears", COLLECTORS),
        Entry("registers.reminders", "menu.reminders", COLLECTORS),  # the reminders sent (催缴记录)
        Entry("accounts.new_payment", "menu.take_payment", CASHIERS),
        Entry("accounts.fee_standards", "menu.fee_standards", FEE_SETTERS),
        Entry("accounts.billing_run", "menu.billing_run", FEE_SETTERS),
        # what owners owed the previous property company, carried over on taking the estate on (期初欠费)
        Entry("accounts.opening_balances", "menu.opening_balances", FEE_SETTERS),
        Entry("registers.settlements", "menu.settlements", FINANCE),
        Entry("registers.journals", "menu.journals", FINANCE),
        Entry("accounts.reports", "menu.reports", FINANCE),
        # 结转下期欠费 across estates: the API's is whoever reads an estate's reconciliation (r6); the
        # management's entry is under management
        Entry("across.arrears", "menu.across_arrears", FINANCE - MANAGEMENT),
        # 银行对账: the month's bank statement uploaded and matched, the accountant's (and management's) as the API's
        Entry("finance.bank_statements", "menu.bank_statements", FEE_SETTERS),
        Entry("finance.deposits", "menu.deposits", FINANCE),
        # the desk and the stewards tell the owners of low balances (遇预存余额不足的，及时通知业主)
        Entry("finance.utilities", "menu.utilities", COLLECTORS),
        Entry("finance.invoices", "menu.invoices", FINANCE),
        Entry("finance.fund", "menu.maintenance_fund", FINANCE),
        Entry("finance.disclosure", "menu.disclosure", FINANCE),
        # 公共收益: the common parts' contracts and income, the owners' money less the operator's share
        Entry("finance.public_revenue", "menu.public_revenue", FINANCE),
        # 代收代缴: money collected for others (gas, broadband, water companies), handed on to them
        Entry("finance.pass_through", "menu.pass_through", FINANCE),
    )),
    Section("menu.archive", (
        Entry("archive.records", "menu.records", ARCHIVES),
        # the equipment archives (DOMAIN.md "Archive"): the ledger and its records, read only (h5); the
        # managers find it under engineering
        Entry("registers.equipment", "menu.equipment_archive", frozenset({"archivist"})),
        Entry("registers.borrow-requests", "menu.borrow_requests", STAFF),
        Entry("registers.check-plans", "menu.check_plans", ARCHIVES),
        Entry("registers.checks", "menu.checks", ARCHIVES),
        Entry("registers.change-log", "menu.change_log", ARCHIVES),
        Entry("archive.completeness", "menu.completeness", ARCHIVES),
        # 个人信息查阅: what is held under an occupant's phone, for his request to see it (PIPL art. 45)
        Entry("archive.personal_data", "menu.personal_data", ARCHIVES),
        # the developer's handover of the estate: its documents, common areas, what is still missing (开发商移交)
        Entry("archive.estate_handovers", "menu.estate_handovers", ARCHIVES),
        # the numbers the archive is judged by, read only, and its KPIs (a manager's are under management)
        Entry("archive.settings", "menu.archive_settings", frozenset({"archivist"})),
        Entry("manager.dashboard", "menu.own_kpis", frozenset({"archivist"})),
    )),
    Section("menu.management", (
        Entry("manager.dashboard", "menu.kpis", MANAGEMENT),
        Entry("manager.complaints", "menu.complaints", MANAGEMENT),
        # the year-end across estates: each estate's complaint analysis of a period side by side (h9)
        Entry("across.complaints", "menu.across_complaints", MANAGEMENT),
        # 结转下期欠费 across estates: each estate's arrears a period carried out, and their total (h6)
        Entry("across.arrears", "menu.across_arrears", MANAGEMENT),
        # a typhoon night across estates: the open incidents of every estate, one notice to several
        Entry("across.incidents", "menu.across_incidents", MANAGEMENT),
        Entry("across.notice_form", "menu.across_notices", MANAGEMENT),
        # the operator's preparation checklist (防汛防台) written in several estates, each its own
        Entry("across.checklist_form", "menu.across_checklists", MANAGEMENT),
        Entry("manager.rectifications", "menu.rectifications", MANAGEMENT),
        Entry("manager.year", "menu.year", MANAGEMENT),
        Entry("manager.staff", "menu.staff", MANAGEMENT),
        # 移交清单: what the operator hands over when the estate's contract ends (物业撤场交接, h5); the
        # accountant's too, who refunds and hands over its money (its money alone: …/exit-money)
        Entry("manager.handover", "menu.handover_package", FEE_SETTERS),
    )),
    Section("menu.setup", (
        Entry("admin.estates", "menu.estates", ADMIN),
        Entry("admin.households", "menu.households", MASTER_DATA_EDITORS),
        Entry("admin.import_form", "menu.import", MASTER_DATA_EDITORS),
        # a handover weekend (集中交付): the flats handed to their owners from one sheet, by who records a handover
        Entry("households.handover_batch_form", "menu.handover_batch", MASTER_DATA_EDITORS),
        # the quality defects found on taking units over, until the developer has rectified them (质量缺陷整改)
        Entry("households.takeover_defects", "menu.takeover_defects", MASTER_DATA_EDITORS),
        Entry("admin.settings", "menu.settings", MANAGEMENT),
        Entry("admin.custom_fields", "menu.custom_fields", MANAGEMENT),
        Entry("admin.users", "menu.users", ADMIN),
        Entry("admin.api_keys", "menu.api_keys", ADMIN),
        Entry("webhooks.index", "menu.webhooks", MANAGEMENT),
    )),
)


def for_roles(roles):
    """The sections and entries the roles may open, in menu order; empty sections left out."""
    roles = set(roles or ())
    visible = []
    for section in SECTIONS:
        entries = tuple(entry for entry in section.entries if roles & entry.roles)
        if entries:
            visible.append(Section(section.label, entries))
    return visible


def allowed(roles, endpoint):
    return any(entry.endpoint == endpoint for section in for_roles(roles) for entry in section.entries)
