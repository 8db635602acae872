"""The demo street's fixed data: its communities, grids and towers, people's names, concerns,
issue texts, and how often things happen."""

from __future__ import annotations

from dataclasses import dataclass

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

# More demo streets (`hub demo build --streets N`): Jianghan's other sub-districts, each with
# its grid-code prefix (street 0 is 新华街 with XH, as above). Their communities are invented
# from COMMUNITY_WORDS; past these, streets are numbered (第14街道 …, S14-…).
MORE_STREETS = [
    ("民族街", "MZ"),
    ("花楼街", "HL"),
    ("水塔街", "ST"),
    ("民权街", "MQ"),
    ("满春街", "MC"),
    ("民意街", "MY"),
    ("万松街", "WS"),
    ("唐家墩街", "TJ"),
    ("北湖街", "BH"),
    ("前进街", "QJ"),
    ("常青街", "CQ"),
    ("汉兴街", "HX"),
]
COMMUNITY_WORDS = "友谊建设前进和平光明幸福繁荣长青育才兴业红旗胜利民主团结振兴花园滨江新村"


@dataclass(frozen=True)
class StreetSpec:
    """One demo street's names: the street, its communities, its grid codes' prefix, and
    the tower names' prefix (empty on 新华街, whose towers are real)."""

    name: str
    area_code: str
    grid_prefix: str
    communities: tuple[str, ...]
    tower_prefix: str = ""


def street_spec(number: int) -> StreetSpec:
    """The names of demo street `number` (0: 新华街 as ever); distinct for every number."""
    if number < 0:
        raise ValueError("a street number is 0 or more")
    if number == 0:
        return StreetSpec(STREET[0], STREET[1], "XH", tuple(COMMUNITIES))
    if number <= len(MORE_STREETS):
        name, prefix = MORE_STREETS[number - 1]
    else:
        name, prefix = f"第{number + 1}街道", f"S{number + 1:02d}"
    words = [COMMUNITY_WORDS[i : i + 2] for i in range(0, len(COMMUNITY_WORDS), 2)]
    # Each street its own rotation of the words: community names differ between streets
    # (and a street's own nine are distinct).
    start = (number * 5) % len(words)
    picked = (words[start:] + words[:start])[: len(COMMUNITIES)]
    # The district's area code: sub-districts share it (its six characters name a district).
    return StreetSpec(
        name,
        STREET[1],
        prefix,
        tuple(f"{w}社区" for w in picked),
        tower_prefix=name.removesuffix("街道").removesuffix("街"),
    )
