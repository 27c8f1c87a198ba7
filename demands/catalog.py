"""Demand category tree and the departments that handle each category."""
from __future__ import annotations

# (code, name, [(sub_code, sub_name), ...]) -- top-level order is fixed.
CATEGORY_TREE = [
    ("roads_traffic", "道路交通", [
        ("roads_traffic.road_damage", "道路破损"),
        ("roads_traffic.street_light", "路灯损坏"),
        ("roads_traffic.traffic_congestion", "交通拥堵"),
        ("roads_traffic.illegal_parking", "违章停车"),
        ("roads_traffic.public_transport", "公交出行"),
        ("roads_traffic.rural_road", "农村公路"),
    ]),
    ("water_power_gas", "水电气暖", [
        ("water_power_gas.water_outage", "停水断水"),
        ("water_power_gas.water_quality", "水质问题"),
        ("water_power_gas.power_outage", "停电断电"),
        ("water_power_gas.gas_supply", "燃气供应"),
        ("water_power_gas.bill_dispute", "缴费争议"),
        ("water_power_gas.pipe_leak", "管网漏损"),
    ]),
    ("environment", "生态环境", [
        ("environment.noise", "噪音扰民"),
        ("environment.air_pollution", "大气污染"),
        ("environment.water_pollution", "水体污染"),
        ("environment.illegal_discharge", "非法排污"),
        ("environment.soot_odor", "油烟异味"),
    ]),
    ("sanitation", "市容环卫", [
        ("sanitation.garbage", "垃圾清运"),
        ("sanitation.street_vending", "占道经营"),
        ("sanitation.public_toilet", "公共厕所"),
        ("sanitation.illegal_construction", "违章搭建"),
        ("sanitation.greening", "绿化养护"),
    ]),
    ("housing_property", "住房物业", [
        ("housing_property.property_service", "物业服务"),
        ("housing_property.house_quality", "房屋质量"),
        ("housing_property.elevator", "电梯故障"),
        ("housing_property.old_community_renovation", "老旧小区改造"),
        ("housing_property.property_certificate", "不动产登记"),
        ("housing_property.affordable_housing", "保障性住房"),
    ]),
    ("public_safety", "公共安全", [
        ("public_safety.public_order", "治安隐患"),
        ("public_safety.fire_safety", "消防隐患"),
        ("public_safety.fraud", "防范诈骗"),
        ("public_safety.geological_hazard", "地质灾害"),
        ("public_safety.production_safety", "安全生产"),
    ]),
    ("social_security", "社会保障", [
        ("social_security.minimum_living", "低保救助"),
        ("social_security.pension", "养老保险"),
        ("social_security.elderly_care", "养老服务"),
        ("social_security.disability", "残疾人帮扶"),
        ("social_security.medical_insurance", "医保报销"),
        ("social_security.temporary_assistance", "临时救助"),
    ]),
    ("health", "医疗卫生", [
        ("health.medical_service", "医疗服务"),
        ("health.medical_fees", "医疗收费"),
        ("health.vaccination", "疫苗接种"),
        ("health.village_clinic", "村卫生室"),
        ("health.public_health", "公共卫生"),
    ]),
    ("education", "教育文化", [
        ("education.school_enrollment", "入学招生"),
        ("education.school_fees", "教育收费"),
        ("education.campus_safety", "校园安全"),
        ("education.off_campus_training", "校外培训"),
        ("education.cultural_facilities", "文化设施"),
        ("education.student_aid", "学生资助"),
    ]),
    ("labor_employment", "劳动就业", [
        ("labor_employment.wage_arrears", "拖欠工资"),
        ("labor_employment.labor_contract", "劳动合同"),
        ("labor_employment.employment_service", "就业服务"),
        ("labor_employment.work_injury", "工伤认定"),
        ("labor_employment.vocational_training", "职业培训"),
    ]),
    ("agriculture_rural", "农业农村", [
        ("agriculture_rural.rural_drinking_water", "农村饮水"),
        ("agriculture_rural.agricultural_subsidy", "惠农补贴"),
        ("agriculture_rural.farmland", "耕地保护"),
        ("agriculture_rural.agricultural_inputs", "农资农技"),
        ("agriculture_rural.livestock", "畜禽养殖"),
        ("agriculture_rural.village_affairs", "村务公开"),
    ]),
    ("market_regulation", "市场监管", [
        ("market_regulation.food_safety", "食品安全"),
        ("market_regulation.price_violation", "价格违法"),
        ("market_regulation.unlicensed_business", "无证经营"),
        ("market_regulation.product_quality", "产品质量"),
        ("market_regulation.consumer_rights", "消费维权"),
        ("market_regulation.drug_safety", "药品安全"),
    ]),
    ("government_services", "政务服务", [
        ("government_services.service_efficiency", "办事效率"),
        ("government_services.certificate_processing", "证照办理"),
        ("government_services.service_attitude", "工作作风"),
        ("government_services.policy_consultation", "政策咨询"),
        ("government_services.online_services", "网上办事"),
    ]),
    ("other", "其他", [
        ("other.general", "其他事项"),
        ("other.neighbor_dispute", "邻里纠纷"),
        ("other.advice", "建言献策"),
    ]),
]

