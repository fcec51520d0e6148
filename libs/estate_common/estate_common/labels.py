"""The words people read for the API's field names and codes (标签), in Chinese and English: the
ones an export written in a language (``estate_common.exports``, ``language``) puts in its
headings and cells, and the web console shows on its pages, in one place.

``MESSAGES`` is a part of the console's catalogue (``console/console/messages.py`` adds it to its
own, by the same keys): each entry ``key: (中文, English)``, a key ``<group>.<code>``. The groups
are the console's: ``field.<name>`` a field's name (an export's heading), and the codes of a field
by the group its column names (``exports.Column.labels``): ``household_status``, ``kind`` (a
service request's), ``status`` (a service request's), ``channel``, ``category``, ``emergency`` (an
emergency work order's category), ``wo_status``, ``priority``, ``subject`` (what opened a work
order, among the subjects the console names), ``fee`` (a fee item), ``bill_status``,
``bill_source``, ``bill_payer``, ``pricing``, ``method``, ``payment_status``, ``journal``, ``journal_kind`` (a journal
entry's kind), ``direction`` (its money in or out), ``round`` (a patrol round's status), ``incident`` (an
incident's type; its status is ``status``'s open or closed), ``fire`` (a fire check's result), ``shift``
and ``post`` (a guard's), ``contact_kind`` (an owner contact's); ``common.yes`` and
``common.no`` a yes or no. A code a group does not name yet (one added to the API later) is
written as it is.

The standard library only: the console's image installs estate_common without its dependencies
(console/Dockerfile)."""

import re

LANGUAGES = ("zh", "en")

