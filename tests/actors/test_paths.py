"""Actor paths are declared once (actors/paths.py) and checked at `manage.py check`: a typo stops a deploy."""

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import SystemCheckError

from actors import checks, paths


def test_every_declared_path_names_the_actor_a_worker_runs():
    assert [path for path in paths.ALL if checks.actor_path_problem(path)] == []


def test_every_constant_of_the_module_is_in_the_checked_list():
    constants = {value for name, value in vars(paths).items() if name.isupper() and isinstance(value, str)}
    assert constants == set(paths.ALL)


def test_a_misspelt_path_is_a_system_check_error(monkeypatch):
    monkeypatch.setattr(paths, "ALL", (*paths.ALL, "actors.mail.send_feedbak_mail"))
    try:
        call_command("check")
    except SystemCheckError as error:
        assert "actors.E001" in str(error)
        assert "send_feedbak_mail" in str(error)
    else:
        raise AssertionError("the check passed a path that names no actor")


def test_a_path_to_something_other_than_an_actor_is_named_as_such():
    assert "not a Dramatiq actor" in checks.actor_path_problem("actors.mail.MAIL_OPTIONS")


def test_reading_the_paths_imports_no_actor_module():
    code = "import sys, actors.paths; print(sorted(m for m in sys.modules if m.startswith('actors')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "['actors', 'actors.paths']"


def test_every_declared_subject_fits_its_actors_signature_and_names_a_model():
    assert {name: checks.subject_problem(name, subject) for name, subject in paths.SUBJECTS.items()} == dict.fromkeys(
        paths.SUBJECTS
    )


def test_a_subject_naming_the_wrong_argument_is_a_system_check_error(monkeypatch):
    monkeypatch.setattr(paths, "SUBJECTS", {**paths.SUBJECTS, "highlight_snippet": ("djangobin.Snippet", 0, "id")})
    try:
        call_command("check")
    except SystemCheckError as error:
        assert "actors.E002" in str(error) and "['snippet_id']" in str(error)
    else:
        raise AssertionError("the check passed a subject that names no parameter of the actor")


def test_a_subject_of_an_unknown_actor_or_model_is_named_as_such():
    assert checks.subject_problem("highlight_snipet", ("djangobin.Snippet", 0, "snippet_id")) == (
        "names no actor a worker would run"
    )
    assert "names no model" in checks.subject_problem("highlight_snippet", ("djangobin.Snipet", 0, "snippet_id"))
