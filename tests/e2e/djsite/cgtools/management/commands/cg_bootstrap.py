"""Create the API user, officers, queues and the staff-only custom fields contactguard writes."""

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from helpdesk.models import CustomField, Queue


class Command(BaseCommand):
    help = "Set up the helpdesk for contactguard's end-to-end tests; prints ids as JSON."

    def handle(self, *args, **options):
        users = get_user_model()
        ids = {}
        for name, superuser in (("cgadmin", True), ("alice", False), ("bob", False), ("carol", False)):
            user, _ = users.objects.get_or_create(username=name, defaults={"email": f"{name}@council.example"})
            user.is_staff = True
            user.is_superuser = superuser
            user.set_password(f"{name}-pass")
            user.save()
            ids[name] = user.id
        for slug, title in (("housing", "Housing"), ("info-rights", "Information rights"), ("reviews", "Reviews")):
            queue, _ = Queue.objects.get_or_create(
                slug=slug, defaults={"title": title, "allow_public_submission": True}
            )
            ids[f"queue:{slug}"] = queue.id
        # Customers e-mail the housing queue: django-helpdesk's own import reads the maildrop folder.
        settings.MAILDROP_DIR.mkdir(parents=True, exist_ok=True)
        Queue.objects.filter(slug="housing").update(
            email_address="housing@council.example",
            allow_email_submission=True,
            email_box_type="local",
            email_box_local_dir=str(settings.MAILDROP_DIR),
            email_box_interval=0,
        )
        for name, label in (("contact_restriction", "Contact restriction"), ("contactguard_tags", "contactguard tags")):
            CustomField.objects.get_or_create(
                name=name,
                defaults={
                    "label": label,
                    "data_type": "varchar",
                    "max_length": 255,
                    "staff_only": True,
                    "required": False,
                },
            )
        self.stdout.write(json.dumps(ids))
