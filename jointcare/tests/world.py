"""A small world for the project-wide API tests, made through the real services: two organisations that are
parties to a Section 75 agreement with a board, a member and a meeting; a pool under it with a transaction; and a
user of the host council holding every role the API's writes need, with a bearer token (and a spare one).
The `api_world` fixture (conftest.py) builds it in the test database; the hostile-input suite in a database of
its own."""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass

ROLES = ["administrator", "finance_officer", "commissioner", "board_member"]

AGREEMENT = textwrap.dedent(
    """
    pool:
      name: Better Care Fund
      agreement: Trafford Better Care Fund
      financial_year: 2026-27
      host: council
      risk_reserve: 500.00
    partners:
      icb: QOP
      council: E08000009
    contributions:
      - {partner: icb, amount: 6000.00}
      - {partner: council, amount: 4000.00, schedule: monthly}
    schemes:
      - {code: REAB, name: Reablement, service_area: reablement, lead: council, budget: 5000.00,
         funders: {icb: 60, council: 40}}
      - {code: EQUIP, name: Community equipment, service_area: community_equipment, lead: icb, budget: 4500.00}
    """
)


@dataclass
class ApiWorld:
    user: object
    token: str
    spare_token_id: int
    organisation_id: int
    organisation_code: str
    agreement_id: int
    pool_id: int
    transaction_id: int
    account_ids: list[int]

    @property
    def headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}


def build() -> ApiWorld:
    from jointcare.accounts.services import create_token, create_user
    from jointcare.organisations.tests import factories
    from jointcare.partnerships import services as partnerships
    from jointcare.pool import agreement_file, services
    from jointcare.pool.models import Account

    icb, council = factories.icb(), factories.council()
    agreement = partnerships.create_agreement(
        None,
        name="Trafford Better Care Fund",
        kind="section_75_pooled_fund",
        starts_on="2026-04-01",
        parties=[(council, "host"), (icb, "member")],
    )
    board = partnerships.create_board(None, agreement, name="Trafford Health and Care Board")
    member = partnerships.add_board_member(
        None, board, person_name="Cllr Ada Example", organisation=council, basis="elected_councillor"
    )
    partnerships.record_meeting(None, board, held_on="2026-05-01", attendees=[member])
    user = create_user(None, username="api-user", password="api-user-password-1", roles=ROLES, organisation=council)
    spare, _ = create_token(None, user, "spare")
    _, token = create_token(None, user, "api")
    pool = agreement_file.create_from_text(user, AGREEMENT)
    accounts = list(Account.objects.filter(pool=pool).order_by("pk").values_list("pk", flat=True))
    tx = services.post_transaction(
        user,
        pool,
        key="seed-1",
        value_date=dt.date(2026, 5, 4),
        postings=[(accounts[-1], 500), (accounts[0], -500)],
        reason="seed",
    )
    return ApiWorld(
        user=user,
        token=token,
        spare_token_id=spare.pk,
        organisation_id=council.pk,
        organisation_code=council.gss_code,
        agreement_id=agreement.pk,
        pool_id=pool.pk,
        transaction_id=tx.pk,
        account_ids=accounts,
    )
