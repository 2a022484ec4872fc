"""Requests for information however they are worded: subject access, FOI/FOISA and EIR (R28).

No particular words make a request. A subject access request is any request by someone for their
own personal data (UK GDPR Article 15; the ICO's guidance on the right of access: it "just needs to
be clear that the individual is asking for their own personal data"). Any written request to a
Scottish public authority for information it holds is a request under FOISA, and a request for
environmental information is one under the EIRs, whether or not the law is named (the Scottish
Information Commissioner's guidance). So the patterns below look for what is asked for, not for the
name of the law, in plain words, Scots and text-speak, and `correct_typos` mends the misspellings
("persnal data", "infomation you hold", "subject acess") before they are matched.

The line drawn: a text that asks for information *as information* (data, records, a file, figures,
minutes, reports, copies, "what do you hold on me", "how much did the council spend") or names the
law is recognised; a plain question about a service ("when is my bin collected") is answered as
business as usual and is not. Missing a request breaks the law; routing an ordinary contact to the
information-rights team costs an officer a minute, so the patterns lean towards recognising.

The patterns are written in the screen's pattern language (plugin/policy/screen.py): `word+` its
inflections, `word*` any word starting with it, `a|b` alternatives, `a-b` words in sequence, `...`
up to four other words. They are matched against normalised text, subject and body apart.
"""

from __future__ import annotations

import functools

from rapidfuzz import process
from rapidfuzz.distance import OSA

SUBJECT_ACCESS = "subject_access"
FOI = "foi"
EIR = "eir"
KINDS = (SUBJECT_ACCESS, FOI, EIR)

# -- word classes ----------------------------------------------------------------------------------
# Scots and text-speak sit beside the standard words: ma (my), gie (give), whit/wot (what),
# aboot/abt (about), hae (have), ken (know), yous/ye/u (you), sen (send).


def _pairs(firsts: str, seconds: str) -> str:
    """Two-word alternatives, every first word followed by every second: "send-me|send-us|give-me|..."."""
    return "|".join(f"{a}-{b}" for a in firsts.split("|") for b in seconds.split("|"))


