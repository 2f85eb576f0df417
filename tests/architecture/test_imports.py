"""The apps are rooms with one-way doors (docs/architecture.md): each may import only the apps below it.

Read from the source, lazy imports inside functions included, so a new upward import fails here before it can
make a cycle or pull `actors` into Django's start-up.
"""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# What each app may import, besides itself and what every app may read (UTILITIES): the settings readers, and the
# actor paths senders name work by (strings only: no actor module is imported).
MAY_IMPORT = {
    "django_project": {"dashboard", "djangobin", "actors", "scheduler", "taskhistory", "delivery"},  # the wiring
    "dashboard": {"scheduler", "taskhistory", "delivery"},
    "actors": {"djangobin", "taskhistory", "delivery"},
    "scheduler": {"taskhistory", "delivery"},
    "djangobin": {"delivery"},
    "taskhistory": {"delivery"},
    "delivery": set(),
}
UTILITIES = {"django_project.env", "django_project.dbadmin", "actors.paths"}


def _imports(path):
    """The absolute names a file imports, `from a import b` as `a.b` (relative imports stay inside its app)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _utility(name):
    return any(name == utility or name.startswith(f"{utility}.") for utility in UTILITIES)


def upward_imports(root=REPO):
    """(file, imported module) for every import of an app that its room may not import."""
    found = []
    for app, allowed in MAY_IMPORT.items():
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for module in _imports(path):
                top = module.split(".")[0]
                if top in MAY_IMPORT and top != app and top not in allowed and not _utility(module):
                    found.append((str(path.relative_to(root)), module))
    return found


def test_every_app_imports_only_the_apps_below_it():
    assert upward_imports() == []


def test_an_upward_import_is_caught(tmp_path):
    for app in MAY_IMPORT:
        (tmp_path / app).mkdir()
    (tmp_path / "delivery" / "sneaky.py").write_text("def later():\n    from dashboard.pages import overview\n")
    (tmp_path / "djangobin" / "fine.py").write_text("from delivery.outbox import enqueue_on_commit\n")
    assert upward_imports(tmp_path) == [("delivery/sneaky.py", "dashboard.pages.overview")]


def test_every_app_of_the_project_has_a_room():
    apps = {path.parent.name for path in REPO.glob("*/apps.py")} | {"django_project"}
    assert apps == set(MAY_IMPORT)
