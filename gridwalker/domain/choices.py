"""Every value list of the domain as an enum with a code and zh/en labels."""

from __future__ import annotations

import enum
import re
from typing import Self


class Choice(enum.StrEnum):
    """A value-list member (a str enum): the value is its code; `.zh` and `.en` are its labels."""

    zh: str
    en: str

    def __new__(cls, code: str, zh: str, en: str) -> Self:
        """Create a member whose value is `code` and which carries both labels."""
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.zh = zh
        obj.en = en
        return obj

    def label(self, lang: str) -> str:
        """Return the English label for lang "en", else the Chinese label."""
        return self.en if lang == "en" else self.zh

    @classmethod
    def choices(cls, lang: str) -> list[tuple[str, str]]:
        """Return (label, code) pairs in definition order."""
        return [(member.label(lang), member.value) for member in cls]

    @classmethod
    def parse(cls, text: str) -> Self:
        """Return the member whose code, zh label or en label is `text`."""
        key = str(text).strip()
        folded = key.casefold()
        for member in cls:
            if key == member.zh or folded in (member.value.casefold(), member.en.casefold()):
                return member
        allowed_zh = "、".join(member.zh for member in cls)
        allowed_en = ", ".join(member.en for member in cls)
        raise ValueError(
            f"无效的取值「{key}」，可选：{allowed_zh} / "
            f"invalid value {key!r}; allowed: {allowed_en}"
        )


class BuildingKind(Choice):
    """Kind of building."""

    RESIDENTIAL = ("residential", "居民楼", "Residential")
    COMMERCIAL = ("commercial", "商务楼宇", "Commercial tower")
    MIXED = ("mixed", "商住混合", "Mixed use")
    BUNGALOW = ("bungalow", "平房", "Bungalow")
    OTHER = ("other", "其他", "Other")


class Occupancy(Choice):
    """How a household's dwelling is occupied."""

    OWNER = ("owner", "自住", "Owner-occupied")
    RENTED = ("rented", "租赁", "Rented")
    MULTI_TENANT = ("multi_tenant", "群租", "Multi-tenant")
    VACANT = ("vacant", "空置", "Vacant")


class Sex(Choice):
    """Sex of a resident."""

    MALE = ("male", "男", "Male")
    FEMALE = ("female", "女", "Female")


class Relation(Choice):
    """Relation of a resident to the head of household."""

    SELF = ("self", "本人", "Self")
    SPOUSE = ("spouse", "配偶", "Spouse")
    CHILD = ("child", "子女", "Child")
    PARENT = ("parent", "父母", "Parent")
    GRANDCHILD = ("grandchild", "孙辈", "Grandchild")
    SIBLING = ("sibling", "兄弟姐妹", "Sibling")
    TENANT = ("tenant", "租户", "Tenant")
    OTHER = ("other", "其他", "Other")


class ResidenceType(Choice):
    """Permanent or floating population."""

    PERMANENT = ("permanent", "常住", "Permanent")
    FLOATING = ("floating", "流动", "Floating")


class CareTag(Choice):
    """Care tags (sensitive personal information, PIPL art. 28)."""

    ELDERLY_ALONE = ("elderly_alone", "独居老人", "Elderly living alone")
    AGED_80 = ("aged_80", "高龄老人", "Aged 80+")
    DISABLED = ("disabled", "残疾人", "Disabled")
    DIBAO = ("dibao", "低保", "Subsistence allowance")
    TEKUN = ("tekun", "特困", "Extreme hardship")
    VETERAN = ("veteran", "退役军人", "Veteran")
    UNEMPLOYED = ("unemployed", "失业", "Unemployed")
    LEFT_BEHIND_CHILD = ("left_behind_child", "留守儿童", "Left-behind child")
    MATERNAL = ("maternal", "孕产妇", "Pregnant or new mother")
    PARTY_MEMBER = ("party_member", "党员", "Party member")


# Status tags (身份标签) are recorded with the care tags but are not care categories (DOMAIN.md):
# they never make someone a care case in lists and figures.
STATUS_TAGS = frozenset(
    {CareTag.PARTY_MEMBER.value, CareTag.VETERAN.value, CareTag.UNEMPLOYED.value}
)
CARE_CASE_TAGS = frozenset(tag.value for tag in CareTag) - STATUS_TAGS


