"""Demo deputies and liaison stations of Bazhou (docs/lifecycles.md#deputies).

Every township gets 8–12 deputies of mixed levels (county and township mostly; six city, two provincial and one
national deputy spread over the district), each embedded in 1–3 grids of their township (代表进网格). Stations:
23 代表之家 (one per township plus the district's), 41 代表联络站 in villages and communities, and a few
代表工作室, 基层立法联系点 and 流动联络点, each with a convener and 4–12 mixed-level members (混合编组进站), so
that every deputy receives at one station at least. Deterministic and idempotent.
"""

import random
from decimal import Decimal

from grids.models import Community, Grid, Township
from core.names import person_name
from core.seeding import sync_rows

from .models import Deputy, Station

SEED = "bazhou-deputies"
L = Deputy.Level
K = Station.Kind

# Township order (Township.sort) → the higher-level deputies living there (code suffix 3 or 4).
CITY_AT = {1: 3, 4: 3, 7: 3, 10: 3, 14: 3, 18: 3}
PROVINCIAL_AT = {4: 4, 12: 3}
NATIONAL_AT = {7: 4}
HIGHER_CONSTITUENCY = {L.CITY: "巴中市人大·巴州区代表团", L.PROVINCIAL: "四川省人大·巴中市代表团",
                       L.NATIONAL: "全国人大·四川代表团"}

TOWN_JOBS = ["村党支部书记", "村委会主任", "种植大户", "养殖大户", "乡村医生", "个体工商户", "中学教师", "小学校长",
             "农民专业合作社理事长", "家庭农场主", "返乡创业青年", "镇农业综合服务中心农技员", "退役军人", "村妇联主席",
             "茶叶种植大户", "电商创业者"]
STREET_JOBS = ["社区党委书记", "社区主任", "个体工商户", "中学教师", "企业负责人", "律师", "区人民医院医生",
               "物业服务企业负责人", "专职网格员", "退休教师", "快递网点负责人", "餐饮店经营者", "幼儿园园长"]
HIGHER_JOBS = ["企业负责人", "村党支部书记", "中学校长", "区人民医院主任医师", "农民专业合作社理事长", "律师事务所主任",
               "民营企业董事长", "社区党委书记", "乡村医生"]

# Where each street's 代表之家 stands (the towns' are on their market street).
STREET_ROADS = {"东城街道": "新市街", "西城街道": "翠屏路", "回风街道": "回风大道", "江北街道": "江北大道西段",
                "宕梁街道": "宕梁大道", "时新街道": "光华路"}
DISTRICT_HOME = ("ZJ00", "巴州区人大代表之家", "江北街道", "巴州区江北大道东段88号（区人大常委会机关一楼）")
SCHEDULES = [("4", ""), ("", "4,14,24"), ("", "1,15"), ("4", ""), ("", "4,14,24"), ("1,3", ""), ("", "5,20"),
             ("2,4", "")]
HOURS = ["09:00–12:00", "09:00–12:00", "14:30–17:30", "09:00–17:00"]
# Three of the smaller towns have one 联络站; the other 19 townships have two: 41 in all.
ONE_LIAISON_STATION = {20, 21, 22}
LEGISLATIVE_AT = [3, 9]  # 基层立法联系点
MOBILE_AT = [(8, "1,4,7,11,14,17,21,24,27"), (15, "2,5,8,12,15,18,22,25,28"), (19, "3,6,9,13,16,19,23,26,29")]


def _rng(*parts) -> random.Random:
    return random.Random("-".join([SEED, *map(str, parts)]))


def _deputy_count(township) -> int:
    return 8 + _rng("count", township.code).randint(0, 4)


def _level(township, k: int, rng) -> str:
    if k == 1:
        return L.COUNTY
    if k == 2:
        return L.TOWNSHIP
    for table, level in ((NATIONAL_AT, L.NATIONAL), (PROVINCIAL_AT, L.PROVINCIAL), (CITY_AT, L.CITY)):
        if table.get(township.sort) == k:
            return level
    if township.kind == Township.Kind.STREET:
        return L.COUNTY  # streets elect no township congress: their deputies sit in the district's
    return L.COUNTY if rng.random() < 0.4 else L.TOWNSHIP