# (code, full name, short name, [handled category codes: top-level or sub-category])
DEPARTMENTS = [
    ("transport", "巴州区交通运输局", "区交通运输局", [
        "roads_traffic.road_damage", "roads_traffic.public_transport",
        "roads_traffic.rural_road", "roads_traffic.traffic_congestion",
    ]),
    ("housing", "巴州区住房和城乡建设局", "区住建局", [
        "housing_property", "water_power_gas.gas_supply", "roads_traffic.street_light",
        "roads_traffic.road_damage", "public_safety.production_safety",
    ]),
    ("water", "巴州区水务局", "区水务局", [
        "water_power_gas.water_outage", "water_power_gas.water_quality",
        "water_power_gas.pipe_leak", "water_power_gas.bill_dispute",
        "agriculture_rural.rural_drinking_water",
    ]),
    ("power", "国网巴中市巴州区供电公司", "区供电公司", [
        "water_power_gas.power_outage", "water_power_gas.bill_dispute",
    ]),
    ("ecology", "巴中市巴州生态环境局", "巴州生态环境局", [
        "environment",
    ]),
    ("law_enforcement", "巴州区综合行政执法局", "区综合执法局", [
        "sanitation", "roads_traffic.street_light", "environment.noise",
        "environment.soot_odor",
    ]),
    ("police", "巴中市公安局巴州区分局", "巴州公安分局", [
        "public_safety.public_order", "public_safety.fraud",
        "roads_traffic.illegal_parking", "roads_traffic.traffic_congestion",
        "environment.noise", "other.neighbor_dispute",
    ]),
    ("hrss", "巴州区人力资源和社会保障局", "区人社局", [
        "labor_employment", "social_security.pension",
    ]),
    ("civil_affairs", "巴州区民政局", "区民政局", [
        "social_security.minimum_living", "social_security.elderly_care",
        "social_security.temporary_assistance",
    ]),
    ("disabled_federation", "巴州区残疾人联合会", "区残联", [
        "social_security.disability",
    ]),
    ("health", "巴州区卫生健康局", "区卫健局", [
        "health",
    ]),
    ("medical_insurance", "巴州区医疗保障局", "区医保局", [
        "social_security.medical_insurance", "health.medical_fees",
    ]),
    ("education", "巴州区教育科技局", "区教科局", [
        "education.school_enrollment", "education.school_fees",
        "education.campus_safety", "education.off_campus_training",
        "education.student_aid",
    ]),
    ("culture_tourism", "巴州区文化广播电视和旅游局", "区文广旅局", [
        "education.cultural_facilities",
    ]),
    ("agriculture", "巴州区农业农村局", "区农业农村局", [
        "agriculture_rural",
    ]),
    ("natural_resources", "巴州区自然资源局", "区自然资源局", [
        "public_safety.geological_hazard", "agriculture_rural.farmland",
        "housing_property.property_certificate",
    ]),
    ("market", "巴州区市场监督管理局", "区市场监管局", [
        "market_regulation",
    ]),
    ("emergency", "巴州区应急管理局", "区应急局", [
        "public_safety.production_safety", "public_safety.fire_safety",
        "public_safety.geological_hazard",
    ]),
    ("admin_approval", "巴州区行政审批局", "区行政审批局", [
        "government_services",
    ]),
    ("gov_office", "巴州区人民政府办公室", "区政府办", [
        "other", "government_services.service_attitude",
    ]),
]
