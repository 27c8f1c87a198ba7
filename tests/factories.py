"""factory_boy factories for reference data and users; demands are made through the services."""

import factory
from decimal import Decimal

from accounts.models import Role, User
from core.models import Department
from demands.models import Category
from deputies.models import Deputy
from grids.models import Community, District, Grid, Township


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ["code"]

    code = "511902"
    name = "巴州区"


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"511902{n + 1:03d}")
    name = factory.Sequence(lambda n: f"测试{n + 1}镇")
    kind = Township.Kind.TOWN
    sort = factory.Sequence(lambda n: n + 1)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    township = factory.SubFactory(TownshipFactory)
    code = factory.Sequence(lambda n: f"C{n + 1:06d}")
    name = factory.Sequence(lambda n: f"测试{n + 1}村")


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    township = factory.SelfAttribute("community.township")
    code = factory.Sequence(lambda n: f"T{n + 1:02d}-{n + 1:03d}")
    name = factory.Sequence(lambda n: f"第{n + 1}网格")
    lat = Decimal("31.870000")
    lng = Decimal("106.750000")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = "sanitation"
    name = "市容环卫"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"巴州区测试局{n}")
    short_name = factory.Sequence(lambda n: f"测试局{n}")


class DeputyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deputy

    code = factory.Sequence(lambda n: f"DBT{n:03d}")
    name = factory.Sequence(lambda n: f"代表{n}")
    level = Deputy.Level.COUNTY
    township = factory.SubFactory(TownshipFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"工作人员{n}")
    role = Role.RESIDENT
    password = factory.django.Password("pw-for-tests")
