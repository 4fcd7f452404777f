"""Synthetic, realistic records for demonstration and measurement. Every name here is made up.

Sizes: `small` (a few dozen clients, for a first look), `decade` (a busy school room's ten years:
about 2,000 clients), `large` (five times that). The same seed always gives the same records.
Later record kinds add their own generators to `populate`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from .clients import STATUSES, Client
from .profile import Profile
from .services import Services

SIZES = {"small": 40, "decade": 2000, "large": 10000}
DEMO_PASSPHRASE = "demo-vault-passphrase"

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉婷雪琳晨欣怡宇浩然子涵梓轩雨桐思远佳琪嘉怡若曦"
_EN_FIRST = ["Emily", "James", "Olivia", "Liam", "Sophia", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Grace",
             "Henry", "Chloe", "Daniel", "Zoe", "Samuel", "Lily", "Jack", "Hannah", "Leo"]
_EN_LAST = ["Chen", "Wang", "Smith", "Li", "Brown", "Zhang", "Taylor", "Liu", "Wilson", "Huang", "Evans",
            "Zhou", "Walker", "Wu", "Hughes", "Lin", "Green", "Zhao", "Hall", "Xu"]
_SCHOOLS = [("心理学院", "应用心理学"), ("计算机学院", "软件工程"), ("外国语学院", "英语"), ("医学院", "临床医学"),
            ("School of Engineering", "Mechanical Engineering"), ("经济管理学院", "会计学"),
            ("School of Arts", "Music"), ("文学院", "汉语言文学"), ("数学科学学院", "统计学")]
_NOTES = ["由辅导员转介，近期睡眠不好。", "自行预约，学业压力大。",
          "Referred by the residence tutor after exam stress.",
          "Self-referred; adjusting to university life.", "家长陪同来访，情绪低落两周。", ""]


def _chinese_name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def make_client(rng: random.Random, n: int, today: date) -> Client:
    english = rng.random() < 0.2
    pseudonymous = rng.random() < 0.05
    name = "" if pseudonymous else (f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}" if english
                                    else _chinese_name(rng))
    intake_year = today.year - rng.randrange(0, 10)
    age_at_intake = rng.choice((16, 17, 18, 18, 19, 19, 20, 21, 22, 23, 25))
    dob = date(intake_year - age_at_intake, rng.randrange(1, 13), rng.randrange(1, 29))
    school, department = rng.choice(_SCHOOLS)
    minor = (today - dob).days < 18 * 365
    status = rng.choices(STATUSES, weights=(1, 2, 1, 6) if intake_year < today.year - 1 else (3, 6, 1, 2))[0]
    return Client(
        code=f"{intake_year}-{n:05d}", name=name,
        gender=rng.choice(("female", "female", "male", "male", "other", "")),
        date_of_birth=dob, phone=_phone(rng), school=school, department=department,
        class_name=(f"Class {rng.randrange(1, 9)}" if english
                    else f"{intake_year % 100:02d}级{rng.randrange(1, 9)}班"),
        guardian_name=_chinese_name(rng) if minor or rng.random() < 0.1 else "",
        guardian_phone=_phone(rng) if minor else "",
        emergency_name=_chinese_name(rng), emergency_phone=_phone(rng), status=status,
        risk_flag=rng.random() < 0.04, notes=rng.choice(_NOTES))


def populate(services: Services, size: str = "small", seed: int = 1,
             progress: Callable[[int, int], None] | None = None, today: date | None = None) -> None:
    if size not in SIZES:
        raise ValueError(f"unknown demo size: {size}")
    rng = random.Random(seed)
    today = today or date.today()
    total = SIZES[size]
    with services.store.write():
        services.profile.save(Profile(
            name="林晓雯 (demo)", qualifications="国家二级心理咨询师 / Counseling psychologist",
            certificate_no="DEMO-0000", institution="示例大学 Example University", room="心理咨询室 Room 204",
            contact="010-0000 0000"))
        for n in range(1, total + 1):
            services.clients.create(make_client(rng, n, today))
            if progress and n % 200 == 0:
                progress(n, total)
