from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "jointcare.care"
    label = "care"
    verbose_name = "Integrated care: teams, referrals, assessments and coordination"

    def ready(self):
        # A member of a team holding one of a person's referrals may open the person's record.
        from jointcare.care.access import holds_a_referral
        from jointcare.people import sharing

        sharing.register_relationship(holds_a_referral)
        # Referrals, assessments, tasks and reviews on the person page.
        from jointcare.care.panels import register

        register()