def is_care_case(tags: list[str] | tuple[str, ...] | None) -> bool:
    """Whether a resident's tags make them a care case (a care tag, not only status tags)."""
    return any(tag in CARE_CASE_TAGS for tag in tags or ())


_TAG_SEPARATORS = re.compile(r"[;；、,，]")


def parse_care_tags(text: str) -> list[CareTag]:
    """Parse tags separated by ; ； 、 , ， into a de-duplicated list, keeping order."""
    tags: list[CareTag] = []
    for part in _TAG_SEPARATORS.split(text or ""):
        part = part.strip()
        if not part:
            continue
        try:
            tag = CareTag.parse(part)
        except ValueError:
            allowed_zh = "、".join(member.zh for member in CareTag)
            allowed_en = ", ".join(member.en for member in CareTag)
            raise ValueError(
                f"未知的关爱标签「{part}」，可选：{allowed_zh} / "
                f"unknown care tag {part!r}; allowed: {allowed_en}"
            ) from None
        if tag not in tags:
            tags.append(tag)
    return tags


class VisitOutcome(Choice):
    """Outcome of a household visit."""

    VISITED = ("visited", "正常走访", "Visited")
    REQUEST = ("request", "有诉求", "Visited, request logged")
    NOBODY_HOME = ("nobody_home", "无人在家", "Nobody home")
    REFUSED = ("refused", "拒绝访问", "Refused")
    VACANT = ("vacant", "空置", "Vacant")
    ABSENT_REGISTERED = ("absent_registered", "人户分离", "Registered occupant lives elsewhere")
    ROSTER_UPDATED = ("roster_updated", "信息已更新", "Roster updated")

    @property
    def counts_as_covered(self) -> bool:
        """Whether a visit with this outcome covers the household for the cycle."""
        return self is not VisitOutcome.NOBODY_HOME


class Industry(Choice):
    """GB/T 4754-2017 industry sections A–T."""

    A = ("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery")
    B = ("B", "采矿业", "Mining")
    C = ("C", "制造业", "Manufacturing")
    D = (
        "D",
        "电力、热力、燃气及水生产和供应业",
        "Production and supply of electricity, heat, gas and water",
    )
    E = ("E", "建筑业", "Construction")
    F = ("F", "批发和零售业", "Wholesale and retail trade")
    G = ("G", "交通运输、仓储和邮政业", "Transport, storage and postal services")
    H = ("H", "住宿和餐饮业", "Accommodation and catering")
    I = (  # noqa: E741
        "I",
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and IT services",
    )
    J = ("J", "金融业", "Finance")
    K = ("K", "房地产业", "Real estate")
    L = ("L", "租赁和商务服务业", "Leasing and business services")
    M = ("M", "科学研究和技术服务业", "Scientific research and technical services")
    N = (
        "N",
        "水利、环境和公共设施管理业",
        "Water conservancy, environment and public facilities management",
    )
    O = ("O", "居民服务、修理和其他服务业", "Resident, repair and other services")  # noqa: E741
    P = ("P", "教育", "Education")
    Q = ("Q", "卫生和社会工作", "Health and social work")
    R = ("R", "文化、体育和娱乐业", "Culture, sports and entertainment")
    S = (
        "S",
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organisations",
    )
    T = ("T", "国际组织", "International organisations")


class Ownership(Choice):
    """Ownership type of an enterprise."""

    NON_PUBLIC = ("non_public", "非公企业", "Non-public")
    STATE_OWNED = ("state_owned", "国有", "State-owned")
    FOREIGN = ("foreign", "外资", "Foreign")
    SOCIAL_ORG = ("social_org", "社会组织", "Social organisation")


class Scale(Choice):
    """Enterprise scale."""

    LARGE = ("large", "大型", "Large")
    MEDIUM = ("medium", "中型", "Medium")
    SMALL = ("small", "小型", "Small")
    MICRO = ("micro", "微型", "Micro")


class OperatingStatus(Choice):
    """Operating status of an enterprise."""

    NORMAL = ("normal", "正常经营", "Operating normally")
    DIFFICULTY = ("difficulty", "经营困难", "In difficulty")
    SUSPENDED = ("suspended", "停业", "Suspended")
    MOVED_OUT = ("moved_out", "已迁出", "Moved out")
    DEREGISTERED = ("deregistered", "已注销", "Deregistered")

    @property
    def is_gone(self) -> bool:
        """Whether the enterprise is no longer in the tower."""
        return self in (OperatingStatus.MOVED_OUT, OperatingStatus.DEREGISTERED)


