"""The default emergency plans' step titles (security-patrol's ``emergency_plans.PLANS``) in
Chinese. An estate's plan starts as a copy of the default, so its steps keep the service's
English titles until a manager writes their own; a Chinese page shows a title that is still the
default's in Chinese, and any other title as it was written. ``console/tests/test_plan_steps.py``
checks this against the service's source."""

ZH = {
    "Verify the alarm on site and from the monitoring room (确认火情)": "到现场并通过监控室确认火情",
    "Call the fire brigade (119) for a real fire": "确有火情时拨打 119 报警",
    "Report to the service-center manager": "报告服务中心经理",
    "Evacuate the building; keep fire lanes and exits clear": "疏散楼内人员，保持消防通道和出口畅通",
    "Fight an early fire with extinguishers and hydrants where it is safe": "在确保安全的前提下用灭火器和消火栓扑救初起火灾",
    "Meet and guide the fire brigade; secure the scene": "接应并引导消防队，维护现场",
    "Protect the scene; touch nothing": "保护现场，不触碰任何物品",
    "Report to the police (110)": "向公安机关报警（110）",
    "Keep the CCTV footage and gate records of the period": "保存该时段的监控录像和出入记录",
    "Inform the household concerned": "通知相关住户",
    "Find the source and shut off the water": "查找水源并关闭阀门",
    "Call the maintenance emergency team (抢险)": "通知工程部抢险队",
    "Protect equipment rooms and lifts; lay sandbags": "保护设备房和电梯，堆放沙袋",
    "Inform the households affected": "通知受影响的住户",
    "Talk to the trapped passengers over the intercom": "通过对讲安抚被困乘客",
    "Call the lift maintenance company": "通知电梯维保单位",
    "Call the rescue service (119) if someone is hurt or release is slow": "有人受伤或解救缓慢时拨打 119 求援",
    "Passengers released; lift out of service until checked": "乘客已解救；电梯停用待检",
    "Go to the scene, assess it, calm the people involved": "赶赴现场了解情况，安抚相关人员",
    "Call the police (110) on violence or a crime": "发生暴力或违法犯罪时拨打 110 报警",
    "Restore order and clear the area": "恢复秩序并疏散围观人员",
    "Find out what is cut: the whole estate, a building, a phase; the grid or our own": "查明停电范围（全小区、单栋或分期）及是市电还是小区内部故障",
    "Report to the power supply company (95598) for a cut of the grid": "市电停电时向供电公司报修（95598）",
    "Start the standby generator for fire pumps, drainage pumps and emergency lighting": "启动备用发电机，保障消防泵、排水泵和应急照明",
    "Check every lift for trapped passengers (an entrapment is an incident of its own)": "逐部检查电梯有无困人（电梯困人另行登记事件）",
    "Inform the households affected and when power is expected back": "通知受影响的住户及预计恢复供电时间",
    "Cordon off the danger (a fallen tree, a loose sign or window, debris); keep people away": "围蔽危险区域（倒伏树木、松脱招牌或门窗、杂物），疏散人员",
    "Report to the municipal or landscaping authority (or 119) what blocks a road or lies on power lines": "树木等阻断道路或压住电线时报告市政、园林部门（或 119）",
    "Call the maintenance emergency team to clear and make safe": "通知工程部抢险队清理并排除险情",
    "Photograph and list the damage (vehicles, buildings, greenery) for the claims": "拍照并列明损失（车辆、房屋、绿化），以备理赔",
}


# a default step's Chinese title back to the English one the plans keep (``views.emergency_plans``)
EN = {chinese: english for english, chinese in ZH.items()}
