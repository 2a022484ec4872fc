"""The policy's rules this code enforces, by their R-number (the council's requirements table).

Each id here has at least one test that names it (tests/policy/test_rules.py fails otherwise), and every
R-number the policy core cites is listed here. A refusal's `Problem.rule` is one of these ids.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "R1": "an immediate action by the member of staff is recorded against an incident; only a senior decision lasts",
    "R2": "a considered restriction, and a change to one in force, needs a senior officer",
    "R4": "a formal warning in writing comes first by default",
    "R5": "skipping the warning needs a recorded reason",
    "R6": "the reason a restriction is necessary is mandatory",
    "R9": "the pre-restriction checks are recorded before a restriction comes into force",
    "R11": "contact is restricted by channel: in person, telephone, letter, electronic",
    "R12": "at least one form of contact stays open, for a least weekly time",
    "R13": "a sole point of contact: a named officer or a shared inbox",
    "R14": "the sole point of contact may be external: a worker or a representative",
    "R15": "contact may be limited to set times on set days",
    "R23": "contact outside the arrangement is disregarded",
    "R24": "a disregarded contact is still read: triaged, not unseen",
    "R28": "statutory information requests are never disregarded; they go to the information-rights team",
    "R30": "the restriction letter states the reasons, the arrangement, its duration, review and appeal rights",
    "R32": "a senior decision is confirmed in writing",
    "R34": "helpdesks suspend silently, so contactguard produces and records each letter itself",
    "R35": "a warning is appealed on factual inaccuracy only, within its window",
    "R36": "a restriction is appealed within its window, heard by a senior officer not involved",
    "R37": "the appeal may uphold, vary or quash the restriction",
    "R38": "appeal windows are configurable; a late appeal needs a recorded reason",
    "R39": "the ombudsman is the final stage and every letter says so",
    "R40": "working days count the jurisdiction's bank holidays",
    "R41": "the appeal clock starts at deemed receipt of the letter, not its sending",
    "R42": "every restriction has a review date; the review continues, amends or lifts it",
    "R44": "a restriction lapses at its end date unless extended with reasons",
    "R45": "the review outcome is written to the customer with what remains and for how long",
    "R47": "an overdue review is escalated, but not while the review must wait for an appeal",
    "R50": "need to know: the ticket shows the arrangement, never reasons, incidents or health details",
    "R55": "incident categories cover verbal and written abuse, threats and harassment",
    "R56": "reasonable adjustments are recorded (Equality Act 2010 s.20)",
    "R58": "the adjustments include a single point of contact, a representative, other formats and more time",
    "R59": "an external contact or representative needs consent or another lawful basis",
    "R61": "a serious threat of violence goes straight to a restriction without a warning",
}
