"""jointcare demo [--if-empty]: build the synthetic demo partnership on real geography and print how to sign in."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from jointcare.care.demo import build_care_demo
from jointcare.cli import DataCommand
from jointcare.organisations import services as organisations
from jointcare.organisations.models import Organisation
from jointcare.partnerships import demo


class Command(DataCommand):
    help = (
        "Build the demo: Trafford's Section 75 Better Care Fund pooled budget in Greater Manchester, its board, "
        "meetings and decisions, and a demo user for every role. Loads the reference data first when it is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (except print how to sign in) when the demo data exists"
        )

    def handle(self, *args, if_empty=False, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "The demo is not built in production (JOINTCARE_ENV=production): its users' password is published. "
                "Add real users with `jointcare createuser`."
            )
        if demo.exists():
            if not if_empty:
                raise CommandError(
                    f"The demo data already exists ('{demo.AGREEMENT_NAME}'). Use --if-empty to skip, "
                    "or start from a fresh database."
                )
            self.stdout.write("Demo data already present: nothing to do.")
            self._print_sign_in(demo.existing())
            return
        if not Organisation.objects.filter(source="reference").exists():
            self.stdout.write("No reference data yet: loading it first (jointcare load-reference).")
            try:
                call_command("load_reference")
            except CommandError as exc:
                if "Unknown command" in str(exc):
                    raise CommandError(
                        "The demo needs the reference data, and this installation has no load-reference command."
                    ) from None
                raise
        try:
            built = demo.build()
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from None
        from jointcare.packages.demo import build_demo_packages

        build_demo_packages(built.agreement, built.users)
        agreement = built.agreement
        self.stdout.write(self.style.SUCCESS(f"Built the demo partnership: {agreement.name} (/partnerships/{agreement.pk}/)"))
        from jointcare.people import demo as people_demo

        added = people_demo.build(built.users)
        self.stdout.write(f"Added {added:,} synthetic people registered with Trafford's GP practices (/people/)")
        teams = build_care_demo(built.users, organisations.by_code(demo.COUNCIL_CODE))
        self.stdout.write(self.style.SUCCESS(f"Built the demo care teams: {', '.join(teams)} (/care/teams/)"))
        from jointcare.outcomes.demo import build_demo_measures

        period = build_demo_measures(built.users.get("analyst"), demo.COUNCIL_CODE)
        self.stdout.write(f"Imported Trafford's Client Level Data from the demo's records: measures for {period.label} (/outcomes/)")
        self._print_sign_in(built)

    def _print_sign_in(self, built: demo.Demo) -> None:
        rows = demo.sign_in_rows(built.users)
        headers = ("Role", "Username", "Password", "Organisation")
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        line = "  ".join("{:<" + str(w) + "}" for w in widths)
        self.stdout.write("")
        self.stdout.write(f"Sign in at {demo.SIGN_IN_URL} as any of these demo users:")
        self.stdout.write("")
        self.stdout.write(line.format(*headers).rstrip())
        self.stdout.write(line.format(*("-" * w for w in widths)).rstrip())
        for row in rows:
            self.stdout.write(line.format(*row[:4]).rstrip())
        self.stdout.write("")
