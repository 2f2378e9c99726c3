import getpass

from django.core.management.base import CommandError
from django.db import transaction

from jointcare.accounts import services
from jointcare.accounts.domain import Role
from jointcare.care import services as care
from jointcare.cli import DataCommand
from jointcare.errors import ServiceError
from jointcare.organisations import services as organisations


class Command(DataCommand):
    help = "Create a user with roles and an organisation."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", action="append", default=[], choices=[r.value for r in Role])
        parser.add_argument("--organisation", help="ODS or GSS code of the user's organisation")
        parser.add_argument(
            "--team", action="append", default=[], help="Name of a care team to add the user to (repeatable)"
        )
        parser.add_argument(
            "--password", help="Password (prompted for when not given): at least 12 characters, not a common one"
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args, **opts):
        organisation = None
        if opts["organisation"]:
            code = opts["organisation"].strip().upper()
            try:  # the open organisation holding the code (a closed predecessor may share it)
                organisation = organisations.by_code(code)
            except ServiceError:
                raise CommandError(f"--organisation: no organisation with code '{code}'") from None
        teams = []
        for name in opts["team"]:
            try:
                teams.append(care.team_by_name(name))
            except ServiceError:
                raise CommandError(f"--team: no team called '{name}'") from None
        password = opts["password"] or getpass.getpass("Password: ")
        try:
            with transaction.atomic():
                user = self._create(opts, organisation, password)
                for team in teams:
                    care.add_member(None, team, user)
        except ServiceError as exc:
            raise CommandError(f"{exc.field or 'input'}: {exc.message}") from exc
        joined = f"; member of {', '.join(t.name for t in teams)}" if teams else ""
        self.stdout.write(f"Created {user.username} with roles: {', '.join(sorted(user.roles)) or 'none'}{joined}")

    def _create(self, opts, organisation, password):
        return services.create_user(
            None, username=opts["username"], password=password, roles=opts["role"], organisation=organisation,
            first_name=opts["first_name"], last_name=opts["last_name"], email=opts["email"],
            is_superuser=Role.ADMINISTRATOR.value in opts["role"],
        )