_ME = (
    "me|myself|mysel|masel|us|my-name|ma-name|my-family|my-household|my-husband|my-wife|my-partner|"
    "my-son|my-daughter|my-child|my-children|my-kids|my-mum|my-dad|my-mother|my-father|my-brother|"
    "my-sister|my-client|our-family|our-household|my-late-mother|my-late-father|my-late-husband|my-late-wife"
)
_MY = "my|ma|mah|our|oor"
_YOU = "you|u|yous|youse|ye|council|department|authority|service|team|organisation|they|officers|staff|glasgow"
_ABOUT = (
    "about|aboot|abt|on|regarding|re|concerning|relating-to|related-to|relates-to|relate-to|in-relation-to|"
    "in-respect-of|with-regard-to|with-regards-to|referring-to|refers-to|that-mention|that-mentions|"
    "which-mention|mentioning|naming|that-name|involving|against|of|in-connection-with|connected-to|"
    "linked-to|to-do-with"
)
# "about" without the short words that also mean other things ("on", "of"), for use after a gap.
_ABOUT_AFTER_GAP = (
    "about|aboot|abt|regarding|concerning|relating-to|related-to|relates-to|in-relation-to|in-respect-of|"
    "with-regard-to|with-regards-to|referring-to|that-mention|that-mentions|mentioning|naming"
)
# What a person's records are called.
_RECORDS = (
    "data|information|info|records|record|file|files|casefile|case-file|case-files|notes|case-notes|casenotes|"
    "documents|documentation|paperwork|emails|email|e-mails|correspondence|footage|cctv|recordings|photos|"
    "photographs|reports|report|minutes|everything|anything|evidence|entries|logs|memos|dossier|stuff|note|"
    "letters|assessment|assessments|risk-assessment|statements|complaints|allegations|document"
)
# Also asked for in the singular, but only after a request ("show me the complaint made about me";
# not "I want to make a complaint about me being ignored").
_RECORDS_ASKED = f"{_RECORDS}|complaint|statement|allegation|referral|letter|record"
_OWN = (
    "data|information|info|file|files|casefile|case-file|records|record|case-notes|casenotes|case-records|"
    "dossier|footage|recordings|call-recordings|personal-data|personal-information|social-work-file|"
    "social-work-records|housing-file|tenancy-file|care-records|medical-records"
)
# Files that are only ever asked for: "a copy of my file" (not "a copy of my records", which people enclose).
_OWN_FILE = (
    "file|files|casefile|case-file|data|information|info|case-notes|casenotes|case-records|dossier|"
    "personal-data|personal-information|social-work-file|social-work-records|housing-file|tenancy-file|"
    "care-records|care-file"
)
_HOLD = (
    "hold+|held|have|has|had|hae|keep+|kept|store+|process+|retain+|collect+|gather+|got|gotten|possess+|"
    "maintain+|record+|compile+|log+|amass+|know|knows|ken|written|wrote|noted|own|did|done|made"
)
# Giving, with the direction that makes it a request: "send me", "please send" (not "I sent").
_GIVE = "send|sen|give|gie|provide|forward|email|e-mail|post|show|pass|supply|release|disclose|share|get|bring"
_SEND_ME = (
    _pairs(_GIVE, "me|us|myself|mysel|masel|on|over")
    + "|hand-over|handover|hand-me|let-me-have|let-me-see|provide-me-with|provide-us-with"
)
_PLEASE = (
    "please|pls|plz|plse|kindly|can-you|could-you|would-you|will-you|can-u|could-u|can-yous|can-ye|gonnae|"
    "you-must|you-should|you-need-to|i-want-you-to|i-need-you-to|i-require-you-to|i-ask-you-to|"
    "i-demand-you|grateful-if-you-would|grateful-if-you-could"
)
_A_COPY = "a-copy|copies|copy|a-full-copy|full-copies|a-complete-copy|complete-copies|a-copy-of|copies-of|the-copy"
_ARTICLE = "the|a|an|all|any|your|some|copies-of|copy-of|sight-of|details-of"
_LATEST = (
    "latest|recent|most-recent|full|complete|current|annual|last|relevant|original|published|councils|new|"
    "up-to-date|monthly|weekly|daily|hourly|official|raw"
)
_I_MAY = _pairs("can-i|could-i|may-i|can-we|could-we|may-we", "see|have|get|view|obtain|access|inspect|read")
# Wanting, seeing, getting: verbs that ask without saying who sends.
_ASK_STRICT = (
    "to-see|tae-see|i-see|me-see|us-see|we-see|view+|access+|obtain+|inspect+|read|request|requests|requesting|"
    "requestin|demand+|sight|disclose+|release+|ask|asking|asked|hiding|hide|withhold+|withholding|entitled|"
    "entitlement|right-to|rights-to|disclosure"
)
# "Like" only as wanting ("I'd like", "I would like"), never as a comparison ("like on our street").
_LIKE = "would-like|id-like|wed-like|wd-like|i-like|also-like|really-like|like-to|like-copies|like-sight|like-access"
_ASK = f"{_ASK_STRICT}|want|wants|wanting|wantin|{_LIKE}|wish|require+|get|receive+|all|every"
# Wanting a document ("I would like a copy"), not sending one ("I enclose a copy of the report").
_WANT = (
    f"want+|wantin|{_LIKE}|wish|request|requests|requesting|requestin|obtain|receive|entitled|demand+|require|disclosure|"
    f"requiring|ask|asking|seek|seeking|{_I_MAY}|can-you|could-you|would-you|will-you|{_SEND_ME}"
)
_SEE = (
    f"to-see|to-view|to-inspect|to-receive|to-obtain|to-access|like-to-have|want-to-have|wish-to-have|"
    f"sight-of|access-to|obtain|inspect|release|disclose|publish|reveal|{_I_MAY}"
)
# The things an FOI request asks for (each spelt so as not to be a verb or an idiom: "the minutes", not
# "in five minutes"; "the report", not "to report a repair").
_DOCS = (
    "reports|policy|policies|procedure|procedures|guidance|contract|contracts|invoice|invoices|"
    "correspondence|emails|e-mails|memo|memos|briefing|briefings|documents|documentation|records|information|"
    "info|data|figures|statistics|stats|spreadsheet|spreadsheets|breakdown|budget|budgets|accounts|"
    "expenditure|spending|costs|audit|audits|assessments|the-assessment|risk-assessments|impact-assessment|"
    "survey-report|survey-results|the-survey|surveys|the-risk-assessment|risk-assessment-for|risk-assessment-on|evaluation|evaluations|business-case|tender|tenders|"
    "risk-register|communications|messages|notes|files|the-file|your-file|recordings|footage|plans|drawings|"
    "specification|specifications|results|salaries|salary|a-list-of|the-list-of|list-of|the-names|"
    "details-of|full-details|the-details-of|agenda|agendas|committee-papers|board-papers|the-papers|paperwork|"
    "evidence|appraisal|responses|logs|database|the-report|that-report|this-report|your-report|"
    "inspection-report|officers-report|committee-report|the-minutes|minutes-of|meeting-minutes|"
    "committee-minutes|the-data|the-figures|cctv|video|videos|camera-footage|bodycam|body-cam|photos|"
    "photographs|the-total-number|total-number|the-number-of|number-of|numbers-of|the-total|the-breakdown"
)
_INFO = (
    "information|info|data|records|record|documents|documentation|files|file|emails|correspondence|figures|"
    "statistics|stats|reports|minutes|material|details|evidence|footage|notes|anything|everything|"
    "communications|messages"
)
_HELD = (
    "hold+|held|keep+|kept|store+|stored|retain+|possess+|maintain+|collect+|record+|recorded|log+|logged|"
    "compile+|compiled|gathered"
)
_WHAT = "what|whit|wot|wat|which|whats|whits"
_COUNT = (
    "how-much|how-many|how-often|what-number|what-proportion|what-percentage|what-amount|total-number|"
    "total-cost|total-amount|the-number-of|the-amount-of|the-total"
)
_COUNCIL = (
    "council|councils|you|yous|u|authority|department|glasgow|they|city|service|councillors|councillor|"
    "officers|staff|chief-executive|leader|provost"
)
_SPENT = (
    "spend|spent|spends|spending|cost|costs|costed|paid|earn+|receiv*|issu*|employ*|record*|collect*|award*|"
    "allocat*|budget*|wast*|invest*|evict*|fined|fines|sold|sell|build|built|demolish*|close+|cut+|pay-out|"
    "paid-out|write-off|written-off|hire+|hired|lease+|bought|borrow+|lost"
)
_AGGREGATE = (
    "complaints|evictions|fines|penalty|penalties|tickets|notices|staff|employees|officers|councillors|"
    "consultants|contractors|agency-staff|households|applications|applicants|homeless|homelessness|empty|"
    "vacant|void|voids|properties|council-houses|council-homes|houses|homes|flats|tenants|incidents|cases|"
    "requests|referrals|restrictions|warnings|children|pupils|places|beds|licences|permits|inspections|"
    "prosecutions|exclusions|claims|payments|grants"
)
_SHARED = (
    "shared|share|shares|sharing|given|gave|give|passed|pass|disclosed|disclose|sent|send|sold|sell|forwarded|"
    "provided|supplied|released|seen|see|accessed|access|viewed|view|looked|read|has|have|got|holds|hold|used|"
    "use|using|told|tell"
)
_LAW = "data-protection|gdpr|uk-gdpr|dpa|dpa-2018|general-data-protection|data-protection-act|dpa-1998|gpdr|gdrp|dgpr"

