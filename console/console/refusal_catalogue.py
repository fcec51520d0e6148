"""Every refusal sentence the services and the gateway write (a problem's ``detail``, a field's
message), as their source writes it, with its Chinese: see ``refusals.py`` for how a page reads
them and ``console/tests/test_refusals.py`` for the check that keeps this in step with the sources.

A new refusal in a service needs its line here (the test names the sentence and where it is
written); ``{N}`` are the f-string's values in order, ``{N:group}`` one shown by its label. A
number said with its unit (``estate_common.wording.counted``: "1 day", "3 days") is two sentences,
``… {0} day`` beside ``… {0} days``, with the same Chinese.
"""
ZH = {
    # -- gateway ---------------------------------------------------------------------
    # the handover package at a contract's end (gateway/estate_handover.py, finance/exit_handover.py)
    "as_of is the contract's last day, YYYY-MM-DD":
        'as_of 为物业服务合同的截止日，格式 YYYY-MM-DD',
    "is the contract's last day, YYYY-MM-DD":
        '须为合同截止日，格式 YYYY-MM-DD',
    'your role may not do this':
        '你的角色无权执行此操作',
    'your role may not do this: it is for {0}':  # {0}: the route's roles, "manager or operator_admin"
        '你的角色无权执行此操作：须由{0:role}执行',
    '{0}: try again later':  # a rate limit's (gateway/limits.py): {0} is one of the FRAGMENTS below
        '{0}，请稍后再试',
    '{0} does not offer {1}: a replica of an older version answered':  # rpc_client: a rolling deploy's
        '{0} 尚不支持 {1}：应答的是旧版本的实例，请稍后重试',
    'too many sign-ins at once: try again in a moment':
        '同时登录的人太多，请稍后再试',
    'the body stopped coming: nothing for {0} s':
        '提交中断：{0} 秒内没有收到后续内容',
    'the body is larger than {0} bytes':
        '提交的内容超过 {0} 字节',
    'this estate is outside your scope':
        '此小区不在你的权限范围内',
    'send a Bearer token or an API key, not both':
        'Bearer 令牌和 API 密钥只能发送其中一个，不能同时发送',
    'no such API key':
        'API 密钥不存在',
    'an API key has no user account':
        'API 密钥没有用户账号，不能执行此操作',
    # the staff's own work (gateway/policy.PEOPLE_ONLY): an owner app's key planned and ran activities
    "an API key may not do this: it is the staff's, signed in":
        'API 密钥无权执行此操作：须由工作人员登录后操作',
    "this is an API key's own record: a person reads GET /api/v1/users/me":
        '这是 API 密钥自己的记录：用户请查看 GET /api/v1/users/me',
    'the API key is not valid':
        'API 密钥无效',
    'a key replaces one of the keys':
        '新密钥只能替换已有的密钥',
    'is no API key':
        '不是已有的 API 密钥',
    'API key {0} is replaced by another key already: make the new key replace that one':
        'API 密钥 {0} 已被另一个密钥替换：请让新密钥替换那个密钥',
    'is replaced by another key already':
        '已被另一个密钥替换',
    'no such custom field in this estate':
        '本小区没有这个自定义字段',
    'query parameters are not valid':
        '查询参数无效',
    'must be one of {0}':
        '须为以下之一：{0}',
    'period must be a month, a quarter, a year or an ISO week: YYYY-MM, YYYY-Qn, YYYY or YYYY-Www':
        '期间须为月、季度、年或 ISO 周：YYYY-MM、YYYY-Qn、YYYY 或 YYYY-Www',
    'must be YYYY-MM, YYYY-Qn or YYYY':
        '须为 YYYY-MM、YYYY-Qn 或 YYYY',
    'must be YYYY-MM, YYYY-Qn, YYYY or YYYY-Www':
        '须为 YYYY-MM、YYYY-Qn、YYYY 或 YYYY-Www',
    '{0} is not a week of its year':  # {0}: the field, "period"
        '{0} 不是该年的周',
    '{0} is not an ISO week of {1}, which has {2} weeks':  # a KPI period's week (estate_common.calendar.week_monday)
        '{0} 不是 {1} 年的 ISO 周：{1} 年共有 {2} 周',
    'is a week the calendar cannot reach':
        '是日历无法表示的周',
    'archive completeness is counted by the month, not of a week':
        '资料归档完整率按月统计，不按周计算',
    "the services count what they closed by the month (their closed counts), which the archive's records are held against; read the week's month":
        '各服务按月上报已关闭的事项（关闭计数），档案记录据此核对；请查看该周所在月份',
    'type is not an incident type':  # the incidents across estates (跨小区事件)
        'type 不是事件类型',
    'is not an incident type':
        '不是事件类型',
    'since must be a UTC time':
        'since 须为 UTC 时间',
    'a write to several estates is sent with an Idempotency-Key: sent again with it, it is made in none twice':
        '发布到多个小区须带 Idempotency-Key：带同一个键再次提交，不会在任何小区重复发布或建立',
    'must be a UTC time: YYYY-MM-DDThh:mm:ssZ, e.g. 2026-03-01T08:30:00Z':
        '须为 UTC 时间：YYYY-MM-DDThh:mm:ssZ，例如 2026-03-01T08:30:00Z',
    'must be a day: YYYY-MM-DD, e.g. 2026-03-01':
        '须为日期：YYYY-MM-DD，例如 2026-03-01',
    'must be a day (YYYY-MM-DD) or a UTC time (YYYY-MM-DDThh:mm:ssZ)':
        '须为日期（YYYY-MM-DD）或 UTC 时间（YYYY-MM-DDThh:mm:ssZ）',
    'must be a month: YYYY-MM, e.g. 2026-03':
        '须为月份：YYYY-MM，例如 2026-03',
    'Idempotency-Key is not valid':
        'Idempotency-Key 无效',
    'must be 1 to {0} printable ASCII characters, no space at either end':
        '须为 1 至 {0} 个可打印 ASCII 字符，首尾不能有空格',
    'Idempotency-Key was used before with another body':
        '此 Idempotency-Key 之前已用于内容不同的请求',
    'a request with this Idempotency-Key is still being processed':
        '使用此 Idempotency-Key 的请求仍在处理中',
    'no user {0}':
        '用户 {0} 不存在',
    'unknown estates':
        '有小区不存在',
    'retired estates are given to no active account or key':  # gateway/retirements.py
        '已停用的小区不能分配给在用的账号或 API 密钥',
    'is a retired estate':
        '是已停用的小区',
    'the estate was retired at {0}: its service contract ended and it takes no new requests':
        '此小区已于 {0} 停用：服务合同已终止，不再受理新的报事',
    'the estate was retired at {0}: it takes no new work, only what closes out its past (payments, reversals, open work, its archive) until the operator admin reinstates it':
        '此小区已于 {0} 停用：不再受理新的工作，只受理了结既往的事项（缴费、冲正、未完成的工单、档案），运营管理员恢复服务后方可受理',
    'the estate is still held by {0}: move each account to another estate or deactivate it, and revoke each API key, before retiring it':
        '此小区仍由 {0} 持有：停用小区前，请先将每个账号调往其他小区或停用该账号，并吊销每个 API 密钥',
    '{0} holds the estate':
        '{0} 仍持有此小区',
    # a retirement reads the handover package first (gateway/retirements.py, h8)
    "the estate's handover package has {0} outstanding: settle or hand over each first, or give an override_reason (an estate created by mistake)":
        '此小区的撤场移交清单尚有未结清事项（{0}）：请先逐项结清或移交，或填写强制停用理由（如误建的小区）',
    '{0}: {1} outstanding':
        '{0}：{1} 项未结清',
    'the handover package could not be read, {0} did not answer: the estate is not retired on a package unread; try again':
        '撤场移交清单无法读取，{0} 未应答：清单未读全不停用小区，请稍后重试',
    '{0} did not answer':
        '{0} 未应答',
    'the estate is being given to an account or key at this moment: try again, then move the account to another estate or revoke the key':  # gateway/estate_guards.py
        '此小区正在分配给账号或 API 密钥：请重试，并先将该账号调往其他小区或吊销该密钥',
    'is being given to an account or key':
        '正在分配给账号或 API 密钥',
    'is being retired':
        '正在停用',
    'unknown username or wrong password':
        '用户名不存在或密码错误',
    'building must be 1 to 20 characters':
        '楼栋须为 1 至 20 个字符',
    'must be 1 to {0} characters, not blank':
        '须为 1 至 {0} 个字符，不能为空白',
    'building must not hold control characters':
        '楼栋不能包含控制字符',
    'must not hold control characters':
        '不能包含控制字符',
    "the owner portal's page is not served here":
        '业主门户页面不由此处提供',
    'the body must be a JSON object':
        '请求体须为 JSON 对象',
    'must be a JSON object':
        '须为 JSON 对象',
    'a number in the body is too large':
        '请求体中有数值过大',
    'has a number too large':
        '含有过大的数值',
    'a number in the body has more decimals than a number holds':
        '请求体中有数值的小数位数超出可表示的范围',
    'has more decimals than a number holds: a whole number has none, an amount in cents is whole':
        '小数位数超出可表示的范围：整数不带小数，以分计的金额须为整数',
    'unknown scope':  # GET /readyz?scope= (an operator's, not a page's)
        '未知的检查范围',
    'the body is nested deeper than {0} levels':
        '请求体嵌套超过 {0} 层',
    'is nested deeper than {0} levels':
        '嵌套超过 {0} 层',
    'the body holds text that is not valid Unicode':
        '请求体含有无效的 Unicode 文本',
    'holds a lone surrogate (\\ud800-\\udfff)':
        '含有孤立的代理字符（\\ud800-\\udfff）',
    'unknown query parameters':
        '有未知的查询参数',
    'is not a parameter {0}':
        '不是{0}支持的查询参数',
    'at most {0} custom filters':
        '自定义字段筛选条件最多 {0} 个',
    'one custom filter too many':
        '超出自定义字段筛选条件的数量上限',
    'limit must be a whole number from 1 to 200':
        'limit 须为 1 至 200 的整数',
    'period must be a month, a quarter or a year: YYYY-MM, YYYY-Qn or YYYY':
        '期间须为月、季度或年：YYYY-MM、YYYY-Qn 或 YYYY',
    'limit must be a whole number from 1 to {0}: each estate is asked':
        'limit 须为 1 至 {0} 的整数：每个小区都要读取一次',
    'must be a whole number from 1 to {0}':
        '须为 1 至 {0} 的整数',
    'must be a whole number from 1 to 200':
        '须为 1 至 200 的整数',
    'cursor is empty: leave it out for the first page':
        'cursor 为空：查询第一页时请不要带此参数',
    'is not a position in this list':
        '不是此列表中的有效位置',
    'send the body without a Content-Encoding: none is accepted':
        '请求体请勿压缩或编码（不接受 Content-Encoding）',
    'a password holds at least 5 different characters':
        '密码至少包含 5 个不同的字符',
    'has fewer than 5 different characters':
        '不同的字符少于 5 个',
    'the password is among the first a guess tries: choose another':
        '该密码属于最先被猜到的一类，请另选',
    'holds the username':
        '含有用户名',
    'is a common word or a run of the keyboard with only a few digits or symbols around it':
        '是常见单词或键盘上的连续按键，前后只加了少量数字或符号',
    'is a run of the keyboard, the alphabet or the digits':
        '是键盘、字母表或数字上的连续字符',
    'the body is not valid JSON':
        '请求体不是有效的 JSON',
    'is not valid JSON':
        '不是有效的 JSON',
    # a contract's enum (estate_common/contracts.py _not_one_of): {0} are the contract's values
    'the value is not one of the allowed values (did you mean {0}?)':
        '不是允许的取值（是否应为 {0}？）',
    'the value is not one of the {0} allowed values (the contract lists them)':
        '不是 {0} 个允许取值之一（见接口契约）',
    'the value is not one of {0}':
        '不是以下取值之一：{0}',
    'a key is given twice in one object of the body':
        '请求体的同一对象中有重复的键',
    'is given twice in one object':
        '在同一对象中出现了两次',
    'a query parameter is given more than once':
        '有查询参数重复出现',
    'is given more than once: one value each':
        '重复出现：每个参数只能给一个值',
    'a Bearer token (Authorization) or an API key (X-API-Key) is required':
        '需要 Bearer 令牌（Authorization）或 API 密钥（X-API-Key）',
    'the token has expired':
        '令牌已过期',
    'the sign-in is older than a session may last: sign in again':
        '本次登录已超过最长登录时长，请重新登录',
    'the token is not valid':
        '令牌无效',
    'the form has no file':
        '表单中没有文件',
    "send the file as the form's file part":
        '请将文件作为表单的 file 部分发送',
    'the file is empty':
        '文件为空',
    'is empty':
        '为空',
    'you cannot deactivate your own account':
        '不能停用自己的账号',
    'you cannot remove your own operator_admin role':
        '不能移除自己的运营管理员（operator_admin）角色',
    'an operator admin cannot lock themselves out':
        '运营管理员不能把自己锁在系统之外',
    'is wrong':
        '不正确',
    'the new password must differ from the current one':
        '新密码须与当前密码不同',
    'is the current password':
        '与当前密码相同',
    'the user was being changed by another request meanwhile: send the change again':
        '该用户正被另一个请求修改：请重新提交本次修改',
    'role is not a role':
        '角色不存在',
    '{0} is true or false':  # {0}: the list's parameter (gateway/requests_in.flag), by its field label
        '{0:field}须为 true 或 false',
    'an operator admin sees every estate: give none':
        '运营管理员可查看所有小区：无需指定小区',
    'must be empty for an operator admin':
        '运营管理员不指定小区',
    'a maintenance supervisor is held with technician: give both':
        '工程维修主管须同时是维修工：请同时勾选两个角色',
    'must hold technician with maintenance_supervisor':
        '工程维修主管须同时持有维修工角色',
    'a security team lead is held with security: give both':
        '秩序维护班长须同时是秩序维护员：请同时勾选两个角色',
    "a roll call is the security team lead's or supervisor's":
        '班组考勤由秩序维护班长或主管记录',
    "a spot check is the security team lead's or supervisor's":
        '查岗由秩序维护班长或主管记录',
    "a discipline record is the security team lead's or supervisor's":
        '违纪记录由秩序维护班长或主管登记',
    "a training is the security supervisor's":
        '培训由秩序维护主管登记',
    "an assessment is the security supervisor's":
        '队员考核由秩序维护主管进行',
    "no one records a fault against himself: another of the team's leaders does":
        '不能给自己登记违纪：请由班组其他负责人登记',
    'was found at a post by a spot check of this shift':
        '本班次查岗时已见其在岗',
    'a post found unmanned has no guard found on it':
        '岗位无人时不填在岗队员',
    'is only for a post found manned':
        '仅岗位有人值守时填写',
    "no one corrects his own entry of a roll call: another of the team's leaders does":
        '不能更正自己的考勤记录：请由班组其他负责人更正',
    'no one assesses himself: another security supervisor does':
        '不能考核自己：请由另一位秩序维护主管考核',
    'must hold security with security_lead':
        '秩序维护班长须同时持有秩序维护员角色',
    'a security supervisor is held with security: give both':
        '秩序维护主管须同时是秩序维护员：请同时勾选两个角色',
    'must hold security with security_supervisor':
        '秩序维护主管须同时持有秩序维护员角色',
    'an estate role works in an estate: give at least one':
        '小区岗位的账号须在小区工作：请至少指定一个小区',
    'must name at least one estate for an estate role':
        '小区岗位须至少指定一个小区',
    'q is 1 to 100 characters, one of them visible':
        '搜索内容须为 1 至 100 个字符，且至少一个可见字符',
    'must be 1 to 100 characters, one of them visible':
        '须为 1 至 100 个字符，且至少一个可见字符',
    'an active account has not left: leave active out, or give false':
        '启用中的账号没有离职：请不选启用状态，或选“否”',
    'must be false or left out beside a deactivated_ filter':
        '按停用时间筛选时，启用状态须为“否”或不选',
    'deactivated_in is a month, a quarter or a year':
        '停用期间须为月份、季度或年份',
    'must be a month YYYY-MM, a quarter YYYY-Qn or a year YYYY':
        '须为月份 YYYY-MM、季度 YYYY-Qn 或年份 YYYY',
    'a deactivated_ bound is a day or a UTC timestamp':
        '停用时间的起止须为日期或 UTC 时间',
    'must be a day YYYY-MM-DD or a UTC timestamp':
        '须为日期 YYYY-MM-DD 或 UTC 时间',
    'deactivated_to is before deactivated_from':
        '停用时间的截止早于起始',
    'must not be before deactivated_from':
        '不能早于停用起始时间',
    'the webhook is switched off: switch it on to redeliver':
        '该 Webhook 已停用：请先启用再重新推送',
    'a month\'s budget is more than 0 (a month without a budget has none set)':
        '月度预算须大于 0（不设预算的月份无需录入）',
    'is 0':
        '为 0',
    'an opening balance is owed for a past or the current month ({0})':
        '期初欠费只能录入已过去的月份或本月（本月为 {0}）',
    'the household\'s {0} of {1} is carried over already ({2}): a month is owed once':
        '该户 {1} 的{0:fee}已录入期初欠费（{2}）：同一月份只欠一次',
    'the household\'s {0} of {1} is billed already ({2}): a month is owed once':
        '该户 {1} 的{0:fee}已有账单（{2}）：同一月份只欠一次',
    '{0} is billed by {1} cycle here: carry the cycle over as its first month ({2})':
        '本小区{0:fee}{1:cycle}计费：请把整个周期作为其首月（{2}）录入期初欠费',
    'inside a {0} cycle billed as {1}':
        '在{0:cycle}计费的周期内，该周期以 {1} 出账',
    'carried over already: {0}':
        '已录入期初欠费：{0}',
    'billed already: {0}':
        '已有账单：{0}',
    'a period before {0} is outside the estate\'s catch-up window (catch_up_months: {1})':
        '早于 {0} 的账期超出本小区可补录的范围（可补录的月数：{1}）',
    'is before {0}, the earliest period the estate may still catch up':
        '早于 {0}，即本小区仍可补录的最早账期',
    # a household's account (finance/statement.py): its range of months
    'the range ends before it begins':
        '截止月份早于起始月份',
    'is before from ({0})':
        '早于起始月份（{0}）',
    'the range begins after this month':
        '起始月份晚于本月',
    'is after this month ({0})':
        '晚于本月（{0}）',
    'a household\'s account covers at most {0} months at a time':
        '对账单一次最多涵盖 {0} 个月',
    'is more than {0} months before to ({1})':
        '比截止月份（{1}）早了 {0} 个月以上',
    'change your own password with your current one (POST /api/v1/users/me/password)':
        '请凭当前密码修改自己的密码（POST /api/v1/users/me/password）',
    'is your own: change it with your current password':
        '是你本人的账号：请凭当前密码修改',
    'an operator admin reset your password: change it (POST /api/v1/users/me/password) before anything else':
        '运营管理员已重置你的密码：请先修改密码（POST /api/v1/users/me/password），再进行其他操作',
    'the token was signed out':
        '已退出登录，该令牌已失效',
    'this username is reserved':
        '此用户名为系统保留',
    'this username is taken':
        '此用户名已被使用',
    'no such delivery of this webhook':
        '此 Webhook 没有这条推送记录',
    'no such webhook in this estate':
        '本小区没有这个 Webhook',
    "only a manager or the operator admin sets up an estate's webhooks":
        '只有服务中心经理或运营管理员可以设置小区的 Webhook 推送',
    'the delivery is pending: it is being tried already':
        '该推送处于待推送状态，正在尝试推送',
    # a bulk redelivery skips the delivery another call redelivered meanwhile: shown only if a
    # later caller let it through (integrations/webhooks.py redeliver_failed)
    'the delivery is {0}: redelivered by another call':
        '该推送已由另一次调用重新推送（当前状态：{0}）',
    'the subscription this Idempotency-Key made was deleted since: send it with another key for a new one':
        '此 Idempotency-Key 创建的 Webhook 订阅已被删除：如需新建，请换一个 Idempotency-Key 重新提交',
    'the webhook URL is not allowed':
        '不允许使用此推送地址',
    'unknown event types':
        '有未知的事件类型',
    'is not a public event type':
        '不是公开的事件类型',
    'an event type is named twice':
        '有事件类型重复',
    'must not repeat':
        '不能重复',
    'every event type is asked for by "*" alone':
        '"*"（全部事件类型）只能单独选择',
    '"*" (every event type, those added later too) stands alone':
        '"*"（全部事件类型，含以后新增的）不能与其他事件类型同时选择',
    'text in the body holds a control character':
        '提交的文字中含有控制字符',
    'holds a control character':
        '含有控制字符',
    'text in the body has no visible character':
        '提交的文字中没有可见字符',
    'a query parameter holds a control character':
        '查询参数中含有控制字符',
    'a query parameter has no visible character':
        '查询参数中没有可见字符',
    'has no visible character':
        '没有可见字符',
    # -- libs ------------------------------------------------------------------------
    "the call's caller is not signed":
        '本次调用未附调用方签名',
    "the call's caller signature is malformed":
        '调用方签名格式有误',
    "the call's caller is signed for another method":
        '调用方签名针对的是另一个接口方法',
    "the call's caller signature does not match":
        '调用方签名不匹配',
    "the call's caller signature has expired":
        '调用方签名已过期',
    'the period is outside the calendar':
        '期间超出日历范围',
    'is a month the calendar cannot reach':
        '超出日历可表示的月份范围',
    '{0} is not a day of the calendar':
        '{0} 不是日历上存在的日期',
    'is not a day of the calendar':
        '不是日历上存在的日期',
    '{0} is outside the years {1} to {2}':
        '{0} 超出 {1} 至 {2} 年的范围',
    'is a day from {0} to {1}':
        '须为 {0} 至 {1} 年之间的日期',
    '{0} is outside the calendar':
        '{0} 超出日历范围',
    'is a day the calendar cannot reach':
        '超出日历可表示的日期范围',
    '{0} is not a time':
        '{0} 不是有效的时间',
    'is not a valid date or time':
        '不是有效的日期或时间',
    'the timezone is not known':
        '无法识别该时区',
    'must be an IANA timezone name, e.g. Asia/Shanghai':
        '须为 IANA 时区名称，如 Asia/Shanghai',
    'item {0} needs a reading':
        '检查项 {0} 须填写读数',
    'is required for reading item {0}':
        '读数项 {0} 须填写读数',
    'item {0} is a reading':
        '检查项 {0} 是读数项，不填是否合格',
    'is not for reading item {0}':
        '读数项 {0} 不填此项',
    'item {0} needs passed':
        '检查项 {0} 须填写是否合格',
    'is required for pass/fail item {0}':
        '合格/不合格项 {0} 须填写是否合格',
    'item {0} is pass/fail':
        '检查项 {0} 是合格/不合格项，不填读数',
    'is not for pass/fail item {0}':
        '合格/不合格项 {0} 不填此项',
    'no item {0} on this checklist':
        '此检查表没有检查项 {0}',
    'item {0} has two results':
        '检查项 {0} 填了两条结果',
    'no result for {0}':
        '检查项 {0} 未填结果',
    'no result for item {0}':
        '检查项 {0} 未填结果',
    '{0} is not in openapi.yaml':
        '{0} 不在 openapi.yaml 中',
    '{0} {1} does not declare {2} {3}':
        '{0} {1} 未声明 {2} {3} 响应',
    'is not an allowed field':
        '不是允许的字段',
    'is not an allowed field here':
        '此处不允许填写该字段',
    'this custom field is archived':
        '此自定义字段已停用',
    'is archived':
        '已停用',
    'must not be empty':
        '不能为空',
    'custom values are not valid':
        '自定义字段的值有误',
    'is not a custom field of this estate':
        '不是本小区的自定义字段',
    'custom filters are not valid':
        '自定义字段筛选条件有误',
    'a choice is empty':
        '有选项为空',
    'must not hold an empty choice':
        '不能包含空选项',
    'a choice is listed twice':
        '有选项重复',
    'must not list a choice twice':
        '选项不能重复',
    'key is not valid':
        '键有误',
    'must match ^[a-z][a-z0-9_]{{0,31}}$':
        '须以小写字母开头，只含小写字母、数字和下划线，最多 32 位（^[a-z][a-z0-9_]{{0,31}}$）',
    'resource is not valid':
        '对象有误',
    'is not a resource with custom fields':
        '不是可设自定义字段的对象',
    'a choice field needs its choices':
        '选项字段须填写选项',
    'is required for a choice field':
        '选项字段必填',
    'only a choice field has choices':
        '只有选项字段才有选项',
    'is for a choice field only':
        '仅适用于选项字段',
    'the {0} has {1} custom fields already':
        '{0:custom_resource}已有 {1} 个自定义字段，已达上限',
    'one too many':
        '超出数量上限',
    'your role may not start this kind of job':
        '你的角色无权启动此类任务',
    '{0} would hold {1} cents, more than the {2} cents any balance may':
        '{0}将达到 {1}，超过系统上限 {2}',
    'would take the balance above {0} cents':
        '将使余额超过上限 {0}',
    '{0} is billed as one bill, which holds at most {1} cents':  # {0}: a quote, a charge (FRAGMENTS)
        '{0}将开成一张账单，一张账单最多 {1}',
    'is more than the {0} cents one bill holds':
        '超过一张账单的上限 {0}',
    'a deduction is a damage, cleanup, violation or fees of some cents, with its reason':
        '押金扣除须写明项目（损坏赔偿、垃圾清运、违规罚款或抵扣物业费）、金额和原因',
    "a manager reverses a deposit's deductions":
        '押金扣除由经理冲销',
    "only a refunded deposit's deductions are reversed":
        '只有已退还押金的扣除可以冲销',
    "the deposit's deductions are reversed already":
        '该押金的扣除已冲销',
    'reversed already':
        '已冲销',
    'the refund kept no deduction to reverse (fees paid from the deposit are a payment: reverse the payment)':
        '该次退押金没有可冲销的扣除（押金抵扣的物业费是一笔收款，请冲销该收款）',
    'kept no deduction':
        '没有扣除',
    'a reversal says why':
        '冲销须写明原因',
    "a refund's deductions are reversed within its own month ({0})":
        '押金扣除只能在退还当月（{0}）内冲销',
    'its month {0} is over':
        '所属月份 {0} 已结束',
    "a manager approves or rejects a deposit's deductions":
        '押金扣除由经理批准或驳回',
    'no refund of this deposit awaits approval':
        '该押金没有待审批的退款',
    'awaits no approval':
        '没有待审批的扣除',
    'the refund approved is no longer approved (a manager rejected it meanwhile): nothing was paid; read the deposit again':
        '经理批准的退款已不再有效（其间已被驳回），未支付任何款项；请刷新押金后重新办理',
    'no refund approved to pay':
        '没有可按批准支付的退款',
    'a rejection says why':
        '驳回须写明原因',
    'say why':
        '请写明原因',
    'the deductions differ from those the manager approved: pay those, or ask again':
        '扣除与经理批准的不一致：请按批准的办理，或重新提交',
    'are not those approved':
        '与批准的扣除不一致',
    "fees are paid from the deposit only with the owner's written consent":
        '押金抵扣物业费须记录业主的书面同意',
    "record the owner's consent (抵扣确认书)":
        '请填写业主的抵扣确认书',
    'a refund pays fees from the deposit once':
        '一次退押金只能抵扣一次物业费',
    'fees are named once':
        '抵扣物业费只能填一行',
    'the fees paid from the deposit ({0} cents) are more than the household owes ({1} cents)':
        '押金抵扣物业费 {0}，超过该户所欠 {1}',
    'more than the {0} cents owed':
        '超过所欠 {0}',
    'needs its kind, cents and reason':
        '须写明扣除项目、金额和原因',
    'the deductions ({0} cents) are more than the deposit held ({1} cents)':
        '扣除合计 {0}，超过所收押金 {1}',
    "total more than the deposit's {0} cents":
        '合计超过押金 {0}',
    'the call carries no caller':
        '本次调用未携带调用方身份',
    "estate is outside the caller's scope":
        '该小区不在你的权限范围内',
    "only a manager or the operator admin defines an estate's custom fields":
        '只有服务中心经理或运营管理员可以定义小区的自定义字段',
    '{0} keeps no custom fields of {1}':
        '{0} 不保存{1:custom_resource}的自定义字段',
    "only a manager or the operator admin sees and changes an estate's settings":
        '只有服务中心经理或运营管理员可以查看和修改小区的服务设置',
    "your role does not see this service's settings":
        '你的角色不能查看此项服务的设置',
    'no such export':
        '找不到该导出',
    'your role may not read {0}':
        '你的角色无权查看 {0}',
    'this export holds {0} you do not read':
        '此导出包含你无权查看的 {0}',
    'the export is {0}, not ready to download':
        '导出任务状态为“{0:job}”，不能下载',
    'this file holds personal data your role does not see in full':
        '此文件含完整个人信息，你的角色无权查看',
    'the download link has expired: export again':
        '下载链接已过期，请重新导出',
    'no such part of the file':
        '文件中没有该分段',
    'the file has expired: export again':
        '文件已过期，请重新导出',
    'this list takes no filters':
        '此列表不支持筛选条件',
    'is not a filter of this list':
        '不是此列表的筛选条件',
    '{0} does not export {1}':
        '{0} 不提供 {1} 的导出',
    'is not exported by {0}':
        '{0} 不提供此项导出',
    'no such job':
        '找不到该任务',
    '{0} is not running':
        '{0} 服务未运行',
    '{0} did not answer within {1} s':
        '{0} 服务未在 {1} 秒内应答',
    "finance did not tell the flat's fees; try again":
        '财务服务未返回该房屋的费用情况，请重试',
    'message broker unreachable: {0}':
        '无法连接消息中间件：{0}',
    'message broker connection lost waiting for {0}: {1}':
        '等待 {0} 应答时与消息中间件的连接中断：{1}',
    'message broker did not take the request to {0} within {1} s':
        '消息中间件未在 {1} 秒内接收发往 {0} 的请求',
    '{0}: it may have been carried out: send it again with the same Idempotency-Key':
        '{0}：操作可能已经完成，请用同一个 Idempotency-Key 重新提交',
    '{0}: it may have been carried out: check before sending it again':
        '{0}：操作可能已经完成，请先核对再重新提交',
    'message broker did not confirm the request to {0}: {1}':
        '消息中间件未确认发往 {0} 的请求：{1}',
    'message broker connection failed: {0}':
        '连接消息中间件失败：{0}',
    'message broker takes no requests for now (a resource alarm: memory or disk)':
        '消息中间件暂不接收请求（内存或磁盘告警）',
    'settings are not valid':
        '设置有误',
    '{0} is not a timestamp':  # {0}: the parameter, updated_since or a bulk redelivery's since
        '{0} 不是有效的时间',
    'is not a UTC timestamp (YYYY-MM-DDThh:mm:ss[.ffffff]Z)':
        '不是 UTC 时间（YYYY-MM-DDThh:mm:ss[.ffffff]Z）',
    'cursor is not valid':
        '分页游标无效',
    'is not a cursor this API gave out':
        '不是本接口给出的游标',
    'kind must be one of {0}':
        'kind 须为以下之一：{0}',
    'is not a kind of closed record':
        '不是已结案记录的类型',
    '{0} closes no {1}':
        '{0} 不负责结案 {1}',
    'is not closed by {0}':
        '不由 {0} 结案',
    'sort=address lists households in their address order, updated_since in the order they were changed: ask one of them':
        'sort=address 按楼栋、单元、房号列出房屋，updated_since 按变更先后列出：请只选其一',
    'cannot be asked with updated_since':
        '不能与 updated_since 同时使用',
    "names no household of this estate: with sort=address a cursor is a page's next_cursor":
        '不是本小区的房屋：按地址排序时，翻页位置须取自上一页的 next_cursor',
    'no such {0} in this estate':
        '本小区找不到该{0}',
    "{0} whose status is '{1}' does not allow '{2}'":
        '{0}当前为“{1}”，不能执行此操作{2:-}',
    'the document kept changing while an event was applied; it will be redelivered':
        '应用事件时记录一直在变化，该事件将重新投递',
    'it kept changing while it was being written: read it again and retry':
        '写入时记录一直在被修改，请重新读取后再试',
    # -- customer-service ------------------------------------------------------------
    'is move_out':
        '为退房',
    'the acceptance needs both sign-offs':
        '竣工验收须客服和工程双方签字',
    'one of {0} is required':  # a contract's choice of one field (contracts._one_of_fields): a fee standard's price
        '须填写其中一项：{0}',
    'only one of {0} may be sent':
        '只能填写其中一项：{0}',
    'is required':
        '必填',
    'a joint acceptance is signed by two people, one of each department':
        '联合验收须由两人签字，客服、工程各一人',
    'is the customer-service signer too':
        '与客服验收人是同一人',
    "a renovation starts when the works of its approved renovation application start (no review, no renovation): file or start the household's renovation application":
        '装修须经审核通过的装修申请开工后方可开始（未经审核不可装修）：请提交或开工该户的装修申请',
    "is taken by the household's application":
        '由该户的装修申请办理',
    "a joint acceptance ends a renovation":
        '联合验收用于结束装修',
    "is for the end of a renovation":
        '仅用于结束装修',
    "the works the estate was taken over with end with their joint acceptance inspection by customer service and maintenance: record who inspected them":
        '接管时在装修的工程须经客服与工程维修联合验收后结束：请填写验收人',
    "is required to end the takeover's works":
        '结束接管时的装修须填写联合验收',
    'the renovation of application {0} ends with its joint acceptance inspection: record the acceptance on the application':
        '申请 {0} 的装修以联合验收结束：请在该装修申请上登记验收',
    "a renovation's status is corrected by a manager or the archivist: a renovation starts with its application's works and ends with its joint acceptance":
        '装修状态只能由经理或档案管理员更正：装修由装修申请开工开始，以联合验收结束',
    'a move-out (退房) has no works':
        '退房不涉及施工',
    'is not for a move-out':
        '不适用于退房',
    'a move-in with no structural change has no works: engineering reviewed none (no review, no renovation); file a renovation application for its fitting-out':
        '无结构改动的入住申请不涉及施工：工程部未审核（未经审核不可装修）；装修请另行提交装修申请',
    'is not for a move-in with no structural change':
        '不适用于无结构改动的入住申请',
    'is false: no engineering review':
        '为否：未经工程审核',
    'the works start today or later':
        '施工开始日期不能早于今天',
    'is before today':
        '早于今天',
    'the household has this kind of application under way already: {0}':
        '该房屋已有同类申请正在办理：{0}',
    'has one under way':
        '已有申请正在办理',
    'the works cannot end before they start':
        '施工结束日期不能早于开始日期',
    'is before works_from':
        '早于施工开始日期',
    'this complaint was verified already':
        '该投诉已核实过',
    'this complaint was escalated already':
        '该投诉已升级过',
    'an escalated complaint is answered and closed by a manager':
        '已升级的投诉须由服务中心经理答复和结案',
    'only a manager or the operator admin may do this':
        '仅服务中心经理或运营管理员可执行此操作',
    'only the front desk handles service requests':
        '报事仅由客服前台处理',
    'only a complaint is judged valid or not':
        '只有投诉需要判定是否有效',
    'is not a complaint':
        '不是投诉',
    'is only for complaints':
        '仅适用于投诉',
    'is only for a {0}':
        '仅适用于{0:kind}',
    'fields that do not belong to this kind of request':
        '部分字段不适用于此类报事',
    "a manager's visit is logged by the manager":
        '经理走访须由经理本人登记',
    'the manager visits owners in person':
        '经理走访须上门拜访业主',
    "must be visit for a manager's visit":
        '经理走访须为“上门”',
    'a contact is logged once it happened':
        '联系须在发生后登记',
    'the month has not begun':  # the owners still to contact (owner-contacts/due) of a month ahead
        '该月份尚未开始',
    "is a month after the estate's current one":
        '晚于小区当前月份',
    'must not be blank':
        '不能为空',
    'fields are blank':
        '有必填项为空',
    'this portal request is not matched to a household yet: match it first':
        '该业主门户报事尚未匹配房屋，请先匹配房屋',
    'this request has its household already':
        '该报事已匹配房屋',
    "an owner's own rating is sent by an owner app: the desk records what an owner says at its return visit":
        '业主本人的评价由业主App提交：前台听取的业主意见请记录在回访中',
    'an owner app rates the requests filed through its own key: the desk asks the owner of another at its return visit':
        '业主App只能评价通过其本身密钥提交的报事：其他报事由前台在回访时听取业主意见',
    'an owner app gives up the sign-ups made through its own key: the desk gives up another':
        '业主App只能取消通过其本身密钥提交的活动报名：其他报名请由前台取消',
    'an owner app cancels the orders placed through its own key: the desk cancels another':
        '业主App只能取消通过其本身密钥下的服务订单：其他订单请由前台取消',
    'an owner app complains about the orders placed through its own key: the desk records a complaint about another':
        '业主App只能投诉通过其本身密钥下的服务订单：其他订单的投诉请由前台登记',
    # the staff's own, signed in, refused to a key past the gateway too (h7: customer service's require_person)
    'the price list is the manager\'s, signed in: an owner app orders from it':
        '价目表由经理登录后设置：业主App只能按价目表下单',
    'an order is assigned by the desk signed in: an owner app orders and cancels':
        '服务订单由前台登录后派单：业主App只能下单和取消',
    "an order's work is recorded done by the desk signed in: an owner app orders and cancels":
        '服务订单由前台登录后登记完成：业主App只能下单和取消',
    "an activity is planned and run by the staff signed in: an owner app signs its owner's household up, gives the sign-up up and rates":
        '社区活动由工作人员登录后策划和组织：业主App只能为业主报名、取消报名和评价',
    "an owner app rates for the households it signed up: the desk records another's rating":
        '业主App只能为其报名的住户评价活动：其他住户的评价请由前台记录',
    'this request has been rated already':
        '该报事已评价过',
    'a request is rated once its work is done':
        '报事处理完成后才能评价',
    'a portal filing is rated by its filer, with its tracking code':
        '业主门户的报事由提交人凭查询码评价',
    'is an owner-portal filing: its filer rates it on the portal':
        '是业主门户的报事：由提交人在门户上评价',
    'this {0} transaction was posted already, as receipt {1}, for another household or amount':
        '这笔{0:method}交易已入账（收据 {1}），住户或金额与本次不同',
    'this {0} transaction was posted as receipt {1}, which is reversed: it is posted again only corrected (another household, amount or bills)':
        '这笔{0:method}交易已入账为收据 {1}，该收款已冲销：只能更正后重新入账（住户、金额或账单须与原收款不同）',
    'Idempotency-Key was used before with another filing':
        '该 Idempotency-Key 已用于另一次提交',
    'was used with another body':
        '已用于内容不同的另一次请求',
    'this filing was made, but its tracking code cannot be shown again':
        '该报事已提交，但其查询码无法再次显示',
    'no such request':
        '查无此报事',
    'has not begun: a plan follows an analysed period':
        '尚未开始：整改计划应针对已分析过的期间',
    'is before today ({0})':
        '早于今天（{0}）',
    'the plan breaks a rule of rectification plans':
        '整改计划不符合规则',
    'this rectification plan is closed':
        '该整改计划已关闭',
    'is not a service line the estate surveys (its surveyed_service_lines)':
        '不是本小区满意度调查的服务线（见其调查服务线设置）',
    'no such rectification plan in this estate':
        '本小区没有这个整改计划',
    'this plan has no action {0}':
        '该计划没有第 {0} 项整改措施',
    'action {0} is done already':
        '第 {0} 项整改措施已完成',
    'the return visit does not check the charge':
        '回访未核对收费',
    'a confirmed charge records how the occupant confirmed it':
        '确认收费时须记录住户的确认方式',
    'only a repair is closed without its return visit':
        '只有报修可不回访结案',
    'is only for a repair':
        '仅适用于报修',
    "is the order's, not a call's that joins it":
        '紧急与否由所并入的工单决定，并入的来电不能单独标为紧急',
    'is only for an emergency repair (emergency true)':
        '仅适用于紧急维修（须勾选紧急维修）',
    "the emergency's category is for an emergency repair":
        '抢险类别仅适用于紧急维修',
    "the route's {0} plan from {1} starts a round at {2} already: stop it first to replace it":
        '该路线 {1} 起的{0:shift}计划已在 {2} 开始一轮巡逻：如需替换，请先停用该计划',
    'another plan of the route starts a round at {0} already: stop it first to replace it':
        '该路线的另一计划已在 {0} 开始一轮巡逻：如需替换，请先停用该计划',
    'a round of another plan starts at {0}':
        '另一计划有一轮巡逻在 {0} 开始',
    'the plate {0} has a valid resident pass already, valid until {1}: revoke it first':
        '车牌 {0} 已有有效的业主车辆通行证，有效期至 {1}：请先注销',
    'the plate {0} has a valid resident pass already, with no end: revoke it first':
        '车牌 {0} 已有长期有效的业主车辆通行证：请先注销',
    'the plate {0} has a valid resident pass already: revoke it first':
        '车牌 {0} 已有有效的业主车辆通行证：请先注销',
    'has a valid resident pass':
        '已有有效的业主车辆通行证',
    'a closed request keeps its household':
        '已结案的报事不可更正房屋',
    'the work on this repair has started at the household it names: it keeps it':
        '该报修已在所登记的房屋开工，不可更正房屋',
    'the request names this household already':
        '该报事登记的已是此房屋',
    "is the request's household":
        '即为该报事的房屋',
    'a corrected household is given with the reason':
        '更正房屋须注明原因',
    'is required to correct the household':
        '更正房屋时必填',
    'the request is not of this household':
        '该报事不属于这户房屋',
    "is another household's request":
        '是另一户房屋的报事',
    'only a repair is an emergency':
        '只有报修才能定为紧急维修（抢险）',
    'the filer marked this repair urgent: say whether it is an emergency':
        '住户把这项维修标记为紧急：请确认是否按紧急维修处理',
    'is required: the filer marked the repair urgent':
        '必填：住户把这项维修标记为紧急',
    'only a repair has a category':
        '只有报修有类别',
    'is for a repair only':
        '仅适用于报修',
    'is 0: a check looks at one record at least':
        '为 0：一次检查至少检查一份档案',
    'a repeated or emergency repair gets its return visit before it is closed; if the occupant cannot be reached, a manager closes it after the recorded attempts':
        '重复报修或紧急报修须回访后才能结案；如联系不上住户，由经理在登记规定次数的未联系上记录后结案',
    'a repair is closed after its return visit; if the occupant cannot be reached, record the attempts (…/return-visit-attempts) and close with no_visit_reason occupant_unreachable':
        '报修须回访后才能结案；如联系不上住户，请先登记“回访未联系上”，达到规定次数后选择“不回访结案”',
    'the return visit is pending':
        '尚未回访',
    'the occupant is unreachable after {0} attempts, not {1}':
        '须联系住户未果 {0} 次才算联系不上，目前只有 {1} 次',
    'the occupant is unreachable after {0} attempt, not {1}':
        '须联系住户未果 {0} 次才算联系不上，目前只有 {1} 次',
    'needs {0} recorded attempts to reach the occupant, each at least {1} minutes after the one before':
        '须已记录 {0} 次联系住户未果，每次与上一次至少间隔 {1} 分钟',
    'needs {0} recorded attempts to reach the occupant, each at least {1} minute after the one before':
        '须已记录 {0} 次联系住户未果，每次与上一次至少间隔 {1} 分钟',
    'needs {0} recorded attempt to reach the occupant, each at least {1} minutes after the one before':
        '须已记录 {0} 次联系住户未果，每次与上一次至少间隔 {1} 分钟',
    'needs {0} recorded attempt to reach the occupant, each at least {1} minute after the one before':
        '须已记录 {0} 次联系住户未果，每次与上一次至少间隔 {1} 分钟',
    'a {0} that is {1} has no return visit pending':
        '{1:status}的{0:kind}没有待进行的回访',
    'the related request is not known in this estate':
        '本小区没有该关联报事',
    'no such service request in this estate':
        '本小区没有该报事',
    'the work order is not one in hand in this estate':
        '该工单不是本小区正在处理的工单',
    'no work order of this estate that is not completed or cancelled':
        '本小区没有这张未完成、未取消的工单',
    'not found':
        '未找到',
    'this household has answered this survey already':
        '该房屋已填写过本次调查',
    'household is not known in this estate':
        '本小区没有该房屋',
    'no such household in this estate':
        '本小区没有该房屋',
    'building is not known in this estate':
        '本小区没有该楼栋',
    'no household of this estate is in this building':
        '本小区没有位于该楼栋的房屋',
    'scores for service lines this survey does not ask about':
        '部分评分所针对的服务项目不在本次调查中',
    'is not a service line of this survey':
        '不是本次调查的服务项目',
    # the cause and department a reply records (complaints.found_later)
    'only a complaint has a cause and a department found':
        '只有投诉才记录投诉原因和责任部门',
    # whom a complaint is about, the complaints about one department (found by review r2 of h2)
    "the complaints about another department are the manager's to read":
        '其他部门的投诉结果由经理查阅',
    'the other household is named by a neighbour dispute':
        '只有邻里纠纷投诉才填写纠纷对方房屋',
    'is for a complaint of nature neighbours':
        '仅限性质为邻里纠纷的投诉',
    'a neighbour dispute is with another household':
        '邻里纠纷的对方须为另一户',
    "is the complainant's own household":
        '是投诉人自己的房屋',
    'what the verification found stands':
        '核实时已记录的内容不能更改',
    'was recorded with the verification':
        '核实时已记录',
    # 撤诉 (complaints.withdraw)
    'only a complaint is withdrawn by its complainant':
        '只有投诉可由投诉人撤诉',
    'a withdrawn complaint is not reopened: register a new complaint':
        '业主已撤诉的投诉不能复诉：请登记为新投诉',
    # 复诉's time limit (complaints.refuse_reopening_too_late)
    'a complaint is reopened within {0} days of its close or reply: register a new complaint':
        '投诉须在结案或答复后 {0} 天内复诉：请登记为新投诉',
    'a complaint is reopened within {0} day of its close or reply: register a new complaint':
        '投诉须在结案或答复后 {0} 天内复诉：请登记为新投诉',
    'the complaint ended on {0}, more than {1} days ago':
        '该投诉已于 {0} 结束，超过 {1} 天',
    'the complaint ended on {0}, more than {1} day ago':
        '该投诉已于 {0} 结束，超过 {1} 天',
    # -- maintenance -----------------------------------------------------------------
    'the checklist is in use: an inspection was opened with it':
        '巡检表已在使用：已用它开始过巡检，不能再修改',
    'is used by an inspection':
        '已被巡检使用',
    'the checklist is in use: a maintenance plan schedules it':
        '巡检表已在使用：有保养计划按它安排巡检，不能再修改',
    'is used by a maintenance plan':
        '已被保养计划使用',
    'this inspection is completed with other results':
        '该巡检已按其他结果完成',
    "differ from the completed inspection's":
        '与已完成巡检的结果不一致',
    'a plan schedules an equipment checklist':
        '保养计划只能使用设备巡检表',
    'is a location checklist':
        '是部位巡检表',
    'a pass/fail item has no limits':
        '合格/不合格项不设上下限',
    'min, max and unit are for reading items':
        '下限、上限和单位仅用于读数项',
    'min is above max':
        '下限高于上限',
    'is above max':
        '高于上限',
    'item code {0} is repeated':
        '检查项编码 {0} 重复',
    '{0} is repeated':
        '{0} 重复',
    'an equipment checklist is done on a piece of equipment':
        '设备巡检表须针对一台设备进行',
    'is required for an equipment checklist (and location is not)':
        '设备巡检表须选择设备（不填部位）',
    'a location checklist is done at a location':
        '部位巡检表须在一个部位进行',
    'is required for a location checklist (and equipment_id is not)':
        '部位巡检表须填写部位（不选设备）',
    'the amount is beyond what the system records':
        '金额超出系统可记录的范围',
    'adds up to more than {0} cents':
        '合计超过 {0}',
    'a work order is assigned to a technician of its estate':
        '工单只能派给本小区的维修工',
    'is not an active technician of this estate':
        '不是本小区在岗的维修工',
    # a staff name the call carries no look-up of (h7: estate_common.roles.require_looked_up)
    "was not looked up among the estate's accounts (the gateway looks each name up): call through the API":
        '未经网关核对本小区账号：请通过接口调用',
    # a contractor an operating cost names (h7: finance's reports.refuse_unknown_contractor)
    "a cost names one of the estate's contractors":
        '费用须对应本小区的外包单位',
    'is not a contractor of this estate':
        '不是本小区的外包单位',
    "was not looked up among the estate's contractors (the gateway looks it up): call through the API":
        '未经网关核对本小区外包单位：请通过接口调用',
    'at is not a real moment':
        '上门时间无效',
    'is not a valid date and time':
        '不是有效的日期时间',
    'an appointment is made for a time to come':
        '只能预约将来的时间',
    # 待料: a started order on hold (maintenance's domain.hold)
    'a hold waits for parts or for the occupant':
        '挂起只能是等配件或等住户',
    'is parts or occupant':
        '只能是等配件或等住户',
    'a hold is expected to end on a day to come':
        '预计恢复日期不能早于今天',
    'a hold is expected to end within {0} days':
        '预计恢复日期须在 {0} 天内',
    'a hold is expected to end within {0} day':
        '预计恢复日期须在 {0} 天内',
    # 协助: a second technician on an order (maintenance's add_helper)
    "the order's own technician is not its helper":
        '工单的维修人员不能同时作为协助人员',
    'is the technician the order is assigned to':
        '是该工单的维修人员',
    # who left the estate's technicians: the gateway tells maintenance (technician_left)
    "accounts are the operator admin's: the gateway tells who left":
        '账号由运营管理员管理，维修工离职由网关通知',
    'is not in the future':
        '不是将来的时间',
    "only a household's own repair is quoted and charged":
        '只有关联住户的维修工单才能报价收费',
    'this order has no household to charge':
        '该工单没有可收费的住户',
    'the items of a quote add up to its amount':
        '报价各项金额之和须等于报价金额',
    'do not add up to amount_cents':
        '各项之和不等于报价金额',
    'the work on this order has started: it is completed, not cancelled':
        '该工单已开始维修，只能完工，不能取消',
    'the work on this order has started: it is handed back for help, not handed on':
        '该工单已开始维修，不能转单，只能申请支援',
    'started at {0}':
        '已于 {0} 开始维修',
    # a technician's arrival recorded afterwards (到场时间补录: maintenance domain.start, h7)
    'the order was started already: only its first arrival is recorded afterwards':
        '该工单已开始：只能补录首次到场时间',
    'an arrival is recorded once it happened':
        '到场时间不能晚于现在',
    'a technician arrives after the report':
        '到场时间须在报修之后',
    'is before the report at {0}':
        '早于报修时间 {0}',
    'an arrival is recorded within {0} hours':
        '到场时间须在 {0} 小时内补录',
    'an arrival is recorded within {0} hour':
        '到场时间须在 {0} 小时内补录',
    "only a household's own repair is charged":
        '只有住户自家的维修才收费',
    'the order has no household to bill':
        '该工单没有可收费的住户',
    'the quote changed: version {0} replaced the one the occupant agreed to; show them the current quote':
        '报价已变更：第 {0} 版已取代住户同意的那一版，请向住户出示当前报价',
    'version {0} is current':
        '当前为第 {0} 版',
    "a charge needs the occupant's consent to a quote that covers it":
        '收费须经住户同意报价，且不超过所同意的报价金额',
    'is not covered by a quote the occupant consented to':
        '超出住户已同意的报价金额',
    'an emergency repair is completed with its incident summary':
        '抢险维修完工时须填写事件摘要',
    'is required for an emergency':
        '抢险工单必填',
    'the work order is linked to other equipment':
        '该工单关联的是其他设备',
    "differs from the order's equipment":
        '与工单关联的设备不一致',
    # 停运 and the equipment an open order names (h10, a lift out of service)
    "the order's equipment is named by the desk that dispatches it or the technician working it (or a manager)":
        '工单涉及的设备由派单的客服、该工单的维修工（或协助人员）或经理登记',
    "a plan's or an inspection's job is of its own equipment":
        '保养计划或巡检生成的工单只针对其本身的设备',
    'differs from the equipment its job is of':
        '与该工单本身的设备不一致',
    'the equipment is out of service already, since {0}: put it back in service first':
        '该设备自 {0} 起已停运，请先恢复运行',
    'is out of service':
        '已停运',
    'the equipment is out of service for the open work order {0} since {1}: it is handed to another order once that one is completed or cancelled':
        '该设备自 {1} 起为未完成的工单 {0} 停运，该工单完成或取消后才能转给其他工单',
    'is out of service for {0}':
        '正为 {0} 停运',
    'an elevator entrapment or a flooding that opens its emergency work order names the equipment it affects':
        '只有生成抢险工单的电梯困人或水浸事件才能登记所涉设备',
    'is named by an elevator entrapment or a flooding opening its order only':
        '仅电梯困人或水浸事件（生成抢险工单）可登记设备',
    'a flooding that opens its emergency work order names its flat':
        '只有生成抢险工单的水浸事件才能登记进水房屋',
    'is named by a flooding opening its order only':
        '仅水浸事件（生成抢险工单）可登记房屋',
    'the cause names a flat this estate does not have':
        '责任方所指房屋不属于本小区',
    'the special maintenance fund pays for common parts only: work order {0} is charged to the owner':
        '专项维修资金只用于共用部位：工单 {0} 向业主收费',
    'the special maintenance fund pays for common parts only: the owner consented to pay work order {0}':
        '专项维修资金只用于共用部位：业主已同意支付工单 {0} 的费用',
    "the special maintenance fund pays for common parts only: work order {0} fixed the owner's own part":
        '专项维修资金只用于共用部位：工单 {0} 修的是业主自用部位',
    'no such equipment in this estate':
        '本小区没有该设备',
    'is not a piece of equipment of this estate':
        '不是本小区的设备',
    'an elevator entrapment names a lift':
        '电梯困人事件只能登记电梯',
    'is not a lift (an elevator of the equipment ledger)':
        '不是电梯（设备台账中的电梯系统）',
    'is in service':
        '正在运行',
    'the equipment is in service':
        '该设备正在运行，无须恢复',
    'only an open work order keeps a piece out of service':
        '只有未完成的工单才能使设备保持停运',
    'the work order is about other equipment, or names none yet':
        '该工单涉及的是其他设备，或尚未登记设备',
    'does not name this equipment':
        '未登记为本设备的工单',
    'a technician takes an order for himself, or hands on his own; the desk or a manager assigns it to another':
        '维修工只能给自己接单或转出自己的工单，派给他人须由客服或服务中心经理操作',
    'only a charge is collected on site':
        '没有收费，无须现场收取',
    'needs a charge to collect':
        '须有收费金额',
    "a household's repair is signed off by its occupant":
        '住户的报修须由住户签字确认',
    "is required for a household's order":
        '住户的工单须填写',
    'the order is assigned to another technician':
        '该工单已派给其他维修工',
    'only the technician the order is assigned to (or a manager) takes this step':
        '只有接单的维修工（或服务中心经理）可执行此操作',
    'a plan starts today or later':
        '计划开始日期不能早于今天',
    'a technician reads the repairs only':
        '维修工只能查看报修',
    "the search of requests' words is the front desk's: a technician reads the numbers in them masked":
        '按内容查找报事是前台的功能：维修工看到的内容中的号码是遮盖的',
    'security reads the work orders of patrols, fire checks and incidents only':
        '秩序维护部只能查看巡更、消防检查和突发事件生成的工单',
    'no such work order in this estate':
        '本小区找不到该工单',
    "the counts are of every open order: the engineering board's readers count them":
        '工单统计包括所有未完成的工单，只有能查看工程看板的岗位可以查看',
    'preventive maintenance is read by engineering and the front desk':
        '预防性维护情况仅限工程部和前台查看',
    "a month's emergency repairs are read by engineering and the front desk":
        '每月抢险情况仅限工程部和前台查看',
    'a tool is lent until a time to come':
        '工具归还时间须晚于现在',
    'is in the past':
        '早于今天',
    'a stopped plan of this equipment, kind and interval opened its orders up to {0}: the replacement starts then or later':
        '该设备同类型、同周期的已停止计划已开单至 {0}：新计划须从该日或之后开始',
    'another active plan of this equipment already schedules this: stop it first to replace it':
        '该设备已有另一个在执行的计划安排了此项保养：如需替换，请先停止该计划',
    'has an active {0} plan every {1} days':
        '已有每 {1} 天一次的{0:plan}计划在执行',
    'has an active {0} plan every {1} day':
        '已有每 {1} 天一次的{0:plan}计划在执行',
    'the plan is stopped already':
        '该计划已停止',
    "the plan was cancelled with its equipment's retirement":
        '该计划已随设备报废/停用而取消',
    "this inspection was cancelled with its equipment's retirement":
        '该巡检已随设备报废/停用而取消',
    'is stopped':
        '已停止',
    'another piece of equipment has this code':
        '已有其他设备使用此编码',
    'is taken in this estate':
        '在本小区已被使用',
    'a review that is {0} cannot be decided again':
        '该审核状态为{0:status}，不能再次审核',
    'a rejection gives its reason':
        '驳回须说明原因',
    'is required to reject':
        '驳回时必填',
    # -- security-patrol -------------------------------------------------------------
    "an estate's emergency plans are set by its manager":
        '小区的应急预案由服务中心经理设定',
    'appears twice in the plan':
        '在预案中重复出现',
    'no step escalates to the manager':
        '预案中须至少有一个上报服务中心经理的步骤',
    'is not a patrol route of this estate':  # a patrol suspension's route_ids (h1)
        '不是本小区的巡逻路线',
    "a patrol suspension names the estate's patrol routes":
        '停巡只能指定本小区的巡逻路线',
    "has no step '{0}': the release time is recorded by it":  # an entrapment's plan (困人解救)
        '缺少步骤“{0}”：困人解救时间由该步骤记录',
    "a release time is recorded with an entrapment's release step only":
        '解救时间只能随电梯困人事件的“解救”步骤记录',
    "is taken only with the step '{0}' of an entrapment":
        '只能随电梯困人事件的步骤“{0}”填写',
    'the passengers cannot have been released in the future':
        '解救时间不能晚于现在',
    'the passengers were released after the entrapment was reported':
        '解救时间须在困人报警之后',
    'is before the incident happened':
        '早于事件发生时间',
    'the plan breaks a rule of emergency plans':
        '预案不符合应急预案的规则',
    'the plan changed since version {0} was read (now {1})':
        '读取版本 {0} 后预案已被修改（当前为版本 {1}）',
    'is not the current version {0}':
        '不是当前版本 {0}',
    'the facility is retired already':
        '该设施已移出台账',
    'is retired':
        '已移出台账',
    'the facility is retired: it is checked no more':
        '该设施已移出台账，不再检查',
    'results need the checklist they answer':
        '填写检查结果须同时指定对应的巡检表',
    'is required with results':
        '填写检查结果时必填',
    'a check with a checklist gives its results':
        '按巡检表检查须填写检查结果',
    'is required with checklist_id':
        '指定巡检表时必填',
    'a fire check uses an equipment checklist':
        '消防检查须使用设备巡检表',
    'a failed checklist item is a defect':
        '有检查项不合格时，检查结果应为缺陷',
    'is ok, but {0}':
        '填的是正常，但{0}',
    # 预警响应 (security_patrol/emergency_alerts.py, h9)
    'an alert is raised on a warning already issued':
        '预警须在气象部门发布后登记',
    'is stood down':
        '已解除',
    'the alert is stood down already':
        '该预警已解除',
    "is the alert's level":
        '与预警当前级别相同',
    'the alert is {0} already':
        '该预警已是 {0} 级别',
    'a {0} alert is open already: raise or lower its level, or stand it down':
        '同类预警（{0}）尚未解除：请调整其级别或先解除',
    'has an open alert {0}':
        '已有未解除的预警 {0}',
    'an alert is raised within {0} hours of its warning':
        '预警须在气象部门发布后 {0} 小时内登记',
    "the alert's warning is not issued yet":
        '该预警的发布时间未到，尚不能调整级别或解除',
    'is issued later':
        '发布时间晚于现在',
    # 停巡 (security_patrol/suspensions.py: a typhoon night's patrol suspension)
    'a patrol suspension ends after it starts':
        '停巡结束时间须晚于开始时间',
    'is not after from':
        '不晚于开始时间',
    'a patrol suspension lasts at most {0} hours':
        '停巡时长最多 {0} 小时',
    'a patrol suspension lasts at most {0} hour':
        '停巡时长最多 {0} 小时',
    'is more than {0} hours after from':
        '距开始时间超过 {0} 小时',
    'is more than {0} hour after from':
        '距开始时间超过 {0} 小时',
    'a patrol suspension is recorded within {0} days of its start':
        '停巡须在开始后 {0} 天内登记',
    'a patrol suspension is recorded within {0} day of its start':
        '停巡须在开始后 {0} 天内登记',
    'a patrol suspension is declared at most {0} hours ahead':
        '停巡最多提前 {0} 小时登记',
    'a patrol suspension is declared at most {0} hour ahead':
        '停巡最多提前 {0} 小时登记',
    'is more than {0} hours ahead':
        '超出提前 {0} 小时的期限',
    'is more than {0} hour ahead':
        '超出提前 {0} 小时的期限',
    # 停巡 recorded after the fact, and withdrawn (撤销): h9
    'a patrol suspension starting more than {0} hours ago is recorded by the operator admin':
        '开始时间早于 {0} 小时前的停巡须由运营管理员登记',
    'a patrol suspension starting more than {0} hour ago is recorded by the operator admin':
        '开始时间早于 {0} 小时前的停巡须由运营管理员登记',
    'the patrol suspension is withdrawn already':
        '该停巡已撤销',
    'is withdrawn':
        '已撤销',
    'a withdrawal says why':
        '撤销须填写原因',
    'only the operator admin lets a manager record a patrol suspension further back than {0} hours':
        '只有运营管理员可以放宽经理补登停巡的时限（现为 {0} 小时）',
    'only the operator admin lets a manager record a patrol suspension further back than {0} hour':
        '只有运营管理员可以放宽经理补登停巡的时限（现为 {0} 小时）',
    'is more than {0}, as it is now':
        '超过现行的 {0}',
    'a drill is recorded once it was held':
        '消防演练须在举行后登记',
    'a drill is recorded within {0} days of being held':
        '消防演练须在举行后 {0} 天内登记',
    'a drill is recorded within {0} day of being held':
        '消防演练须在举行后 {0} 天内登记',
    'a shift handover is recorded within {0} days of its shift':
        '交接班记录须在该班次后 {0} 天内登记',
    'a shift handover is recorded within {0} day of its shift':
        '交接班记录须在该班次后 {0} 天内登记',
    'an obstructed fire lane is recorded with what blocks it':
        '消防通道被占用时须登记占用物',
    'is required when the lane is not clear':
        '通道不畅通时必填',
    'a clear fire lane has no obstruction':
        '畅通的消防通道不填占用物',
    'is only for a lane that is not clear':
        '仅在通道不畅通时填写',
    'this parking session is closed already':
        '本次停车已结束',
    "a visitor's car past its pass's end pays for the time after it at the gate":
        '访客车辆超过通行证有效期的停车时段须在道闸处缴费',
    "a vehicle without a household's pass pays its fee at the gate":
        '没有住户通行证的车辆须在道闸处缴纳停车费',
    '{0} cents are due at the gate':
        '须在道闸处缴纳 {0}',
    "the car park is full: {0} spaces for cars without a resident's pass, none left":
        '车位已满：无住户通行证车辆的 {0} 个车位已全部占用',
    "the car park is full: {0} space for cars without a resident's pass, none left":
        '车位已满：无住户通行证车辆的 {0} 个车位已全部占用',
    'has no space left in the car park':
        '停车场已无空余车位',
    "the gate's takings are handed over from the gate's post":
        '道闸收费只能由门岗交接',
    "is not the gate's post":
        '不是门岗',
    "a parking stay is closed without its fee by the estate's manager":
        '停车记录须由本小区经理免费关闭',
    'a parking stay is closed without its fee for a reason':
        '免费关闭停车记录须说明原因',
    'a payment method is given only with a fee paid at the gate':
        '只有在道闸处缴纳停车费时才填写缴费方式',
    'is only for a fee paid at the gate':
        '仅在道闸处缴费时填写',
    "the daily cap on parking may not be less than a started hour at finance's approved parking fee standard":
        '停车费日封顶不能低于已批准收费标准的每小时停车费',
    'is less than the {0} cents a started hour costs from {1}':
        '低于收费标准自 {1} 起的每小时停车费 {0}',
    'the daily cap on parking may not be less than a started hour at a parking fee standard awaiting approval: '
    'reject that standard first, or keep the cap':
        '停车费日封顶不能低于待审批收费标准的每小时停车费：请先驳回该收费标准，或保持日封顶不变',
    'is less than the {0} cents a started hour would cost from {1} at the standard awaiting approval':
        '低于待审批收费标准自 {1} 起的每小时停车费 {0}',
    'the daily cap on parking is read for a fee standard, by finance or a manager':
        '停车费日封顶仅供财务人员或经理核对收费标准时读取',
    '{0} handed this shift over already, to {1} at {2}':
        '{0} 已于 {2} 将该班次交接给 {1}，不能重复交接',
    'has handed this shift over already':
        '已交接过该班次',
    'give a day, a month or a range of days, not two':
        '请只按日期、月份或日期范围中的一种筛选',
    'goes with neither date nor period':
        '不能与日期或月份同时使用',
    'a shift is handed over to another guard':
        '交班须交给另一名保安',
    'must differ from from_guard':
        '不能与交班人相同',
    "a resident's pass belongs to a household":
        '业主车辆通行证须属于某一房屋',
    'is required for a resident pass':
        '业主车辆通行证必填',
    'a pass must be valid for some time':
        '通行证的有效期须晚于当前时间',
    'the manager is told of every incident before it is closed':
        '每起事件结束前都须上报服务中心经理',
    "record the plan's step '{0}' first":
        '请先记录预案步骤“{0}”',
    "'{0}' is not a step of the {1} plan":
        '“{0}”不是{1:incident}应急预案中的步骤',
    "is not a step of this incident's plan":
        '不是本事件应急预案中的步骤',
    "step '{0}' is recorded already":
        '步骤“{0}”已记录',
    'an incident is closed with a written summary':
        '结束事件须填写书面总结',
    'a written summary is required':
        '须填写书面总结',
    'a false alarm is declared by the security supervisor or the manager':
        '误报须由秩序维护主管或服务中心经理认定',
    "whether an incident is major is corrected by the estate's manager":
        '事件是否重大由服务中心经理更正',
    'a correction of whether an incident is major says why':
        '更正事件是否重大须说明原因',
    'a reason is required':
        '须填写原因',
    'the plan was set by someone else at the same moment: read it again':
        '他人同时设定了该预案，请重新读取',
    'a plate has at least 2 letters or digits besides spaces, dots and hyphens':
        '车牌除空格、点和连字符外至少须有 2 个字母或数字',
    'a plate holds letters and digits only, besides spaces, dots and hyphens':
        '车牌只能包含字母和数字（空格、点和连字符会被忽略）',
    'holds a sign other than a letter or digit':
        '含有字母和数字以外的符号',
    'has fewer than 2 letters or digits':
        '字母或数字少于 2 个',
    'this vehicle is inside already, since {0} (entered by {1}): record its exit first':
        '该车辆已在场内：{0} 由 {1} 登记入场，尚未出场，请先登记出场',
    'is inside already':
        '已在场内',
    # the security team's month on duty (security_patrol/team.py, h7)
    "a roll call is taken on its shift's day":
        '考勤须在其班次当天或之后登记',
    'is a day to come':
        '是尚未到来的日期',
    'a roll call is recorded within {0} day of its shift':
        '考勤须在班次后 {0} 天内登记',
    'a roll call is recorded within {0} days of its shift':
        '考勤须在班次后 {0} 天内登记',
    'a period is read once it has begun':
        '期间开始后才能查看',
    'a guard is assessed for a period that is over':
        '考核须在考核期结束后进行',
    'is not over':
        '尚未结束',
    'is required for a guard who came late':
        '迟到的队员须填写迟到分钟数',
    'is only for a guard who came late':
        '仅适用于迟到的队员',
    'is only for a guard who is absent':
        '仅适用于缺勤的队员',
    'is the absent guard himself':
        '不能是缺勤队员本人',
    'is not on the duty roster of this day':
        '不在当天的排班表上',
    "this shift's roll call was taken already, by {0} at {1}":
        '该班次已由 {0} 于 {1} 点名考勤',
    'has its roll call already':
        '已有考勤记录',
    'names a guard called already':
        '含已点名的队员',
    'a record is made once it happened':
        '事情发生后才能登记',
    'a record is made within {0} day of it':
        '须在发生后 {0} 天内登记',
    'a record is made within {0} days of it':
        '须在发生后 {0} 天内登记',
    'a post found manned names the guard on it':
        '岗位有人值守时须写明在岗队员',
    'is required when the post is manned':
        '岗位有人值守时必填',
    'a post found unmanned says what was found':
        '岗位无人值守时须写明查岗情况',
    'is required when the post is unmanned':
        '岗位无人值守时必填',
    "is not a guard of this estate's duty roster":
        '不是本小区排班表上的秩序维护员',
    "a record names guards of the estate's team":
        '记录中的队员须是本小区班组成员',
    '{0} was assessed for {1} already, by {2} at {3}':
        '{0} 的 {1} 考核已由 {2} 于 {3} 完成',
    'is assessed for this period already':
        '本期已考核',
    'a roll call is of the guards the duty roster has on the shift':
        '考勤针对排班表上该班次的队员',
    'has no guard on the duty roster of this day':
        '当天该班次排班表上没有队员',
    'is not on the duty roster of this shift':
        '不在该班次的排班表上',
    'is called twice':
        '被重复点名',
    'is absent from this shift':
        '本班次缺勤',
    'the guards were assessed for {0} already: a record of it comes too late':
        '{0} 的队员考核已完成：该期间的记录已不能再补录',
    'is of a period assessed already':
        '所属期间已完成考核',
    "covers another absent guard's post already":
        '已在顶替另一名缺勤队员的岗位',
    'lacks {0}, on the duty roster of this shift':
        '缺少 {0}（在该班次排班表上）',
    'a roll call calls each guard on the roster of the shift once':
        '考勤须对该班次排班表上的每名队员各点名一次',
    'a shift is handed over once it has begun':
        '班次开始后才能交接',
    "its {0} shift has not begun: it begins at {1} on the estate's clock":
        '其{0:shift}尚未开始：按小区时间 {1} 开始',
    'equipment is registered once it is installed':
        '设备须安装后登记',
    "is after today in the estate's timezone":
        '按小区时区晚于今天',
    'the plan has no round due now, nor one missed in the past day':
        '该计划当前没有应巡逻的轮次，过去一天内也没有漏巡的轮次',
    'has no round due now or left unwalked in the past day: start without naming the plan':
        '当前没有应巡逻的轮次，过去一天内也没有未巡的轮次：请不指定计划直接开始巡逻',
    "the plan's round due now is walked already":
        '该计划当前应巡逻的轮次已有人在巡',
    'its round due at {0} is walked already: check in on that round':
        '其 {0} 的轮次已有人在巡：请在该轮次上打卡',
    'another round took this slot at the same moment; start again':
        '另一轮巡逻同时占用了这一轮次，请重新开始',
    'the visitor left already, at {0}':
        '该访客已于 {0} 离开',
    # damage claims (损失登记、理赔: customer_service damage_claims.py, operations.register_damage_claim; h4)
    "an owner's responsibility names his flat":
        '业主责任须注明责任业主的房屋',
    'is required when the party is owner':
        '责任方为业主时必填',
    "only an owner's responsibility names a flat":
        '只有业主责任才注明责任房屋',
    'is for the party owner':
        '仅在责任方为业主时填写',
    "a third party's responsibility names it":
        '第三方责任须注明第三方名称',
    'is required when the party is third_party':
        '责任方为第三方时必填',
    "only a third party's responsibility names one":
        '只有第三方责任才注明第三方名称',
    'is for the party third_party':
        '仅在责任方为第三方时填写',
    'a manager decides who is responsible for a damage claim':
        '损失登记的责任认定须由经理办理',
    'a claim paid is not undetermined':
        '已有赔付的损失登记不能改为责任未定',
    'is undetermined':
        '为责任未定',
    'an assessment is at most the {0} cents claimed':
        '定损金额不能超过登记的损失 {0}',
    'is more than the losses claimed':
        '超过登记的损失金额',
    'an agreement is at most the {0} cents claimed':
        '协商金额不能超过登记的损失 {0}',
    'a manager records what a damage claim was paid':
        '损失登记的赔付须由经理登记',
    'decide who is responsible before the claim is paid':
        '请先认定责任方，再登记赔付',
    'has its responsibility undetermined':
        '责任方尚未认定',
    'a payment goes to a household the claim lists':
        '赔付只能付给本登记列出的受损房屋',
    'is not a household of the claim':
        '不是本登记的受损房屋',
    'a household is paid at most its {0} cents of losses':
        '一户所得赔付合计不能超过其登记的损失 {0}',
    "is more than the household's losses":
        '超过该户登记的损失',
    # an insurer paying the operator back (保险返还运营方, h12): at most what the operator paid, at most the assessment
    'the operator is paid back at most the {0} cents it paid the household on the claim':
        '保险返还运营方的金额不能超过运营方就本登记已付给该户的 {0}',
    'is more than the operator paid the household':
        '超过运营方已付给该户的金额',
    "the operator is paid back at most the claim's {0} cents assessed":
        '保险返还运营方的金额合计不能超过本登记的定损金额 {0}',
    "is more than the claim's assessment":
        '超过本登记的定损金额',
    'an insurer pays a claim reported to it and not refused':
        '只有已向保险公司报案且未被拒赔的登记才能由保险公司赔付',
    'no insurer accepted the claim':
        '没有保险公司受理此登记',
    'an insurer refuses a claim reported to it':
        '只有已向保险公司报案的登记才能登记拒赔',
    'was reported to no insurer':
        '未向保险公司报案',
    'the owner pays when an owner is responsible':
        '只有业主责任时才由业主赔付',
    "the claim's responsibility is {0}":
        '本登记的责任方为{0:claim_party}',
    'a third party pays when a third party is responsible':
        '只有第三方责任时才由第三方赔付',
    "the operator receives its own insurer's payment alone":
        '只有物业公司自身保险公司的赔款才由物业公司收取',
    "is operator for an insurer's payment of the operator's claim only":
        '仅物业公司负责的理赔中保险公司的赔款可由物业公司收取',
    "a damage claim's moments are not in the future":
        '损失登记的时间不能晚于现在',
    "a damage claim's steps come after the damage":
        '损失登记的各步骤时间不能早于损失发生时间',
    'is before the damage':
        '早于损失发生时间',
    'a household is listed once, with all its losses':
        '同一房屋只列一次，写明其全部损失',
    'is listed twice':
        '重复列出',
    'no service request of this estate':
        '本小区没有这条报事',
    # the cleaning and greening contractors' checks (环境卫生 / 绿化养护品质检查: customer_service upkeep.py,
    # operations.register_contractor and after; h6)
    "the manager sets the estate's contractors":
        '外包单位由经理登记',
    "the steward or the desk records the walk's findings":
        '巡查问题由物管员或客服登记',
    'the steward or the desk records the fix and the recheck':
        '整改和复查由物管员或客服登记',
    "the manager signs the contractor's month":
        '外包单位月度考核由经理签认',
    'the month is still to come':
        '该月份尚未到来',
    '{0} is still to come':
        '{0} 尚未到来',
    'a month is signed once it is over':
        '月份结束后才能签认月度考核',
    '{0} is not over yet':
        '{0} 尚未结束',
    # the month waits for its findings (r6): {0} counted, {1} of them awaiting the recheck, {2} a timestamp
    'the month waits for {0} of its findings ({1} awaiting the recheck, the others within their deadline, the last due {2})':
        '该月还有 {0} 项巡查问题未了结（其中 {1} 项待复查，其余尚在整改期限内，最晚一项于 {2} 到期），暂不能签认',
    # a paid service's order assigned to a retired contractor (h8's service orders)
    'the contractor is no longer engaged':
        '该外包单位已不再服务',
    'is no longer engaged':
        '已不再服务',
    # a contractor's month typed by hand as well as from its signing (finance, h5)
    "the contractor's {0} is an operating cost already ({1}, {2} cents): reverse it first where the invoice says otherwise":
        '该外包单位 {0} 的费用已记为运营成本（{1}，{2} 分）：如与发票不符，请先冲销该笔',
    'has a cost of {0} already':
        '{0} 已有一笔费用',
    # a paid service's order: its staff one of the estate's (h5)
    "a paid service is done by the estate's own staff or a contractor":
        '有偿服务须由本小区的员工或外包单位承担',
    'is not an active technician, agent or steward of this estate':
        '不是本小区在职的维修技术员、客服或物管员',
    # a paid service's order: a provider who did not come, its day ahead (h5)
    'a provider fails to come only once the start is past':
        '服务开始时间过后才能登记服务人员未到',
    'the start, {0}, is still to come':
        '服务开始时间 {0} 尚未到来',
    'an order is taken at most {0} days ahead':
        '有偿服务最多提前 {0} 天预约',
    "the provider's absence is recorded by the desk, not by an app":
        '服务人员未到须由服务中心登记，不能由App登记',
    'no provider was assigned to the order':
        '该服务单尚未派单，无服务人员可登记未到',
    'the order has no provider to be absent':
        '尚未派单，无服务人员',
    # a contractor edited and retired (h2), a signing whose findings kept being rechecked (h2)
    'the contractor is retired: it is not edited':
        '该外包单位已停用，不能修改',
    'the contractor is retired already':
        '该外包单位已停用',
    'the contractor is retired: no new finding is recorded against it':
        '该外包单位已停用，不能再登记巡查问题',
    "the month's findings kept changing while it was being signed: sign it again":
        '签认期间该月巡查问题仍在变动，请重新签认',
    # community activities (社区文化活动: customer_service activities.py; h7)
    'sign-ups closed at {0}':
        '报名已于 {0} 截止',
    'sign-ups are closed':
        '报名已截止',
    'a household signs up at most {0} people':
        '每户最多报名 {0} 人',
    'an activity keeps at most {0} sign-ups, cancelled ones included':
        '一个社区活动最多保存 {0} 条报名记录（含已取消的），不能再报名',
    'holds all the sign-ups it keeps':
        '报名记录已达上限',
    'more people than the activity holds':
        '报名人数超过活动名额',
    'is more than the capacity {0}':
        '超过活动名额 {0}',
    'is not one of its':
        '不是该活动的报名',
    'no such sign-up on this activity':
        '该活动没有这条报名',
    'the sign-up was cancelled at {0}':
        '该报名已于 {0} 取消',
    "attendance is taken from the activity's start ({0})":
        '活动开始（{0}）后才能签到',
    'has not started':
        '活动尚未开始',
    'only a household with a confirmed place is present':
        '只有报名已确认的住户才能签到',
    # a walk-in (session 61): a household without a confirmed place that came, let in by the desk
    'a walk-in is a household without a confirmed place, named once':
        '未报名到场的住户须是没有已确认名额的住户，且只能填写一次',
    'has a confirmed place or is named twice':
        '已有确认名额，或重复填写',
    # the places changed (名额调整, session 61): not below the people confirmed
    'the capacity is not below the people holding confirmed places ({0})':
        '名额不能少于已确认报名的人数（{0} 人）',
    'is less than the {0} people confirmed':
        '少于已确认报名的 {0} 人',
    # nor below a wait-listed household's people, which could then never come (h7)
    "the capacity is not below a wait-listed household's people, which could then never come: {0}; give their sign-ups up first":
        '名额不能少于候补住户的人数，否则其永远无法参加：{0}；请先取消这些报名',
    'is less than the people of wait-listed sign-ups: {0}':
        '少于候补报名的人数：{0}',
    'has no confirmed sign-up':
        '没有已确认的报名',
    'only a household present rates the activity':
        '只有到场的住户才能评价活动',
    'was not present':
        '未到场',
    'the household rated it at {0}: a household rates an activity once':
        '该住户已于 {0} 评价：每户只能评价一次',
    'an activity is rated within {0} day of its end':
        '活动结束后 {0} 天内才能评价',
    'an activity is rated within {0} days of its end':
        '活动结束后 {0} 天内才能评价',
    'is past its rating time':
        '已过评价期限',
    'an activity ends after it starts':
        '活动结束时间须晚于开始时间',
    'is not after starts_at':
        '不晚于开始时间',
    'an activity is planned for a time to come':
        '活动只能安排在将来的时间',
    'sign-ups close before the activity starts, and not in the past':
        '报名截止时间须在现在与活动开始之间',
    'is not between now and starts_at':
        '不在现在与活动开始之间',
    "the service center's desk, stewards and manager organise the activities":
        '社区活动由客服前台、物管员和经理组织',
    # goods release passes (物品放行条: customer_service goods_passes.py, operations.issue_goods_pass; h8)
    'a pass is for today or a day to come':
        '放行条只能开具今天或以后的日期',
    'a pass is issued at most {0} days ahead':
        '放行条最多提前 {0} 天开具',
    'a pass is issued at most {0} day ahead':
        '放行条最多提前 {0} 天开具',
    # 有偿增值服务 (customer_service/paid_services.py, finance/standards.py; h8)
    'the manager sets the price list of paid services':
        '有偿服务价目由经理设定',
    'an order is for a time to come':
        '有偿服务只能预约将来的时间',
    'the start is past':
        '开始时间已过',
    'the service is not on the price list any more':
        '该服务已不在价目表中',
    'is not active':
        '已停用',
    "{0} is priced by the estate's price list of paid services, not by a fee standard":
        '{0} 按本小区的有偿服务价目表计价，不设收费标准',
    "goods carried out by anyone but the owner need the owner's consent":
        '非业主本人搬出物品，须有业主同意',
    'is required unless the owner carries them':
        '非业主本人搬出时必填',
    'only a manager lets goods leave a flat with fees unpaid':
        '房屋有未缴费用时，只有经理可以批准放行',
    'the flat owes {0} cents ({1} cents past due): settle them before the goods leave, or a manager issues the pass with fees_exception_reason':
        '该房屋欠费 {0}（其中逾期 {1}）：请先结清费用再放行，或由经理填写特批原因后开具放行条',
    'owes fees unpaid':
        '有未缴费用',
    'the guard at the gate lets the goods out on a pass':
        '放行须由门岗保安凭放行条办理',
    'the pass was used at {0} by {1}: a pass lets goods out once':
        '该放行条已于 {0} 由 {1} 放行使用，每张放行条只能使用一次',
    'the pass was cancelled at {0}: the goods do not leave on it':
        '该放行条已于 {0} 作废，不能凭此放行',
    'the pass is good for {0} only, not today ({1})':
        '该放行条仅限 {0} 当天有效，今天是 {1}',
    'is not good today':
        '今天不在有效期内',
    "the van's plate is not the pass's: the goods do not leave on it":
        '车牌与放行条所载不符，不予放行',
    'is not the plate the pass names':
        '不是放行条所载车牌',
    'is required: the pass names a vehicle':
        '必填：放行条载明了车辆',
    'the application is not a move-out of this household':
        '该申请不是本房屋的搬出申请',
    'no move-out application of the household':
        '不是本房屋的搬出申请',
    "the emergency's work order was cancelled: nothing of the fund is used on it":
        '该抢险工单已取消：不能动用维修资金',
    'is cancelled':
        '已取消',
    'the move-out was {0}: a pass does not name it (issue it without the application)':
        '该搬出申请{0:status}：放行条不能关联它（请不关联申请开具）',
    'the pass is no longer valid: nothing to revoke':
        '该通行证已失效，无需注销',
    "archive refused this application's household step: withdraw it":
        '档案拒绝了本申请的房屋状态变更：请撤回本申请',
    'a borrowing is approved by someone other than the one who asked for it: another manager or the operator admin':
        '借阅须由申请人以外的人批准：另一位经理或运营管理员',
    'a fee standard is approved by someone other than the one who proposed it: another manager or the operator admin':
        '收费标准须由提出人以外的人批准：另一位经理或运营管理员',
    'a use of the fund is approved by someone other than the one who asked for it: '
    'another manager or the operator admin':
        '维修资金的使用须由申请人以外的人批准：另一位经理或运营管理员',
    'another application of this kind was filed for the household at the same moment':
        '该户同时提交了另一份同类申请',
    "checkpoint {0} is not on this round's route":
        '巡更点 {0} 不在本轮巡逻的路线上',
    'is not a checkpoint of this route':
        '不是本路线的巡更点',
    'appears twice on the route':
        '在路线中重复出现',
    'checkpoint codes must be unique on a route':
        '同一路线上的巡更点编码不能重复',
    'more than one round a shift needs the interval between rounds':
        '每班巡逻多于一轮时须填写轮次间隔',
    'is required when rounds > 1':
        '轮次大于 1 时必填',
    'a duty roster is made at most {0} days ahead':
        '排班最多提前 {0} 天',
    'a duty roster is made at most {0} day ahead':
        '排班最多提前 {0} 天',
    "a month's budget is set at most {0} months back (budget_months_back)":
        '月度预算最多可设定到 {0} 个月之前（budget_months_back）',
    "a month's budget is set at most {0} month back (budget_months_back)":
        '月度预算最多可设定到 {0} 个月之前（budget_months_back）',
    "a month's budget is set at most {0} months ahead (budget_months_ahead)":
        '月度预算最多可提前 {0} 个月设定（budget_months_ahead）',
    "a month's budget is set at most {0} month ahead (budget_months_ahead)":
        '月度预算最多可提前 {0} 个月设定（budget_months_ahead）',
    "a plan's rounds start within its shift's hours":
        '计划的巡逻须在其班次时间内开始',
    "is outside the {0} shift's hours, {1}:00 to {2}:00":
        '不在{0:shift}的时间内（{1}:00 至 {2}:00）',
    "its last round would start at {0}, after the {1} shift's hours end at {2}":
        '最后一轮将于 {0} 开始，已过{1:shift}的结束时间 {2}',
    "a plan's rounds must start within one day":
        '计划的各轮巡逻须在一天之内开始',
    'rounds x interval exceeds a day':
        '轮次 × 间隔超过一天',
    'a checkpoint of the route falls due after the round is expected to end':
        '路线上有巡更点的到点时间晚于本轮巡逻的预计结束时间',
    "is less than checkpoint {0}'s offset ({1} minutes)":
        '小于巡更点 {0} 的到点偏移（{1} 分钟）',
    "is less than checkpoint {0}'s offset ({1} minute)":
        '小于巡更点 {0} 的到点偏移（{1} 分钟）',
    'a round may not start before the one before it is expected to end':
        '一轮巡逻不能在上一轮预计结束之前开始',
    "is less than a round's expected minutes ({0})":
        '小于每轮巡逻的预计时长（{0} 分钟）',
    "the day's last round would end after the next day's first round starts":
        '当天最后一轮巡逻将在次日第一轮开始之后才结束',
    "the rounds from the first's start to the last's end exceed a day":
        '从第一轮开始到最后一轮结束超过一天',
    'the plan is for another route':
        '该计划属于另一条路线',
    'is a plan of another route':
        '是另一条路线的计划',
    'the assignment of a day that has passed stays as it was':
        '已过日期的排班不能更改',
    'is the assignment of a day that has passed':
        '是已过日期的排班',
    "the team's records of this month are being written or assessed; try again in a moment":
        '本月的班组记录正在登记或考核，请稍后再试',
    "the call's lock ran out and another call took it over meanwhile; nothing was written: try again":
        '本次操作的锁已超时并被另一操作取得，未写入任何内容，请重试',
    'a roll call is corrected by the security team lead or supervisor':
        '班前点名记录由秩序维护班长或主管更正',
    'a correction is of a guard the roll call called':
        '更正的须是本次点名点到的队员',
    'is not called in this roll call':
        '不在本次点名之列',
    "covers an absent guard's post in this roll call":
        '在本次点名中为缺勤队员顶岗',
    'a roll call is taken when its shift is about to begin':
        '班前点名须在班次即将开始时进行',
    "its roll call opens at {0} on the estate's clock":  # {0}: "13:30", the estate's local time
        '本班次点名于小区当地时间 {0} 起方可进行',
    "the shift's roll call called this guard: that shift was worked as rostered":
        '本班次的班前点名已点到该队员：该班次已按排班值勤',
    'a patrol round refers to this assignment: that shift was worked as rostered':
        '已有巡更记录关联此排班：该班次已按排班值勤',
    'a shift handover refers to this assignment: that shift was worked as rostered':
        '已有交接班记录关联此排班：该班次已按排班值勤',
    'a patrol round, a shift handover or a roll call refers to this assignment: that shift was worked as rostered':
        '已有巡更、交接班或点名记录关联此排班：该班次已按排班值勤',
    "the duty roster's assignment of this guard was cancelled meanwhile":
        '排班表中该保安的排班已被取消',
    'is not on duty in the duty roster for this shift':
        '排班表中本班次未安排该保安值班',
    'a guard is an active security guard of the estate':
        '保安须为本小区在岗的保安人员',
    'is not an active security guard of this estate':
        '不是本小区在岗的保安人员',
    'the duty roster does not put this guard on {0} in this shift':
        '排班表中本班次未安排该保安{0}',
    'is not on {0} in the duty roster for this shift':
        '本班次排班表中未安排{0}',
    'a day that has passed is not rostered':
        '已过的日期不能排班',
    'has passed':
        '已过',
    '{0} is on the {1} post in that shift already':
        '{0} 在该班次已排在{1:post}',
    'holds another post in this shift':
        '在本班次已排在其他岗位',
    'is already taken':
        '已被占用',
    # -- finance ---------------------------------------------------------------------
    'the maintenance fund entry kept changing while it was being written: try again':
        '写入时维修资金记录一直在被修改，请再试一次',
    'the household has nothing overdue':
        '该房屋没有欠费',
    'has no overdue bills':
        '没有逾期未缴的账单',
    'the deposit is {0} already':
        '押金已是“{0:dep_status}”状态',
    "the deposit is not held: its application was withdrawn, and money paid on it went back to its payments as the household's prepaid credit":
        '押金未在收：其申请已撤回，已缴款项已转为该户预存款',
    'an approved move-in or move-out has moved the household already (archive): it is not withdrawn':
        '已批准的入住或退房已变更房屋状态（档案），不能撤回',
    'is approved':
        '已批准',
    'the bill kept changing while its charge was withdrawn; it will be redelivered':
        '撤回费用时账单一直在变化，稍后将重新处理',
    'the deposit is not held: its bill is not paid in full':
        '押金尚未收取：押金账单未缴清',
    'a deposit is refunded after the joint acceptance has passed':
        '装修联合验收通过后才能退押金',
    'the renovation has not passed its joint acceptance':
        '该装修尚未通过联合验收',
    "{0}'s journal of {1} is settled and closed":
        '收银员 {0} 的 {1} 日记账已日结关闭',
    "{0}'s journal of {1} is settled and closed: name who pays the deductions back from a day not yet settled (paid_by: a cashier of the estate or yourself)":
        '{0} 的 {1} 日记账已日结关闭：请指定由谁从其未日结的钱箱退还（退款人：本小区的收银员或你本人）',
    'the day is settled: name another':
        '当日已日结，请指定他人',
    '{0} is no cashier of the estate: the money is paid back from the drawer of a cashier of the estate or of the manager himself':
        '{0} 不是本小区的收银员：退款须从本小区收银员或经理本人的钱箱支出',
    'no cashier of the estate':
        '不是本小区的收银员',
    'is settled: no more entries':
        '已日结，不能再记账',
    "the drawer is {0} cents short of the cash journal ({1} cents): settle it with the difference's explanation (长短款说明)":
        '实点现金比现金日记账（{1}）短款 {0}：请填写长短款说明后日结',
    'is required: the cash counted is {0} cents short':
        '必填：实点现金短款 {0}',
    "the drawer is {0} cents over the cash journal ({1} cents): settle it with the difference's explanation (长短款说明)":
        '实点现金比现金日记账（{1}）长款 {0}：请填写长短款说明后日结',
    'is required: the cash counted is {0} cents over':
        '必填：实点现金长款 {0}',
    # the drawer's float counted with its cash (备用金: journals.cash_count; found by h4)
    "the drawer is {0} cents short of the cash journal with its float ({1} cents): settle it with the difference's explanation (长短款说明)":
        '实点现金比现金日记账加备用金（{1}）短款 {0}：请填写长短款说明后日结',
    "the drawer is {0} cents over the cash journal with its float ({1} cents): settle it with the difference's explanation (长短款说明)":
        '实点现金比现金日记账加备用金（{1}）长款 {0}：请填写长短款说明后日结',
    "a day that is over is closed by its settlement, not a shift's":
        '已过去的日子只能日结，不能交班结账',
    "a shift's settlement is of today only":
        '交班结账只能结当天',
    "{0}'s shift {1} of {2} is settled already":
        '收银员 {0} 在 {2} 的第 {1} 班已交班结账',
    'the {0} balance is not low: there is nothing to tell its owner':
        '{0:utility}余额并未不足，无需通知业主',
    'has no low balance standing':
        '当前没有余额不足',
    'the owner cannot have been told in the future':
        '通知业主的时间不能晚于现在',
    'the balance fell low at {0}: an owner told before was told of another time':
        '余额于 {0} 才不足，此前的通知不属于这次',
    'is before the balance fell low':
        '早于余额不足的时间',
    'is a bill of {0}, not of {1}':
        '是{0:fee}的账单，不是{1:fee}的',
    'money paid for {0} pays its bills alone':
        '预交{0:fee}的钱只能缴该项目的账单',
    'the payment is {0}: only a posted payment is invoiced':
        '该笔收款状态为“{0:payment_status}”：只有已入账的收款才能开具发票',
    "{0} cents of the payment's {1} cents are invoiced already":
        '该笔收款共 {1}，其中已开票 {0}',
    'at most {0} cents are left':
        '最多还可开票 {0}',
    'the invoice is {0} already':
        '发票已是“{0:inv_status}”状态',
    'the payment has issued invoices ({0}): void them before reversing it':
        '该笔收款已开具发票（{0}）：请先作废发票再冲销',
    'has issued invoices':
        '已开具发票',
    'a cashier settles only their own day':
        '收银员只能为本人办理日结',
    "an accountant settles only a cashier's day left unsettled more than {0} days: a day within them is its cashier's to settle":
        '会计只能为超过 {0} 天仍未日结的日子补结；期限内的日结由收银员本人办理',
    "an accountant settles only a cashier's day left unsettled more than {0} day: a day within them is its cashier's to settle":
        '会计只能为超过 {0} 天仍未日结的日子补结；期限内的日结由收银员本人办理',
    "nobody of this name has an entry in this estate's journals":
        '本小区的日记账中没有此人的记录',
    'has recorded nothing in this estate: check the name':
        '在本小区没有任何记录：请核对姓名',
    "an integrator's day is settled once it is over: its payments come in until midnight":
        '对接系统（如业主App）的收款日结须在当天结束后进行：它的收款会持续到午夜',
    'has not ended yet':
        '当天尚未结束',
    'a day that has not begun cannot be settled':
        '尚未到来的日期不能日结',
    'only a use is approved or rejected':
        '只有维修资金的使用申请才能批准或驳回',
    'the operating cost was reversed already, on {0} by {1}':
        '该笔支出已于 {0} 由 {1} 冲销',
    'is reversed already':
        '已冲销',
    'only a deposit is reversed (a use is rejected, not reversed)':
        '只有缴存才能冲正（使用申请只能驳回，不能冲正）',
    'is not a deposit':
        '不是缴存记录',
    'the deposit is {0}: only a posted one is reversed':
        '该笔缴存状态为“{0:fund_status}”：只有已入账的缴存才能冲正',
    "the flat's account holds {0} cents: taking back the deposit's {1} cents would leave it below zero (its shares of uses approved since took it)":
        '该户分户账余额为 {0}：冲正这笔缴存的 {1} 将使分户账低于零（此后批准的使用已分摊扣除）',
    "the fund holds {0} cents: taking back the deposit's {1} cents would leave it below zero (what uses approved since took is spent)":
        '维修资金余额为 {0}：冲正这笔缴存的 {1} 将使余额低于零（此后批准使用的款项已支出）',
    'its money has been used; it can no longer be reversed':
        '款项已被使用，不能再冲正',
    "this reversal was refused: the fund's balance did not allow it":
        '该笔冲正已被拒绝：维修资金余额不允许',
    'was refused when the reversal was made':
        '冲正时已被拒绝',
    'another use of the fund for work order {0} awaits approval: {1}, of {2} cents, requested on {3} by {4}: approve or reject it first':
        '工单 {0} 已有一笔维修资金使用申请待批准：{1}，金额 {2}，{3} 由 {4} 提交；请先批准或驳回该申请',
    'has a use of the fund awaiting approval':
        '已有待批准的维修资金使用申请',
    'the approval of use {0} shared by this building took its money and did not finish: approve it again to finish it first':
        '同一楼栋分摊的使用 {0} 批准时已扣款但未完成：请先再次批准以完成该笔使用',
    'waits for a use of the same flats whose approval did not finish':
        '须等待分摊同一批房屋、批准未完成的那笔使用',
    'another use of the fund shared by this building is being approved; try again in a moment':
        '同一楼栋分摊的另一项维修资金使用正在批准，请稍后再试',
    'a deposit of a flat of this building is being reversed; try again in a moment':
        '本楼栋一户的维修资金缴存正在冲正，请稍后再试',
    'another use of the fund for this work order is being requested; try again in a moment':
        '此工单的另一笔维修资金使用申请正在提交，请稍后再试',
    'another {0} standard is being approved; try again in a moment':
        '另一项{0:fee}收费标准正在审批，请稍后再试',
    'the use is {0} already':
        '该使用申请已是“{0:fund_status}”状态',
    "an owner's deposit names the household":
        '业主缴存须指明房屋',
    'is required when source is owner':
        '来源为业主时必填',
    "an emergency use names the emergency's work order":
        '应急使用须填写抢修工单',
    'an emergency use (应急使用) is one of an emergency work order (抢险): this one is not; the owners decide its use':
        '应急使用须对应紧急（抢险）工单：该工单不是紧急工单，须经业主表决后使用',
    "an emergency use (应急使用) is one of an emergency work order (抢险): its work order's priority is not known; the owners decide its use":
        '应急使用须对应紧急（抢险）工单：无法确认该工单为紧急工单，须经业主表决后使用',
    'is for a use of an emergency work order (priority emergency)':
        '仅用于紧急（抢险）工单的维修资金使用',
    'is required for an emergency use':
        '应急使用时必填',
    'no flat with a floor area is known where the use is shared: nobody shares it':
        '分摊范围内没有登记了建筑面积的房屋：无人分摊该项使用',
    'building {0} has no flat in unit {1}':
        '{0} 栋 {1} 单元没有房屋',
    'names a unit of the building that has no flat':
        '所填单元在该楼栋没有房屋',
    'names no flat of this estate':
        '未包含本小区的任何房屋',
    '{0} of the {1} flats sharing the use hold less than their share in the fund: {2}':
        '分摊该项使用的 {1} 户中有 {0} 户分户账余额不足以承担其分摊额：{2}',
    'the flats sharing it do not hold their shares: they top up (续交) first':
        '分摊房屋的分户账余额不足，须先续交',
    "a use shared by the owners of a building is approved with their decision's figures (业主大会)":
        '由楼内业主分摊的使用，须填写业主大会表决的面积与人数方可批准',
    'is required for a shared use that is not an emergency':
        '非应急的分摊使用必填',
    'the decision counts {0} m² voting of the {1} m² sharing the use':
        '表决面积 {0} m² 超过分摊房屋总面积 {1} m²',
    'is more than the flats sharing the use have':
        '超过分摊房屋的总面积',
    'the decision counts {0} owners voting of the {1} sharing the use':
        '表决人数 {0} 人超过分摊业主总数 {1} 人',
    'is more than the owners sharing the use':
        '超过分摊业主总数',
    'the owners sharing the use decided it with {0} of {1} m² and {2} of {3} owners: it needs {4}/{5} of both':
        '同意的面积为 {0} / {1} m²、人数为 {2} / {3} 人：面积和人数均须达到 {4}/{5}',
    'is short of the share of area and owners the use needs':
        '同意的面积或人数未达到规定比例',
    'the use names a work order this estate does not have':
        '使用申请填写的工单不属于本小区',
    'is not a work order of this estate':
        '不是本小区的工单',
    'the fund holds {0} cents: it cannot pay {1} cents':
        '维修资金余额为 {0}，不足以支付 {1}',
    "the use is more than the fund's balance":
        '使用金额超过维修资金余额',
    'no such billing run in this estate':
        '本小区没有该计费任务',
    'the payment paid deposit {0}, which is refunded: it cannot be reversed':
        '该笔收款缴付的押金 {0} 已退还：不能冲销',
    'paid a refunded deposit':
        '所缴押金已退还',
    'no such utility top-up or usage in this estate':
        '本小区没有该笔水电充值或扣费',
    'this move was refused: the balance did not allow it':
        '该笔充值或扣费已被拒绝：当时余额不允许',
    'was refused when the move was made':
        '办理时已被拒绝',
    "this deposit was refused: the fund's balance did not allow it":
        '该笔缴存已被拒绝：维修资金余额不允许',
    'was refused when the deposit was made':
        '缴存时已被拒绝',
    'a period that has not begun cannot be billed':
        '尚未开始的期间不能计费',
    "the use's approval is half-done (its money is taken): approve it again to finish it":
        '该使用申请的批准未完成（款项已扣除）：请再次批准以完成',
    'the use is being approved just now: look at it again in a minute, and approve it again if it still awaits a decision':
        '该使用申请正在批准中：请一分钟后再查看，如仍待决定，请再次批准',
    'the use was {0} meanwhile':
        '该使用申请已被他人处理，现为“{0:fund_status}”',
    'no approved fee standard bills this period: a standard bills from its valid_from (the month it was created when none was given) until its valid_to':
        '没有在该期间计费的已审批收费标准：收费标准从起始期间（未填写时为创建当月）开始计费，至截止期间为止',
    'no approved fee standard bills it (valid_from is after it, or none is approved)':
        '没有在该期间计费的已审批收费标准（起始期间晚于该期间，或尚无已审批的标准）',
    'the bill would be paid more than it asks':
        '账单实缴将超过应缴金额',
    'the payment is {0} already':
        '该笔收款已是“{0:payment_status}”状态',
    'is not an unpaid bill of this household':
        '不是该房屋的未缴账单',
    'a named bill cannot be paid':
        '所选账单不能缴费',
    "a payment pays the developer's bills or the owner's, not both":
        '一笔收款只能缴开发建设单位的账单或业主的账单，不能混缴',
    "names the developer's and the owner's bills":
        '同时选了开发建设单位的账单和业主的账单',
    'a period is published once it has ended':
        '期间结束后才能公示',
    'has not ended':
        '尚未结束',
    "the owners' part of a public revenue receipt is not reversed as a deposit typed wrong":
        '公共收益中业主的部分由其收款存入，不能作为录错的缴存冲正',
    "is the owners' part of a public revenue receipt": '是公共收益收款中业主的部分',
    'no such public revenue contract in this estate': '本小区没有此公共收益合同',
    'a contract names a company and a place, no phone or ID number': '合同只写合作单位和位置，不得填写电话或身份证号',
    'carries a phone or ID number': '含有电话或身份证号',
    'a contract ends on or after the day it starts': '合同截止日不能早于起始日',
    'is before starts_on': '早于起始日',
    'the public revenue receipt kept changing while it was being written: try again': '公共收益收款正在被同时修改，请重试',
    # a receipt reversed, a contract ended early or cancelled (h3)
    'no such public revenue receipt in this estate': '本小区没有此公共收益收款',
    # money collected on behalf of others (代收代缴, finance/pass_through.py)
    'no such payee of money collected for others in this estate': '本小区没有此代收代缴收款单位',
    'is not a payee of this estate': '不是本小区的代收代缴收款单位',
    'a payee is named': '收款单位须填写名称',
    'nothing collected for {0} in {1} is owed to it: nothing to hand on':
        '{1} 为{0}代收的款项已全部解缴：没有待解缴的款项',
    'has nothing owed to the payee': '该月没有待解缴给收款单位的款项',
    # at the contract's end, and a collection recorded by mistake reversed (h4)
    'money collected for others is still owed to {0}: hand it on to each payee before the money owed back is '
    'transferred to the next company': '仍有代收款项未解缴给{0}：请先解缴给各收款单位，再向新物业移交应退预收款',
    '{0} ({1}) is owed {2} cents': '{0}（{1}）尚有 {2} 分未解缴',
    'no such collection of money for a payee in this estate': '本小区没有此笔代收款项',
    'the collection is reversed already': '该笔代收款项已冲销',
    "the collection was handed on to {0} by the remittance {1}: that remittance's own correction comes first, "
    'nothing reversed': '该笔代收款项已随解缴 {1} 交给{0}：须先更正该笔解缴，未冲销',
    'was handed on by {0}': '已随解缴 {0} 交出',
    'the collection is still being written: ask again in a moment': '该笔代收款项正在入账，请稍后再试',
    'is still being written': '正在入账',
    'the collection is being reversed by another call: ask again in a moment': '该笔代收款项正由他人冲销，请稍后再试',
    'is being reversed': '正在冲销',
    'money collected for {0} is still being written: ask again once it is written, and hand it on to the payee '
    'before the money owed back is transferred': '为{0}代收的款项正在入账：入账并解缴给收款单位后，再向新物业移交应退预收款',
    '{0} is still being written': '{0} 正在入账',
    'nothing is collected in a month that has not begun: the current month is {0}':
        '尚未开始的月份没有代收款项：当前月份为 {0}',
    'the contract is {0} already': '合同已{0}',
    'is {0} already': '已{0}',
    '{0} receipts stand against the contract: reverse them before cancelling it (or end it early on a day)':
        '该合同下有 {0} 笔收款：请先冲正这些收款再撤销合同（或指定日期提前终止）',
    'has receipts': '有收款',
    'a contract is ended early within its term ({0}..{1}): to cancel one registered wrong leave ends_on out':
        '提前终止的日期须在合同期限内（{0}..{1}）；撤销登记有误的合同时不填最后一日',
    'is outside the term': '不在合同期限内',
    'the contract was cancelled (registered wrong): nothing is received against it':
        '合同已撤销（登记有误），不能再按其收款',
    'the receipt is {0}: only a posted one is reversed': '收款状态为{0}：只有已入账的收款可以冲正',
    'a reversal or a termination says why': '冲正或终止须写明原因',
    'a manager ends or cancels a contract of the common parts': '由经理终止或撤销公共收益合同',
    "a manager reverses a receipt of the common parts' income": '由经理冲正公共收益收款',
    "the maintenance fund no longer holds the receipt's owners' part: its reversal was refused":
        '专项维修资金已不再持有该笔收款的业主部分，冲正被拒绝',
    'reversal refused by the fund': '冲正被维修资金拒绝',
    "the maintenance fund no longer held the owners' part: this refund was refused":
        '专项维修资金已不再持有业主部分，此次退款被拒绝',
    'refund refused by the fund': '退款被维修资金拒绝',
    "the maintenance fund no longer holds the owners' part of this refund (what uses approved since took is spent): it is refused, nothing paid back":
        '专项维修资金已不再持有此次退款的业主部分（此后批准的使用已支出）：退款被拒绝，未退还任何款项',
    'a cost of a period that has not begun is not recorded':
        '尚未开始的期间不能登记支出',
    # a report of a period before the estate's records can begin (estate_common/replica.py: every service's
    # period reports), with why
    'a period before {0} has nothing to report: the estate was registered on {1}, and its records reach back '
    '{2} months before that at most':
        '早于 {0} 的期间没有可报告的内容：本小区于 {1} 登记，记录最多追溯至登记前 {2} 个月',
    "a period before {0} has nothing to report: no estate's records are older":
        '早于 {0} 的期间没有可报告的内容：本小区没有更早的记录',
    "is before {0}, the earliest month of the estate's records":
        '早于 {0}，即本小区记录最早的月份',
    'a period that has not begun has nothing to report: the current month is {0}':
        '尚未开始的期间没有报表：当前月份为 {0}',
    'the handover was accepted already, by {0} at {1}':
        '该交接已由 {0} 于 {1} 确认接班',
    'a shift handover is accepted by the guard it was handed to':
        '交接班只能由接班的保安本人确认',
    'a week that has not begun has nothing to report: the current week is {0}':
        '尚未开始的周没有周报：本周为 {0}',
    'has not begun':
        '尚未开始',
    'arrears as of a day are read once the day is over':
        '某日日终的欠费须待该日结束后查询',
    # 银行对账 (finance/bank_statements.py, gateway/uploads.py; found by h14, the bank's statement matched)
    "name the statement's month":
        '请指定对账单所属月份',
    # a statement of a month to come, refused before it is queued (bank_statements.refuse_not_begun; h4)
    "a bank statement of a month that has not begun is not taken: the current month is {0}":
        '尚未开始的月份的银行对账单不予受理：当前月份为 {0}',
    'is required (YYYY-MM)':
        '必填（YYYY-MM）',
    "the entry is of other money than the statement's line (its direction or amount)":
        '该分录与对账单行的款项不符（收支方向或金额不同）',
    # a line confirmed as another entry, confirmed again without saying it replaces that (found by review r4)
    "the line is confirmed as another entry already: confirm it again saying it replaces that":
        '该行已确认为另一笔分录：如需改为此分录，请确认替换原确认',
    "must be true to replace the line's earlier confirmation or explanation":
        '替换该行原有的确认或说明时须勾选替换',
    # a line explained confirmed as an entry without saying it replaces the note (found by review r10 of h10)
    "the line is explained already: confirm it as an entry saying it replaces the explanation":
        '该行已有说明：如需改为确认为此分录，请确认替换原说明',
    "the entry is confirmed as another line's already":
        '该分录已确认对应另一对账单行',
    "the bank statement matching is the accountant's and the manager's":
        '银行对账仅限会计和经理操作',
    'the line is matched to an entry: it needs no explanation':
        '该行已对应分录，无需说明',
    'is matched to an entry':
        '已对应分录',
    'no bank journal entry {0} of {1}':
        '{1} 没有银行日记账分录 {0}',
    "names no bank journal entry of the statement's month":
        '不是对账单所属月份的银行日记账分录',
    'is today or a day to come':
        '是今天或以后的日期',
    # a correction of an approved standard's price (更正: standards.correction_data, approval)
    'only an approved periodic fee standard is corrected':
        '只能更正已审批的周期性收费标准',
    'names no approved periodic fee standard of the estate':
        '不是本小区已审批的周期性收费标准',
    "must be the corrected standard's ({0})":
        '须与被更正的标准相同（{0}）',
    "a correction covers the corrected standard's months ({0})":
        '更正的月份须与被更正的标准相同（{0}）',
    "a correction applies to the corrected standard's households":
        '更正的适用房屋须与被更正的标准相同',
    'a correction replaces the price of the same standard':
        '更正只改同一收费标准的价格',
    'the standard it corrects is no longer approved as it was (corrected or ended since): propose the correction again':
        '被更正的标准已不是原来的已审批状态（已被更正或已终止），请重新提出更正',
    'is not approved as it was':
        '已不是原来的已审批状态',
    'the bill kept changing while it was re-billed; run the month again':
        '重开账单时该账单一直在变动，请重新执行该月计费',
    'the fee standard is {0} already':
        '该收费标准已是“{0:fee_status}”状态',
    'overlaps {0}: {1}':  # {0}: the standard as the page names it, {1}: why (both in REASONS)
        '与{0}重叠：{1}',
    'overlaps {0}':
        '与{0}重叠',
    'a price per m² needs a billing cycle (monthly, quarterly, yearly)':
        '按面积（每 m²）计价须选择计费周期（按月、按季、按年）',
    # a household's own billing cycle (缴费周期: finance billing_cycles.setting, operations.set_billing_cycle)
    "the household's bills cover that month already":
        '该房屋的账单已覆盖该月',
    "the household's {0} bills cover it through {1}: its cycle starts at {2} at the earliest":
        '该房屋的{0:fee}账单已覆盖至 {1}：缴费周期最早从 {2} 开始',
    "another billing run is billing the households' own cycles; run this month again in a moment":
        '另一次计费正在为按季、按年等缴费的房屋出账，请稍后重新执行本月计费',
    "the billing run lost its lock to another run; run this month again":
        '本次计费的锁已被另一次计费取得，请重新执行本月计费',
    "the months of the bills kept changing while the run claimed them; run this month again":
        '计费期间账单所覆盖的月份不断变化，请重新执行本月计费',
    'a one-off charge has no billing cycle':
        '一次性收费没有缴费周期',
    '{0} is billed per charge':
        '{0:fee}按次收费',
    '{0} is billed by cycle, not per charge':
        '{0:fee}须按周期计费，不能按次',
    '{0} is a one-off charge: its standard is per charge':
        '{0:fee}为一次性收费，其标准须按次',
    'must not be before valid_from':
        '不能早于起始期间',
    'a {0} standard ends at the end of a cycle (its bill covers {1} months)':
        '{0:cycle}计费的收费标准须在周期末截止（每期账单覆盖 {1} 个月）',
    'a periodic {0} fee is billed only to the households it names':
        '按周期收取的{0:fee}只向指定的房屋收取，须列出房屋',
    'must not be below min_area_m2':
        '不能小于最小面积',
    "a started hour of parking may not cost more than the estate's daily cap on parking ({0} cents)":
        '每小时停车费不能高于本小区的停车费日封顶（{0}）',
    "is more than the daily cap on parking of {0} cents (security patrol's parking_daily_cap_cents)":
        '高于本小区的停车费日封顶 {0}（秩序维护的设置）',
    'the fee standard is not consistent':
        '收费标准的设置前后矛盾',
    'another payment of this household is being posted; try again in a moment':
        '该房屋另有一笔收款正在入账，请稍后再试',
    'this transaction is being posted; try again in a moment':
        '这笔交易正在入账，请稍后再试',
    "the month's bank statement is being changed by another call; try again in a moment":
        '本月银行对账单正在被另一操作修改，请稍后再试',
    "the contractor's month is being recorded by another call; try again in a moment":
        '该外包单位本月支出正在被另一操作登记，请稍后再试',
    "the estate's record has not reached finance yet: try again in a moment":
        '该小区的资料尚未同步到财务，请稍后再试',
    'the password was changed meanwhile by another request: this one was not set':
        '密码已被另一个请求修改，本次修改未生效',
    'is no longer the current password':
        '已不是当前密码',
    'another entry of this cashier\'s day is being written; try again in a moment':
        '该收银员当日的另一笔流水正在记账，请稍后重试',
    'an accountant withdraws only a fee standard they proposed':
        '会计只能撤回自己提出的收费标准',
    'the fee standard was decided meanwhile':
        '该收费标准已被他人同时处理，请刷新后查看',
    'the fee standard was approved meanwhile':
        '该收费标准已被他人审批',
    'the bill changed while the payment was being posted; try again':
        '收款入账期间账单已变动，请重试',
    "{0}'s day {1} is settled already":
        '收银员 {0} 的 {1} 已日结',
    'the period was published meanwhile: read it again':
        '该期间已被他人公示：请刷新后再操作',
    'the {0} balance is {1} cents: the top-up of {2} cents has been used, taking it back would go below {3} cents':
        '{0:utility}余额为 {1}：这笔 {2} 的充值已被使用，冲正后余额将低于 {3}',
    'has been drawn down by usage; it can no longer be reversed':
        '已被扣费使用，不能再冲正',
    'the {0} balance is {1} cents: the usage would take it below {2} cents':
        '{0:utility}余额为 {1}：本次扣费后余额将低于 {2}',
    'is more than the balance allows; top up first':
        '超出余额允许的额度，请先充值',
    'this reading was deducted already with other figures':
        '该抄表编号已按不同金额扣过费',
    'was used by {0}':
        '已被 {0} 使用',
    'only a top-up is reversed':
        '只有充值才能冲正',
    'is a {0}':
        '是{0:util_kind}记录',
    'the top-up is {0}: only a posted one is reversed':
        '该笔充值状态为“{0:util_status}”：只有已入账的充值才能冲正',
    # -- archive ---------------------------------------------------------------------
    'a borrowing opens its records to the one who asked for it':
        '借阅的档案仅向申请人开放',
    'a borrow request that is {0} opens no records':
        '借阅申请{0:status}，不开放任何档案',
    'is {0}, not approved':
        '状态为{0:status}，未获批准',
    'the borrowing is past its due back: return it and ask again':
        '借阅已超过应还时间：请先归还，再重新申请',
    'is past its due back':
        '已超过应还时间',
    'only the service-center manager approves viewing or borrowing archives':
        '查阅、借阅档案须由服务中心经理审批',
    'a borrow request is withdrawn by the one who asked for it':
        '借阅申请只能由申请人本人撤回',
    "is not one of the plan's dates":
        '不是该计划的日期',
    'has passed: a passed date stays':
        '已过：已过的计划日期不可调整',
    'was checked on its day':
        '当天已检查',
    'is planned already':
        '已在计划中',
    "a plan's date to come moves to another day of its year":
        '计划中尚未到来的日期只能调整到本年度另一天',
    'name either subject_id or record_id':
        '请填写对象编号或档案记录编号，二者只填其一',
    'give either subject_id or record_id':
        '对象编号与档案记录编号须填且只填一项',
    "a {0} is due back within the estate's {1} days":
        '{0:borrow}的档案须在本小区规定的 {1} 天内归还',
    "a {0} is due back within the estate's {1} day":  # a term of one day (a view's by default)
        '{0:borrow}的档案须在本小区规定的 {1} 天内归还',
    'is after {0}':
        '不能晚于 {0}',
    'a borrowing is due back in the future':
        '应还时间须在将来',
    'must be in the future':
        '须是将来的时间',
    "only the archives' keepers (the archivist, the manager) record an inspection by a higher authority; others ask for the manager's approval":
        '只有档案保管人员（档案员、服务中心经理）可登记主管部门检查；其他人员请申请服务中心经理审批',
    'an inspection by a higher authority names that authority':
        '主管部门检查须填写检查机关',
    'is required for an authority inspection':
        '主管部门检查时必填',
    'is not in {0}':
        '不在 {0} 年内',
    "planned checks fall in the plan's year":
        '计划检查日期须在计划所属年度内',
    'archives are checked at least {0} times a year':
        '档案每年至少检查 {0} 次',
    "{0} owes at least {1} archive check(s): {2} a year pro rata to the {3} of 12 months from the estate's registration on {4}":
        '{0} 年至少应检查档案 {1} 次：每年 {2} 次，按小区 {4} 登记起的 {3} 个月折算',
    'needs at least {0} different dates':
        '至少需要 {0} 个不同日期',
    "is not in the plan's year {0}":
        '不在计划年度 {0} 年内',
    'is in the future':
        '不能是将来的时间',
    'an incident cannot have happened in the future':
        '突发事件的发生时间不能是将来',
    "a visitor's pass ends within {0} days":
        '访客车辆通行证须在 {0} 天内到期',
    "a visitor's pass ends within {0} day":
        '访客车辆通行证须在 {0} 天内到期',
    'the works start within {0} days of the application':
        '施工须在申请后 {0} 天内开始',
    'the works start within {0} day of the application':
        '施工须在申请后 {0} 天内开始',
    'the works last at most {0} days':
        '施工期最长 {0} 天',
    'the works last at most {0} day':
        '施工期最长 {0} 天',
    'is the window\'s first day, {0}':
        '施工期首日为 {0}',
    'is the window\'s last day, {0}':
        '施工期末日为 {0}',
    'the works may start from {0}: reschedule them to start sooner':
        '施工最早可于 {0} 开工：如需提前，请先改期',
    'the works window ended on {0}: reschedule them to start later':
        '施工期已于 {0} 结束：如需开工，请先改期',
    'the works last more than {0} days':
        '施工期超过 {0} 天',
    'the works last more than {0} day':
        '施工期超过 {0} 天',
    'rescheduled works start within {0} days of today':
        '改期后的施工须在今天起 {0} 天内开始',
    'rescheduled works start within {0} day of today':
        '改期后的施工须在今天起 {0} 天内开始',
    'a survey is of this year or the last':
        '满意度调查须为今年或去年的',
    'is not between {0} and {1}':
        '不在 {0} 至 {1} 之间',
    'an appointment is made within {0} days':
        '预约时间须在 {0} 天内',
    'an appointment is made within {0} day':
        '预约时间须在 {0} 天内',
    'a completion records at most {0} minutes of labour':
        '一次完工最多记 {0} 分钟人工',
    "the installation day is before any estate's history":
        '安装日期早于任何小区的历史',
    'a daily inspection repeats at least every {0} days':
        '日常巡检至少每 {0} 天一次',
    'is more than {0}':
        '大于 {0}',
    "the certificate's day is before any estate's history":
        '合格证有效期早于任何小区的历史',
    'a certificate is valid at most {0} days ahead':
        '合格证有效期最多为今后 {0} 天内',
    "a renewed certificate is valid until the current one's day or later":  # h5 of session 55
        '换发的合格证有效期不得早于现有合格证的有效期',
    "is before the current certificate's valid_until ({0}): correct that certificate by its own number":
        '早于现有合格证的有效期（{0}）：如需更正现有合格证，请使用其原编号',
    # a piece retired for good (报废 / 停用, h6) and a certificate moved to its own piece (h6)
    'a certificate is moved to another piece':
        '合格证只能移至另一台设备',
    'is the piece it is on':
        '即合格证当前所在的设备',
    'the equipment has no certificate to move':
        '该设备没有可移走的合格证',
    'has no certificate':
        '没有合格证',
    "the equipment's certificate changed meanwhile":
        '该设备的合格证已被他人更改，请刷新后重试',
    'has another certificate':
        '已有另一张合格证',
    'a piece is retired by the engineering manager (the maintenance supervisor or management)':
        '设备报废/停用须由工程主管（工程维修主管或管理层）登记',
    'the equipment is retired already ({0} on {1})':
        '该设备已报废/停用（{0}，{1}）',
    "the retirement day is before any estate's history":
        '报废/停用日期早于任何小区的历史',
    'a retirement is recorded at most {0} days ahead':
        '报废/停用日期最多为今后 {0} 天内',
    'a piece is retired after it was installed':
        '设备须在安装之后报废/停用',
    'is before its installation ({0})':
        '早于安装日期（{0}）',
    'is retired ({0}) since {1}':
        '自 {1} 起已报废/停用（{0}）',
    'the equipment is retired: nothing more is done on it':
        '该设备已报废/停用，不再对其开展任何工作',
    # 备品备件: engineering's parts store (maintenance/parts.py, h8)
    'the store holds {0} {1} of {2}':
        '库存中 {2} 只有 {0}（{1:part_unit}）',
    'is more than the store holds':
        '超过库存数量',
    'the order holds {0} {1} of {2}':
        '该工单领用的 {2} 只有 {0}（{1:part_unit}）',
    'is more than was issued to the order':
        '超过该工单领用的数量',
    'the work order is {0}: parts are issued to and returned from an open order':
        '该工单{0:wo_status}：备件只能领用到未完成的工单或从其退库',
    # an issue that reached its order after the order was signed off without it (r8)
    'the work order was {0} meanwhile: parts are issued to and returned from an open order':
        '该工单在此期间{0:wo_status}：备件只能领用到未完成的工单或从其退库',
    # a return after the order's sign-off, past the estate's part_late_return_days (h2)
    'the work order was signed off on {0}: a part comes back to the store within {1} day of its sign-off':
        '该工单已于 {0} 验收签字：备件须在验收后 {1} 天内退库',
    'the work order was signed off on {0}: a part comes back to the store within {1} days of its sign-off':
        '该工单已于 {0} 验收签字：备件须在验收后 {1} 天内退库',
    # part_late_return_days 0: no late return at all (it said "within 0 days", h8)
    'the work order was signed off on {0}: the estate takes no late return of parts after a sign-off':
        '该工单已于 {0} 验收签字：本小区不接受验收后退库',
    'a quantity is more than 0':
        '数量须大于 0',
    'a quantity has at most 3 decimals':
        '数量最多三位小数',
    'has more than 3 decimals':
        '超过三位小数',
    'a part counted by the {0} is counted whole':
        '按{0:part_unit}计的备件须为整数',
    'is not a whole number of {0}s':
        '不是整数（{0:part_unit}）',
    'the store has a part of code {0} already':
        '备件编码 {0} 已存在',
    'a plan is first due within {0} day':  # counted (h10)
        '计划的首次到期日须在 {0} 天内',
    'a plan is first due within {0} days':
        '计划的首次到期日须在 {0} 天内',
    'a notice is shown until today or a day to come':
        '公告展示截止日须为今天或以后',
    'the notice would leave the board before the service is expected back':
        '公告会在预计恢复之前撤下：展示截止日须不早于预计恢复的那天',
    'is before the day the service is expected back':
        '早于预计恢复的那天',
    'a notice is shown for at most {0} days':
        '公告最长展示 {0} 天',
    'a notice is shown for at most {0} day':
        '公告最长展示 {0} 天',
    'the notice was withdrawn already':
        '该公告已撤下',
    "only a repair joins a fault's work order":
        '只有报修可以并入故障工单',
    'is not a repair':
        '不是报修',
    "the repair joined another fault's work order already":
        '该报修已并入另一张故障工单',
    'its own work order was started on site at {0}: it is completed, not joined':
        '其自身工单已于 {0} 开工：应完工，不能再并入',
    "a repair completed, closed or with a follow-up does not join a fault's work order":
        '已完工、已关闭或有跟进工单的报修不能并入故障工单',
    "is the repair's own work order":
        '是该报修自己的工单',
    "the repair's own work order is no fault's":
        '报修自己的工单不是故障工单',
    'a withdrawn notice is not revised: publish a new one':
        '已撤下的公告不能修订，请重新发布一条',
    'the revision changes nothing':
        '本次修订没有任何改动',
    "give a body, until, expected_restoration_at or outage other than the notice's":
        '请填写与原公告不同的内容、展示截止日、预计恢复时间或停水停电时间',
    'the cut was called off':
        '该计划停水停电已取消',
    'was called off':
        '已取消',
    'the cut was called off already: publish a new notice for a new cut':
        '该计划停水停电已取消：如有新的停水停电，请发布新公告',
    'the cut is over (its service was back at {0}): publish a new notice for a new cut':
        '该计划停水停电已结束（已于 {0} 恢复）：如有新的停水停电，请发布新公告',
    'the cut started at {0}: it is not called off under way; revise its expected_restoration_at to when the service is back':
        '该计划停水停电已于 {0} 开始，进行中不能取消：请修订预计恢复时间为实际恢复的时间',
    'the cut started at {0}: its start is not moved; revise its end (ends_at or expected_restoration_at)':
        '该计划停水停电已于 {0} 开始，开始时间不能再改：请修订其结束时间（结束时间或预计恢复时间）',
    'a planned cut of the estate is being changed or judged by another call; try again in a moment':
        '本小区的计划停水停电正由其他操作修改或核对，请稍后再试',
    'the request changed while it was matched; try again in a moment':
        '该工单在匹配住户时已被修改，请稍后再试',
    # a reclassification into a cut's utility's repair read the request unmatched, matched since (h8)
    'the request changed while it was reclassified; try again in a moment':
        '该工单在改类时已被修改，请稍后再试',
    'a planned cut called off is back at no time':
        '已取消的计划停水停电没有恢复时间',
    'leave it out: the cut is called off':
        '停水停电已取消，请不填',
    'a cut is moved by its new starts_at and ends_at, or called off by cancelled alone':
        '停水停电改期须同时填写新的开始和结束时间；取消则只勾选“停水停电取消”',
    'give starts_at and ends_at, or cancelled: true':
        '请同时填写开始和结束时间，或只勾选取消',
    "is not the cut's new ends_at ({0}): leave it out":
        '与停水停电的新结束时间（{0}）不一致：请留空',
    "only a repair is the flat's own fault":
        '只有报修才能标记为户内故障',
    'a notice names its building or its buildings, not both':
        '公告只能填写一个楼栋或多个楼栋，不能同时填写',
    'give building or buildings, not both':
        '楼栋与多个楼栋只能填写其一',
    'the service is expected back at a time to come':
        '预计恢复时间须晚于现在',
    'is not after now ({0})':
        '不晚于现在（{0}）',
    # 计划停水停电: a planned cut on its notice, the calls about it, a repair while it stands (h7)
    'a cut ends after it starts':
        '停水停电的结束时间须晚于开始时间',
    'is not after starts_at ({0})':
        '不晚于开始时间（{0}）',
    "is not after the cut's starts_at ({0})":
        '不晚于停水停电的开始时间（{0}）',
    "a planned cut's service is expected back at its end":
        '计划停水停电的预计恢复时间即其结束时间',
    "is not the cut's ends_at ({0}): leave it out":
        '与停水停电的结束时间（{0}）不一致，请不填',
    'the notice tells of no planned cut':
        '该公告不是计划停水停电公告',
    'no planned cut':
        '不是计划停水停电公告',
    "the cut's notice was withdrawn":
        '该停水停电公告已撤下',
    'was withdrawn':
        '已撤下',
    'the cut is over: a household without the service now has a fault of its own (a repair), or the notice is revised':
        '停水停电已结束：现在仍无水无电属于户内故障（请登记报修），或先修订公告',
    'its service was expected back at {0}':
        '预计已于 {0} 恢复',
    'the household is not in a building the cut reaches':
        '该房屋不在停水停电的楼栋内',
    "cuts buildings {0}, not the household's":
        '停水停电楼栋为 {0}，不含该房屋所在楼栋',
    "a planned cut of the household's building stands until {0} (notice {1}, {2}): register the call as a consultation naming outage_notice_id, or mark the repair own_fault if the flat's fault is its own":
        '该房屋所在楼栋正在计划停水停电，预计 {0} 恢复（公告 {1}，{2}）：请登记为关于该公告的咨询；如确属户内故障，请勾选“确属户内故障”',
    "a planned cut of the building stands until {0} ({1}): the service comes back then and nothing was filed; if only your flat has the fault, say so (own_fault) and file it again":
        '你所在楼栋正在计划停水停电，预计 {0} 恢复（{1}）：届时即可恢复，本次未提交；如只有你家这样，请勾选“只有我家这样”后重新提交',
    'is only for a consultation or a complaint about the planned cut, not a repair':
        '仅用于关于计划停水停电的咨询或投诉，不能用于报修',
    'the notice is not known in this estate':
        '本小区没有这条公告',
    'no such notice in this estate':
        '本小区没有这条公告',
    'the work order is another incident\'s':
        '该工单属于另一起突发事件',
    'is not the incident the work order was opened for':
        '不是该工单所对应的突发事件',
    'no work order of this estate that customer service was told of':
        '本小区没有这张工单（或客服尚未收到其派单通知）',
    'no such patrol anomaly in this estate':
        '本小区没有这条巡更异常',
    "no anomaly of this estate's rounds":
        '不是本小区巡更中记录的异常',
    'the anomaly opened no work order':
        '该巡更异常没有生成工单',
    'opened no work order to take over':
        '没有可沿用的工单',
    "the anomaly's work order is done":
        '该巡更异常的工单已结束',
    'its work order is completed or cancelled: open the incident without it':
        '其工单已完工或已取消：请不关联该异常另行上报事件',
    "the anomaly's work order serves incident {0} already":
        '该巡更异常的工单已由突发事件 {0} 沿用',
    "the anomaly's work order serves another incident already":
        '该巡更异常的工单已由另一突发事件沿用',
    'the request is of this kind already':
        '该报事已是这一类型',
    "is the request's kind":
        '与报事现有类型相同',
    'a request is reclassified with the reason':
        '更改报事类型须说明原因',
    'is required to reclassify the request':
        '更改报事类型时必填',
    'a {0} is reclassified only while it is open, before any work on it (this one is {1})':
        '{0:kind}只能在待处理、尚未开始处理时更改类型（此报事状态为{1:status}）',
    'this repair went to maintenance as it was registered: its work order is cancelled there (the request closes with it) and the request registered anew':
        '此报修已按登记转给维修部：须由维修部取消其工单（报事随之结案），再重新登记报事',
    'a closed {0} is handed over to nobody':
        '已结案的{0:kind}不能转交',
    'a request is handed to a colleague of the desk':
        '报事只能转交给本小区的客服同事',
    'is not an active front-desk colleague of this estate (agent, steward, manager)':
        '不是本小区在岗的客服同事（客服专员、物管员、经理）',
    'a tool is lent for at most {0} days':
        '便民工具最长借用 {0} 天',
    'a tool is lent for at most {0} day':
        '便民工具最长借用 {0} 天',
    'a contact is logged within {0} days of it':
        '业主联系须在发生后 {0} 天内登记',
    'a contact is logged within {0} day of it':
        '业主联系须在发生后 {0} 天内登记',
    "the day is before any estate's history":
        '日期早于任何小区的历史',
    'a meter reading is recorded within {0} days of it':
        '抄表读数须在抄表后 {0} 天内登记',
    'a meter reading is recorded within {0} day of it':
        '抄表读数须在抄表后 {0} 天内登记',
    "the flat's {0} meter is No. {1}: a new meter is recorded as a replacement":
        '该房屋的{0:meter_kind}表号为 {1}：新表须按换表登记',
    "is not the flat's {0} meter ({1}); mark the reading as a meter replacement":
        '不是该房屋的{0:meter_kind}（{1}）；如已换表，请勾选换表',
    'the {0} meter was last read on {1}: a reading is not dated before it':
        '{0:meter_kind}上次抄表日期为 {1}：读数日期不能早于它',
    "is before the meter's last reading ({0})":
        '早于该表上次抄表日期（{0}）',
    'the {0} meter No. {1} read {2} on {3}: a meter does not go back':
        '{0:meter_kind} {1} 于 {3} 读数为 {2}：表读数不会倒退',
    "is lower than the meter's last reading ({0} on {1}); mark it as a meter replacement if the meter was changed":
        '低于该表上次读数（{1} 读数 {0}）；如已换表，请勾选换表',
    "the flat's {0} meter was read by another meanwhile: send this reading again to have it judged against that one":
        '该房屋的{0:meter_kind}刚由他人登记了读数：请重新提交本次读数，将以该读数为准校验',
    'the meter was read meanwhile; send it again':
        '该表刚有新读数，请重新提交',
    'a vacant-unit inspection is recorded within {0} days of it':
        '空置房巡检须在巡检后 {0} 天内登记',
    'a vacant-unit inspection is recorded within {0} day of it':
        '空置房巡检须在巡检后 {0} 天内登记',
    'an archive check plan is made for this year or the next at the furthest':
        '档案检查计划最远只能制订到明年',
    'a day is settled within {0} days of it, or later only when it has journal entries left unsettled':
        '日结须在当日后 {0} 天内完成；超过期限的补结只限有未日结流水的日子',
    'a day is settled within {0} day of it, or later only when it has journal entries left unsettled':
        '日结须在当日后 {0} 天内完成；超过期限的补结只限有未日结流水的日子',
    'is more than {0} days ahead':  # estate_common/plausible.py: a date to come, past its kind's horizon
        '超出 {0} 天的期限',
    'is more than {0} day ahead':  # estate_common/plausible.py: a date to come, past its kind's horizon
        '超出 {0} 天的期限',
    'is more than {0} days ago':  # a record of what staff did, written up too late
        '已超过 {0} 天',
    'is more than {0} day ago':  # a record of what staff did, written up too late
        '已超过 {0} 天',
    'an incident is recorded within {0} hours of happening':
        '突发事件须在发生后 {0} 小时内登记',
    'an incident is recorded within {0} hour of happening':
        '突发事件须在发生后 {0} 小时内登记',
    'is more than {0} hours ago':
        '已超过 {0} 小时',
    'is more than {0} hour ago':
        '已超过 {0} 小时',
    'cannot exceed records_checked':
        '不能大于检查份数',
    'the check does not add up':
        '检查记录填写有误',
    'area_m2 has more than two decimals':
        '面积（㎡）超过两位小数',
    'must have at most two decimals':
        '最多保留两位小数',
    'the household is at version {0}, not {1}':
        '房屋资料当前为第 {0} 版（你提交的是第 {1} 版），已被他人修改，请刷新后重试',
    "is not the household's current version":
        '不是房屋资料的当前版本',
    'records of a {0} are read through an approved borrow request (POST …/archive/borrow-requests)':
        '{0:subject}档案须通过已批准的借阅申请查阅（POST …/archive/borrow-requests）',
    'to is before from':
        '结束（to）在起始（from）之前',
    'must not be below from':
        '不能在起始（from）之前',
    '{0} is not a record number':
        '{0} 不是有效的记录序号',
    'must be a seq number from 1':
        '须为从 1 开始的记录序号',
    "the unit's {0} was accepted on {1}":
        '该房屋已于 {1} 办理{0}',
    '{0} accepted already':
        '该房屋已办理过{0:handover}，不能重复登记',
    'keys are handed over with the unit to its owner, at its handover (交房)':
        '钥匙在交房时随房屋交给业主，接管验收不登记交房钥匙',
    'only a handover gives keys to the owner':
        '只有交房时登记交给业主的钥匙',
    'only an owner takes a unit with its defects listed, at its handover (交房)':
        '只有交房时业主可以带问题收房，接管验收的问题须由开发商整改后再验收',
    'only a handover is taken with defects':
        '只有交房可以带问题收房',
    'only a handover to its owners names the co-owners who received it':
        '只有交房时登记共同收房的业主（共有产权人）',
    'only a handover names co-owners':
        '只有交房时登记共同收房业主',
    'the co-owners are named beside the owner who received the unit (received_by)':
        '请先填写接收业主，再填写共同收房业主',
    'needs received_by':
        '须同时填写接收业主',
    'the file is not UTF-8 text (save it as CSV UTF-8)':
        '文件不是 UTF-8 文本（请另存为 CSV UTF-8）',
    'the file is not readable CSV':
        '文件不是可读取的 CSV',
    'at most {0} rows a file':
        '每个文件最多 {0} 行',
    'a handover lists the documents, the common areas or the keys handed over':
        '移交登记须列出移交的资料、查验的共用部位及设施设备或移交的钥匙',
    'list at least one document, common area or key':
        '请至少填写一项资料、一项共用部位或一项钥匙',
    'a unit is handed to its owner only after an accepted takeover (接管验收)':
        '房屋须在接管验收通过后才能交房给业主',
    'the unit has no accepted takeover':
        '该房屋尚无通过的接管验收',
    'the handover cannot be before the takeover ({0})':
        '交房日期不能早于接管验收日期（{0}）',
    "is before the unit's takeover":
        '早于该房屋的接管验收',
    'the file cannot be imported: {0}':
        '文件无法导入：{0}',
    'the file is not valid base64':
        '文件不是有效的 base64 编码',
    'is not base64':
        '不是 base64 编码',
    'no such occupant of this household':
        '该房屋没有此住户人员',
    'no such record of this equipment':
        '该设备没有此台账记录',
    "an owner's entry ends by an owner transfer":
        '业主的登记须通过业主过户结束',
    'is an owner':
        '是业主',
    'this occupant left on {0}':
        '该人员已于 {0} 迁出',
    'has left already':
        '已迁出',
    '{0} is before {1} ({2})':
        '{0} 早于{1}（{2}）',
    'is before {0}':
        '早于{0}',
    "{0} is after today ({1} in the estate's timezone): a change is recorded once it has happened":
        '{0} 晚于今天（按本小区时区为 {1}）：变更须在发生后登记',
    'only a move-in brings people':
        '只有入住时可登记入住人员',
    'is for a move-in':
        '仅用于入住',
    'the owner changes by an owner transfer':
        '业主变更须通过业主过户办理',
    'must be tenant or family':
        '须为租户或家属',
    'only a vacant unit is inspected here; this one is {0}':
        '此处只巡检空置房屋；该房屋当前为{0:household_status}',
    'is {0}':
        '当前为“{0:household_status|payment_status|util_status|status}”',
    'a household keeps at most {0} people':
        '每户最多登记 {0} 人',
    'too many people on this household':
        '该房屋登记人员过多',
    'the archive is too busy to record this now; try again':
        '档案系统繁忙，暂时无法记录，请稍后重试',
    'the archive holds nothing about this subject':
        '档案中没有该对象的任何记录',
    "is not in this estate's archive":
        '不在本小区档案中',
    'no such estate':
        '小区不存在',
    'the file part is neither a .csv file nor an .xlsx workbook':
        '上传的文件既不是 .csv 文件，也不是 .xlsx 工作簿',
    'send the file as text/csv or as an .xlsx workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), or as the file part of a multipart/form-data upload':
        '请以 CSV 文件或 .xlsx 工作簿上传',
    'the current password is wrong':
        '当前密码不正确',
    'is not valid':
        '无效',
    'the {0} has a custom field {1} already (archived)':
        '{0:custom_resource}已有自定义字段 {1}（已停用）',
    'the {0} has a custom field {1} already':
        '{0:custom_resource}已有自定义字段 {1}',
    'is not a setting of this service':
        '不是本服务的设置项',
    'must be a whole number of at least {0}':
        '须为不小于 {0} 的整数',
    'must not be more than {0} ({1})':
        '不能大于 {0}（{1}）',
    'must not be less than {0} ({1})':
        '不能小于 {0}（{1}）',
    'must be less than {0} ({1})':
        '须小于 {0}（{1}）',
    'must be more than {0} ({1})':
        '须大于 {0}（{1}）',
    'settings do not agree with each other':
        '设置之间相互矛盾',
    'a PUT replaces what is there: send the whole body, an empty object for none':
        '整体替换：请提交完整内容（不设置时提交空对象 {}）',
    'must be at most {0}':
        '不能大于 {0}',
    'must be a list of at least one of: {0}':
        '须从以下选项中选择至少一项：{0}',
    'may hold only: {0} (not {1})':
        '只能包含：{0}（不能包含 {1}）',
    'must name each choice once':
        '每个选项只能选择一次',
    'the quote was revised (version {0} is current): name the version the occupant agreed to':
        '报价已修改（当前为第 {0} 版）：请注明住户同意的报价版本',
    'is required once a quote was revised':
        '报价修改后必须注明版本',
    'has a plan already':
        '已有检查计划',
    'is already registered':
        '已登记',
    'must be https (plain http only to 127.0.0.1 with WEBHOOK_ALLOW_PRIVATE=1)':
        '须为 https 地址（仅在 WEBHOOK_ALLOW_PRIVATE=1 时允许 http://127.0.0.1）',
    'must be https':
        '须为 https 地址',
    'does not resolve':
        '域名无法解析',
    'resolves to a {0} address; only public addresses are allowed':
        '解析到{0}地址；只允许公网地址',
    'must be a URL of at most {0} characters':
        '须为不超过 {0} 个字符的网址',
    'must not contain spaces or control characters':
        '不能包含空格或控制字符',
    'is not a valid URL':
        '不是有效的网址',
    'must not carry a user name or password':
        '不能包含用户名或密码',
    'must not have a fragment':
        '不能包含 # 片段',
    'must name a host':
        '须包含主机名',
    # -- passed on by helpers (a module's constant, a helper's argument) ------------------
    'is archived: it takes no new values':
        '已停用，不能再填写新值',
    'must be a text of 1 to {0} characters':
        '须为 1 到 {0} 个字符的文本',
    'must be a number from -{0} to {1}':
        '须为 -{0} 至 {1} 之间的数字',
    'must be a date, YYYY-MM-DD, from 1900 to 2999':
        '须为 1900 至 2999 年间的日期，格式 YYYY-MM-DD',
    'must be true or false':
        '须为“是”或“否”',
    "must be one of the field's choices":
        '须为该字段的选项之一',
    'must not hold a phone or ID number: custom fields are not for personal data':
        '不能填写电话或身份证号：自定义字段不用于存放个人信息',
    'CSV must be UTF-8 or GB18030 text':
        'CSV 文件须为 UTF-8 或 GB18030 编码的文本',
    'the CSV cannot be read at line {0}':
        'CSV 文件第 {0} 行无法读取',
    'the workbook has no sheet':
        '工作簿中没有工作表',
    "the workbook's first sheet is empty: the households are read from the first sheet":
        '工作簿的第一个工作表为空：住户从第一个工作表读取',
    "the workbook's first sheet cannot be read":
        '工作簿的第一个工作表无法读取',
    'at most {0} households in one import':
        '一次最多导入 {0} 户',
    'the file is larger than {0} bytes uncompressed':
        '文件解压后超过 {0} 字节',
    'format must be one of {0}':
        '格式须为以下之一：{0}',
    'not an .xlsx workbook':
        '不是 .xlsx 工作簿',
    'not an .xlsx workbook (too many parts)':
        '不是有效的 .xlsx 工作簿（组成部分过多）',
    'a part of the workbook inflates more than {0} times':
        '工作簿中有部分解压后膨胀超过 {0} 倍',
    'the first row must name the columns; missing: {0}':
        '第一行须为列名；缺少：{0}',
    # a handover weekend's sheet (批量交房: archive's handover_batches)
    'the first row must name the columns (楼栋, 单元, 房号, 交房日期); missing: {0}':
        '第一行须为列名（楼栋、单元、房号、交房日期）；缺少：{0}',
    'at most {0} handovers in one batch':
        '一批最多交房 {0} 户',
    # a bank statement of one amount, no direction column and no amount signed (found by review r10 of h10)
    'the first row must name the columns; missing: direction (or one amount signed, minus for money out)':
        '第一行须为列名；缺少：收支列（或带正负号的金额，负数为支出）',
    # the opening balances import (finance/opening_balance_imports.py)
    'the file part is not a .csv file':
        '上传的文件不是 .csv 文件',
    'send the file as text/csv, or as the file part of a multipart/form-data upload':
        '请以 text/csv 发送文件，或作为 multipart/form-data 表单的 file 部分上传',
    'the file is larger than {0} bytes':
        '文件超过 {0} 字节',
    'at most {0} lines in one import':
        '一次最多导入 {0} 行',
    'the file has no line after its header':
        '文件在列名行之后没有内容',
    'the file is neither UTF-8 nor GBK text':
        '文件既不是 UTF-8 也不是 GBK 编码的文本',
    'no household of this estate at this address':
        '本小区没有这个地址的房屋',
    'must be an amount in yuan, such as 210.02':
        '须为以元计的金额，例如 210.02',
    'must be a month, such as 2026-08':
        '须为月份，例如 2026-08',
    'must be a day, such as 2019-05-01 (2019/5/1, 2019年5月1日)':
        '须为日期，例如 2019-05-01（或 2019/5/1、2019年5月1日）',
    'must be a fee item: property_service, parking, renovation_management, renovation_deposit, repair (or its name, 物业服务费)':
        '须为收费项目：物业服务费、停车费、装修管理费、装修押金、有偿维修（或其代码）',
    # the opening credits import (finance/opening_credit_imports.py)
    "must name the line of the previous company's list (its number)":
        '须写明原物业公司清单的编号（单号）',
    # opening credits (finance/opening_credits.py)
    "the household's {0} was credited already as {1} with another amount":
        '该户的 {0} 已记入预收（{1}），金额不同',
    'credited already as {0}':
        '已记入预收：{0}',
    '{0} is an opening credit, money paid to the previous company: no journal holds it; it is reversed by POST …/opening-credits/{{id}}/reverse':
        '{0} 是期初预收，款项由原物业公司收取：本公司日记账中没有这笔钱，不作收款冲销；请在其记录页冲销此笔期初预收',
    'no opening credit {0}':
        '没有期初预收 {0}',
    "{0} is an opening credit, money paid to the previous company: its invoice is the previous company's to issue":
        '{0} 是期初预收，款项由原物业公司收取：发票应由原物业公司开具',
    # the owners' money owed back at a contract's end, refunded or handed over (finance/exit_settlement.py, h8)
    '{0} cents of the payment were paid out as money owed back at the contract\'s end ({1}): it cannot be reversed':
        '该笔缴费中有 {0} 分已作为撤场应退预收款付出（{1}），不能冲正',
    "paid out money owed back at the contract's end":
        '已作为撤场应退预收款付出',
    'is at most {0} characters':
        '最多 {0} 个字符',
    'names the next company the money is handed to':
        '须填写接收款项的新物业公司',
    "the settlement of the money owed back at the contract's end is incomplete":
        '撤场应退预收款的结算信息不完整',
    "a bill covers days on both sides of the contract's end {0}: correct it before the money owed back is settled":
        '有账单跨越合同截止日 {0}：请先更正该账单，再结算应退预收款',
    '{0} covers days on both sides of the end':
        '{0} 跨越合同截止日',
    'the money owed back of {0} at {1} is being settled as a {2}':
        '{0} 截至 {1} 的应退预收款正在以 {2} 方式结算',
    'is being settled as a {0}':
        '正在以 {0} 方式结算',
    'the money owed back of {0} at {1} was handed to the next company by the transfer ({2} cents): nothing was refunded':
        '{0} 截至 {1} 的应退预收款已随移交转给新物业公司（{2} 分）：未作退还',
    'settled by the transfer':
        '已随移交结算',
    'a bill of the household changed while the money owed back was settled: try again':
        '结算应退预收款时该户账单发生变化，请重试',
    "no transfer of the money owed back at this contract's end":
        '此合同截止日没有应退预收款的移交记录',
    "the contract's last day is too far from today to settle the money owed back at it":
        '合同截止日距今天过远，不能按此日结算应退预收款',
    "the contract's end of this estate is {0}, fixed by its first settlement of the money owed back":
        '本小区的合同截止日为 {0}，已由首笔应退预收款结算确定',
    "is not the contract's end {0}":
        '不是合同截止日 {0}',
    # the seller's prepaid money held at a sale (finance/seller_prepaid.py)
    "no such seller's prepaid money held in this estate":
        '本小区没有这笔暂挂的卖方预收款',
    "the seller's prepaid money is refunded already":
        '这笔卖方预收款已退还',
    "the seller's prepaid money is carried over to the buyer already":
        '这笔卖方预收款已转给买方',
    "the seller's prepaid money is being refunded":
        '这笔卖方预收款正在退还',
    'the payments of {0} hold nothing for the seller: nothing to refund':
        '{0} 的收款中没有为卖方暂挂的款项：无可退还',
    'its payments hold nothing for the seller':
        '其收款中没有为卖方暂挂的款项',
    "a carry-over names its reason (the seller's and the buyer's agreement)":
        '转给买方须写明依据（买卖双方的约定）',
    "{0} cents of the payment are held for the household's seller ({1}): refund them or carry them over first":
        '此笔收款中有 {0} 分为该户卖方暂挂的预收款（{1}）：请先退还卖方或转给买方',
    'has money held for the seller':
        '含有为卖方暂挂的预收款',
    "money of the payment was refunded to the household's seller ({0}): it cannot be reversed":
        '此笔收款中的款项已退还该户卖方（{0}）：不能冲销',
    'paid a refund to the seller':
        '其款项已退还卖方',
    # the desk's search by phone (archive/operations.py search_households)
    "only a role that reads owners' and residents' phones in full may search by one":
        '只有可查看业主和住户完整电话的角色才能按电话查找',
    # an occupant's request to see his data (estate_common/personal_data.py subject_phone)
    'only the archives (the archivist, management) answer a request to see one\'s data':
        '只有档案管理员和管理层可以答复个人信息查阅请求',
    'the phone is not a phone number':
        '电话号码格式不正确',
    'must be a phone number: 6 to 20 digits, maybe +86 first, spaces, dashes or parentheses between them, such as 139 1234 5678':
        '须为电话号码：6 至 20 位数字，可以 +86 开头，数字之间可有空格、连字符或括号，例如 139 1234 5678',
    'must be a number of m², such as 89.5':  # an imported row's area (archive/imports.py)
        '须为平方米数，例如 89.5',
    'must be a phone number: 6 to 20 digits, a + first and spaces or hyphens between them allowed, such as 13912345678':
        '须为电话号码：6 至 20 位数字，可以 + 开头，数字之间可有空格或连字符，例如 13912345678',
    'must be 空置, 已入住 or 装修中 (vacant, occupied, renovating), or left empty for vacant':
        '须为 空置、已入住 或 装修中（或 vacant、occupied、renovating），不填为空置',
    'must be 给排水, 供配电, 供暖, 通风, 电梯, 消防 or 智能化 (water, power, heating, ventilation, elevator, fire, smart)':
        '须为 给排水、供配电、供暖、通风、电梯、消防 或 智能化（或 water、power、heating、ventilation、elevator、fire、smart）',
    'an estate with code {0} exists':
        '编码为 {0} 的小区已存在',
    'the estate has a check plan for {0} already':
        '本小区已有 {0} 年的档案检查计划',
    'this building, unit and room is registered already':
        '该楼栋、单元、房号已登记',
    # the same flat written another way (3栋 for 3, archive/domain.py registered_otherwise): {0} the
    # address as registered, {1} its household's id
    'this flat is registered already, as {0} (household {1})':
        '该房屋已登记为 {0}（房屋 {1}）',
    'names the flat registered as {0} (household {1})':
        '即已登记为 {0} 的房屋（房屋 {1}）',
    'the flat was being registered meanwhile: try again':
        '该房屋正在被登记，请重试',
    'fire equipment {0} is in the ledger already':
        '消防设施 {0} 已在台账中',
    'this vehicle entered just now':
        '该车辆刚刚已登记入场',
    'no vehicle with this plate is inside':
        '场内没有该车牌的车辆',
    'no vehicle with this plate is inside: its stay was closed without its fee by {0} at {1}, and the car may leave':
        '场内没有该车牌的车辆：其停车记录已由 {0} 于 {1} 免费关闭，车辆可以离场',
    # -- h5: the exit's refund exact, no empty settlement; public revenue paid back after an early end; a
    # reversal whose refund's cashier left
    "{0}, who paid the refund, has left (no active cashier of the estate): name who pays the deductions back from his drawer (paid_by): yourself ({1}) or a cashier of the estate ({2})":
        '办理退款的收银员 {0} 已离职（不再是本小区在职收银员）：请指定由谁从其钱箱退还扣款（paid_by）：你本人（{1}）或本小区的收银员（{2}）',
    "{0}, who paid the refund, has left (no active cashier of the estate): name who pays the deductions back from his drawer (paid_by): yourself ({1}) or no one else: the estate has no active cashier":
        '办理退款的收银员 {0} 已离职（不再是本小区在职收银员）：请指定由谁退还扣款（paid_by）：只能由你本人（{1}），本小区没有在职收银员',
    'name who pays them back: {0}':
        '请指定退还人：{0}',
    "the refund's amount is whole cents, 0 or more":
        '退还金额须为不小于 0 的整数（分）',
    'is whole cents, 0 or more':
        '须为不小于 0 的整数（分）',
    "nothing is owed back to the owner of {0} at the contract's end {1}: no money unused, no bill of days after it":
        '合同截止日 {1} 时 {0} 的业主没有应退款项：既无未用的预收款，也无截止日之后的账单',
    "has nothing owed back at the contract's end":
        '合同截止时没有应退款项',
    "the money owed back to the owner of {0} at the contract's end {1} is {2} cents, not the {3} asked: nothing was paid out":
        '合同截止日 {1} 时应退 {0} 业主的款项为 {2} 分，而不是填写的 {3} 分：未退还任何款项',
    'is {0} cents owed back':
        '应退款项为 {0} 分',
    "of the {0} cents planned to be refunded to the owner of {1}, the payments hold {2} now (money used since the plan): nothing was paid out; ask again for {3} cents":
        '计划退还 {1} 业主的 {0} 分中，相关缴费现仅余 {2} 分（计划后已被使用）：未退还任何款项；如需退还，请按 {3} 分重新提交',
    'is at most {0} cents now':
        '现在最多为 {0} 分',
    '{0} holds {1} of the {2} cents planned':
        '{0} 现余 {1} 分，计划为 {2} 分',
    "the fund holds {0} cents: taking back the owners' part of {1} cents would leave it below zero (what uses approved since took is spent)":
        '维修资金余额为 {0} 分：转出业主部分 {1} 分将使余额低于零（此后批准的使用已支出）',
    "the owners' part is no longer in the fund":
        '业主部分已不在维修资金中',
    "the household's money changed while its refund was paid out: nothing more was paid, ask again":
        '退款过程中该户的款项发生变化：未再退还，请重新提交',
    'changed while its refund was paid out':
        '退款过程中发生了变化',
    "{0} cents of the receipt were paid back after the contract's early end: it is not reversed":
        '该笔收款中有 {0} 分已在合同提前终止后退还：不能冲正',
    "paid back in part after the contract's early end":
        '合同提前终止后已部分退还',
    "a manager pays back the money received after a contract's early end":
        '合同提前终止后的退款须由经理办理',
    'only a contract ended early pays back what was received for the periods after its end':
        '只有提前终止的合同才能退还终止日之后各期的已收款项',
    "nothing was received for the periods after the contract's end {0}: {1} cents were due up to it":
        '合同终止日 {0} 之后各期没有已收款项：截至终止日应收 {1} 分',
    'has nothing received after its end':
        '终止日之后没有已收款项',
}


