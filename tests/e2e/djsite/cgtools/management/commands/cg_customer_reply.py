"""A customer's e-mail reply, recorded exactly as django-helpdesk's e-mail import records one."""

import json

from django.core.management.base import BaseCommand
from helpdesk.models import FollowUp, Ticket
from helpdesk.signals import update_ticket_done


class Command(BaseCommand):
    help = "Add a customer e-mail follow-up to a ticket and fire update_ticket_done (as helpdesk/email.py does)."

    def add_arguments(self, parser):
        parser.add_argument("ticket_id", type=int)
        parser.add_argument("sender")
        parser.add_argument("comment")

    def handle(self, *args, ticket_id, sender, comment, **options):
        ticket = Ticket.objects.get(id=ticket_id)
        followup = FollowUp.objects.create(
            ticket=ticket,
            title=f"E-Mail Received from {sender}",
            comment=comment,
            public=True,
            message_id=f"<reply-{ticket_id}-{FollowUp.objects.count()}@mail.example>",
        )
        update_ticket_done.send(sender="create_object_from_email_message", followup=followup)
        self.stdout.write(json.dumps({"followup": followup.id}))