MESSAGES = {
    "common.yes": ("是", "Yes"),
    "common.no": ("否", "No"),
    # -- a field's name -------------------------------------------------------------------------
    "field.id": ("编号（系统）", "Id"),
    "field.number": ("编号", "Number"),
    "field.kind": ("类型", "Kind"),
    "field.status": ("状态", "Status"),
    "field.channel": ("受理渠道", "Channel"),
    "field.category": ("类别", "Category"),
    "field.priority": ("优先级", "Priority"),
    "field.emergency": ("抢险", "Emergency"),
    "field.department": ("责任部门", "Department concerned"),
    # a complaint's 撤诉 (the console's field.withdrawn_at is a notice's 撤下时间)
    "field.complaint_withdrawn_at": ("撤诉时间", "Withdrawn by the owner at"),
    "field.valid": ("是否有效", "Valid"),
    "field.escalated": ("已升级", "Escalated"),
    "field.description": ("内容", "Description"),
    "field.outcome": ("处理结果", "Outcome"),
    "field.note": ("备注", "Note"),
    "field.satisfaction": ("满意度", "Satisfaction"),
    "field.building": ("楼栋", "Building"),
    "field.unit": ("单元", "Unit"),
    "field.room": ("房号", "Room"),
    "field.area_m2": ("面积（㎡）", "Area (m²)"),
    "field.household_id": ("房屋（系统编号）", "Household id"),
    "field.request_id": ("服务请求（系统编号）", "Request id"),
    "field.work_order_id": ("工单", "Work order"),  # an id, or a fund use's number as printed (WO-…)
    "field.work_order_number": ("工单编号", "Work order number"),
    "field.equipment_id": ("设备", "Equipment"),
    "field.inspection_id": ("巡检", "Inspection"),
    "field.source": ("来源", "Source"),
    "field.source_id": ("来源（系统编号）", "Source id"),
    "field.complainant": ("投诉人", "Complainant"),
    "field.contact_name": ("联系人", "Contact name"),
    "field.contact_phone": ("联系电话", "Contact phone"),
    "field.technician": ("维修人员", "Technician"),
    "field.signed_by": ("签字人", "Signed by"),
    "field.contractor": ("维保单位", "Contractor"),
    "field.cashier": ("收银员", "Cashier"),
    "field.paid_by": ("退款人", "Paid back by"),
    "field.item": ("收费项目", "Item"),
    "field.period": ("期间", "Period"),
    "field.day": ("日期", "Day"),
    "field.method": ("支付方式", "Method"),
    "field.receipt_number": ("收据号", "Receipt number"),
    "field.transaction_id": ("支付渠道交易号", "Payment channel transaction number"),
    "field.bill_ids": ("账单", "Bills"),
    "field.bills": ("账单", "Bills"),
    "field.age_days": ("账龄（天）", "Age (days)"),
    "field.response_minutes": ("响应（分钟）", "Response (minutes)"),
    "field.labour_minutes": ("人工（分钟）", "Labour (minutes)"),
    # amounts: an export in a language writes them in yuan, so each names the yuan
    "field.amount_cents": ("金额（元）", "Amount (yuan)"),
    "field.charge_cents": ("收费（元）", "Charge (yuan)"),
    "field.labour_cost_cents": ("人工费（元）", "Labour cost (yuan)"),
    "field.material_cost_cents": ("材料费（元）", "Material cost (yuan)"),
    "field.overdue_cents": ("欠费（元）", "Overdue (yuan)"),
    "field.prepaid_cents": ("预存（元）", "Prepaid (yuan)"),
    # moments: an export in a language writes them on the estate's clock, its zone after the name
    "field.created_at": ("登记时间", "Registered at"),
    "field.updated_at": ("更新时间", "Updated at"),
    # a bill of several months (a household paying by the quarter, 按季缴费): the months it covers
    "field.covers_from": ("覆盖起始月", "Covers from"),
    "field.covers_to": ("覆盖截止月", "Covers to"),
    "field.updated_since": ("更新起始时间", "Updated since"),
    "field.matched": ("已确认房屋", "Matched to its flat"),
    "field.closed_at": ("结案时间", "Closed at"),
    "field.completed_at": ("完工时间", "Completed at"),
    "field.due_at": ("期限", "Due"),
    "field.deadline_at": ("截止时间", "Deadline"),  # a late work order's (work_order_overdue): the one that passed
    "field.overdue_at": ("逾期时间", "Overdue at"),
    "field.reported_at": ("报告时间", "Reported at"),
    "field.started_at": ("开工时间", "Started at"),
    "field.settled_at": ("结清时间", "Settled at"),
    "field.cancelled_at": ("取消时间", "Cancelled at"),
    "field.posted_at": ("入账时间", "Posted at"),
    # fields only an export names (the console shows them otherwise)
    "field.owner_name": ("业主", "Owner"),
    "field.owner_phone": ("业主电话", "Owner phone"),
    "field.answered_at": ("答复时间", "Answered at"),
    "field.reopen_count": ("重开次数", "Times reopened"),
    "field.source_type": ("来源类型", "Source type"),
    "field.emergency_category": ("抢险类别", "Emergency category"),
    "field.response_due_at": ("响应期限", "Response due"),
    "field.paid_cents": ("已缴（元）", "Paid (yuan)"),
    "field.cancel_reason": ("取消原因", "Why cancelled"),
    "field.journal": ("日记账", "Journal"),
    "field.unapplied_cents": ("未抵账单（元，转预存）", "Unapplied (yuan, prepaid)"),
    "field.prepaid_used_cents": ("使用预存（元）", "Prepaid used (yuan)"),
    "field.seller_held_cents": ("为卖方暂挂（元）", "Held for the seller (yuan)"),
    "field.prepaid_for": ("预交项目", "Prepaid for"),
    "field.payer": ("缴费人", "Payer"),  # a bill's: the developer (开发建设单位) or, empty, the owner
    "field.payer_name": ("开发建设单位名称", "Developer"),
    "field.reversal_reason": ("冲销原因", "Why reversed"),
    "field.oldest_due_at": ("最早到期时间", "Oldest due at"),
    "field.last_reminder_at": ("最近催缴时间", "Last reminder at"),
    "field.as_of": ("截至日期", "As of"),  # the arrears of a past day (GET …/arrears?as_of=, its export)
    "field.developer_overdue_cents": ("其中开发建设单位欠费（元）", "Of it the developer's (yuan)"),
    # a charge's parts (a bill's ``detail``, ChargeDetail)
    "field.detail.kind": ("明细：收费项目", "Detail: item"),
    "field.detail.entered_at": ("明细：入场时间", "Detail: entered at"),
    "field.detail.exited_at": ("明细：出场时间", "Detail: exited at"),
    "field.detail.minutes": ("明细：时长（分钟）", "Detail: minutes"),
    "field.detail.work_order_number": ("明细：工单编号", "Detail: work order number"),
    "field.detail.title": ("明细：维修内容", "Detail: repair"),
    "field.detail.pricing": ("明细：计价方式", "Detail: pricing"),
    "field.detail.area_m2": ("明细：面积（㎡）", "Detail: area (m²)"),
    "field.detail.cents_per_m2": ("明细：单价（元/㎡）", "Detail: price (yuan per m²)"),
    # -- a household -----------------------------------------------------------------------------
    "household_status.vacant": ("空置", "Vacant"),
    "household_status.occupied": ("已入住", "Occupied"),
    "household_status.renovating": ("装修中", "Renovating"),
    # -- a service request -----------------------------------------------------------------------
    "kind.consultation": ("咨询", "Consultation"),
    "kind.repair": ("报修", "Repair"),
    "kind.complaint": ("投诉", "Complaint"),
    "kind.suggestion": ("建议", "Suggestion"),
    "kind.praise": ("表扬", "Praise"),
    "channel.phone": ("电话", "Phone"),
    "channel.walk_in": ("来访", "Walk-in"),
    "channel.letter": ("来信", "Letter"),
    "channel.fax": ("传真", "Fax"),
    "channel.app": ("App", "App"),
    "channel.portal": ("业主门户", "Owner portal"),
    # a steward's round of a vacant unit (空置房巡检) or the owner's at the handover (交房验房): the
    # request's page says which (found by review r3 of h3)
    "channel.inspection": ("巡检 / 验房", "Inspection (vacant unit or handover)"),
    "status.open": ("待处理", "Open"),
    "status.verified": ("已核实", "Verified"),
    "status.escalated": ("已升级", "Escalated"),
    # forwarded to maintenance: its work order opened, a technician maybe not yet (the order's own
    # 待派工 / 已派工 says that); 已派工 read as a technician coming (a review)
    "status.dispatched": ("已转工程部", "Sent to maintenance"),
    "status.completed": ("已完工", "Completed"),
    "status.visited": ("已回访", "Return visit made"),  # the return visit, after the work: not the technician's
    "status.follow_up": ("跟进中", "Follow-up"),
    "status.replied": ("已答复", "Replied"),
    "status.closed": ("已结案", "Closed"),
    "category.water": ("给水", "Water"),
    "category.drainage": ("排水", "Drainage"),
    "category.power": ("电力", "Power"),
    "category.gas": ("燃气", "Gas"),
    "category.heating": ("供暖", "Heating"),
    "category.ventilation": ("通风", "Ventilation"),
    "category.elevator": ("电梯", "Elevator"),
    "category.fire": ("消防", "Fire"),
    "category.smart_systems": ("智能化系统", "Smart systems"),
    "category.doors_windows": ("门窗", "Doors and windows"),
    "category.walls_roof": ("墙面屋面", "Walls and roof"),
    "category.other": ("其他", "Other"),
    # -- a work order ----------------------------------------------------------------------------
    "wo_status.pending": ("待派工", "Pending"),
    "wo_status.assigned": ("已派工", "Assigned"),
    "wo_status.appointed": ("已预约", "Appointed"),
    "wo_status.in_progress": ("维修中", "In progress"),
    "wo_status.quoted": ("已报价", "Quoted"),
    "wo_status.consented": ("已同意", "Consented"),
    "wo_status.on_hold": ("待料/等住户", "On hold"),
    "wo_status.needs_help": ("需支援", "Needs help"),
    "wo_hold.parts": ("等配件", "Waiting for parts"),
    "wo_hold.occupant": ("等住户", "Waiting for the occupant"),
    "field.helper": ("协助人员", "Helper"),  # 协助: a second technician on the order
    # whether the order's technician or its helper left the estate's technicians (the list's flags)
    "field.technician_left": ("维修人员已离岗", "Technician left"),
    "field.helper_left": ("协助人员已离岗", "Helper left"),
    "field.hold_waiting_for": ("待料/等住户", "Waiting for"),
    "field.hold_expected_on": ("预计恢复日期", "Expected back on"),
    "field.hold_reason": ("暂停原因", "Hold reason"),
    "wo_status.completed": ("已完工", "Completed"),
    "wo_status.cancelled": ("已取消", "Cancelled"),
    "priority.normal": ("普通", "Normal"),
    "priority.emergency": ("紧急", "Emergency"),
    # a complaint's department (责任部门), as the console names it
    "department.customer_service": ("客服部", "Customer service"),
    "department.engineering": ("工程管理部", "Engineering"),
    "department.security": ("秩序维护部", "Security"),
    "department.environment": ("环境部（保洁、绿化）", "Environment (cleaning, greening)"),
    "department.finance": ("财务部", "Finance"),
    "department.administration": ("综合部", "Administration"),
    "department.other": ("其他", "Other"),
    "emergency.water_mains": ("供水主管破裂", "Water main"),
    "emergency.gas": ("燃气泄漏", "Gas leak"),
    "emergency.power": ("停电", "Power failure"),
    "emergency.flooding": ("水浸", "Flooding"),
    "emergency.elevator_entrapment": ("电梯困人", "Elevator entrapment"),
    # what opened it (its source's type), among the subjects the console names
    "subject.service_request": ("报事", "Service request"),
    "subject.return_visit": ("回访", "Return visit"),
    "subject.patrol_anomaly": ("巡更异常", "Patrol anomaly"),
    "subject.fire_inspection": ("消防检查", "Fire check"),
    "subject.incident": ("突发事件", "Incident"),
    "subject.maintenance_plan": ("保养计划", "Maintenance plan"),
    "subject.inspection": ("设备巡检", "Inspection"),
    # -- bills and payments ----------------------------------------------------------------------
    "fee.property_service": ("物业服务费", "Property service"),
    "fee.parking": ("停车费", "Parking"),
    "fee.renovation_management": ("装修管理费", "Renovation management"),
    "fee.renovation_deposit": ("装修押金", "Renovation deposit"),
    "fee.repair": ("有偿维修", "Paid repair"),
    "fee.paid_service": ("有偿增值服务", "Paid service"),
    "fee.deposit_deductions": ("押金扣除（损坏赔偿、垃圾清运、违规罚款）", "Kept from deposits (damage, rubbish, violations)"),
    "bill_status.unpaid": ("未缴清", "Unpaid"),
    "bill_status.paid": ("已缴清", "Paid"),
    "bill_status.cancelled": ("已取消", "Cancelled"),
    "bill_source.billing_run": ("批量计费", "Billing run"),
    "bill_source.charge": ("业务收费", "Charge"),  # raised by another service: parking, a repair, a renovation
    "bill_source.opening_balance": ("期初欠费", "Opening balance"),  # owed to the previous property company
    # who pays a bill (Bill.payer): the owner, or the developer for a unit not yet handed over (第十六条)
    "bill_payer.owner": ("业主", "Owner"),
    "bill_payer.developer": ("开发建设单位", "Developer"),
    "pricing.per_m2": ("按面积", "By floor area"),
    "pricing.fixed": ("固定金额", "Fixed amount"),
    "method.cash": ("现金", "Cash"),
    "method.wechat": ("微信", "WeChat Pay"),
    "method.alipay": ("支付宝", "Alipay"),
    "method.bank": ("银行卡", "Bank card"),
    # a bank transfer (银行转账, 对公转账): one name for it, ``transfer``, a fund deposit's too (h1: one
    # asked for a bank_transfer that this is); its label says so, "转账" read as any transfer
    "method.transfer": ("银行转账", "Bank transfer"),
    "method.opening_credit": ("期初预收（原物业公司收取）", "Opening credit (paid to the previous company)"),
    "payment_status.posted": ("已入账", "Posted"),
    "payment_status.pending": ("处理中", "Pending"),
    "payment_status.reversal_pending": ("冲销中", "Reversal pending"),
    "payment_status.reversed": ("已冲销", "Reversed"),
    "journal.cash": ("现金日记账（应交现金）", "Cash journal (cash to hand over)"),
    "journal.bank": ("银行存款日记账", "Bank journal"),
    # a journal entry's kind and whether money came in or went out (the console's journals)
    "journal_kind.payment": ("收款", "Payment"),
    "journal_kind.reversal": ("冲销", "Reversal"),
    "journal_kind.collected_charge": ("源头代收", "Collected at source"),
    "journal_kind.deposit_refund": ("押金退还", "Deposit refund"),
    "journal_kind.deposit_deduction": ("押金扣除", "Deposit deduction"),
    "journal_kind.deposit_deduction_reversal": ("押金扣除冲销", "Deposit deduction reversed"),
    "journal_kind.utility_top_up": ("水电预存", "Utility top-up"),
    "direction.in": ("收入", "Money in"),
    "direction.out": ("支出", "Money out"),
    "direction.retained": ("押金转收入", "Kept from a deposit"),
    # -- the security department's records (patrol rounds, incidents, visitors, shift handovers,
    # fire checks: security_patrol/exports.py) --------------------------------------------------
    # (most were the console's names of these fields, which its refusals name: moved here, one place)
    "field.route_id": ("路线", "Route"),
    "field.route_name": ("路线", "Route"),
    "field.plan_id": ("计划", "Plan"),
    "field.shift": ("班次", "Shift"),
    "field.scheduled_start_at": ("计划开始时间", "Scheduled start"),
    "field.guard": ("保安", "Guard"),
    "field.roster_id": ("排班（系统编号）", "Roster id"),
    "field.planned": ("计划", "Planned"),
    "field.checked": ("已打卡", "Checked in"),
    "field.on_time": ("按时", "On time"),
    "field.late": ("迟到", "Late"),
    "field.missed": ("漏巡", "Missed"),
    "field.overdue": ("已逾期", "Overdue"),
    "field.anomalies": ("异常", "Anomalies"),
    "field.finished_at": ("结束时间", "Finished at"),
    "field.type": ("类型", "Type"),
    "field.major": ("重大", "Major"),
    "field.location": ("位置", "Location"),
    "field.work_order": ("抢险工单", "Emergency work order"),
    "field.pending_steps": ("待完成步骤", "Steps to do"),
    "field.escalated_to": ("已上报对象", "Escalated to"),
    "field.summary": ("摘要", "Summary"),
    "field.occurred_at": ("发生时间", "Occurred at"),
    "field.opened_at": ("开始时间", "Opened at"),
    "field.opened_by": ("登记人", "Recorded by"),
    # an entrapment's release (困人解救: security_patrol's incidents)
    "field.released_at": ("解救时间", "Passengers released at"),
    "field.release_minutes": ("解救用时（分钟）", "Release time (minutes)"),
    "field.release_target_minutes": ("解救时限（分钟）", "Release target (minutes)"),
    "field.release_within_target": ("时限内解救", "Released within target"),
    "field.name": ("名称", "Name"),
    "field.phone": ("电话", "Phone"),
    "field.visiting_household_id": ("拜访住户", "Visiting household"),
    "field.purpose": ("用途", "Purpose"),
    "field.plate": ("车牌号", "Plate number"),
    "field.arrived_at": ("到访时间", "Arrived at"),
    "field.registered_by": ("登记人", "Registered by"),
    "field.departed_at": ("离开时间", "Left at"),
    "field.departed_by": ("离开登记人", "Departure recorded by"),
    "field.departure_notes": ("离开备注", "Departure notes"),
    "field.stays": ("停车次数", "Parking stays"),  # a visitor's: his visit's stays at the gate
    "field.car_inside": ("车辆在场", "Car inside"),
    "field.date": ("日期", "Date"),
    "field.post": ("岗位", "Post"),
    "field.from_guard": ("交班人", "From"),
    "field.to_guard": ("接班人", "To"),
    "field.notes": ("备注", "Notes"),
    "field.handed_over_at": ("交接时间", "Handed over at"),
    "field.recorded_by": ("记录人", "Recorded by"),
    # a handover's acceptance (接班确认); accepted_at is a renovation's joint acceptance (验收) on archive's
    # records, so the handover export names its own column (``heading.handover_accepted_at``)
    "field.accepted_by": ("确认人", "Accepted by"),
    "field.accepted_at": ("验收时间", "Accepted at"),
    "heading.handover_accepted_at": ("接班确认时间", "Accepted at"),
    # -- the steward's records (owner contacts: customer_service/exports.py; vacant-unit inspections:
    # archive/exports.py), which the console's pages name too ------------------------------------
    "field.by": ("经办人", "By"),
    "field.inspected_on": ("检查日期", "Inspected on"),
    "field.inspector": ("检查人", "Inspector"),
    "field.problems": ("问题", "Problems"),
    "field.contacted_at": ("联系时间", "Contacted at"),
    "contact_kind.steward_contact": ("物管员月度联系", "Steward's contact"),
    "contact_kind.manager_visit": ("经理走访", "Manager's visit"),
    "channel.message": ("消息", "Message"),
    "channel.visit": ("上门", "Visit"),
    "field.problem_count": ("问题数", "Problems found"),
    # meter readings at a handover or a sale (交房抄表 / 过户抄表: archive/exports.py, the household page)
    "field.occasion": ("抄表时机", "Occasion"),
    "field.meter_kind": ("表类", "Meter"),
    "field.meter_number": ("表号", "Meter number"),
    "field.reading": ("读数", "Reading"),
    "field.read_on": ("抄表日期", "Read on"),
    "field.replacement": ("换表", "Meter replaced"),
    "field.previous_reading": ("上次读数", "Previous reading"),
    "field.previous_read_on": ("上次抄表日期", "Previously read on"),
    "field.photo_ref": ("照片编号", "Photo reference"),
    "meter_kind.water": ("水表", "Water"),
    "meter_kind.electricity": ("电表", "Electricity"),
    "meter_kind.gas": ("燃气表", "Gas"),
    "meter_occasion.handover": ("交房", "Handover"),
    "meter_occasion.transfer": ("过户", "Transfer (sale)"),
    "meter_occasion.move_out": ("退租/退房", "Move-out"),
    "heading.contact_channel": ("联系方式", "Contacted by"),

    "field.acceptance_notes": ("确认备注", "Acceptance notes"),
    "field.equipment_code": ("设备编号", "Equipment code"),
    # the equipment ledger's records (maintenance's equipment_records export: 电梯维修记录), as the console names them
    "field.equipment_name": ("设备名称", "Equipment name"),
    "field.equipment_system": ("设备系统", "System"),
    "field.recorded_at": ("登记时间", "Recorded at"),  # the console's word too
    "field.materials_used": ("所用材料（更换部件）", "Materials used (parts replaced)"),
    "system.water": ("给排水", "Water"),
    "system.power": ("供配电", "Power"),
    "system.heating": ("供暖", "Heating"),
    "system.ventilation": ("通风", "Ventilation"),
    "system.elevator": ("电梯", "Elevator"),
    "system.fire": ("消防", "Fire"),
    "system.smart": ("智能化", "Smart systems"),
    "record.inspection": ("巡检", "Inspection"),
    "record.maintenance": ("保养", "Maintenance"),
    "record.repair": ("维修", "Repair"),
    # what maintenance writes on an equipment's ledger (RECORD_RESULTS): the console's pages and a file in a
    # language read it in theirs (``said``)
    "record_text.completed": ("完工（{number}）", "completed ({number})"),
    "record_text.findings": ("发现 {count} 项问题", "{count} findings"),
    "record_text.findings.one": ("发现 {count} 项问题", "{count} finding"),
    "record_text.passed": ("合格", "passed"),
    "record_text.checklist": ("检查表 {name}", "checklist {name}"),
    "field.result": ("结果", "Result"),
    "field.checklist_id": ("巡检表", "Checklist"),
    "field.failed_items": ("不合格项数", "Items failed"),
    "field.inspected_at": ("检查时间", "Inspected at"),
    "field.inspected_by": ("检查人", "Checked by"),
    # a round's status, an incident's type, a fire check's result, a shift and a post (the console's too)
    "round.open": ("进行中", "Open"),
    "round.finished": ("已结束", "Finished"),
    "incident.fire_alarm": ("火警", "Fire alarm"),
    "incident.burglary": ("盗窃", "Burglary"),
    "incident.flooding": ("水浸", "Flooding"),
    "incident.elevator_entrapment": ("电梯困人", "Elevator entrapment"),
    "incident.public_disorder": ("治安事件", "Public disorder"),
    "incident.power_outage": ("停电", "Power outage"),
    "incident.storm_damage": ("台风暴雨灾损（树木倒伏等）", "Storm damage (fallen trees…)"),
    "fire.ok": ("正常", "OK"),
    "fire.defect": ("缺陷", "Defect"),
    "shift.day": ("白班", "Day"),
    "shift.evening": ("中班", "Evening"),
    "shift.night": ("夜班", "Night"),
    "post.gate": ("门岗", "Gate"),
    "post.patrol": ("巡逻岗", "Patrol"),
    "post.monitoring_room": ("监控室", "Monitoring room"),
}