# What a helper composes into a refusal rather than raising one, read as a value's own sentence:
# ``checklist_results.failure_text`` names a failed item in "is ok, but {0}" (a fire check filed
# as ok). Its label, code, reading with its unit and a note are the inspector's own words, shown as
# they came. ``console/tests/test_refusals.py`` renders every form of it against these.
COMPOSED = {
    '{0} ({1}) failed': '{0}（{1}）不合格',
    '{0} ({1}) failed: {2}': '{0}（{1}）不合格：{2}',
    '{0} ({1}) reading {2} outside {3}–{4}': '{0}（{1}）读数 {2}，不在 {3}–{4} 之内',
    '{0} ({1}) reading {2} outside {3}–{4}: {5}': '{0}（{1}）读数 {2}，不在 {3}–{4} 之内：{5}',
    '{0} ({1}) reading {2} below {3}': '{0}（{1}）读数 {2}，低于 {3}',
    '{0} ({1}) reading {2} below {3}: {4}': '{0}（{1}）读数 {2}，低于 {3}：{4}',
    '{0} ({1}) reading {2} above {3}': '{0}（{1}）读数 {2}，高于 {3}',
    '{0} ({1}) reading {2} above {3}: {4}': '{0}（{1}）读数 {2}，高于 {3}：{4}',
}

