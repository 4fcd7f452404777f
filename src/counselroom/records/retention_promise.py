"""What the consent form promises about how long records are kept, rendered from the room's retention rules
(issue 12.8), so the form can never promise something else than the rule the program applies.

The consent template says `{retention}` where the promise goes; the promise is made from the rules of
records/retention.py when a form is shown or printed, and kept with a consent when it is signed (a consent
signed under an earlier rule still shows the promise it was signed with).
"""

from __future__ import annotations

from ..i18n import N_, tr_in
from .retention import DEFAULT_RULES, Rule

PLACEHOLDER = "{retention}"
# What the default follows, and how rooms differ (shown beside the rules in the settings).
GUIDANCE = N_("The default, 3 years after the case was closed, follows the code of ethics for clinical and counseling "
              "psychology of the Chinese Psychological Society (records kept at least 3 years after the professional "
              "service ends). Schools differ: many keep a student's file until graduation or until some years after "
              "it (choose \"after the client left\"), and some local or institutional rules ask for 10 years. Set "
              "what your school requires: the consent form states the rule you set here.")

_CASE = {"closed": N_("Records are kept for {years} years after counseling ends (the case is closed), and then "
                      "securely destroyed."),
         "left": N_("Records are kept for {years} years after counseling ends or after you leave the school "
                    "(graduation, transfer), whichever is later, and then securely destroyed.")}
_TESTS = {"closed": N_("Psychological test results are kept for {years} years after counseling ends."),
          "left": N_("Psychological test results are kept for {years} years after counseling ends or after you "
                     "leave the school, whichever is later."),
          "administered": N_("Psychological test results are kept for {years} years after each test was given.")}


def promise(rules: dict[str, Rule] | None, lang: str) -> str:
    """The sentence(s) the consent form says about keeping records, from the rules (the defaults if None)."""
    rules = rules or DEFAULT_RULES
    case = rules.get("case_file", DEFAULT_RULES["case_file"])
    tests = rules.get("tests", DEFAULT_RULES["tests"])
    text = tr_in(lang, _CASE[case.anchor], years=case.years)
    if (tests.years, tests.anchor) != (case.years, case.anchor):
        text += (" " if lang != "zh_CN" else "") + tr_in(lang, _TESTS[tests.anchor], years=tests.years)
    return text


__all__ = ["GUIDANCE", "PLACEHOLDER", "promise"]
