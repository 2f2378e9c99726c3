"""Agreements follow their dates: `ended_on` and `end_reason` record an ending or termination; the status
`terminated` joins draft, active and ended.

Existing rows are brought into line before the constraints arrive: an agreement ended by the old status
change gets, as `ended_on`, the day the audit trail recorded it ending (else its end date, else today); one
started before its start date goes back to draft, since starting early is now refused.
"""

import jointcare.partnerships.domain
from django.db import migrations, models
from django.utils import timezone


def bring_into_line(apps, schema_editor):
    Agreement = apps.get_model("partnerships", "Agreement")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    today = timezone.localdate()
    for agreement in Agreement.objects.filter(status="ended", ended_on__isnull=True):
        entry = (
            AuditEntry.objects.filter(
                action="agreement.status", object_type="partnerships.agreement", object_id=str(agreement.pk)
            )
            .order_by("-at")
            .first()
        )
        ended = timezone.localdate(entry.at) if entry is not None else (agreement.ends_on or today)
        agreement.ended_on = ended
        agreement.save(update_fields=["ended_on"])
    Agreement.objects.filter(status="active", starts_on__gt=today).update(status="draft")


class Migration(migrations.Migration):

    dependencies = [
        ('partnerships', '0001_initial'),
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='agreement',
            name='end_reason',
            field=models.TextField(blank=True, help_text='Why it was terminated'),
        ),
        migrations.AddField(
            model_name='agreement',
            name='ended_on',
            field=models.DateField(blank=True, help_text='The day it was ended or terminated, by an action', null=True),
        ),
        migrations.AlterField(
            model_name='agreement',
            name='ends_on',
            field=models.DateField(blank=True, help_text='The agreed end of its term; none when open-ended', null=True),
        ),
        migrations.AlterField(
            model_name='agreement',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('active', 'Active'), ('ended', 'Ended'), ('terminated', 'Terminated')], default=jointcare.partnerships.domain.AgreementStatus['DRAFT'], max_length=10),
        ),
        migrations.RunPython(bring_into_line, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='agreement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('ended_on__isnull', False), ('status__in', ['ended', 'terminated'])), models.Q(models.Q(('status__in', ['ended', 'terminated']), _negated=True), ('ended_on__isnull', True)), _connector='OR'), name='agreement_ended_on_with_end'),
        ),
        migrations.AddConstraint(
            model_name='agreement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'terminated'), _negated=True), models.Q(('end_reason', ''), _negated=True), _connector='OR'), name='agreement_terminated_with_reason'),
        ),
    ]