# Environmental information: air, water, soil, land, noise, waste, emissions, contamination, and the
# plans and measures that affect them (Environmental Information (Scotland) Regulations 2004, reg. 2).
# "Strong" words name environmental information on their own once data is mentioned; the others
# ("noise", "trees", "planning") need a request as well.
_ENV_STRONG = (
    "pollution|polluted|pollutant*|air-quality|emission*|nitrogen-dioxide|no2|pm10|pm25|pm2-5|particulate*|"
    "contaminat*|asbestos|radon|radiation|water-quality|drinking-water|flood-risk|flood-risks|flood-map|"
    "flood-maps|flood-data|flooding-data|flood-records|flooding-records|flood-defence|flood-defences|"
    "flood-prevention|flood-alleviation|flood-modelling|flood-plain|floodplain|landfill|incinerat*|knotweed|"
    "pesticid*|herbicid*|glyphosate|biodiversity|ecolog*|bathing-water|air-pollution|"
    "noise-monitoring|noise-levels|noise-readings|traffic-counts|traffic-levels|carbon-emissions|"
    "sewage-discharge*|soil-tests|soil-samples|gasworks|brownfield|environmental-impact|environmental-data|"
    "environmental-report|environmental-reports|environmental-records|environmental-survey|"
    "environmental-assessment|environmental-monitoring"
)
# Environmental data named in two words: asked for, nothing more is needed ("send me the traffic counts").
_ENV_NAMED_DATA = (
    "noise-monitoring|noise-levels|noise-readings|traffic-counts|traffic-levels|soil-tests|soil-samples|"
    "flood-map|flood-maps|flood-data|flooding-data|flood-records|flooding-records|flood-modelling|"
    "air-quality|water-quality|environmental-data|environmental-report|environmental-reports|"
    "environmental-records|environmental-survey|environmental-assessment|environmental-monitoring|"
    "emissions-data|pollution-data|pollution-figures|pollution-levels|recycling-rates|recycling-figures|"
    "waste-figures|waste-statistics|tree-survey|tree-surveys|bat-survey|ecology-survey|ecology-report|"
    "tree-preservation-order|tree-preservation-orders|tpo|tpos|conservation-area|conservation-areas"
)
_ENV = (
    f"{_ENV_STRONG}|noise|air|water|waste|recycling|refuse|fly-tipping|sewage|sewer|sewers|drainage|drains|"
    "flood|flooding|floods|trees|tree|woodland|woods|hedgerows|wildlife|bats|bat|badgers|birds|nesting|habitat|"
    "habitats|soil|land|site|chemicals|spill|spillage|discharge|discharges|odour|odours|smell|smells|climate|"
    "carbon|energy|traffic|planning|planning-application|planning-applications|development|wind-farm|"
    "windfarm|turbine|turbines|quarry|mining|fracking|greenspace|green-space|park|parks|allotments|river|"
    "rivers|loch|burn|watercourse|coast|beach|dust|vibration|vibrations|light-pollution|gritting|salt|"
    "demolition|felling|incinerator|emissions|fumes|smoke|bonfire|contamination|environmental|environment|"
    "plastic|plastics|glass|food-waste|recycled"
)
_ENV_DATA = (
    "readings|reading|levels|level|data|figures|statistics|stats|monitoring|measurements|results|reports|"
    "report|surveys|survey|assessment|assessments|maps|map|records|information|info|tests|test-results|"
    "samples|sampling|studies|study|plans|register|logs|inspections|inspection|documents|correspondence|"
    "emails|tonnage|tonnages|tonnes|rates|rate|drawings|modelling|"
    "monitoring-data|survey-report|impact-assessment|appraisal|evidence|analysis|analyses|officers-report|"
    "officer-report|officers-reports"
)
# What environmental information is made of, when it comes before its subject ("figures for the waste").
_ENV_FACTS = (
    "readings|levels|data|figures|statistics|stats|monitoring|measurements|results|reports|surveys|survey|"
    "assessment|assessments|maps|records|information|info|tests|samples|studies|tonnage|tonnages|rates|analysis|"
    "report|officers-report|officer-report|officers-reports"
)
_MEASURED = (
    "readings|levels|level|recorded|measured|monitored|results|figures|rates|tonnes|tonnage|data|statistics|"
    "went|recycled|recycle|recycles|landfilled|landfill|incinerated|incinerate|incinerates|felled|planted|"
    "removed|sprayed|emitted|produced|produce|produces|generate|generates|generated|spilled|discharged|dumped|"
    "send|sends|sent|burn|burns|burned|burnt|flooded|overflowed|overflow|polluted|contaminated|breached|"
    "cut-down|chopped|chopped-down|uprooted"
)
# Words that carry a long sentence from what is asked for to whom it is about: "emails between the
# housing officer and my landlord about me".
_LINK = "between|from|to|with|and|by|that|which|sent|written|kept|made|of|in"
_LEAD_GIVE = (_SEND_ME, f"{_PLEASE} {_GIVE}")

