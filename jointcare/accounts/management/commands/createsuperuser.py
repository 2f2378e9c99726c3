from django.core.management.base import CommandError

from jointcare.cli import DataCommand


class Command(DataCommand):
    help = "Not used: create administrators with `jointcare createuser NAME --role administrator`."

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")
        parser.add_argument("--noinput", "--no-input", action="store_true")
        parser.add_argument("--username")
        parser.add_argument("--email")

    def handle(self, *args, **opts):
        raise CommandError(
            "jointcare has no superusers: create an administrator with "
            "`jointcare createuser NAME --role administrator` (the password rules apply)"
        )
