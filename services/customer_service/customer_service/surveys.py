"""Satisfaction surveys (满意度调查): at least once a year per estate, per service line
(power, water, fire and security, cleaning, ...). One answer per household and survey."""
from decimal import Decimal

from estate_common import calendar, clock, ids, plausible
from estate_common.errors import InvalidInput, field_error
from estate_common.money import round_half_up

from .rules import SATISFIED_SCORE


def new_survey(survey_id, estate_id, data, now, user, rules):
    """A survey of this year (the estate's) or of the last (one filed in January): one for 2100
    was taken, and the answers given to it today counted in this month's owner-satisfaction KPI
    (a probe; ``estate_common.plausible``)."""
    plausible.year(data["year"], calendar.local_date(now, rules["timezone"]).year, 1, 0, "data.year",
                   "a survey is of this year or the last")
    at = clock.to_iso(now)
    return {"_id": survey_id, "estate_id": estate_id, "title": data["title"].strip(), "year": data["year"],
            "service_lines": list(data["service_lines"]), "created_at": at, "created_by": user}


def answer_id(estate_id, survey_id, household_id):
    """One answer per household and survey: a second one collides on _id."""
    return ids.natural_id("sa", estate_id, survey_id, household_id)


def new_answer(survey, data, now, user):
    unknown = sorted(set(data["scores"]) - set(survey["service_lines"]))
    if unknown:
        raise InvalidInput("scores for service lines this survey does not ask about",
                           [field_error(f"data.scores.{line}", "is not a service line of this survey")
                            for line in unknown])
    at = clock.to_iso(now)
    return {"_id": answer_id(survey["estate_id"], survey["_id"], data["household_id"]),
            "estate_id": survey["estate_id"], "survey_id": survey["_id"], "household_id": data["household_id"],
            "scores": dict(data["scores"]), "comment": (data.get("comment") or "").strip(),
            "answered_at": at, "created_at": at, "recorded_by": user}


def same_answer(first, again):
    return first["scores"] == again["scores"] and first["comment"] == again["comment"]


def _round(value, places):
    return float(round_half_up(value, places))


def tally(scores):
    """Count, average and satisfied share (4–5 of 5) of a list of scores; None where there are none."""
    return tally_of(counted(scores))


def counted(scores):
    """What a tally is made of: how many ``scores``, their sum and how many are satisfied (4–5 of 5)."""
    return {"answers": len(scores), "sum": sum(scores), "satisfied": sum(1 for s in scores if s >= SATISFIED_SCORE)}


def tally_of(counts):
    """``tally`` from ``counted``'s counts (a survey's line as it keeps them: ``line_counts``)."""
    count, satisfied = counts["answers"], counts["satisfied"]
    return {
        "answers": count,
        "average": _round(Decimal(counts["sum"]) / count, 2) if count else None,
        "satisfied": satisfied,
        "satisfied_share": _round(Decimal(satisfied) / count, 4) if count else None,
    }


def line_counts(answers):
    """A survey's counts as it keeps them (``store.keep_line_counts``): how many ``answers`` (their
    ``scores`` each), and each line some answer scored, ``counted``; a line nobody scored is left out."""
    scores = {}
    for answer in answers:
        for line, score in answer["scores"].items():
            scores.setdefault(line, []).append(score)
    return {"answers": len(answers), "lines": {line: counted(found) for line, found in scores.items()}}


def results(survey, answers):
    lines = {line: tally([a["scores"][line] for a in answers if line in a["scores"]])
             for line in survey["service_lines"]}
    every_score = [score for a in answers for score in a["scores"].values()]
    return {"survey_id": survey["_id"], "estate_id": survey["estate_id"], "title": survey["title"],
            "year": survey["year"], "households": len(answers), "lines": lines, "overall": tally(every_score)}
