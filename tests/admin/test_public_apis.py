"""The admin uses public, documented hooks of Django and its packages only."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = re.compile(r"import _|\._render|__class__ =")


def test_admin_code_uses_no_private_names_no_class_swaps_and_no_render_internals():
    files = sorted((ROOT / "submissions" / "admin").glob("*.py")) + sorted(
        (ROOT / "submissions" / "templatetags").glob("*.py"))
    assert len(files) >= 6
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}" for path in files
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if PRIVATE.search(line)]
    assert found == []
    assert not (ROOT / "submissions" / "admin_list.py").exists()
    assert not (ROOT / "submissions" / "templatetags" / "admin_rows.py").exists()
    template = (ROOT / "templates" / "admin" / "submissions" / "entry" / "change_list.html").read_text()
    assert "fast_result_list" not in template and "admin_rows" not in template


def test_entry_admin_does_not_use_the_forms_fast_widgets():
    source = (ROOT / "submissions" / "admin" / "entries.py").read_text(encoding="utf-8")
    assert "forms.widgets" not in source and "FastCheckboxInput" not in source and "use_fast_select" not in source
    # The action checkbox is the public ModelAdmin.action_checkbox() overridden with public API only:
    # the Python twin of CheckboxInput (see test_entry_list for the markup), no private fast path.
    method = source.split("def action_checkbox", 1)[1].split("\n    def ", 1)[0]
    assert ".action_checkbox_widget.render(" in method and "._" not in method and "import" not in method
    assert "action_checkbox_widget = CheckboxInput(" in source
