import getpass

from django.core.management.base import BaseCommand, CommandError

from jointcare.accounts import services
from jointcare.accounts.domain import Role
from jointcare.errors import ServiceError
from jointcare.organisations.models import Organisation


class Command(BaseCommand):
    help = "Create a user with roles and an organisation."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", action="append", default=[], choices=[r.value for r in Role])
        parser.add_argument("--organisation", help="ODS or GSS code of the user's organisation")
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
            organisation = Organisation.objects.filter(ods_code=code).first() or Organisation.objects.filter(gss_code=code).first()
            if organisation is None:
                raise CommandError(f"--organisation: no organisation with code '{code}'")
        password = opts["password"] or getpass.getpass("Password: ")
        try:
            user = services.create_user(
                None, username=opts["username"], password=password, roles=opts["role"], organisation=organisation,
                first_name=opts["first_name"], last_name=opts["last_name"], email=opts["email"],
                is_superuser=Role.ADMINISTRATOR.value in opts["role"],
            )
        except ServiceError as exc:
            raise CommandError(f"{exc.field or 'input'}: {exc.message}") from exc
        self.stdout.write(f"Created {user.username} with roles: {', '.join(sorted(user.roles)) or 'none'}")
