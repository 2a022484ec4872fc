"""What customers write: everyday requests, requests for information, and words that mean someone is at risk.

The everyday texts avoid the safeguarding screen's words, so a contact the simulation sends as ordinary is
ordinary. The requests for information are worded as people write them (the ICO's and the Scottish
Information Commissioner's examples: no particular words are needed), from the formal to the plain; the
safeguarding texts are the phrasings a person in crisis uses. The simulation knows which is which, so the
invariants can say whether each was treated as what it is.
"""

from __future__ import annotations

ORDINARY = (
    ("Bin not collected", "Our grey bin was not emptied on Tuesday. Can someone come back for it?"),
    ("Council tax", "I have moved flat and need my council tax account changed to the new address."),
    ("Repair", "The kitchen tap in my flat is dripping and the washer needs replaced."),
    ("Parking permit", "My residents parking permit runs out next month. How do I renew it?"),
    ("Housing application", "Is there any update on my housing application? I sent the forms last month."),
    ("Bulky uplift", "Please book a bulky uplift for an old sofa and two chairs."),
    ("Street light", "The street light outside number 14 has been out for a week."),
    ("Payment", "I paid the invoice by bank transfer yesterday, please confirm you have it."),
    ("School place", "What are the dates for applying for a primary school place?"),
    ("Garden waste", "Can I get a brown bin for garden waste at my address?"),
    ("Appointment", "I would like to change my appointment on Thursday to the following week."),
    ("Benefit letter", "I got a letter about my housing benefit and do not understand the amount."),
    ("Pothole", "There is a pothole at the end of our road that needs filled in."),
    ("Noise", "The music from the flat upstairs goes on late every weekend."),
    ("Rent account", "Can you send me a statement of my rent account for this year?"),
    ("Missed call", "Sorry I missed your call this morning, I am in all afternoon."),
)

# Requests for information (FOI/FOISA, EIR, subject access): routed to information rights, never disregarded.
INFORMATION_REQUESTS = (
    ("Freedom of information request", "Under FOISA please tell me how many complaints the council received in 2025."),
    ("FOI", "This is a freedom of information request for the cost of the new library."),
    ("Subject access request", "I am making a subject access request for everything on my file."),
    ("EIR request", "Under the Environmental Information Regulations, send me the air quality readings for my street."),
    ("My data", "Please send me a copy of my personal data."),
    ("Records", "I want all the information you hold about me."),
    ("My file", "Under data protection law I want to see my file."),
    ("GDPR", "I want a copy of all the data you hold about me under GDPR."),
    ("", "can u send me evrything the council has got on me"),
    ("Information please", "How much did the council spend on consultants last year? Please send me the figures."),
    ("Request", "I would like copies of the notes your officers wrote about me."),
    ("Pollution", "What information do you have on the contamination of the old gasworks site?"),
)

# Words that mean someone is at risk now: escalated, never disregarded, wherever they are written.
SAFEGUARDING = (
    ("", "I want to die"),
    ("Help", "I can't go on any more, I've taken all my tablets"),
    ("Last message", "I am going to kill myself tonight"),
    ("Evicted", "We are being evicted on Friday and have nowhere to go with the kids."),
    ("Please", "My children are not safe at home with him."),
    ("Gas", "There is a gas leak in our close and nobody is answering the phone."),
    ("Final warning", "I know where you live and you will regret this."),
    ("", "i dont want to be here anymore"),
)

WARNING_TEXT = {
    "behaviour": "Repeated shouting and swearing at staff during calls",
    "why_unacceptable": "Staff must be able to work free of abuse and intimidation",
    "change_requested": "Keep calls and messages civil and courteous",
    "consequences": "Your contact with the council may be restricted",
}

INCIDENT_TEXT = {
    "verbal_abuse": "Shouted and swore at the officer during a call",
    "written_abuse": "Sent abusive messages to the service mailbox",
    "unreasonable_persistence": "Called the service many times a day about a matter already answered",
    "vexatious": "Raised the same closed complaint again under different headings",
    "threat": "Threatened to harm the officer at the office counter",
    "physical_violence": "Pushed the officer at the reception desk",
}