# -- the patterns, by kind ------------------------------------------------------------------------
# Patterns that name the law or the request keep their kind whatever else a sentence says: "Under
# FOISA please send me what you hold on me" is reported as FOI and subject access. The others describe
# a request; where a sentence holds both a general one (FOI) and a subject access or EIR one, it is
# one request of the specific kind ("please provide a copy of the file you hold on me").

NAMED: dict[str, tuple[str, ...]] = {
    SUBJECT_ACCESS: (
        "subject access",
        "subject-access-request|subject-access-requests",
        "data subject",
        "dsar|dsars",
        "sar|sars",
        "right of access",
        "article|art 15",
        "data|personal-data|gdpr|data-protection|dpa|data-access|records-access|file-access request|requests",
        # In Scotland the ICO regulates data protection only (FOISA's regulator is the Scottish
        # Information Commissioner).
        "ico",
        "information-commissioners-office|information-commissioner-office",
        f"under|using|invoke+|exercis*|per|pursuant-to|in-accordance-with|according-to|through ... {_LAW}",
        f"{_LAW} ... entitle*|right|rights|obligation*|duty|duties|can-have|can-see|can-get|can-ask|can-request",
        f"{_LAW} ... copy|copies|see|access|obtain|disclose|provide|send|give",
    ),
    FOI: (
        "freedom of information|info",
        "freedom-of-information*",
        "foi|fois|foia|foisa|foir|f-o-i",
        "information act",
        "recorded information",
        "information rights",
        "information commissioner|commissioners",
        "scottish-information-commissioner",
        "publication scheme",
        "whatdotheyknow|what-do-they-know",
        "requirement for review",
    ),
    EIR: (
        "environmental information|info",
        "environmental-information-regulations|environmental-information-scotland-regulations",
        "eir|eirs|eisr|eisrs",
    ),
}

