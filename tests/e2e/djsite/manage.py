#!/usr/bin/env python
"""A minimal Django site running django-helpdesk for contactguard's end-to-end tests."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