class PartyOrgStatus(Choice):
    """Whether an enterprise has a party organisation."""

    OWN = ("own", "单独组建", "Own organisation")
    JOINT = ("joint", "联合组建", "Joint organisation")
    NONE = ("none", "未建立", "None")

    @property
    def covered(self) -> bool:
        """Whether the enterprise counts as covered by a party organisation."""
        return self in (PartyOrgStatus.OWN, PartyOrgStatus.JOINT)


class PartyOrgKind(Choice):
    """Kind of party organisation."""

    BRANCH = ("branch", "党支部", "Party branch")
    GENERAL_BRANCH = ("general_branch", "党总支", "General party branch")
    COMMITTEE = ("committee", "党委", "Party committee")


class IssueCategory(Choice):
    """Category of a resident's issue."""

    ELEVATOR = ("elevator", "加装电梯", "Elevator retrofit")
    PARKING = ("parking", "停车管理", "Parking")
    FALLING_OBJECTS = ("falling_objects", "高空抛物", "Objects thrown from height")
    ENVIRONMENT = ("environment", "绿化环境", "Greenery and sanitation")
    SECURITY = ("security", "治安安全", "Security")
    FIRE_HAZARD = ("fire_hazard", "消防隐患", "Fire hazard")
    PROPERTY = ("property", "物业服务", "Property management")
    NEIGHBOUR_DISPUTE = ("neighbour_dispute", "邻里纠纷", "Neighbour dispute")
    NOISE = ("noise", "噪音扰民", "Noise")
    REPAIRS = ("repairs", "设施维修", "Repairs")
    WELFARE = ("welfare", "民生救助", "Welfare and assistance")
    OTHER = ("other", "其他", "Other")


class Urgency(Choice):
    """Urgency of an issue."""

    NORMAL = ("normal", "一般", "Normal")
    URGENT = ("urgent", "紧急", "Urgent")

    @property
    def default_due_days(self) -> int:
        """Days from reporting to the default due date."""
        return 3 if self is Urgency.URGENT else 15


class ReporterKind(Choice):
    """Who reported an issue."""

    RESIDENT = ("resident", "居民", "Resident")
    ENTERPRISE = ("enterprise", "企业", "Enterprise")
    PATROL = ("patrol", "网格员巡查", "Member's patrol")


class IssueStatus(Choice):
    """Status of an issue in its workflow."""

    DRAFT = ("draft", "草稿", "Draft")
    REPORTED = ("reported", "已上报", "Reported")
    ACCEPTED = ("accepted", "已受理", "Accepted")
    DECLINED = ("declined", "不予受理", "Declined")
    IN_PROGRESS = ("in_progress", "处置中", "In progress")
    RESOLVED = ("resolved", "已办结", "Resolved")
    VERIFIED = ("verified", "已核查", "Verified")
    CLOSED = ("closed", "已关闭", "Closed")
    ON_HOLD = ("on_hold", "挂起", "On hold")

    @property
    def is_open(self) -> bool:
        """Whether the issue is still to be dealt with (未办结): reported, and not yet resolved,
        verified, closed or declined (a resolved issue waits only for its check)."""
        return self not in (
            IssueStatus.DRAFT,
            IssueStatus.DECLINED,
            IssueStatus.RESOLVED,
            IssueStatus.VERIFIED,
            IssueStatus.CLOSED,
        )

    @property
    def is_done_for_overdue(self) -> bool:
        """Whether the issue can no longer become overdue."""
        return self in (
            IssueStatus.RESOLVED,
            IssueStatus.VERIFIED,
            IssueStatus.CLOSED,
            IssueStatus.DECLINED,
        )


class ReviewState(Choice):
    """Supervisor review state of a logged record."""

    RECEIVED = ("received", "待审核", "Awaiting review")
    APPROVED = ("approved", "已通过", "Approved")
    RETURNED = ("returned", "已退回", "Returned")
    CORRECTED = ("corrected", "重新提交", "Resubmitted")  # a new revision of a returned record


class Role(Choice):
    """Role of a user."""

    MEMBER = ("member", "网格员", "Grid member")
    SUPERVISOR = ("supervisor", "网格长", "Supervisor")
