"""User code that raises, exits or fails to import: an `error` unit naming the line."""
from conftest import check, check_one, fixture, line_of, plan


def test_exception_in_forward_names_type_message_and_line():
    u = check_one("raises.py", plan("boom", inputs={"x": "randn(4, 3)", "w": "randn(4, 3)"}))
    line = line_of("raises.py", "raises here: (4, 3) @ (4, 3)")
    assert u["status"] == "error"
    assert u["message"].startswith("boom_forward raised ValueError: matmul")
    assert u["message"].endswith(f"(line {line})")
    assert u["errorLine"] == line
    assert "Traceback" in u["traceback"]


def test_exception_deep_in_backward_names_the_line_where_it_was_raised():
    u = check_one("raises.py", plan("late", inputs={"x": "randn(3)"}))
    assert u["status"] == "error"
    assert u["message"] == ("late_backward raised ValueError: no gradient today "
                            f"(line {line_of('raises.py', 'backward raises here')})")


def test_exception_in_a_constructor():
    u = check_one("raises.py", plan("Broken", kind="gate", init="3", inputs={"x": "randn(3)"}))
    assert u["status"] == "error"
    assert u["message"].startswith("constructing Broken(3) raised RuntimeError: constructor failed")
    assert u["errorLine"] == line_of("raises.py", "constructor raises here")


def test_constructor_arguments_missing_from_the_directive_are_pointed_out():
    u = check_one("correct.py", plan("Linear", kind="gate", inputs={"x": "randn(4)"}))
    assert u["status"] == "error"
    assert "init(...)" in u["message"]


def test_sys_exit_is_an_error_not_an_exit():
    units = check("raises.py", plan("quitter", inputs={"x": "randn(3)"}),
                  plan("fine", inputs={"x": "randn(3)"}))
    assert units[0]["status"] == "error"
    assert units[0]["message"] == (f"quitter_forward called sys.exit(3) "
                                   f"(line {line_of('raises.py', 'exits here')})")
    assert units[1]["status"] == "pass"


def test_import_error_makes_every_unit_of_the_file_an_error_with_the_line():
    units = check("import_error.py", plan("ok", inputs={"x": "randn(2)"}),
                  plan("other", inputs={"x": "randn(2)"}))
    line = line_of("import_error.py", "fails while importing")
    for u in units:
        assert u["status"] == "error"
        assert u["message"] == ("importing the file raised NameError: name 'undefined_name' is "
                                f"not defined (line {line})")
        assert u["errorLine"] == line


def test_syntax_error_gives_its_line(tmp_path):
    import gradlens_harness as gh
    f = tmp_path / "bad.py"
    f.write_text("import numpy as np\n\ndef f_forward(x)\n    return x, None\n")
    (u,) = gh.check_units(gh.Loader(), str(f), [plan("f", inputs={"x": "randn(2)"})])
    assert u["status"] == "error"
    assert u["message"].startswith("importing the file raised SyntaxError")
    assert u["errorLine"] == 3


def test_missing_file():
    import gradlens_harness as gh
    (u,) = gh.check_units(gh.Loader(), fixture("no_such_file.py"), [plan("f")])
    assert u["status"] == "error" and u["message"].startswith("cannot read")


def test_reading_stdin_fails_instead_of_eating_the_protocol():
    u = check_one("noisy.py", plan("reader", inputs={"x": "randn(2)"}))
    assert u["status"] == "error"
    assert "reader_forward raised" in u["message"]
