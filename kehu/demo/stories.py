"""Follow-up notes for the demo company, grouped by the stage of a sale.

The demo company sells business software to small firms. Each customer's timeline is drawn
from these stages in order, so a signed customer reads as first call, visit, quote, contract.
Placeholders: {contact} is a contact's name and {product} one of names.PRODUCTS.
"""

import dataclasses

from kehu.timeline.models import FollowUpKind


@dataclasses.dataclass(frozen=True)
class Note:
    kind: str
    content: str
    purpose: str = ""
    result: str = ""
    next_step: str = ""


OPENING = [
    Note(
        FollowUpKind.CALL,
        "电话联系{contact}，介绍了我们的{product}。对方目前用Excel管订单，有兴趣，约了下周演示。",
    ),
    Note(
        FollowUpKind.CALL,
        "{contact}在官网留言咨询{product}，回电了解情况：公司准备把订单和库存统一管起来。",
    ),
    Note(
        FollowUpKind.WECHAT,
        "加了{contact}的微信，发了{product}的介绍和两个同行案例，对方说先内部看看。",
    ),
    Note(
        FollowUpKind.CALL,
        "前台转接到{contact}，对方说今年有信息化预算，让先发资料到邮箱。",
    ),
    Note(FollowUpKind.SMS, "短信发送公司介绍和演示预约链接给{contact}。"),
]

DISCOVERY = [
    Note(
        FollowUpKind.VISIT,
        "上门拜访{contact}，了解现有流程和痛点。",
        purpose="了解需求",
        result="订单、库存分散在三张表格里，月底对账要两天",
        next_step="整理需求清单，三个工作日内发方案",
    ),
    Note(
        FollowUpKind.VISIT,
        "带售前顾问上门演示{product}。",
        purpose="产品演示",
        result="对方对手机端审批很满意，担心老数据迁移",
        next_step="准备数据迁移方案和报价",
    ),
    Note(
        FollowUpKind.MEETING,
        "线上演示{product}，{contact}和财务一起参加，重点看了报表和手机端开单。",
    ),
    Note(
        FollowUpKind.WECHAT,
        "把需求确认单发给{contact}，对方补充了多仓库调拨的需求。",
    ),
    Note(FollowUpKind.EMAIL, "发送解决方案和实施计划给{contact}，抄送对方财务。"),
]

QUOTE = [
    Note(FollowUpKind.WECHAT, "{contact}微信询价，已发标准版报价单（含三年维护）。"),
    Note(
        FollowUpKind.CALL,
        "和{contact}电话沟通报价，对方认为实施费偏高，希望打包优惠。",
    ),
    Note(
        FollowUpKind.VISIT,
        "上门和{contact}谈价格和付款方式。",
        purpose="商务谈判",
        result="价格基本谈妥，对方要求增加一次上门培训",
        next_step="走内部审批后发合同",
    ),
    Note(FollowUpKind.EMAIL, "发送合同草稿给{contact}，对方法务在审。"),
]

WON = [
    Note(
        FollowUpKind.VISIT,
        "到客户公司签合同。",
        purpose="签约",
        result="合同已签，首付款本周到账",
        next_step="安排实施顾问对接，下周启动",
    ),
    Note(FollowUpKind.CALL, "实施启动电话会，和{contact}确认上线时间表。"),
    Note(
        FollowUpKind.CALL,
        "回访{contact}，{product}已上线一个月，使用顺畅，提了两个报表需求。",
    ),
    Note(
        FollowUpKind.VISIT,
        "上线后回访，看各部门的使用情况。",
        purpose="上线回访",
        result="各部门都在用，仓库盘点时间缩短一半",
        next_step="三个月后再回访，推荐财务模块",
    ),
]

DORMANT = [
    Note(FollowUpKind.NOTE, "{contact}说预算要到下季度才批，先暂停跟进。"),
    Note(
        FollowUpKind.CALL,
        "联系{contact}，对方最近忙于搬厂，项目推迟，约定过段时间再联系。",
    ),
]

LOST = [
    Note(FollowUpKind.CALL, "{contact}告知已选用其他厂商，主要原因是价格。"),
    Note(FollowUpKind.NOTE, "客户决定继续用现有系统，本次丢单。原因：老板不愿意改变流程。"),
]

# Written by the outside agent, who brings local customers and visits with them.
AGENT = [
    Note(
        FollowUpKind.VISIT,
        "代理陪同{contact}参观本地同行的使用现场。",
        purpose="案例参观",
        result="对方认可实施效果，关心售后响应速度",
        next_step="请原厂销售发售后服务说明",
    ),
    Note(FollowUpKind.CALL, "代理电话了解{contact}的决策进度，老板下周出差回来后拍板。"),
]

CUSTOMER_NOTES = [
    "年营业额约三千万，有两个仓库。",
    "老板亲自管采购，决策快。",
    "去年试用过别家系统，没用起来。",
    "集团下属子公司，需要总部审批。",
    "旺季在下半年，上半年推进更合适。",
]
