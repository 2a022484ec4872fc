"""Casework in the browser: customers, incidents, warnings, the restriction wizard, restrictions, appeals, reviews.

These pages only carry the policy over HTTP. Every rule lives in the service layer and is called exactly as the
CLI calls it (plugin/cli/register.py, plugin/cli/workflow.py): the same service functions, the same input
dictionaries. A page never decides whether something is allowed; it asks, and a refusal (ServiceError) comes
back as the GOV.UK error summary on the form, naming the field and keeping the policy's rule id ([R2], [R42]).

What each role sees of a customer is decided by plugin/services/customer_view.py (R50, need to know). Agents
may open a customer's page (the arrangement in force) but none of the casework forms; officers and senior
officers do the casework; only a senior officer activates, lifts, holds a review or decides an appeal, and the
service says so when anyone else tries. Admins may read the casework pages but act on none.

Each page is in the module named after what it serves, with its forms: customers.py, incidents.py (incidents and
warnings), wizard.py (the restriction wizard; its questions in wizard_steps.py, its answers read in
wizard_answers.py), restrictions.py, appeals.py and reviews.py. What they share: base.py (the blueprint, who may
do what, the standard form page), fields.py (the form fields) and refusals.py (a refusal on the page).
"""

from ...services import register as reg  # tests/api/test_hostile_input.py replaces a register service through it
from . import appeals, customers, incidents, restrictions, reviews, wizard  # importing each registers its pages
from .base import bp

__all__ = ["appeals", "bp", "customers", "incidents", "reg", "restrictions", "reviews", "wizard"]
