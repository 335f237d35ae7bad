"""The import's shortcut for the usual row gives exactly the plans and errors of the full checks.

A city's file is mostly ordinary rows, which the importer plans straight from their cells; every
other row goes through the full checks. These specifications feed both paths the same rows, good
and bad, and demand the same plans, the same error messages and the same bad lines.
"""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric
from test_import import CENTRE, CITY_SOUTH, LONG_BEACH, PERSON_HEADER, id_number, wrong_check_digit

from core.identity import latest_birth_date, make_id_number
from core.import_files import PERSON_COLUMNS, Problems, Table, data_rows, map_header
from core.resident_rows import IdentityChecker, person_plan, plan_rows
from core.testing import COUNTY

ONE_DAY = dt.timedelta(days=1)

SCOPE = COUNTY[0]


def _row(name: str, number: str, code: str, phone: str = "", *rest: str) -> list[str]:
    cells = [name, number, code, phone, *rest]
    return cells + [""] * (len(PERSON_HEADER) - len(cells))


def _with_check_digit(body: str) -> str:
    """The 17 digits ``body`` with the check digit that fits them."""
    return body + ric.calc_check_digit(body + "0")


def _ordinary_rows() -> list[list[str]]:
    """Residents as a county's export has them: same areas, repeated birth dates."""
    rows = []
    for i in range(40):
        born = dt.date(1950 + i % 3, 1 + i % 2, 10)
        phone = f"139{i:08d}" if i % 2 else ""
        rows.append(_row(f"居民{i}", id_number(i, born), [CITY_SOUTH, CENTRE][i % 2], phone))
    return rows


def _unusual_rows() -> list[list[str]]:
    """Rows the shortcut must hand to the full checks, valid or not."""
    good = id_number(900, dt.date(1950, 1, 10))
    return [
        _row("小写校验码", make_id_number("500243", dt.date(1966, 3, 3), 4)[:17] + "x", CENTRE),
        _row("  两边空格  ", f"  {id_number(901, dt.date(1950, 1, 10))}  ", f" {CENTRE} "),
        _row("", id_number(902), CENTRE),
        _row("名" * 51, id_number(903), CENTRE),
        _row("名" * 50, id_number(904), CENTRE),
        _row("校验码错", wrong_check_digit(id_number(905)), CENTRE),
        _row("十七位", id_number(906)[:17], CENTRE),
        _row("字母", "50024319800517A01X", CENTRE),
        _row("月份错", _with_check_digit("50024319801317007"), CENTRE),
        _row(
            "未出生", make_id_number("500243", dt.date.today() + dt.timedelta(days=400), 8), CENTRE
        ),
        _row("太早", make_id_number("500243", dt.date(1870, 1, 1), 9), CENTRE),
        _row("今天出生", make_id_number("500243", latest_birth_date(), 30), CENTRE),
        _row("明天出生", make_id_number("500243", latest_birth_date() + ONE_DAY, 31), CENTRE),
        _row("无此地区", make_id_number("999999", dt.date(1980, 5, 17), 10), CENTRE),
        _row("新地区", make_id_number("110101", dt.date(1950, 1, 10), 11), LONG_BEACH),
        _row("全角日期", id_number(929)[:6] + "１９８００５１７" + id_number(929)[14:], CENTRE),
        _row("空号码", "", CENTRE),
        _row("空代码", id_number(912), ""),
        _row("代码格式", id_number(913), "50024310100"),
        _row("县外", id_number(914), "500101001001"),
        _row("带空格电话", id_number(915), CENTRE, " 139 1234 5678 "),
        _row("国际区号", id_number(916), CENTRE, "+8613912345678"),
        _row("座机", id_number(917), CENTRE, "023-78441234"),
        _row("坏电话", id_number(918), CENTRE, "12345"),
        _row("全角电话", id_number(919), CENTRE, "１３９１２３４５６７８"),
        _row("户号", id_number(920), CENTRE, "", "户" * 40, "户主", "", "备注"),
        _row("户号过长", id_number(921), CENTRE, "", "户" * 41),
        _row("关系过长", id_number(922), CENTRE, "", "", "关" * 21),
        _row("标签", id_number(923), CENTRE, "", "", "", "低保，党员 党员"),
        _row("长标签", id_number(924), CENTRE, "", "", "", "标" * 51),
        _row("空字符", id_number(925), CENTRE, "", "", "", "", "有\x00空字符"),
        ["短行", id_number(926), CENTRE],
        [*_row("多一列", id_number(927), CENTRE), "多余"],
        [*_row("多一空列", id_number(928), CENTRE), "  "],
        _row("重复", good, CENTRE),
        _row("重复", good, CENTRE),
    ]


def _both_paths(header: list[str], rows: list[list[str]]):
    """(plans, messages, bad lines) of the shortcut and of the full checks on the same rows."""
    table = Table(1, header, [(line, cells) for line, cells in enumerate(rows, start=2)])
    mapping = map_header(table, PERSON_COLUMNS)
    results = []
    for shortcut in (True, False):
        problems, identity = Problems(PERSON_COLUMNS), IdentityChecker()
        if shortcut:
            plans = plan_rows(table, mapping, SCOPE, problems, identity)
        else:
            plans = [
                person_plan(r, SCOPE, problems, identity)
                for r in data_rows(table, mapping, problems)
            ]
        results.append((plans, problems.messages(), problems.bad_lines))
    return results


@pytest.mark.parametrize("unusual_first", [False, True])
def test_the_shortcut_plans_every_row_as_the_full_checks_do(unusual_first):
    rows = _ordinary_rows() + _unusual_rows()
    if unusual_first:  # the checker has learnt nothing yet when the odd rows come
        rows = _unusual_rows() + _ordinary_rows()
    shortcut, full = _both_paths(PERSON_HEADER, rows)
    assert shortcut == full
    plans, messages, _bad = shortcut
    assert len(plans) == len(rows)
    assert any("校验码错误" in m for m in messages)
    assert any("不在您的管辖范围" in m for m in messages)
    assert any("第 2 列有内容" not in m and "列有内容，但该列没有列名" in m for m in messages)


def test_columns_in_another_order_and_fewer_columns_give_the_same_plans():
    order = [6, 1, 2, 0, 3]  # 标签, 身份证号, 行政区划代码, 姓名, 电话
    header = [PERSON_HEADER[i] for i in order]
    rows = [
        [cells[i] for i in order if i < len(cells)] for cells in _ordinary_rows() + _unusual_rows()
    ]
    shortcut, full = _both_paths(header, rows)
    assert shortcut == full


def test_a_header_with_an_empty_column_takes_the_full_checks_and_agrees():
    header = [*PERSON_HEADER[:3], "", PERSON_HEADER[3]]
    rows = [[*cells[:3], "", cells[3]] for cells in _ordinary_rows()]
    rows.append([*rows[0][:3], "无名列的内容", ""])
    shortcut, full = _both_paths(header, rows)
    assert shortcut == full
    assert any("第 4 列有内容，但该列没有列名" in m for m in shortcut[1])


def test_ordinary_rows_are_planned_with_their_normalised_values():
    plans, messages, _bad = _both_paths(PERSON_HEADER, _ordinary_rows())[0]
    assert messages == []
    assert plans[1].phone == "13900000001" and plans[0].phone is None
    assert plans[0].id_number == id_number(0, dt.date(1950, 1, 10))
    assert plans[1].locality_code == CENTRE and plans[0].household is None