def _unique_name(code: str, taken: set[str]) -> str:
    name, attempt = person_name(f"deputy-{code}"), 0
    while name in taken:
        attempt += 1
        name = person_name(f"deputy-{code}-{attempt}")
    taken.add(name)
    return name


def deputy_rows() -> list[dict]:
    """DB{township sort:02d}{k}: k = 1 (county) and 2 (township) are the first demo's; 3.. are added here."""
    rows, taken = [], set()
    townships = list(Township.objects.order_by("sort"))
    for township in townships:  # the first demo's names first, unchanged
        for k in (1, 2):
            taken.add(person_name(f"deputy-DB{township.sort:02d}{k}"))
    for township in townships:
        rng = _rng("levels", township.code)
        jobs = STREET_JOBS if township.kind == Township.Kind.STREET else TOWN_JOBS
        for k in range(1, _deputy_count(township) + 1):
            code = f"DB{township.sort:02d}{k}"
            level = _level(township, k, rng)
            name = person_name(f"deputy-{code}") if k <= 2 else _unique_name(code, taken)
            if level == L.TOWNSHIP:
                constituency = f"{township.name}第{k}选区"
            elif level == L.COUNTY:
                constituency = f"巴州区第{township.sort}选区"
            else:
                constituency = HIGHER_CONSTITUENCY[level]
            pool = jobs if level in (L.COUNTY, L.TOWNSHIP) else HIGHER_JOBS
            rows.append({"code": code, "name": name, "level": level, "township_id": township.pk,
                         "constituency": constituency, "occupation": _rng("job", code).choice(pool)})
    return rows


def sync_m2m(field, wanted: dict[int, set[int]]) -> None:
    """Make a many-to-many field hold exactly `wanted` (owner id → target ids) for those owners; others untouched."""
    through = field.remote_field.through
    src, dst = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
    existing = set(through.objects.filter(**{f"{src}__in": list(wanted)}).values_list(src, dst))
    target = {(owner, t) for owner, targets in wanted.items() for t in targets}
    stale: dict[int, list[int]] = {}
    for owner, t in existing - target:
        stale.setdefault(owner, []).append(t)
    for owner, targets in stale.items():
        through.objects.filter(**{src: owner, f"{dst}__in": targets}).delete()
    through.objects.bulk_create([through(**{src: owner, dst: t}) for owner, t in sorted(target - existing)])


def seed_deputies() -> dict[str, Deputy]:
    deputies = sync_rows(Deputy, deputy_rows())
    grids_by_township: dict[int, list[int]] = {}
    for grid_id, township_id in Grid.objects.order_by("code").values_list("pk", "township_id"):
        grids_by_township.setdefault(township_id, []).append(grid_id)
    wanted = {}
    for code, deputy in deputies.items():
        grids = grids_by_township.get(deputy.township_id, [])
        rng = _rng("grids", code)
        wanted[deputy.pk] = set(rng.sample(grids, min(len(grids), rng.randint(1, 3))))
    sync_m2m(Deputy._meta.get_field("grids"), wanted)
    return deputies


# ---------------------------------------------------------------- stations


def _point(lat, lng, rng) -> tuple[Decimal, Decimal]:
    return (Decimal(f"{float(lat) + rng.uniform(-0.002, 0.002):.6f}"),
            Decimal(f"{float(lng) + rng.uniform(-0.002, 0.002):.6f}"))


def _schedule(rng) -> dict:
    weekdays, monthdays = rng.choice(SCHEDULES)
    return {"reception_weekdays": weekdays, "reception_monthdays": monthdays, "reception_hours": rng.choice(HOURS)}


def _phone(rng) -> str:
    return f"0827-52{rng.randint(10000, 99999)}"


