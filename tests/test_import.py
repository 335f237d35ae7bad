"""Bulk import of residents and localities: every row valid and imported, or nothing written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from core import audit
from core.identity import make_id_number
from core.importer import ImportFailed, ImportReport, import_localities, import_persons
from core.models import AuditEntry, EventRecord, Household, Locality, Person, Tag
from core.models.person import person_tags
from core.runtime import Runtime
from core.testing import COUNTY, add_person

PERSON_HEADER = ["姓名", "身份证号", "行政区划代码", "电话", "户号", "与户主关系", "标签", "备注"]
CITY_SOUTH = "500243001001"  # 城南社区, under 汉葭街道
LONG_BEACH = "500243001002"  # 长滩村, under 汉葭街道
CENTRE = "500243101001"  # 中心村, under 保家镇
HANJIA = "500243001000"  # 汉葭街道 (a town)


def id_number(sequence: int, born: dt.date = dt.date(1980, 5, 17)) -> str:
    """A valid identity number of Pengshui; odd sequences are men."""
    return make_id_number("500243", born, sequence)


def wrong_check_digit(number: str) -> str:
    """``number`` with a check digit that does not fit."""
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


TABLES = [
    "core_person",
    "core_household",
    "core_tag",
    "core_person_tag",
    "core_locality",
    "core_event",
    "core_audit",
    "core_audit_head",
]


def row_counts(runtime: Runtime) -> dict[str, int]:
    """Rows per core table, to show that a failed import left the database as it was."""
    tables = {t.name: t for t in Person.metadata.sorted_tables}
    with runtime.db.transaction() as session:
        return {
            name: session.scalar(select(func.count()).select_from(tables[name])) for name in TABLES
        }


def refused(runtime: Runtime, importer, path: Path, scope_code: str = COUNTY[0]) -> ImportFailed:
    """Run a failing import in a session that is then committed, and check nothing was written."""
    before = row_counts(runtime)
    with runtime.db.transaction() as session:
        with pytest.raises(ImportFailed) as failure:
            importer(session, path, scope_code=scope_code)
        assert not session.new and not session.dirty
    assert row_counts(runtime) == before
    return failure.value


def imported(runtime: Runtime, importer, path: Path, scope_code: str = COUNTY[0], **kwargs):
    with runtime.db.transaction(actor="account:county", channel="import") as session:
        return importer(session, path, scope_code=scope_code, **kwargs)


# --- The happy path -----------------------------------------------------------------------------


def test_a_utf8_csv_with_bom_registers_residents_households_and_tags(seeded, tmp_path):
    path = write_csv(
        tmp_path / "居民.csv",
        [
            PERSON_HEADER,
            [
                "张三",
                id_number(11),
                CITY_SOUTH,
                "138 0013 8000",
                "H-001",
                "户主",
                "党员、老年人",
                "",
            ],
            ["李四", id_number(12, dt.date(1985, 2, 3)), CITY_SOUTH, "", "H-001", "配偶", "", ""],
            ["王五", id_number(13), LONG_BEACH, "023-78441234", "", "", "党员", "新迁入"],
        ],
    )
    report = imported(seeded, import_persons, path)

    assert report == ImportReport(
        kind="persons", total_rows=3, created=3, households_created=1, tags_created=2
    )
    assert report.summary() == "已导入居民 3 人（共 3 行），新建户 1 个，新建标签 2 个。"
    with seeded.db.transaction() as session:
        people = {p.name: p for p in session.scalars(select(Person))}
        zhang, li, wang = people["张三"], people["李四"], people["王五"]
        assert (zhang.sex, zhang.birth_date) == ("male", dt.date(1980, 5, 17))
        assert (li.sex, li.birth_date) == ("female", dt.date(1985, 2, 3))
        assert zhang.phone == "13800138000" and wang.phone == "023-78441234"
        assert zhang.household is li.household is not None
        assert zhang.household.number == "H-001"
        assert zhang.household.locality_code == CITY_SOUTH
        assert (zhang.relation, li.relation) == ("户主", "配偶")
        assert [t.name for t in zhang.tags] == sorted(["党员", "老年人"])
        assert wang.has_tag("党员") and wang.household is None and wang.note == "新迁入"
        assert session.scalar(select(func.count()).select_from(Tag)) == 2


def test_each_new_resident_emits_a_person_registered_event(seeded, tmp_path):
    path = write_csv(
        tmp_path / "居民.csv",
        [
            ["姓名", "身份证号", "行政区划代码"],
            ["张三", id_number(11), CITY_SOUTH],
            ["李四", id_number(13), CENTRE],
        ],
    )
    imported(seeded, import_persons, path)
    with seeded.db.transaction() as session:
        ids = {p.name: (p.id, p.locality_code) for p in session.scalars(select(Person))}
        events = session.scalars(select(EventRecord).order_by(EventRecord.id)).all()
        assert [e.name for e in events] == ["core.person_registered"] * 2
        assert {(e.payload["person_id"], e.locality_code) for e in events} == set(ids.values())
        assert {e.actor for e in events} == {"account:county"}


def test_every_imported_row_is_audited_and_the_chain_still_verifies(seeded, tmp_path):
    path = write_csv(
        tmp_path / "居民.csv",
        [PERSON_HEADER]
        + [[f"居民{i}", id_number(i), CITY_SOUTH, "", "H-9", "", "低保户", ""] for i in range(5)],
    )
    imported(seeded, import_persons, path)
    with seeded.db.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name.in_(["core_person", "core_household"]))
        ).all()
        people = [e for e in entries if e.table_name == "core_person"]
        assert len(people) == 5 and {e.action for e in people} == {"create"}
        assert {e.actor for e in entries} == {"account:county"}
        assert {e.channel for e in entries} == {"import"}
        assert all(e.after["id_number"] == audit.MASK for e in people)
        assert len([e for e in entries if e.table_name == "core_household"]) == 1
        assert audit.verify(session).ok


def test_a_gb18030_csv_with_english_headers_in_any_case_imports(seeded, tmp_path):
    path = write_csv(
        tmp_path / "gbk.csv",
        [
            ["Name", " ID_Number ", "Locality Code", "PHONE", "tags"],
            ["欧阳娜娜", id_number(22), CITY_SOUTH, "13912345678", "留守儿童；残疾人"],
        ],
        encoding="gb18030",
    )
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert imported(seeded, import_persons, path).created == 1
    with seeded.db.transaction() as session:
        person = session.scalars(select(Person)).one()
        assert person.name == "欧阳娜娜"
        assert [t.name for t in person.tags] == sorted(["留守儿童", "残疾人"])


def test_an_xlsx_file_imports_including_numbers_stored_as_numbers(seeded, tmp_path):
    path = write_xlsx(
        tmp_path / "居民.xlsx",
        [
            ["姓名", "身份证号码", "行政区划代码", "手机", "户号", "标签"],
            ["张三", id_number(11), int(CITY_SOUTH), 13800138000, 1001, "党员, 退役军人"],
            [None, None, None, None, None, None],
            ["李四", id_number(12), CENTRE, None, None, None],
        ],
    )
    report = imported(seeded, import_persons, path)
    assert (report.total_rows, report.created, report.households_created) == (2, 2, 1)
    with seeded.db.transaction() as session:
        zhang = session.scalars(select(Person).where(Person.name == "张三")).one()
        assert zhang.locality_code == CITY_SOUTH
        assert zhang.phone == "13800138000"
        assert zhang.household.number == "1001"
        assert [t.name for t in zhang.tags] == sorted(["党员", "退役军人"])


def test_an_xlsx_error_names_the_row_of_the_sheet(seeded, tmp_path):
    bad = wrong_check_digit(id_number(11))
    path = write_xlsx(
        tmp_path / "居民.xlsx",
        [
            ["姓名", "身份证号", "行政区划代码"],
            ["李四", id_number(12), CENTRE],
            [None, None, None],
            ["张三", bad, CITY_SOUTH],
        ],
    )
    failure = refused(seeded, import_persons, path)
    assert failure.errors == [
        f"第 4 行，身份证号：身份证号码校验码错误：{bad[:6]}********{bad[-4:]}"
    ]


def test_existing_households_and_tags_are_reused(seeded, tmp_path):
    with seeded.db.transaction() as session:
        session.add_all([Tag(name="党员"), Household(number="H-1", locality_code=CITY_SOUTH)])
    path = write_csv(
        tmp_path / "居民.csv",
        [
            ["姓名", "身份证号", "行政区划代码", "户号", "标签"],
            ["张三", id_number(11), CITY_SOUTH, "H-1", "党员"],
        ],
    )
    report = imported(seeded, import_persons, path)
    assert (report.households_created, report.tags_created) == (0, 0)
    with seeded.db.transaction() as session:
        person = session.scalars(select(Person)).one()
        assert person.household.number == "H-1" and person.has_tag("党员")
        assert session.scalar(select(func.count()).select_from(Household)) == 1


def test_line_numbers_are_physical_lines_even_after_a_multiline_cell(seeded, tmp_path):
    path = tmp_path / "居民.csv"
    text = (
        "姓名,身份证号,行政区划代码,备注\r\n"
        f'张三,{id_number(11)},{CITY_SOUTH},"第一行\r\n第二行"\r\n'
        "\r\n"
        f"李四,{id_number(13)},{CITY_SOUTH},备注,多余\r\n"
    )
    path.write_text(text, encoding="utf-8", newline="")
    # The note of line 2 runs on to line 3 and line 4 is blank: 李四 is on line 5.
    failure = refused(seeded, import_persons, path)
    assert failure.errors == ["第 5 行：第 5 列有内容，但该列没有列名"]
    assert (failure.valid_rows, failure.total_rows) == (1, 2)


# --- Each kind of error -------------------------------------------------------------------------


def persons_file(tmp_path: Path, *rows: list[str], header: list[str] | None = None) -> Path:
    header = header or ["姓名", "身份证号", "行政区划代码", "电话", "户号"]
    return write_csv(tmp_path / "居民.csv", [header, *rows])


def test_a_wrong_identity_number_names_the_line_and_nothing_is_written(seeded, tmp_path):
    bad = wrong_check_digit(id_number(13))
    path = persons_file(
        tmp_path, ["张三", id_number(11), CITY_SOUTH, "", ""], ["李四", bad, CITY_SOUTH, "", ""]
    )
    failure = refused(seeded, import_persons, path)
    assert failure.errors == [f"第 3 行，身份证号：身份证号码校验码错误：500243********{bad[-4:]}"]
    assert (failure.valid_rows, failure.total_rows) == (1, 2)
    assert str(failure).startswith("导入失败，没有导入任何数据：共读取 2 行数据，其中 1 行无误")


def test_a_bad_phone_number_names_the_line(seeded, tmp_path):
    path = persons_file(tmp_path, ["张三", id_number(11), CITY_SOUTH, "1380013", ""])
    assert refused(seeded, import_persons, path).errors == ["第 2 行，电话：电话号码无效：1380013"]


def test_a_locality_code_that_does_not_exist_is_refused(seeded, tmp_path):
    path = persons_file(
        tmp_path,
        ["张三", id_number(11), "500243001099", "", ""],
        ["李四", id_number(13), "5002430010", "", ""],
    )
    assert refused(seeded, import_persons, path).errors == [
        "第 2 行，行政区划代码：系统中没有这个行政区划：500243001099",
        "第 3 行，行政区划代码：行政区划代码必须是 12 位数字（村民小组为 15 位）：'5002430010'",
    ]


def test_residents_can_only_be_registered_in_a_village_or_group(seeded, tmp_path):
    path = persons_file(tmp_path, ["张三", id_number(11), HANJIA, "", ""])
    assert refused(seeded, import_persons, path).errors == [
        "第 2 行，行政区划代码：500243001000 是乡镇（街道），居民只能登记到村（社区）或村民小组"
    ]


def test_a_locality_outside_the_importers_scope_is_refused(seeded, tmp_path):
    path = persons_file(tmp_path, ["张三", id_number(11), CENTRE, "", ""])
    assert refused(seeded, import_persons, path, scope_code=HANJIA).errors == [
        "第 2 行，行政区划代码：500243101001 不在您的管辖范围（500243001000）内"
    ]


def test_a_duplicate_identity_number_within_the_file_names_both_lines(seeded, tmp_path):
    number = id_number(11)
    path = persons_file(
        tmp_path,
        ["张三", number, CITY_SOUTH, "", ""],
        ["李四", id_number(13), CITY_SOUTH, "", ""],
        ["张三", number.lower(), CITY_SOUTH, "", ""],
    )
    failure = refused(seeded, import_persons, path)
    assert failure.errors == [f"第 4 行，身份证号：与第 2 行重复：500243********{number[-4:]}"]
    assert failure.valid_rows == 2


def test_an_identity_number_already_registered_is_refused(seeded, tmp_path):
    with seeded.db.transaction() as session:
        existing = add_person(session, "张三", CITY_SOUTH, 11).id_number
    path = persons_file(tmp_path, ["张叁", existing, LONG_BEACH, "", ""])
    assert refused(seeded, import_persons, path).errors == [
        f"第 2 行，身份证号：该身份证号已经登记过：500243********{existing[-4:]}"
    ]


def test_a_household_of_another_locality_is_refused(seeded, tmp_path):
    with seeded.db.transaction() as session:
        session.add(Household(number="H-1", locality_code=LONG_BEACH))
    path = persons_file(
        tmp_path,
        ["张三", id_number(11), CITY_SOUTH, "", "H-1"],
        ["李四", id_number(13), CITY_SOUTH, "", "H-2"],
        ["王五", id_number(15), CENTRE, "", "H-2"],
    )
    assert refused(seeded, import_persons, path).errors == [
        "第 2 行，户号：户号“H-1”已登记在其他行政区划，不属于 500243001001",
        "第 4 行，户号：户号“H-2”在第 3 行属于 500243001001，与本行的 500243101001 不一致",
    ]


def test_a_missing_required_column_is_reported_on_line_1(seeded, tmp_path):
    path = write_csv(tmp_path / "居民.csv", [["姓名", "电话"], ["张三", "13800138000"]])
    failure = refused(seeded, import_persons, path)
    assert failure.errors == ["第 1 行：缺少必填列“身份证号”", "第 1 行：缺少必填列“行政区划代码”"]
    assert (failure.valid_rows, failure.total_rows) == (0, 1)


def test_an_unknown_column_is_named(seeded, tmp_path):
    path = persons_file(
        tmp_path,
        ["张三", id_number(11), CITY_SOUTH, "男"],
        header=["姓名", "身份证号", "行政区划代码", "性别"],
    )
    [error] = refused(seeded, import_persons, path).errors
    assert error.startswith("第 1 行：无法识别的列“性别”")


def test_a_column_given_twice_is_refused(seeded, tmp_path):
    path = persons_file(
        tmp_path,
        ["13800138000", "张三", id_number(11), CITY_SOUTH, "13900139000"],
        header=["电话", "姓名", "身份证号", "行政区划代码", "手机"],
    )
    assert refused(seeded, import_persons, path).errors == [
        "第 1 行：列“手机”与列“电话”重复（都表示电话）"
    ]


def test_a_nul_character_in_any_cell_is_refused(seeded, tmp_path):
    path = write_csv(
        tmp_path / "居民.csv",
        [PERSON_HEADER, ["张\x00三", id_number(11), CITY_SOUTH, "", "", "", "", "备\x00注"]],
    )
    assert refused(seeded, import_persons, path).errors == [
        "第 2 行，姓名：含有不允许的空字符（\\x00），请删除后重试",
        "第 2 行，备注：含有不允许的空字符（\\x00），请删除后重试",
    ]


def test_a_blank_required_cell_is_refused(seeded, tmp_path):
    path = persons_file(tmp_path, [" ", id_number(11), CITY_SOUTH, "", ""])
    assert refused(seeded, import_persons, path).errors == ["第 2 行，姓名：不能为空"]


@pytest.mark.parametrize("name", ["居民.xls", "居民.txt", "居民"])
def test_an_unsupported_file_type_is_refused(seeded, tmp_path, name):
    path = tmp_path / name
    path.write_text("姓名\n张三\n", encoding="utf-8")
    [error] = refused(seeded, import_persons, path).errors
    assert error.startswith("不支持的文件类型") and "只能导入 .csv 或 .xlsx 文件" in error


def test_an_empty_file_is_refused(seeded, tmp_path):
    path = write_csv(tmp_path / "空.csv", [])
    assert refused(seeded, import_persons, path).errors == ["文件是空的：第一行应为表头（列名）"]


def test_every_problem_in_the_file_is_reported_not_just_the_first(seeded, tmp_path):
    path = persons_file(
        tmp_path,
        ["", wrong_check_digit(id_number(11)), "500243101001", "12", ""],
        ["李四", id_number(13), CITY_SOUTH, "", ""],
        ["王五", "123", "500243999001", "", ""],
    )
    failure = refused(seeded, import_persons, path, scope_code=HANJIA)
    assert [e.split("：")[0] for e in failure.errors] == [
        "第 2 行，姓名",
        "第 2 行，身份证号",
        "第 2 行，行政区划代码",
        "第 2 行，电话",
        "第 4 行，身份证号",
        "第 4 行，行政区划代码",
    ]
    assert (failure.valid_rows, failure.total_rows) == (1, 3)


def test_the_message_lists_200_errors_but_the_exception_keeps_them_all(seeded, tmp_path):
    rows = [["张三", id_number(i), CITY_SOUTH, "110", ""] for i in range(250)]
    failure = refused(seeded, import_persons, persons_file(tmp_path, *rows))
    assert len(failure.errors) == 250
    message = str(failure).splitlines()
    assert len(message) == 1 + 200 + 1
    assert message[-1] == "还有 50 条错误未列出"


# --- Dry run ------------------------------------------------------------------------------------


def test_a_dry_run_reports_what_would_be_imported_and_writes_nothing(seeded, tmp_path):
    path = write_csv(
        tmp_path / "居民.csv",
        [PERSON_HEADER, ["张三", id_number(11), CITY_SOUTH, "", "H-1", "户主", "党员", ""]],
    )
    before = row_counts(seeded)
    with seeded.db.transaction() as session:
        report = import_persons(session, path, scope_code=COUNTY[0], dry_run=True)
        assert not session.new
    assert row_counts(seeded) == before
    assert (report.dry_run, report.created, report.households_created) == (True, 1, 1)
    assert report.summary().startswith("试运行通过：共 1 行，全部无误，可导入居民 1 人")


def test_a_dry_run_of_a_bad_file_fails_like_a_real_import(seeded, tmp_path):
    path = persons_file(tmp_path, ["张三", "123", CITY_SOUTH, "", ""])
    with seeded.db.transaction() as session, pytest.raises(ImportFailed):
        import_persons(session, path, scope_code=COUNTY[0], dry_run=True)


# --- Localities ---------------------------------------------------------------------------------


def test_localities_import_even_when_children_come_before_their_parents(seeded, tmp_path):
    path = write_csv(
        tmp_path / "区划.csv",
        [
            ["代码", "名称"],
            ["500243102001001", "一组"],
            ["500243102001", "新村"],
            ["500243102000", "新镇"],
            ["500243101003", "石坝村"],
        ],
    )
    report = imported(seeded, import_localities, path)
    assert (report.kind, report.created) == ("localities", 4)
    assert report.summary() == "已导入行政区划 4 个（共 4 行）。"
    with seeded.db.transaction() as session:
        got = {
            loc.code: (loc.name, loc.level, loc.parent_code)
            for loc in session.scalars(select(Locality).where(Locality.code.like("5002431020%")))
        }
        assert got == {
            "500243102000": ("新镇", "town", "500243000000"),
            "500243102001": ("新村", "village", "500243102000"),
            "500243102001001": ("一组", "group", "500243102001"),
        }
        assert session.get(Locality, "500243101003").parent_code == "500243101000"
        creates = session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "core_locality")
        ).all()
        assert {e.after["code"] for e in creates if e.action == "create"} >= {
            "500243102000",
            "500243102001001",
            "500243101003",
        }


def test_a_locality_dry_run_writes_nothing(seeded, tmp_path):
    path = write_csv(tmp_path / "区划.csv", [["code", "name"], ["500243101003", "石坝村"]])
    before = row_counts(seeded)
    report = imported(seeded, import_localities, path, dry_run=True)
    assert report.dry_run and report.created == 1
    assert row_counts(seeded) == before


def test_bad_locality_rows_are_all_reported_and_nothing_is_written(seeded, tmp_path):
    path = write_xlsx(
        tmp_path / "区划.xlsx",
        [
            ["行政区划代码", "名称"],
            ["500243103001", "孤村"],  # its town exists neither in the database nor in the file
            ["500243001001", "城南社区"],  # exists already
            ["500243101003", "石坝村"],
            ["500243101003", "石坝村"],
            ["500244001001", "外县村"],
            ["50024310100", "短码"],
            ["500243101004", ""],
        ],
    )
    failure = refused(seeded, import_localities, path)
    assert failure.errors == [
        "第 2 行，代码：上级行政区划 500243103000 既不在系统中，也不在文件中",
        "第 3 行，代码：系统中已有这个行政区划：500243001001",
        "第 5 行，代码：与第 4 行重复：500243101003",
        "第 6 行，代码：500244001001 不在您的管辖范围（500243000000）内",
        "第 7 行，代码：行政区划代码必须是 12 位数字（村民小组为 15 位）：'50024310100'",
        "第 8 行，名称：不能为空",
    ]
    assert (failure.valid_rows, failure.total_rows) == (1, 7)


def test_localities_outside_the_scope_are_refused(seeded, tmp_path):
    path = write_csv(tmp_path / "区划.csv", [["代码", "名称"], ["500243101003", "石坝村"]])
    assert refused(seeded, import_localities, path, scope_code=HANJIA).errors == [
        "第 2 行，代码：500243101003 不在您的管辖范围（500243001000）内"
    ]


# --- Volume -------------------------------------------------------------------------------------


def test_two_thousand_residents_import_in_a_few_seconds(seeded, tmp_path):
    villages = [CITY_SOUTH, LONG_BEACH, CENTRE, "500243101002"]
    rows = [PERSON_HEADER]
    for i in range(2000):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=i * 13)
        village = villages[i % 4]
        rows.append(
            [
                f"居民{i:04d}",
                id_number(i % 1000, born),
                village,
                f"139{i:08d}",
                f"{village}-{i // 16:03d}",
                "户主" if i % 16 < 4 else "子女",
                "党员" if i % 7 == 0 else "老年人、低保户" if i % 5 == 0 else "",
                "",
            ]
        )
    path = write_csv(tmp_path / "居民.csv", rows)

    started = time.perf_counter()
    report = imported(seeded, import_persons, path)
    elapsed = time.perf_counter() - started

    assert (report.created, report.households_created, report.tags_created) == (2000, 500, 3)
    assert elapsed < 15, f"2000 行用了 {elapsed:.1f} 秒"
    with seeded.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 2000
        assert session.scalar(select(func.count()).select_from(person_tags)) > 500
        assert session.scalar(select(func.count()).select_from(EventRecord)) == 2000
        assert audit.verify(session).ok
