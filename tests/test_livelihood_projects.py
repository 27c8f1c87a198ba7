"""Proposals from residents and deputies, screening, publishing, and the projects' progress, reports and
year-end evaluation."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from deputies.models import DutyRecord
from livelihood import services
from livelihood.models import Evaluation, Project, ProjectProgress, ProjectReport, Proposal, Round
from core.errors import NotPermitted, TransitionNotAllowed

from .conftest import PASSWORD
from .test_ballot import DAY, TITLES, ballot_round, make_voters, open_round, set_phase, zh


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def login(username):
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def proposal_data(world, **extra):
    return {"title": "江北大道老小区加装电梯", "content": "七层老楼没有电梯，老人上下楼很难。",
            "township": world.township.pk, "contact_name": "王秀英", "contact_phone": "13812345678", **extra}


# ---------------------------------------------------------------- proposals


def test_resident_proposes_on_the_public_form_and_the_contact_is_kept_private(world, staff):
    round_ = open_round(staff.supervisor)
    response = Client().post(reverse("livelihood:propose", args=[round_.year]), proposal_data(world))
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.source, proposal.contact_name, proposal.contact_phone) == ("resident", "王秀英", "13812345678")
    assert proposal.submitted_by is None and proposal.status == "submitted"
    public = Client().get(reverse("livelihood:round", args=[round_.year])).content.decode()
    assert "王秀英" not in public and "13812345678" not in public
    masked = login("dispatcher").get(reverse("livelihood:screening", args=[round_.year])).content.decode()
    assert "江北大道老小区加装电梯" in masked and "王**" in masked and "138****5678" in masked
    assert "13812345678" not in masked and "王秀英" not in masked
    full = login("supervisor").get(reverse("livelihood:screening", args=[round_.year])).content.decode()
    assert "王秀英" in full and "13812345678" in full


def test_proposal_form_refuses_a_bad_phone_with_a_message(world, staff):
    round_ = open_round(staff.supervisor)
    response = Client().post(reverse("livelihood:propose", args=[round_.year]),
                             proposal_data(world, contact_phone="12345"))
    assert response.status_code == 400 and 'class="error"' in response.content.decode()
    assert not Proposal.objects.exists()


def test_deputy_proposes_from_their_session_without_contact_fields(world, staff):
    round_ = open_round(staff.supervisor)
    client = login("deputy")
    assert 'name="contact_phone"' not in client.get(reverse("livelihood:round", args=[round_.year])).content.decode()
    client.post(reverse("livelihood:propose", args=[round_.year]),
                {"title": "农村客运公交化", "content": "加密班次，降低票价。"})
    proposal = Proposal.objects.get()
    assert proposal.source == "deputy" and proposal.deputy == world.deputy_record
    assert proposal.township == world.deputy_record.township and proposal.contact_phone == ""


def test_proposals_outside_the_collecting_window_are_refused(world, staff):
    round_ = open_round(staff.supervisor)
    set_phase(round_, "screening")
    response = Client().post(f"/api/v1/ballot/rounds/{round_.year}/proposals/",
                             {"title": "修路", "content": "村道坑洼", "township": world.township.code},
                             content_type="application/json")
    assert response.status_code == 409
    page = Client().post(reverse("livelihood:propose", args=[round_.year]), proposal_data(world))
    assert page.status_code == 409 and not Proposal.objects.exists()


def test_anonymous_api_proposal_is_accepted_and_throttled(world, staff, settings):
    round_ = open_round(staff.supervisor)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_ballot_proposal": "2/hour"}}
    url = f"/api/v1/ballot/rounds/{round_.year}/proposals/"
    body = {"title": "社区老年食堂", "content": "独居老人吃饭难。", "township": world.township.code,
            "contact_phone": "13900001111"}
    codes = [Client().post(url, body, content_type="application/json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert Proposal.objects.filter(source="resident").count() == 2


def test_public_proposal_form_is_limited_per_client_address(world, staff, settings):
    round_ = open_round(staff.supervisor)
    settings.PAGE_SUBMIT_LIMIT = 1
    url = reverse("livelihood:propose", args=[round_.year])
    assert Client().post(url, proposal_data(world)).status_code == 302
    assert Client().post(url, proposal_data(world)).status_code == 429


def test_api_lists_rounds_and_a_round_with_its_status(world, staff):
    open_round(staff.supervisor)
    rounds = Client().get("/api/v1/ballot/rounds/").json()
    assert [r["year"] for r in rounds] == [2027] and rounds[0]["status"] == "collecting"
    assert Client().get("/api/v1/ballot/rounds/2027/").json()["candidates"] == []
    assert Client().get("/api/v1/ballot/rounds/1999/").status_code == 404


# ---------------------------------------------------------------- screening and publishing


def test_staff_merge_proposals_into_a_candidate_on_the_screening_page(world, staff):
    round_ = open_round(staff.supervisor)
    proposal = services.proposal_submit(round_id=round_.pk, actor=None, title="加装电梯", content="老小区加装电梯",
                                        township=world.township)
    client = login("supervisor")
    response = client.post(reverse("livelihood:candidate_create", args=[round_.year]), {
        "candidate-title": "城区老旧小区改造提升", "candidate-description": "改造38个老旧小区",
        "candidate-budget": "4200", "candidate-department": world.department.pk, "candidate-proposals": [proposal.pk],
    })
    assert response.status_code == 302
    candidate = round_.candidates.get()
    assert list(candidate.proposals.all()) == [proposal]
    assert Proposal.objects.get(pk=proposal.pk).status == "merged"


def test_non_screening_staff_cannot_add_candidates(world, staff):
    round_ = open_round(staff.supervisor)
    with pytest.raises(NotPermitted):
        services.candidate_create(round_id=round_.pk, actor=staff.dispatcher, title="项目", description="说明",
                                  budget=100, department=world.department)


def test_publishing_turns_the_winners_into_projects(world, staff):
    round_, c = ballot_round(world, staff.supervisor)
    voters = make_voters(world, 3)
    for voter in voters:
        services.ballot_cast(round_id=round_.pk, actor=voter, candidate_ids=[c["B"].pk, c["D"].pk])
    with pytest.raises(TransitionNotAllowed):  # not before the vote closes
        services.round_publish(round_id=round_.pk, actor=staff.supervisor)
    set_phase(round_, "closed")
    with pytest.raises(NotPermitted):
        services.round_publish(round_id=round_.pk, actor=staff.dispatcher)
    response = login("supervisor").post(reverse("livelihood:publish", args=[round_.year]))
    assert response.status_code == 302
    # B and D tie on votes and backing: the lower number, drawn by lot when the candidates were fixed, ranks first.
    first, second = sorted([c["B"], c["D"]], key=lambda candidate: candidate.number)
    assert [(p.rank, p.title) for p in Project.objects.order_by("rank")] == [(1, first.title), (2, second.title)]
    assert Round.objects.get(pk=round_.pk).status == "published"
    with pytest.raises(TransitionNotAllowed):
        services.round_publish(round_id=round_.pk, actor=staff.supervisor)
    assert Project.objects.count() == 2
    assert {p["title"] for p in Client().get("/api/v1/ballot/projects/").json()} == {TITLES[1], TITLES[3]}


def published_project(world, staff):
    round_, c = ballot_round(world, staff.supervisor)
    services.ballot_cast(round_id=round_.pk, actor=staff.deputy, candidate_ids=[c["A"].pk])
    set_phase(round_, "closed")
    services.round_publish(round_id=round_.pk, actor=staff.supervisor)
    return Project.objects.get()


def open_evaluation(project, is_open=True):
    now = timezone.now()
    Round.objects.filter(pk=project.round_id).update(
        evaluation_opens_at=now - DAY if is_open else now + DAY, evaluation_closes_at=now + 2 * DAY)


# ---------------------------------------------------------------- progress and reports


def test_department_handler_records_monthly_progress_shown_on_the_public_page(world, staff):
    project = published_project(world, staff)
    month = timezone.localdate().replace(day=1)
    response = login("handler").post(reverse("livelihood:progress_add", args=[project.pk]), {
        "progress-month": f"{month:%Y-%m}", "progress-percent": 35, "progress-note": "主体工程开工，完成管网铺设3公里。"})
    assert response.status_code == 302
    entry = ProjectProgress.objects.get()
    assert (entry.month, entry.percent, entry.recorded_by) == (month, 35, staff.handler)
    page = Client().get(reverse("livelihood:project", args=[project.pk])).content.decode()
    assert "完成管网铺设3公里" in page and 'aria-valuenow="35"' in page


def test_a_second_progress_entry_for_the_same_month_is_refused(world, staff):
    project = published_project(world, staff)
    month = timezone.localdate().replace(day=1)
    services.project_progress_add(project_id=project.pk, actor=staff.handler, month=month, percent=10, note="开工")
    with pytest.raises(TransitionNotAllowed):
        services.project_progress_add(project_id=project.pk, actor=staff.handler, month=month, percent=20, note="再报")


def test_another_department_cannot_report_on_the_project(world, staff):
    project = published_project(world, staff)
    with pytest.raises(NotPermitted):
        services.project_progress_add(project_id=project.pk, actor=staff.other_handler,
                                      month=timezone.localdate().replace(day=1), percent=10, note="开工")
    assert login("other_handler").get(reverse("livelihood:project_staff", args=[project.pk])).status_code == 404


def test_handler_files_a_quarterly_report_once(world, staff):
    project = published_project(world, staff)
    year, quarter = timezone.localdate().year, 1
    Round.objects.filter(pk=project.round_id).update(year=year)  # a project of this year, whose Q1 has begun
    response = login("handler").post(reverse("livelihood:report_add", args=[project.pk]), {
        "report-year": year, "report-quarter": quarter, "report-summary": "一季度完成立项和招标。",
        "report-spent": "120.5"})
    assert response.status_code == 302
    assert ProjectReport.objects.get().spent == pytest.approx(120.5)
    with pytest.raises(TransitionNotAllowed):
        services.project_report_add(project_id=project.pk, actor=staff.handler, year=year, quarter=quarter,
                                    summary="重复")


# ---------------------------------------------------------------- year-end evaluation


def test_a_resident_evaluates_anonymously_on_the_public_page(world, staff):
    project = published_project(world, staff)
    open_evaluation(project)
    response = Client().post(reverse("livelihood:evaluate", args=[project.pk]),
                             {"rating": "satisfied", "comment": "路修好了，出行方便。"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.by, evaluation.deputy, evaluation.rating) == ("resident", None, "satisfied")


def test_a_deputy_evaluates_a_project_once(world, staff):
    project = published_project(world, staff)
    open_evaluation(project)
    client = login("deputy")
    assert client.post(reverse("livelihood:evaluate", args=[project.pk]), {"rating": "basically"}).status_code == 302
    second = client.post(reverse("livelihood:evaluate", args=[project.pk]), {"rating": "dissatisfied"})
    assert second.status_code == 409
    evaluation = Evaluation.objects.get()
    assert (evaluation.by, evaluation.deputy, evaluation.rating) == ("deputy", world.deputy_record, "basically")
    assert DutyRecord.objects.filter(deputy=world.deputy_record, source="ballot_evaluation").count() == 1


def test_evaluation_is_refused_outside_its_window(world, staff):
    project = published_project(world, staff)
    open_evaluation(project, is_open=False)
    response = Client().post(reverse("livelihood:evaluate", args=[project.pk]), {"rating": "satisfied"})
    assert response.status_code == 409
    assert escape(zh("The year-end evaluation is not open now.")) in response.content.decode()
    assert not Evaluation.objects.exists()


def test_resident_evaluations_are_limited_per_client_address(world, staff, settings):
    project = published_project(world, staff)
    open_evaluation(project)
    settings.PAGE_SUBMIT_LIMIT = 2
    url = reverse("livelihood:evaluate", args=[project.pk])
    codes = [Client().post(url, {"rating": "satisfied"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert Evaluation.objects.count() == 2


def test_project_page_shows_the_satisfaction_share(world, staff):
    project = published_project(world, staff)
    open_evaluation(project)
    for rating in ["satisfied", "basically", "dissatisfied", "satisfied"]:
        services.project_evaluate(project_id=project.pk, actor=None, rating=rating)
    page = Client().get(reverse("livelihood:project", args=[project.pk])).content.decode()
    assert "75%" in page


# ---------------------------------------------------------------- the demo


def test_seed_demo_replays_2026_through_the_ballot_and_is_idempotent(db):
    from portal.seed_accounts import seed_users
    from demands.seed import seed_categories, seed_departments
    from deputies.seed import seed_deputies
    from grids.seed import seed_places
    from livelihood.demo import WINNERS_2026, seed_demo
    from livelihood.models import Candidate, VoterRecord

    seed_places()
    seed_departments(seed_categories())
    seed_deputies()
    seed_users(None)
    seed_demo()
    counts = [m.objects.count() for m in (Round, Proposal, Candidate, VoterRecord, Project, ProjectProgress,
                                          ProjectReport, Evaluation, DutyRecord)]
    seed_demo()
    assert [m.objects.count() for m in (Round, Proposal, Candidate, VoterRecord, Project, ProjectProgress,
                                        ProjectReport, Evaluation, DutyRecord)] == counts
    round_2026 = Round.objects.get(year=2026)
    assert round_2026.status == "published" and round_2026.ballots_cast == VoterRecord.objects.count() > 0
    assert {p.title for p in Project.objects.all()} == set(WINNERS_2026)
    assert Round.objects.get(year=2027).status == "collecting"


def test_public_ballot_page_shows_the_collecting_round_and_last_years_projects(world, staff):
    project = published_project(world, staff)
    open_round(staff.supervisor, year=2028)
    page = Client().get(reverse("livelihood:home"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "2028年巴州区民生实事项目票决" in body and 'name="title"' in body  # the proposal form
    assert project.title in body and reverse("livelihood:project", args=[project.pk]) in body