# Why an approved fee standard cannot be ended by a new one (``finance.standards._overlap_conflict``),
# the value of "overlaps {0}: {1}" (and its {0}): a sentence of its own, read as the
# refusal's value (``console/tests/test_refusals.py`` composes each with finance's code).
REASONS = {
    'it covers {0} onwards already': '它已覆盖 {0} 起的期间',
    'it applies to {0}, this one to {1}: a new standard ends an approved one only for the same households; '
    'propose it for the households the approved one applies to (“New version” on its row), or reject this one':
        '它适用于{0}，本标准适用于{1}：新标准只能对完全相同的房屋终止已审批的标准；请在该标准一行点“以此新建（修改适用范围）”，'
        '按它的适用房屋提出，或驳回本标准',
    'it applies to {0}, this one to {1}: a household paying by the quarter or the year pays the approved monthly '
    'standard by its own billing cycle (POST …/billing-cycles, 缴费周期 on its statement of account); reject this one':
        '它适用于{0}，本标准适用于{1}：按季或按年缴费的房屋按已审批的按月标准，设置该房屋自己的缴费周期即可'
        '（POST …/billing-cycles，在其对账单页设置“缴费周期”）；请驳回本标准',
    # the approved standard named as the page shows it (``finance.standards.approved_named``)
    'the approved {0} standard “{1}” from {2}': '已审批的{0:fee}收费标准“{1}”（{2} 起）',
    'the approved {0} standard from {1}': '已审批的{0:fee}收费标准（{1} 起）',
    # whom a standard applies to, in words (``finance.standards.households_in_words``)
    'every household': '全部房屋',
    '{0} households': '{0:household_status}的房屋',
    '{0} or {1} households': '{0:household_status}或{1:household_status}的房屋',
    '{0}, {1} or {2} households': '{0:household_status}、{1:household_status}或{2:household_status}的房屋',
    'households of {0} to {1} m²': '面积 {0}–{1} ㎡ 的房屋',
    'households of {0} m² or more': '面积不小于 {0} ㎡ 的房屋',
    'households of up to {0} m²': '面积不大于 {0} ㎡ 的房屋',
    '{0} named households': '指定的 {0} 户房屋',
    '{0} among {1}': '{1}中{0}',
    "its {0} cycle runs to {1}; start at {2} or a later cycle's start":
        '它的{0:cycle}周期到 {1} 为止；请从 {2} 或之后某个周期的开始起算',
    'it has billed through {0} already': '它已出账至 {0}',
    'it runs on and this one ends at {0}: from {1} nothing would bill; approve this one without an end, '
    'or a standard of its own for the months after':
        '它没有截止期间，而本标准到 {0} 截止：{1} 起将无标准出账；请审批不设截止的本标准，或为之后的月份另立标准',
    'it runs to {0} and this one ends at {1}: from {2} nothing would bill; approve this one without an end, '
    'or a standard of its own for the months after':
        '它到 {0} 截止，而本标准到 {1} 截止：{2} 起将无标准出账；请审批不设截止的本标准，或为之后的月份另立标准',
}