def text(key, language):
    """The words of ``key`` in ``language`` (``zh`` or ``en``), or None when it has none."""
    texts = MESSAGES.get(key)
    return texts[LANGUAGES.index(language)] if texts else None


def code(group, value, language):
    """A code's label in ``group`` (``wo_status``, ``fee``...), a yes or no as such, or the value
    as it is (a code the group does not name, an empty cell)."""
    if isinstance(value, bool):
        return text("common.yes" if value else "common.no", language)
    if value is None or value == "":
        return value
    return (text(f"{group}.{value}", language) or value) if group else value


# What maintenance composes as an equipment record's ``result`` (``ledger.record_from_order``,
# ``checklists.equipment_record``), each with the key of its words: the console's pages
# (``console.i18n.record_result``) and a file in a language (maintenance's exports) read them so, the
# words composed by the services' own code in tests/contracts/test_composed_descriptions.py.
RECORD_RESULTS = (
    (r"completed \((?P<number>\S+)\)", "record_text.completed"),
    (r"(?P<count>\d+) finding\(s\)", "record_text.findings"),
    (r"passed", "record_text.passed"),
)


def said(forms, value, language):
    """``value``, a text a service composed by one of ``forms`` (``(pattern, key)`` pairs, as
    ``RECORD_RESULTS``), in ``language``: the key's words with the parts the pattern read (a ``count``
    of 1 by the key's ``.one`` words where it has them); any other value (a result typed by hand) as
    it is."""
    if not isinstance(value, str):
        return value
    for pattern, key in forms:
        found = re.fullmatch(pattern, value, re.DOTALL)
        if found:
            parts = found.groupdict()
            words = (parts.get("count") == "1" and text(f"{key}.one", language)) or text(key, language)
            return words.format(**parts) if words else value
    return value


def field(name, language):
    """A field's name as people read it (``field.<name>``), or the name as it is."""
    return text(f"field.{name}", language) or name


def words(key):
    """``{language: words}`` of ``key``: a heading an export names apart from its field's
    (``estate_common.exports.Column.words``)."""
    return {language: text(key, language) for language in LANGUAGES}
