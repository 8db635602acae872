"""The demo street's fixed data: its communities, grids and towers, people's names, concerns,
issue texts, and how often things happen."""

from __future__ import annotations

from gridwalker.domain.choices import IssueCategory
from gridwalker.domain.workflow import IssueAction

STREET = ("新华街", "420103")
COMMUNITIES = [
    "邮三社区",
    "江北社区",
    "单洞社区",  # real (public account of Xinhua Street)
    "青松社区",
    "梧桐社区",
    "枫林社区",
    "桂园社区",
    "紫荆社区",
    "兰苑社区",  # invented
]
GRIDS_PER_COMMUNITY = [4, 4, 4, 4, 4, 4, 4, 3, 3]  # 34 grids
REAL_TOWERS = ["良友大厦", "民生银行大厦", "福星商会大厦"]
INVENTED_TOWERS = [
    "汇通大厦",
    "恒信广场",
    "新华国际中心",
    "江汉商务楼",
    "鼎盛大厦",
    "天元中心",
    "金桥大厦",
    "华盛广场",
    "银泰商务楼",
    "锦绣大厦",
    "东方中心",
    "长江商务中心",
]
TOWER_COMMUNITIES = (1, 0, 3)  # 江北, 邮三, 青松: the three communities with office towers
FULL_HOUSEHOLDS = 14_000
FULL_TOWERS = 15
ENTERPRISES_PER_TOWER = 40
DEMO_MEMBER = "李晓梅"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红文辉玲燕鹏志海波丹宇浩然欣怡子涵梓轩晨雨佳琪俊"
CONCERNS = [
    "老楼没有电梯，上下楼困难，希望加装电梯。",
    "楼下车位紧张，晚上车辆乱停堵塞消防通道。",
    "楼上有人往下扔垃圾，担心高空抛物伤人。",
    "楼道灯坏了好几天，晚上出入不方便。",
    "小区绿化带杂草多，蚊虫滋生。",
    "邻居装修噪音大，影响老人休息。",
    "希望社区多组织老年人活动。",
    "身体还好，子女每周来看望。",
    "",
    "",
    "",
]
ISSUE_TEXT = {
    IssueCategory.ELEVATOR: "{b}居民联名申请加装电梯，需协调低层住户意见。",
    IssueCategory.PARKING: "{b}附近夜间车辆乱停，堵塞消防通道。",
    IssueCategory.FALLING_OBJECTS: "{b}有住户从高处抛扔杂物，需排查并加装监控。",
    IssueCategory.ENVIRONMENT: "{b}楼下垃圾堆放，绿化带损毁。",
    IssueCategory.SECURITY: "{b}单元门禁损坏，陌生人随意进出。",
    IssueCategory.FIRE_HAZARD: "{b}楼道堆放杂物，电动车在楼道充电。",
    IssueCategory.PROPERTY: "{b}物业长期不清理化粪池，异味严重。",
    IssueCategory.NEIGHBOUR_DISPUTE: "{b}上下楼因漏水发生纠纷，需调解。",
    IssueCategory.NOISE: "{b}附近夜间施工噪音扰民。",
    IssueCategory.REPAIRS: "{b}楼道灯和扶手损坏，需维修。",
    IssueCategory.WELFARE: "{b}独居老人生活困难，申请救助。",
    IssueCategory.OTHER: "{b}居民反映其他问题，需进一步了解。",
}
# Which categories each real community is known for (weights favour them there).
COMMUNITY_THEMES = {
    0: IssueCategory.ELEVATOR,
    1: IssueCategory.PARKING,
    2: IssueCategory.FALLING_OBJECTS,
}
# Paths through the workflow that end in each status (the demo has issues in every status).
ISSUE_PATHS: list[tuple[IssueAction, ...]] = [
    (),  # reported
    (IssueAction.ACCEPT,),
    (IssueAction.DECLINE,),
    (IssueAction.ACCEPT, IssueAction.START),
    (IssueAction.ACCEPT, IssueAction.START, IssueAction.HOLD),
    (IssueAction.ACCEPT, IssueAction.START, IssueAction.RESOLVE),
    (IssueAction.RESOLVE_ON_SPOT,),
    (IssueAction.ACCEPT, IssueAction.START, IssueAction.RESOLVE, IssueAction.VERIFY),
    (
        IssueAction.ACCEPT,
        IssueAction.START,
        IssueAction.RESOLVE,
        IssueAction.VERIFY,
        IssueAction.CLOSE,
    ),
    (IssueAction.RESOLVE_ON_SPOT, IssueAction.VERIFY, IssueAction.CLOSE),
]
ISSUE_PATH_WEIGHTS = [8, 6, 2, 10, 2, 6, 6, 6, 40, 14]
BATCH = 5000
SUPERVISOR_ACTIONS = {
    IssueAction.ACCEPT,
    IssueAction.DECLINE,
    IssueAction.VERIFY,
    IssueAction.CLOSE,
}