# The words a service puts into a sentence at run time (what a 404 is about, a state, a post):
# a value of a sentence shown on a Chinese page reads from here when it is one of these, so
# "no such {0} in this estate" reads 本小区找不到该消防设施, not …fire equipment.
# ``console/tests/test_refusals.py`` checks the services' nouns and states are all here.
FRAGMENTS = {
    # why a rate limit refused ("{0}: try again later"; gateway/public.py, login_guard.py)
    "too many calls from this address": "此地址的访问次数过多",
    "too many requests filed from this address": "此地址提交的报事过多",
    "too many requests filed for this estate": "此小区收到的报事过多",
    "too many failed sign-ins": "登录失败次数过多",
    "too many failed sign-ins from this address": "此地址登录失败次数过多",
    "too many failed sign-ins for this username": "此用户名登录失败次数过多",
    "too many sign-ins are being tried for this account or address": "此账号或地址正在进行的登录过多",
    # what a document is called (the services' NAMES / WHAT by collection)
    "service request": "报事", "survey": "满意度调查", "notice": "通知公告", "key": "钥匙",
    "custody item": "代管物品", "tool loan": "工具借用", "application": "申请", "rectification plan": "整改计划",
    "owner contact": "业主走访记录", "fee standard": "收费标准", "bill": "账单", "payment": "收款",
    "journal entry": "日记账分录", "settlement": "日结", "reminder": "催缴通知", "expense": "支出", "deposit": "押金",
    "utility account": "水电账户", "record of an owner told": "通知业主记录", "bank statement line": "银行对账单行", "utility top-up or usage": "水电充值或扣费记录", "invoice": "发票",
    "maintenance fund": "维修资金", "maintenance fund entry": "维修资金收支记录", "operating expense": "经营支出",
    "public revenue contract": "公共收益合同", "public revenue receipt": "公共收益收款",
    "payee of money collected for others": "代收代缴收款单位", "money collected for a payee": "代收款项",
    "remittance to a payee": "代收款项解缴", "reversal of money collected for a payee": "代收款项冲销",
    "published disclosure": "公示", "billing run": "批量计费", "seller's prepaid money held": "暂挂的卖方预收款", "settlement of the money owed back at the contract's end": "撤场预收款结算", "transfer of the money owed back to the next company": "撤场预收款移交", "contract end day of the estate": "小区合同截止日", "household billing cycle": "房屋缴费周期", "webhook": "Webhook", "delivery": "推送记录", "patrol route": "巡更路线",
    "patrol plan": "巡更计划", "patrol round": "巡更", "fire equipment": "消防设施", "fire inspection": "消防检查",
    "overdue fire check": "逾期消防检查", "missed patrol round": "漏巡",
    "incident": "突发事件", "emergency plan": "应急预案", "fire drill": "消防演练", "patrol suspension": "停巡登记", "emergency alert": "预警响应",
    "duty assignment": "排班", "roll call": "考勤", "spot check": "查岗记录", "discipline record": "违纪记录", "training session": "培训记录", "assessment": "考核", "fire-lane check": "消防通道检查", "vehicle pass": "车辆通行证", "parking session": "停车记录",
    "visitor": "访客", "shift handover": "交接班记录", "checklist": "检查表", "work order": "工单", "equipment": "设备", "part": "备件",
    "maintenance plan": "维保计划", "budget": "预算", "renovation review": "装修审核", "inspection": "巡检",
    "borrow request": "借阅申请", "archive check plan": "档案检查计划", "archive check": "档案检查",
    "archive record": "档案记录", "estate": "小区", "household": "房屋", "vacant-unit inspection": "空置房巡检", "meter reading": "抄表读数",
    "takeover or handover": "接管验收或交房", "estate handover": "开发商移交记录", "restatement": "重发副本",
    "refused household step": "被拒绝的房屋状态变更", "custom field": "自定义字段", "document": "记录",
    "takeover (接管验收)": "接管验收", "handover (交房)": "交房",
    "goods release pass": "物品放行条", "activity": "社区活动", "planned": "计划中", "damage claim": "损失登记",
    "contractor": "外包单位", "upkeep finding": "巡查问题", "contractor month": "外包月度考核",
    "unassigned upkeep fault": "无外包单位承接的巡检问题",  # handed back to maintenance (r2)
    "paid service": "有偿服务项目", "service order": "有偿服务单",
    # what a state machine refuses for (``transitions.next_status``'s subject)
    "a complaint": "投诉", "a repair": "报修", "a consultation": "咨询", "a praise": "表扬", "a suggestion": "建议",
    "a key": "钥匙", "a custody item": "代管物品", "a tool loan": "工具借用", "an application": "申请",
    "a fire-lane check": "消防通道检查", "a round": "巡更", "an incident": "突发事件", "a work order": "工单",
    "a borrow request": "借阅申请", "a household": "房屋", "a goods release pass": "物品放行条",
    "a damage claim": "损失登记", "an upkeep finding": "巡查问题", "a service order": "有偿服务单",
    "an activity": "社区活动",
    # a state as that refusal writes it (its underscores as spaces)
    "accepted": "已验收", "appointed": "已预约", "approved": "已批准", "assigned": "已派工", "cancelled": "已取消",
    "clear": "畅通", "cleared": "已清理", "closed": "已关闭", "collected": "已领取", "completed": "已完成",
    "consented": "已同意报价", "dispatched": "已转工程部", "escalated": "已升级", "fees paid": "已缴费",
    "fees requested": "待缴费", "finished": "已结束", "fixed": "待复查", "put right": "已整改", "follow up": "跟进中", "held": "已收存", "in custody": "代管中", "issued": "已开具",
    "in progress": "处理中", "lent": "已借出", "needs help": "需支援", "on hold": "挂起待料", "obstructed": "有占用", "occupied": "已入住",
    "open": "待处理", "out": "已借出", "pending": "待处理", "quoted": "已报价", "rejected": "已驳回",
    "released": "已发放", "renovating": "装修中", "replied": "已答复", "returned": "已归还", "under review": "审核中",
    "vacant": "空置", "verified": "已核实", "registered": "已登记", "reported": "已报案", "assessed": "已定损",
    "negotiating": "协商中", "refused": "已拒赔", "paid": "已赔付", "ordered": "已下单", "done": "已完成", "visited": "已回访", "works started": "已开工", "withdrawn": "已撤回",
    # the days a date may not come before (archive's occupants)
    "a resident's arrival": "住户入住日期", "its from day": "开始日期", "the current owner's first day": "现业主的起始日期",
    "the day they moved in": "入住日期", "the household's last status change": "房屋上次状态变更日期",
    # balances (a top-up past the most any balance holds)
    "the fund": "维修资金", "the water balance": "水费余额", "the electricity balance": "电费余额",
    # what becomes one bill (money.refuse_above_one_bill)
    "a quote": "报价", "a charge": "收费", "the renovation management fee": "装修管理费",
    "the renovation deposit": "装修押金", "a paid service's order": "有偿服务订单",
    # a guard's place in a shift (security-patrol's roster)
    "the gate post": "在门岗值守", "the patrol post": "在巡逻岗值守", "the monitoring_room post": "在监控室值守",
    "duty": "值班",
    # where a query parameter was not taken (the gateway)
    "here": "此处", "of this list": "此列表", "of this call": "此接口", "of a download": "下载", "of a job": "任务查询",
    "of this report": "此报表",
    # why a webhook's address is refused (integrations' targets)
    "loopback": "本机回环", "link-local": "链路本地", "unspecified": "未指定", "multicast": "组播", "private": "内网",
    "an IPv4 address tunnelled in IPv6 (6to4, Teredo)": "经 IPv6 隧道（6to4、Teredo）封装的 IPv4",
}

# a state a subject names otherwise than FRAGMENTS' one word for it ("{0} whose status is '{1}'…": the
# subject, then its state): an activity held took place (已举办), a custody item held is kept (已收存)
# (r7 reviewing h7: an activity's held read as a custody item's)
STATES_OF = {"an activity": {"planned": "筹备中", "held": "已举办"}}