def _pick(rng, deputies, size, *, first=(), uncovered=()) -> list:
    """`first`, then deputies in no station yet, then others at random: a mixed group of `size`."""
    chosen = list(dict.fromkeys(first))
    for pool in (sorted(uncovered, key=lambda d: d.code), rng.sample(deputies, len(deputies))):
        for d in pool:
            if len(chosen) >= size:
                break
            if d not in chosen:
                chosen.append(d)
    levels = {d.level for d in chosen}
    if len(levels) < 2:  # 混合编组: bring in a deputy of another level
        other = next((d for d in deputies if d.level not in levels), None)
        if other is not None:
            chosen[-1] = other
    return chosen


def station_plan() -> list[dict]:
    """Rows of the demo stations with `members` (deputies, convener first) to sync separately."""
    townships = list(Township.objects.order_by("sort"))
    codes = [row["code"] for row in deputy_rows()]
    deputies = list(Deputy.objects.filter(code__in=codes, is_active=True).order_by("code"))
    by_township = {t.pk: [d for d in deputies if d.township_id == t.pk] for t in townships}
    communities = {t.pk: list(Community.objects.filter(township=t).order_by("code")) for t in townships}
    centroids = {}
    for community_id, lat, lng in Grid.objects.order_by("code").values_list("community_id", "lat", "lng"):
        centroids.setdefault(community_id, (lat, lng))
    covered: set[int] = set()
    plan = []

    def add(code, name, kind, township, address, members, *, community=None, schedule=None, phone="", point=None):
        rng = _rng("station", code)
        lat, lng = point or centroids[(community or communities[township.pk][len(communities[township.pk]) // 2]).pk]
        lat, lng = _point(lat, lng, rng)
        covered.update(d.pk for d in members)
        plan.append({"code": code, "name": name, "kind": kind, "township_id": township.pk,
                     "community_id": community.pk if community else None, "address": address, "lat": lat, "lng": lng,
                     **(schedule or _schedule(rng)), "phone": phone, "convener_id": members[0].pk,
                     "is_active": True, "members": members})

    by_sort = {t.sort: t for t in townships}
    for township in townships:
        local = by_township[township.pk]
        if not local:
            continue
        rng = _rng("members", township.code)
        county = [d for d in local if d.level == L.COUNTY]
        higher = [d for d in local if d.level in (L.CITY, L.PROVINCIAL, L.NATIONAL)]
        street = township.kind == Township.Kind.STREET
        # 代表之家: convened by the township's first county deputy, with the higher-level deputies who live there.
        if street:
            address = f"巴州区{STREET_ROADS.get(township.name, '人民路')}{rng.randint(2, 160)}号（{township.name}党群服务中心二楼）"
        else:
            address = f"巴州区{township.name}场镇正街{rng.randint(2, 88)}号（{township.name}便民服务中心二楼）"
        home = _pick(rng, local, rng.randint(6, 9), first=[county[0], *higher])
        add(f"ZJ{township.sort:02d}", f"{township.name}人大代表之家", K.HOME, township, address, home,
            phone=_phone(rng))
        # 代表联络站 in villages and communities: whoever is in no station yet goes first.
        n_liaison = 1 if township.sort in ONE_LIAISON_STATION else 2
        places = rng.sample(communities[township.pk], n_liaison)
        for n, community in enumerate(sorted(places, key=lambda c: c.code), start=1):
            uncovered = [d for d in local if d.pk not in covered]
            members = _pick(rng, local, rng.randint(4, 7), uncovered=uncovered)
            # The convener is a grassroots deputy of the place where possible.
            members.sort(key=lambda d: (d.level != L.TOWNSHIP if not street else d.level != L.COUNTY, d.code))
            kind_word = "社区居委会" if community.name.endswith("社区") else "村委会"
            add(f"LL{township.sort:02d}{n}", f"{township.name}{community.name}人大代表联络站", K.STATION, township,
                f"巴州区{township.name}{community.name}党群服务中心（{kind_word}一楼）", members,
                community=community, phone=_phone(rng))
        # Nobody left out: the rest join the 代表之家.
        rest = [d for d in local if d.pk not in covered]
        if rest:
            plan_home = next(row for row in plan if row["code"] == f"ZJ{township.sort:02d}")
            plan_home["members"] += rest
            covered.update(d.pk for d in rest)

    # The district's 代表之家 gathers the city, provincial and national deputies with a few district deputies.
    code, name, township_name, address = DISTRICT_HOME
    township = next(t for t in townships if t.name == township_name)
    higher = [d for d in deputies if d.level in (L.NATIONAL, L.PROVINCIAL, L.CITY)]
    county_local = [d for d in by_township[township.pk] if d.level == L.COUNTY]
    district_members = (county_local[:1] + higher + [d for d in deputies if d.level == L.COUNTY][:3])[:12]
    add(code, name, K.HOME, township, address, list(dict.fromkeys(district_members)),
        schedule={"reception_weekdays": "4", "reception_monthdays": "", "reception_hours": "09:00–17:00"},
        phone="0827-5262188")

    # 代表工作室: the national and provincial deputies' own, and a county deputy's in a street.
    studios = [d for d in deputies if d.level in (L.NATIONAL, L.PROVINCIAL)]
    studios += [next(d for d in by_township[by_sort[2].pk] if d.level == L.COUNTY)]
    for n, owner in enumerate(studios, start=1):
        township = next(t for t in townships if t.pk == owner.township_id)
        rng = _rng("studio", owner.code)
        prefix = {L.NATIONAL: "全国人大代表", L.PROVINCIAL: "省人大代表"}.get(owner.level, "区人大代表")
        community = rng.choice(communities[township.pk])
        members = _pick(rng, by_township[township.pk], rng.randint(4, 6), first=[owner])
        add(f"GZS{n:02d}", f"{prefix}{owner.name}工作室", K.STUDIO, township,
            f"巴州区{township.name}{community.name}党群服务中心{rng.choice(['二楼', '三楼', '东侧'])}", members,
            community=community, phone=_phone(rng))

    # 基层立法联系点 of the district's standing committee.
    for n, sort in enumerate(LEGISLATIVE_AT, start=1):
        township = by_sort[sort]
        rng = _rng("legislative", sort)
        local = by_township[township.pk]
        first = [d for d in local if d.level == L.COUNTY][:1]
        members = _pick(rng, local, rng.randint(5, 6), first=first)
        add(f"LFD{n:02d}", f"巴州区人大常委会基层立法联系点（{township.name}）", K.LEGISLATIVE, township,
            f"巴州区{township.name}综合文化站二楼", members,
            schedule={"reception_weekdays": "", "reception_monthdays": "10,25", "reception_hours": "09:00–12:00"},
            phone=_phone(rng))

    # 流动联络点: deputies set up a table on the town's market days (逢场).
    for n, (sort, market_days) in enumerate(MOBILE_AT, start=1):
        township = by_sort[sort]
        rng = _rng("mobile", sort)
        local = by_township[township.pk]
        first = [d for d in local if d.level == L.TOWNSHIP][:1]
        members = _pick(rng, local, rng.randint(4, 5), first=first)
        add(f"LDD{n:02d}", f"{township.name}流动联络点（逢场日）", K.MOBILE, township,
            f"巴州区{township.name}场镇农贸市场入口", members,
            schedule={"reception_weekdays": "", "reception_monthdays": market_days, "reception_hours": "08:30–11:30"})
    return plan


def seed_stations() -> dict[str, Station]:
    """23 代表之家, 41 代表联络站 and a few studios, legislative contact points and mobile points, with members."""
    plan = station_plan()
    stations = sync_rows(Station, [{k: v for k, v in row.items() if k != "members"} for row in plan])
    sync_m2m(Station._meta.get_field("members"),
             {stations[row["code"]].pk: {d.pk for d in row["members"]} for row in plan})
    return stations