DESCRIBED: dict[str, tuple[str, ...]] = {
    SUBJECT_ACCESS: (
        # Their own personal data, however asked for.
        "personal|private data|information|info",
        *(f"{lead} ... personal|private|own details|records|file|files|paperwork" for lead in _LEAD_GIVE),
        f"{_ASK_STRICT} ... personal|private|own details|records|file|files|paperwork",
        f"{_RECORDS} ... {_HOLD} ... {_ABOUT} {_ME}",
        f"{_RECORDS} {_ABOUT} {_ME}",
        *(f"{lead} ... {_RECORDS_ASKED} ... {_ABOUT_AFTER_GAP} {_ME}" for lead in (*_LEAD_GIVE, _ASK)),
        f"{_RECORDS} ... {_LINK} ... {_ABOUT_AFTER_GAP}|discussed|discussing|mentioned|named|concerned|involved {_ME}",
        f"{_RECORDS}|meeting|meetings ... discussed|discussing|mentioned|named|concerned|involved|referred-to {_ME}",
        *(f"{lead} ... {_MY} ... {_OWN}" for lead in (*_LEAD_GIVE, _ASK)),
        f"need|needs|needin|needing {_MY} ... {_OWN}",
        f"copy|copies of {_MY} ... {_OWN_FILE}",
        f"copy|copies of {_MY} ... {_OWN}|personal-details ... please|pls|plz|asap|now|urgently|immediately",
        f"{_WANT} ... copy|copies ... {_MY} ... {_OWN}|personal-details",
        f"{_WHAT} ... {_HOLD} ... on|about|aboot|abt|regarding|concerning|against|of {_ME}",
        f"{_WHAT} ... say|says|written|wrote|recorded|noted|logged ... about|aboot|abt|on {_ME}",
        f"{_WHAT} ... you|yous|u|ye|council ... told|shared|passed|disclosed|sent|given|said ... about|aboot {_ME}",
        f"who|whom|whoever|everyone|anyone|list-of-who|list-of-everyone|organisations|agencies|bodies ... "
        f"{_SHARED} ... {_MY} ... data|information|info|details|file|files|records|personal",
        f"is|are ... there|you ... {_RECORDS} ... {_ABOUT} {_ME}",
        f"{_WHAT} ... personal|private details|data|information|info ... given|shared|passed|disclosed|sold|"
        "forwarded|released|seen|accessed|used|got|hold|held|keep|kept|store|stored|process|processed|collected|"
        "recorded",
        f"{_RECORDS} ... with|bearing|containing|has|have|that-has|that-have|which-has|which-have my-name|ma-name|"
        "my-details|my-address",
        f"{_RECORDS} ... {_HOLD}|{_HELD} ... in|under {_MY} name|names",
        f"{_WHAT} ... on|in {_MY} file|files|record|records|casefile|case-file|notes|dossier",
        f"{_WHAT} ... on|in ... system|systems|database|computer|records|file|files ... about|aboot|on|regarding {_ME}",
        f"{_WHAT} ... {_YOU}|your|yer|officers|officer|staff|worker|social-worker ... recorded|noted|logged|minuted",
        f"where|how ... you|yous|u|ye|council|they ... get|got|obtain|obtained|find|found ... {_MY} ... details|data|"
        "information|info|number|phone-number|address|email|email-address|name",
        f"{_MY} ... data|information|info|personal-data|details|file|records ... being|been|is|are|was|were ... "
        "processed|held|kept|stored|shared|used|sold|passed|disclosed|given",
        f"delete+|erase+|destroy+|rectify|rectif*|correct+ ... {_MY} ... data|information|info|personal-details|"
        "records|file",
        f"cctv|footage|video|videos|recording|recordings|photos|photographs|pictures|images ... of|showing|"
        f"featuring|involving {_ME}",
        f"recording|recordings|transcript|transcripts ... {_MY} ... call|calls|phone-call|phone-calls|"
        "conversation|conversations|phone",
        "call-recording|call-recordings",
        f"marker|markers|flag|flags|warning-marker|alert ... on|against {_MY} ... file|record|records|name|account|"
        "details|tenancy",
        *(
            f"{lead} ... paperwork|file|files|records|notes|documents|minutes ... {_ABOUT_AFTER_GAP}|on|for|of "
            f"{_MY} ... case|complaint|restriction|tenancy|application|claim|appeal"
            for lead in (*_LEAD_GIVE, f"{_ASK_STRICT}|want+|wantin|{_LIKE}|wish|require")
        ),
        f"why|how ... {_YOU} ... hold+|holding|keep+|keeping|process+|processing|using|use|store+|storing|"
        f"share+|sharing ... {_MY} ... data|information|info|details|file|records",
    ),
    FOI: (
        # Asking for information in so many words.
        "information|info request|requests",
        "request|requests|requesting|requestin for|of information|info",
        "requesting|request|requestin information|info|data|details|records|copies|a-copy",
        # Information the council holds.
        f"{_INFO} ... {_YOU} ... {_HELD}",
        f"{_INFO} ... {_YOU} ... have|has|hae|got on|about|aboot|regarding|concerning|relating-to|in-relation-to|"
        "for|of|re|held|kept|available",
        f"{_INFO} ... held|kept|retained|stored|recorded|maintained|logged|compiled|possessed",
        f"{_INFO} collected|gathered",
        f"{_WHAT}|any ... {_INFO} ... do|does|did|have|has|is|are ... {_YOU} ... hold|have|hae|keep|got|store|"
        "possess|collect|record",
        f"do|does|did ... hold|keep|kept|retain|possess|record|store|collect ... any|the|a ... {_INFO}",
        f"do|does|did ... hold|keep|kept|retain|possess|record|store|collect {_INFO}",
        f"whether ... {_YOU} ... hold|holds|held|keep|keeps|kept|possess|retain|retains|record|records|recorded",
        f"{_WHAT} else ... do|does|have|has ... you|yous|u|ye|council|they ... hold|have|hae|keep|got|know",
        # Asked for as documents.
        *(f"{lead} ... {_DOCS}" for lead in (*_LEAD_GIVE, _SEE)),
        f"{_WANT} ... copy|copies ... {_DOCS}|report|minutes|file|list|agreement",
        f"{_WANT} the|all|any|your|these|those|all-the|any-of-the ... {_DOCS}|report|minutes|contract|agreement|"
        "file|files",
        f"{_WANT} for|to-see|to-have|to-get|to-obtain|to-receive|sight-of|access-to the|all|any|your|these|those "
        f"... {_DOCS}",
        f"need+ a-copy|copies|copy ... {_DOCS}|report|minutes|file",
        # A copy of anything, asked for ("can I have a copy of the letter you sent"), the copy right after
        # the asking ("send me a parking permit and a copy of..." is two requests, one for a permit).
        *(
            f"{lead} {to}{_A_COPY}"
            for lead in (*_LEAD_GIVE, _I_MAY, _WANT)
            for to in ("", "to|tae have|get|receive|obtain|request|see ", "with ")
        ),
        f"{_WANT} a|an ... list|breakdown|spreadsheet|summary|schedule|table|record-of|log-of|note-of",
        f"{_LIKE}|want-to|wish-to|need-to ... know|find-out|learn ... cost|costs|the-cost|total|amount|salary|"
        "salaries|number-of|budget|spend|spending|expenditure|figures|statistics|who-authorised|who-decided|"
        "who-approved|whether-the-council|whether-you",
        f"{_WHAT} is|s|was|are|were the average|median|mean",
        f"has|have|did|was|were ... {_COUNCIL}|anyone|anybody|an-audit|a-review ... carried-out|done|commissioned|"
        "conducted|undertaken|produced|written|completed ... any|a|an ... audit|audits|review|reviews|report|"
        "reports|survey|surveys|assessment|assessments|study|studies|evaluation|investigation|inspection",
        f"minutes|copy|copies|figures|statistics|reports|correspondence|emails ... please|pls|plz|kindly {_GIVE} "
        "them|it|these|those|over|through|asap|a-copy|copies|me-a-copy|me-copies|me-them|us-them|on",
        *(
            f"{lead} ... all|every|copies-of-all|copies-of-the ... emails|e-mails|correspondence|communications|"
            "messages|minutes|notes|records|memos|texts|letters ... between|regarding|about|concerning|relating|"
            "re|in-relation|in-respect|mentioning|referring|naming"
            for lead in (*_LEAD_GIVE, _WANT)
        ),
        f"all|every|copies-of-all|copies-of-the ... emails|e-mails|correspondence|communications|messages|memos "
        f"... between|with|from ... and|{_COUNCIL}",
        f"{_PLEASE} detail|list|specify|itemise|itemize|set-out|identify|break-down|provide-a-breakdown|"
        "provide-a-list|provide-details|provide-information|provide-the-information|provide-copies|provide-a-copy",
        # Questions about what the council did, spent and recorded.
        f"{_COUNT} ... {_COUNCIL} ... {_SPENT}",
        f"{_COUNT} ... {_SPENT} ... {_COUNCIL}",
        "how-much|how-many did|have|has|had you|u|yous|ye|the-council|council|they ... pay|paid|give|given|spend|"
        "spent|charge|charged|get|got|receive|received|lose|lost|waste|wasted",
        f"how-many ... {_AGGREGATE}",
        f"{_COUNT} ... work|works|working|employed ... {_COUNCIL}|team|department|unit|office|section|directorate",
        f"{_COUNT} {_AGGREGATE}",
        f"{_WHAT} ... salary|salaries|budget|budgets|expenditure|spend|spending|costs|total-cost|full-cost|"
        "final-cost|overall-cost|figure|figures|statistics|stats|pay-grade|bonus|bonuses|expenses|legal-costs ... "
        "of|on|for|is|was|were|did|in|to|at|by|from|since|during|this|last|so-far",
        "who|whom ... authoris*|authoriz*|approv*|decid*|sanction*|signed-off|sign-off|made-the-decision",
        "by whom",
        f"{_WHAT} ... criteria|policy|policies|procedure|procedures|guidance|rules ... do|does|did|is|are|was|"
        f"were ... {_COUNCIL}|use|used|apply|applied|follow|followed",
        f"{_WHAT} is|are|s your|the|the-councils|councils policy|policies|procedure|procedures|criteria|guidance "
        "on|for|about|regarding",
    ),
    EIR: (
        # Environmental information, asked for or named as data.
        f"{_ENV_STRONG} ... {_ENV_DATA}",
        f"{_ENV_DATA} ... on|for|about|regarding|of|re|into|concerning|relating-to|from ... {_ENV_STRONG}",
        # Asked for: the data right after the asking, or after an article ("send me the tree survey",
        # "I'd like the latest noise readings"), so that "I'd like to renew my books - an unharmed tree
        # survey" asks for none.
        *(
            pattern
            for lead in (*_LEAD_GIVE, _WANT, f"{_SEE}|copy|copies|see-the|view-the")
            for pattern in (
                f"{lead} {_ENV} {_ENV_DATA}",
                f"{lead} {_ENV_NAMED_DATA}",
                f"{lead} ... {_ARTICLE} {_ENV} {_ENV_DATA}",
                f"{lead} ... {_ARTICLE} {_ENV_NAMED_DATA}",
                f"{lead} ... {_ARTICLE} {_LATEST} {_ENV} {_ENV_DATA}",
                f"{lead} ... {_ARTICLE} {_LATEST} {_ENV_NAMED_DATA}",
                f"{lead} ... {_ARTICLE} {_ENV_FACTS} for|on|about|of|from|at|regarding ... {_ENV}",
                # "Planning application" names business as often as documents: asked for with "the".
                f"{lead} ... {_ARTICLE} planning-application|planning-applications|planning-file|"
                "planning-documents|planning-drawings",
            )
        ),
        f"{_WHAT}|{_COUNT}|how-high|how-bad|how-polluted|how-safe ... {_ENV} ... {_MEASURED}",
        f"{_WHAT}|{_COUNT} {_ENV_DATA} ... of|on|for|from ... {_ENV}",
        f"{_WHAT}|{_COUNT} ... pesticid*|herbicid*|glyphosate|chemicals|weedkiller|weed-killer|salt|grit ... use|"
        "uses|used|spray|sprays|sprayed|apply|applied|put|spread",
        f"what|whit|how ... is|s|are|was|were ... {_ENV_STRONG} like|in|on|at|near|around|round",
        f"whats|whits|hows ... {_ENV_STRONG} like|in|on|at|near|around|round",
        "how-polluted|how-contaminated|how-toxic",
        f"is|are|was|were ... there ... {_ENV_STRONG}",
        f"{_WHAT}|any|has|have|was|were ... testing|tests|monitoring|sampling|survey|surveys|assessment|"
        "assessments|studies|study|inspections ... done|carried-out|conducted|undertaken|made|taken ... on|of|at|"
        f"for|near|around ... {_ENV}",
        "whether|if ... land|garden|site|soil|ground|house|home|property ... on|under|near|beside ... is|was|are|"
        "were contaminated|polluted|toxic",
        "is|was|are|were ... land|garden|house|home|property|street|site|area|ground|soil|water|air|loch|river ... "
        "contaminated|polluted|flood-risk|at-risk-of-flooding|on-a-flood-plain|radon|toxic",
        f"{_ENV_DATA} ... {_YOU} ... hold+|held|have|has|keep|kept ... {_ENV}",
    ),
}

PATTERNS: dict[str, tuple[str, ...]] = {kind: NAMED[kind] + DESCRIBED[kind] for kind in KINDS}


# -- typos -----------------------------------------------------------------------------------------
# The words a request turns on, as they are spelt. A word of five letters or more within one edit of
# one of these (two for words of ten letters or more), a swap of two letters counting as one, is read
# as that word: "persnal" -> personal, "infomation" -> information, "acess" -> access, "coppy" ->
# copy. Shorter words are left alone: too many real words lie one letter from "data", "file" or
# "info" ("date", "fine", "into").
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TYPO_VOCABULARY = _words(
    """
    information informations personal access accessed subject subjects request requests requesting requested
    records record recorded freedom environmental environment correspondence documents document documentation
    regulations regulation protection pollution polluted quality monitoring readings statistics figures footage
    recordings recording disclose disclosed disclosure provide provided provides receive received obtain
    obtained inspect regarding concerning relating mentioning myself entitled emissions contamination
    contaminated asbestos assessment assessments survey surveys flooding planning landfill recycling knotweed
    pesticides glyphosate particulates nitrogen dioxide commissioner scotland please copies emails email
    minutes reports report details detail evidence council expenditure invoices policy policies procedure
    guidance paperwork casefile dossier biodiversity measurements drainage sewage photographs allegations
    notebook copy data file info everything anything"""
)
# Real words one edit from a word above, which keep their own meaning ("police" is not "policy",
# "contact" is not "contract", "lease" is not "please").
NOT_TYPOS = _words(
    """
    reading headings minute flooring planting panning pleased copied figured equality solution solutions
    deport deports resort resorts repost persona untitled relaying surrey missions omissions formation
    projection mentoring motoring detailed retail curtail detain police polices policed recorder recorders
    emailed gmail protecting protective reported reporter accesses counsel councils counsellor surveyed
    surveyor minuted regards guarding rotating regrading lease leases leased qualify qualified commissioned
    photographer deceived sending pending contact contacts filed"""
)
_SHORTEST = 5  # below this, no word is corrected


def _max_edits(word: str) -> int:
    return 2 if len(word) >= 10 else 1


@functools.cache
def _candidates(length: int) -> tuple[str, ...]:
    """Vocabulary words a word of `length` letters can be a misspelling of."""
    return tuple(sorted(w for w in TYPO_VOCABULARY if abs(len(w) - length) <= _max_edits(w)))


@functools.lru_cache(maxsize=65536)
def correct_word(word: str) -> str:
    """`word`, or the vocabulary word it misspells: "persnal" -> "personal", "acess" -> "access"."""
    if len(word) < _SHORTEST or word in TYPO_VOCABULARY or word in NOT_TYPOS or not word.isalpha():
        return word
    found = process.extractOne(word, _candidates(len(word)), scorer=OSA.distance, score_cutoff=2)
    if found is None:
        return word
    choice, edits, _ = found
    return choice if edits <= _max_edits(choice) else word


def correct_typos(normalised: str) -> str:
    """Normalised text with misspelt request words mended, word for word (the same string if none was)."""
    words = normalised.split(" ")
    mended = [correct_word(w) for w in words]
    return normalised if mended == words else " ".join(mended)
